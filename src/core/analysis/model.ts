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
import {
  ANNOTATIONS,
  DEFAULT_IGNORE_INBOUND_PORTS,
  DEFAULT_IGNORE_OUTBOUND_PORTS,
  KUBE_API_SERVER_PORTS,
  LABELS,
  PROXY_PORTS,
} from '../constants';
import type { KubeObject, L4Protocol, NetworkPolicy } from '../k8s';
import { meshInfoWithDefaults, type MeshInfo } from '../mesh-info';
import { linkerdControlPlaneModel, clusterDnsModel, linkerdVizModel } from './builtin';
import { IpRange, parseRange } from './ip';
import { CompiledPolicy, compileNetworkPolicy, PolicyProblem, PortInfo } from './netpol';
import { compareText, compileSelector, pairKey, type CompiledSelector, type Labels } from '../selectors';

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

const TEMPLATE_KINDS = new Set<string>(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

interface PodTemplate {
  readonly workload: WorkloadRef;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly spec: Record<string, any>;
  readonly ips: string[];
}

function asRecord(v: unknown): Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, any>) : {};
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(asRecord(v))) if (val !== null && val !== undefined) out[k] = String(val);
  return out;
}

function podTemplateOf(obj: KubeObject): { template: Record<string, any>; isPod: boolean } | undefined {
  const spec = asRecord(obj.spec);
  if (obj.kind === 'Pod') return { template: { metadata: obj.metadata, spec: obj.spec }, isPod: true };
  if (obj.kind === 'CronJob') {
    const t = asRecord(asRecord(asRecord(spec.jobTemplate).spec).template);
    return Object.keys(t).length > 0 ? { template: t, isPod: false } : undefined;
  }
  if (TEMPLATE_KINDS.has(obj.kind)) {
    const t = asRecord(spec.template);
    return Object.keys(t).length > 0 ? { template: t, isPod: false } : undefined;
  }
  return undefined;
}

function isWorkloadApi(obj: KubeObject): boolean {
  const g = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
  if (obj.kind === 'Pod' || obj.kind === 'ReplicationController') return g === '';
  if (obj.kind === 'Job' || obj.kind === 'CronJob') return g === 'batch';
  return g === 'apps' || g === 'extensions';
}

