/**
 * Internal to the analyzer: what the required-flow checks share. The {@link Collector} gathers
 * findings and graph edges; {@link FlowChecks} holds the model, the policy engine and the meshed pods,
 * and runs the ingress and egress check of one flow at one pod class.
 */
import { LABELS } from '../constants';
import type { L4Protocol } from '../k8s';
import { Bitset } from './bitset';
import type { PolicyEngine } from './engine';
import type { ClusterModel, PodClass, PodRole } from './model';
import { compareText } from '../selectors';
import type { AnalysisFinding, FlowEdge, FlowKind } from './flows';

/** Why Linkerd needs each kind of flow (the end of every finding's message). */
export const WHY: Record<FlowKind, string> = {
  'destination': 'proxies dial the destination controller for service discovery',
  'policy': 'proxies dial the policy controller for their inbound and outbound policy',
  'identity': 'proxies dial the identity controller for their mTLS certificates',
  'dns': 'proxies resolve the control plane addresses through the cluster DNS',
  'webhook': 'the Kubernetes API server calls this webhook (admission fails or is skipped without it)',
  'kube-api': 'this component watches the Kubernetes API',
  'meshed': 'meshed traffic arrives on the proxy inbound port 4143, whatever the application port',
  'metrics': "Prometheus scrapes the proxies' metrics",
  'tap': 'viz tap connects to the proxies to stream live requests',
  'external-workload': 'external workloads talk to the control plane and to meshed pods through their proxy',
};

/** Collects findings and graph edges while the checks run. */
export class Collector {
  public readonly findings: AnalysisFinding[] = [];
  private readonly edges = new Map<string, { kind: FlowKind; from: string; to: string; port: number; protocol: L4Protocol; blocked: boolean }>();
  private readonly groupCounts = new WeakMap<Bitset, Map<string, number>>();
  private readonly groupLists = new WeakMap<Bitset, string[]>();
  private readonly descriptions = new WeakMap<Bitset, WeakMap<Bitset, string[]>>();
  private readonly ids = new WeakMap<Bitset, number>();
  private nextId = 0;
  /** Results of side checks shared by classes under the same policies. */
  public readonly blockedCache = new Map<string, Bitset>();
  private readonly groups: string[] = [];

  public constructor(
    private readonly model: ClusterModel,
    private readonly engine: PolicyEngine,
  ) {}

  /** Graph group of a class: its namespace for applications, the workload itself for the mesh's own pods. */
  public groupOf(c: PodClass): string {
    let g = this.groups[c.index];
    if (g === undefined) this.groups[c.index] = g = c.role === 'app' ? `namespace ${c.namespace}` : c.ref;
    return g;
  }

  /** Distinct groups of a set (cached per set object). */
  public groupsOf(set: Bitset): string[] {
    let list = this.groupLists.get(set);
    if (!list) {
      const s = new Set<string>();
      for (const i of set) s.add(this.groupOf(this.model.classes[i]));
      list = [...s].sort();
      this.groupLists.set(set, list);
    }
    return list;
  }

  private countsByNamespace(set: Bitset): Map<string, number> {
    let m = this.groupCounts.get(set);
    if (!m) {
      m = new Map();
      for (const i of set) {
        const ns = this.model.classes[i].namespace;
        m.set(ns, (m.get(ns) ?? 0) + 1);
      }
      this.groupCounts.set(set, m);
    }
    return m;
  }

  /** A per-object id for a set (cache keys). */
  public idOf(set: Bitset): number {
    let id = this.ids.get(set);
    if (id === undefined) this.ids.set(set, (id = this.nextId++));
    return id;
  }

  /** Refs of a blocked set, `ns/*` where a whole namespace of the required set is blocked. */
  public describe(blocked: Bitset, required: Bitset): string[] {
    let byRequired = this.descriptions.get(blocked);
    if (!byRequired) this.descriptions.set(blocked, (byRequired = new WeakMap()));
    let cached = byRequired.get(required);
    if (!cached) byRequired.set(required, (cached = this.describeUncached(blocked, required)));
    return cached;
  }

  private describeUncached(blocked: Bitset, required: Bitset): string[] {
    const counts = this.countsByNamespace(required);
    const byNs = new Map<string, string[]>();
    for (const i of blocked) {
      const c = this.model.classes[i];
      let l = byNs.get(c.namespace);
      if (!l) byNs.set(c.namespace, (l = []));
      l.push(c.ref);
    }
    const out: string[] = [];
    for (const ns of [...byNs.keys()].sort()) {
      const refs = byNs.get(ns)!;
      if (refs.length > 1 && refs.length === counts.get(ns)) out.push(`${ns}/*`);
      else out.push(...refs.sort());
    }
    return out;
  }

