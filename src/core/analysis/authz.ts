/**
 * Linkerd authorization on top of NetworkPolicy, for one connection to a meshed pod:
 *
 * 1. The port must be one the proxy handles (not in `config.linkerd.io/skip-inbound-ports` nor the
 *    proxy's own ports) on a meshed destination; otherwise Linkerd does not decide.
 * 2. A `Server` of the destination's namespace whose `podSelector` selects the pod and whose `port`
 *    (number, or container port name) is the connection's port governs it. Then the connection is
 *    allowed when some `AuthorizationPolicy` targeting that Server (or the namespace, or an
 *    HTTPRoute of the Server) has all its `requiredAuthenticationRefs` satisfied:
 *    `MeshTLSAuthentication` (the client is meshed and its identity matches `identities` or
 *    `identityRefs`), `NetworkAuthentication` (the client address is inside `networks`),
 *    `ServiceAccount` (the meshed client runs as it). Otherwise the Server's `accessPolicy`
 *    (default `deny`) decides.
 * 3. Without a Server, the default inbound policy decides: the pod's
 *    `config.linkerd.io/default-inbound-policy` annotation, else the namespace's, else the
 *    cluster's (`MeshInfo.defaultInboundPolicy`, `all-unauthenticated` by default).
 *
 * Client addresses: a pod whose IP is unknown is assumed to be inside the cluster networks.
 */
import { PROXY_PORTS } from '../constants';
import { blockAdmits, IpRange, parseIpBlock, parseRange } from './ip';
import type { AddressEndpoint, ClusterModel, PodClass } from './model';
import { inPortRanges } from './model';
import { compileSelector, compareText } from '../selectors';


/** Linkerd's decision for one connection. */
export interface AuthorizationVerdict {
  /** False when Linkerd does not decide (unmeshed destination, skipped or proxy port, non-TCP). */
  readonly applies: boolean;
  /** True when Linkerd lets the connection through (always true when it does not apply). */
  readonly allowed: boolean;
  /** The Server governing the port (`namespace/name`), when one does. */
  readonly server?: string;
  /** AuthorizationPolicies that admit the client (`namespace/name`). */
  readonly admittedBy: readonly string[];
  /** The default or access policy that decided, when no AuthorizationPolicy did. */
  readonly defaultPolicy?: string;
  /** One sentence explaining the decision. */
  readonly reason: string;
}

type Client = PodClass | AddressEndpoint;

function asRecord(v: unknown): Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, any>) : {};
}

function clientIdentity(model: ClusterModel, client: Client): string | undefined {
  if (!client.meshed) return undefined;
  if (client.isPod) return `${client.serviceAccount}.${client.namespace}.serviceaccount.identity.${model.mesh.namespace}.${model.mesh.trustDomain}`;
  return client.identity;
}

function clientRanges(model: ClusterModel, client: Client): { ranges: readonly IpRange[]; assumed: boolean } {
  if (client.ranges.length > 0) return { ranges: client.ranges, assumed: false };
  if (client.isPod) {
    return { ranges: model.mesh.clusterNetworks.map((c) => parseRange(c)).filter((r): r is IpRange => r !== undefined), assumed: true };
  }
  return { ranges: [], assumed: true };
}

function inClusterNetworks(model: ClusterModel, client: Client): boolean {
  if (client.isPod && client.ranges.length === 0) return true;
  const nets = model.mesh.clusterNetworks.map((c) => parseIpBlock({ cidr: c })).filter((b) => b !== undefined);
  return client.ranges.length > 0 && client.ranges.every((r) => nets.some((b) => blockAdmits(b!, [r])));
}

function identityMatches(pattern: string, identity: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return identity.endsWith(pattern.slice(1));
  return pattern === identity;
}

/** Evaluates a default (or Server access) policy for a client. */
export function defaultPolicyAdmits(model: ClusterModel, policy: string, client: Client): boolean {
  switch (policy) {
    case 'all-unauthenticated':
    case 'audit':
      return true;
    case 'all-authenticated':
      return client.meshed;
    case 'cluster-unauthenticated':
      return inClusterNetworks(model, client);
    case 'cluster-authenticated':
      return client.meshed && inClusterNetworks(model, client);
    default:
      return false;
  }
}

