import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as tls from '@pulumi/tls';
import { kubeResource, resourceName } from './_kube';
import { MeshIdentity, WebhookCertificates } from './mesh-identity';
import type { MeshReference } from './mesh-reference';
import { CONTROL_PLANE, LINKERD_EDGE_HELM_REPO } from '../core/constants';
import { formatIssue, Issues, type ValidationIssue } from '../core/errors';
import { checkMeshCertificates, checkTrustAnchors, checkWebhookCertificate, identityIssuerSecret, issuerDnsName, webhookHostnames, webhookSecrets } from '../core/identity';
import { issuerFollowsControlPlane, publishedAnchorsPem } from '../core/identity/rotation';
import type { KubeObject } from '../core/k8s';
import {
  jaegerUnavailableReason,
  meshChartValues,
  planLinkerdMesh,
  type HelmValues,
  type LinkerdMeshProps,
  type MeshChartValues,
  type MeshReleaseId,
  type ResolvedIdentity,
  type ResolvedWebhooks,
} from '../core/mesh';
import type { MeshInfo } from '../core/mesh-info';

/**
 * Args of the Pulumi `LinkerdMesh`: the shared `LinkerdMeshProps`, with the identity and webhook
 * certificates as Pulumi types (PEMs may be Outputs) and the chart version as an Input.
 */
export interface LinkerdMeshArgs extends Omit<LinkerdMeshProps, 'identity' | 'webhookCertificates' | 'version'> {
  /** Where the identity comes from: supplied, generated with `@pulumi/tls`, or cert-manager. */
  readonly identity: MeshIdentity;
  /**
   * Webhook serving certificates.
   * @default cert-manager with a cert-manager identity, otherwise generated with `@pulumi/tls`
   */
  readonly webhookCertificates?: WebhookCertificates;
  /** Version of the `linkerd-crds` and `linkerd-control-plane` charts. @default '2026.8.3' */
  readonly version?: pulumi.Input<string>;
}

const VALUES_KEY: Record<MeshReleaseId, keyof MeshChartValues> = {
  'cni': 'cni',
  'crds': 'crds',
  'control-plane': 'controlPlane',
  'viz': 'viz',
  'jaeger': 'jaeger',
};

const PLACEHOLDER = '';

function isPlainString(v: pulumi.Input<string> | undefined): v is string {
  return typeof v === 'string';
}

/** Checks the supplied PEMs that are plain strings; throws on errors, returns the warnings. */
function checkPlainCertificates(
  identity: MeshIdentity,
  webhooks: WebhookCertificates,
  namespace: string,
  vizNamespace: string | undefined,
  trustDomain: string,
  scope: string,
): ValidationIssue[] {
  const issues = new Issues(scope);
  const id = identity.supplied;
  if (identity.mode === 'supplied' && id && isPlainString(id.trustAnchorPem) && isPlainString(id.issuerCertificatePem) && isPlainString(id.issuerKeyPem)) {
    checkMeshCertificates({ trustAnchorPem: id.trustAnchorPem, issuerCertificatePem: id.issuerCertificatePem, issuerKeyPem: id.issuerKeyPem, trustDomain }, issues, 'identity.');
  }
  const anchorOnly = identity.existingSecretArgs?.trustAnchorPem;
  if (identity.mode === 'existing-secret' && isPlainString(anchorOnly)) checkTrustAnchors(anchorOnly, issues, 'identity.trustAnchorPem');
  const w = webhooks.supplied;
  const caBundle = w?.caBundlePem ?? w?.certificatePem;
  if (webhooks.mode === 'supplied' && w && isPlainString(w.certificatePem) && isPlainString(w.keyPem) && isPlainString(caBundle)) {
    const hostnames = webhookHostnames(namespace, vizNamespace);
    checkWebhookCertificate({ certificatePem: w.certificatePem, keyPem: w.keyPem, caBundlePem: caBundle, hostnames }, issues, 'webhookCertificates.');
  }
  issues.throwIfErrors();
  return issues.warnings;
}