/** Reads every pod template, dropping objects another one in the input already accounts for. */
function extractTemplates(objects: readonly KubeObject[], defaultNamespace: string, origin: (o: KubeObject) => WorkloadOrigin): PodTemplate[] {
  // built when an object names an owner (manifests rarely do; cluster dumps do)
  let presentKeys: Set<string> | undefined;
  const present = (key: string) => {
    presentKeys ??= new Set(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? defaultNamespace}/${o.metadata.name}`));
    return presentKeys.has(key);
  };
  const out: PodTemplate[] = [];
  for (const obj of objects) {
    if (!isWorkloadApi(obj)) continue;
    const t = podTemplateOf(obj);
    if (!t) continue;
    const namespace = obj.metadata.namespace ?? defaultNamespace;
    const ownerRefs = asRecord(obj.metadata).ownerReferences;
    const owners = Array.isArray(ownerRefs) ? (ownerRefs as Array<Record<string, any>>) : [];
    const controller = owners.find((r) => r.controller === true) ?? owners[0];
    if (controller && present(`${controller.kind}/${namespace}/${controller.name}`)) continue;
    if (obj.kind === 'Pod' && controller?.kind === 'ReplicaSet') {
      const hash = stringMap(asRecord(obj.metadata).labels)['pod-template-hash'];
      const deploy = hash && String(controller.name).endsWith(`-${hash}`) ? String(controller.name).slice(0, -hash.length - 1) : undefined;
      if (deploy && present(`Deployment/${namespace}/${deploy}`)) continue;
    }
    const meta = asRecord(t.template.metadata);
    const status = asRecord(obj.status);
    const ips: string[] = [];
    if (t.isPod) {
      for (const p of Array.isArray(status.podIPs) ? status.podIPs : []) if (typeof asRecord(p).ip === 'string') ips.push(asRecord(p).ip);
      if (ips.length === 0 && typeof status.podIP === 'string') ips.push(status.podIP);
    }
    out.push({
      workload: { kind: obj.kind as WorkloadKind, name: obj.metadata.name ?? '<unnamed>', namespace, origin: origin(obj) },
      labels: stringMap(meta.labels),
      annotations: stringMap(meta.annotations),
      spec: asRecord(t.template.spec),
      ips,
    });
  }
  return out;
}

function containersOf(spec: Record<string, any>): Array<Record<string, any>> {
  const main = Array.isArray(spec.containers) ? spec.containers : [];
  const init = (Array.isArray(spec.initContainers) ? spec.initContainers : []).filter((c: any) => asRecord(c).restartPolicy === 'Always');
  return [...init, ...main].map(asRecord);
}

function roleOf(
  namespace: string,
  labels: Labels,
  dnsNamespace: string,
  dnsMatches: (l: Labels) => boolean,
  isMonitoring: (ns: string, l: Labels) => boolean,
): PodRole {
  const component = labels[LABELS.controlPlaneComponent];
  if (component !== undefined) {
    if (component === 'destination' || component === 'identity' || component === 'proxy-injector' || component === 'heartbeat') return component;
    return 'control-plane';
  }
  if (labels[LABELS.extension] === 'viz') {
    if (labels.component === 'prometheus') return 'prometheus';
    if (labels.component === 'tap') return 'tap';
    return 'extension';
  }
  if (labels[LABELS.extension] !== undefined) return 'extension';
  if (namespace === dnsNamespace && dnsMatches(labels)) return 'dns';
  if (isMonitoring(namespace, labels)) return 'prometheus';
  return 'app';
}

const INJECT_ON = new Set(['enabled', 'ingress']);
const SKIP_OUTBOUND_BASE = [...DEFAULT_IGNORE_OUTBOUND_PORTS, ...KUBE_API_SERVER_PORTS];

/** A pod class being built: complete from the start (one shape for all), index and ref set once sorted. */
type ClassDraft = { -readonly [K in keyof PodClass]: PodClass[K] } & { workloads: WorkloadRef[] };

/** What a class needs from the model being built. */
interface ClassContext {
  readonly mesh: MeshInfo;
  readonly dnsNamespace: string;
  readonly isDns: (labels: Labels) => boolean;
  readonly isMonitoring: (ns: string, labels: Labels) => boolean;
}

/** Everything that decides a template's class, and the class key built from it. */
interface TemplateFacts {
  readonly key: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly ports: ContainerPortInfo[];
  readonly mesh: MeshState;
  readonly ips: string[];
  readonly serviceAccount: string;
  readonly skipInbound?: string;
  readonly skipOutbound?: string;
  readonly defaultInboundPolicy?: string;
  readonly hostNetwork: boolean;
}

/** The keys of a small record, sorted (insertion sort: label sets are small). */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > k) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

function comparePorts(a: ContainerPortInfo, b: ContainerPortInfo): number {
  return a.port - b.port || compareText(a.protocol, b.protocol) || compareText(a.name ?? '', b.name ?? '') || compareText(a.container, b.container);
}

/** The effective labels, ports and annotations of a template's pods (after injection), and its class key. */
function templateFacts(t: PodTemplate, nsInfo: NamespaceInfo | undefined, mesh: MeshInfo): TemplateFacts {
  const ns = t.workload.namespace;
  const state = isMeshedTemplate(t, nsInfo, mesh);
  const labels: Record<string, string> = { ...t.labels };
  const ports: ContainerPortInfo[] = [];
  for (const c of containersOf(t.spec)) {
    if (!Array.isArray(c.ports)) continue;
    for (const p of c.ports) {
      const port = asRecord(p);
      if (typeof port.containerPort !== 'number') continue;
      const protocol = (port.protocol ?? 'TCP') as L4Protocol;
      const container = String(c.name ?? '');
      ports.push(typeof port.name === 'string' ? { name: port.name, port: port.containerPort, protocol, container } : { port: port.containerPort, protocol, container });
    }
  }
  if (state.injected) {
    labels[LABELS.controlPlaneNs] = mesh.namespace;
    labels[LABELS.workloadNs] = ns;
    if (t.workload.kind !== 'Pod') labels[`linkerd.io/proxy-${t.workload.kind.toLowerCase()}`] = t.workload.name;
    ports.push({ name: 'linkerd-proxy', port: PROXY_PORTS.inbound, protocol: 'TCP', container: 'linkerd-proxy' });
    ports.push({ name: 'linkerd-admin', port: PROXY_PORTS.admin, protocol: 'TCP', container: 'linkerd-proxy' });
  }
  if (ports.length > 1) ports.sort(comparePorts);
  const nsAnn = nsInfo?.annotations;
  const skipInbound = t.annotations[ANNOTATIONS.skipInboundPorts] ?? nsAnn?.[ANNOTATIONS.skipInboundPorts];
  const skipOutbound = t.annotations[ANNOTATIONS.skipOutboundPorts] ?? nsAnn?.[ANNOTATIONS.skipOutboundPorts];
  const dip = t.annotations[ANNOTATIONS.defaultInboundPolicy] ?? nsAnn?.[ANNOTATIONS.defaultInboundPolicy];
  const serviceAccount = String(t.spec.serviceAccountName ?? t.spec.serviceAccount ?? 'default');
  const hostNetwork = t.spec.hostNetwork === true;
  const ips = t.ips.length > 1 ? [...t.ips].sort() : [...t.ips];
  const sortedLabels: Record<string, string> = {};
  for (const k of sortedKeys(labels)) sortedLabels[k] = labels[k];
  const { meshed, injected } = state;
  const key = JSON.stringify([ns, sortedLabels, ports, meshed, injected, ips, serviceAccount, skipInbound, skipOutbound, dip, hostNetwork]);
  return {
    key,
    namespace: ns,
    labels: sortedLabels,
    ports,
    mesh: state,
    ips,
    serviceAccount,
    skipInbound,
    skipOutbound,
    defaultInboundPolicy: dip,
    hostNetwork,
  };
}

const PROXY_OWN_PORTS = new Set<number>([PROXY_PORTS.inbound, PROXY_PORTS.admin, PROXY_PORTS.control]);

/** A new class of the template's pods. */
function classDraft(f: TemplateFacts, workload: WorkloadRef, ctx: ClassContext): ClassDraft {
  const appPorts: number[] = [];
  for (const p of f.ports) {
    if (p.protocol === 'TCP' && p.container !== 'linkerd-proxy' && !PROXY_OWN_PORTS.has(p.port) && !appPorts.includes(p.port)) appPorts.push(p.port);
  }
  return {
    index: -1,
    ref: '',
    namespace: f.namespace,
    labels: f.labels,
    ports: f.ports,
    meshed: f.mesh.meshed,
    injected: f.mesh.injected,
    ips: f.ips,
    ranges: f.ips.length === 0 ? [] : f.ips.map((ip) => parseRange(ip)).filter((r): r is IpRange => r !== undefined),
    serviceAccount: f.serviceAccount,
    workloads: [workload],
    role: roleOf(f.namespace, f.labels, ctx.dnsNamespace, ctx.isDns, ctx.isMonitoring),
    skipInboundPorts: parsePortRanges(f.skipInbound, DEFAULT_IGNORE_INBOUND_PORTS),
    skipOutboundPorts: parsePortRanges(f.skipOutbound, SKIP_OUTBOUND_BASE),
    defaultInboundPolicy: f.defaultInboundPolicy,
    hostNetwork: f.hostNetwork,
    appPorts,
    isPod: true,
  };
}

/** The objects each later part of the model reads (kind and API group checked), in input order, from one pass. */
interface ObjectsByKind {
  readonly namespaces: KubeObject[];
  readonly externalWorkloads: KubeObject[];
  readonly services: KubeObject[];
  /** Webhook configurations and APIServices. */
  readonly webhooks: KubeObject[];
  readonly networkPolicies: KubeObject[];
  /** Linkerd policy objects and Gateway API routes. */
  readonly policies: KubeObject[];
}

const WEBHOOK_KINDS = new Set(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);

function readByKind(objects: readonly KubeObject[]): ObjectsByKind {
  const by: ObjectsByKind = { namespaces: [], externalWorkloads: [], services: [], webhooks: [], networkPolicies: [], policies: [] };
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i];
    const kind = o.kind;
    const api = o.apiVersion;
    if (kind === 'Namespace') {
      if (api === 'v1') by.namespaces.push(o);
    } else if (kind === 'ExternalWorkload') {
      if (api.startsWith('workload.linkerd.io/')) by.externalWorkloads.push(o);
    } else if (kind === 'Service') {
      if (api === 'v1') by.services.push(o);
    } else if (kind === 'NetworkPolicy') {
      if (api.startsWith('networking.k8s.io/')) by.networkPolicies.push(o);
    } else if (kind === 'APIService') {
      if (api.startsWith('apiregistration.k8s.io/')) by.webhooks.push(o);
    } else if (WEBHOOK_KINDS.has(kind)) {
      if (api.startsWith('admissionregistration.k8s.io/')) by.webhooks.push(o);
    } else if (api.startsWith('policy.linkerd.io/') || (api.startsWith('gateway.networking.k8s.io/') && (kind === 'HTTPRoute' || kind === 'GRPCRoute'))) {
      by.policies.push(o);
    }
  }
  return by;
}

/** The options of {@link buildModel} with their defaults, and what is derived from them once. */
interface ModelSettings {
  readonly defaultNamespace: string;
  readonly dnsNamespace: string;
  readonly dnsPodLabels: Labels;
  readonly dnsSelector: CompiledSelector;
  readonly builtIns: boolean;
  readonly monitoringNamespaces: ReadonlySet<string>;
  readonly monitoringPodLabels: Labels;
  readonly isMonitoring: (ns: string, labels: Labels) => boolean;
}

function modelSettings(options: ModelOptions): ModelSettings {
  const dnsPodLabels = options.dnsPodLabels ?? { 'k8s-app': 'kube-dns' };
  const monitoringNamespaces = new Set(options.monitoringNamespaces ?? []);
  const monitoringPodLabels = options.monitoringPodLabels ?? { 'app.kubernetes.io/name': 'prometheus' };
  const monitoringSelector = compileSelector({ matchLabels: { ...monitoringPodLabels } });
  return {
    defaultNamespace: options.defaultNamespace ?? 'default',
    dnsNamespace: options.dnsNamespace ?? 'kube-system',
    dnsPodLabels,
    dnsSelector: compileSelector({ matchLabels: { ...dnsPodLabels } }),
    builtIns: options.builtInModels ?? true,
    monitoringNamespaces,
    monitoringPodLabels,
    isMonitoring: (ns, l) => monitoringNamespaces.has(ns) && monitoringSelector.matches(l),
  };
}

/** What the manifests hold of the control plane (its components and namespace), viz and the cluster DNS. */
/** What the manifests hold of the components the analysis needs. */
interface FoundComponents {
  readonly components: Set<string>;
  readonly detectedNs?: string;
  readonly vizPods: KubeObject[];
  readonly dnsPresent: boolean;
}

function locateComponents(input: readonly KubeObject[], set: ModelSettings): FoundComponents {
  const components = new Set<string>();
  let detectedNs: string | undefined;
  const vizPods: KubeObject[] = [];
  let dnsPresent = false;
  for (const o of input) {
    const t = podTemplateOf(o);
    if (!t) continue;
    const labels = asRecord(asRecord(t.template.metadata).labels);
    const component = labels[LABELS.controlPlaneComponent];
    if (component !== undefined && component !== null) {
      components.add(String(component));
      detectedNs ??= o.metadata.namespace;
    }
    const extension = labels[LABELS.extension];
    if (extension !== undefined && extension !== null && String(extension) === 'viz') vizPods.push(o);
    if (!dnsPresent && (o.metadata.namespace ?? set.defaultNamespace) === set.dnsNamespace) dnsPresent = set.dnsSelector.matches(stringMap(labels));
  }
  return { components, detectedNs, vizPods, dnsPresent };
}

/** The input objects plus the built-in models of what they lack; a built-in object never shadows one of the manifests. */
class ObjectsWithBuiltIns {
  public readonly objects: KubeObject[];
  public readonly builtIn = new Set<KubeObject>();
  // keys of the input objects in the namespaces (or cluster scope, '') built-in objects were added to
  private readonly present = new Set<string>();
  private readonly indexed = new Set<string>();

  public constructor(private readonly input: readonly KubeObject[]) {
    this.objects = [...input];
  }

  public add(objs: readonly KubeObject[]): void {
    const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const fresh = new Set(objs.map((o) => o.metadata.namespace ?? '').filter((ns) => !this.indexed.has(ns)));
    if (fresh.size > 0) {
      for (const o of this.input) if (fresh.has(o.metadata.namespace ?? '')) this.present.add(key(o));
      for (const ns of fresh) this.indexed.add(ns);
    }
    for (const o of objs) {
      const k = key(o);
      if (this.present.has(k)) continue;
      this.present.add(k);
      this.objects.push(o);
      this.builtIn.add(o);
    }
  }
}

/** Where the control plane, viz and DNS come from: the manifests, or the built-in models (with a note each). */
function addBuiltInModels(
  found: FoundComponents,
  mesh: MeshInfo,
  set: ModelSettings,
  objects: ObjectsWithBuiltIns,
  notes: string[],
): Pick<ClusterModel, 'controlPlaneSource' | 'vizSource' | 'dnsSource' | 'vizNamespace'> {
  let controlPlaneSource: ModelSource = found.components.has('destination') && found.components.has('identity') ? 'manifests' : 'absent';
  if (controlPlaneSource === 'absent' && set.builtIns) {
    objects.add(linkerdControlPlaneModel(mesh));
    controlPlaneSource = 'built-in';
    notes.push(`the control plane is not in the manifests: using the built-in model of Linkerd's control plane in namespace "${mesh.namespace}"`);
  }
  let vizNamespace = found.vizPods.find((o) => o.metadata.namespace)?.metadata.namespace;
  let vizSource: ModelSource = found.vizPods.length > 0 ? 'manifests' : 'absent';
  if (vizSource === 'absent' && mesh.vizNamespace && set.builtIns) {
    vizNamespace = mesh.vizNamespace;
    objects.add(linkerdVizModel(mesh.vizNamespace));
    vizSource = 'built-in';
    notes.push(`viz is not in the manifests: using the built-in model of the viz extension in namespace "${mesh.vizNamespace}"`);
  }
  let dnsSource: ModelSource = found.dnsPresent ? 'manifests' : 'absent';
  if (!found.dnsPresent && set.builtIns) {
    objects.add(clusterDnsModel(set.dnsNamespace, set.dnsPodLabels));
    dnsSource = 'built-in';
  }
  return { controlPlaneSource, vizSource, dnsSource, ...(vizNamespace !== undefined ? { vizNamespace } : {}) };
}

