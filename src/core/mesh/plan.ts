/**
 * The plan of a mesh: validated props, resolved identity and webhook certificates, the objects to
 * create (namespaces, Secrets or cert-manager objects) and the Helm releases in order
 * (CNI → CRDs → control plane → extensions). Both frameworks build their resources from it.
 */
import {
  DEFAULT_CONTROL_PLANE_NAMESPACE,
  DEFAULT_TRUST_DOMAIN,
  LINKERD_DEFAULT_CHART_VERSION,
  LINKERD_EDGE_HELM_REPO,
} from '../constants';
import { Issues, ValidationError, type ValidationIssue } from '../errors';
import { checkCaBundle, checkMeshCertificates, checkTrustAnchors, checkWebhookCertificate } from '../identity/certificates';
import type { CertManagerIdentityProps } from '../identity/mesh-identity';
import {
  certManagerIdentityObjects,
  certManagerWebhookObjects,
  identityIssuerSecret,
  webhookHostnames,
  webhookSecrets,
} from '../identity/objects';
import { hasWebhookFiles, WebhookCertificates } from '../identity/webhook-certificates';
import type { KubeObject, Namespace } from '../k8s';
import type { MeshInfo } from '../mesh-info';
import { DEFAULT_CNI_NAMESPACE } from './extensions';
import type { LinkerdMeshProps } from './props';
import { jaegerNamespaceOf, meshInfoOf, meshNamespaces, validateMeshProps, vizNamespaceOf, type MeshSettings } from './settings';
import { meshChartValues, type HelmValues, type MeshChartValues } from './values';

export { jaegerNamespaceOf, validateMeshProps, vizNamespaceOf, type MeshSettings } from './settings';

/** How the charts reach the cluster; decides which webhook certificate modes are deterministic. */
export type MeshDeliveryKind = 'helm' | 'flux' | 'argocd' | 'pulumi';

/** The identity, resolved to PEMs (or to cert-manager). */
export type ResolvedIdentity =
  | {
    readonly mode: 'supplied';
    readonly trustAnchorPem: string;
    readonly issuerCertificatePem: string;
    readonly issuerKeyPem: string;
  }
  | { readonly mode: 'cert-manager'; readonly certManager: CertManagerIdentityProps }
  | { readonly mode: 'existing-secret'; readonly trustAnchorPem: string };

/** The webhook certificates, resolved. */
export type ResolvedWebhooks =
  | { readonly mode: 'supplied'; readonly certificatePem: string; readonly keyPem: string; readonly caBundlePem: string }
  | { readonly mode: 'cert-manager' }
  | { readonly mode: 'chart' }
  | { readonly mode: 'existing-secrets'; readonly caBundlePem: string };

/** Releases of the mesh. */
export type MeshReleaseId = 'cni' | 'crds' | 'control-plane' | 'viz' | 'jaeger';

/** One Helm release of the mesh. */
export interface MeshRelease {
  /** Which release. */
  readonly id: MeshReleaseId;
  /** Helm release name. */
  readonly releaseName: string;
  /** Chart name in the repository. */
  readonly chart: string;
  /** Helm repository URL. */
  readonly repository: string;
  /** Chart version. */
  readonly version: string;
  /** Namespace the release installs into. */
  readonly namespace: string;
  /** Chart values. */
  readonly values: HelmValues;
  /** Releases that must be installed first. */
  readonly dependsOn: readonly MeshReleaseId[];
}

/** Everything a mesh creates, in order: its shape, completed. */
export interface MeshPlan extends Pick<MeshShape, 'info' | 'namespaces'>, Omit<CompletedMesh, 'values' | 'warnings'> {
  /** Helm releases, dependencies first. */
  readonly releases: readonly MeshRelease[];
  /** Warnings about the props and the certificates (printed, never thrown). */
  readonly warnings: readonly ValidationIssue[];
}

/** Options of {@link planLinkerdMesh}. */
export interface PlanOptions {
  /** Construct path or resource name, for messages. */
  readonly scope: string;
  /** How the charts are delivered. */
  readonly delivery: MeshDeliveryKind;
  /** Check the supplied PEMs (skipped when they are not known yet, e.g. Pulumi Outputs). @default true */
  readonly checkCertificates?: boolean;
  /** "Now", for expiry checks. @default the current time */
  readonly now?: Date;
  /** Check that the jaeger chart exists for the version (skipped when the version is not known yet). @default true */
  readonly checkJaegerVersion?: boolean;
}

