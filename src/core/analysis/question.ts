/**
 * A user's own question: "can `ns/workload` reach `ns/workload:port`?", answered with both ends of
 * NetworkPolicy and Linkerd authorization on top.
 *
 * Syntax: `<source> -> <destination>:<port>[/<protocol>]`, where an endpoint is `namespace/name` of a
 * workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod...), of an ExternalWorkload, or for
 * the destination of a Service (the port is then the Service port), or `kube-apiserver` as a source.
 * The port is a number or a container (or Service) port name.
 */
import { PROXY_PORTS } from '../constants';
import type { L4Protocol } from '../k8s';
import { AuthorizationVerdict, evaluateAuthorization } from './authz';
import type { AddressEndpoint, ClusterModel, PodClass } from './model';
import { inPortRanges } from './model';
import { evaluateNetworkPolicyConnection, SideVerdict } from './netpol';

/** A parsed question. */
export interface FlowQuestion {
  /** The text as given. */
  readonly text: string;
  /** Source endpoint as written (`namespace/name` or `kube-apiserver`). */
  readonly source: string;
  /** Destination endpoint as written. */
  readonly destination: string;
  /** Port number or name. */
  readonly port: string;
  /** Protocol (default TCP). */
  readonly protocol: L4Protocol;
}

/** The answer. */
export interface FlowAnswer {
  /** The question as asked. */
  readonly question: string;
  /** Resolved source (`namespace/name` of the class, or an address endpoint). */
  readonly source: string;
  /** Resolved destination class. */
  readonly destination: string;
  /** Destination container port. */
  readonly port: number;
  /** Protocol. */
  readonly protocol: L4Protocol;
  /** The port NetworkPolicy sees: 4143 when both ends are meshed and the proxies carry the traffic. */
  readonly wirePort: number;
  /** True when the source runs a proxy. */
  readonly sourceMeshed: boolean;
  /** True when the destination runs a proxy. */
  readonly destinationMeshed: boolean;
  /** Egress at the source. */
  readonly egress: SideVerdict;
  /** Ingress at the destination. */
  readonly ingress: SideVerdict;
  /** Linkerd authorization. */
  readonly linkerd: AuthorizationVerdict;
  /** True when the connection works. */
  readonly allowed: boolean;
  /** Readable lines. */
  readonly explanation: readonly string[];
}

/** Thrown (as a plain Error) for a question that cannot be parsed or resolved. */
export class FlowQuestionError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'FlowQuestionError';
  }
}

const QUESTION_RE = /^\s*(\S+)\s*->\s*(\S+?):([A-Za-z0-9-]+)(?:\/(TCP|UDP|SCTP|tcp|udp|sctp))?\s*$/;

/** Parses `ns/a -> ns/b:8080[/TCP]`. */
export function parseFlowQuestion(text: string): FlowQuestion {
  const m = QUESTION_RE.exec(text);
  if (!m) throw new FlowQuestionError(`--flow ${JSON.stringify(text)}: expected "<namespace>/<workload> -> <namespace>/<workload>:<port>[/TCP|UDP|SCTP]", e.g. "shop/web -> shop/api:8080"`);
  if (/^\d+$/.test(m[3]) && !(Number(m[3]) >= 1 && Number(m[3]) <= 65535)) {
    throw new FlowQuestionError(`--flow ${JSON.stringify(text)}: port ${m[3]} is out of range; expected a port number from 1 to 65535, or a port name`);
  }
  return { text, source: m[1], destination: m[2], port: m[3], protocol: (m[4] ?? 'TCP').toUpperCase() as L4Protocol };
}

type Endpoint = PodClass | AddressEndpoint;

function resolveEndpoint(model: ClusterModel, ref: string, role: 'source' | 'destination'): { endpoint: Endpoint; note?: string; service?: { ns: string; name: string } } {
  if (role === 'source' && (ref === 'kube-apiserver' || ref === 'apiserver')) return { endpoint: model.apiServer };
  const slash = ref.indexOf('/');
  if (slash <= 0) throw new FlowQuestionError(`${role} ${JSON.stringify(ref)}: expected "<namespace>/<name>"${role === 'source' ? ' or "kube-apiserver"' : ''}`);
  const ns = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  const byWorkload = model.classes.filter((c) => c.namespace === ns && c.workloads.some((w) => w.name === name));
  if (byWorkload.length > 0) {
    return { endpoint: byWorkload[0], ...(byWorkload.length > 1 ? { note: `${ref} has ${byWorkload.length} pod classes; answering for ${byWorkload[0].ref}` } : {}) };
  }
  const byRef = model.classes.find((c) => c.ref === ref);
  if (byRef) return { endpoint: byRef };
  const ew = model.externalWorkloads.find((w) => w.ref === ref);
  if (ew) return { endpoint: ew };
  if (role === 'destination') {
    const svc = model.services.find((s) => s.namespace === ns && s.name === name);
    if (svc && svc.selector) {
      const selected = model.classes.filter((c) => c.namespace === ns && Object.entries(svc.selector!).every(([k, v]) => c.labels[k] === v));
      if (selected.length > 0) return { endpoint: selected[0], service: { ns, name }, note: `Service ${ref} selects ${selected.map((c) => c.ref).join(', ')}; answering for ${selected[0].ref}` };
      throw new FlowQuestionError(`destination ${ref}: the Service selects no workload in the manifests`);
    }
  }
  const known = model.classes.filter((c) => c.namespace === ns).flatMap((c) => c.workloads.map((w) => w.name));
  throw new FlowQuestionError(`${role} ${ref}: no workload, ExternalWorkload${role === 'destination' ? ' or Service' : ''} of that name in the manifests${known.length > 0 ? `; namespace ${ns} has ${[...new Set(known)].slice(0, 8).join(', ')}` : ''}`);
}