/** The declared namespaces (a manifest's wins over a built-in's), and the labels of any namespace. */
function readNamespaces(
  read: ObjectsByKind,
  builtIn: ReadonlySet<KubeObject>,
): { namespaces: Map<string, NamespaceInfo>; namespaceLabels: (ns: string) => Labels } {
  const namespaces = new Map<string, NamespaceInfo>();
  for (const o of read.namespaces) {
    if (!o.metadata.name) continue;
    const prev = namespaces.get(o.metadata.name);
    if (prev?.declared && builtIn.has(o)) continue;
    namespaces.set(o.metadata.name, {
      name: o.metadata.name,
      labels: { ...stringMap(o.metadata.labels), [LABELS.namespaceName]: o.metadata.name },
      annotations: stringMap(o.metadata.annotations),
      declared: true,
    });
  }
  const autoLabels = new Map<string, Labels>();
  const namespaceLabels = (ns: string): Labels => {
    const known = namespaces.get(ns);
    if (known) return known.labels;
    let l = autoLabels.get(ns);
    if (!l) {
      l = { [LABELS.namespaceName]: ns };
      autoLabels.set(ns, l);
    }
    return l;
  };
  return { namespaces, namespaceLabels };
}

/** Representative pods where none is declared: a meshed pod in each namespace assumed meshed, a Prometheus in each monitoring namespace. */
function addAssumedTemplates(
  templates: PodTemplate[],
  namespaces: ReadonlyMap<string, NamespaceInfo>,
  mesh: MeshInfo,
  options: ModelOptions,
  set: ModelSettings,
  notes: string[],
): void {
  const assumeIn = options.assumeMeshedWorkloadsIn ?? [];
  const meshedNamespaces = new Set(
    assumeIn.length === 0
      ? []
      : templates.filter((t) => isMeshedTemplate(t, namespaces.get(t.workload.namespace), mesh).meshed).map((t) => t.workload.namespace),
  );
  for (const ns of assumeIn) {
    if (meshedNamespaces.has(ns)) continue;
    templates.push({
      workload: { kind: 'Pod', name: 'any-meshed-pod', namespace: ns, origin: 'assumed' },
      labels: {},
      annotations: { [ANNOTATIONS.inject]: 'enabled' },
      spec: { containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }] }] },
      ips: [],
    });
    notes.push(`no meshed workload in namespace "${ns}": checking a representative meshed pod (port 8080) there`);
  }
  for (const ns of [...set.monitoringNamespaces].sort()) {
    if (templates.some((t) => t.workload.namespace === ns && set.isMonitoring(ns, t.labels))) continue;
    templates.push({
      workload: { kind: 'Pod', name: 'prometheus', namespace: ns, origin: 'assumed' },
      labels: { ...set.monitoringPodLabels },
      annotations: {},
      spec: { containers: [{ name: 'prometheus', ports: [{ name: 'web', containerPort: 9090 }] }] },
      ips: [],
    });
    const labels = Object.entries(set.monitoringPodLabels).map(([k, v]) => `${k}=${v}`).join(',');
    notes.push(`no Prometheus (${labels}) in monitoring namespace "${ns}": checking a representative one there`);
  }
}

