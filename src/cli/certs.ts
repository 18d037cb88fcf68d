/**
 * `linkerd-constructs certs`: writes the mesh's certificates once, like the `step certificate create`
 * commands of Linkerd's docs (and of seed 001). Synthesis then reads them with
 * `MeshIdentity.fromDirectory(dir)` / `WebhookCertificates.fromDirectory(dir)` and never generates keys.
 */
import * as fs from 'fs';
import * as path from 'path';
import { certManagerRunbook, ROTATE_USAGE, rotateAnchor, rotateIssuer, status, writeAll } from './certs-rotate';
import { CliUsageError, readFlags, type CliCommand, type CliIo } from './command';
import { DEFAULT_TRUST_DOMAIN } from '../core/constants';
import { CERTIFICATE_FILES, summarizeCertificate } from '../core/identity';
import { isDns1123Label, isTrustDomain } from '../core/validation';

const USAGE = `usage: linkerd-constructs certs [--out DIR] [--trust-domain DOMAIN] [--namespace NS] [--viz-namespace NS]
                               [--anchor-days N] [--issuer-days N] [--no-webhook] [--no-spire-ca] [--force]

Writes, once, the certificates of a Linkerd mesh into DIR (default: ./certs):
  ca.crt, ca.key          trust anchor: ECDSA P-256 root CA "root.linkerd.<domain>"      (default 3650 days)
  issuer.crt, issuer.key  issuer: ECDSA P-256 CA "identity.linkerd.<domain>", signed by ca  (default 365 days)
  webhook.crt, webhook.key  serving certificate of the admission webhooks (365 days; skip with --no-webhook)
  spire-ca.crt, spire-ca.key  SPIRE upstream CA for a SpireServerHost, signed by ca (skip with --no-spire-ca)
Keys are written with mode 0600 and never printed. Existing files are kept unless --force.

Then, in a cdk8s app:  identity: MeshIdentity.fromDirectory('DIR')
Keep ca.key offline: synthesis never reads it.

exit status: 0 written, 1 not written (files exist; use --force), 2 bad usage or input (options, an --out that cannot hold files)`;

interface CertsOptions {
  out: string;
  trustDomain: string;
  namespace: string;
  vizNamespace: string;
  anchorDays: number;
  issuerDays: number;
  webhook: boolean;
  spireCa: boolean;
  force: boolean;
}

function parse(argv: string[]): CertsOptions {
  const o: CertsOptions = {
    out: 'certs',
    trustDomain: DEFAULT_TRUST_DOMAIN,
    namespace: 'linkerd',
    vizNamespace: 'linkerd-viz',
    anchorDays: 3650,
    issuerDays: 365,
    webhook: true,
    spireCa: true,
    force: false,
  };
  readFlags(argv, USAGE, (f) => {
    switch (f.flag) {
      case '--out':
        o.out = f.value();
        break;
      case '--trust-domain':
        o.trustDomain = f.value();
        if (!isTrustDomain(o.trustDomain)) throw new CliUsageError(`--trust-domain: received ${JSON.stringify(o.trustDomain)}; expected a DNS-1123 subdomain such as "cluster.local"`);
        break;
      case '--namespace':
        o.namespace = f.value();
        if (!isDns1123Label(o.namespace)) throw new CliUsageError(`--namespace: received ${JSON.stringify(o.namespace)}; expected a DNS-1123 label such as "linkerd"`);
        break;
      case '--viz-namespace':
        o.vizNamespace = f.value();
        if (!isDns1123Label(o.vizNamespace)) throw new CliUsageError(`--viz-namespace: received ${JSON.stringify(o.vizNamespace)}; expected a DNS-1123 label such as "linkerd-viz"`);
        break;
      case '--anchor-days':
        o.anchorDays = f.days();
        break;
      case '--issuer-days':
        o.issuerDays = f.days();
        break;
      case '--no-spire-ca':
        o.spireCa = false;
        break;
      case '--no-webhook':
        o.webhook = false;
        break;
      case '--force':
        o.force = true;
        break;
      default:
        return false;
    }
    return true;
  });
  if (o.issuerDays > o.anchorDays) throw new CliUsageError(`--issuer-days: received ${o.issuerDays}; expected at most --anchor-days (${o.anchorDays}): the issuer cannot outlive its trust anchor`);
  return o;
}