/**
 * Resolves `props.identity` and `props.webhookCertificates` (core types) to PEMs or cert-manager,
 * applying the webhook default: cert-manager with a cert-manager identity, the directory's
 * `webhook.crt` with `MeshIdentity.fromDirectory`, otherwise chart-generated.
 */
export function resolveMeshCertificates(props: Pick<LinkerdMeshProps, 'identity' | 'webhookCertificates'>): {
  identity: ResolvedIdentity;
  webhooks: ResolvedWebhooks;
} {
  const id = props.identity;
  const identity: ResolvedIdentity =
    id.mode === 'cert-manager'
      ? { mode: 'cert-manager', certManager: id.certManager ?? {} }
      : id.mode === 'existing-secret'
        ? { mode: 'existing-secret', trustAnchorPem: id.supplied!.trustAnchorPem }
        : { mode: 'supplied', ...id.supplied! };
  let wc = props.webhookCertificates;
  if (!wc) {
    if (id.mode === 'cert-manager') wc = WebhookCertificates.certManager();
    else if (id.directory !== undefined && hasWebhookFiles(id.directory)) wc = WebhookCertificates.fromDirectory(id.directory);
    else wc = WebhookCertificates.chartGenerated();
  }
  const webhooks: ResolvedWebhooks =
    wc.mode === 'supplied'
      ? { mode: 'supplied', certificatePem: wc.supplied!.certificatePem, keyPem: wc.supplied!.keyPem, caBundlePem: wc.supplied!.caBundlePem ?? wc.supplied!.certificatePem }
      : wc.mode === 'existing-secrets'
        ? { mode: 'existing-secrets', caBundlePem: wc.supplied!.caBundlePem ?? '' }
        : { mode: wc.mode };
  return { identity, webhooks };
}

/** The certificate modes of a mesh, without their PEMs: what decides which objects exist. */
export interface MeshCertificateModes {
  readonly identity: { readonly mode: 'supplied' | 'existing-secret' } | { readonly mode: 'cert-manager'; readonly certManager: CertManagerIdentityProps };
  readonly webhooks: { readonly mode: ResolvedWebhooks['mode'] };
}

/**
 * The values of a mesh that may be known only at deploy time (Pulumi Outputs of other resources, or
 * generated there): which ones a mesh needs follows from its {@link MeshCertificateModes}.
 */
export interface MeshLateValues {
  /** Trust anchor(s) (identity `supplied` or `existing-secret`). */
  readonly trustAnchorPem?: string;
  /** Issuer certificate and key (identity `supplied`). */
  readonly issuerCertificatePem?: string;
  readonly issuerKeyPem?: string;
  /** Webhook serving certificate and key (webhooks `supplied`). */
  readonly webhookCertificatePem?: string;
  readonly webhookKeyPem?: string;
  /** The webhooks' CA bundle (webhooks `supplied` or `existing-secrets`). */
  readonly webhookCaBundlePem?: string;
}

/** The objects and values of a mesh once its late values are known. */
export interface CompletedMesh {
  /** The identity issuer Secret (supplied) or the cert-manager / trust-manager objects. */
  readonly identityObjects: readonly KubeObject[];
  /** Webhook Secrets (supplied) or cert-manager objects; empty when the chart generates them. */
  readonly webhookObjects: readonly KubeObject[];
  /** The values of each chart. */
  readonly values: MeshChartValues;
  /** The identity as resolved. */
  readonly identity: ResolvedIdentity;
  /** The webhook certificates as resolved. */
  readonly webhooks: ResolvedWebhooks;
  /** Warnings about the certificates (expiring soon...). */
  readonly warnings: readonly ValidationIssue[];
}

/**
 * What a mesh emits, decided by plain props and the certificate modes alone (its namespaces,
 * releases, the objects of its identity and webhooks, their names), and how its late values
 * complete it. cdk8s completes it at once with the values it has; Pulumi inside an `apply` over the
 * Outputs. Neither invents stand-in values.
 */
