/**
 * Internal: after `app.synth()`, the output files that hold private keys (a supplied identity's
 * issuer Secret, supplied webhook Secrets) are made readable by their owner only (0600), and a
 * warning names each: they must not go to Git. The files are read back as written, so whatever the
 * app's output layout (a file per chart, per app, per resource), the check sees what is on disk.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { secretsHoldingPrivateKeys } from '../core/identity/certificates';

/** Output files under `outdir` (recursively) ending in `extension`. */
function outputFiles(outdir: string, extension: string): string[] {
  if (!fs.existsSync(outdir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(outdir, { withFileTypes: true })) {
    const full = path.join(outdir, e.name);
    if (e.isDirectory()) out.push(...outputFiles(full, extension));
    else if (e.isFile() && e.name.endsWith(extension)) out.push(full);
  }
  return out.sort();
}

/**
 * Sets mode 0600 on every output file that holds a private key; returns one message per file
 * (`<file>: Secrets a/b, c/d hold private keys...`), which the caller prints as warnings.
 */
export function protectKeyFiles(outdir: string, extension: string, scope: string): string[] {
  const messages: string[] = [];
  for (const file of outputFiles(outdir, extension)) {
    const docs = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS());
    const secrets = secretsHoldingPrivateKeys(docs);
    if (secrets.length === 0) continue;
    fs.chmodSync(file, 0o600);
    messages.push(
      `warning: [${scope}] ${file}: Secrets ${secrets.join(', ')} hold private keys; written with mode 0600. Keep this file out of Git: ` +
        'use MeshIdentity.existingSecret({ trustAnchorPem }) with WebhookCertificates.existingSecrets({ caBundlePem }) ' +
        '(Secrets from External Secrets Operator, Sealed Secrets...) or MeshIdentity.certManager() (docs/linkerd-mesh.md, "Keys and Git")',
    );
  }
  return messages;
}
