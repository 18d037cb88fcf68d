/**
 * Checks of the certificates Linkerd's identity runs on: the trust anchor (root) and the issuer
 * (intermediate CA whose key signs every proxy's certificate), plus the webhook serving certificate.
 *
 * Parsing uses Node's own `crypto.X509Certificate`; nothing here generates keys (see `generate.ts`,
 * which only the `linkerd-constructs certs` command uses).
 */
import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from 'crypto';
import { Issues } from '../errors';
import { hasPemPrivateKey, pemCertificates } from './pem';

export { basicConstraintsPathLength, hasPemPrivateKey, pemCertificates, secretsHoldingPrivateKeys, toPkcs8PrivateKeyPem } from './pem';

/** Certificates closer than this to their expiry get a warning. */
export const EXPIRY_WARNING_DAYS = 60;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Rule text: what the trust anchor may be. */
export const TRUST_ANCHOR_RULE = 'expected one or more PEM certificates ("-----BEGIN CERTIFICATE-----"), each a CA with an ECDSA P-256 key or an RSA 2048/4096 key';
/** Rule text: what the issuer certificate must be. */
export const ISSUER_CERTIFICATE_RULE =
  'expected one PEM certificate ("-----BEGIN CERTIFICATE-----"): a CA (basicConstraints CA:TRUE) with an ECDSA P-256 key, signed by the trust anchor';
/** Rule text: what the issuer key must be. */
export const ISSUER_KEY_RULE = 'expected the PEM private key ("-----BEGIN EC PRIVATE KEY-----" or "-----BEGIN PRIVATE KEY-----") of the issuer certificate, ECDSA P-256';

/** The public key of a certificate, as far as Linkerd cares. */
export interface CertificateKeyInfo {
  /** `ec`, `rsa`, `ed25519`... (Node's `asymmetricKeyType`). */
  readonly type: string;
  /** For EC keys: the curve in OpenSSL's name (`prime256v1` is P-256). */
  readonly curve?: string;
  /** For RSA keys: the modulus length in bits. */
  readonly bits?: number;
}

/** What a check learned about one certificate (for messages and outputs; never key material). */
export interface CertificateSummary {
  /** Subject distinguished name, e.g. `CN=identity.linkerd.cluster.local`. */
  readonly subject: string;
  /** DNS subject alternative names. */
  readonly dnsNames: readonly string[];
  /** True when basicConstraints says CA:TRUE. */
  readonly isCa: boolean;
  /** Public key type and size. */
  readonly key: CertificateKeyInfo;
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity. */
  readonly notAfter: Date;
  /** SHA-256 fingerprint (colon-separated hex). */
  readonly fingerprint256: string;
}

/** Describes a key in words: `ECDSA P-256`, `RSA 2048`, `ed25519`. */
export function describeKey(key: CertificateKeyInfo): string {
  if (key.type === 'ec') return `ECDSA ${curveName(key.curve)}`;
  if (key.type === 'rsa') return `RSA ${key.bits ?? '?'}`;
  return key.type;
}

function curveName(curve: string | undefined): string {
  switch (curve) {
    case 'prime256v1':
      return 'P-256';
    case 'secp384r1':
      return 'P-384';
    case 'secp521r1':
      return 'P-521';
    default:
      return curve ?? 'unknown curve';
  }
}

function keyInfo(key: KeyObject): CertificateKeyInfo {
  const details = key.asymmetricKeyDetails ?? {};
  return { type: key.asymmetricKeyType ?? 'unknown', curve: details.namedCurve, bits: details.modulusLength };
}

function dnsNames(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (!san) return [];
  return san
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
}

/** Summarizes a parsed certificate. */
export function summarizeCertificate(cert: X509Certificate): CertificateSummary {
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    dnsNames: dnsNames(cert),
    isCa: cert.ca,
    key: keyInfo(cert.publicKey),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    fingerprint256: cert.fingerprint256,
  };
}

function isP256(key: CertificateKeyInfo): boolean {
  return key.type === 'ec' && key.curve === 'prime256v1';
}