  public edge(kind: FlowKind, from: string, to: string, port: number, protocol: L4Protocol, blocked: boolean): void {
    const key = `${kind}|${from}|${to}|${port}/${protocol}`;
    const e = this.edges.get(key);
    if (e) {
      if (blocked) e.blocked = true;
      return;
    }
    this.edges.set(key, { kind, from, to, port, protocol, blocked });
  }

  public graph(): FlowEdge[] {
    return [...this.edges.values()].sort(
      (a, b) => compareText(a.from, b.from) || compareText(a.to, b.to) || a.port - b.port || compareText(a.kind, b.kind),
    );
  }

  public add(f: Omit<AnalysisFinding, 'policies'> & { policies?: readonly string[] }, cls?: PodClass): void {
    const pols = f.policies ?? (cls ? (f.side === 'egress' ? this.engine.policiesFor(cls).egress : this.engine.policiesFor(cls).ingress).map((p) => p.ref) : []);
    this.findings.push({ ...f, policies: pols });
  }
}

export function classPeerHint(model: ClusterModel, c: PodClass, fromNamespace: string): string {
  const ns = c.namespace === fromNamespace ? '' : `namespaceSelector {${LABELS.namespaceName}: ${c.namespace}} + `;
  switch (c.role) {
    case 'destination':
    case 'identity':
    case 'proxy-injector':
      return `${ns}podSelector {${LABELS.controlPlaneComponent}: ${c.role}}`;
    case 'dns': {
      const label = Object.entries(c.labels).find(([k]) => k === 'k8s-app') ?? Object.entries(c.labels)[0];
      return `${ns}podSelector {${label ? `${label[0]}: ${label[1]}` : ''}}`;
    }
    case 'prometheus':
    case 'tap':
      return `${ns}podSelector {component: ${c.labels.component ?? c.role}}`;
    default:
      return c.meshed ? `${ns === '' ? '' : 'namespaceSelector {} + '}podSelector {${LABELS.controlPlaneNs}: ${model.mesh.namespace}}` : `${ns}podSelector {${Object.entries(c.labels).slice(0, 2).map(([k, v]) => `${k}: ${v}`).join(', ')}}`;
  }
}

export function portText(port: number, protocol: L4Protocol): string {
  return `${port}/${protocol}`;
}

/**
 * The finding of a check at class `at` on one side of a flow: `at` is its destination (ingress) or
 * its source (egress), and `peers` the blocked ones on the other side, `peerCount` of them in all
 * (`peers` may be a preview of them).
 */
export function sideFinding(
  kind: FlowKind,
  side: 'ingress' | 'egress',
  at: PodClass,
  peers: readonly string[],
  peerCount: number,
  port: number,
  protocol: L4Protocol,
  message: string,
  fix: string,
): Omit<AnalysisFinding, 'policies'> {
  const ingress = side === 'ingress';
  return {
    id: `${kind}:${side}:${at.ref}:${portText(port, protocol)}`,
    kind,
    side,
    at: at.ref,
    sources: ingress ? peers : [at.ref],
    sourceCount: ingress ? peerCount : 1,
    destinations: ingress ? [at.ref] : peers,
    destinationCount: ingress ? 1 : peerCount,
    port,
    protocol,
    message,
    fix,
  };
}

/**
 * Meshed pod classes that every per-class check treats alike: the same graph group (the namespace of
 * an application; the workload itself for the mesh's own pods, so those are never grouped), role,
 * selecting policies both ways, container ports, application ports and skipped inbound ports. Those
 * are everything the checks read of the class they run at (the engine's and the checks' caches are
 * keyed by them), so a check runs once per group and each member gets its own finding.
 */
export type ClassGroup = readonly PodClass[];

/** What every required-flow check works on: the model, the policy engine, the findings so far, the meshed pods. */
export class FlowChecks {
  public readonly classes: readonly PodClass[];
  public readonly n: number;
  public readonly meshed: Bitset;
  /** The meshed classes grouped (see {@link ClassGroup}), in class order; singletons when grouping is off. */
  public readonly meshedGroups: readonly ClassGroup[];
  public checks = 0;

  public constructor(
    public readonly model: ClusterModel,
    public readonly engine: PolicyEngine,
    public readonly out: Collector,
    group = true,
  ) {
    this.classes = model.classes;
    this.n = this.classes.length;
    this.meshed = Bitset.of(this.n, this.classes.filter((c) => c.meshed && !c.hostNetwork).map((c) => c.index));
    const meshedClasses = this.classes.filter((c) => this.meshed.has(c.index));
    this.meshedGroups = group ? this.groupClasses(meshedClasses) : meshedClasses.map((c) => [c]);
  }

