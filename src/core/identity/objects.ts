/**
 * The Kubernetes objects that carry the mesh's certificates: the identity issuer Secret (modes 1/2),
 * the cert-manager / trust-manager objects of mode 3, and the webhook serving certificates.
 */
import { CONTROL_PLANE, LABELS } from '../constants';
import type { KubeObject, Secret } from '../k8s';
import { hasPemPrivateKey, issuerDnsName, toPkcs8PrivateKeyPem } from './certificates';
import type { CertManagerIdentityProps } from './mesh-identity';

/** One admission webhook (or API service) whose serving certificate the mesh provides. */
export interface WebhookTarget {
  /** Chart values key (`proxyInjector`, `tap`...). */
  readonly valuesKey: string;
  /** Service name the API server calls. */
  readonly service: string;
  /** Secret the chart mounts (`kubernetes.io/tls`). */
  readonly secretName: string;
  /** Which chart it belongs to. */
  readonly chart: 'control-plane' | 'viz';
}

/** Webhooks of the control plane chart. */
export const CONTROL_PLANE_WEBHOOKS: readonly WebhookTarget[] = [
  { valuesKey: 'proxyInjector', service: 'linkerd-proxy-injector', secretName: 'linkerd-proxy-injector-k8s-tls', chart: 'control-plane' },
  { valuesKey: 'profileValidator', service: 'linkerd-sp-validator', secretName: 'linkerd-sp-validator-k8s-tls', chart: 'control-plane' },
  { valuesKey: 'policyValidator', service: 'linkerd-policy-validator', secretName: 'linkerd-policy-validator-k8s-tls', chart: 'control-plane' },
];

/** Webhook and API service of the viz chart (tap, tap injector). */
export const VIZ_WEBHOOKS: readonly WebhookTarget[] = [
  { valuesKey: 'tap', service: 'tap', secretName: 'tap-k8s-tls', chart: 'viz' },
  { valuesKey: 'tapInjector', service: 'tap-injector', secretName: 'tap-injector-k8s-tls', chart: 'viz' },
];

/** Host names (`<service>.<namespace>.svc`) the webhook certificate must cover. */
export function webhookHostnames(namespace: string, vizNamespace?: string): string[] {
  const hosts = CONTROL_PLANE_WEBHOOKS.map((w) => `${w.service}.${namespace}.svc`);
  if (vizNamespace) hosts.push(...VIZ_WEBHOOKS.map((w) => `${w.service}.${vizNamespace}.svc`));
  return hosts;
}

function b64(text: string): string {
  return Buffer.from(text.trim() + '\n', 'utf8').toString('base64');
}

/** PEMs of the identity issuer Secret. */
export interface IssuerSecretInput {
  /** Issuer certificate, PEM. */
  readonly issuerCertificatePem: string;
  /** Issuer private key, PEM. */
  readonly issuerKeyPem: string;
  /** Trust anchor(s), PEM (`ca.crt`, as cert-manager writes it). */
  readonly trustAnchorPem: string;
}

/**
 * The `linkerd-identity-issuer` Secret in the `kubernetes.io/tls` scheme (`tls.crt`, `tls.key`,
 * `ca.crt`): the chart runs with `identity.issuer.scheme=kubernetes.io/tls`, so the issuer key lives
 * here only, never in Helm values.
 */
export function identityIssuerSecret(namespace: string, input: IssuerSecretInput): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: CONTROL_PLANE.identityIssuerSecret,
      namespace,
      labels: { [LABELS.controlPlaneComponent]: 'identity', [LABELS.controlPlaneNs]: namespace },
    },
    type: 'kubernetes.io/tls',
    data: {
      'ca.crt': b64(input.trustAnchorPem),
      'tls.crt': b64(input.issuerCertificatePem),
      // PKCS#8 like every key we emit (the identity controller loads any form; one form is simpler to check)
      'tls.key': b64(pkcs8IfPem(input.issuerKeyPem, 'identity.issuerKeyPem')),
    },
  };
}

/** PEMs of the webhook Secrets. */
export interface WebhookSecretsInput {
  /** Serving certificate, PEM. */
  readonly certificatePem: string;
  /** Its key, PEM. */
  readonly keyPem: string;
  /** CA bundle, PEM. */
  readonly caBundlePem: string;
}

/**
 * A key as our Secrets hold it: PKCS#8, converted from SEC1 or PKCS#1 where needed (see
 * {@link toPkcs8PrivateKeyPem}). A value that is not a PEM key (a planning placeholder) is kept: real
 * keys were validated before they got here.
 */
function pkcs8IfPem(keyPem: string, field: string): string {
  return hasPemPrivateKey(keyPem) ? toPkcs8PrivateKeyPem(keyPem, field) : keyPem;
}

