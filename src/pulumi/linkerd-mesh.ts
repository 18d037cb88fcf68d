import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as tls from '@pulumi/tls';
import { kubeResource, resourceName } from './_kube';
import { resolveLate, type LateInputs } from './_late';
import type { InputKind } from './external-workload-host';
import { MeshIdentity, WebhookCertificates } from './mesh-identity';
import type { MeshReference } from './mesh-reference';
import { CONTROL_PLANE, LINKERD_EDGE_HELM_REPO } from '../core/constants';
import { formatIssue, Issues, ValidationError } from '../core/errors';
import { issuerDnsName, webhookHostnames } from '../core/identity';
import { issuerFollowsControlPlane, publishedAnchorsPem } from '../core/identity/rotation';
import type { KubeObject } from '../core/k8s';
import {
  jaegerUnavailableReason,
  meshShape,
  RELEASE_VALUES_KEY,
  type HelmValues,
  type LinkerdMeshProps,
  type MeshCertificateModes,
  type MeshLateValues,
  type MeshReleaseId,
  type MeshShape,
} from '../core/mesh';
import type { MeshInfo } from '../core/mesh-info';

/**
 * Args of the Pulumi `LinkerdMesh`: the core's `LinkerdMeshProps` with the chart version an Input and
 * the Pulumi identity and webhook certificates (PEMs may be Outputs; generated with `@pulumi/tls`).
 * The webhook certificates default to cert-manager with a cert-manager identity, otherwise to ones
 * generated with `@pulumi/tls`.
 */
export type LinkerdMeshArgs = LinkerdMeshProps<InputKind, MeshIdentity, WebhookCertificates>;

/** The late values of a mesh as Inputs (each absent when the modes do not need it). */
type MeshLateInputs = LateInputs<MeshLateValues>;

function isPlainString(v: pulumi.Input<string> | undefined): v is string {
  return typeof v === 'string';
}

/** The certificate modes of the Pulumi identity and webhooks (generated ones are supplied ones made here). */
function certificateModes(identity: MeshIdentity, webhooks: WebhookCertificates): MeshCertificateModes {
  return {
    identity:
      identity.mode === 'cert-manager'
        ? { mode: 'cert-manager', certManager: identity.certManagerProps ?? {} }
        : { mode: identity.mode === 'existing-secret' ? 'existing-secret' : 'supplied' },
    webhooks: { mode: webhooks.mode === 'cert-manager' || webhooks.mode === 'existing-secrets' ? webhooks.mode : 'supplied' },
  };
}

/** The values of `late` that `keys` name, when every one is a plain string now. */
function plainValues(late: MeshLateInputs, keys: ReadonlyArray<keyof MeshLateValues>): MeshLateValues | undefined {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = late[k];
    if (v === undefined) continue;
    if (!isPlainString(v)) return undefined;
    out[k] = v;
  }
  return out;
}

const IDENTITY_KEYS = ['trustAnchorPem', 'issuerCertificatePem', 'issuerKeyPem'] as const;
const WEBHOOK_KEYS = ['webhookCertificatePem', 'webhookKeyPem', 'webhookCaBundlePem'] as const;

/**
 * Linkerd as a Pulumi component: the control plane namespace, the identity issuer (supplied,
 * generated with `@pulumi/tls`, an existing Secret, or cert-manager), the webhook certificates, then
 * the `linkerd-crds` and `linkerd-control-plane` charts (and CNI, viz, jaeger), ordered with `dependsOn`.
 *
 * The core's {@link meshShape} decides what exists from plain values; its `complete` turns the late
 * values (PEMs that may be Outputs, or generated here) into the objects and chart values inside one
 * `apply`, checking them: checked now when they are plain strings, at deployment otherwise.
 *
 * Charts are deployed with `@pulumi/kubernetes` **`helm.v4.Chart`**: it renders in the provider (no
 * helm binary), registers every object as its own resource (per-object diffs and previews, Pulumi's
 * await logic for readiness) and works with transformations. The v3 `Release` would hand the objects
 * to Helm's release machinery, hiding them from previews. Because v4 renders on every `pulumi up`,
 * the webhook certificates are never left to the chart (it would generate new ones each time).
 *
 * Type token `linkerd-constructs:index:LinkerdMesh`.
 */
