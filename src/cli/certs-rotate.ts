/**
 * `linkerd-constructs certs status|rotate-anchor|rotate-issuer [--dir DIR]`: the certificate
 * directory `certs --out DIR` wrote, inspected and rotated one reviewed stage at a time.
 */
import { X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CliUsageError, readFlags, type CliIo } from './command';
import { formatIssue, Issues } from '../core/errors';
import { certManagerAnchorRotationRunbook, formatRunbook } from '../core/identity/cert-manager-rotation';
import { checkMeshCertificates, describeKey, pemCertificates, summarizeCertificate } from '../core/identity/certificates';
import { CERTIFICATE_FILES } from '../core/identity/files';
import { checkRotation, nextStageCommand, publishedAnchorsPem, readRotationState, ROTATION_FILES, type RotationStage } from '../core/identity/rotation';

export const ROTATE_USAGE = `usage: linkerd-constructs certs status [--dir DIR]
       linkerd-constructs certs rotate-anchor [--dir DIR] [--anchor-days N] [--issuer-days N]
       linkerd-constructs certs rotate-issuer [--dir DIR] [--issuer-days N]
       linkerd-constructs certs cert-manager-runbook [--namespace NS] [--trust-namespace NS] [--file FILE]

status         prints every certificate of DIR (default ./certs): subject, key, validity, days left,
               which anchor signed the issuer, and the rotation stage. Exit 1 on a broken chain or an
               expired certificate; warns under 60 days left, as \`linkerd check\` does.
rotate-anchor  moves an anchor rotation one stage forward:
                 none/finish -> bundle   a new anchor (ca-next.crt, ca-next.key); both anchors published
                 bundle      -> issuer   the issuer re-signed by the new anchor (new key)
                 issuer      -> finish   the new anchor replaces ca.crt; the old one is kept as ca-previous.crt
               Deploy each stage and restart the meshed workloads before the next one.
rotate-issuer  re-issues the issuer (new key) from the anchor that signs in the current stage.
Keys are written with mode 0600; ca.key and ca-next.key are never read by synthesis.
cert-manager-runbook
               prints the steps of a trust anchor rotation with MeshIdentity.certManager (cert-manager
               and trust-manager): the commands with this mesh's names, and the two program changes
               (previousTrustAnchorPem set, then removed). Defaults: linkerd, cert-manager, previous-anchor.crt.

exit status: 0 success, 1 a certificate problem (status) or nothing done, 2 bad usage or input`;

const DAY_MS = 86_400_000;

interface RotateOptions {
  dir: string;
  anchorDays: number;
  issuerDays: number;
}

function parse(argv: string[]): RotateOptions {
  const o: RotateOptions = { dir: 'certs', anchorDays: 3650, issuerDays: 365 };
  readFlags(argv, ROTATE_USAGE, (f) => {
    if (f.flag === '--dir') o.dir = f.value();
    else if (f.flag === '--anchor-days') o.anchorDays = f.days();
    else if (f.flag === '--issuer-days') o.issuerDays = f.days();
    else return false;
    return true;
  });
  return o;
}

function read(dir: string, file: string): string | undefined {
  const p = path.join(dir, file);
  return fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined;
}

function requireFiles(dir: string, files: readonly string[]): void {
  const missing = files.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length > 0) throw new CliUsageError(`${dir}: missing ${missing.join(', ')}; write the directory first with \`linkerd-constructs certs --out ${dir}\``);
}

/** Writes files all or nothing (temporary files renamed into place), keys 0600, the stage file last. */
export function writeAll(dir: string, contents: ReadonlyArray<readonly [string, string, number]>): void {
  const temps: string[] = [];
  try {
    for (const [name, text, mode] of contents) {
      const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
      fs.writeFileSync(tmp, text, { mode, flag: 'wx' });
      fs.chmodSync(tmp, mode);
      temps.push(tmp);
    }
    contents.forEach(([name], i) => fs.renameSync(temps[i], path.join(dir, name)));
  } catch (e) {
    for (const t of temps) fs.rmSync(t, { force: true });
    throw e;
  }
}

/** The trust domain of a directory, from its issuer's name (`identity.linkerd.<domain>`). */
function trustDomainOf(issuerPem: string): string {
  const cn = /CN=identity\.linkerd\.([^\n,]+)/.exec(new X509Certificate(issuerPem).subject)?.[1];
  if (!cn) throw new CliUsageError('issuer.crt: expected a subject "identity.linkerd.<trust domain>" (as `linkerd-constructs certs` writes it)');
  return cn;
}

type Pem = { readonly certificatePem: string; readonly keyPem: string };

