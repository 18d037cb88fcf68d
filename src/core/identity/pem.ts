/**
 * PEM text: certificate blocks, private key blocks (found, converted to PKCS#8, found in Secrets) and
 * a certificate's basicConstraints path length.
 */
import { createPrivateKey, type KeyObject, type X509Certificate } from 'crypto';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Splits a PEM bundle into its certificate blocks (other blocks are ignored). */
export function pemCertificates(pem: string): string[] {
  return typeof pem === 'string' ? (pem.match(CERT_BLOCK) ?? []) : [];
}

/** True when the text holds a PEM private key block of any form (PKCS#8, SEC1, PKCS#1, encrypted). */
export function hasPemPrivateKey(text: string): boolean {
  return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text);
}

/**
 * A private key in PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), whatever PEM form it came in (SEC1
 * `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`, or PKCS#8 already): the one form every consumer of our
 * keys loads. Linkerd's policy controller serves its admission webhook through kubert, whose rustls
 * server reads PKCS#8 and then PKCS#1 keys only (kubert `kubert/src/server/tls_rustls.rs`,
 * `load_private_key`: `rustls_pemfile::pkcs8_private_keys`, then `rsa_private_keys`; linkerd2
 * edge-26.8.3 pins kubert v0.27.0 in `Cargo.toml`), so a SEC1 key there stops the destination pod at
 * start-up. Conversion is deterministic (the same key gives the same text).
 *
 * @throws Error naming `field` and the `openssl pkcs8 -topk8 -nocrypt` command when the text is not a key
 */
export function toPkcs8PrivateKeyPem(keyPem: string, field = 'keyPem'): string {
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new Error(
      `${field}: expected an unencrypted PEM private key (PKCS#8 "-----BEGIN PRIVATE KEY-----", or SEC1/PKCS#1, which is converted); ` +
        'convert other forms with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pkcs8.pem',
    );
  }
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/**
 * `namespace/name` of every Secret among `objects` whose `data` (base64) or `stringData` holds a PEM
 * private key: what must never reach a file meant for Git.
 */
export function secretsHoldingPrivateKeys(objects: readonly unknown[]): string[] {
  const found: string[] = [];
  for (const o of objects) {
    const obj = o as {
      kind?: unknown;
      metadata?: { name?: string; namespace?: string };
      data?: Record<string, unknown>;
      stringData?: Record<string, unknown>;
    } | null;
    if (!obj || obj.kind !== 'Secret') continue;
    const values = [
      ...Object.values(obj.data ?? {}).map((v) => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '')),
      ...Object.values(obj.stringData ?? {}).map((v) => (typeof v === 'string' ? v : '')),
    ];
    if (values.some(hasPemPrivateKey)) found.push(`${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`);
  }
  return found;
}

/**
 * The basicConstraints path length of a certificate (how many CA certificates may follow it down a
 * chain), read from its DER: `undefined` when it sets none (unlimited) or is not a CA. Verifiers
 * (openssl, rustls-webpki in the proxy) reject chains that exceed it.
 */
export function basicConstraintsPathLength(cert: X509Certificate): number | undefined {
  const der = cert.raw;
  // OID 2.5.29.19 (basicConstraints): 06 03 55 1d 13
  for (let i = 0; i + 5 <= der.length; i++) {
    if (der[i] !== 0x06 || der[i + 1] !== 0x03 || der[i + 2] !== 0x55 || der[i + 3] !== 0x1d || der[i + 4] !== 0x13) continue;
    let j = i + 5;
    if (der[j] === 0x01) j += 2 + der[j + 1]; // critical BOOLEAN
    if (der[j] !== 0x04) return undefined; // OCTET STRING
    j += 2;
    if (der[j] !== 0x30) return undefined; // SEQUENCE
    const end = j + 2 + der[j + 1];
    j += 2;
    if (j < end && der[j] === 0x01) j += 2 + der[j + 1]; // cA BOOLEAN
    if (j < end && der[j] === 0x02) {
      const len = der[j + 1];
      let n = 0;
      for (let k = 0; k < len; k++) n = n * 256 + der[j + 2 + k];
      return n;
    }
    return undefined;
  }
  return undefined;
}
