/**
 * The certificate checks of the mesh identity: what Linkerd accepts (ECDSA P-256 issuer CA signed by
 * the anchor, named identity.linkerd.<trustDomain>; anchor P-256 or RSA 2048/4096) and the clear
 * errors for what it does not (expired, non-CA, wrong curve...). Bad certificates are made here with
 * @peculiar/x509 through the CLI's generator.
 */
import { Issues, ValidationError } from '../../src/core/errors';
import { checkMeshCertificates, checkWebhookCertificate, EXPIRY_WARNING_DAYS, webhookHostnames } from '../../src/core/identity';
import { createCertificate, generateMeshCertificates, type GeneratedCertificate } from '../../src/core/identity/generate';

const DAY = 24 * 3600 * 1000;
const now = new Date();
const ago = (days: number) => new Date(now.getTime() - days * DAY);
const ahead = (days: number) => new Date(now.getTime() + days * DAY);

let anchor: GeneratedCertificate;
let good: GeneratedCertificate;

beforeAll(async () => {
  const certs = await generateMeshCertificates({ now });
  anchor = certs.trustAnchor;
  good = certs.issuer;
});

function issuer(overrides: Partial<Parameters<typeof createCertificate>[0]> = {}) {
  return createCertificate({
    commonName: 'identity.linkerd.cluster.local',
    dnsNames: ['identity.linkerd.cluster.local'],
    isCa: true,
    pathLength: 0,
    notBefore: ago(1),
    notAfter: ahead(365),
    signer: anchor,
    ...overrides,
  });
}

function check(issuerCert: GeneratedCertificate, opts: { anchorPem?: string; trustDomain?: string; keyPem?: string } = {}) {
  const issues = new Issues('test/mesh');
  const report = checkMeshCertificates(
    {
      trustAnchorPem: opts.anchorPem ?? anchor.certificatePem,
      issuerCertificatePem: issuerCert.certificatePem,
      issuerKeyPem: opts.keyPem ?? issuerCert.keyPem,
      trustDomain: opts.trustDomain ?? 'cluster.local',
    },
    issues,
    'identity.',
    now,
  );
  return { issues, report, messages: issues.all.map((i) => `${i.severity} ${i.field}: ${JSON.stringify(i.value)} ${i.allowed}`) };
}