/** One class per distinct pod template (labels, meshing, ports...), named after its first workload, in a stable order. */
function buildClasses(
  templates: readonly PodTemplate[],
  namespaces: ReadonlyMap<string, NamespaceInfo>,
  mesh: MeshInfo,
  set: ModelSettings,
): readonly PodClass[] {
  // the per-template work lives in small functions: hot, so the JIT optimizes them
  const isDns = (l: Labels) => set.dnsSelector.matches(l);
  const classContext: ClassContext = { mesh, dnsNamespace: set.dnsNamespace, isDns, isMonitoring: set.isMonitoring };
  const byKey = new Map<string, ClassDraft>();
  for (const t of templates) {
    const facts = templateFacts(t, namespaces.get(t.workload.namespace), mesh);
    const entry = byKey.get(facts.key);
    if (entry) entry.workloads.push(t.workload);
    else byKey.set(facts.key, classDraft(facts, t.workload, classContext));
  }
  const originRank = (o: WorkloadOrigin) => (o === 'manifests' ? 0 : o === 'built-in' ? 1 : 2);
  const byOrigin = (a: WorkloadRef, b: WorkloadRef) =>
    originRank(a.origin) - originRank(b.origin) || compareText(a.name, b.name) || compareText(a.kind, b.kind);
  const drafts = [...byKey.values()];
  for (const d of drafts) {
    if (d.workloads.length > 1) d.workloads.sort(byOrigin);
    d.ref = `${d.namespace}/${d.workloads[0].name}`;
  }
  drafts.sort(
    (a, b) => compareText(a.namespace, b.namespace) || compareText(a.ref, b.ref) || compareText(JSON.stringify(a.labels), JSON.stringify(b.labels)),
  );
  const refCount = new Map<string, number>();
  drafts.forEach((d, index) => {
    // two classes can share a first workload name (e.g. a Deployment and a Pod named alike)
    const n = (refCount.get(d.ref) ?? 0) + 1;
    refCount.set(d.ref, n);
    if (n > 1) d.ref = `${d.ref}#${n}`;
    d.index = index;
  });
  return drafts;
}