function find(list: readonly Record<string, any>[], ns: string, name: string): Record<string, any> | undefined {
  return list.find((o) => o.metadata?.namespace === ns && o.metadata?.name === name);
}

/** Does one `requiredAuthenticationRefs` entry admit the client? Returns a reason when it does not. */
function authenticationAdmits(model: ClusterModel, ref: Record<string, any>, policyNs: string, client: Client): string | undefined {
  const kind = String(ref.kind ?? '');
  const ns = String(ref.namespace ?? policyNs);
  const name = String(ref.name ?? '');
  const identity = clientIdentity(model, client);
  if (kind === 'MeshTLSAuthentication') {
    const mta = find(model.linkerd.meshTLSAuthentications, ns, name);
    if (!mta) return `MeshTLSAuthentication ${ns}/${name} is not in the manifests`;
    if (!identity) return `MeshTLSAuthentication ${ns}/${name} needs a meshed client`;
    const spec = asRecord(mta.spec);
    const ids: string[] = Array.isArray(spec.identities) ? spec.identities.map(String) : [];
    if (ids.some((p) => identityMatches(p, identity))) return undefined;
    for (const r of Array.isArray(spec.identityRefs) ? spec.identityRefs.map(asRecord) : []) {
      const rns = String(r.namespace ?? ns);
      if (r.kind === 'ServiceAccount') {
        if (!client.isPod) continue;
        if (client.namespace === rns && (r.name === undefined || r.name === '*' || r.name === client.serviceAccount)) return undefined;
      } else if (r.kind === 'Namespace') {
        if (client.isPod && client.namespace === String(r.name)) return undefined;
      }
    }
    return `MeshTLSAuthentication ${ns}/${name} does not list the identity ${identity}`;
  }
  if (kind === 'NetworkAuthentication') {
    const na = find(model.linkerd.networkAuthentications, ns, name);
    if (!na) return `NetworkAuthentication ${ns}/${name} is not in the manifests`;
    const { ranges } = clientRanges(model, client);
    const networks = asRecord(na.spec).networks;
    const nets = (Array.isArray(networks) ? networks : []).map((n: any) => parseIpBlock(asRecord(n) as { cidr: string }));
    if (ranges.length > 0 && nets.some((b: any) => b && blockAdmits(b, ranges))) return undefined;
    return `NetworkAuthentication ${ns}/${name} does not cover the client's address`;
  }
  if (kind === 'ServiceAccount') {
    if (client.isPod && client.meshed && client.namespace === ns && client.serviceAccount === name) return undefined;
    return `the client is not the meshed ServiceAccount ${ns}/${name}`;
  }
  return `authentication kind ${kind} is not understood`;
}

/** The Server governing `port` of a pod class, if any (the first by name when several claim it). */
export function serverFor(model: ClusterModel, dst: PodClass, port: number): Record<string, any> | undefined {
  return model.linkerd.servers
    .filter((s) => s.metadata?.namespace === dst.namespace)
    .filter((s) => {
      const spec = asRecord(s.spec);
      if (!spec.podSelector) return false;
      if (!compileSelector(spec.podSelector).matches(dst.labels)) return false;
      const p = spec.port;
      if (typeof p === 'number') return p === port;
      return dst.ports.some((c) => c.name === p && c.port === port && c.protocol === 'TCP');
    })
    .sort((a, b) => compareText(String(a.metadata.name), String(b.metadata.name)))[0];
}

