/**
 * Names, ports, labels and annotations of Linkerd that more than one concept uses.
 * One place, so the mesh, the policies, the NetworkPolicies, the analyzer and the host plan agree.
 */

/** Default chart version (edge-26.8.3) and repository. */
export const LINKERD_DEFAULT_CHART_VERSION = '2026.8.3';
/** Linkerd release matching {@link LINKERD_DEFAULT_CHART_VERSION}. */
export const LINKERD_DEFAULT_VERSION = 'edge-26.8.3';
/** Helm repository of the edge charts. */
export const LINKERD_EDGE_HELM_REPO = 'https://helm.linkerd.io/edge';
/** Helm repository of the stable charts (older releases). */
export const LINKERD_STABLE_HELM_REPO = 'https://helm.linkerd.io/stable';

/** Default control plane namespace. */
export const DEFAULT_CONTROL_PLANE_NAMESPACE = 'linkerd';
/** Default trust domain (`identityTrustDomain`, which defaults to `clusterDomain`). */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';
/** Default cluster domain. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** The chart's default `clusterNetworks`. */
export const DEFAULT_CLUSTER_NETWORKS = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', 'fd00::/8'];

/** Ports of the proxy. */
export const PROXY_PORTS = {
  /** Inbound listener: every meshed connection to a pod lands here. */
  inbound: 4143,
  /** Outbound listener (loopback only). */
  outbound: 4140,
  /** Admin: metrics (`/metrics`), probes, `/shutdown`. */
  admin: 4191,
  /** Tap (control). */
  control: 4190,
} as const;

/** Ports proxy-init skips by default, besides the proxy's own. */
export const DEFAULT_IGNORE_INBOUND_PORTS = [4190, 4191, 4567, 4568];
/** Outbound ports proxy-init skips by default. */
export const DEFAULT_IGNORE_OUTBOUND_PORTS = [4567, 4568];
/** Ports of the Kubernetes API server proxy-init skips outbound (chart `proxyInit.kubeAPIServerPorts`). */
export const KUBE_API_SERVER_PORTS = [443, 6443];
/** The cluster DNS port (UDP and TCP). */
export const DNS_PORT = 53;

/** Ports of the control plane components (container ports, which NetworkPolicies see). */
export const CONTROL_PLANE_PORTS = {
  /** linkerd-destination: destination API (`linkerd-dst`, `linkerd-dst-headless`). */
  destination: 8086,
  /** linkerd-destination: policy API (`linkerd-policy`). */
  policy: 8090,
  /** linkerd-identity: identity API (`linkerd-identity`, `linkerd-identity-headless`). */
  identity: 8080,
  /** linkerd-destination: ServiceProfile validating webhook (`sp-validator`). */
  spValidator: 8443,
  /** linkerd-destination: policy validating webhook (`policy-https`). */
  policyValidator: 9443,
  /** linkerd-proxy-injector: mutating webhook. */
  proxyInjector: 8443,
} as const;

/** Labels Linkerd puts on resources. */
export const LABELS = {
  controlPlaneNs: 'linkerd.io/control-plane-ns',
  controlPlaneComponent: 'linkerd.io/control-plane-component',
  isControlPlane: 'linkerd.io/is-control-plane',
  proxyDeployment: 'linkerd.io/proxy-deployment',
  proxyStatefulSet: 'linkerd.io/proxy-statefulset',
  proxyDaemonSet: 'linkerd.io/proxy-daemonset',
  proxyJob: 'linkerd.io/proxy-job',
  workloadNs: 'linkerd.io/workload-ns',
  extension: 'linkerd.io/extension',
  admissionWebhooks: 'config.linkerd.io/admission-webhooks',
  podSecurityEnforce: 'pod-security.kubernetes.io/enforce',
  namespaceName: 'kubernetes.io/metadata.name',
} as const;

