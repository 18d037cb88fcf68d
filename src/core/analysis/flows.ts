/**
 * The flows Linkerd needs, derived from the model, and the findings for those NetworkPolicies block.
 *
 * The model of the network (Linkerd edge-26.8.3, `proxy.outboundTransportMode: transport-header`):
 *
 * | flow | from | to | port NetworkPolicy sees |
 * |---|---|---|---|
 * | `destination` | every meshed pod's proxy | destination pods | 8086/TCP |
 * | `policy` | every meshed pod's proxy | destination pods (policy container) | 8090/TCP |
 * | `identity` | every meshed pod's proxy | identity pods | 8080/TCP |
 * | `dns` | every meshed pod | cluster DNS pods | 53/UDP and 53/TCP |
 * | `webhook` | the API server | webhook pods (injector 8443, sp-validator 8443, policy validator 9443, viz tap-injector, tap APIService) | the Service's target container port |
 * | `kube-api` | control plane and viz pods | the API server | 443 (or `apiServerPort`) |
 * | `meshed` | meshed pods | meshed pods | 4143/TCP: the client proxy connects to the server's inbound proxy port, with a transport header naming the application port |
 * | `metrics` | Prometheus (viz, or `monitoringNamespaces`) | every meshed pod | 4191/TCP (the admin port is not intercepted); viz Prometheus also scrapes the control plane's `*-admin` ports, through 4143 when both ends are meshed |
 * | `tap` | viz tap | every meshed pod | 4190/TCP |
 * | `external-workload` | external workloads (VMs) | destination pods 8086/8090; meshed pods of their namespace 4143; and back | |
 *
 * The proxy's own connections to the control plane skip the outbound proxy, so they reach 8086,
 * 8090 and 8080 directly; the control plane pods' own proxies use localhost for their own
 * component. Meshed application traffic never reaches the application port on the network.
 *
 * Which meshed pairs must work (`meshedTraffic`):
 * - `namespace` (default): every meshed pod may reach every meshed pod serving a port in its own
 *   namespace (except in the control plane namespace, whose pods only use each other's APIs);
 * - `mesh`: every meshed pod may reach every meshed server in any namespace;
 * - `policies`: only what the NetworkPolicies themselves intend.
 * In every mode, a NetworkPolicy that admits meshed clients on an application port (8080) but not on
 * 4143 is reported: that is the pre-2.18 rule meshed traffic no longer matches.
 *
 * Findings are reported per pod class and blocking side: "ingress at linkerd/linkerd-destination
 * blocks 8086 from emojivoto/* (4 workloads)", never one line per pair.
 */
import { PROXY_PORTS, CONTROL_PLANE_PORTS, DNS_PORT, KUBE_API_SERVER_PORTS, LABELS } from '../constants';
import type { L4Protocol } from '../k8s';
import { Bitset } from './bitset';
import type { PolicyEngine } from './engine';
import type { AddressEndpoint, ClusterModel, PodClass, PodRole } from './model';
import { inPortRanges } from './model';
import { compareText } from '../selectors';


/** Kinds of required flows. */
export type FlowKind = 'destination' | 'policy' | 'identity' | 'dns' | 'webhook' | 'kube-api' | 'meshed' | 'metrics' | 'tap' | 'external-workload';

/** The side that blocks: egress policies at the source, or ingress policies at the destination. */
export type BlockingSide = 'egress' | 'ingress';

/** One blocked required flow, per pod class and side. */
export interface AnalysisFinding {
  /** Stable id `<kind>:<side>:<namespace>/<workload>:<port>/<protocol>`, used to accept a finding on purpose. */
  readonly id: string;
  /** The kind of flow. */
  readonly kind: FlowKind;
  /** The side that blocks it. */
  readonly side: BlockingSide;
  /** The endpoint whose policies block (the source for egress, the destination for ingress). */
  readonly at: string;
  /** Sources that cannot connect (`namespace/*` when every required source of a namespace is blocked). */
  readonly sources: readonly string[];
  /** Number of source classes (or addresses) blocked. */
  readonly sourceCount: number;
  /** Destinations they cannot reach. */
  readonly destinations: readonly string[];
  /** Number of destination classes (or addresses) blocked. */
  readonly destinationCount: number;
  /** Port as NetworkPolicy sees it. */
  readonly port: number;
  /** Protocol. */
  readonly protocol: L4Protocol;
  /** The policies isolating the blocking side (`namespace/name`). */
  readonly policies: readonly string[];
  /** One sentence: what is blocked, where and why it matters. */
  readonly message: string;
  /** A suggested fix. */
  readonly fix: string;
  /** When accepted on purpose: the reason given. */
  readonly accepted?: string;
}

