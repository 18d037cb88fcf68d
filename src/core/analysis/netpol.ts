/**
 * Kubernetes NetworkPolicy semantics, exactly as `networking.k8s.io/v1` defines them:
 *
 * - A policy applies to the pods of its namespace its `podSelector` selects (`{}` = all of them).
 * - `policyTypes` says which directions it isolates. When absent, the API server defaults it to
 *   `Ingress`, plus `Egress` when the policy has at least one egress rule (an empty `egress: []`
 *   without `policyTypes` does NOT make it an egress policy).
 * - A pod is isolated for a direction only when at least one policy of that direction selects it;
 *   then a connection is allowed only if some rule of some such policy admits it (policies are a
 *   union, never an intersection). A connection needs both ends: egress at the source AND ingress at
 *   the destination.
 * - A rule with no `from`/`to` (absent or empty) matches every peer; with no `ports` every port.
 * - A peer with `namespaceSelector` and `podSelector` in one element selects pods matching both
 *   (AND); two elements are alternatives (OR). `podSelector` alone means "in the policy's own
 *   namespace"; `namespaceSelector` alone means "every pod of the matching namespaces". Namespaces
 *   carry the automatic label `kubernetes.io/metadata.name`.
 * - `ipBlock` matches addresses: endpoints outside the cluster (the API server, external workloads)
 *   and pods whose IPs are known. A pod whose IP is unknown is never matched by an `ipBlock`.
 * - A port is a number (optionally a range up to `endPort`) or a name resolved against the
 *   destination pod's container ports; the protocol defaults to TCP and must match.
 */
import type { L4Protocol, LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../k8s';
import { blockAdmits, IpBlockRange, IpRange, parseIpBlock } from './ip';
import { CompiledSelector, compileSelector, formatLabelSelector, Labels } from '../selectors';

/** A container port as the analysis sees it. */
export interface PortInfo {
  /** Port name, when named. */
  readonly name?: string;
  /** Port number. */
  readonly port: number;
  /** Protocol (default TCP). */
  readonly protocol: L4Protocol;
}

/** What a rule peer or a policy is evaluated against: a pod (class) or an address. */
export interface PolicySubject {
  /** Namespace of the pod; undefined for addresses outside the cluster. */
  readonly namespace?: string;
  /** Pod labels; empty for addresses. */
  readonly labels: Labels;
  /** Known address ranges (empty when unknown). */
  readonly ranges: readonly IpRange[];
  /** True for pods (selectors can match them); false for addresses. */
  readonly isPod: boolean;
  /** Container ports (destination side of named ports). */
  readonly ports: readonly PortInfo[];
}

/** A compiled peer of a rule. */
export interface CompiledPeer {
  /** Cache key: identical keys select identical sets. */
  readonly key: string;
  /** `pods` for selector peers, `ip` for ipBlocks, `invalid` for peers the API server would reject. */
  readonly kind: 'pods' | 'ip' | 'invalid';
  /** Namespace selector; undefined means "the policy's namespace". */
  readonly namespaceSelector?: CompiledSelector;
  /** Pod selector; undefined means "every pod of the selected namespaces". */
  readonly podSelector?: CompiledSelector;
  /** The policy's namespace. */
  readonly policyNamespace: string;
  /** The parsed ipBlock. */
  readonly ipBlock?: IpBlockRange;
  /** Readable form for messages. */
  readonly text: string;
}

/** A compiled port of a rule. */
export interface CompiledPort {
  /** Protocol (TCP when the policy omits it). */
  readonly protocol: L4Protocol;
  /** `any`: every port of the protocol; `range`: numbers first..last; `named`: a container port name. */
  readonly kind: 'any' | 'range' | 'named';
  /** First port of a range. */
  readonly first?: number;
  /** Last port of a range (`endPort`, or `first`). */
  readonly last?: number;
  /** Container port name of a named port. */
  readonly name?: string;
}

/** A compiled rule (ingress or egress). */
export interface CompiledRule {
  /** Index of the rule in its list. */
  readonly index: number;
  /** `all` when `from`/`to` is absent or empty. */
  readonly peers: readonly CompiledPeer[] | 'all';
  /** `all` when `ports` is absent or empty. */
  readonly ports: readonly CompiledPort[] | 'all';
  /** True when some port is named (its match depends on the destination pod). */
  readonly hasNamedPorts: boolean;
}

/** A compiled NetworkPolicy. */
export interface CompiledPolicy {
  /** Dense id, stable within one analysis. */
  readonly id: number;
  /** `namespace/name`. */
  readonly ref: string;
  /** Namespace (the pods it may select live here). */
  readonly namespace: string;
  /** Name. */
  readonly name: string;
  /** The pods it applies to (in its namespace). */
  readonly podSelector: CompiledSelector;
  /** Ingress rules when it is an ingress policy (an empty list isolates and admits nothing). */
  readonly ingress?: readonly CompiledRule[];
  /** Egress rules when it is an egress policy. */
  readonly egress?: readonly CompiledRule[];
  /** The original object. */
  readonly source: NetworkPolicy;
}

/** A problem found while compiling policies (the API server would reject the object). */
export interface PolicyProblem {
  /** `namespace/name` of the policy. */
  readonly policy: string;
  /** Field path, e.g. `spec.ingress[0].from[1]`. */
  readonly field: string;
  /** What the API server would reject. */
  readonly message: string;
}

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);

