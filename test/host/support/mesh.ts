/** A default mesh and host props for the host and external workload tests. */
import { controlPlaneEndpoints } from '../../../src/core/constants';
import type { ExternalWorkloadHostProps } from '../../../src/core/host/props';
import type { MeshInfo } from '../../../src/core/mesh-info';

/** A mesh as `linkerd install` makes it by default. */
export function defaultMesh(overrides: Partial<MeshInfo> = {}): MeshInfo {
  const namespace = overrides.namespace ?? 'linkerd';
  const trustDomain = overrides.trustDomain ?? 'cluster.local';
  const clusterDomain = overrides.clusterDomain ?? 'cluster.local';
  return {
    namespace,
    trustDomain,
    clusterDomain,
    defaultInboundPolicy: 'all-unauthenticated',
    clusterNetworks: ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', 'fd00::/8'],
    highAvailability: false,
    cniEnabled: false,
    endpoints: controlPlaneEndpoints(namespace, trustDomain, clusterDomain),
    ...overrides,
  };
}

/** A test certificate (not a real key pair: the plan only carries it). */
export const TRUST_ANCHOR_PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBjjCCATOgAwIBAgIQdGVzdC10cnVzdC1hbmNob3IwCgYIKoZIzj0EAwIwJTEj',
  'MCEGA1UEAxMacm9vdC5saW5rZXJkLmNsdXN0ZXIubG9jYWwwHhcNMjQwMTAxMDAw',
  '-----END CERTIFICATE-----',
].join('\n');

/** A test private key, recognisable in any output it must never reach. */
export const TRUST_ANCHOR_KEY_PEM = [
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
    spire: { install: { kind: 'url', sha256: 'a'.repeat(64) } },
    proxy: { binary: { kind: 'url', url: 'https://downloads.example.com/linkerd2-proxy', sha256: 'b'.repeat(64) } },
    ...overrides,
  };
}
