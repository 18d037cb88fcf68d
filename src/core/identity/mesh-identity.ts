/**
 * Where the mesh's identity (trust anchor + issuer) comes from. Four modes:
 *
 *  1. {@link MeshIdentity.supplied}: PEMs you hold (trust anchor, issuer certificate and key);
 *  2. {@link MeshIdentity.fromDirectory}: the files `linkerd-constructs certs` wrote once (mode 1 read
 *     from disk; synthesis never generates keys). In Pulumi, `MeshIdentity.generated()` of
 *     `linkerd-constructs/pulumi` generates them with `@pulumi/tls` instead, stable in state;
 *  3. {@link MeshIdentity.certManager}: cert-manager issues and rotates the issuer from a
 *     self-signed trust anchor, and trust-manager distributes the anchor;
 *  4. {@link MeshIdentity.existingSecret}: the trust anchor (public) you give, the issuer in a
 *     `linkerd-identity-issuer` Secret something else puts in the cluster (External Secrets Operator,
 *     Sealed Secrets, Vault, a person): the chart's own existing-secret mode. No key in the output.
 */
import { Issues } from '../errors';
import { checkDuration, durationMs } from '../validation';
import { checkTrustAnchors, hasPemPrivateKey } from './certificates';
import { CERTIFICATE_FILES, printWarnings, readCertificateFiles } from './files';
import { checkRotation, publishedAnchorsPem, readRotationState, type RotationStage } from './rotation';

/** PEMs of a supplied identity. */
export interface SuppliedIdentityProps {
  /**
   * Trust anchor certificate(s), PEM. Several certificates may be given while rotating the anchor.
   * Public: proxies outside the cluster (mesh expansion) need it too.
   */
  readonly trustAnchorPem: string;
  /** Issuer certificate, PEM: a CA with an ECDSA P-256 key named `identity.linkerd.<trustDomain>`, signed by the anchor. */
  readonly issuerCertificatePem: string;
  /**
   * Issuer private key, PEM (ECDSA P-256). It ends up only in the `linkerd-identity-issuer` Secret,
   * never in Helm values or messages.
   */
  readonly issuerKeyPem: string;
}

/** The trust anchor of an identity whose issuer Secret is managed elsewhere. */
export interface ExistingSecretIdentityProps {
  /**
   * Trust anchor certificate(s), PEM (public). Several while rotating the anchor. The issuer in the
   * Secret must be signed by one of them.
   */
  readonly trustAnchorPem: string;
}

/** Options of the cert-manager identity (Linkerd's "automatically rotating control plane TLS credentials"). */
export interface CertManagerIdentityProps {
  /**
   * Namespace where cert-manager keeps cluster-issuer secrets and trust-manager reads its sources
   * (their "cluster resource namespace" / "trust namespace"). The trust anchor's Secret lives here.
   * @default 'cert-manager'
   */
  readonly trustNamespace?: string;
  /**
   * Lifetime of the self-signed trust anchor. Every renewal makes a new key (`rotationPolicy:
   * Always`, as Linkerd's guide requires), so a renewal is an anchor rotation: start it yourself with
   * the runbook (`linkerd-constructs certs cert-manager-runbook`) long before cert-manager's own
   * renewal would (at `trustAnchorDuration - trustAnchorRenewBefore`).
   * @default '87600h0m0s' (10 years)
   */
  readonly trustAnchorDuration?: string;
  /**
   * cert-manager renews (rotates) the trust anchor this long before it expires.
   * @default '8760h0m0s' (1 year)
   */
  readonly trustAnchorRenewBefore?: string;
  /**
   * Lifetime of the issuer certificate cert-manager issues.
   * @default '48h0m0s'
   */
  readonly issuerDuration?: string;
  /**
   * Renew the issuer this long before it expires (a new key each time, `rotationPolicy: Always`).
   * @default '25h0m0s'
   */
  readonly issuerRenewBefore?: string;
  /**
   * The trust anchor an anchor rotation is replacing, PEM (public), pinned in the program for the
   * rotation window. While set, a `<namespace>-previous-anchor` Secret holding only this certificate
   * (`tls.crt`, no key) is a second source of the trust-manager `Bundle`, so the published bundle
   * keeps the old anchor after `cmctl renew` replaced it. Remove it once the issuer is re-signed and
   * everything restarted. Must be a pinned value (a file in the repository), never read back from the
   * cluster at deploy time: that would follow the anchor it is meant to remember.
   * @default - no rotation under way: the bundle is the current anchor only
   */
  readonly previousTrustAnchorPem?: string;
}

