/**
 * Minimal Kubernetes object model used by the framework-free core.
 *
 * These are plain JSON shapes (what `kubectl apply` accepts), not classes: every builder in the core
 * returns them, the cdk8s constructs wrap them in `ApiObject`s and the Pulumi components pass them to
 * `@pulumi/kubernetes`.
 */

/** Standard object metadata (the subset this library writes). */
export interface ObjectMeta {
  /** Object name (DNS-1123 subdomain for most kinds). */
  name?: string;
  /** Namespace; absent for cluster-scoped objects. */
  namespace?: string;
  /** Labels (keys and values validated by `validateLabels`). */
  labels?: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
}

/** Any Kubernetes object: `apiVersion`, `kind`, `metadata` and kind-specific fields. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Operators of a set-based label selector requirement. */
export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** One requirement of a set-based label selector. */
export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  values?: string[];
}

/**
 * A Kubernetes label selector. An empty selector (`{}`) selects everything;
 * the requirements of `matchLabels` and `matchExpressions` are ANDed.
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** A port given by number or by (container/service) port name. */
export type IntOrString = number | string;

/** L4 protocols a NetworkPolicy or Service port may name. */
export type L4Protocol = 'TCP' | 'UDP' | 'SCTP';

/** `networking.k8s.io/v1` NetworkPolicy. */
export interface NetworkPolicy extends KubeObject {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  spec: NetworkPolicySpec;
}

/** Spec of a NetworkPolicy. */
export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: Array<'Ingress' | 'Egress'>;
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
}

/** An ingress rule: traffic allowed from any of `from` to any of `ports`. */
export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

/** An egress rule: traffic allowed to any of `to` on any of `ports`. */
export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

/** A NetworkPolicy peer: pods (by namespace and pod labels) or an IP block. */
export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

/** A CIDR with exceptions. */
export interface IPBlock {
  cidr: string;
  except?: string[];
}

/** A NetworkPolicy port (number or named port, optionally a range with `endPort`). */
export interface NetworkPolicyPort {
  protocol?: L4Protocol;
  port?: IntOrString;
  endPort?: number;
}

/** A container port. */
export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: L4Protocol;
}

/** A Service port. */
export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: IntOrString;
  protocol?: L4Protocol;
  appProtocol?: string;
}

/** `v1` Service (the subset this library writes). */
export interface Service extends KubeObject {
  apiVersion: 'v1';
  kind: 'Service';
  spec: {
    type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
    clusterIP?: string;
    selector?: Record<string, string>;
    ports?: ServicePort[];
    [key: string]: unknown;
  };
}

/** `v1` Namespace. */
export interface Namespace extends KubeObject {
  apiVersion: 'v1';
  kind: 'Namespace';
}

/** `v1` Secret. */
export interface Secret extends KubeObject {
  apiVersion: 'v1';
  kind: 'Secret';
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** `v1` ConfigMap. */
export interface ConfigMap extends KubeObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  data?: Record<string, string>;
}

/** Builds `{ apiVersion, kind, metadata, ...body }` with keys in the conventional order. */
export function kubeObject<T extends KubeObject>(
  apiVersion: T['apiVersion'],
  kind: T['kind'],
  metadata: ObjectMeta,
  body: Omit<T, 'apiVersion' | 'kind' | 'metadata'>,
): T {
  return { apiVersion, kind, metadata: cleanMetadata(metadata), ...body } as T;
}

/** Drops empty `labels`/`annotations` maps and undefined fields from metadata. */
export function cleanMetadata(metadata: ObjectMeta): ObjectMeta {
  const out: ObjectMeta = {};
  if (metadata.name !== undefined) out.name = metadata.name;
  if (metadata.namespace !== undefined) out.namespace = metadata.namespace;
  if (metadata.labels && Object.keys(metadata.labels).length > 0) out.labels = { ...metadata.labels };
  if (metadata.annotations && Object.keys(metadata.annotations).length > 0) out.annotations = { ...metadata.annotations };
  return out;
}

/** `namespace/name` of an object (or `name` for cluster-scoped objects). */
export function objectRef(obj: { metadata: ObjectMeta; kind?: string }): string {
  const base = obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : `${obj.metadata.name}`;
  return obj.kind ? `${obj.kind} ${base}` : base;
}