/** Answers one question. */
export function answerFlowQuestion(model: ClusterModel, question: FlowQuestion | string): FlowAnswer {
  const q = typeof question === 'string' ? parseFlowQuestion(question) : question;
  const src = resolveEndpoint(model, q.source, 'source');
  const dst = resolveEndpoint(model, q.destination, 'destination');
  const explanation: string[] = [];
  if (src.note) explanation.push(src.note);
  if (dst.note) explanation.push(dst.note);
  const s = src.endpoint;
  const d = dst.endpoint;

  // the destination container port
  let port: number | undefined;
  let portName = q.port;
  if (dst.service) {
    const svc = model.services.find((x) => x.namespace === dst.service!.ns && x.name === dst.service!.name)!;
    const sp = svc.ports.find((p) => (/^\d+$/.test(q.port) ? p.port === Number(q.port) : p.name === q.port) && p.protocol === q.protocol);
    if (!sp) throw new FlowQuestionError(`destination ${q.destination}: the Service has no ${q.protocol} port ${q.port}`);
    explanation.push(`Service port ${sp.port} targets ${sp.targetPort}`);
    portName = String(sp.targetPort);
  }
  if (/^\d+$/.test(portName)) port = Number(portName);
  else port = d.ports.find((p) => p.name === portName && p.protocol === q.protocol)?.port;
  if (port === undefined) throw new FlowQuestionError(`destination ${q.destination}: no ${q.protocol} container port named ${JSON.stringify(portName)}`);

  const sourceMeshed = s.meshed;
  const destinationMeshed = d.meshed;
  const proxied =
    q.protocol === 'TCP' &&
    sourceMeshed &&
    destinationMeshed &&
    port !== PROXY_PORTS.admin &&
    port !== PROXY_PORTS.control &&
    !(d.isPod && inPortRanges(d.skipInboundPorts, port)) &&
    !(s.isPod && inPortRanges(s.skipOutboundPorts, port));
  const wirePort = proxied ? PROXY_PORTS.inbound : port;
  if (proxied) explanation.push(`both ends are meshed: the client proxy connects to ${d.isPod ? d.ref : d.ref}:${PROXY_PORTS.inbound} (transport header for port ${port}), so NetworkPolicy sees port ${PROXY_PORTS.inbound}, not ${port}`);
  else explanation.push(`NetworkPolicy sees port ${port}/${q.protocol}${sourceMeshed && destinationMeshed ? ' (not carried by the proxies)' : ''}`);

  const np = evaluateNetworkPolicyConnection(model.policies, s, d, wirePort, q.protocol, (ns) => model.namespaceLabels(ns));
  const side = (name: string, v: SideVerdict, who: string) => {
    if (!v.isolated) return `${name} at ${who}: not isolated (no ${name} policy selects it) -> allowed`;
    return v.allowed
      ? `${name} at ${who}: allowed by ${v.allowingPolicies.join(', ')}`
      : `${name} at ${who}: BLOCKED; isolated by ${v.isolatingPolicies.join(', ')}, none admits ${wirePort}/${q.protocol} ${name === 'egress' ? `to ${d.ref}` : `from ${s.ref}`}`;
  };
  explanation.push(side('egress', np.egress, s.ref));
  explanation.push(side('ingress', np.ingress, d.ref));
  const linkerd: AuthorizationVerdict = d.isPod
    ? evaluateAuthorization(model, s, d, port, q.protocol)
    : { applies: false, allowed: true, admittedBy: [], reason: `${d.ref} is not a pod: Linkerd authorization of external workloads is not evaluated here` };
  explanation.push(`Linkerd: ${linkerd.reason}`);
  const allowed = np.allowed && linkerd.allowed;
  return {
    question: q.text,
    source: s.ref,
    destination: d.ref,
    port,
    protocol: q.protocol,
    wirePort,
    sourceMeshed,
    destinationMeshed,
    egress: np.egress,
    ingress: np.ingress,
    linkerd,
    allowed,
    explanation,
  };
}
