/**
 * Key and certificate generation, for the `linkerd-constructs certs` command only: synthesis never
 * generates keys (it reads what this wrote). Uses WebCrypto through `@peculiar/x509`.
 *
 * Not exported from the core entry point, so importing `linkerd-constructs` does not load it.
 */
import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'crypto';
import * as x509 from '@peculiar/x509';
import { issuerDnsName } from './certificates';
import { webhookHostnames } from './objects';

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

const DAY_MS = 24 * 60 * 60 * 1000;

/** Key types {@link createCertificate} can make. */
export type GeneratedKeyType = 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'rsa-4096';

/** A certificate to create. */
export interface CertificateSpec {
  /** Subject common name. */
  readonly commonName: string;
  /** DNS subject alternative names. @default none */
  readonly dnsNames?: readonly string[];
  /** basicConstraints CA flag. */
  readonly isCa: boolean;
  /** basicConstraints path length (CA only). @default unlimited */
  readonly pathLength?: number;
  /** Key type. @default 'ec-p256' */
  readonly keyType?: GeneratedKeyType;
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity. */
  readonly notAfter: Date;
  /** Extended key usages (server auth, client auth). @default none */
  readonly serverAuth?: boolean;
  /** Client auth extended key usage. @default false */
  readonly clientAuth?: boolean;
  /** Signer (certificate and key PEM); self-signed when absent. */
  readonly signer?: { readonly certificatePem: string; readonly keyPem: string };
}

/** A certificate and its private key, PEM. */
export interface GeneratedCertificate {
  /** The certificate, PEM. */
  readonly certificatePem: string;
  /** Its private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), the one form every consumer loads (see `toPkcs8PrivateKeyPem`). */
  readonly keyPem: string;
}

function algorithm(keyType: GeneratedKeyType): RsaHashedKeyGenParams | EcKeyGenParams {
  switch (keyType) {
    case 'ec-p256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'ec-p384':
      return { name: 'ECDSA', namedCurve: 'P-384' };
    case 'rsa-2048':
    case 'rsa-4096':
      return { name: 'RSASSA-PKCS1-v1_5', modulusLength: keyType === 'rsa-2048' ? 2048 : 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  }
}

function signingAlgorithm(key: CryptoKey): Algorithm | EcdsaParams {
  return key.algorithm.name === 'ECDSA' ? ({ name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams) : { name: 'RSASSA-PKCS1-v1_5' };
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string;
}

async function importSigner(keyPem: string): Promise<CryptoKey> {
  const node = createPrivateKey(keyPem);
  const der = node.export({ type: 'pkcs8', format: 'der' });
  const alg =
    node.asymmetricKeyType === 'ec'
      ? { name: 'ECDSA', namedCurve: node.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return crypto.subtle.importKey('pkcs8', der, alg, false, ['sign']);
}

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0] % 0x80; // positive
  return Buffer.from(bytes).toString('hex');
}

/** Creates a key pair and a certificate for it (self-signed, or signed by `spec.signer`). */
export async function createCertificate(spec: CertificateSpec): Promise<GeneratedCertificate> {
  const keys = (await crypto.subtle.generateKey(algorithm(spec.keyType ?? 'ec-p256'), true, ['sign', 'verify'])) as CryptoKeyPair;
  const usages = spec.isCa
    ? x509.KeyUsageFlags.keyCertSign + x509.KeyUsageFlags.cRLSign + x509.KeyUsageFlags.digitalSignature
    : x509.KeyUsageFlags.digitalSignature + x509.KeyUsageFlags.keyEncipherment;
  const eku: string[] = [];
  if (spec.serverAuth) eku.push(x509.ExtendedKeyUsage.serverAuth);
  if (spec.clientAuth) eku.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(spec.isCa, spec.isCa ? spec.pathLength : undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (eku.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(eku, false));
  if (spec.dnsNames && spec.dnsNames.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(spec.dnsNames.map((value) => ({ type: 'dns' as const, value }))));
  }
  const name = `CN=${spec.commonName}`;
  let cert: x509.X509Certificate;
  if (!spec.signer) {
    cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name,
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      keys,
      signingAlgorithm: signingAlgorithm(keys.privateKey),
      extensions,
    });
  } else {
    const signerCert = new x509.X509Certificate(spec.signer.certificatePem);
    const signingKey = await importSigner(spec.signer.keyPem);
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(signerCert.publicKey));
    cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: name,
      issuer: signerCert.subject,
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: signingAlgorithm(signingKey),
      extensions,
    });
  }
  return { certificatePem: `${cert.toString('pem')}\n`, keyPem: await exportKeyPem(keys.privateKey) };
}

