/** Host props and test keys for the host and external workload tests. */
import * as fs from 'fs';
import * as path from 'path';
import type { ExternalWorkloadHostProps } from '../../../src/core/host/props';

/** A real trust anchor (a self-signed CA, the mesh-expansion example's): hosts check that theirs is a root. */
export const TRUST_ANCHOR_PEM = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'mesh-expansion', 'trust-anchor.crt'), 'utf8').trim();

/** The SPIRE upstream CA the example's anchor signed (its key discarded): what a local SPIRE server is given. */
export const SPIRE_CA_PEM = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'mesh-expansion', 'spire-ca.crt'), 'utf8').trim();

/** A test private key (stands for the SPIRE upstream CA's), recognisable in any output it must never reach. */
export const UPSTREAM_CA_KEY_PEM = [
  '-----BEGIN EC PRIVATE KEY-----',
  'MHcCAQEEIFNFQ1JFVC1LRVktTUFURVJJQUwtZG8tbm90LWxlYWstdGhpcy1rZXmg',
  'CgYIKoZIzj0DAQehRANCAAQSECRETKEYMATERIALSECRETKEYMATERIALSECRETK',
  '-----END EC PRIVATE KEY-----',
].join('\n');

/** A line of the test key, to search outputs for. */
export const KEY_BODY_LINE = 'MHcCAQEEIFNFQ1JFVC1LRVktTUFURVJJQUwtZG8tbm90LWxlYWstdGhpcy1rZXmg';

/** The seed's host: `external-workload` in `mixed-env`, serving http on 80. */
export function seedHostProps(overrides: Partial<ExternalWorkloadHostProps> = {}): ExternalWorkloadHostProps {
  return {
    name: 'external-workload',
    namespace: 'mixed-env',
    nodeName: 'my-vm',
    workloadIps: ['192.0.2.10'],
    ports: [{ name: 'http', port: 80 }],
    labels: { app: 'legacy-app' },
    identity: 'spiffe://root.linkerd.cluster.local/external-workload',
    serverName: 'external-workload.cluster.local',
    trustAnchorPem: TRUST_ANCHOR_PEM,
    spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'url', sha256: 'a'.repeat(64) } },
    proxy: { binary: { kind: 'url', url: 'https://downloads.example.com/linkerd2-proxy', sha256: 'b'.repeat(64) } },
    // any CA certificate stands for the API server's here; the readiness tests serve a real one
    readiness: { apiServerUrl: 'https://203.0.113.10:6443', apiServerCaPem: TRUST_ANCHOR_PEM },
    ...overrides,
  };
}