export class LinkerdMesh extends pulumi.ComponentResource implements MeshReference {
  /** Facts about the installation for other components. */
  public readonly info: MeshInfo;
  /** The `linkerd-crds` chart. */
  public readonly crds: pulumi.Resource;
  /** The `linkerd-control-plane` chart. */
  public readonly controlPlane: pulumi.Resource;
  /** The viz chart, when installed. */
  public readonly viz?: pulumi.Resource;
  /** The jaeger chart, when installed. */
  public readonly jaeger?: pulumi.Resource;
  /** The control plane Namespace resource. */
  public readonly namespaceResource: pulumi.Resource;
  /** The `linkerd-identity-issuer` Secret, when this mesh emits it (supplied and generated identities). */
  public readonly issuerSecret?: pulumi.Resource;
  /** The control plane namespace. */
  public readonly namespace: string;
  /** The identity trust domain. */
  public readonly trustDomain: string;
  /** The trust anchor PEM (not secret; proxies outside the cluster need it). */
  public readonly trustAnchorPem: pulumi.Output<string>;

  public constructor(name: string, args: LinkerdMeshArgs, opts?: pulumi.ComponentResourceOptions) {
    const scope = `LinkerdMesh ${name}`;
    const { identity, webhookCertificates, version, ...rest } = args;
    const settings: Omit<LinkerdMeshProps, 'identity' | 'webhookCertificates'> = { ...rest, version: isPlainString(version) ? version : undefined };
    const webhooks = webhookCertificates ?? (identity.mode === 'cert-manager' ? WebhookCertificates.certManager() : WebhookCertificates.generated());
    const jaegerVersionKnown = isPlainString(version) || version === undefined || (typeof args.jaeger === 'object' && args.jaeger.version !== undefined);
    const shape = meshShape(settings, certificateModes(identity, webhooks), { scope, delivery: 'pulumi', checkJaegerVersion: jaegerVersionKnown });
    // late values known now are checked now, before anything is registered (each part on its own)
    const given = givenValues(identity, webhooks);
    const early = (['identity', 'webhooks'] as const).map((part) => {
      const known = plainValues(given, part === 'identity' ? IDENTITY_KEYS : WEBHOOK_KEYS);
      return known && (part === 'identity' ? identity.mode !== 'generated' : webhooks.mode !== 'generated') ? shape.checkCertificates(known, part) : undefined;
    });
    const earlyIssues = early.flatMap((e) => e ?? []);
    if (earlyIssues.some((i) => i.severity !== 'warning')) throw new ValidationError(earlyIssues);
    super('linkerd-constructs:index:LinkerdMesh', name, {}, opts);
    for (const w of [...shape.warnings, ...earlyIssues]) void pulumi.log.warn(formatIssue(w), this);
    this.info = shape.info;
    this.namespace = shape.info.namespace;
    this.trustDomain = shape.info.trustDomain;

    // the late values (generated ones are created here), completed by the core in one apply
    const late: MeshLateInputs = { ...given, ...this.generatedIdentity(name, identity), ...this.generatedWebhooks(name, webhooks) };
    // generated parts come from @pulumi/tls and are not checked again; parts checked before registration are not logged twice
    const checked = (['identity', 'webhooks'] as const).filter((part) => (part === 'identity' ? identity.mode : webhooks.mode) !== 'generated');
    const completed = this.complete(shape, late, checked, early.map((e) => e !== undefined) as [boolean, boolean]);
    const { charts, issuerSecret, namespaceResource } = this.createChildren(name, shape, completed, identity, version, args, scope);
    this.namespaceResource = namespaceResource;
    this.crds = charts.get('crds')!;
    this.controlPlane = charts.get('control-plane')!;
    this.issuerSecret = issuerSecret;
    this.viz = charts.get('viz');
    this.jaeger = charts.get('jaeger');
    this.trustAnchorPem = this.publishedAnchors(name, late.trustAnchorPem);
    this.registerOutputs({
      namespace: this.namespace,
      trustDomain: this.trustDomain,
      trustAnchorPem: this.trustAnchorPem,
      identityAddress: this.info.endpoints.identityAddress,
      destinationAddress: this.info.endpoints.destinationAddress,
      vizNamespace: shape.info.vizNamespace,
    });
  }

