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
import { PROXY_PORTS, CONTROL_PLANE_PORTS, DNS_PORT, KUBE_API_SERVER_PORTS } from '../constants';
import type { L4Protocol } from '../k8s';
import { Bitset } from './bitset';
import type { PolicyEngine } from './engine';
import { Collector, FlowChecks, classPeerHint, portText, sideFinding, WHY } from './flow-collector';
import { checkExternalWorkloads, checkMeshedTraffic } from './meshed-flows';
import type { ClusterModel, PodClass } from './model';
import { inPortRanges } from './model';


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
  /**
   * Run each per-class check once per group of classes the checks treat alike (see `ClassGroup`),
   * reporting for every member. Off: once per class, the reference the tests compare with.
   * @default true
   * @internal
   */
  readonly groupClasses?: boolean;
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
      c.ingress(f.kind, [d], required, f.port, 'TCP', c.everyMeshedPod());
    }
    for (const group of c.meshedGroups) {
      // a component is never grouped with another class (see ClassGroup): the first stands for all
      const s = group[0];
      const required = dstSet.has(s.index) ? dstSet.minus(Bitset.of(c.n, [s.index])) : dstSet;
      c.egress(f.kind, group, required, f.port, 'TCP', (b) => c.peerFor(b, s.namespace));
    }
  }
}

/** Every meshed pod resolves names: DNS (53, UDP and TCP) both ways. */
function checkDns(c: FlowChecks): void {
  const dns = c.byRole(['dns']);
  if (dns.length === 0) return;
  const dnsSet = c.setOf(dns);
  for (const protocol of ['UDP', 'TCP'] as const) {
    for (const d of dns) c.ingress('dns', [d], c.meshed, DNS_PORT, protocol, 'every meshed pod (namespaceSelector {})');
    for (const group of c.meshedGroups) {
      const s = group[0];
      for (const g of c.out.groupsOf(dnsSet)) c.out.edge('dns', c.out.groupOf(s), g, DNS_PORT, protocol, false);
      c.egress('dns', group, dnsSet, DNS_PORT, protocol, (b) => c.peerFor(b, s.namespace));
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
        sideFinding('webhook', 'ingress', d, [model.apiServer.ref], 1, target, sp.protocol,
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
      sideFinding('kube-api', 'egress', s, [model.apiServer.ref], 1, apiPort, 'TCP',
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
    for (const group of c.meshedGroups) c.ingress(kind, group, srcSet, port, 'TCP', hint);
    for (const s of srcs) {
      for (const g of c.out.groupsOf(c.meshed)) c.out.edge(kind, c.out.groupOf(s), g, port, 'TCP', false);
      c.egress(kind, [s], c.meshed, port, 'TCP', () => c.everyMeshedPod());
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
            sideFinding('metrics', side, at, [side === 'ingress' ? p.ref : d.ref], 1, wire, 'TCP',
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
  const c = new FlowChecks(model, engine, out, options.groupClasses ?? true);
  checkControlPlaneApis(c);
  checkDns(c);
  checkWebhooks(c);
  checkKubeApi(c, options.apiServerPort ?? KUBE_API_SERVER_PORTS[0]);
  c.checks += checkMeshedTraffic(model, engine, out, c.meshed, c.meshedGroups, options.meshedTraffic ?? 'namespace');
  checkProxyTelemetry(c);
  checkAdminScrapes(c);
  c.checks += checkExternalWorkloads(model, engine, out, c.meshedGroups);
  return { findings: out.findings, edges: out.graph(), checks: c.checks };
}