async function newIssuer(signer: Pem, trustDomain: string, days: number): Promise<Pem> {
  const { createCertificate } = await import('../core/identity/generate');
  const now = Date.now();
  // never outliving the anchor that signs it
  const notAfter = new Date(Math.min(now + days * DAY_MS, Date.parse(new X509Certificate(signer.certificatePem).validTo)));
  const name = `identity.linkerd.${trustDomain}`;
  return createCertificate({ commonName: name, dnsNames: [name], isCa: true, pathLength: 0, notBefore: new Date(now - 60_000), notAfter, signer });
}

/** `certs rotate-anchor`: one stage forward. */
export async function rotateAnchor(argv: string[], io: CliIo): Promise<number> {
  const o = parse(argv);
  const dir = path.resolve(io.cwd, o.dir);
  const { trustAnchor, trustAnchorKey, issuerCertificate, issuerKey } = CERTIFICATE_FILES;
  requireFiles(dir, [trustAnchor, trustAnchorKey, issuerCertificate, issuerKey]);
  const state = readRotationState(dir);
  const trustDomain = trustDomainOf(state.issuerPem);
  const key = 0o600;
  const pub = 0o644;
  let next: RotationStage;
  if (state.stage === 'none' || state.stage === 'finish') {
    const { createCertificate } = await import('../core/identity/generate');
    const now = Date.now();
    const anchor = await createCertificate({
      commonName: `root.linkerd.${trustDomain}`, isCa: true, pathLength: 2, notBefore: new Date(now - 60_000), notAfter: new Date(now + o.anchorDays * DAY_MS),
    });
    next = 'bundle';
    writeAll(dir, [[ROTATION_FILES.nextAnchor, anchor.certificatePem, pub], [ROTATION_FILES.nextAnchorKey, anchor.keyPem, key], [ROTATION_FILES.stage, `${next}\n`, pub]]);
    io.stdout(`wrote ${ROTATION_FILES.nextAnchor} and ${ROTATION_FILES.nextAnchorKey} (mode 0600): a new trust anchor\n`);
  } else if (state.stage === 'bundle') {
    const signer = { certificatePem: read(dir, ROTATION_FILES.nextAnchor)!, keyPem: read(dir, ROTATION_FILES.nextAnchorKey) ?? '' };
    if (!signer.keyPem) throw new CliUsageError(`${path.join(dir, ROTATION_FILES.nextAnchorKey)} is missing: the new anchor's key signs the new issuer`);
    const issuer = await newIssuer(signer, trustDomain, o.issuerDays);
    next = 'issuer';
    writeAll(dir, [[CERTIFICATE_FILES.issuerCertificate, issuer.certificatePem, pub], [CERTIFICATE_FILES.issuerKey, issuer.keyPem, key], [ROTATION_FILES.stage, `${next}\n`, pub]]);
    io.stdout(`wrote ${CERTIFICATE_FILES.issuerCertificate} and ${CERTIFICATE_FILES.issuerKey}: the issuer, signed by the new anchor\n`);
  } else {
    next = 'finish';
    writeAll(dir, [
      [ROTATION_FILES.previousAnchor, state.currentAnchorPem, pub],
      [ROTATION_FILES.previousAnchorKey, read(dir, CERTIFICATE_FILES.trustAnchorKey)!, key],
      [CERTIFICATE_FILES.trustAnchor, state.nextAnchorPem!, pub],
      [CERTIFICATE_FILES.trustAnchorKey, read(dir, ROTATION_FILES.nextAnchorKey)!, key],
      [ROTATION_FILES.stage, `${next}\n`, pub],
    ]);
    fs.rmSync(path.join(dir, ROTATION_FILES.nextAnchor));
    fs.rmSync(path.join(dir, ROTATION_FILES.nextAnchorKey));
    io.stdout(`the new anchor is ${CERTIFICATE_FILES.trustAnchor}; the old one is kept as ${ROTATION_FILES.previousAnchor} (its key ${ROTATION_FILES.previousAnchorKey}, mode 0600)\n`);
  }
  io.stdout(`${dir}: stage ${next}. Deploy it (one reviewed change), restart the meshed workloads, then: ${next === 'finish' ? 'done' : nextStageCommand(next, o.dir)}\n`);
  return 0;
}