  /** The core's completion of the mesh over the late values; logs the warnings of parts not checked before registration. */
  private complete(shape: MeshShape, late: MeshLateInputs, check: ReadonlyArray<'identity' | 'webhooks'>, checkedEarly: [boolean, boolean]) {
    return resolveLate(late, undefined, (v) => {
      const done = shape.complete(v, { checkCertificates: check });
      const fresh = done.warnings.filter((w) => !(checkedEarly[0] && w.field.startsWith('identity.')) && !(checkedEarly[1] && w.field.startsWith('webhookCertificates.')));
      for (const w of fresh) void pulumi.log.warn(formatIssue(w), this);
      return done;
    });
  }

  /** Namespaces, identity and webhook objects, then the charts in order; the issuer after the control plane in rotation stage `issuer`. */
  private createChildren(
    name: string,
    shape: MeshShape,
    completed: pulumi.Output<ReturnType<MeshShape['complete']>>,
    identity: MeshIdentity,
    version: pulumi.Input<string> | undefined,
    args: LinkerdMeshArgs,
    scope: string,
  ): { charts: Map<MeshReleaseId, pulumi.Resource>; issuerSecret?: pulumi.Resource; namespaceResource: pulumi.Resource } {
    const ns = shape.info.namespace;
    const namespaces = new Map<string, pulumi.Resource>();
    for (const obj of shape.namespaces) namespaces.set(obj.metadata.name!, kubeResource(resourceName(name, obj), obj, { parent: this }));
    const nsDep = (namespace: string) => (namespaces.has(namespace) ? [namespaces.get(namespace)!] : []);
    // objects whose data are late values hold keys: secret (the issuer Secret, the webhook Secrets)
    const objectResource = (obj: KubeObject, list: 'identityObjects' | 'webhookObjects', i: number, after: pulumi.Resource[] = []) => {
      const late = obj.kind === 'Secret';
      const value = late ? completed.apply((c) => c[list][i]) : obj;
      return kubeResource(resourceName(name, obj), obj, { parent: this, dependsOn: [...nsDep(obj.metadata.namespace ?? ns), ...after] }, value, late);
    };
    const issuerAfterControlPlane = shape.modes.identity.mode === 'supplied' && issuerFollowsControlPlane(identity.rotationStage);
    const identityResources = issuerAfterControlPlane ? [] : shape.identityObjectShapes.map((obj, i) => objectResource(obj, 'identityObjects', i));
    const webhookResources = new Map<string, pulumi.Resource[]>();
    shape.webhookObjectShapes.forEach((obj, i) => {
      const target = obj.metadata.namespace ?? ns;
      webhookResources.set(target, [...(webhookResources.get(target) ?? []), objectResource(obj, 'webhookObjects', i)]);
    });
    // chart values hold only public PEMs (anchors, CA bundle): not secret, though computed beside keys
    const chartValues = (id: MeshReleaseId): pulumi.Input<HelmValues> => pulumi.unsecret(completed.apply((c) => c.values[RELEASE_VALUES_KEY[id]]));
    const charts = new Map<MeshReleaseId, pulumi.Resource>();
    for (const release of shape.releases) {
      const deps: pulumi.Resource[] = [...nsDep(release.namespace), ...release.dependsOn.map((d) => charts.get(d)!)];
      if (release.id === 'control-plane') deps.push(...identityResources, ...(webhookResources.get(ns) ?? []));
      if (release.id === 'viz' && shape.info.vizNamespace) deps.push(...(webhookResources.get(shape.info.vizNamespace) ?? []));
      const chartArgs = {
        chart: release.chart,
        name: release.releaseName,
        namespace: release.namespace,
        version: this.chartVersion(release.id, release.version, version, args, scope),
        repositoryOpts: { repo: release.repository },
        values: chartValues(release.id),
      };
      charts.set(release.id, new k8s.helm.v4.Chart(`${name}-${release.id}`, chartArgs, { parent: this, dependsOn: deps }));
    }
    const issuerIndex = shape.identityObjectShapes.findIndex((o) => o.kind === 'Secret');
    const issuerSecret = issuerAfterControlPlane
      ? objectResource(shape.identityObjectShapes[issuerIndex], 'identityObjects', issuerIndex, [charts.get('control-plane')!])
      : issuerIndex >= 0
        ? identityResources[issuerIndex]
        : undefined;
    return { charts, issuerSecret, namespaceResource: namespaces.get(ns)! };
  }