/**
 * Linkerd as a Pulumi component: the control plane namespace, the identity issuer (supplied,
 * generated with `@pulumi/tls`, or cert-manager), the webhook certificates, then the `linkerd-crds`
 * and `linkerd-control-plane` charts (and CNI, viz, jaeger), ordered with `dependsOn`.
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

    // what exists is decided from plain values: plan with placeholder PEMs, check the real ones below
    const placeholderIdentity: ResolvedIdentity =
      identity.mode === 'cert-manager'
        ? { mode: 'cert-manager', certManager: identity.certManagerProps ?? {} }
        : identity.mode === 'existing-secret'
          ? { mode: 'existing-secret', trustAnchorPem: PLACEHOLDER }
          : { mode: 'supplied', trustAnchorPem: PLACEHOLDER, issuerCertificatePem: PLACEHOLDER, issuerKeyPem: PLACEHOLDER };
    const placeholderWebhooks: ResolvedWebhooks =
      webhooks.mode === 'cert-manager' ? { mode: 'cert-manager' } : { mode: 'supplied', certificatePem: PLACEHOLDER, keyPem: PLACEHOLDER, caBundlePem: PLACEHOLDER };
    const plan = planLinkerdMesh(settings, { identity: placeholderIdentity, webhooks: placeholderWebhooks }, {
      scope,
      delivery: 'pulumi',
      checkCertificates: false,
      checkJaegerVersion: jaegerVersionKnown,
    });
    // supplied PEMs known now are checked now, before anything is registered
    const { namespace: planNs, vizNamespace: planVizNs, trustDomain: planTd } = plan.info;
    const warnings = [...plan.warnings, ...checkPlainCertificates(identity, webhooks, planNs, planVizNs, planTd, scope)];
    super('linkerd-constructs:index:LinkerdMesh', name, {}, opts);
    for (const w of warnings) void pulumi.log.warn(formatIssue(w), this);
    this.info = plan.info;
    this.namespace = plan.info.namespace;
    this.trustDomain = plan.info.trustDomain;
    const ns = this.namespace;
    const vizNs = plan.info.vizNamespace;

    // namespaces
    const namespaces = new Map<string, pulumi.Resource>();
    for (const obj of plan.namespaces) namespaces.set(obj.metadata.name!, kubeResource(resourceName(name, obj), obj, { parent: this }));
    this.namespaceResource = namespaces.get(ns)!;
    const nsDep = (namespace: string) => (namespaces.has(namespace) ? [namespaces.get(namespace)!] : []);

    // identity: the issuer Secret before the control plane, except in rotation stage `issuer` (issuerFollowsControlPlane)
    const identityPems = this.identityPems(name, identity, scope);
    const existingAnchor = identity.mode === 'existing-secret' ? this.checkedAnchor(identity.existingSecretArgs!.trustAnchorPem, scope) : undefined;
    const identityResources: pulumi.Resource[] = [];
    const issuerAfterControlPlane = identityPems !== undefined && issuerFollowsControlPlane(identity.rotationStage);
    const addIssuerSecret = (after: pulumi.Resource[]) => {
      const shape = identityIssuerSecret(ns, { trustAnchorPem: PLACEHOLDER, issuerCertificatePem: PLACEHOLDER, issuerKeyPem: PLACEHOLDER });
      const value = pulumi
        .all([identityPems!.trustAnchorPem, identityPems!.issuerCertificatePem, identityPems!.issuerKeyPem])
        .apply(([trustAnchorPem, issuerCertificatePem, issuerKeyPem]) =>
          identityIssuerSecret(ns, { trustAnchorPem, issuerCertificatePem, issuerKeyPem }),
        );
      return kubeResource(resourceName(name, shape), shape, { parent: this, dependsOn: [...nsDep(ns), ...after] }, value, true);
    };
    let issuerSecret: pulumi.Resource | undefined;
    if (identityPems && !issuerAfterControlPlane) {
      issuerSecret = addIssuerSecret([]);
      identityResources.push(issuerSecret);
    } else if (!identityPems && !existingAnchor) {
      for (const obj of plan.identityObjects) {
        identityResources.push(kubeResource(resourceName(name, obj), obj, { parent: this, dependsOn: nsDep(obj.metadata.namespace ?? ns) }));
      }
    }

    // webhook certificates
    const webhookPems = this.webhookPems(name, webhooks, plan.info.namespace, vizNs, scope);
    const webhookResources = new Map<string, pulumi.Resource[]>();
    const addWebhookResource = (obj: KubeObject, value?: pulumi.Input<KubeObject>, secret = false) => {
      const target = obj.metadata.namespace ?? ns;
      const r = kubeResource(resourceName(name, obj), obj, { parent: this, dependsOn: nsDep(target) }, value ?? obj, secret);
      webhookResources.set(target, [...(webhookResources.get(target) ?? []), r]);
    };
    if (webhookPems) {
      const shapes = webhookSecrets(ns, vizNs, { certificatePem: PLACEHOLDER, keyPem: PLACEHOLDER, caBundlePem: PLACEHOLDER });
      const values = pulumi
        .all([webhookPems.certificatePem, webhookPems.keyPem, webhookPems.caBundlePem])
        .apply(([certificatePem, keyPem, caBundlePem]) => webhookSecrets(ns, vizNs, { certificatePem, keyPem, caBundlePem }));
      shapes.forEach((shape, i) => addWebhookResource(shape, values.apply((list) => list[i]), true));
    } else {
      for (const obj of plan.webhookObjects) addWebhookResource(obj);
    }

    // chart values: computed from the real PEMs by the same core function the plan used
    const chartValues: pulumi.Output<MeshChartValues> = pulumi
      .all([identityPems?.trustAnchorPem ?? existingAnchor ?? PLACEHOLDER, webhookPems?.caBundlePem ?? PLACEHOLDER])
      .apply(([trustAnchorPem, caBundlePem]) =>
        meshChartValues(settings, {
          identity: identityPems || existingAnchor ? { mode: 'supplied', trustAnchorPem } : { mode: 'cert-manager' },
          webhooks: webhookPems ? { mode: 'supplied', caBundlePem } : { mode: 'cert-manager' },
        }),
      );

    // releases, in order
    const charts = new Map<MeshReleaseId, pulumi.Resource>();
    for (const release of plan.releases) {
      const deps: pulumi.Resource[] = [...nsDep(release.namespace), ...release.dependsOn.map((d) => charts.get(d)!)];
      if (release.id === 'control-plane') deps.push(...identityResources, ...(webhookResources.get(ns) ?? []));
      if (release.id === 'viz' && vizNs) deps.push(...(webhookResources.get(vizNs) ?? []));
      const values: pulumi.Input<HelmValues> = release.id === 'crds' || release.id === 'cni' ? release.values : chartValues.apply((v) => v[VALUES_KEY[release.id]]);
      charts.set(
        release.id,
        new k8s.helm.v4.Chart(
          `${name}-${release.id}`,
          {
            chart: release.chart,
            name: release.releaseName,
            namespace: release.namespace,
            version: this.chartVersion(release.id, release.version, version, args, scope),
            repositoryOpts: { repo: release.repository },
            values,
          },
          { parent: this, dependsOn: deps },
        ),
      );
    }
    this.crds = charts.get('crds')!;
    this.controlPlane = charts.get('control-plane')!;
    this.issuerSecret = issuerAfterControlPlane ? addIssuerSecret([this.controlPlane]) : issuerSecret;
    this.viz = charts.get('viz');
    this.jaeger = charts.get('jaeger');

    if (identityPems || existingAnchor) {
      this.trustAnchorPem = pulumi.unsecret(pulumi.output(identityPems?.trustAnchorPem ?? existingAnchor!));
    } else {
      // cert-manager: trust-manager writes the anchor into the ConfigMap the control plane mounts
      const roots = k8s.core.v1.ConfigMap.get(`${name}-trust-roots`, `${ns}/${CONTROL_PLANE.trustRootsConfigMap}`, {
        parent: this,
        dependsOn: [this.controlPlane],
      });
      this.trustAnchorPem = roots.data.apply((d) => d?.['ca-bundle.crt'] ?? '');
    }

    this.registerOutputs({
      namespace: this.namespace,
      trustDomain: this.trustDomain,
      trustAnchorPem: this.trustAnchorPem,
      identityAddress: this.info.endpoints.identityAddress,
      destinationAddress: this.info.endpoints.destinationAddress,
      vizNamespace: vizNs,
    });
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

  /** A trust anchor given alone (existing-secret mode), checked now when plain, when known otherwise. */
  private checkedAnchor(pem: pulumi.Input<string>, scope: string): pulumi.Output<string> {
    const check = (value: string) => {
      const issues = new Issues(scope);
      checkTrustAnchors(value, issues, 'identity.trustAnchorPem');
      issues.throwIfErrors();
      for (const w of issues.warnings) void pulumi.log.warn(formatIssue(w), this);
      return value;
    };
    // plain: checked before registration (checkPlainCertificates)
    return isPlainString(pem) ? pulumi.output(pem) : pulumi.output(pem).apply(check);
  }

  /** The identity's PEMs as Outputs (undefined with cert-manager and existing-secret); generated ones are created here. */
  private identityPems(name: string, identity: MeshIdentity, scope: string) {
    if (identity.mode === 'cert-manager' || identity.mode === 'existing-secret') return undefined;
    const trustDomain = this.trustDomain;
    if (identity.mode === 'supplied') {
      const s = identity.supplied!;
      const check = (trustAnchorPem: string, issuerCertificatePem: string, issuerKeyPem: string) => {
        const issues = new Issues(scope);
        checkMeshCertificates({ trustAnchorPem, issuerCertificatePem, issuerKeyPem, trustDomain }, issues, 'identity.');
        issues.throwIfErrors();
        for (const w of issues.warnings) void pulumi.log.warn(formatIssue(w), this);
      };
      if (isPlainString(s.trustAnchorPem) && isPlainString(s.issuerCertificatePem) && isPlainString(s.issuerKeyPem)) {
        // checked before registration (checkPlainCertificates)
        return {
          trustAnchorPem: pulumi.output(s.trustAnchorPem),
          issuerCertificatePem: pulumi.output(s.issuerCertificatePem),
          issuerKeyPem: pulumi.secret(s.issuerKeyPem),
        };
      }
      // the verdict (a boolean) is unsecreted so that the public PEMs derived from it stay public
      const verdict = pulumi.unsecret(pulumi.all([s.trustAnchorPem, s.issuerCertificatePem, s.issuerKeyPem]).apply(([a, c, k]) => {
        check(a, c, k);
        return true;
      }));
      const after = <T>(v: pulumi.Input<T>) => pulumi.all([v, verdict]).apply(([x]) => x as T);
      return {
        trustAnchorPem: after(s.trustAnchorPem),
        issuerCertificatePem: after(s.issuerCertificatePem),
        issuerKeyPem: pulumi.secret(after(s.issuerKeyPem)),
      };
    }
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

  /** The webhook certificate PEMs as Outputs (undefined with cert-manager); generated ones are created here. */
  private webhookPems(name: string, webhooks: WebhookCertificates, ns: string, vizNs: string | undefined, scope: string) {
    if (webhooks.mode === 'cert-manager') return undefined;
    const hostnames = webhookHostnames(ns, vizNs);
    if (webhooks.mode === 'supplied') {
      const s = webhooks.supplied!;
      const caBundle = s.caBundlePem ?? s.certificatePem;
      const check = (certificatePem: string, keyPem: string, caBundlePem: string) => {
        const issues = new Issues(scope);
        checkWebhookCertificate({ certificatePem, keyPem, caBundlePem, hostnames }, issues, 'webhookCertificates.');
        issues.throwIfErrors();
        for (const w of issues.warnings) void pulumi.log.warn(formatIssue(w), this);
      };
      if (isPlainString(s.certificatePem) && isPlainString(s.keyPem) && isPlainString(caBundle)) {
        // checked before registration (checkPlainCertificates)
        return { certificatePem: pulumi.output(s.certificatePem), keyPem: pulumi.secret(s.keyPem), caBundlePem: pulumi.output(caBundle) };
      }
      const verdict = pulumi.unsecret(pulumi.all([s.certificatePem, s.keyPem, caBundle]).apply(([c, k, ca]) => {
        check(c, k, ca);
        return true;
      }));
      const after = <T>(v: pulumi.Input<T>) => pulumi.all([v, verdict]).apply(([x]) => x as T);
      return { certificatePem: after(s.certificatePem), keyPem: pulumi.secret(after(s.keyPem)), caBundlePem: after(caBundle) };
    }
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
    return { certificatePem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem), caBundlePem: cert.certPem };
  }
}
