/**
 * The meshed-traffic and external-workload checks of the analyzer (see `flows.ts` for the model of
 * the network): meshed pods reach each other's proxies on 4143, and VMs reach the control plane and
 * the meshed pods of their namespace, both ways.
 */
import { PROXY_PORTS, CONTROL_PLANE_PORTS, LABELS } from '../constants';
import { Bitset } from './bitset';
import type { PolicyEngine } from './engine';
import { type ClassGroup, Collector, preview, sideFinding, WHY } from './flow-collector';
import type { MeshedTrafficScope } from './flows';
import type { AddressEndpoint, ClusterModel } from './model';
import { inPortRanges } from './model';

type Intent = { blocked: Bitset; required: Bitset; intentPorts: number[] };

/** The meshed-traffic check of one analysis: which meshed pods must reach which, and the ingress and egress check at each. */
class MeshedTrafficChecks {
  public readonly servers: Bitset;
  private readonly n: number;
  private readonly port = PROXY_PORTS.inbound;
  /** The control plane's API ports are dialled by proxies directly, never through 4143: not application ports. */
  private readonly controlPlane: Bitset;
  /** Meshed servers of each application port that the proxy intercepts. */
  private readonly byAppPort = new Map<number, Bitset>();
  private readonly scopeSets = new Map<string, { sources: Bitset; servers: Bitset }>();
  private readonly ingressIntent = new Map<string, Intent>();
  private readonly egressIntent = new Map<string, Intent>();
  private readonly meshedHint: string;

  public constructor(
    private readonly model: ClusterModel,
    private readonly engine: PolicyEngine,
    private readonly out: Collector,
    private readonly meshed: Bitset,
    private readonly scope: MeshedTrafficScope,
  ) {
    const classes = model.classes;
    this.n = classes.length;
    this.servers = Bitset.of(this.n, classes.filter((c) => meshed.has(c.index) && c.appPorts.length > 0).map((c) => c.index));
    this.controlPlane = engine.namespaceSet(model.mesh.namespace);
    for (const i of this.servers) {
      const c = classes[i];
      if (this.controlPlane.has(i)) continue;
      for (const p of c.appPorts) {
        if (inPortRanges(c.skipInboundPorts, p)) continue;
        let set = this.byAppPort.get(p);
        if (!set) this.byAppPort.set(p, (set = Bitset.empty(this.n)));
        set.add(i);
      }
    }
    this.meshedHint = `namespaceSelector {} + podSelector {${LABELS.controlPlaneNs}: ${model.mesh.namespace}} (meshed pods)`;
  }

  /** The meshed pods a namespace's pods must reach and be reached by, per the scope. */
  private scopeOf(ns: string): { sources: Bitset; servers: Bitset } {
    const cpNs = this.model.mesh.namespace;
    const key = ns === cpNs ? ns : this.scope === 'mesh' ? '*' : ns;
    let s = this.scopeSets.get(key);
    if (!s) {
      // the control plane's pods never talk to each other through 4143: their proxies use the APIs directly
      const base = (this.scope === 'mesh' ? this.engine.all() : this.engine.namespaceSet(ns)).minus(this.engine.namespaceSet(cpNs));
      s =
        this.scope === 'policies' || ns === cpNs
          ? { sources: Bitset.empty(this.n), servers: Bitset.empty(this.n) }
          : { sources: this.meshed.and(base), servers: this.servers.and(base) };
      this.scopeSets.set(key, s);
    }
    return s;
  }