/** The API server as an address endpoint (every address when its CIDRs are not given). */
function apiServerEndpoint(options: ModelOptions): AddressEndpoint {
  const apiCidrs = options.apiServerCidrs && options.apiServerCidrs.length > 0 ? options.apiServerCidrs : ['0.0.0.0/0'];
  return {
    kind: 'api-server',
    ref: 'kube-apiserver',
    ranges: apiCidrs.map((c) => parseRange(c)).filter((r): r is IpRange => r !== undefined),
    addresses: [...apiCidrs],
    meshed: false,
    labels: {},
    ports: [],
    isPod: false,
  };
}

/** The ExternalWorkloads as address endpoints (meshed, with their identity and ports), sorted. */
function readExternalWorkloads(read: ObjectsByKind, defaultNamespace: string, notes: string[]): AddressEndpoint[] {
  const externalWorkloads: AddressEndpoint[] = [];
  for (const o of read.externalWorkloads) {
    const spec = asRecord(o.spec);
    const ips = (Array.isArray(spec.workloadIPs) ? spec.workloadIPs : []).map((w: any) => asRecord(w).ip).filter((ip: unknown): ip is string => typeof ip === 'string');
    const ns = o.metadata.namespace ?? defaultNamespace;
    externalWorkloads.push({
      kind: 'external-workload',
      ref: `${ns}/${o.metadata.name}`,
      namespace: ns,
      ranges: ips.map((ip: string) => parseRange(ip)).filter((r: IpRange | undefined): r is IpRange => r !== undefined),
      addresses: ips,
      meshed: true,
      identity: typeof asRecord(spec.meshTLS).identity === 'string' ? asRecord(spec.meshTLS).identity : undefined,
      labels: stringMap(o.metadata.labels),
      ports: (Array.isArray(spec.ports) ? spec.ports : []).map((p: any) => ({
        ...(typeof asRecord(p).name === 'string' ? { name: asRecord(p).name } : {}),
        port: Number(asRecord(p).port),
        protocol: (asRecord(p).protocol ?? 'TCP') as L4Protocol,
      })),
      isPod: false,
    });
    if (ips.length === 0) notes.push(`ExternalWorkload ${ns}/${o.metadata.name} has no workloadIPs: its flows cannot be checked`);
  }
  externalWorkloads.sort((a, b) => compareText(a.ref, b.ref));
  return externalWorkloads;
}