  private groupClasses(classes: readonly PodClass[]): ClassGroup[] {
    const byKey = new Map<string, PodClass[]>();
    for (const c of classes) {
      const pols = this.engine.policiesFor(c);
      let ports = '';
      for (const p of c.ports) ports += `${p.name ?? ''}/${p.port}/${p.protocol},`;
      const key = `${this.out.groupOf(c)}|${c.role}|${pols.ingressKey}|${pols.egressKey}|${ports}|${c.appPorts.join(',')}|${c.skipInboundPorts.ranges.join(';')}`;
      const members = byKey.get(key);
      if (members) members.push(c);
      else byKey.set(key, [c]);
    }
    return [...byKey.values()];
  }

  public byRole(roles: readonly PodRole[]): PodClass[] {
    return this.classes.filter((c) => roles.includes(c.role));
  }

  public setOf(classes: readonly PodClass[]): Bitset {
    return Bitset.of(this.n, classes.map((c) => c.index));
  }

  /** A selector hint for the first class of `set`, as seen from `from`. */
  public peerFor(set: Bitset, from: string): string {
    const first = set.toArray()[0];
    return first === undefined ? '(nothing)' : classPeerHint(this.model, this.classes[first], from);
  }

  /** Every meshed pod, as a peer of a rule. */
  public everyMeshedPod(): string {
    return `namespaceSelector {} + podSelector {${LABELS.controlPlaneNs}: ${this.model.mesh.namespace}} (every meshed pod)`;
  }

  /** Ingress check at a group of destinations (one class, or a {@link ClassGroup}) for a set of required pod sources. */
  public ingress(kind: FlowKind, dsts: ClassGroup, required: Bitset, port: number, protocol: L4Protocol, fixPeer: string): void {
    const { out, engine } = this;
    const dst = dsts[0];
    this.checks += dsts.length;
    for (const g of out.groupsOf(required)) out.edge(kind, g, out.groupOf(dst), port, protocol, false);
    if (!engine.ingressIsolated(dst) || required.isEmpty()) return;
    const pols = engine.policiesFor(dst);
    const named = pols.ingress.some((p) => p.ingress!.some((r) => r.hasNamedPorts));
    const key = `in|${pols.ingressKey}|${named ? dst.index : ''}|${port}/${protocol}|${out.idOf(required)}`;
    let blocked = out.blockedCache.get(key);
    if (!blocked) out.blockedCache.set(key, (blocked = required.minus(engine.ingressAdmitted(dst, port, protocol))));
    if (blocked.isEmpty()) return;
    const sources = out.describe(blocked, required);
    for (const g of out.groupsOf(blocked)) out.edge(kind, g, out.groupOf(dst), port, protocol, true);
    const sourceCount = blocked.count();
    const pt = portText(port, protocol);
    const from = preview(sources);
    for (const d of dsts) {
      const message = `${pt} from ${from} to ${d.ref} is blocked by the ingress policies of ${d.ref}: ${WHY[kind]}`;
      const fix = `add an ingress rule selecting ${d.ref} in namespace ${d.namespace}: from ${fixPeer}, ports [${pt}]`;
      out.add(sideFinding(kind, 'ingress', d, sources, sourceCount, port, protocol, message, fix), d);
    }
  }

  /** Egress check at a group of sources (one class, or a {@link ClassGroup}) for a set of required pod destinations. */
  public egress(kind: FlowKind, srcs: ClassGroup, required: Bitset, port: number, protocol: L4Protocol, fixPeer: (dsts: Bitset) => string): void {
    const { out, engine } = this;
    const src = srcs[0];
    this.checks += srcs.length;
    if (!engine.egressIsolated(src) || required.isEmpty()) return;
    const key = `out|${engine.policiesFor(src).egressKey}|${port}/${protocol}|${out.idOf(required)}`;
    let blocked = out.blockedCache.get(key);
    if (!blocked) out.blockedCache.set(key, (blocked = required.minus(engine.egressAdmitted(src, port, protocol))));
    if (blocked.isEmpty()) return;
    const destinations = out.describe(blocked, required);
    for (const g of out.groupsOf(blocked)) out.edge(kind, out.groupOf(src), g, port, protocol, true);
    const peer = fixPeer(blocked);
    const destinationCount = blocked.count();
    const pt = portText(port, protocol);
    const to = preview(destinations);
    for (const s of srcs) {
      const message = `${pt} from ${s.ref} to ${to} is blocked by the egress policies of ${s.ref}: ${WHY[kind]}`;
      const fix = `add an egress rule selecting ${s.ref} in namespace ${s.namespace}: to ${peer}, ports [${pt}]`;
      out.add(sideFinding(kind, 'egress', s, destinations, destinationCount, port, protocol, message, fix), s);
    }
  }

  /** Records a single-peer finding once (the same id is reported once). */
  public addOnce(finding: Omit<AnalysisFinding, 'policies'>, at: PodClass): void {
    if (this.out.findings.some((f) => f.id === finding.id)) return;
    this.out.add(finding, at);
  }
}

/** A list for a message: the first few, then how many more. */
export function preview(list: readonly string[], max = 4): string {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} and ${list.length - max} more`;
}