/** An aggregated edge of the flow graph (namespaces of applications, workloads of the mesh itself). */
export interface FlowEdge {
  /** The kind of flow. */
  readonly kind: FlowKind;
  /** Source group (`namespace <name>`, a workload ref, `kube-apiserver`, an external workload). */
  readonly from: string;
  /** Destination group. */
  readonly to: string;
  /** Port as NetworkPolicy sees it. */
  readonly port: number;
  /** Protocol. */
  readonly protocol: L4Protocol;
  /** True when some required flow of this edge is blocked. */
  readonly blocked: boolean;
}

/** What decides which meshed pairs must connect. */
export type MeshedTrafficScope = 'namespace' | 'mesh' | 'policies';

/** Options of the flow derivation. */
export interface FlowOptions {
  /** @default 'namespace' */
  readonly meshedTraffic?: MeshedTrafficScope;
  /** Port the API server listens on, as NetworkPolicy sees it (after the `kubernetes` Service). @default 443 */
  readonly apiServerPort?: number;
}

const WHY: Record<FlowKind, string> = {
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
class Collector {
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

function classPeerHint(model: ClusterModel, c: PodClass, fromNamespace: string): string {
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

function portText(port: number, protocol: L4Protocol): string {
  return `${port}/${protocol}`;
}

/** One finding about a single source and destination (webhooks, the API server, admin scrapes). */
function singleFinding(
  kind: FlowKind,
  side: 'ingress' | 'egress',
  at: PodClass,
  src: string,
  dst: string,
  port: number,
  protocol: L4Protocol,
  message: string,
  fix: string,
): Omit<AnalysisFinding, 'policies'> {
  return {
    id: `${kind}:${side}:${at.ref}:${portText(port, protocol)}`,
    kind,
    side,
    at: at.ref,
    sources: [src],
    sourceCount: 1,
    destinations: [dst],
    destinationCount: 1,
    port,
    protocol,
    message,
    fix,
  };
}

/** What every required-flow check works on: the model, the policy engine, the findings so far, the meshed pods. */
class FlowChecks {
  public readonly classes: readonly PodClass[];
  public readonly n: number;
  public readonly meshed: Bitset;
  public readonly meshedClasses: readonly PodClass[];
  public checks = 0;

  public constructor(
    public readonly model: ClusterModel,
    public readonly engine: PolicyEngine,
    public readonly out: Collector,
  ) {
    this.classes = model.classes;
    this.n = this.classes.length;
    this.meshed = Bitset.of(this.n, this.classes.filter((c) => c.meshed && !c.hostNetwork).map((c) => c.index));
    this.meshedClasses = this.classes.filter((c) => this.meshed.has(c.index));
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

  /** Ingress check at one destination for a set of required pod sources. */
  public ingress(kind: FlowKind, dst: PodClass, required: Bitset, port: number, protocol: L4Protocol, fixPeer: string): void {
    const { out, engine } = this;
    this.checks++;
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
    out.add(
      {
        id: `${kind}:ingress:${dst.ref}:${portText(port, protocol)}`,
        kind,
        side: 'ingress',
        at: dst.ref,
        sources,
        sourceCount: blocked.count(),
        destinations: [dst.ref],
        destinationCount: 1,
        port,
        protocol,
        message: `${portText(port, protocol)} from ${preview(sources)} to ${dst.ref} is blocked by the ingress policies of ${dst.ref}: ${WHY[kind]}`,
        fix: `add an ingress rule selecting ${dst.ref} in namespace ${dst.namespace}: from ${fixPeer}, ports [${portText(port, protocol)}]`,
      },
      dst,
    );
  }

  /** Egress check at one source for a set of required pod destinations. */
  public egress(kind: FlowKind, src: PodClass, required: Bitset, port: number, protocol: L4Protocol, fixPeer: (dsts: Bitset) => string): void {
    const { out, engine } = this;
    this.checks++;
    if (!engine.egressIsolated(src) || required.isEmpty()) return;
    const key = `out|${engine.policiesFor(src).egressKey}|${port}/${protocol}|${out.idOf(required)}`;
    let blocked = out.blockedCache.get(key);
    if (!blocked) out.blockedCache.set(key, (blocked = required.minus(engine.egressAdmitted(src, port, protocol))));
    if (blocked.isEmpty()) return;
    const destinations = out.describe(blocked, required);
    for (const g of out.groupsOf(blocked)) out.edge(kind, out.groupOf(src), g, port, protocol, true);
    out.add(
      {
        id: `${kind}:egress:${src.ref}:${portText(port, protocol)}`,
        kind,
        side: 'egress',
        at: src.ref,
        sources: [src.ref],
        sourceCount: 1,
        destinations,
        destinationCount: blocked.count(),
        port,
        protocol,
        message: `${portText(port, protocol)} from ${src.ref} to ${preview(destinations)} is blocked by the egress policies of ${src.ref}: ${WHY[kind]}`,
        fix: `add an egress rule selecting ${src.ref} in namespace ${src.namespace}: to ${fixPeer(blocked)}, ports [${portText(port, protocol)}]`,
      },
      src,
    );
  }

  /** Records a single-peer finding once (the same id is reported once). */
  public addOnce(finding: Omit<AnalysisFinding, 'policies'>, at: PodClass): void {
    if (this.out.findings.some((f) => f.id === finding.id)) return;
    this.out.add(finding, at);
  }
}

/** Every meshed pod reaches destination (8086), policy (8090) and identity (8080), and each component admits them. */
function checkControlPlaneApis(c: FlowChecks): void {
  const destinations = c.byRole(['destination']);
  const identities = c.byRole(['identity']);
  const apiFlows: Array<{ kind: FlowKind; dsts: PodClass[]; port: number }> = [
    { kind: 'destination', dsts: destinations, port: CONTROL_PLANE_PORTS.destination },
    { kind: 'policy', dsts: destinations, port: CONTROL_PLANE_PORTS.policy },
    { kind: 'identity', dsts: identities, port: CONTROL_PLANE_PORTS.identity },
  ];
  for (const f of apiFlows) {
    if (f.dsts.length === 0) continue;
    const dstSet = c.setOf(f.dsts);
    for (const d of f.dsts) {
      // the component's own proxy talks to it over localhost
      const required = d.meshed ? c.meshed.minus(Bitset.of(c.n, [d.index])) : c.meshed;
      c.ingress(f.kind, d, required, f.port, 'TCP', c.everyMeshedPod());
    }
    for (const s of c.meshedClasses) {
      const required = dstSet.has(s.index) ? dstSet.minus(Bitset.of(c.n, [s.index])) : dstSet;
      c.egress(f.kind, s, required, f.port, 'TCP', (b) => c.peerFor(b, s.namespace));
    }
  }
}

/** Every meshed pod resolves names: DNS (53, UDP and TCP) both ways. */
function checkDns(c: FlowChecks): void {
  const dns = c.byRole(['dns']);
  if (dns.length === 0) return;
  const dnsSet = c.setOf(dns);
  for (const protocol of ['UDP', 'TCP'] as const) {
    for (const d of dns) c.ingress('dns', d, c.meshed, DNS_PORT, protocol, 'every meshed pod (namespaceSelector {})');
    for (const s of c.meshedClasses) {
      for (const g of c.out.groupsOf(dnsSet)) c.out.edge('dns', c.out.groupOf(s), g, DNS_PORT, protocol, false);
      c.egress('dns', s, dnsSet, DNS_PORT, protocol, (b) => c.peerFor(b, s.namespace));
    }
  }
}

/** The port a webhook's Service sends to on one of its pods, or undefined when it resolves to none. */
function webhookTargetPort(sp: { targetPort?: number | string; protocol: L4Protocol }, pod: PodClass): number | undefined {
  if (typeof sp.targetPort === 'number') return sp.targetPort;
  if (/^\d+$/.test(String(sp.targetPort))) return Number(sp.targetPort);
  return pod.ports.find((p) => p.name === sp.targetPort && p.protocol === sp.protocol)?.port;
}

/** The API server reaches every admission webhook's pods on the Service's target port. */
function checkWebhooks(c: FlowChecks): void {
  const { model, engine, out } = c;
  for (const w of model.webhooks) {
    const svc = model.services.find((s) => s.namespace === w.serviceNamespace && s.name === w.serviceName);
    if (!svc || !svc.selector) continue;
    const sp = svc.ports.find((p) => p.port === w.servicePort) ?? (svc.ports.length === 1 ? svc.ports[0] : undefined);
    if (!sp) continue;
    for (const i of engine.index.byNamespace.get(svc.namespace) ?? []) {
      const d = c.classes[i];
      if (!Object.entries(svc.selector).every(([k, v]) => d.labels[k] === v)) continue;
      const target = webhookTargetPort(sp, d);
      if (target === undefined) continue;
      c.checks++;
      const allowed = engine.ingressAdmitsAddress(d, model.apiServer, target, sp.protocol);
      out.edge('webhook', model.apiServer.ref, out.groupOf(d), target, sp.protocol, !allowed);
      if (allowed) continue;
      const apiServer = `the Kubernetes API server (${model.apiServer.addresses.join(', ')})`;
      c.addOnce(
        singleFinding('webhook', 'ingress', d, model.apiServer.ref, d.ref, target, sp.protocol,
          `${portText(target, sp.protocol)} from ${apiServer} to ${d.ref} (${w.owner}, Service ${svc.namespace}/${svc.name}) is blocked by the ingress policies of ${d.ref}: ${WHY.webhook}`,
          `add an ingress rule selecting ${d.ref} in namespace ${d.namespace}: from ipBlock ${model.apiServer.addresses.join(' / ')} (your API server addresses), ports [${portText(target, sp.protocol)}]`),
        d,
      );
    }
  }
}

/** The control plane and viz reach the API server. */
function checkKubeApi(c: FlowChecks, apiPort: number): void {
  const { model, engine, out } = c;
  const ports = KUBE_API_SERVER_PORTS.map((p) => portText(p, 'TCP')).join(', ');
  for (const s of c.byRole(['destination', 'identity', 'proxy-injector', 'heartbeat', 'control-plane', 'prometheus', 'tap', 'extension'])) {
    if (s.role === 'prometheus' && s.namespace !== model.vizNamespace) continue;
    c.checks++;
    const allowed = engine.egressAdmitsAddress(s, model.apiServer, apiPort, 'TCP');
    out.edge('kube-api', out.groupOf(s), model.apiServer.ref, apiPort, 'TCP', !allowed);
    if (allowed) continue;
    out.add(
      singleFinding('kube-api', 'egress', s, s.ref, model.apiServer.ref, apiPort, 'TCP',
        `${portText(apiPort, 'TCP')} from ${s.ref} to the Kubernetes API server (${model.apiServer.addresses.join(', ')}) is blocked by the egress policies of ${s.ref}: ${WHY['kube-api']}`,
        `add an egress rule selecting ${s.ref} in namespace ${s.namespace}: to ipBlock ${model.apiServer.addresses.join(' / ')}, ports [${ports}]`),
      s,
    );
  }
}

/** Prometheus scrapes every proxy (4191) and tap reaches every proxy (4190). */
function checkProxyTelemetry(c: FlowChecks): void {
  for (const [kind, role, port] of [
    ['metrics', 'prometheus', PROXY_PORTS.admin],
    ['tap', 'tap', PROXY_PORTS.control],
  ] as const) {
    const srcs = c.byRole([role]);
    if (srcs.length === 0) continue;
    const srcSet = c.setOf(srcs);
    const hint = c.peerFor(srcSet, '');
    for (const d of c.meshedClasses) c.ingress(kind, d, srcSet, port, 'TCP', hint);
    for (const s of srcs) {
      for (const g of c.out.groupsOf(c.meshed)) c.out.edge(kind, c.out.groupOf(s), g, port, 'TCP', false);
      c.egress(kind, s, c.meshed, port, 'TCP', () => c.everyMeshedPod());
    }
  }
}

const isAdminPort = (p: { name?: string }) => /admin$/.test(p.name ?? '') && p.name !== 'linkerd-admin';

/** viz's Prometheus scrapes the admin ports of the control plane and viz (through the proxy when both ends are meshed). */
function checkAdminScrapes(c: FlowChecks): void {
  const { model, engine, out } = c;
  const inMeshOrViz = (d: PodClass) => d.namespace === model.mesh.namespace || d.namespace === model.vizNamespace;
  const adminTargets = c.classes.filter((d) => inMeshOrViz(d) && d.ports.some(isAdminPort));
  for (const p of c.byRole(['prometheus']).filter((x) => x.namespace === model.vizNamespace)) {
    for (const d of adminTargets) {
      for (const port of new Set(d.ports.filter((x) => isAdminPort(x) && x.protocol === 'TCP').map((x) => x.port))) {
        const wire = p.meshed && d.meshed && !inPortRanges(d.skipInboundPorts, port) ? PROXY_PORTS.inbound : port;
        c.checks++;
        const ingressOk = engine.ingressAdmitted(d, wire, 'TCP').has(p.index);
        const egressOk = engine.egressAdmitted(p, wire, 'TCP').has(d.index);
        out.edge('metrics', out.groupOf(p), out.groupOf(d), wire, 'TCP', !(ingressOk && egressOk));
        const via = wire === port ? '' : ` (admin port ${port}, reached through the proxy on 4143 since both ends are meshed)`;
        const report = (side: 'ingress' | 'egress') => {
          const at = side === 'ingress' ? d : p;
          const peer = side === 'ingress' ? `from ${classPeerHint(model, p, d.namespace)}` : `to ${classPeerHint(model, d, p.namespace)}`;
          c.addOnce(
            singleFinding('metrics', side, at, p.ref, d.ref, wire, 'TCP',
              `${portText(wire, 'TCP')}${via} from ${p.ref} to ${d.ref} is blocked by the ${side} policies of ${at.ref}: viz Prometheus scrapes the control plane's admin ports`,
              `add an ${side} rule selecting ${at.ref} in namespace ${at.namespace}: ${peer}, ports [${portText(wire, 'TCP')}]`),
            at,
          );
        };
        if (!ingressOk) report('ingress');
        if (!egressOk) report('egress');
      }
    }
  }
}

/** Runs every required-flow check. */
export function checkRequiredFlows(
  model: ClusterModel,
  engine: PolicyEngine,
  options: FlowOptions = {},
): { findings: AnalysisFinding[]; edges: FlowEdge[]; checks: number } {
  const out = new Collector(model, engine);
  const c = new FlowChecks(model, engine, out);
  checkControlPlaneApis(c);
  checkDns(c);
  checkWebhooks(c);
  checkKubeApi(c, options.apiServerPort ?? KUBE_API_SERVER_PORTS[0]);
  c.checks += checkMeshedTraffic(model, engine, out, c.meshed, options.meshedTraffic ?? 'namespace');
  checkProxyTelemetry(c);
  checkAdminScrapes(c);
  c.checks += checkExternalWorkloads(model, engine, out, c.meshed);
  return { findings: out.findings, edges: out.graph(), checks: c.checks };
}

function preview(list: readonly string[], max = 4): string {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} and ${list.length - max} more`;
}

function checkMeshedTraffic(model: ClusterModel, engine: PolicyEngine, out: Collector, meshed: Bitset, scope: MeshedTrafficScope): number {
  const classes = model.classes;
  const n = classes.length;
  let checks = 0;
  const port = PROXY_PORTS.inbound;
  const servers = Bitset.of(n, classes.filter((c) => meshed.has(c.index) && c.appPorts.length > 0).map((c) => c.index));
  // the control plane's API ports are dialled by proxies directly, never through 4143: not application ports
  const controlPlane = engine.namespaceSet(model.mesh.namespace);
  // meshed servers of each application port that the proxy intercepts
  const byAppPort = new Map<number, Bitset>();
  for (const i of servers) {
    const c = classes[i];
    if (controlPlane.has(i)) continue;
    for (const p of c.appPorts) {
      if (inPortRanges(c.skipInboundPorts, p)) continue;
      let s = byAppPort.get(p);
      if (!s) byAppPort.set(p, (s = Bitset.empty(n)));
      s.add(i);
    }
  }
  const scopeSets = new Map<string, { sources: Bitset; servers: Bitset }>();
  const scopeOf = (ns: string) => {
    const key = ns === model.mesh.namespace ? ns : scope === 'mesh' ? '*' : ns;
    let s = scopeSets.get(key);
    if (!s) {
      // the control plane's pods never talk to each other through 4143: their proxies use the APIs directly
      const base = (scope === 'mesh' ? engine.all() : engine.namespaceSet(ns)).minus(engine.namespaceSet(model.mesh.namespace));
      s = scope === 'policies' || ns === model.mesh.namespace ? { sources: Bitset.empty(n), servers: Bitset.empty(n) } : { sources: meshed.and(base), servers: servers.and(base) };
      scopeSets.set(key, s);
    }
    return s;
  };
  const meshedHint = `namespaceSelector {} + podSelector {${LABELS.controlPlaneNs}: ${model.mesh.namespace}} (meshed pods)`;

  // ingress at each meshed server
  const ingressIntent = new Map<string, { blocked: Bitset; required: Bitset; intentPorts: number[] }>();
  for (const i of servers) {
    const d = classes[i];
    const sc = scopeOf(d.namespace);
    checks++;
    for (const g of out.groupsOf(sc.sources)) out.edge('meshed', g, out.groupOf(d), port, 'TCP', false);
    if (!engine.ingressIsolated(d)) continue;
    const pols = engine.policiesFor(d);
    const named = pols.ingress.some((p) => p.ingress!.some((r) => r.hasNamedPorts));
    const key = `${pols.ingressKey}|${scope === 'mesh' ? '*' : d.namespace}|${d.appPorts.join(',')}|${named ? d.index : ''}`;
    let entry = ingressIntent.get(key);
    if (!entry) {
      const admitted = engine.ingressAdmitted(d, port, 'TCP');
      // what the policies admit on application ports, from meshed clients: meshed traffic will come on 4143 instead
      const intent = Bitset.empty(n);
      const intentPorts: number[] = [];
      for (const p of controlPlane.has(d.index) ? [] : d.appPorts) {
        if (inPortRanges(d.skipInboundPorts, p)) continue;
        // control plane pods never call applications: not intended clients
        const a = engine.ingressAdmitted(d, p, 'TCP').and(meshed).andNotWith(controlPlane);
        if (!a.subsetOf(admitted)) intentPorts.push(p);
        intent.orWith(a);
      }
      const required = sc.sources.clone().orWith(intent);
      entry = { blocked: required.minus(admitted), required, intentPorts };
      ingressIntent.set(key, entry);
    }
    if (entry.blocked.isEmpty()) continue;
    const sources = out.describe(entry.blocked, entry.required);
    for (const g of out.groupsOf(entry.blocked)) out.edge('meshed', g, out.groupOf(d), port, 'TCP', true);
    const intentText = entry.intentPorts.length > 0 ? `; its policies admit meshed clients on ${entry.intentPorts.join(', ')}, but meshed traffic arrives on 4143 (Linkerd >= 2.18)` : '';
    out.add(
      {
        id: `meshed:ingress:${d.ref}:${port}/TCP`,
        kind: 'meshed',
        side: 'ingress',
        at: d.ref,
        sources,
        sourceCount: entry.blocked.count(),
        destinations: [d.ref],
        destinationCount: 1,
        port,
        protocol: 'TCP',
        message: `4143/TCP from ${preview(sources)} to ${d.ref} is blocked by the ingress policies of ${d.ref}: ${WHY.meshed}${intentText}`,
        fix: `add an ingress rule selecting ${d.ref} in namespace ${d.namespace}: from ${meshedHint}, ports [4143/TCP]${entry.intentPorts.length > 0 ? ` (alongside or instead of ${entry.intentPorts.join(', ')})` : ''}`,
      },
      d,
    );
  }

  // egress at each meshed source
  const egressIntent = new Map<string, { blocked: Bitset; required: Bitset; intentPorts: number[] }>();
  for (const i of meshed) {
    const s = classes[i];
    const sc = scopeOf(s.namespace);
    checks++;
    if (!engine.egressIsolated(s)) continue;
    const key = `${engine.policiesFor(s).egressKey}|${scope === 'mesh' ? '*' : s.namespace}`;
    let entry = egressIntent.get(key);
    if (!entry) {
      const admitted = engine.egressAdmitted(s, port, 'TCP');
      const intent = Bitset.empty(n);
      const intentPorts: number[] = [];
      for (const [p, set] of byAppPort) {
        const a = engine.egressAdmitted(s, p, 'TCP').and(set);
        if (a.isEmpty()) continue;
        if (!a.subsetOf(admitted)) intentPorts.push(p);
        intent.orWith(a);
      }
      const required = sc.servers.clone().orWith(intent);
      entry = { blocked: required.minus(admitted), required, intentPorts: intentPorts.sort((a, b) => a - b) };
      egressIntent.set(key, entry);
    }
    if (entry.blocked.isEmpty()) continue;
    const destinations = out.describe(entry.blocked, entry.required);
    for (const g of out.groupsOf(entry.blocked)) out.edge('meshed', out.groupOf(s), g, port, 'TCP', true);
    const intentText = entry.intentPorts.length > 0 ? `; its policies allow application ports ${entry.intentPorts.join(', ')} to meshed pods, but meshed traffic goes to 4143 (Linkerd >= 2.18)` : '';
    out.add(
      {
        id: `meshed:egress:${s.ref}:${port}/TCP`,
        kind: 'meshed',
        side: 'egress',
        at: s.ref,
        sources: [s.ref],
        sourceCount: 1,
        destinations,
        destinationCount: entry.blocked.count(),
        port,
        protocol: 'TCP',
        message: `4143/TCP from ${s.ref} to ${preview(destinations)} is blocked by the egress policies of ${s.ref}: ${WHY.meshed}${intentText}`,
        fix: `add an egress rule selecting ${s.ref} in namespace ${s.namespace}: to ${meshedHint}, ports [4143/TCP]`,
      },
      s,
    );
  }
  return checks;
}

function checkExternalWorkloads(model: ClusterModel, engine: PolicyEngine, out: Collector, meshed: Bitset): number {
  let checks = 0;
  const classes = model.classes;
  const withIps = model.externalWorkloads.filter((w) => w.ranges.length > 0);
  if (withIps.length === 0) return 0;
  const addrText = (w: AddressEndpoint) => w.addresses.map((a) => (a.includes('/') ? a : `${a}/${a.includes(':') ? 128 : 32}`)).join(', ');
  /** The VMs' flows to (ingress) or from (egress) one pod class on one port, and a finding for the blocked ones. */
  const checkVms = (c: PodClass, vms: readonly AddressEndpoint[], port: number, side: 'ingress' | 'egress') => {
    const ingress = side === 'ingress';
    const blocked: AddressEndpoint[] = [];
    for (const w of vms) {
      checks++;
      const ok = ingress ? engine.ingressAdmitsAddress(c, w, port, 'TCP') : engine.egressAdmitsAddress(c, w, port, 'TCP');
      if (ingress) out.edge('external-workload', w.ref, out.groupOf(c), port, 'TCP', !ok);
      else out.edge('external-workload', out.groupOf(c), w.ref, port, 'TCP', !ok);
      if (!ok) blocked.push(w);
    }
    if (blocked.length === 0) return;
    const vmRefs = blocked.map((w) => w.ref);
    const between = ingress ? `from external workload(s) ${preview(vmRefs)} to ${c.ref}` : `from ${c.ref} to external workload(s) ${preview(vmRefs)}`;
    out.add(
      {
        id: `external-workload:${side}:${c.ref}:${port}/TCP`,
        kind: 'external-workload',
        side,
        at: c.ref,
        sources: ingress ? vmRefs : [c.ref],
        sourceCount: ingress ? blocked.length : 1,
        destinations: ingress ? [c.ref] : vmRefs,
        destinationCount: ingress ? 1 : blocked.length,
        port,
        protocol: 'TCP',
        message: `${port}/TCP ${between} is blocked by the ${side} policies of ${c.ref}: ${WHY['external-workload']}`,
        fix: `add an ${side} rule selecting ${c.ref} in namespace ${c.namespace}: ${ingress ? 'from' : 'to'} ipBlock ${blocked.map(addrText).join(', ')}, ports [${port}/TCP]`,
      },
      c,
    );
  };
  // VM proxies -> destination and policy controllers
  for (const d of classes.filter((c) => c.role === 'destination')) {
    for (const port of [CONTROL_PLANE_PORTS.destination, CONTROL_PLANE_PORTS.policy]) checkVms(d, withIps, port, 'ingress');
  }
  // VM <-> meshed pods of its namespace on 4143
  const byNs = new Map<string, AddressEndpoint[]>();
  for (const w of withIps) {
    const l = byNs.get(w.namespace!) ?? [];
    l.push(w);
    byNs.set(w.namespace!, l);
  }
  for (const [ns, vms] of byNs) {
    const serving = vms.filter((v) => v.ports.length > 0);
    for (const i of engine.namespaceSet(ns)) {
      if (!meshed.has(i)) continue;
      const c = classes[i];
      if (c.appPorts.length > 0) checkVms(c, vms, PROXY_PORTS.inbound, 'ingress');
      checkVms(c, serving, PROXY_PORTS.inbound, 'egress');
    }
  }
  return checks;
}