function expectError(issues: Issues, field: string, pattern: RegExp): string {
  expect(() => issues.throwIfErrors()).toThrow(ValidationError);
  const msg = (() => {
    try {
      issues.throwIfErrors();
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  })();
  expect(msg).toContain(`[test/mesh] ${field}:`);
  expect(msg).toMatch(pattern);
  return msg;
}

test('a generated anchor and issuer pass every check, and the summary names them', () => {
  const { issues, report } = check(good);
  expect(issues.all).toEqual([]);
  expect(report.trustAnchors[0]).toMatchObject({ subject: 'CN=root.linkerd.cluster.local', isCa: true, key: { type: 'ec', curve: 'prime256v1' } });
  expect(report.issuer).toMatchObject({ subject: 'CN=identity.linkerd.cluster.local', isCa: true, dnsNames: ['identity.linkerd.cluster.local'] });
});

test('an expired issuer is an error that says when it expired', async () => {
  const expired = await issuer({ notBefore: ago(400), notAfter: ago(2) });
  const { issues } = check(expired);
  const msg = expectError(issues, 'identity.issuerCertificatePem', /expired on \d{4}-\d{2}-\d{2}/);
  expect(msg).toContain('expected a certificate valid now');
});

test('an issuer that is not a CA is an error', async () => {
  const leaf = await issuer({ isCa: false });
  const { issues } = check(leaf);
  const msg = expectError(issues, 'identity.issuerCertificatePem', /not a CA/);
  expect(msg).toContain('basicConstraints CA:TRUE');
});

test('an issuer on the wrong curve (P-384) is an error naming the curve', async () => {
  const p384 = await issuer({ keyType: 'ec-p384' });
  const { issues } = check(p384);
  const msg = expectError(issues, 'identity.issuerCertificatePem', /ECDSA P-384 key/);
  expect(msg).toContain('expected an issuer key of ECDSA P-256');
  expect(msg).toContain('identity.issuerKeyPem');
});

test('an issuer with less than 60 days left is a warning, not an error', async () => {
  const soon = await issuer({ notAfter: ahead(30) });
  const { issues } = check(soon);
  expect(issues.errors).toEqual([]);
  expect(issues.warnings).toHaveLength(1);
  expect(issues.warnings[0].field).toBe('identity.issuerCertificatePem');
  expect(String(issues.warnings[0].value)).toMatch(/in (29|30) days/);
  expect(issues.warnings[0].allowed).toContain(`${EXPIRY_WARNING_DAYS} days`);
});

test('an issuer signed by another anchor is an error naming both', async () => {
  const other = await generateMeshCertificates({ trustDomain: 'other.example', webhook: false });
  const { issues } = check(good, { anchorPem: other.trustAnchor.certificatePem });
  const msg = expectError(issues, 'identity.issuerCertificatePem', /expected an issuer signed by the trust anchor/);
  expect(msg).toContain('root.linkerd.other.example');
});

test('several anchors (rotation) are accepted when one of them signed the issuer', async () => {
  const other = await generateMeshCertificates({ trustDomain: 'other.example', webhook: false });
  const { issues, report } = check(good, { anchorPem: other.trustAnchor.certificatePem + anchor.certificatePem });
  expect(issues.errors).toEqual([]);
  expect(report.trustAnchors).toHaveLength(2);
});

test('a trust domain that does not match the issuer name is an error', () => {
  const { issues } = check(good, { trustDomain: 'prod.example' });
  expectError(issues, 'identity.issuerCertificatePem', /expected the issuer to be named "identity\.linkerd\.prod\.example"/);
});

test('a key that does not belong to the issuer is an error, and no key material is printed', async () => {
  const other = await issuer();
  const { issues } = check(good, { keyPem: other.keyPem });
  const msg = expectError(issues, 'identity.issuerKeyPem', /does not belong to the issuer certificate/);
  expect(msg).not.toContain('PRIVATE KEY');
  expect(msg).not.toContain(other.keyPem.split('\n')[1]);
});

test('garbage instead of PEMs is an error per field, and a garbled key is never echoed', () => {
  const issues = new Issues('test/mesh');
  checkMeshCertificates({ trustAnchorPem: 'nope', issuerCertificatePem: 'nope', issuerKeyPem: 'secret-ish value', trustDomain: 'cluster.local' }, issues, 'identity.', now);
  const fields = issues.errors.map((i) => i.field);
  expect(fields).toEqual(['identity.trustAnchorPem', 'identity.issuerCertificatePem', 'identity.issuerKeyPem']);
  expect(new ValidationError(issues.all).message).not.toContain('secret-ish value');
});

test('an RSA 2048 anchor is accepted; a non-CA anchor is not', async () => {
  const rsa = await createCertificate({ commonName: 'root.linkerd.cluster.local', isCa: true, keyType: 'rsa-2048', notBefore: ago(1), notAfter: ahead(3650) });
  const rsaIssuer = await issuer({ signer: rsa });
  expect(check(rsaIssuer, { anchorPem: rsa.certificatePem }).issues.errors).toEqual([]);

  const leafAnchor = await createCertificate({ commonName: 'root.linkerd.cluster.local', isCa: false, notBefore: ago(1), notAfter: ahead(3650) });
  const signedByLeaf = await issuer({ signer: leafAnchor });
  expectError(check(signedByLeaf, { anchorPem: leafAnchor.certificatePem }).issues, 'identity.trustAnchorPem', /not a CA/);
});

test('the webhook certificate must cover every webhook host name and match its key', async () => {
  const certs = await generateMeshCertificates({ namespace: 'mesh', webhook: true });
  const w = certs.webhook!;
  const ok = new Issues('test/mesh');
  checkWebhookCertificate({ certificatePem: w.certificatePem, keyPem: w.keyPem, caBundlePem: w.certificatePem, hostnames: webhookHostnames('mesh', 'linkerd-viz') }, ok, 'webhookCertificates.', now);
  expect(ok.all).toEqual([]);

  const wrongNs = new Issues('test/mesh');
  checkWebhookCertificate({ certificatePem: w.certificatePem, keyPem: w.keyPem, hostnames: webhookHostnames('linkerd') }, wrongNs, 'webhookCertificates.', now);
  expectError(wrongNs, 'webhookCertificates.certificatePem', /missing linkerd-proxy-injector\.linkerd\.svc/);

  const untrusted = new Issues('test/mesh');
  checkWebhookCertificate({ certificatePem: w.certificatePem, keyPem: w.keyPem, caBundlePem: anchor.certificatePem, hostnames: [] }, untrusted, 'webhookCertificates.', now);
  expectError(untrusted, 'webhookCertificates.caBundlePem', /does not trust/);
});