  /** The published anchors: the late value (not secret: proxies outside the cluster need it), or, with cert-manager, trust-manager's ConfigMap. */
  private publishedAnchors(name: string, anchors: pulumi.Input<string> | undefined): pulumi.Output<string> {
    if (anchors !== undefined) return pulumi.unsecret(pulumi.output(anchors));
    // cert-manager: trust-manager writes the anchor into the ConfigMap the control plane mounts
    const roots = k8s.core.v1.ConfigMap.get(`${name}-trust-roots`, `${this.namespace}/${CONTROL_PLANE.trustRootsConfigMap}`, {
      parent: this,
      dependsOn: [this.controlPlane],
    });
    return roots.data.apply((d) => d?.['ca-bundle.crt'] ?? '');
  }

  private chartVersion(
    id: MeshReleaseId,
    planned: string,
    version: pulumi.Input<string> | undefined,
    args: LinkerdMeshArgs,
    scope: string,
  ): pulumi.Input<string> {
    const own = (id === 'viz' && typeof args.viz === 'object' && args.viz.version) || (id === 'jaeger' && typeof args.jaeger === 'object' && args.jaeger.version);
    if (own || version === undefined || isPlainString(version)) return planned;
    if (id !== 'jaeger') return version;
    return pulumi.output(version).apply((v) => {
      const reason = jaegerUnavailableReason(v, args.repository ?? LINKERD_EDGE_HELM_REPO);
      if (reason) {
        const issues = new Issues(scope);
        issues.error('jaeger', v, `expected a chart version that ships linkerd-jaeger: ${reason}`);
        issues.throwIfErrors();
      }
      return v;
    });
  }