/** Pseudo file systems no key belongs in (Node's recursive mkdir can loop forever under /proc). */
const PSEUDO_FILESYSTEMS = ['/proc', '/sys', '/dev'];

/**
 * Makes the key directory, mode 0700 whatever the umask, after checking that it can hold files:
 * not under a pseudo file system, its nearest existing ancestor a writable directory.
 * An existing directory is left as it is (it may be the user's own): a warning says when others can read it.
 * @returns what was found or done
 * @throws CliUsageError naming the path and what is wrong
 */
function prepareKeyDirectory(dir: string): 'created' | 'existing' | 'existing, readable by others' {
  if (PSEUDO_FILESYSTEMS.some((p) => dir === p || dir.startsWith(`${p}/`))) {
    throw new CliUsageError(`--out: received ${JSON.stringify(dir)}; expected a directory on a real file system, not under ${PSEUDO_FILESYSTEMS.join(', ')}`);
  }
  let existing = dir;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  if (!fs.statSync(existing).isDirectory()) throw new CliUsageError(`--out: received ${JSON.stringify(dir)}; ${existing} is a file, expected a directory`);
  try {
    fs.accessSync(existing, fs.constants.W_OK);
    fs.accessSync(existing, fs.constants.X_OK);
  } catch {
    throw new CliUsageError(`--out: received ${JSON.stringify(dir)}; ${existing} is not writable by this user`);
  }
  // group and other permission digits of the mode, in octal: "00" when only the owner has access
  if (existing === dir) return fs.statSync(dir).mode % 0o100 !== 0 ? 'existing, readable by others' : 'existing';
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700); // mkdir's mode is masked by the umask
  return 'created';
}