function peerText(peer: NetworkPolicyPeer): string {
  const parts: string[] = [];
  if (peer.namespaceSelector) parts.push(`namespaces(${formatLabelSelector(peer.namespaceSelector)})`);
  if (peer.podSelector) parts.push(`pods(${formatLabelSelector(peer.podSelector)})`);
  if (peer.ipBlock) parts.push(`ipBlock(${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(',')}` : ''})`);
  return parts.length > 0 ? parts.join(' and ') : '(empty peer)';
}

function compilePeer(
  peer: NetworkPolicyPeer | null | undefined,
  policyNamespace: string,
  field: string,
  ref: string,
  problems: PolicyProblem[],
): CompiledPeer {
  const p = (peer ?? {}) as NetworkPolicyPeer;
  const text = peerText(p);
  const hasSel = !!p.namespaceSelector || !!p.podSelector;
  if (p.ipBlock) {
    if (hasSel) {
      problems.push({ policy: ref, field, message: 'ipBlock cannot be combined with podSelector or namespaceSelector in one peer' });
      return { key: `invalid:${ref}:${field}`, kind: 'invalid', policyNamespace, text };
    }
    const block = parseIpBlock(p.ipBlock);
    if (!block) {
      problems.push({ policy: ref, field: `${field}.ipBlock.cidr`, message: `invalid CIDR ${JSON.stringify(p.ipBlock.cidr)}` });
      return { key: `invalid:${ref}:${field}`, kind: 'invalid', policyNamespace, text };
    }
    return { key: `ip:${p.ipBlock.cidr}-${[...(p.ipBlock.except ?? [])].sort().join(',')}`, kind: 'ip', policyNamespace, ipBlock: block, text };
  }
  if (!hasSel) {
    problems.push({ policy: ref, field, message: 'a peer needs podSelector, namespaceSelector or ipBlock' });
    return { key: `invalid:${ref}:${field}`, kind: 'invalid', policyNamespace, text };
  }
  const ns = p.namespaceSelector ? compileSelector(p.namespaceSelector) : undefined;
  const pod = p.podSelector ? compileSelector(p.podSelector) : undefined;
  const key = `pods:${ns ? `ns=${ns.key}` : `in=${policyNamespace}`}:${pod ? pod.key : '*'}`;
  return { key, kind: 'pods', namespaceSelector: ns, podSelector: pod, policyNamespace, text };
}

function compilePort(port: NetworkPolicyPort | null | undefined, field: string, ref: string, problems: PolicyProblem[]): CompiledPort | undefined {
  const p = (port ?? {}) as NetworkPolicyPort;
  const protocol = (p.protocol ?? 'TCP') as L4Protocol;
  if (!PROTOCOLS.has(protocol)) {
    problems.push({ policy: ref, field: `${field}.protocol`, message: `unknown protocol ${JSON.stringify(p.protocol)}` });
    return undefined;
  }
  if (p.port === undefined || p.port === null) return { protocol, kind: 'any' };
  if (typeof p.port === 'string' && !/^\d+$/.test(p.port)) {
    if (p.endPort !== undefined) problems.push({ policy: ref, field: `${field}.endPort`, message: 'endPort cannot be used with a named port' });
    return { protocol, kind: 'named', name: p.port };
  }
  const first = Number(p.port);
  const last = p.endPort !== undefined && p.endPort !== null ? Number(p.endPort) : first;
  if (last < first) {
    problems.push({ policy: ref, field: `${field}.endPort`, message: `endPort ${last} is below port ${first}` });
    return undefined;
  }
  return { protocol, kind: 'range', first, last };
}

function compileRules(
  rules: unknown,
  peersField: 'from' | 'to',
  policyNamespace: string,
  field: string,
  ref: string,
  problems: PolicyProblem[],
): CompiledRule[] {
  if (!Array.isArray(rules)) return [];
  return rules.map((r, index) => {
    const rule = (r ?? {}) as Record<string, unknown>;
    const rawPeers = rule[peersField];
    const rawPorts = rule.ports;
    const peers =
      Array.isArray(rawPeers) && rawPeers.length > 0
        ? rawPeers.map((p, i) => compilePeer(p as NetworkPolicyPeer, policyNamespace, `${field}[${index}].${peersField}[${i}]`, ref, problems))
        : 'all';
    const ports =
      Array.isArray(rawPorts) && rawPorts.length > 0
        ? rawPorts
          .map((p, i) => compilePort(p as NetworkPolicyPort, `${field}[${index}].ports[${i}]`, ref, problems))
          .filter((p): p is CompiledPort => p !== undefined)
        : 'all';
    const hasNamedPorts = ports !== 'all' && ports.some((p) => p.kind === 'named');
    return { index, peers, ports, hasNamedPorts };
  });
}

/**
 * The directions a policy isolates, with the API server's defaulting applied: `policyTypes` when
 * given; otherwise `Ingress`, plus `Egress` when `spec.egress` has at least one rule.
 */
export function effectivePolicyTypes(policy: Pick<NetworkPolicy, 'spec'>): { ingress: boolean; egress: boolean } {
  const types = policy.spec?.policyTypes;
  if (Array.isArray(types) && types.length > 0) return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
  return { ingress: true, egress: Array.isArray(policy.spec?.egress) && policy.spec.egress.length > 0 };
}

/** Compiles one NetworkPolicy. `defaultNamespace` applies when the object has none. */
export function compileNetworkPolicy(policy: NetworkPolicy, id: number, defaultNamespace: string, problems: PolicyProblem[]): CompiledPolicy {
  const namespace = policy.metadata?.namespace ?? defaultNamespace;
  const name = policy.metadata?.name ?? '<unnamed>';
  const ref = `${namespace}/${name}`;
  const spec = policy.spec ?? ({} as NetworkPolicy['spec']);
  if (!spec.podSelector) problems.push({ policy: ref, field: 'spec.podSelector', message: 'required field is missing (treated as {})' });
  const types = effectivePolicyTypes(policy);
  return {
    id,
    ref,
    namespace,
    name,
    podSelector: compileSelector(spec.podSelector as LabelSelector | undefined),
    ingress: types.ingress ? compileRules(spec.ingress, 'from', namespace, 'spec.ingress', ref, problems) : undefined,
    egress: types.egress ? compileRules(spec.egress, 'to', namespace, 'spec.egress', ref, problems) : undefined,
    source: policy,
  };
}

/** Does the peer select the subject? `namespaceLabels` gives a namespace's labels (with `kubernetes.io/metadata.name`). */
export function peerMatches(peer: CompiledPeer, subject: PolicySubject, namespaceLabels: (ns: string) => Labels): boolean {
  switch (peer.kind) {
    case 'ip':
      return blockAdmits(peer.ipBlock!, subject.ranges);
    case 'pods': {
      if (!subject.isPod || subject.namespace === undefined) return false;
      if (peer.namespaceSelector) {
        if (!peer.namespaceSelector.matches(namespaceLabels(subject.namespace))) return false;
      } else if (subject.namespace !== peer.policyNamespace) {
        return false;
      }
      return peer.podSelector ? peer.podSelector.matches(subject.labels) : true;
    }
    default:
      return false;
  }
}

/** Does one compiled port admit `port`/`protocol` on the destination (named ports resolve against its container ports)? */
export function portMatches(p: CompiledPort, destinationPorts: readonly PortInfo[], port: number, protocol: L4Protocol): boolean {
  if (p.protocol !== protocol) return false;
  switch (p.kind) {
    case 'any':
      return true;
    case 'range':
      return port >= p.first! && port <= p.last!;
    case 'named':
      return destinationPorts.some((c) => c.name === p.name && c.protocol === protocol && c.port === port);
    default:
      return false;
  }
}

/** Do the rule's ports admit the port? */
export function rulePortsMatch(rule: CompiledRule, destinationPorts: readonly PortInfo[], port: number, protocol: L4Protocol): boolean {
  return rule.ports === 'all' || rule.ports.some((p) => portMatches(p, destinationPorts, port, protocol));
}

/** Does the rule admit the peer? */
export function rulePeersMatch(rule: CompiledRule, peer: PolicySubject, namespaceLabels: (ns: string) => Labels): boolean {
  return rule.peers === 'all' || rule.peers.some((p) => peerMatches(p, peer, namespaceLabels));
}

/** The verdict of one side (egress at the source, or ingress at the destination). */
export interface SideVerdict {
  /** True when some policy of this direction selects the pod (otherwise everything is allowed). */
  readonly isolated: boolean;
  /** True when the side lets the connection through. */
  readonly allowed: boolean;
  /** The policies of this direction that select the pod (`namespace/name`). */
  readonly isolatingPolicies: string[];
  /** Those with a rule admitting the connection. */
  readonly allowingPolicies: string[];
}

/** Policies of a direction that select a pod. */
export function selectingPolicies(policies: readonly CompiledPolicy[], pod: PolicySubject, direction: 'ingress' | 'egress'): CompiledPolicy[] {
  if (!pod.isPod || pod.namespace === undefined) return [];
  return policies.filter((p) => p.namespace === pod.namespace && p[direction] !== undefined && p.podSelector.matches(pod.labels));
}

/**
 * Evaluates one connection `source -> destination:port/protocol` against a set of policies, on both
 * ends. This is the reference implementation: simple and exact; the analyzer's bulk engine must
 * agree with it (a test checks that).
 */
export function evaluateNetworkPolicyConnection(
  policies: readonly CompiledPolicy[],
  source: PolicySubject,
  destination: PolicySubject,
  port: number,
  protocol: L4Protocol,
  namespaceLabels: (ns: string) => Labels,
): { egress: SideVerdict; ingress: SideVerdict; allowed: boolean } {
  // an address endpoint with several ranges may connect from (or be reached at) any of them: each must pass
  const split = (s: PolicySubject): PolicySubject[] => (!s.isPod && s.ranges.length > 1 ? s.ranges.map((r) => ({ ...s, ranges: [r] })) : [s]);
  const sources = split(source);
  const destinations = split(destination);
  if (sources.length > 1 || destinations.length > 1) {
    const all = sources.flatMap((s) => destinations.map((d) => evaluateNetworkPolicyConnection(policies, s, d, port, protocol, namespaceLabels)));
    const merge = (vs: SideVerdict[]): SideVerdict => ({
      isolated: vs.some((v) => v.isolated),
      allowed: vs.every((v) => v.allowed),
      isolatingPolicies: [...new Set(vs.flatMap((v) => v.isolatingPolicies))],
      allowingPolicies: [...new Set(vs.flatMap((v) => v.allowingPolicies))],
    });
    const egress = merge(all.map((a) => a.egress));
    const ingress = merge(all.map((a) => a.ingress));
    return { egress, ingress, allowed: egress.allowed && ingress.allowed };
  }
  const egressPolicies = selectingPolicies(policies, source, 'egress');
  const egressAllowing = egressPolicies.filter((p) =>
    p.egress!.some((r) => rulePortsMatch(r, destination.ports, port, protocol) && rulePeersMatch(r, destination, namespaceLabels)),
  );
  const ingressPolicies = selectingPolicies(policies, destination, 'ingress');
  const ingressAllowing = ingressPolicies.filter((p) =>
    p.ingress!.some((r) => rulePortsMatch(r, destination.ports, port, protocol) && rulePeersMatch(r, source, namespaceLabels)),
  );
  const egress: SideVerdict = {
    isolated: egressPolicies.length > 0,
    allowed: egressPolicies.length === 0 || egressAllowing.length > 0,
    isolatingPolicies: egressPolicies.map((p) => p.ref),
    allowingPolicies: egressAllowing.map((p) => p.ref),
  };
  const ingress: SideVerdict = {
    isolated: ingressPolicies.length > 0,
    allowed: ingressPolicies.length === 0 || ingressAllowing.length > 0,
    isolatingPolicies: ingressPolicies.map((p) => p.ref),
    allowingPolicies: ingressAllowing.map((p) => p.ref),
  };
  return { egress, ingress, allowed: egress.allowed && ingress.allowed };
}