  /** The ingress check at a group of meshed servers (see ClassGroup): run at the first, reported for each. */
  public ingressAt(group: ClassGroup): void {
    const d = group[0];
    const port = this.port;
    const sc = this.scopeOf(d.namespace);
    for (const g of this.out.groupsOf(sc.sources)) this.out.edge('meshed', g, this.out.groupOf(d), port, 'TCP', false);
    if (!this.engine.ingressIsolated(d)) return;
    const pols = this.engine.policiesFor(d);
    const named = pols.ingress.some((p) => p.ingress!.some((r) => r.hasNamedPorts));
    // what the intent reads of the server: its policies, namespace, application ports and which of them the proxy skips
    const key = `${pols.ingressKey}|${this.scope === 'mesh' ? '*' : d.namespace}|${d.appPorts.join(',')}|${d.skipInboundPorts.ranges.join(';')}|${named ? d.index : ''}`;
    let entry = this.ingressIntent.get(key);
    if (!entry) {
      const admitted = this.engine.ingressAdmitted(d, port, 'TCP');
      // what the policies admit on application ports, from meshed clients: meshed traffic will come on 4143 instead
      const intent = Bitset.empty(this.n);
      const intentPorts: number[] = [];
      for (const p of this.controlPlane.has(d.index) ? [] : d.appPorts) {
        if (inPortRanges(d.skipInboundPorts, p)) continue;
        // control plane pods never call applications: not intended clients
        const a = this.engine.ingressAdmitted(d, p, 'TCP').and(this.meshed).andNotWith(this.controlPlane);
        if (!a.subsetOf(admitted)) intentPorts.push(p);
        intent.orWith(a);
      }
      const required = sc.sources.clone().orWith(intent);
      entry = { blocked: required.minus(admitted), required, intentPorts };
      this.ingressIntent.set(key, entry);
    }
    if (entry.blocked.isEmpty()) return;
    const sources = this.out.describe(entry.blocked, entry.required);
    for (const g of this.out.groupsOf(entry.blocked)) this.out.edge('meshed', g, this.out.groupOf(d), port, 'TCP', true);
    const intentText = entry.intentPorts.length > 0 ? `; its policies admit meshed clients on ${entry.intentPorts.join(', ')}, but meshed traffic arrives on 4143 (Linkerd >= 2.18)` : '';
    const instead = entry.intentPorts.length > 0 ? ` (alongside or instead of ${entry.intentPorts.join(', ')})` : '';
    const sourceCount = entry.blocked.count();
    for (const m of group) {
      const message = `4143/TCP from ${preview(sources)} to ${m.ref} is blocked by the ingress policies of ${m.ref}: ${WHY.meshed}${intentText}`;
      const fix = `add an ingress rule selecting ${m.ref} in namespace ${m.namespace}: from ${this.meshedHint}, ports [4143/TCP]${instead}`;
      this.out.add(sideFinding('meshed', 'ingress', m, sources, sourceCount, port, 'TCP', message, fix), m);
    }
  }

  /** The egress check at a group of meshed sources (see ClassGroup): run at the first, reported for each. */
  public egressAt(group: ClassGroup): void {
    const s = group[0];
    const port = this.port;
    const sc = this.scopeOf(s.namespace);
    if (!this.engine.egressIsolated(s)) return;
    const key = `${this.engine.policiesFor(s).egressKey}|${this.scope === 'mesh' ? '*' : s.namespace}`;
    let entry = this.egressIntent.get(key);
    if (!entry) {
      const admitted = this.engine.egressAdmitted(s, port, 'TCP');
      const intent = Bitset.empty(this.n);
      const intentPorts: number[] = [];
      for (const [p, set] of this.byAppPort) {
        const a = this.engine.egressAdmitted(s, p, 'TCP').and(set);
        if (a.isEmpty()) continue;
        if (!a.subsetOf(admitted)) intentPorts.push(p);
        intent.orWith(a);
      }
      const required = sc.servers.clone().orWith(intent);
      entry = { blocked: required.minus(admitted), required, intentPorts: intentPorts.sort((a, b) => a - b) };
      this.egressIntent.set(key, entry);
    }
    if (entry.blocked.isEmpty()) return;
    const destinations = this.out.describe(entry.blocked, entry.required);
    for (const g of this.out.groupsOf(entry.blocked)) this.out.edge('meshed', this.out.groupOf(s), g, port, 'TCP', true);
    const intentText = entry.intentPorts.length > 0 ? `; its policies allow application ports ${entry.intentPorts.join(', ')} to meshed pods, but meshed traffic goes to 4143 (Linkerd >= 2.18)` : '';
    const destinationCount = entry.blocked.count();
    for (const m of group) {
      const message = `4143/TCP from ${m.ref} to ${preview(destinations)} is blocked by the egress policies of ${m.ref}: ${WHY.meshed}${intentText}`;
      const fix = `add an egress rule selecting ${m.ref} in namespace ${m.namespace}: to ${this.meshedHint}, ports [4143/TCP]`;
      this.out.add(sideFinding('meshed', 'egress', m, destinations, destinationCount, port, 'TCP', message, fix), m);
    }
  }
}