function isAllowedAnchorKey(key: CertificateKeyInfo): boolean {
  return isP256(key) || (key.type === 'rsa' && (key.bits === 2048 || key.bits === 4096));
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Records an error when `cert` is expired or not yet valid, a warning when it expires within {@link EXPIRY_WARNING_DAYS}. */
function checkValidity(issues: Issues, field: string, what: string, s: CertificateSummary, now: Date): void {
  if (s.notAfter.getTime() <= now.getTime()) {
    issues.error(field, `${what} "${s.subject}" expired on ${day(s.notAfter)}`, `expected a certificate valid now (${day(now)}); issue a new one (e.g. \`linkerd-constructs certs --force\`)`);
    return;
  }
  if (s.notBefore.getTime() > now.getTime()) {
    issues.error(field, `${what} "${s.subject}" is not valid before ${s.notBefore.toISOString()}`, `expected a certificate valid now (${now.toISOString()}); check the clock of the machine that issued it`);
    return;
  }
  const daysLeft = Math.floor((s.notAfter.getTime() - now.getTime()) / DAY_MS);
  if (daysLeft < EXPIRY_WARNING_DAYS) {
    issues.warn(field, `${what} "${s.subject}" expires on ${day(s.notAfter)} (in ${daysLeft} days)`, `expected at least ${EXPIRY_WARNING_DAYS} days of validity left; rotate it soon`);
  }
}

/** The DNS name Linkerd expects on the issuer certificate for a trust domain. */
export function issuerDnsName(trustDomain: string): string {
  return `identity.linkerd.${trustDomain}`;
}

/** Input of {@link checkMeshCertificates}. */
export interface MeshCertificatesInput {
  /** Trust anchor(s), PEM. */
  readonly trustAnchorPem: string;
  /** Issuer certificate, PEM. */
  readonly issuerCertificatePem: string;
  /** Issuer private key, PEM. Never printed. */
  readonly issuerKeyPem: string;
  /** Trust domain the issuer must serve (`identity.linkerd.<trustDomain>`). */
  readonly trustDomain: string;
}

/** What {@link checkMeshCertificates} learned. */
export interface MeshCertificatesReport {
  /** One summary per trust anchor certificate. */
  readonly trustAnchors: readonly CertificateSummary[];
  /** The issuer, when it parsed. */
  readonly issuer?: CertificateSummary;
}

/**
 * A CA bundle the API server will trust for a webhook: one or more certificates that parse, no
 * private key, none expired.
 */
export function checkCaBundle(pem: string, issues: Issues, field: string, now: Date = new Date()): void {
  if (hasPemPrivateKey(String(pem))) {
    issues.error(field, 'a PEM holding a private key', 'expected only certificates: the CA bundle is public; the keys stay in the Secrets');
    return;
  }
  const blocks = pemCertificates(String(pem ?? ''));
  if (blocks.length === 0) issues.error(field, pem, 'expected the CA certificate(s) that signed the webhooks\' serving certificates, PEM');
  for (const block of blocks) {
    try {
      checkValidity(issues, field, 'CA bundle certificate', summarizeCertificate(new X509Certificate(block)), now);
    } catch (e) {
      issues.error(field, `an unparsable certificate (${(e as Error).message})`, 'expected PEM certificates');
    }
  }
}

/**
 * Checks trust anchors alone (the part of {@link checkMeshCertificates} that needs no issuer): each
 * parses, is a CA, has an ECDSA P-256 or RSA 2048/4096 key, and is not expired. Returns the parsed ones.
 */
export function checkTrustAnchors(trustAnchorPem: string, issues: Issues, fAnchor: string, now: Date = new Date()): X509Certificate[] {
  const anchors: X509Certificate[] = [];
  const anchorBlocks = pemCertificates(trustAnchorPem);
  if (anchorBlocks.length === 0) issues.error(fAnchor, trustAnchorPem, TRUST_ANCHOR_RULE);
  for (const [i, block] of anchorBlocks.entries()) {
    const field = anchorBlocks.length > 1 ? `${fAnchor} (certificate ${i + 1})` : fAnchor;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch (e) {
      issues.error(field, `an unparsable certificate (${(e as Error).message})`, TRUST_ANCHOR_RULE);
      continue;
    }
    const s = summarizeCertificate(cert);
    issues.check(s.isCa, field, `"${s.subject}", not a CA`, 'expected a CA certificate (basicConstraints CA:TRUE) as trust anchor');
    issues.check(
      isAllowedAnchorKey(s.key),
      field,
      `"${s.subject}" with a ${describeKey(s.key)} key`,
      'expected a trust anchor key of ECDSA P-256 (or RSA 2048/4096); Linkerd rejects other curves and sizes',
    );
    checkValidity(issues, field, 'trust anchor', s, now);
    anchors.push(cert);
  }
  return anchors;
}

/**
 * Checks a trust anchor and issuer the way Linkerd needs them:
 *  - the trust anchor parses, is a CA, and has an ECDSA P-256 or RSA 2048/4096 key;
 *  - the issuer is one certificate, a CA, with an ECDSA P-256 key, signed by (one of) the anchor(s);
 *  - the issuer key parses, is ECDSA P-256 and matches the issuer certificate;
 *  - the issuer is named `identity.linkerd.<trustDomain>` (a DNS SAN; Linkerd verifies it by that name);
 *  - no certificate is expired (error) or expires within 60 days (warning).
 *
 * Issues are recorded on `issues` under `<fieldPrefix>trustAnchorPem` etc.; key material never
 * appears in them.
 */
export function checkMeshCertificates(
  input: MeshCertificatesInput,
  issues: Issues,
  fieldPrefix = '',
  now: Date = new Date(),
): MeshCertificatesReport {
  const fAnchor = `${fieldPrefix}trustAnchorPem`;
  const fIssuer = `${fieldPrefix}issuerCertificatePem`;
  const fKey = `${fieldPrefix}issuerKeyPem`;

  const anchors = checkTrustAnchors(input.trustAnchorPem, issues, fAnchor, now);

  // issuer certificate
  let issuer: X509Certificate | undefined;
  const issuerBlocks = pemCertificates(input.issuerCertificatePem);
  if (issuerBlocks.length !== 1) {
    issues.error(fIssuer, issuerBlocks.length === 0 ? input.issuerCertificatePem : `${issuerBlocks.length} certificates`, ISSUER_CERTIFICATE_RULE);
  } else {
    try {
      issuer = new X509Certificate(issuerBlocks[0]);
    } catch (e) {
      issues.error(fIssuer, `an unparsable certificate (${(e as Error).message})`, ISSUER_CERTIFICATE_RULE);
    }
  }
  let issuerSummary: CertificateSummary | undefined;
  if (issuer) {
    const s = summarizeCertificate(issuer);
    issuerSummary = s;
    issues.check(
      s.isCa,
      fIssuer,
      `"${s.subject}", not a CA`,
      'expected the issuer to be a CA certificate (basicConstraints CA:TRUE): it signs every proxy certificate (step: --profile intermediate-ca)',
    );
    issues.check(
      isP256(s.key),
      fIssuer,
      `"${s.subject}" with a ${describeKey(s.key)} key`,
      'expected an issuer key of ECDSA P-256 (prime256v1): Linkerd\'s identity controller only signs with P-256',
    );
    const expected = issuerDnsName(input.trustDomain);
    issues.check(
      s.dnsNames.includes(expected),
      fIssuer,
      `"${s.subject}" with DNS names [${s.dnsNames.join(', ')}]`,
      `expected the issuer to be named "${expected}" (a DNS subject alternative name) for trust domain "${input.trustDomain}"`,
    );
    checkValidity(issues, fIssuer, 'issuer', s, now);
    if (anchors.length > 0) {
      const signer = anchors.find((a) => issuer!.checkIssued(a) && verifies(issuer!, a.publicKey));
      issues.check(
        signer !== undefined,
        fIssuer,
        `"${s.subject}" issued by "${issuer.issuer.replace(/\n/g, ', ')}"`,
        `expected an issuer signed by the trust anchor (${anchors.map((a) => `"${a.subject.replace(/\n/g, ', ')}"`).join(', ')})`,
      );
    }
  }

  // issuer key
  let key: KeyObject | undefined;
  try {
    key = createPrivateKey(input.issuerKeyPem);
  } catch {
    issues.error(fKey, typeof input.issuerKeyPem === 'string' && input.issuerKeyPem.includes('PRIVATE KEY') ? 'an unparsable private key' : 'a value that is not a PEM private key', ISSUER_KEY_RULE);
  }
  if (key) {
    const info = keyInfo(key);
    issues.check(isP256(info), fKey, `a ${describeKey(info)} private key`, ISSUER_KEY_RULE);
    if (issuer && isP256(info)) {
      const matches = createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(issuer.publicKey.export({ type: 'spki', format: 'der' }));
      issues.check(matches, fKey, 'a private key that does not belong to the issuer certificate', 'expected the private key of issuerCertificatePem');
    }
  }
  return { trustAnchors: anchors.map(summarizeCertificate), issuer: issuerSummary };
}

function verifies(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.verify(key);
  } catch {
    return false;
  }
}

