import type * as pulumi from '@pulumi/pulumi';
import {
  MeshIdentity as CoreMeshIdentity,
  WebhookCertificates as CoreWebhookCertificates,
  type CertManagerIdentityProps,
} from '../core/identity';

/** PEMs of a supplied identity; any of them may come from another resource. */
export interface SuppliedIdentityArgs {
  /** Trust anchor certificate(s), PEM. */
  readonly trustAnchorPem: pulumi.Input<string>;
  /** Issuer certificate, PEM (ECDSA P-256 CA named `identity.linkerd.<trustDomain>`, signed by the anchor). */
  readonly issuerCertificatePem: pulumi.Input<string>;
  /** Issuer private key, PEM. Stored as a Pulumi secret and only in the issuer Secret. */
  readonly issuerKeyPem: pulumi.Input<string>;
}

/** Lifetimes of a generated identity (`@pulumi/tls`). */
export interface GeneratedIdentityArgs {
  /** Trust anchor validity in hours. @default 87600 (10 years) */
  readonly trustAnchorValidityHours?: number;
  /** Issuer validity in hours. @default 8760 (1 year) */
  readonly issuerValidityHours?: number;
  /** Re-issue the issuer on `pulumi up` this many hours before it expires. @default 720 (30 days) */
  readonly issuerEarlyRenewalHours?: number;
}

/** How the Pulumi mesh identity is provided. */
export type PulumiMeshIdentityMode = 'supplied' | 'generated' | 'cert-manager';

/**
 * The mesh identity for the Pulumi `LinkerdMesh`: the supplied, generated and cert-manager modes of the core `MeshIdentity`, with
 * PEMs as `pulumi.Input`s, plus {@link MeshIdentity.generated}.
 */
export class MeshIdentity {
  /** Mode 1: trust anchor, issuer certificate and key you supply (checked now when plain strings, at deployment when Outputs). */
  public static supplied(args: SuppliedIdentityArgs): MeshIdentity {
    return new MeshIdentity('supplied', args, undefined, undefined);
  }

  /** Mode 1 from the files `linkerd-constructs certs` wrote (`ca.crt`, `issuer.crt`, `issuer.key`). */
  public static fromDirectory(dir: string): MeshIdentity {
    const core = CoreMeshIdentity.fromDirectory(dir);
    return new MeshIdentity('supplied', core.supplied, undefined, undefined);
  }

  /**
   * Mode 2: an ECDSA P-256 trust anchor and issuer generated with `@pulumi/tls`, kept in the stack's
   * state (stable across `pulumi up`), keys as secrets. The issuer is re-issued before it expires.
   */
  public static generated(args: GeneratedIdentityArgs = {}): MeshIdentity {
    return new MeshIdentity('generated', undefined, args, undefined);
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
  ) {}
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
export type PulumiWebhookCertificatesMode = 'supplied' | 'generated' | 'cert-manager';

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

  private constructor(
    /** How the certificates are provided. */
    public readonly mode: PulumiWebhookCertificatesMode,
    /** PEMs (mode `supplied`). */
    public readonly supplied: SuppliedWebhookCertificatesArgs | undefined,
    /** Lifetime (mode `generated`). */
    public readonly generatedArgs: GeneratedWebhookCertificatesArgs | undefined,
  ) {}
}