/** Annotations that configure injection and the proxy. */
export const ANNOTATIONS = {
  inject: 'linkerd.io/inject',
  defaultInboundPolicy: 'config.linkerd.io/default-inbound-policy',
  skipInboundPorts: 'config.linkerd.io/skip-inbound-ports',
  skipOutboundPorts: 'config.linkerd.io/skip-outbound-ports',
  skipSubnets: 'config.linkerd.io/skip-subnets',
  opaquePorts: 'config.linkerd.io/opaque-ports',
  enableDebugSidecar: 'config.linkerd.io/enable-debug-sidecar',
  proxyCpuRequest: 'config.linkerd.io/proxy-cpu-request',
  proxyCpuLimit: 'config.linkerd.io/proxy-cpu-limit',
  proxyMemoryRequest: 'config.linkerd.io/proxy-memory-request',
  proxyMemoryLimit: 'config.linkerd.io/proxy-memory-limit',
  proxyLogLevel: 'config.linkerd.io/proxy-log-level',
  /**
   * `"true"`/`"false"` (upstream parses it with `strconv.ParseBool`: linkerd2 edge-26.8.3
   * `pkg/inject/inject.go`, the `ProxyEnableNativeSidecarAnnotation` override; the `config.alpha`
   * and `config.beta` names are deprecated there).
   */
  nativeSidecar: 'config.linkerd.io/proxy-enable-native-sidecar',
  /**
   * The proxy's `/shutdown` admin endpoint: `"enabled"` or `"disabled"`, nothing else (linkerd2
   * edge-26.8.3 `pkg/inject/inject.go`: `ProxyAdminShutdownAnnotation`, compared with `k8s.Enabled`).
   */
  proxyAdminShutdown: 'config.linkerd.io/proxy-admin-shutdown',
  proxyAwait: 'config.linkerd.io/proxy-await',
  /** SHA-256 of the trust anchors, as upstream names it (linkerd2 `pkg/k8s/labels.go`: `TrustRootSHA`). */
  trustRootSha256: 'linkerd.io/trust-root-sha256',
} as const;

/** Values of `linkerd.io/inject`. */
export type InjectMode = 'enabled' | 'disabled' | 'ingress';

/** Linkerd's default inbound policies (chart `proxy.defaultInboundPolicy`, annotation `config.linkerd.io/default-inbound-policy`). */
export const DEFAULT_INBOUND_POLICIES = [
  'all-unauthenticated',
  'all-authenticated',
  'cluster-authenticated',
  'cluster-unauthenticated',
  'deny',
  'audit',
] as const;

/** One of {@link DEFAULT_INBOUND_POLICIES}. */
export type DefaultInboundPolicy = (typeof DEFAULT_INBOUND_POLICIES)[number];

/** Names of the control plane's Services, ServiceAccounts and components. */
export const CONTROL_PLANE = {
  destinationService: 'linkerd-dst',
  destinationHeadlessService: 'linkerd-dst-headless',
  policyService: 'linkerd-policy',
  identityService: 'linkerd-identity',
  identityHeadlessService: 'linkerd-identity-headless',
  destinationServiceAccount: 'linkerd-destination',
  identityServiceAccount: 'linkerd-identity',
  identityIssuerSecret: 'linkerd-identity-issuer',
  trustRootsConfigMap: 'linkerd-identity-trust-roots',
} as const;

/** The identity-related names other constructs consume, for a given namespace and trust domain. */
export interface ControlPlaneEndpoints {
  /** `linkerd-dst-headless.<ns>.svc.<clusterDomain>.:8086` */
  readonly destinationAddress: string;
  /** `linkerd-policy.<ns>.svc.<clusterDomain>.:8090` */
  readonly policyAddress: string;
  /** `linkerd-identity-headless.<ns>.svc.<clusterDomain>.:8080` */
  readonly identityAddress: string;
  /** Identity of the destination (and policy) controller. */
  readonly destinationIdentity: string;
  /** Identity of the identity controller. */
  readonly identityIdentity: string;
}

/** Addresses and identities of the control plane, as a proxy outside it needs them. */
export function controlPlaneEndpoints(
  namespace: string = DEFAULT_CONTROL_PLANE_NAMESPACE,
  trustDomain: string = DEFAULT_TRUST_DOMAIN,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): ControlPlaneEndpoints {
  const svc = (name: string, port: number) => `${name}.${namespace}.svc.${clusterDomain}.:${port}`;
  const id = (sa: string) => `${sa}.${namespace}.serviceaccount.identity.${namespace}.${trustDomain}`;
  return {
    destinationAddress: svc(CONTROL_PLANE.destinationHeadlessService, CONTROL_PLANE_PORTS.destination),
    policyAddress: svc(CONTROL_PLANE.policyService, CONTROL_PLANE_PORTS.policy),
    identityAddress: svc(CONTROL_PLANE.identityHeadlessService, CONTROL_PLANE_PORTS.identity),
    destinationIdentity: id(CONTROL_PLANE.destinationServiceAccount),
    identityIdentity: id(CONTROL_PLANE.identityServiceAccount),
  };
}