/** How the mesh identity is provided. */
export type MeshIdentityMode = 'supplied' | 'cert-manager' | 'existing-secret';

/** The mesh identity: build one with {@link MeshIdentity.supplied}, {@link MeshIdentity.fromDirectory} or {@link MeshIdentity.certManager}. */
export class MeshIdentity {
  /**
   * Mode 1: trust anchor, issuer certificate and issuer key you supply (PEM).
   * Checked at synthesis (curves, CA flags, signature, trust domain, expiry).
   */
  public static supplied(props: SuppliedIdentityProps): MeshIdentity {
    return new MeshIdentity('supplied', props, undefined, undefined);
  }

  /**
   * Mode 2: reads `ca.crt`, `issuer.crt` and `issuer.key` from `dir`, the files
   * `linkerd-constructs certs --out <dir>` (or `step`) wrote once. `ca.key` is never read.
   * During an anchor rotation (`certs rotate-anchor`) the directory's stage decides the published
   * trust anchors (old and new during `bundle` and `issuer`), and the issuer must chain to one of them.
   * Reading happens now; a missing file or a broken stage is a `ValidationError` that names it and the
   * command that fixes it.
   */
  public static fromDirectory(dir: string): MeshIdentity {
    const issues = new Issues('MeshIdentity.fromDirectory');
    const files = readCertificateFiles(dir, ['trustAnchor', 'issuerCertificate', 'issuerKey'], issues, 'dir');
    issues.throwIfErrors();
    // an anchor rotation under way: the stage decides which anchors are published
    let state;
    try {
      state = readRotationState(dir);
    } catch (e) {
      issues.error('dir', dir, (e as Error).message).throwIfErrors();
      throw e;
    }
    checkRotation(state, issues);
    issues.throwIfErrors();
    printWarnings(issues);
    return new MeshIdentity(
      'supplied',
      {
        trustAnchorPem: publishedAnchorsPem(state.stage, files.trustAnchor!, state.nextAnchorPem),
        issuerCertificatePem: files.issuerCertificate!,
        issuerKeyPem: files.issuerKey!,
      },
      undefined,
      dir,
      state.stage,
    );
  }

  /**
   * Mode 3: cert-manager issues the issuer certificate (and renews it) from a self-signed trust
   * anchor; trust-manager copies the anchor into the `linkerd-identity-trust-roots` ConfigMap.
   * Needs cert-manager and trust-manager in the cluster. No key ever appears in the output.
   */
  public static certManager(props: CertManagerIdentityProps = {}): MeshIdentity {
    const issues = new Issues('MeshIdentity.certManager');
    checkCertManagerIdentity(props, issues);
    issues.throwIfErrors();
    return new MeshIdentity('cert-manager', undefined, props, undefined);
  }

  /**
   * Mode 4, for GitOps repositories: the issuer certificate and key live in a `kubernetes.io/tls`
   * Secret `linkerd-identity-issuer` (keys `tls.crt`, `tls.key`, `ca.crt`) in the control plane
   * namespace that something else manages (an External Secrets Operator `ExternalSecret`, a
   * SealedSecret, Vault); the mesh emits no Secret and no key, only the public trust anchor. The
   * chart runs in its existing-secret mode (`identity.issuer.scheme: kubernetes.io/tls`).
   */
  public static existingSecret(props: ExistingSecretIdentityProps): MeshIdentity {
    return new MeshIdentity('existing-secret', { trustAnchorPem: props.trustAnchorPem, issuerCertificatePem: '', issuerKeyPem: '' }, undefined, undefined);
  }