export interface MeshShape {
  /** Facts other constructs consume. */
  readonly info: MeshInfo;
  /** Namespaces: the control plane's first, then CNI, viz, jaeger. */
  readonly namespaces: readonly Namespace[];
  /** The releases (their `values` are those of {@link complete}). */
  readonly releases: readonly Omit<MeshRelease, 'values'>[];
  /** The identity objects as far as the modes decide them: names, kinds, namespaces (their data comes with the late values). */
  readonly identityObjectShapes: readonly KubeObject[];
  /** The same for the webhook objects. */
  readonly webhookObjectShapes: readonly KubeObject[];
  readonly modes: MeshCertificateModes;
  /** Warnings about the props. */
  readonly warnings: readonly ValidationIssue[];
  /**
   * The certificate checks of one part (the identity's values, or the webhooks'), as issues: what
   * `complete` runs on both. A front end that knows one part early checks it early.
   */
  checkCertificates(values: MeshLateValues, part: 'identity' | 'webhooks', now?: Date): ValidationIssue[];
  /**
   * The objects and chart values for these late values, after the certificate checks of the parts
   * `options.checkCertificates` names (all by default; a part generated by a trusted generator may
   * be left out). Throws one `ValidationError` naming each bad value.
   */
  complete(values: MeshLateValues, options?: CompleteOptions): CompletedMesh;
}

/** Options of {@link MeshShape.complete}. */
export interface CompleteOptions {
  /** Which parts to check: every part (`true`), none (`false`), or the parts listed. @default true */
  readonly checkCertificates?: boolean | ReadonlyArray<'identity' | 'webhooks'>;
  /** "Now", for expiry checks. @default the current time */
  readonly now?: Date;
}

/** The identity and webhooks of the modes with these late values (absent values as empty strings: only shapes read them). */
function resolvedCertificates(modes: MeshCertificateModes, v: MeshLateValues): { identity: ResolvedIdentity; webhooks: ResolvedWebhooks } {
  const m = modes.identity;
  const identity: ResolvedIdentity =
    m.mode === 'cert-manager'
      ? { mode: 'cert-manager', certManager: m.certManager }
      : m.mode === 'existing-secret'
        ? { mode: 'existing-secret', trustAnchorPem: v.trustAnchorPem ?? '' }
        : { mode: 'supplied', trustAnchorPem: v.trustAnchorPem ?? '', issuerCertificatePem: v.issuerCertificatePem ?? '', issuerKeyPem: v.issuerKeyPem ?? '' };
  const w = modes.webhooks.mode;
  const webhooks: ResolvedWebhooks =
    w === 'supplied'
      ? { mode: 'supplied', certificatePem: v.webhookCertificatePem ?? '', keyPem: v.webhookKeyPem ?? '', caBundlePem: v.webhookCaBundlePem ?? v.webhookCertificatePem ?? '' }
      : w === 'existing-secrets'
        ? { mode: 'existing-secrets', caBundlePem: v.webhookCaBundlePem ?? '' }
        : { mode: w };
  return { identity, webhooks };
}

/** The late values of resolved certificates (what cdk8s already knows). */
export function lateValuesOf(identity: ResolvedIdentity, webhooks: ResolvedWebhooks): MeshLateValues {
  return {
    ...(identity.mode !== 'cert-manager' ? { trustAnchorPem: identity.trustAnchorPem } : {}),
    ...(identity.mode === 'supplied' ? { issuerCertificatePem: identity.issuerCertificatePem, issuerKeyPem: identity.issuerKeyPem } : {}),
    ...(webhooks.mode === 'supplied' ? { webhookCertificatePem: webhooks.certificatePem, webhookKeyPem: webhooks.keyPem } : {}),
    ...(webhooks.mode === 'supplied' || webhooks.mode === 'existing-secrets' ? { webhookCaBundlePem: webhooks.caBundlePem } : {}),
  };
}

/** The certificate modes of resolved certificates. */
export function modesOf(identity: ResolvedIdentity, webhooks: ResolvedWebhooks): MeshCertificateModes {
  return {
    identity: identity.mode === 'cert-manager' ? { mode: 'cert-manager', certManager: identity.certManager } : { mode: identity.mode },
    webhooks: { mode: webhooks.mode },
  };
}

