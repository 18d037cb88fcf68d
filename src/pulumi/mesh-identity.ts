import type * as pulumi from '@pulumi/pulumi';
import { Issues } from '../core/errors';
import {
  MeshIdentity as CoreMeshIdentity,
  WebhookCertificates as CoreWebhookCertificates,
  type CertManagerIdentityProps,
} from '../core/identity';
import type { RotationStage } from '../core/identity/rotation';

/** PEMs of a supplied identity; any of them may come from another resource. */
export interface SuppliedIdentityArgs {
  /** Trust anchor certificate(s), PEM. */
  readonly trustAnchorPem: pulumi.Input<string>;
  /** Issuer certificate, PEM (ECDSA P-256 CA named `identity.linkerd.<trustDomain>`, signed by the anchor). */
  readonly issuerCertificatePem: pulumi.Input<string>;
  /** Issuer private key, PEM. Stored as a Pulumi secret and only in the issuer Secret. */
  readonly issuerKeyPem: pulumi.Input<string>;
  /**
   * Stage of an anchor rotation you drive yourself (`trustAnchorPem` then holds the stage's anchors):
   * in stage `issuer` the issuer Secret is applied after the control plane. `fromDirectory` reads it
   * from the directory.
   * @default 'none'
   */
  readonly rotationStage?: RotationStage;
}

/** Lifetimes of a generated identity (`@pulumi/tls`). */
export interface GeneratedIdentityArgs {
  /** Trust anchor validity in hours. @default 87600 (10 years) */
  readonly trustAnchorValidityHours?: number;
  /** Issuer validity in hours. @default 8760 (1 year) */
  readonly issuerValidityHours?: number;
  /**
   * Re-issue the issuer (signed by the same anchor, a non-event for the mesh) on the first `pulumi up`
   * this many hours before it expires: the renewal schedule. Run `pulumi up` at least that often.
   * @default 720 (30 days)
   */
  readonly issuerEarlyRenewalHours?: number;
  /**
   * Generation of the trust anchor: raise it by one to start an anchor rotation (with
   * `rotationStage: 'bundle'`). Generation 1 is the anchor every generated mesh starts with.
   * @default 1
   */
  readonly trustAnchorGeneration?: number;
  /**
   * Stage of an anchor rotation, one reviewed change and one `pulumi up` each, restarting the meshed
   * workloads between them (see "Rotating certificates"):
   *  - `bundle`: anchors of generations N-1 and N published, the issuer still signed by N-1;
   *  - `issuer`: the issuer re-signed by generation N (after the control plane, which already
   *    publishes both anchors: Linkerd's identity controller refuses an issuer its anchors do not verify);
   *  - `finish` (or `none`): generation N only; generation N-1's key and certificate are deleted.
   * @default 'none'
   */
  readonly rotationStage?: RotationStage;
}

/** The trust anchor of an identity whose issuer Secret something else manages. */
export interface ExistingSecretIdentityArgs {
  /** Trust anchor certificate(s), PEM (public); may come from another resource. */
  readonly trustAnchorPem: pulumi.Input<string>;
}

/** How the Pulumi mesh identity is provided. */
export type PulumiMeshIdentityMode = 'supplied' | 'generated' | 'cert-manager' | 'existing-secret';

/**
 * The mesh identity for the Pulumi `LinkerdMesh`: the supplied, generated and cert-manager modes of the core `MeshIdentity`, with
 * PEMs as `pulumi.Input`s, plus {@link MeshIdentity.generated}.
 */
export class MeshIdentity {
  /** Mode 1: trust anchor, issuer certificate and key you supply (checked now when plain strings, at deployment when Outputs). */
  public static supplied(args: SuppliedIdentityArgs): MeshIdentity {
    return new MeshIdentity('supplied', args, undefined, undefined, args.rotationStage ?? 'none');
  }

  /** Mode 1 from the files `linkerd-constructs certs` wrote (`ca.crt`, `issuer.crt`, `issuer.key`). */
  public static fromDirectory(dir: string): MeshIdentity {
    const core = CoreMeshIdentity.fromDirectory(dir);
    return new MeshIdentity('supplied', core.supplied, undefined, undefined, core.rotationStage);
  }

  /**
   * Mode 2: an ECDSA P-256 trust anchor and issuer generated with `@pulumi/tls`, kept in the stack's
   * state (stable across `pulumi up`), keys as secrets. The issuer is re-issued before it expires.
   */
  public static generated(args: GeneratedIdentityArgs = {}): MeshIdentity {
    const issues = new Issues('MeshIdentity.generated');
    checkGeneratedIdentity(args, issues);
    issues.throwIfErrors();
    return new MeshIdentity('generated', undefined, args, undefined, args.rotationStage ?? 'none');
  }

  /**
   * Mode 4, as the core's: the issuer lives in a `linkerd-identity-issuer` Secret (`tls.crt`,
   * `tls.key`, `ca.crt`) something else manages (External Secrets Operator, Vault, another stack);
   * the mesh creates no Secret and holds no key, only the public trust anchor.
   */
  public static existingSecret(args: ExistingSecretIdentityArgs): MeshIdentity {
    return new MeshIdentity('existing-secret', undefined, undefined, undefined, 'none', args);
  }

  /** Mode 3: cert-manager issues and rotates the issuer; trust-manager distributes the anchor. */
  public static certManager(props: CertManagerIdentityProps = {}): MeshIdentity {
    const core = CoreMeshIdentity.certManager(props);
    return new MeshIdentity('cert-manager', undefined, undefined, core.certManager);
  }

