/**
 * The certificate directory `linkerd-constructs certs` writes and `MeshIdentity.fromDirectory` /
 * `WebhookCertificates.fromDirectory` read: the same file names as the `step` commands of Linkerd's
 * docs, so a directory made by hand with `step` works too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatIssue, Issues } from '../errors';

/** File names in a certificate directory. */
export const CERTIFICATE_FILES = {
  /** Trust anchor certificate (root CA). */
  trustAnchor: 'ca.crt',
  /** Trust anchor private key: written once, never read by synthesis. */
  trustAnchorKey: 'ca.key',
  /** Issuer certificate (intermediate CA). */
  issuerCertificate: 'issuer.crt',
  /** Issuer private key. */
  issuerKey: 'issuer.key',
  /** Serving certificate of the control plane's (and viz's) admission webhooks. */
  webhookCertificate: 'webhook.crt',
  /** Its private key. */
  webhookKey: 'webhook.key',
  /** SPIRE upstream CA for a `SpireServerHost`: an intermediate signed by the trust anchor. */
  spireCa: 'spire-ca.crt',
  /** Its private key: delivered to the SPIRE server host only. */
  spireCaKey: 'spire-ca.key',
} as const;

/**
 * Reads named files of a certificate directory. Missing files become one error that names them and
 * the command that writes them; private key files readable by group or others become a warning.
 * Key contents never appear in an issue.
 */
export function readCertificateFiles<K extends keyof typeof CERTIFICATE_FILES>(
  dir: string,
  keys: readonly K[],
  issues: Issues,
  field: string,
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  const missing: string[] = [];
  for (const k of keys) {
    const file = path.join(dir, CERTIFICATE_FILES[k]);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      missing.push(CERTIFICATE_FILES[k]);
      continue;
    }
    if (CERTIFICATE_FILES[k].endsWith('.key')) {
      const mode = fs.statSync(file).mode % 0o1000;
      if (mode % 0o100 !== 0) {
        issues.warn(field, `${file} with mode ${mode.toString(8).padStart(4, '0')}`, 'expected a private key file readable by its owner only (chmod 600)');
      }
    }
    out[k] = text;
  }
  if (missing.length > 0) {
    issues.error(
      field,
      path.resolve(dir),
      `expected a directory holding ${missing.join(', ')}; write them once with \`linkerd-constructs certs --out ${dir}\` (or \`step certificate create\`)`,
    );
  }
  return out;
}

/** Prints the warnings collected on `issues` (warnings never fail synthesis). */
export function printWarnings(issues: Issues, log: (line: string) => void = (l) => console.warn(l)): void {
  for (const w of issues.warnings) log(formatIssue(w));
}