/**
 * Validates the props and decides what the mesh emits. Throws one `ValidationError` listing every
 * problem of the props (a delivery that cannot render chart-generated webhook certificates
 * deterministically, jaeger on a version without it...).
 */
export function meshShape(props: MeshSettings, modes: MeshCertificateModes, options: Omit<PlanOptions, 'checkCertificates' | 'now'>): MeshShape {
  const issues = new Issues(options.scope);
  validateMeshProps(props, issues, options.checkJaegerVersion !== false);
  const namespace = props.namespace ?? DEFAULT_CONTROL_PLANE_NAMESPACE;
  const trustDomain = props.trustDomain ?? DEFAULT_TRUST_DOMAIN;
  const vizNs = vizNamespaceOf(props);
  const jaegerNs = jaegerNamespaceOf(props);
  checkWebhooksForDelivery(issues, modes, options.delivery);
  issues.throwIfErrors();

  const namespaces = meshNamespaces(props, namespace, vizNs, jaegerNs);

  const objectsFor = ({ identity, webhooks }: { identity: ResolvedIdentity; webhooks: ResolvedWebhooks }) => ({
    identityObjects:
      identity.mode === 'supplied'
        ? [identityIssuerSecret(namespace, identity)]
        : identity.mode === 'cert-manager'
          ? certManagerIdentityObjects(namespace, trustDomain, identity.certManager)
          : [],
    webhookObjects: webhooks.mode === 'supplied' ? webhookSecrets(namespace, vizNs, webhooks) : webhooks.mode === 'cert-manager' ? certManagerWebhookObjects(namespace, vizNs) : [],
  });
  const shapes = objectsFor(resolvedCertificates(modes, {}));
  const version = props.version ?? LINKERD_DEFAULT_CHART_VERSION;
  const releases = meshReleases(props, namespace, vizNs, jaegerNs, version);
  const info = meshInfoOf(props, namespace, trustDomain, vizNs, version);
  const checkCertificates = (late: MeshLateValues, part: 'identity' | 'webhooks', now?: Date): ValidationIssue[] => {
    const { identity, webhooks } = resolvedCertificates(modes, late);
    const checks = new Issues(options.scope);
    if (part === 'identity') {
      if (identity.mode === 'supplied') checkMeshCertificates({ ...identity, trustDomain }, checks, 'identity.', now);
      if (identity.mode === 'existing-secret') checkTrustAnchors(identity.trustAnchorPem, checks, 'identity.trustAnchorPem', now);
    } else {
      if (webhooks.mode === 'existing-secrets') checkCaBundle(webhooks.caBundlePem, checks, 'webhookCertificates.caBundlePem');
      if (webhooks.mode === 'supplied') checkWebhookCertificate({ ...webhooks, hostnames: webhookHostnames(namespace, vizNs) }, checks, 'webhookCertificates.', now);
    }
    return [...checks.all];
  };
  const complete = (late: MeshLateValues, o: CompleteOptions = {}): CompletedMesh => {
    const certs = resolvedCertificates(modes, late);
    const { identity, webhooks } = certs;
    const parts = o.checkCertificates === false ? [] : o.checkCertificates === undefined || o.checkCertificates === true ? (['identity', 'webhooks'] as const) : o.checkCertificates;
    const found = parts.flatMap((part) => checkCertificates(late, part, o.now));
    const errors = found.filter((i) => i.severity !== 'warning');
    if (errors.length > 0) throw new ValidationError(found);
    const values = meshChartValues(props, {
      // an issuer (or webhook) Secret managed elsewhere takes the same chart values as one we emit
      identity: identity.mode === 'cert-manager' ? { mode: 'cert-manager' } : { mode: 'supplied', trustAnchorPem: identity.trustAnchorPem },
      webhooks: webhooks.mode === 'supplied' || webhooks.mode === 'existing-secrets' ? { mode: 'supplied', caBundlePem: webhooks.caBundlePem } : { mode: webhooks.mode },
    });
    return { ...objectsFor(certs), values, identity, webhooks, warnings: found.filter((i) => i.severity === 'warning') };
  };
  return {
    info,
    namespaces,
    releases,
    identityObjectShapes: shapes.identityObjects,
    webhookObjectShapes: shapes.webhookObjects,
    modes,
    warnings: issues.warnings,
    checkCertificates,
    complete,
  };
}