/**
 * `namespace/name` of each `kubernetes.io/tls` Secret the webhooks mount (keys `tls.crt`, `tls.key`,
 * `ca.crt`): what `WebhookCertificates.existingSecrets` expects something else to provide.
 */
export function webhookSecretNames(namespace: string, vizNamespace?: string): string[] {
  return [...CONTROL_PLANE_WEBHOOKS, ...(vizNamespace ? VIZ_WEBHOOKS : [])].map((w) => `${w.chart === 'viz' ? vizNamespace : namespace}/${w.secretName}`);
}

/** The `kubernetes.io/tls` Secrets the webhooks mount (chart values `<webhook>.externalSecret=true`). */
export function webhookSecrets(namespace: string, vizNamespace: string | undefined, input: WebhookSecretsInput): Secret[] {
  const targets = [...CONTROL_PLANE_WEBHOOKS, ...(vizNamespace ? VIZ_WEBHOOKS : [])];
  return targets.map((w) => {
    const ns = w.chart === 'viz' ? vizNamespace! : namespace;
    const labels: Record<string, string> = w.chart === 'viz' ? { [LABELS.extension]: 'viz' } : { [LABELS.controlPlaneNs]: namespace };
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: w.secretName, namespace: ns, labels },
      type: 'kubernetes.io/tls',
      data: { 'ca.crt': b64(input.caBundlePem), 'tls.crt': b64(input.certificatePem), 'tls.key': b64(pkcs8IfPem(input.keyPem, 'webhookCertificates.keyPem')) },
    } satisfies Secret;
  });
}

const CERT_MANAGER = 'cert-manager.io/v1';

/** Names of the mode-3 objects, derived from the control plane namespace. */
export function certManagerIdentityNames(namespace: string, props: CertManagerIdentityProps = {}) {
  return {
    trustNamespace: props.trustNamespace ?? 'cert-manager',
    rootIssuer: `${namespace}-trust-root-issuer`,
    trustAnchor: `${namespace}-trust-anchor`,
    clusterIssuer: `${namespace}-trust-anchor`,
    issuerCertificate: CONTROL_PLANE.identityIssuerSecret,
    bundle: CONTROL_PLANE.trustRootsConfigMap,
    /** Holds the anchor a rotation replaces (Linkerd's guide names it `linkerd-previous-anchor`). */
    previousAnchor: `${namespace}-previous-anchor`,
  };
}

/**
 * Mode 3, after Linkerd's "Automatically Rotating Control Plane TLS Credentials" guide
 * (linkerd/website `linkerd.io/content/2-edge/tasks/automatically-rotating-control-plane-tls-credentials.md`):
 * a self-signed `Issuer` and the trust anchor `Certificate` in cert-manager's namespace, a CA
 * `ClusterIssuer` on that anchor, the `linkerd-identity-issuer` `Certificate` in the control plane
 * namespace (both with `rotationPolicy: Always`: every renewal makes a new key), and a trust-manager
 * `Bundle` that writes the anchor (`tls.crt`) into the `linkerd-identity-trust-roots` ConfigMap of
 * the control plane namespace.
 *
 * During an anchor rotation (`previousTrustAnchorPem` set) the Bundle has a second source, the
 * `<namespace>-previous-anchor` Secret, so the old anchor stays published after `cmctl renew`
 * replaced it. The guide copies the whole anchor Secret (key included) into it; this Secret holds the
 * certificate only, since trust-manager reads nothing else from it.
 */