  /** A generated identity (`@pulumi/tls`): the anchors of its rotation stage, the issuer and its key (secret). */
  private generatedIdentity(name: string, identity: MeshIdentity): Partial<MeshLateInputs> {
    if (identity.mode !== 'generated') return {};
    const trustDomain = this.trustDomain;
    const g = identity.generatedArgs ?? {};
    const stage = identity.rotationStage;
    const generation = g.trustAnchorGeneration ?? 1;
    // generation 1 keeps the names of a mesh that never rotated; the previous generation lives during bundle and issuer
    const anchorOf = (gen: number) => {
      const base = gen === 1 ? `${name}-trust-anchor` : `${name}-trust-anchor-g${gen}`;
      const key = new tls.PrivateKey(`${base}-key`, { algorithm: 'ECDSA', ecdsaCurve: 'P256' }, { parent: this });
      const cert = new tls.SelfSignedCert(
        base,
        {
          privateKeyPem: key.privateKeyPem,
          subject: { commonName: `root.linkerd.${trustDomain}` },
          isCaCertificate: true,
          validityPeriodHours: g.trustAnchorValidityHours ?? 87600,
          allowedUses: ['cert_signing', 'crl_signing'],
          setSubjectKeyId: true,
        },
        { parent: this },
      );
      return { key, cert };
    };
    const rotating = stage === 'bundle' || stage === 'issuer';
    const current = anchorOf(generation);
    const previous = rotating ? anchorOf(generation - 1) : undefined;
    const signer = stage === 'bundle' ? previous! : current;
    const issuerKey = new tls.PrivateKey(`${name}-issuer-key`, { algorithm: 'ECDSA', ecdsaCurve: 'P256' }, { parent: this });
    const issuerName = issuerDnsName(trustDomain);
    const csr = new tls.CertRequest(`${name}-issuer-csr`, { privateKeyPem: issuerKey.privateKeyPem, subject: { commonName: issuerName }, dnsNames: [issuerName] }, { parent: this });
    const issuer = new tls.LocallySignedCert(
      `${name}-issuer`,
      {
        certRequestPem: csr.certRequestPem,
        caPrivateKeyPem: signer.key.privateKeyPem,
        caCertPem: signer.cert.certPem,
        isCaCertificate: true,
        maxPathLength: 0,
        validityPeriodHours: g.issuerValidityHours ?? 8760,
        earlyRenewalHours: g.issuerEarlyRenewalHours ?? 720,
        allowedUses: ['cert_signing', 'crl_signing', 'server_auth', 'client_auth'],
        setSubjectKeyId: true,
      },
      { parent: this },
    );
    // the published bundle of the stage: the same function fromDirectory uses (old anchor first)
    const trustAnchorPem = pulumi
      .all([previous?.cert.certPem ?? current.cert.certPem, current.cert.certPem])
      .apply(([old, next]) => publishedAnchorsPem(rotating ? stage : 'none', old, rotating ? next : undefined));
    return { trustAnchorPem, issuerCertificatePem: issuer.certPem, issuerKeyPem: pulumi.secret(issuerKey.privateKeyPem) };
  }

  /** Generated webhook certificates (`@pulumi/tls`, self-signed, key secret). */
  private generatedWebhooks(name: string, webhooks: WebhookCertificates): Partial<MeshLateInputs> {
    if (webhooks.mode !== 'generated') return {};
    const hostnames = webhookHostnames(this.namespace, this.info.vizNamespace);
    const g = webhooks.generatedArgs ?? {};
    const key = new tls.PrivateKey(`${name}-webhook-key`, { algorithm: 'ECDSA', ecdsaCurve: 'P256' }, { parent: this });
    const cert = new tls.SelfSignedCert(
      `${name}-webhook`,
      {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: hostnames[0] },
        dnsNames: hostnames,
        validityPeriodHours: g.validityHours ?? 8760,
        earlyRenewalHours: g.earlyRenewalHours ?? 720,
        allowedUses: ['digital_signature', 'key_encipherment', 'server_auth'],
      },
      { parent: this },
    );
    // @pulumi/tls writes SEC1 for ECDSA; webhookSecrets stores it as PKCS#8 (toPkcs8PrivateKeyPem)
    return { webhookCertificatePem: cert.certPem, webhookKeyPem: pulumi.secret(key.privateKeyPem), webhookCaBundlePem: cert.certPem };
  }
}

/** The late values given as args (supplied and existing-secret identities, supplied webhooks); keys as secrets. */
function givenValues(identity: MeshIdentity, webhooks: WebhookCertificates): MeshLateInputs {
  const s = identity.mode === 'supplied' ? identity.supplied : undefined;
  const w = webhooks.mode === 'supplied' ? webhooks.supplied : undefined;
  const secret = (v: pulumi.Input<string> | undefined) => (v === undefined || isPlainString(v) ? v : pulumi.secret(v));
  return {
    trustAnchorPem: s?.trustAnchorPem ?? identity.existingSecretArgs?.trustAnchorPem,
    issuerCertificatePem: s?.issuerCertificatePem,
    issuerKeyPem: secret(s?.issuerKeyPem),
    webhookCertificatePem: w?.certificatePem,
    webhookKeyPem: secret(w?.keyPem),
    webhookCaBundlePem: w ? (w.caBundlePem ?? w.certificatePem) : webhooks.existingSecretsArgs?.caBundlePem,
  };
}