/**
 * Chart-generated webhook certificates change on every render: only Flux, which renders in the
 * cluster once per chart version, can use them.
 */
function checkWebhooksForDelivery(issues: Issues, modes: MeshCertificateModes, delivery: MeshDeliveryKind): void {
  if (modes.webhooks.mode !== 'chart' || delivery === 'flux') return;
  issues.error(
    'webhookCertificates',
    'chart-generated webhook certificates',
    `expected certificates that stay the same across renders with ${delivery} delivery (the chart generates new ones on every render, ` +
      'so every synthesis would differ and restart the control plane): WebhookCertificates.fromDirectory(dir) (written by ' +
      '`linkerd-constructs certs`), WebhookCertificates.supplied({...}), WebhookCertificates.certManager(), ' +
      'WebhookCertificates.existingSecrets({ caBundlePem }) (Secrets managed elsewhere), or Flux delivery',
  );
}

/** The releases of the mesh, dependencies first (values aside). */
function meshReleases(props: MeshSettings, namespace: string, vizNs: string | undefined, jaegerNs: string | undefined, version: string): Omit<MeshRelease, 'values'>[] {
  const repository = props.repository ?? LINKERD_EDGE_HELM_REPO;
  const releases: Omit<MeshRelease, 'values'>[] = [];
  if (props.cni) releases.push({ id: 'cni', releaseName: 'linkerd2-cni', chart: 'linkerd2-cni', repository, version, namespace: DEFAULT_CNI_NAMESPACE, dependsOn: [] });
  releases.push({ id: 'crds', releaseName: 'linkerd-crds', chart: 'linkerd-crds', repository, version, namespace, dependsOn: [] });
  const cpDeps: MeshReleaseId[] = props.cni ? ['cni', 'crds'] : ['crds'];
  releases.push({ id: 'control-plane', releaseName: 'linkerd-control-plane', chart: 'linkerd-control-plane', repository, version, namespace, dependsOn: cpDeps });
  if (vizNs) {
    const vizVersion = (typeof props.viz === 'object' && props.viz.version) || version;
    releases.push({ id: 'viz', releaseName: 'linkerd-viz', chart: 'linkerd-viz', repository, version: vizVersion, namespace: vizNs, dependsOn: ['control-plane'] });
  }
  if (jaegerNs) {
    const jaegerVersion = (typeof props.jaeger === 'object' && props.jaeger.version) || version;
    releases.push({ id: 'jaeger', releaseName: 'linkerd-jaeger', chart: 'linkerd-jaeger', repository, version: jaegerVersion, namespace: jaegerNs, dependsOn: ['control-plane'] });
  }
  return releases;
}

/** The values key of each release in {@link MeshChartValues}. */
export const RELEASE_VALUES_KEY: Record<MeshReleaseId, keyof MeshChartValues> = {
  'cni': 'cni',
  'crds': 'crds',
  'control-plane': 'controlPlane',
  'viz': 'viz',
  'jaeger': 'jaeger',
};

/**
 * Validates the props and builds the plan: the {@link meshShape}, completed with the certificates'
 * values. Throws one `ValidationError` listing every problem (bad props, then bad certificates).
 */
export function planLinkerdMesh(
  props: MeshSettings,
  certs: { identity: ResolvedIdentity; webhooks: ResolvedWebhooks },
  options: PlanOptions,
): MeshPlan {
  const shape = meshShape(props, modesOf(certs.identity, certs.webhooks), options);
  const done = shape.complete(lateValuesOf(certs.identity, certs.webhooks), { checkCertificates: options.checkCertificates, now: options.now });
  return {
    info: shape.info,
    namespaces: shape.namespaces,
    identityObjects: done.identityObjects,
    webhookObjects: done.webhookObjects,
    releases: shape.releases.map((r) => ({ ...r, values: done.values[RELEASE_VALUES_KEY[r.id]] })),
    identity: done.identity,
    webhooks: done.webhooks,
    warnings: [...shape.warnings, ...done.warnings],
  };
}