/** Evaluates Linkerd authorization for `client -> dst:port` (the application port, before 4143). */
export function evaluateAuthorization(model: ClusterModel, client: Client, dst: PodClass, port: number, protocol: string): AuthorizationVerdict {
  if (!dst.meshed) return { applies: false, allowed: true, admittedBy: [], reason: `${dst.ref} is not meshed: Linkerd does not authorize its traffic` };
  if (protocol !== 'TCP') return { applies: false, allowed: true, admittedBy: [], reason: `the proxy only handles TCP; ${protocol} bypasses it` };
  if (port === PROXY_PORTS.admin || port === PROXY_PORTS.control || port === PROXY_PORTS.inbound) {
    return { applies: false, allowed: true, admittedBy: [], reason: `port ${port} is the proxy's own; its authorization is not evaluated here` };
  }
  if (inPortRanges(dst.skipInboundPorts, port)) {
    return { applies: false, allowed: true, admittedBy: [], reason: `port ${port} is skipped by the proxy (skip-inbound-ports): Linkerd does not authorize it` };
  }
  const server = serverFor(model, dst, port);
  if (server) {
    const sns = String(server.metadata.namespace);
    const sname = String(server.metadata.name);
    const routes = model.linkerd.httpRoutes.filter(
      (r) => r.metadata?.namespace === sns && (Array.isArray(asRecord(r.spec).parentRefs) ? asRecord(r.spec).parentRefs : []).some((p: any) => asRecord(p).kind === 'Server' && asRecord(p).name === sname),
    );
    const targeting = model.linkerd.authorizationPolicies.filter((a) => {
      if (a.metadata?.namespace !== sns) return false;
      const t = asRecord(asRecord(a.spec).targetRef);
      if (t.kind === 'Server') return t.name === sname;
      if (t.kind === 'Namespace') return t.name === sns;
      if (t.kind === 'HTTPRoute' || t.kind === 'GRPCRoute') return routes.some((r) => r.metadata.name === t.name);
      return false;
    });
    const admittedBy: string[] = [];
    const refusals: string[] = [];
    for (const a of targeting) {
      const refs = Array.isArray(asRecord(a.spec).requiredAuthenticationRefs) ? asRecord(a.spec).requiredAuthenticationRefs.map(asRecord) : [];
      const failures = refs
        .map((r: Record<string, any>) => authenticationAdmits(model, r, sns, client))
        .filter((x: string | undefined): x is string => x !== undefined);
      if (failures.length === 0) admittedBy.push(`${sns}/${a.metadata.name}`);
      else refusals.push(`AuthorizationPolicy ${sns}/${a.metadata.name}: ${failures[0]}`);
    }
    if (admittedBy.length > 0) {
      return { applies: true, allowed: true, server: `${sns}/${sname}`, admittedBy, reason: `Server ${sns}/${sname} governs port ${port}; AuthorizationPolicy ${admittedBy.join(', ')} admits the client` };
    }
    const access = String(asRecord(server.spec).accessPolicy ?? 'deny');
    const ok = defaultPolicyAdmits(model, access, client);
    const why = refusals.length > 0 ? refusals.join('; ') : 'no AuthorizationPolicy targets it';
    return {
      applies: true,
      allowed: ok,
      server: `${sns}/${sname}`,
      admittedBy: [],
      defaultPolicy: access,
      reason: `Server ${sns}/${sname} governs port ${port}; ${why}; its accessPolicy "${access}" ${ok ? 'admits' : 'refuses'} the client`,
    };
  }
  const nsAnnotation = model.namespaces.get(dst.namespace)?.annotations['config.linkerd.io/default-inbound-policy'];
  const policy = dst.defaultInboundPolicy ?? model.mesh.defaultInboundPolicy;
  const from = dst.defaultInboundPolicy !== undefined ? (nsAnnotation === dst.defaultInboundPolicy ? 'the namespace or pod annotation' : 'the pod annotation') : 'the cluster default';
  const ok = defaultPolicyAdmits(model, policy, client);
  return {
    applies: true,
    allowed: ok,
    admittedBy: [],
    defaultPolicy: policy,
    reason: `no Server governs port ${port}; the default inbound policy "${policy}" (from ${from}) ${ok ? 'admits' : 'refuses'} the client${!client.meshed && policy.endsWith('-authenticated') ? ' (it is not meshed)' : ''}`,
  };
}
