/**
 * The objects that carry the identity: the issuer Secret of modes 1/2 and the cert-manager /
 * trust-manager objects of mode 3 (Linkerd's rotation guide), and the webhook certificate objects.
 */
import { ValidationError } from '../../src/core/errors';
import {
  certManagerIdentityObjects,
  certManagerWebhookObjects,
  identityIssuerSecret,
  MeshIdentity,
  webhookSecrets,
} from '../../src/core/identity';
import { expectMeshConformant, secretData } from '../mesh/support';

test('the issuer Secret uses the kubernetes.io/tls scheme: tls.crt, tls.key, ca.crt', () => {
  const s = identityIssuerSecret('mesh', { issuerCertificatePem: 'CRT\n', issuerKeyPem: 'KEY', trustAnchorPem: 'CA' });
  expect(s.metadata).toEqual({
    name: 'linkerd-identity-issuer',
    namespace: 'mesh',
    labels: { 'linkerd.io/control-plane-component': 'identity', 'linkerd.io/control-plane-ns': 'mesh' },
  });
  expect(s.type).toBe('kubernetes.io/tls');
  expect(Object.keys(s.data!).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
  expect(secretData(s, 'tls.crt')).toBe('CRT\n');
  expect(secretData(s, 'tls.key')).toBe('KEY\n');
  expectMeshConformant([s]);
});

test('mode 3 follows the rotation guide: self-signed root, CA ClusterIssuer, issuer Certificate, trust Bundle', () => {
  const objs = certManagerIdentityObjects('linkerd', 'prod.example', { issuerDuration: '72h0m0s' });
  expectMeshConformant(objs);
  const byKind = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name) as any;
  expect(byKind('Issuer', 'linkerd-trust-root-issuer').spec).toEqual({ selfSigned: {} });
  const anchor = byKind('Certificate', 'linkerd-trust-anchor');
  expect(anchor.metadata.namespace).toBe('cert-manager');
  // rotationPolicy Always and the Bundle reading tls.crt: as Linkerd's guide (automatically-rotating-control-plane-tls-credentials.md) has them
  expect(anchor.spec).toMatchObject({ isCA: true, commonName: 'root.linkerd.prod.example', privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' } });
  expect(byKind('ClusterIssuer', 'linkerd-trust-anchor').spec).toEqual({ ca: { secretName: 'linkerd-trust-anchor' } });
  const issuer = byKind('Certificate', 'linkerd-identity-issuer');
  expect(issuer.metadata.namespace).toBe('linkerd');
  expect(issuer.spec).toMatchObject({
    isCA: true,
    secretName: 'linkerd-identity-issuer',
    dnsNames: ['identity.linkerd.prod.example'],
    duration: '72h0m0s',
    privateKey: { algorithm: 'ECDSA', size: 256 },
    issuerRef: { kind: 'ClusterIssuer', name: 'linkerd-trust-anchor' },
  });
  const bundle = byKind('Bundle', 'linkerd-identity-trust-roots');
  expect(bundle.spec.sources).toEqual([{ secret: { name: 'linkerd-trust-anchor', key: 'tls.crt' } }]);
  expect(bundle.spec.target).toEqual({ configMap: { key: 'ca-bundle.crt' }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'linkerd' } } });
  // no key anywhere in mode 3
  expect(JSON.stringify(objs)).not.toContain('PRIVATE KEY');
});

test('MeshIdentity.certManager rejects a bad duration naming the option', () => {
  expect(() => MeshIdentity.certManager({ issuerRenewBefore: 'one day' })).toThrow(ValidationError);
  expect(() => MeshIdentity.certManager({ issuerRenewBefore: 'one day' })).toThrow(/\[MeshIdentity.certManager\] issuerRenewBefore: received "one day"; expected a duration/);
});

test('webhook certificates: one Certificate per webhook from a namespaced CA; supplied ones as kubernetes.io/tls Secrets', () => {
  const cm = certManagerWebhookObjects('linkerd', 'linkerd-viz');
  expectMeshConformant(cm);
  const leaves = cm.filter((o: any) => o.kind === 'Certificate' && !o.spec.isCA) as any[];
  expect(leaves.map((c) => [c.metadata.namespace, c.spec.secretName, c.spec.dnsNames[0]])).toEqual([
    ['linkerd', 'linkerd-proxy-injector-k8s-tls', 'linkerd-proxy-injector.linkerd.svc'],
    ['linkerd', 'linkerd-sp-validator-k8s-tls', 'linkerd-sp-validator.linkerd.svc'],
    ['linkerd', 'linkerd-policy-validator-k8s-tls', 'linkerd-policy-validator.linkerd.svc'],
    ['linkerd-viz', 'tap-k8s-tls', 'tap.linkerd-viz.svc'],
    ['linkerd-viz', 'tap-injector-k8s-tls', 'tap-injector.linkerd-viz.svc'],
  ]);
  const secrets = webhookSecrets('linkerd', undefined, { certificatePem: 'C', keyPem: 'K', caBundlePem: 'CA' });
  expect(secrets.map((s) => s.metadata.name)).toEqual(['linkerd-proxy-injector-k8s-tls', 'linkerd-sp-validator-k8s-tls', 'linkerd-policy-validator-k8s-tls']);
  expect(secrets.every((s) => s.type === 'kubernetes.io/tls')).toBe(true);
  expectMeshConformant(secrets);
});