/** The Services (selector and ports). */
function readServices(read: ObjectsByKind, defaultNamespace: string): ServiceInfo[] {
  const services: ServiceInfo[] = [];
  for (const o of read.services) {
    const spec = asRecord(o.spec);
    services.push({
      namespace: o.metadata.namespace ?? defaultNamespace,
      name: o.metadata.name ?? '<unnamed>',
      ...(spec.selector ? { selector: stringMap(spec.selector) } : {}),
      ports: (Array.isArray(spec.ports) ? spec.ports : []).map((p: any) => {
        const port = asRecord(p);
        return {
          ...(typeof port.name === 'string' ? { name: port.name } : {}),
          port: Number(port.port),
          targetPort: port.targetPort ?? Number(port.port),
          protocol: (port.protocol ?? 'TCP') as L4Protocol,
        };
      }),
    });
  }
  return services;
}

/** The Services admission webhooks and API services call. */
function readWebhooks(read: ObjectsByKind, defaultNamespace: string): WebhookBackend[] {
  const webhooks: WebhookBackend[] = [];
  for (const o of read.webhooks) {
    if (o.kind !== 'APIService') {
      for (const w of Array.isArray(o.webhooks) ? (o.webhooks as any[]) : []) {
        const svc = asRecord(asRecord(asRecord(w).clientConfig).service);
        if (!svc.name) continue;
        webhooks.push({
          owner: `${o.kind} ${o.metadata.name}`,
          name: String(asRecord(w).name ?? ''),
          serviceNamespace: String(svc.namespace ?? defaultNamespace),
          serviceName: String(svc.name),
          servicePort: Number(svc.port ?? 443),
        });
      }
    } else {
      const svc = asRecord(asRecord(o.spec).service);
      if (!svc.name) continue;
      webhooks.push({
        owner: `APIService ${o.metadata.name}`,
        name: String(o.metadata.name),
        serviceNamespace: String(svc.namespace ?? defaultNamespace),
        serviceName: String(svc.name),
        servicePort: Number(svc.port ?? 443),
      });
    }
  }

  return webhooks;
}

