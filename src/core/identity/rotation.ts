/**
 * Trust anchor rotation as staged, checked data, after Linkerd's "rotating the trust anchor" procedure:
 *
 *  - `bundle`: the published trust anchors are the old and the new one; the issuer is still signed by
 *    the old. Proxies restarted now trust both.
 *  - `issuer`: the issuer is re-signed by the new anchor; the bundle is unchanged. Certificates from
 *    either issuer verify.
 *  - `finish`: the bundle is the new anchor only (the old one kept as `ca-previous.crt` for the
 *    record). Only certificates from the new issuer verify.
 *
 * The stage lives in the certificate directory (`rotation-stage`) next to the files, so each stage is
 * one reviewed change and one `pulumi up` / sync. The next anchor's key (`ca-next.key`) is kept beside
 * `ca.key` and, like it, never read by synthesis.
 */
import { X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { pemCertificates } from './certificates';
import { CERTIFICATE_FILES } from './files';
import type { Issues } from '../errors';

/** A stage of an anchor rotation (`none`: no rotation under way). */
export type RotationStage = 'none' | 'bundle' | 'issuer' | 'finish';

/** The files of a rotation, beside those of {@link CERTIFICATE_FILES}. */
export const ROTATION_FILES = {
  /** The stage: `bundle`, `issuer` or `finish` (absent: `none`). */
  stage: 'rotation-stage',
  /** The next trust anchor (stages `bundle` and `issuer`). */
  nextAnchor: 'ca-next.crt',
  /** Its key: never read by synthesis. */
  nextAnchorKey: 'ca-next.key',
  /** The anchor a finished rotation replaced. */
  previousAnchor: 'ca-previous.crt',
  /** Its key. */
  previousAnchorKey: 'ca-previous.key',
} as const;

const STAGES: readonly RotationStage[] = ['none', 'bundle', 'issuer', 'finish'];

/** The stage a certificate directory is in. Throws on an unknown stage name. */
export function rotationStage(dir: string): RotationStage {
  const file = path.join(dir, ROTATION_FILES.stage);
  if (!fs.existsSync(file)) return 'none';
  const stage = fs.readFileSync(file, 'utf8').trim() as RotationStage;
  if (!STAGES.includes(stage)) throw new Error(`${file}: received ${JSON.stringify(stage)}; expected one of ${STAGES.join(', ')}`);
  return stage;
}

/** The anchors a stage publishes: the current one, and the next one during `bundle` and `issuer`. */
export function publishedAnchorsPem(stage: RotationStage, currentPem: string, nextPem: string | undefined): string {
  const withNext = (stage === 'bundle' || stage === 'issuer') && nextPem;
  return withNext ? `${currentPem.trimEnd()}\n${nextPem.trimEnd()}\n` : currentPem;
}

/**
 * Whether the issuer is applied after the control plane in this stage. Linkerd's identity controller
 * verifies a new issuer against the trust anchors it loaded at start and skips one they do not
 * verify (`pkg/identity/service.go`, `loadCredentials`, event `IssuerUpdateSkipped`): in stage
 * `issuer`, the issuer signed by the new anchor must reach a control plane that already publishes
 * both anchors. In every other stage the issuer comes first (the control plane cannot start without it).
 */
export function issuerFollowsControlPlane(stage: RotationStage): boolean {
  return stage === 'issuer';
}

/** The command that moves a directory to the next stage, for messages. */
export function nextStageCommand(stage: RotationStage, dir: string): string {
  const d = JSON.stringify(dir);
  switch (stage) {
    case 'none':
    case 'finish':
      return `linkerd-constructs certs rotate-anchor --dir ${d} (starts a rotation: stage bundle)`;
    case 'bundle':
      return `linkerd-constructs certs rotate-anchor --dir ${d} (stage issuer: re-signs the issuer with the new anchor)`;
    case 'issuer':
      return `linkerd-constructs certs rotate-anchor --dir ${d} (stage finish: drops the old anchor)`;
  }
}

/** What {@link checkRotation} looks at. */
export interface RotationState {
  readonly dir: string;
  readonly stage: RotationStage;
  /** `ca.crt`. */
  readonly currentAnchorPem: string;
  /** `ca-next.crt`, when present. */
  readonly nextAnchorPem?: string;
  /** `issuer.crt`. */
  readonly issuerPem: string;
}

/**
 * The checks before a stage is applied. Each failure names the certificate, what is wrong and the
 * command that fixes it:
 *  - the stage's files exist (`ca-next.crt` during `bundle` and `issuer`);
 *  - the issuer chains to one of the published anchors (an anchor may leave the bundle only once no
 *    published issuer is signed by it);
 *  - the issuer's validity lies inside its anchor's.
 */
export function checkRotation(s: RotationState, issues: Issues, field = 'dir'): void {
  const needsNext = s.stage === 'bundle' || s.stage === 'issuer';
  if (needsNext && !s.nextAnchorPem) {
    issues.error(field, `${ROTATION_FILES.nextAnchor} missing in stage ${s.stage}`, `expected the next trust anchor; ${nextStageCommand('none', s.dir)} writes it`);
    return;
  }
  const published = pemCertificates(publishedAnchorsPem(s.stage, s.currentAnchorPem, s.nextAnchorPem)).map((p) => new X509Certificate(p));
  const issuerBlocks = pemCertificates(s.issuerPem);
  if (issuerBlocks.length === 0) return; // the certificate checks report it
  const issuer = new X509Certificate(issuerBlocks[0]);
  const signer = published.find((a) => issuer.checkIssued(a) && issuer.verify(a.publicKey));
  const issuerFile = CERTIFICATE_FILES.issuerCertificate;
  if (!signer) {
    const fix =
      s.stage === 'finish'
        ? `the old anchor left the bundle while the published issuer is still signed by it; re-sign it with the new anchor: linkerd-constructs certs rotate-issuer --dir ${JSON.stringify(s.dir)}`
        : `re-issue it from the current anchor: linkerd-constructs certs rotate-issuer --dir ${JSON.stringify(s.dir)}`;
    issues.error(field, `${issuerFile}, issued by "${issuer.issuer.replace(/\n/g, ', ')}"`, `expected an issuer signed by one of the published trust anchors (stage ${s.stage}): ${fix}`);
    return;
  }
  const inside = Date.parse(issuer.validFrom) >= Date.parse(signer.validFrom) && Date.parse(issuer.validTo) <= Date.parse(signer.validTo);
  issues.check(
    inside,
    field,
    `${issuerFile}, valid ${issuer.validFrom} to ${issuer.validTo}`,
    `expected the issuer's validity inside its anchor's (${signer.validFrom} to ${signer.validTo}): certificates outliving their anchor fail verification; ` +
      `re-issue it: linkerd-constructs certs rotate-issuer --dir ${JSON.stringify(s.dir)}`,
  );
}

/** Reads the rotation state of a directory (the files {@link checkRotation} needs). */
export function readRotationState(dir: string): RotationState {
  const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : undefined);
  return {
    dir,
    stage: rotationStage(dir),
    currentAnchorPem: read(CERTIFICATE_FILES.trustAnchor) ?? '',
    nextAnchorPem: read(ROTATION_FILES.nextAnchor),
    issuerPem: read(CERTIFICATE_FILES.issuerCertificate) ?? '',
  };
}
