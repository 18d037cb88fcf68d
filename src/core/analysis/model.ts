/**
 * The cluster as the analyzer sees it: namespaces, pod classes, addresses, Services, webhooks,
 * NetworkPolicies and Linkerd policy objects, built from any manifests.
 *
 * Pods are grouped into **classes**: every pod template (or pod) with the same namespace, effective
 * labels, container ports, mesh state, service account and known IPs behaves identically under
 * NetworkPolicy and Linkerd policy, so it is evaluated once. Meshing is decided the way Linkerd's
 * proxy injector decides it, and its effect is applied: an injected pod gains the
 * `linkerd.io/control-plane-ns`, `linkerd.io/workload-ns` and `linkerd.io/proxy-<kind>` labels and
 * the proxy's `linkerd-proxy` (4143) and `linkerd-admin` (4191) container ports.
 */
import type { KubeObject, L4Protocol } from '../k8s';
import type { MeshInfo } from '../mesh-info';
import { pairKey, type Labels } from '../selectors';
import type { IpRange } from './ip';
import type { CompiledPolicy, PolicyProblem, PortInfo } from './netpol';

/** Kinds of workloads whose pod templates the analyzer reads. */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'ReplicationController' | 'Job' | 'CronJob' | 'Pod';

/** Where a workload comes from. */
export type WorkloadOrigin = 'manifests' | 'built-in' | 'assumed';

/** A workload behind a pod class. */
export interface WorkloadRef {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly namespace: string;
  readonly origin: WorkloadOrigin;
}

/** What a pod does for the mesh. */
export type PodRole =
  | 'destination'
  | 'identity'
  | 'proxy-injector'
  | 'heartbeat'
  | 'control-plane'
  | 'prometheus'
  | 'tap'
  | 'extension'
  | 'dns'
  | 'app';

/** A set of ports given as numbers and ranges (`config.linkerd.io/skip-inbound-ports: "25,8000-8100"`). */
export interface PortRanges {
  readonly ranges: ReadonlyArray<readonly [number, number]>;
}

/** True when the port is in the set. */
export function inPortRanges(set: PortRanges, port: number): boolean {
  return set.ranges.some(([a, b]) => port >= a && port <= b);
}

/** Parsed sets per base list (by identity: the callers' base lists are constants) and text. */
const portRangesCache = new WeakMap<readonly number[], Map<string, PortRanges>>();
const NO_BASE: readonly number[] = [];

/** Parses `"25,587,8000-8100"`; invalid items are ignored. */
export function parsePortRanges(text: string | undefined, base: readonly number[] = NO_BASE): PortRanges {
  let byText = portRangesCache.get(base);
  if (!byText) portRangesCache.set(base, (byText = new Map()));
  const key = text ?? '';
  const cached = byText.get(key);
  if (cached) return cached;
  const parsed = parsePortRangesUncached(text, base);
  if (byText.size < 10_000) byText.set(key, parsed);
  return parsed;
}

function parsePortRangesUncached(text: string | undefined, base: readonly number[]): PortRanges {
  const ranges: Array<[number, number]> = base.map((p) => [p, p]);
  for (const item of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item);
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] ? Number(m[2]) : a;
    if (a >= 1 && b <= 65535 && a <= b) ranges.push([a, b]);
  }
  return { ranges };
}

/** A container port, with the container it belongs to. */
export interface ContainerPortInfo extends PortInfo {
  /** Container name. */
  readonly container: string;
}

/** Pods that behave identically, evaluated once. */
export interface PodClass {
  /** Dense index (bit position in the analyzer's sets). */
  readonly index: number;
  /** `namespace/name` of the first workload (stable: workloads are sorted). */
  readonly ref: string;
  readonly namespace: string;
  /** Effective labels (after injection). */
  readonly labels: Labels;
  /** Effective container ports (after injection). */
  readonly ports: readonly ContainerPortInfo[];
  /** True when the pods run a Linkerd proxy. */
  readonly meshed: boolean;
  /** True when the proxy is added by the injector (not already in the manifest). */
  readonly injected: boolean;
  /** Known pod IPs (from `status.podIPs` of Pods). */
  readonly ips: readonly string[];
  /** Address ranges of the known IPs. */
  readonly ranges: readonly IpRange[];
  /** Service account (`default` when unset). */
  readonly serviceAccount: string;
  /** Workloads whose pods fall in this class. */
  readonly workloads: readonly WorkloadRef[];
  /** Role in the mesh. */
  readonly role: PodRole;
  /** Ports the proxy does not intercept inbound (proxy-init defaults plus annotations). */
  readonly skipInboundPorts: PortRanges;
  /** Ports the proxy does not intercept outbound. */
  readonly skipOutboundPorts: PortRanges;
  /** Default inbound policy from the pod or namespace annotation (undefined: the cluster default). */
  readonly defaultInboundPolicy?: string;
  /** Host-network pods: NetworkPolicy does not apply to them. */
  readonly hostNetwork: boolean;
  /** TCP container ports of the application (not the proxy's). */
  readonly appPorts: readonly number[];
  /** Always true (for {@link PolicySubject}). */
  readonly isPod: true;
}

/** An endpoint known only by address: the Kubernetes API server, an external workload. */
export interface AddressEndpoint {
  readonly kind: 'api-server' | 'external-workload';
  /** `kube-apiserver` or `namespace/name` of the ExternalWorkload. */
  readonly ref: string;
  /** Namespace of the ExternalWorkload. */
  readonly namespace?: string;
  readonly ranges: readonly IpRange[];
  /** The IPs or CIDRs as written. */
  readonly addresses: readonly string[];
  /** True for external workloads (they run a proxy). */
  readonly meshed: boolean;
  /** The proxy's identity (external workloads). */
  readonly identity?: string;
  readonly labels: Labels;
  readonly ports: readonly PortInfo[];
  /** Always false (for {@link PolicySubject}). */
  readonly isPod: false;
}

