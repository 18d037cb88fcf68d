/**
 * The meshed-traffic and external-workload checks of the analyzer (see `flows.ts` for the model of
 * the network): meshed pods reach each other's proxies on 4143, and VMs reach the control plane and
 * the meshed pods of their namespace, both ways.
 */
import { PROXY_PORTS, CONTROL_PLANE_PORTS, LABELS } from '../constants';
import { Bitset } from './bitset';
import type { PolicyEngine } from './engine';
import { Collector, preview, WHY } from './flow-collector';
import type { MeshedTrafficScope } from './flows';
import type { AddressEndpoint, ClusterModel, PodClass } from './model';
import { inPortRanges } from './model';

/** Meshed pods reach the meshed servers they must (per `scope`) on the proxy's inbound port; returns the number of checks. */
export function checkMeshedTraffic(model: ClusterModel, engine: PolicyEngine, out: Collector, meshed: Bitset, scope: MeshedTrafficScope): number {
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

/** External workloads reach the control plane and the meshed pods of their namespace, and back; returns the number of checks. */
export function checkExternalWorkloads(model: ClusterModel, engine: PolicyEngine, out: Collector, meshed: Bitset): number {
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