/**
 * Meshed pods reach the meshed servers they must (per `scope`) on the proxy's inbound port; returns
 * the number of checks (one per class and side). `groups` are the meshed classes grouped (a group's
 * members all serve application ports, or none does).
 */
export function checkMeshedTraffic(
  model: ClusterModel,
  engine: PolicyEngine,
  out: Collector,
  meshed: Bitset,
  groups: readonly ClassGroup[],
  scope: MeshedTrafficScope,
): number {
  const m = new MeshedTrafficChecks(model, engine, out, meshed, scope);
  let checks = 0;
  for (const group of groups) {
    if (!m.servers.has(group[0].index)) continue;
    checks += group.length;
    m.ingressAt(group);
  }
  for (const group of groups) {
    checks += group.length;
    m.egressAt(group);
  }
  return checks;
}

/**
 * External workloads reach the control plane and the meshed pods of their namespace, and back;
 * returns the number of checks (one per class, VM and side). `groups` are the meshed classes grouped.
 */
export function checkExternalWorkloads(model: ClusterModel, engine: PolicyEngine, out: Collector, groups: readonly ClassGroup[]): number {
  let checks = 0;
  const classes = model.classes;
  const withIps = model.externalWorkloads.filter((w) => w.ranges.length > 0);
  if (withIps.length === 0) return 0;
  const addrText = (w: AddressEndpoint) => w.addresses.map((a) => (a.includes('/') ? a : `${a}/${a.includes(':') ? 128 : 32}`)).join(', ');
  /** The VMs' flows to (ingress) or from (egress) a group of pod classes on one port, and a finding per class for the blocked ones. */
  const checkVms = (group: ClassGroup, vms: readonly AddressEndpoint[], port: number, side: 'ingress' | 'egress') => {
    const c = group[0];
    const ingress = side === 'ingress';
    const blocked: AddressEndpoint[] = [];
    for (const w of vms) {
      checks += group.length;
      const ok = ingress ? engine.ingressAdmitsAddress(c, w, port, 'TCP') : engine.egressAdmitsAddress(c, w, port, 'TCP');
      if (ingress) out.edge('external-workload', w.ref, out.groupOf(c), port, 'TCP', !ok);
      else out.edge('external-workload', out.groupOf(c), w.ref, port, 'TCP', !ok);
      if (!ok) blocked.push(w);
    }
    if (blocked.length === 0) return;
    const vmRefs = blocked.map((w) => w.ref);
    const blocks = blocked.map(addrText).join(', ');
    for (const m of group) {
      const between = ingress ? `from external workload(s) ${preview(vmRefs)} to ${m.ref}` : `from ${m.ref} to external workload(s) ${preview(vmRefs)}`;
      const message = `${port}/TCP ${between} is blocked by the ${side} policies of ${m.ref}: ${WHY['external-workload']}`;
      const fix = `add an ${side} rule selecting ${m.ref} in namespace ${m.namespace}: ${ingress ? 'from' : 'to'} ipBlock ${blocks}, ports [${port}/TCP]`;
      out.add(sideFinding('external-workload', side, m, vmRefs, blocked.length, port, 'TCP', message, fix), m);
    }
  };
  // VM proxies -> destination and policy controllers
  for (const d of classes.filter((c) => c.role === 'destination')) {
    for (const port of [CONTROL_PLANE_PORTS.destination, CONTROL_PLANE_PORTS.policy]) checkVms([d], withIps, port, 'ingress');
  }
  // VM <-> meshed pods of its namespace on 4143
  const byNs = groupBy(withIps, (w) => w.namespace!);
  // the groups of each namespace (a group shares one)
  const groupsOfNs = groupBy(groups, (group) => group[0].namespace);
  for (const [ns, vms] of byNs) {
    const serving = vms.filter((v) => v.ports.length > 0);
    for (const group of groupsOfNs.get(ns) ?? []) {
      if (group[0].appPorts.length > 0) checkVms(group, vms, PROXY_PORTS.inbound, 'ingress');
      checkVms(group, serving, PROXY_PORTS.inbound, 'egress');
    }
  }
  return checks;
}

/** `items` by `key`, each list in the order of `items`. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