/** A namespace with its effective labels (`kubernetes.io/metadata.name` included). */
export interface NamespaceInfo {
  readonly name: string;
  readonly labels: Labels;
  readonly annotations: Readonly<Record<string, string>>;
  /** True when a Namespace object was read. */
  readonly declared: boolean;
}

/** A Service (for webhooks and questions about Services). */
export interface ServiceInfo {
  readonly namespace: string;
  readonly name: string;
  readonly selector?: Labels;
  readonly ports: ReadonlyArray<{
    readonly name?: string;
    readonly port: number;
    readonly targetPort: number | string;
    readonly protocol: L4Protocol;
  }>;
}

/** A webhook (or aggregated API) the API server calls. */
export interface WebhookBackend {
  /** `MutatingWebhookConfiguration linkerd-proxy-injector-webhook-config` ... */
  readonly owner: string;
  /** Webhook name. */
  readonly name: string;
  readonly serviceNamespace: string;
  readonly serviceName: string;
  /** Service port the API server calls (default 443). */
  readonly servicePort: number;
}

/** Where the analyzer's picture of something came from. */
export type ModelSource = 'manifests' | 'built-in' | 'absent';

/** Options that shape the model. */
export interface ModelOptions {
  /** Mesh facts (namespace, cluster networks, default inbound policy, viz namespace, HA). */
  readonly mesh?: Partial<MeshInfo>;
  /** Namespace of objects that have none. @default 'default' */
  readonly defaultNamespace?: string;
  /** Where the API server is (CIDRs or IPs). @default ['0.0.0.0/0'] (unknown: only rules admitting every IPv4 address admit it) */
  readonly apiServerCidrs?: readonly string[];
  /** Namespace of the cluster DNS. @default 'kube-system' */
  readonly dnsNamespace?: string;
  /** Labels of the cluster DNS pods. @default { 'k8s-app': 'kube-dns' } */
  readonly dnsPodLabels?: Readonly<Record<string, string>>;
  /** Namespaces assumed to hold some meshed workload even when the manifests have none there. */
  readonly assumeMeshedWorkloadsIn?: readonly string[];
  /** Namespaces running a Prometheus that scrapes the proxies (pods matching `monitoringPodLabels`). */
  readonly monitoringNamespaces?: readonly string[];
  /** Labels of those Prometheus pods. @default { 'app.kubernetes.io/name': 'prometheus' } */
  readonly monitoringPodLabels?: Readonly<Record<string, string>>;
  /** Use built-in models for the control plane, viz and DNS when the manifests lack them. @default true */
  readonly builtInModels?: boolean;
}

/** The model. */
export interface ClusterModel {
  readonly mesh: MeshInfo;
  readonly namespaces: ReadonlyMap<string, NamespaceInfo>;
  readonly classes: readonly PodClass[];
  readonly apiServer: AddressEndpoint;
  readonly externalWorkloads: readonly AddressEndpoint[];
  readonly services: readonly ServiceInfo[];
  readonly webhooks: readonly WebhookBackend[];
  readonly policies: readonly CompiledPolicy[];
  readonly policyProblems: readonly PolicyProblem[];
  /** Linkerd policy objects, by kind. */
  readonly linkerd: {
    readonly servers: KubeObject[];
    readonly authorizationPolicies: KubeObject[];
    readonly meshTLSAuthentications: KubeObject[];
    readonly networkAuthentications: KubeObject[];
    readonly httpRoutes: KubeObject[];
  };
  /** Where the control plane came from. */
  readonly controlPlaneSource: ModelSource;
  /** Where viz came from (`absent` when not installed). */
  readonly vizSource: ModelSource;
  readonly vizNamespace?: string;
  /** Where the DNS came from. */
  readonly dnsSource: ModelSource;
  /** Number of workloads read from the manifests. */
  readonly workloadCount: number;
  /** Notes about the reading (assumptions, skipped objects). */
  readonly notes: readonly string[];
  /** Labels of a namespace (automatic `kubernetes.io/metadata.name` for undeclared ones). */
  namespaceLabels(ns: string): Labels;
}

/** Per-namespace class lists and label postings, for selector evaluation without scanning everything. */
export interface ClassIndex {
  readonly byNamespace: ReadonlyMap<string, readonly number[]>;
  readonly postings: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;
  readonly withRanges: readonly number[];
}

/** Builds the index. */
export function indexClasses(classes: readonly PodClass[]): ClassIndex {
  const byNamespace = new Map<string, number[]>();
  const postings = new Map<string, Map<string, number[]>>();
  const withRanges: number[] = [];
  for (const c of classes) {
    let list = byNamespace.get(c.namespace);
    if (!list) byNamespace.set(c.namespace, (list = []));
    list.push(c.index);
    let p = postings.get(c.namespace);
    if (!p) postings.set(c.namespace, (p = new Map()));
    for (const [k, v] of Object.entries(c.labels)) {
      const key = pairKey(k, v);
      let l = p.get(key);
      if (!l) p.set(key, (l = []));
      l.push(c.index);
    }
    if (c.ranges.length > 0) withRanges.push(c.index);
  }
  return { byNamespace, postings, withRanges };
}