export function certManagerIdentityObjects(namespace: string, trustDomain: string, props: CertManagerIdentityProps = {}): KubeObject[] {
  const n = certManagerIdentityNames(namespace, props);
  const issuerName = issuerDnsName(trustDomain);
  const labels = { [LABELS.controlPlaneNs]: namespace };
  const previous = props.previousTrustAnchorPem;
  const objects: KubeObject[] = [
    {
      apiVersion: CERT_MANAGER,
      kind: 'Issuer',
      metadata: { name: n.rootIssuer, namespace: n.trustNamespace, labels },
      spec: { selfSigned: {} },
    },
    {
      apiVersion: CERT_MANAGER,
      kind: 'Certificate',
      metadata: { name: n.trustAnchor, namespace: n.trustNamespace, labels },
      spec: {
        isCA: true,
        commonName: `root.linkerd.${trustDomain}`,
        secretName: n.trustAnchor,
        duration: props.trustAnchorDuration ?? '87600h0m0s',
        renewBefore: props.trustAnchorRenewBefore ?? '8760h0m0s',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['cert sign', 'crl sign'],
        issuerRef: { name: n.rootIssuer, kind: 'Issuer', group: 'cert-manager.io' },
      },
    },
    {
      apiVersion: CERT_MANAGER,
      kind: 'ClusterIssuer',
      metadata: { name: n.clusterIssuer, labels },
      spec: { ca: { secretName: n.trustAnchor } },
    },
    {
      apiVersion: CERT_MANAGER,
      kind: 'Certificate',
      metadata: { name: n.issuerCertificate, namespace, labels: { [LABELS.controlPlaneComponent]: 'identity', ...labels } },
      spec: {
        isCA: true,
        commonName: issuerName,
        dnsNames: [issuerName],
        secretName: CONTROL_PLANE.identityIssuerSecret,
        duration: props.issuerDuration ?? '48h0m0s',
        renewBefore: props.issuerRenewBefore ?? '25h0m0s',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['cert sign', 'crl sign', 'server auth', 'client auth'],
        issuerRef: { name: n.clusterIssuer, kind: 'ClusterIssuer', group: 'cert-manager.io' },
      },
    },
  ];
  if (previous !== undefined) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: n.previousAnchor, namespace: n.trustNamespace, labels },
      type: 'Opaque',
      data: { 'tls.crt': b64(previous) },
    } satisfies Secret);
  }
  objects.push({
    apiVersion: 'trust.cert-manager.io/v1alpha1',
    kind: 'Bundle',
    metadata: { name: n.bundle, labels },
    spec: {
      sources: [
        { secret: { name: n.trustAnchor, key: 'tls.crt' } },
        ...(previous !== undefined ? [{ secret: { name: n.previousAnchor, key: 'tls.crt' } }] : []),
      ],
      target: {
        configMap: { key: 'ca-bundle.crt' },
        namespaceSelector: { matchLabels: { [LABELS.namespaceName]: namespace } },
      },
    },
  });
  return objects;
}

/** Names of the cert-manager objects that manage the webhook certificates. */
export function certManagerWebhookNames() {
  return {
    selfSignedIssuer: 'linkerd-webhook-selfsigned',
    ca: 'linkerd-webhook-ca',
    caIssuer: 'linkerd-webhook-issuer',
  };
}

/**
 * cert-manager objects for the webhook certificates: a self-signed CA in the control plane namespace
 * (and in the viz namespace, since an `Issuer` is namespaced) and one `Certificate` per webhook,
 * written to the Secret the chart mounts. The chart values point `injectCaFrom` at each Certificate.
 */
export function certManagerWebhookObjects(namespace: string, vizNamespace?: string): KubeObject[] {
  const n = certManagerWebhookNames();
  const objects: KubeObject[] = [];
  const caFor = (ns: string, labels: Record<string, string>) => {
    objects.push(
      { apiVersion: CERT_MANAGER, kind: 'Issuer', metadata: { name: n.selfSignedIssuer, namespace: ns, labels }, spec: { selfSigned: {} } },
      {
        apiVersion: CERT_MANAGER,
        kind: 'Certificate',
        metadata: { name: n.ca, namespace: ns, labels },
        spec: {
          isCA: true,
          commonName: `webhook.linkerd.${ns}`,
          secretName: n.ca,
          duration: '87600h0m0s',
          renewBefore: '8760h0m0s',
          privateKey: { algorithm: 'ECDSA', size: 256, encoding: 'PKCS8', rotationPolicy: 'Always' },
          usages: ['cert sign', 'crl sign'],
          issuerRef: { name: n.selfSignedIssuer, kind: 'Issuer', group: 'cert-manager.io' },
        },
      },
      { apiVersion: CERT_MANAGER, kind: 'Issuer', metadata: { name: n.caIssuer, namespace: ns, labels }, spec: { ca: { secretName: n.ca } } },
    );
  };
  const leaf = (w: WebhookTarget, ns: string, labels: Record<string, string>): KubeObject => ({
    apiVersion: CERT_MANAGER,
    kind: 'Certificate',
    metadata: { name: w.service, namespace: ns, labels },
    spec: {
      commonName: `${w.service}.${ns}.svc`,
      dnsNames: [`${w.service}.${ns}.svc`],
      secretName: w.secretName,
      duration: '8760h0m0s',
      renewBefore: '720h0m0s',
      // PKCS#8: the policy controller's webhook server loads no other EC form (toPkcs8PrivateKeyPem)
      privateKey: { algorithm: 'ECDSA', size: 256, encoding: 'PKCS8', rotationPolicy: 'Always' },
      usages: ['server auth'],
      issuerRef: { name: n.caIssuer, kind: 'Issuer', group: 'cert-manager.io' },
    },
  });
  const cpLabels = { [LABELS.controlPlaneNs]: namespace };
  caFor(namespace, cpLabels);
  for (const w of CONTROL_PLANE_WEBHOOKS) objects.push(leaf(w, namespace, cpLabels));
  if (vizNamespace) {
    const vizLabels = { [LABELS.extension]: 'viz' };
    caFor(vizNamespace, vizLabels);
    for (const w of VIZ_WEBHOOKS) objects.push(leaf(w, vizNamespace, vizLabels));
  }
  return objects;
}