/** `certs rotate-issuer`: a new issuer from the anchor that signs in this stage. */
export async function rotateIssuer(argv: string[], io: CliIo): Promise<number> {
  const o = parse(argv);
  const dir = path.resolve(io.cwd, o.dir);
  requireFiles(dir, [CERTIFICATE_FILES.trustAnchor, CERTIFICATE_FILES.trustAnchorKey, CERTIFICATE_FILES.issuerCertificate]);
  const state = readRotationState(dir);
  const fromNext = state.stage === 'issuer';
  const signer = fromNext
    ? { certificatePem: read(dir, ROTATION_FILES.nextAnchor)!, keyPem: read(dir, ROTATION_FILES.nextAnchorKey)! }
    : { certificatePem: state.currentAnchorPem, keyPem: read(dir, CERTIFICATE_FILES.trustAnchorKey)! };
  const issuer = await newIssuer(signer, trustDomainOf(state.issuerPem), o.issuerDays);
  writeAll(dir, [[CERTIFICATE_FILES.issuerCertificate, issuer.certificatePem, 0o644], [CERTIFICATE_FILES.issuerKey, issuer.keyPem, 0o600]]);
  io.stdout(`wrote a new issuer (${CERTIFICATE_FILES.issuerCertificate}, ${CERTIFICATE_FILES.issuerKey}, mode 0600) signed by ${fromNext ? ROTATION_FILES.nextAnchor : CERTIFICATE_FILES.trustAnchor}; deploy it (the identity controller reloads it)\n`);
  return 0;
}

/** `certs status`: every certificate, the chain and the stage; 1 on a broken chain or an expired certificate. */
export async function status(argv: string[], io: CliIo): Promise<number> {
  const o = parse(argv);
  const dir = path.resolve(io.cwd, o.dir);
  requireFiles(dir, [CERTIFICATE_FILES.trustAnchor, CERTIFICATE_FILES.issuerCertificate]);
  const state = readRotationState(dir);
  const now = Date.now();
  const lines = [`${dir}: rotation stage ${state.stage}`];
  const files = [
    CERTIFICATE_FILES.trustAnchor,
    ROTATION_FILES.nextAnchor,
    ROTATION_FILES.previousAnchor,
    CERTIFICATE_FILES.issuerCertificate,
    CERTIFICATE_FILES.webhookCertificate,
    CERTIFICATE_FILES.spireCa,
  ];
  for (const f of files) {
    const pem = read(dir, f);
    if (!pem) continue;
    for (const block of pemCertificates(pem)) {
      const s = summarizeCertificate(new X509Certificate(block));
      const left = Math.floor((s.notAfter.getTime() - now) / DAY_MS);
      lines.push(`  ${f.padEnd(16)} ${s.subject}, ${describeKey(s.key)}, ${s.notBefore.toISOString().slice(0, 10)} to ${s.notAfter.toISOString().slice(0, 10)}, ${left < 0 ? 'EXPIRED' : `${left} days left`}`);
    }
  }
  const issues = new Issues(`certs status ${o.dir}`);
  const published = publishedAnchorsPem(state.stage, state.currentAnchorPem, state.nextAnchorPem);
  checkRotation(state, issues);
  checkMeshCertificates(
    { trustAnchorPem: published, issuerCertificatePem: state.issuerPem, issuerKeyPem: read(dir, CERTIFICATE_FILES.issuerKey) ?? '', trustDomain: trustDomainOf(state.issuerPem) },
    issues,
    '',
  );
  lines.push(`  published trust anchors: ${pemCertificates(published).length}; chain: ${issues.errors.length === 0 ? 'issuer.crt verifies under a published anchor' : 'BROKEN'}`);
  io.stdout(`${lines.join('\n')}\n`);
  for (const i of issues.all) io.stderr(`${formatIssue(i)}\n`);
  if (issues.errors.length === 0) io.stdout(`next: ${nextStageCommand(state.stage, o.dir)}\n`);
  return issues.errors.length > 0 ? 1 : 0;
}

/** `certs cert-manager-runbook`: the steps of a cert-manager anchor rotation, with this mesh's names. */
export function certManagerRunbook(argv: string[], io: CliIo): number {
  const o: { namespace?: string; trustNamespace?: string; file?: string } = {};
  readFlags(argv, ROTATE_USAGE, (f) => {
    if (f.flag === '--namespace') o.namespace = f.value();
    else if (f.flag === '--trust-namespace') o.trustNamespace = f.value();
    else if (f.flag === '--file') o.file = f.value();
    else return false;
    return true;
  });
  let steps;
  try {
    const certManager = { trustNamespace: o.trustNamespace };
    steps = certManagerAnchorRotationRunbook({ namespace: o.namespace, certManager, previousAnchorFile: o.file });
  } catch (e) {
    throw new CliUsageError((e as Error).message);
  }
  io.stdout(formatRunbook(steps));
  return 0;
}
