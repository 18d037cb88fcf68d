/**
 * Pod templates as the analyzer reads them (from workloads and Pods), the injector's decision on
 * each, and the facts that group them into pod classes (see `model.ts`).
 */
import { ANNOTATIONS, DEFAULT_IGNORE_INBOUND_PORTS, DEFAULT_IGNORE_OUTBOUND_PORTS, KUBE_API_SERVER_PORTS, LABELS, PROXY_PORTS } from '../constants';
import type { KubeObject, L4Protocol } from '../k8s';
import type { MeshInfo } from '../mesh-info';
import { compareText, type Labels } from '../selectors';
import { parseRange, type IpRange } from './ip';
import type { ContainerPortInfo, NamespaceInfo, PodClass, PodRole, WorkloadKind, WorkloadOrigin, WorkloadRef } from './model';
import { parsePortRanges } from './model';


const TEMPLATE_KINDS = new Set<string>(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

export interface PodTemplate {
  readonly workload: WorkloadRef;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly spec: Record<string, any>;
  readonly ips: string[];
}

export function asRecord(v: unknown): Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, any>) : {};
}

export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(asRecord(v))) if (val !== null && val !== undefined) out[k] = String(val);
  return out;
}

export function podTemplateOf(obj: KubeObject): { template: Record<string, any>; isPod: boolean } | undefined {
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

/** The kinds that hold pods (most objects of a mesh are not: they are ruled out by kind first). */
const POD_KINDS = new Set<string>([...TEMPLATE_KINDS, 'CronJob', 'Pod']);

function isWorkloadApi(obj: KubeObject): boolean {
  if (!POD_KINDS.has(obj.kind)) return false;
  const slash = obj.apiVersion.indexOf('/');
  const g = slash < 0 ? '' : obj.apiVersion.slice(0, slash);
  if (obj.kind === 'Pod' || obj.kind === 'ReplicationController') return g === '';
  if (obj.kind === 'Job' || obj.kind === 'CronJob') return g === 'batch';
  return g === 'apps' || g === 'extensions';
}

/** Reads every pod template, dropping objects another one in the input already accounts for. */
export function extractTemplates(objects: readonly KubeObject[], defaultNamespace: string, origin: (o: KubeObject) => WorkloadOrigin): PodTemplate[] {
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

/** The containers that serve ports: native sidecars (init containers that keep running) first, then the main ones. */
function containersOf(spec: Record<string, any>): Array<Record<string, any>> {
  const out: Array<Record<string, any>> = [];
  if (Array.isArray(spec.initContainers)) {
    for (const c of spec.initContainers) {
      const init = asRecord(c);
      if (init.restartPolicy === 'Always') out.push(init);
    }
  }
  if (Array.isArray(spec.containers)) for (const c of spec.containers) out.push(asRecord(c));
  return out;
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
export type ClassDraft = { -readonly [K in keyof PodClass]: PodClass[K] } & { workloads: WorkloadRef[] };

/** What a class needs from the model being built. */
export interface ClassContext {
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

/**
 * One part of a class key: a string as its length and itself (so no two sequences of parts read
 * alike: the key is as exact as a JSON text of the same facts, without building one), `~` for
 * undefined, and anything else (a non-string protocol from bad input) as its JSON text, marked.
 */
function keyPart(v: unknown): string {
  if (typeof v === 'string') return `${v.length}:${v}`;
  if (v === undefined) return '~';
  const json = JSON.stringify(v) ?? '';
  return `j${json.length}:${json}`;
}

/** The effective labels, ports and annotations of a template's pods (after injection), and its class key. */
export function templateFacts(t: PodTemplate, nsInfo: NamespaceInfo | undefined, mesh: MeshInfo): TemplateFacts {
  const ns = t.workload.namespace;
  const state = isMeshedTemplate(t, nsInfo, mesh);
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
  // the template's labels with the ones the injector sets (which win); copied only then
  let labels: Record<string, string> = t.labels;
  if (state.injected) {
    labels = { ...t.labels };
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
  const { meshed, injected } = state;
  const sortedLabels: Record<string, string> = {};
  const labelKeys = sortedKeys(labels);
  let key = `${keyPart(ns)}L${labelKeys.length};`;
  for (const k of labelKeys) {
    sortedLabels[k] = labels[k];
    key += keyPart(k) + keyPart(labels[k]);
  }
  key += `P${ports.length};`;
  for (const p of ports) key += keyPart(String(p.port)) + keyPart(p.protocol) + keyPart(p.name) + keyPart(p.container);
  key += `${meshed ? 'm' : '-'}${injected ? 'i' : '-'}${hostNetwork ? 'h' : '-'}I${ips.length};`;
  for (const ip of ips) key += keyPart(ip);
  key += keyPart(serviceAccount) + keyPart(skipInbound) + keyPart(skipOutbound) + keyPart(dip);
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
export function classDraft(f: TemplateFacts, workload: WorkloadRef, ctx: ClassContext): ClassDraft {
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

/**
 * Decides, as Linkerd's proxy injector does, whether a pod template runs a proxy:
 * already injected (a `linkerd-proxy` container), or `linkerd.io/inject: enabled|ingress` on the
 * template, or on the namespace unless the template says `disabled`. The injector never mutates
 * host-network pods, nor pods of `kube-system` or of namespaces labelled
 * `config.linkerd.io/admission-webhooks: disabled`.
 */
export function isMeshedTemplate(t: PodTemplate, nsInfo: NamespaceInfo | undefined, mesh: MeshInfo): MeshState {
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

export interface MeshState {
  readonly meshed: boolean;
  readonly injected: boolean;
}
const PRE_INJECTED: MeshState = { meshed: true, injected: false };
const INJECTED: MeshState = { meshed: true, injected: true };
const NOT_MESHED: MeshState = { meshed: false, injected: false };

