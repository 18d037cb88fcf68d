/** Host props and test keys for the host and external workload tests. */
import type { ExternalWorkloadHostProps } from '../../../src/core/host/props';

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