/** The NetworkPolicies, compiled, with their problems and a note on egress-only policies without policyTypes. */
function compilePolicies(
  read: ObjectsByKind,
  defaultNamespace: string,
  notes: string[],
): { policies: CompiledPolicy[]; policyProblems: PolicyProblem[] } {
  const policyProblems: PolicyProblem[] = [];
  const policies: CompiledPolicy[] = [];
  for (const o of read.networkPolicies) {
    const compiled = compileNetworkPolicy(o as NetworkPolicy, policies.length, defaultNamespace, policyProblems);
    policies.push(compiled);
    const spec = asRecord(o.spec);
    const nonEmpty = (v: unknown) => Array.isArray(v) && v.length > 0;
    if (!nonEmpty(spec.policyTypes) && nonEmpty(spec.egress) && !nonEmpty(spec.ingress)) {
      notes.push(
        `NetworkPolicy ${compiled.ref} has egress rules but no policyTypes: Kubernetes makes it an Ingress policy too, so it denies all ingress to the pods it selects; set policyTypes: [Egress] if that is not intended`,
      );
    }
  }

  return { policies, policyProblems };
}

/** Linkerd's policy objects and the Gateway API routes, each with its namespace. */
function readLinkerdPolicies(read: ObjectsByKind, defaultNamespace: string): ClusterModel['linkerd'] {
  const linkerd = {
    servers: [] as KubeObject[],
    authorizationPolicies: [] as KubeObject[],
    meshTLSAuthentications: [] as KubeObject[],
    networkAuthentications: [] as KubeObject[],
    httpRoutes: [] as KubeObject[],
  };
  const withNs = (o: KubeObject): KubeObject =>
    o.metadata.namespace !== undefined ? o : { ...o, metadata: { ...o.metadata, namespace: defaultNamespace } };
  for (const o of read.policies) {
    // Linkerd's policy kinds, and the Gateway API routes
    if (o.kind === 'Server') linkerd.servers.push(withNs(o));
    else if (o.kind === 'AuthorizationPolicy') linkerd.authorizationPolicies.push(withNs(o));
    else if (o.kind === 'MeshTLSAuthentication') linkerd.meshTLSAuthentications.push(withNs(o));
    else if (o.kind === 'NetworkAuthentication') linkerd.networkAuthentications.push(withNs(o));
    else if (o.kind === 'HTTPRoute' || (o.kind === 'GRPCRoute' && o.apiVersion.startsWith('gateway.networking.k8s.io/'))) linkerd.httpRoutes.push(withNs(o));
  }

  return linkerd;
}