async function run(argv: string[], io: CliIo): Promise<number> {
  // the rotation subcommands: status, rotate-anchor, rotate-issuer, cert-manager-runbook
  if (argv[0] === 'status') return status(argv.slice(1), io);
  if (argv[0] === 'rotate-anchor') return rotateAnchor(argv.slice(1), io);
  if (argv[0] === 'rotate-issuer') return rotateIssuer(argv.slice(1), io);
  if (argv[0] === 'cert-manager-runbook') return certManagerRunbook(argv.slice(1), io);
  const o = parse(argv);
  const dir = path.resolve(io.cwd, o.out);
  const files = [
    CERTIFICATE_FILES.trustAnchor,
    CERTIFICATE_FILES.trustAnchorKey,
    CERTIFICATE_FILES.issuerCertificate,
    CERTIFICATE_FILES.issuerKey,
    ...(o.webhook ? [CERTIFICATE_FILES.webhookCertificate, CERTIFICATE_FILES.webhookKey] : []),
    ...(o.spireCa ? [CERTIFICATE_FILES.spireCa, CERTIFICATE_FILES.spireCaKey] : []),
  ];
  const existing = files.filter((f) => fs.existsSync(path.join(dir, f)));
  if (existing.length > 0 && !o.force) {
    io.stderr(
      `linkerd-constructs certs: ${dir} already holds ${existing.join(', ')}; nothing written.\n` +
        'These certificates are the mesh\'s identity: replacing the trust anchor breaks every running proxy until it is rotated in.\n' +
        'Use --force to overwrite them anyway.\n',
    );
    return 1;
  }

  // generation is loaded here only: the rest of the CLI (and synthesis) never needs it
  const state = prepareKeyDirectory(dir);
  if (state === 'created') io.stdout(`created ${dir} (mode 0700)\n`);
  else if (state !== 'existing') io.stderr(`warning: ${dir} is readable by other users; the keys are 0600, but consider chmod 700 ${dir}\n`);
  const { generateMeshCertificates } = await import('../core/identity/generate');
  const certs = await generateMeshCertificates({
    trustDomain: o.trustDomain,
    namespace: o.namespace,
    vizNamespace: o.vizNamespace,
    trustAnchorDays: o.anchorDays,
    issuerDays: o.issuerDays,
    webhook: o.webhook,
    spireCa: o.spireCa,
  });
  const contents: Array<[string, string, number]> = [
    [CERTIFICATE_FILES.trustAnchor, certs.trustAnchor.certificatePem, 0o644],
    [CERTIFICATE_FILES.trustAnchorKey, certs.trustAnchor.keyPem, 0o600],
    [CERTIFICATE_FILES.issuerCertificate, certs.issuer.certificatePem, 0o644],
    [CERTIFICATE_FILES.issuerKey, certs.issuer.keyPem, 0o600],
  ];
  if (certs.spireCa) {
    contents.push([CERTIFICATE_FILES.spireCa, certs.spireCa.certificatePem, 0o644], [CERTIFICATE_FILES.spireCaKey, certs.spireCa.keyPem, 0o600]);
  }
  if (certs.webhook) {
    contents.push(
      [CERTIFICATE_FILES.webhookCertificate, certs.webhook.certificatePem, 0o644],
      [CERTIFICATE_FILES.webhookKey, certs.webhook.keyPem, 0o600],
    );
  }

  writeAll(dir, contents);

  const { X509Certificate } = await import('crypto');
  const describe = (pem: string) => {
    const s = summarizeCertificate(new X509Certificate(pem));
    return `${s.subject}, valid until ${s.notAfter.toISOString().slice(0, 10)}, SHA-256 ${s.fingerprint256.slice(0, 23)}...`;
  };
  const lines = [`wrote ${dir}:`];
  lines.push(`  ${CERTIFICATE_FILES.trustAnchor.padEnd(12)} trust anchor (${describe(certs.trustAnchor.certificatePem)})`);
  lines.push(`  ${CERTIFICATE_FILES.trustAnchorKey.padEnd(12)} trust anchor key (mode 0600; keep it offline, synthesis never reads it)`);
  lines.push(`  ${CERTIFICATE_FILES.issuerCertificate.padEnd(12)} issuer (${describe(certs.issuer.certificatePem)})`);
  lines.push(`  ${CERTIFICATE_FILES.issuerKey.padEnd(12)} issuer key (mode 0600)`);
  if (certs.webhook) {
    lines.push(`  ${CERTIFICATE_FILES.webhookCertificate.padEnd(12)} webhook serving certificate (${describe(certs.webhook.certificatePem)})`);
    lines.push(`  ${CERTIFICATE_FILES.webhookKey.padEnd(12)} webhook key (mode 0600)`);
  }
  if (certs.spireCa) {
    lines.push(`  ${CERTIFICATE_FILES.spireCa.padEnd(12)} SPIRE upstream CA for a SpireServerHost (${describe(certs.spireCa.certificatePem)})`);
    lines.push(`  ${CERTIFICATE_FILES.spireCaKey.padEnd(12)} its key (mode 0600; deliver it to the SPIRE server host only)`);
  }
  lines.push(`use them with MeshIdentity.fromDirectory(${JSON.stringify(o.out)})${certs.webhook ? ' (the webhook certificate is picked up from the same directory)' : ''}`);
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

/** The `certs` command. */
export const certsCommand: CliCommand = {
  name: 'certs',
  summary: 'write the mesh certificates (trust anchor, issuer, webhook) once, for MeshIdentity.fromDirectory',
  usage: `${USAGE}\n\n${ROTATE_USAGE}`,
  run,
};