/** Options of {@link generateMeshCertificates}. */
export interface GenerateMeshCertificatesOptions {
  /** Trust domain: the issuer is named `identity.linkerd.<trustDomain>`. @default 'cluster.local' */
  readonly trustDomain?: string;
  /** Control plane namespace (webhook host names). @default 'linkerd' */
  readonly namespace?: string;
  /** Viz namespace (webhook host names). @default 'linkerd-viz' */
  readonly vizNamespace?: string;
  /** Trust anchor validity. @default 3650 (10 years) */
  readonly trustAnchorDays?: number;
  /** Issuer validity. @default 365 */
  readonly issuerDays?: number;
  /** Webhook certificate validity. @default 365 */
  readonly webhookDays?: number;
  /** Also create the webhook serving certificate. @default true */
  readonly webhook?: boolean;
  /** Also create the SPIRE upstream CA (an intermediate for a `SpireServerHost`). @default true */
  readonly spireCa?: boolean;
  /** "Now" (tests). @default the current time */
  readonly now?: Date;
}

/** Everything `linkerd-constructs certs` writes. */
export interface GeneratedMeshCertificates {
  /** Trust anchor (`ca.crt`). */
  readonly trustAnchor: GeneratedCertificate;
  /** Issuer (`issuer.crt`), signed by the anchor. */
  readonly issuer: GeneratedCertificate;
  /** Webhook serving certificate (`webhook.crt`), self-signed. */
  readonly webhook?: GeneratedCertificate;
  /** SPIRE upstream CA (`spire-ca.crt`): an intermediate signed by the anchor, path length 1 (SPIRE's own CA below it). */
  readonly spireCa?: GeneratedCertificate;
}

/**
 * Creates, like `step certificate create` in Linkerd's docs: an ECDSA P-256 root CA
 * `root.linkerd.<trustDomain>`, an ECDSA P-256 intermediate CA `identity.linkerd.<trustDomain>`
 * (path length 0) signed by it, a self-signed webhook certificate covering every webhook host name, and
 * the SPIRE upstream CA for a `SpireServerHost` (path length 1), signed by the anchor (path length 2).
 */
export async function generateMeshCertificates(options: GenerateMeshCertificatesOptions = {}): Promise<GeneratedMeshCertificates> {
  const trustDomain = options.trustDomain ?? 'cluster.local';
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 60_000);
  const days = (n: number) => new Date(now.getTime() + n * DAY_MS);
  // path length 2: the issuer (then proxy certificates), or the SPIRE upstream CA, then SPIRE's own CA (then SVIDs)
  const trustAnchor = await createCertificate({
    commonName: `root.linkerd.${trustDomain}`,
    isCa: true,
    pathLength: 2,
    notBefore,
    notAfter: days(options.trustAnchorDays ?? 3650),
  });
  const issuerName = issuerDnsName(trustDomain);
  // intermediates never outlive the anchor that signs them (verifiers reject what does)
  const anchorEnd = days(options.trustAnchorDays ?? 3650);
  const within = (n: number) => new Date(Math.min(days(n).getTime(), anchorEnd.getTime()));
  const issuer = await createCertificate({
    commonName: issuerName,
    dnsNames: [issuerName],
    isCa: true,
    pathLength: 0,
    notBefore,
    notAfter: within(options.issuerDays ?? 365),
    signer: trustAnchor,
  });
  let webhook: GeneratedCertificate | undefined;
  if (options.webhook !== false) {
    const hosts = webhookHostnames(options.namespace ?? 'linkerd', options.vizNamespace ?? 'linkerd-viz');
    webhook = await createCertificate({
      commonName: hosts[0],
      dnsNames: hosts,
      isCa: false,
      serverAuth: true,
      notBefore,
      notAfter: days(options.webhookDays ?? 365),
    });
  }
  const spireCa =
    options.spireCa === false
      ? undefined
      : await createCertificate({
        commonName: `spire-upstream-ca.${trustDomain}`,
        isCa: true,
        pathLength: 1,
        notBefore,
        notAfter: within(options.issuerDays ?? 365),
        signer: trustAnchor,
      });
  return { trustAnchor, issuer, webhook, ...(spireCa ? { spireCa } : {}) };
}