/** Builds the model. */
export function buildModel(input: readonly KubeObject[], options: ModelOptions = {}): ClusterModel {
  const notes: string[] = [];
  const set = modelSettings(options);
  const found = locateComponents(input, set);
  const mesh = meshInfoWithDefaults({ ...options.mesh, namespace: options.mesh?.namespace ?? found.detectedNs });
  const all = new ObjectsWithBuiltIns(input);
  const sources = addBuiltInModels(found, mesh, set, all, notes);
  const read = readByKind(all.objects);
  const { namespaces, namespaceLabels } = readNamespaces(read, all.builtIn);
  // pod templates, with the assumed meshed workloads
  const templates = extractTemplates(all.objects, set.defaultNamespace, (o) => (all.builtIn.has(o) ? 'built-in' : 'manifests'));
  const workloadCount = templates.filter((t) => t.workload.origin === 'manifests').length;
  addAssumedTemplates(templates, namespaces, mesh, options, set, notes);
  const classes = buildClasses(templates, namespaces, mesh, set);
  const externalWorkloads = readExternalWorkloads(read, set.defaultNamespace, notes);
  const { policies, policyProblems } = compilePolicies(read, set.defaultNamespace, notes);
  return {
    mesh,
    namespaces,
    classes,
    apiServer: apiServerEndpoint(options),
    externalWorkloads,
    services: readServices(read, set.defaultNamespace),
    webhooks: readWebhooks(read, set.defaultNamespace),
    policies,
    policyProblems,
    linkerd: readLinkerdPolicies(read, set.defaultNamespace),
    ...sources,
    namespaceLabels,
    workloadCount,
    notes,
  };
}

/**
 * Decides, as Linkerd's proxy injector does, whether a pod template runs a proxy:
 * already injected (a `linkerd-proxy` container), or `linkerd.io/inject: enabled|ingress` on the
 * template, or on the namespace unless the template says `disabled`. The injector never mutates
 * host-network pods, nor pods of `kube-system` or of namespaces labelled
 * `config.linkerd.io/admission-webhooks: disabled`.
 */
function isMeshedTemplate(t: PodTemplate, nsInfo: NamespaceInfo | undefined, mesh: MeshInfo): MeshState {
  const isProxy = (c: unknown) => asRecord(c).name === 'linkerd-proxy';
  const inList = (list: unknown) => Array.isArray(list) && list.some(isProxy);
  const has = inList(t.spec.containers) || inList(t.spec.initContainers);
  if (has) return PRE_INJECTED;
  if (t.spec.hostNetwork === true) return NOT_MESHED;
  const ns = t.workload.namespace;
  if (ns === 'kube-system' || ns === mesh.namespace || nsInfo?.labels[LABELS.admissionWebhooks] === 'disabled') return NOT_MESHED;
  const podMode = t.annotations[ANNOTATIONS.inject];
  const nsMode = nsInfo?.annotations[ANNOTATIONS.inject];
  const on = podMode !== undefined ? INJECT_ON.has(podMode) : nsMode !== undefined && INJECT_ON.has(nsMode);
  return on ? INJECTED : NOT_MESHED;
}

interface MeshState {
  readonly meshed: boolean;
  readonly injected: boolean;
}
const PRE_INJECTED: MeshState = { meshed: true, injected: false };
const INJECTED: MeshState = { meshed: true, injected: true };
const NOT_MESHED: MeshState = { meshed: false, injected: false };

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