  private constructor(
    /** How the identity is provided. */
    public readonly mode: PulumiMeshIdentityMode,
    /** PEMs (mode `supplied`). */
    public readonly supplied: SuppliedIdentityArgs | undefined,
    /** Lifetimes (mode `generated`). */
    public readonly generatedArgs: GeneratedIdentityArgs | undefined,
    /** cert-manager options (mode `cert-manager`). */
    public readonly certManagerProps: CertManagerIdentityProps | undefined,
    /** Stage of an anchor rotation (`fromDirectory`: the directory's; `generated`: `rotationStage`). */
    public readonly rotationStage: RotationStage = 'none',
    /** The trust anchor (mode `existing-secret`). */
    public readonly existingSecretArgs?: ExistingSecretIdentityArgs,
  ) {}
}

const STAGES: readonly RotationStage[] = ['none', 'bundle', 'issuer', 'finish'];

/**
 * The checks of {@link MeshIdentity.generated}: whole hours, a renewal inside the lifetime, a stage with two generations.
 * @internal
 */
export function checkGeneratedIdentity(args: GeneratedIdentityArgs, issues: Issues): void {
  const hours = (key: keyof GeneratedIdentityArgs, min: number) => {
    const v = args[key];
    return v === undefined || issues.check(Number.isInteger(v) && (v as number) >= min, key, v, `expected a whole number of hours, at least ${min}`);
  };
  const ok = hours('trustAnchorValidityHours', 1) && hours('issuerValidityHours', 1) && hours('issuerEarlyRenewalHours', 0);
  const anchor = args.trustAnchorValidityHours ?? 87600;
  const issuer = args.issuerValidityHours ?? 8760;
  const early = args.issuerEarlyRenewalHours ?? 720;
  if (ok && issuer > anchor) issues.error('issuerValidityHours', issuer, `expected at most trustAnchorValidityHours (${anchor}): an issuer outliving its anchor fails verification`);
  if (ok && early >= issuer) issues.error('issuerEarlyRenewalHours', early, `expected less than issuerValidityHours (${issuer}): the issuer would be re-issued on every pulumi up`);
  const gen = args.trustAnchorGeneration ?? 1;
  issues.check(Number.isInteger(gen) && gen >= 1, 'trustAnchorGeneration', args.trustAnchorGeneration, 'expected a whole number, at least 1');
  const stage = args.rotationStage ?? 'none';
  if (issues.check(STAGES.includes(stage), 'rotationStage', stage, `expected one of ${STAGES.join(', ')}`) && (stage === 'bundle' || stage === 'issuer') && gen < 2) {
    issues.error('rotationStage', stage, `expected trustAnchorGeneration of at least 2 in stage ${stage} (received ${gen}): raise it by one to start a rotation; the stage publishes the previous generation beside it`);
  }
}

/** PEMs of supplied webhook certificates; any may come from another resource. */
export interface SuppliedWebhookCertificatesArgs {
  /** One serving certificate covering every webhook host name, PEM. */
  readonly certificatePem: pulumi.Input<string>;
  /** Its key, PEM (stored as a secret). */
  readonly keyPem: pulumi.Input<string>;
  /** CA bundle the API server trusts. @default certificatePem */
  readonly caBundlePem?: pulumi.Input<string>;
}

/** Lifetime of generated webhook certificates. */
export interface GeneratedWebhookCertificatesArgs {
  /** Validity in hours. @default 8760 (1 year) */
  readonly validityHours?: number;
  /** Re-issue on `pulumi up` this many hours before expiry. @default 720 (30 days) */
  readonly earlyRenewalHours?: number;
}

/** How the Pulumi webhook certificates are provided. */
export type PulumiWebhookCertificatesMode = 'supplied' | 'generated' | 'cert-manager' | 'existing-secrets';

/**
 * Webhook serving certificates for the Pulumi `LinkerdMesh`. The chart's own (regenerated on every
 * render, so on every `pulumi up`) is not offered: it would replace Secrets and restart pods each run.
 */
export class WebhookCertificates {
  /** A certificate and key you supply. */
  public static supplied(args: SuppliedWebhookCertificatesArgs): WebhookCertificates {
    return new WebhookCertificates('supplied', args, undefined);
  }

  /** `webhook.crt` / `webhook.key` written by `linkerd-constructs certs`. */
  public static fromDirectory(dir: string): WebhookCertificates {
    const core = CoreWebhookCertificates.fromDirectory(dir);
    return new WebhookCertificates('supplied', core.supplied, undefined);
  }

  /** A self-signed certificate generated with `@pulumi/tls`, stable in state. */
  public static generated(args: GeneratedWebhookCertificatesArgs = {}): WebhookCertificates {
    return new WebhookCertificates('generated', undefined, args);
  }

  /** cert-manager issues them; its CA injector fills the webhooks' `caBundle`. */
  public static certManager(): WebhookCertificates {
    return new WebhookCertificates('cert-manager', undefined, undefined);
  }

  /**
   * The webhook Secrets exist already, managed elsewhere (External Secrets, Sealed Secrets, Vault):
   * the mesh creates none and only needs the CA bundle the API server trusts (certificates, never a
   * key). `webhookSecretNames()` lists the Secrets to provide, as in cdk8s.
   */
  public static existingSecrets(args: { readonly caBundlePem: pulumi.Input<string> }): WebhookCertificates {
    return new WebhookCertificates('existing-secrets', undefined, undefined, args);
  }

  private constructor(
    /** How the certificates are provided. */
    public readonly mode: PulumiWebhookCertificatesMode,
    /** PEMs (mode `supplied`). */
    public readonly supplied: SuppliedWebhookCertificatesArgs | undefined,
    /** Lifetime (mode `generated`). */
    public readonly generatedArgs: GeneratedWebhookCertificatesArgs | undefined,
    /** The CA bundle (mode `existing-secrets`). */
    public readonly existingSecretsArgs?: { readonly caBundlePem: pulumi.Input<string> },
  ) {}
}