/** Input of {@link checkWebhookCertificate}. */
export interface WebhookCertificateInput {
  /** Serving certificate of the webhooks, PEM. */
  readonly certificatePem: string;
  /** Its private key, PEM. Never printed. */
  readonly keyPem: string;
  /** CA bundle the API server trusts for the webhooks (defaults to the certificate itself). */
  readonly caBundlePem?: string;
  /** Host names the certificate must cover. */
  readonly hostnames: readonly string[];
}

/**
 * Checks the serving certificate shared by Linkerd's three webhooks (proxy injector, ServiceProfile
 * validator, policy validator): it parses, covers every webhook host name, matches its key, is
 * trusted by the CA bundle, and is not expired (warning under 60 days).
 */
export function checkWebhookCertificate(input: WebhookCertificateInput, issues: Issues, fieldPrefix = '', now: Date = new Date()): CertificateSummary | undefined {
  const fCert = `${fieldPrefix}certificatePem`;
  const blocks = pemCertificates(input.certificatePem);
  let cert: X509Certificate | undefined;
  try {
    cert = blocks.length > 0 ? new X509Certificate(blocks[0]) : undefined;
  } catch {
    cert = undefined;
  }
  if (!cert) {
    issues.error(fCert, input.certificatePem, 'expected a PEM certificate ("-----BEGIN CERTIFICATE-----") for the webhooks');
    return undefined;
  }
  const s = summarizeCertificate(cert);
  const missing = input.hostnames.filter((h) => !s.dnsNames.includes(h));
  issues.check(
    missing.length === 0,
    fCert,
    `"${s.subject}" with DNS names [${s.dnsNames.join(', ')}]`,
    `expected DNS names covering ${input.hostnames.map((h) => `"${h}"`).join(', ')} (missing ${missing.join(', ')}); \`linkerd-constructs certs --namespace <ns>\` writes such a certificate`,
  );
  checkValidity(issues, fCert, 'webhook certificate', s, now);
  let key: KeyObject | undefined;
  try {
    key = createPrivateKey(input.keyPem);
  } catch {
    issues.error(`${fieldPrefix}keyPem`, 'an unparsable private key', 'expected the PEM private key of the webhook certificate');
  }
  if (key) {
    const matches = createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(cert.publicKey.export({ type: 'spki', format: 'der' }));
    issues.check(matches, `${fieldPrefix}keyPem`, 'a private key that does not belong to the webhook certificate', 'expected the private key of certificatePem');
  }
  if (input.caBundlePem !== undefined) {
    const cas = pemCertificates(input.caBundlePem).map((b) => new X509Certificate(b));
    const trusted = cas.some((ca) => ca.fingerprint256 === cert!.fingerprint256 || (cert!.checkIssued(ca) && verifies(cert!, ca.publicKey)));
    issues.check(trusted, `${fieldPrefix}caBundlePem`, `a bundle of ${cas.length} certificate(s) that does not trust "${s.subject}"`, 'expected the webhook certificate itself or the CA that signed it');
  }
  return s;
}