  private constructor(
    /** How the identity is provided. */
    public readonly mode: MeshIdentityMode,
    /** The PEMs (modes 1 and 2; mode 4: only the trust anchor). */
    public readonly supplied: SuppliedIdentityProps | undefined,
    /** The cert-manager options (mode 3). */
    public readonly certManager: CertManagerIdentityProps | undefined,
    /** The directory the PEMs were read from (mode 2). */
    public readonly directory: string | undefined,
    /** The stage of an anchor rotation (mode 2: the directory's; otherwise `none`). */
    public readonly rotationStage: RotationStage = 'none',
  ) {}
}

/** File names `MeshIdentity.fromDirectory` reads. */
export const IDENTITY_FILES = [CERTIFICATE_FILES.trustAnchor, CERTIFICATE_FILES.issuerCertificate, CERTIFICATE_FILES.issuerKey] as const;

/** cert-manager's limits (`pkg/apis/certmanager/v1/const.go`: `MinimumCertificateDuration`, `MinimumRenewBefore`). */
const CERT_MANAGER_MIN_DURATION_MS = 3_600_000;
const CERT_MANAGER_MIN_RENEW_BEFORE_MS = 300_000;

/**
 * The checks of a cert-manager identity, before anything is applied: each duration is a Go duration,
 * at least cert-manager's minimum, and each `renewBefore` shorter than its duration (cert-manager's
 * webhook rejects the Certificate otherwise: `internal/apis/certmanager/validation/certificate.go`,
 * `ValidateDuration`); the issuer is renewed inside its anchor's lifetime; the previous anchor is
 * public CA certificates only.
 */
export function checkCertManagerIdentity(props: CertManagerIdentityProps, issues: Issues): void {
  const pairs = [
    ['trustAnchorDuration', props.trustAnchorDuration ?? '87600h0m0s', 'trustAnchorRenewBefore', props.trustAnchorRenewBefore ?? '8760h0m0s'],
    ['issuerDuration', props.issuerDuration ?? '48h0m0s', 'issuerRenewBefore', props.issuerRenewBefore ?? '25h0m0s'],
  ] as const;
  const ms: Record<string, number> = {};
  for (const [dKey, d, rKey, r] of pairs) {
    const dOk = checkDuration(issues, dKey, d);
    const rOk = checkDuration(issues, rKey, r);
    if (dOk) ms[dKey] = durationMs(d);
    if (dOk && ms[dKey] < CERT_MANAGER_MIN_DURATION_MS) issues.error(dKey, d, 'expected at least 1h: cert-manager refuses shorter certificates');
    if (!rOk) continue;
    const rMs = durationMs(r);
    if (rMs < CERT_MANAGER_MIN_RENEW_BEFORE_MS) issues.error(rKey, r, 'expected at least 5m: cert-manager refuses a shorter renewBefore');
    else if (dOk && rMs >= ms[dKey]) issues.error(rKey, r, `expected less than ${dKey} (${d}): cert-manager refuses the Certificate, and nothing would renew it`);
  }
  if (ms.issuerDuration !== undefined && ms.trustAnchorDuration !== undefined && ms.issuerDuration > ms.trustAnchorDuration) {
    issues.error('issuerDuration', props.issuerDuration, `expected at most trustAnchorDuration (${props.trustAnchorDuration ?? '87600h0m0s'}): an issuer outliving its anchor fails verification`);
  }
  const prev = props.previousTrustAnchorPem;
  if (prev !== undefined) {
    if (hasPemPrivateKey(String(prev))) {
      issues.error('previousTrustAnchorPem', 'a PEM holding a private key', 'expected only the previous anchor\'s certificate: it is published in a Secret trust-manager reads, never its key');
    } else {
      checkTrustAnchors(String(prev), issues, 'previousTrustAnchorPem');
    }
  }
}
