/**
 * The one builder of `MeshAuthorization`: props in, Linkerd policy objects out. The cdk8s construct
 * and the Pulumi component both call {@link meshAuthorizationObjects} (and, for rules added after
 * construction in cdk8s, {@link allowObjects} / {@link routeObjects}).
 *
 * What "deny by default" means here: a `Server` makes Linkerd deny every connection to its port that
 * no authorization admits (`spec.accessPolicy: deny`, written explicitly). The
 * `config.linkerd.io/default-inbound-policy` annotation is not put on the Server (Linkerd reads it only
 * from pods and namespaces, where it governs ports no Server selects): use
 * {@link annotateDefaultInboundPolicy} on the namespace or the workload for that.
 */
import { DEFAULT_INBOUND_POLICIES, type DefaultInboundPolicy } from '../constants';
import { LINKERD_CRDS } from '../crds';
import type { AuthorizationPolicy } from '../crds/authorization-policy';
import type { HTTPLocalRateLimitPolicy } from '../crds/http-local-rate-limit-policy';
import type { HTTPRoute, HTTPRouteSpecRulesMatches } from '../crds/http-route';
import type { MeshTLSAuthentication, MeshTLSAuthenticationSpecIdentityRefs } from '../crds/mesh-tls-authentication';
import type { NetworkAuthentication } from '../crds/network-authentication';
import type { Server } from '../crds/server';
import type { ServerAuthorization, ServerAuthorizationSpecClient } from '../crds/server-authorization';
import { Issues, type ValidationIssue } from '../errors';
import { kubeObject, type KubeObject, type LabelSelector, type ObjectMeta } from '../k8s';
import {
  checkLabels,
  checkOneOf,
  DNS1123_LABEL_RULE,
  isDns1123Label,
  isPort,
  PORT_RULE,
} from '../validation';
import { deriveName, slug } from './names';
import { groupSources, normalizeSource, sourceContext, type NormalizedSource, type SourceContext, type SourceGroup } from './sources';
import {
  HTTP_METHODS,
  PROXY_PROTOCOLS,
  type AuthorizationSourceLike,
  type HttpRateLimit,
  type HttpRequestMatch,
  type MeshAuthorizationProps,
  type ProxyProtocol,
  type RouteAuthorization,
} from './types';
import { checkWorkloadPort, resolveWorkload, type ResolvedWorkload } from './workload';

/** `policy.linkerd.io/v1beta1` Server, emitted with `legacyServerAuthorization` (no `accessPolicy`, pods only). */
export interface LegacyServer {
  apiVersion: 'policy.linkerd.io/v1beta1';
  kind: 'Server';
  metadata: ObjectMeta;
  spec: { podSelector: LabelSelector; port: number | string; proxyProtocol?: string };
}

/** Everything the object builders need about the governed port, resolved and validated once. */
export interface ServerContext extends SourceContext {
  /** Construct path or component name, for messages. */
  readonly scope: string;
  /** Name of the `Server`. */
  readonly serverName: string;
  /** The governed workload. */
  readonly workload: ResolvedWorkload;
  /** The port (number or name). */
  readonly port: number | string;
  /** The protocol, when set. */
  readonly protocol?: ProxyProtocol;
  /** What the Server does with connections no rule admits. */
  readonly accessPolicy: DefaultInboundPolicy;
  /** Emit `ServerAuthorization` (and a `v1beta1` Server) instead of `AuthorizationPolicy`. */
  readonly legacy: boolean;
  /** Labels of every emitted object. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** What {@link meshAuthorizationObjects} returns. */
export interface MeshAuthorizationManifest {
  /** The resolved port and workload. */
  readonly context: ServerContext;
  /** Every object, the `Server` first. */
  readonly objects: KubeObject[];
  /** How many rules (groups of sources) admit someone. */
  readonly ruleCount: number;
  /** Warnings (printed by the constructs, never thrown). */
  readonly warnings: ValidationIssue[];
}

/** Options of {@link meshAuthorizationObjects}. */
export interface MeshAuthorizationBuildOptions {
  /**
   * Skip the "admits nothing" check (cdk8s runs it at synthesis, after rules added with
   * `allowFrom()` / `addRoute()`).
   *
   * @default false
   */
  readonly deferEmptyCheck?: boolean;
}

const POLICY_GROUP = LINKERD_CRDS.Server.group;
const oneOfRule = (values: readonly string[]) => `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
const PROTOCOL_RULE = oneOfRule(PROXY_PROTOCOLS);
const ACCESS_POLICY_RULE = oneOfRule(DEFAULT_INBOUND_POLICIES);
const HTTP_PROTOCOLS: readonly ProxyProtocol[] = ['unknown', 'HTTP/1', 'HTTP/2', 'gRPC'];
const HEADER_NAME_RE = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const LEGACY_IDENTITY_RE = /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A policy object (metadata is already clean: name, namespace, labels when any). */
function policyObject<T extends KubeObject>(apiVersion: string, kind: string, metadata: ObjectMeta, spec: unknown): T {
  return { apiVersion, kind, metadata, spec } as unknown as T;
}

function meta(ctx: ServerContext, name: string): ObjectMeta {
  return ctx.labels ? { name, namespace: ctx.namespace, labels: { ...ctx.labels } } : { name, namespace: ctx.namespace };
}

function defaultServerName(workload: ResolvedWorkload, port: number | string): string | undefined {
  return workload.name ? deriveName(workload.name, String(port)) : undefined;
}

/**
 * Validates the port-level props and resolves the workload. Records issues and returns `undefined`
 * when the Server cannot be built.
 */
export function resolveServerContext(props: MeshAuthorizationProps, scope: string, issues: Issues): ServerContext | undefined {
  const workload = resolveWorkload(props.workload, issues);
  const namespace = props.namespace ?? workload?.namespace;
  if (props.namespace !== undefined && workload?.namespace !== undefined && props.namespace !== workload.namespace) {
    issues.error('namespace', props.namespace, `expected the namespace of ${workload.description} ("${workload.namespace}"): a Server only selects workloads of its own namespace`);
  } else if (namespace === undefined) {
    issues.error('namespace', undefined, 'expected the namespace of the workload (it carries none: pass namespace)');
  } else {
    issues.check(isDns1123Label(namespace), 'namespace', namespace, DNS1123_LABEL_RULE);
  }
  if (issues.check(isPort(props.port), 'port', props.port, PORT_RULE) && workload) checkWorkloadPort(workload, props.port, issues);
  if (props.protocol !== undefined) issues.check(PROXY_PROTOCOLS.includes(props.protocol), 'protocol', props.protocol, PROTOCOL_RULE);
  const accessPolicy = props.accessPolicy ?? 'deny';
  issues.check(DEFAULT_INBOUND_POLICIES.includes(accessPolicy), 'accessPolicy', accessPolicy, ACCESS_POLICY_RULE);
  if (props.labels) checkLabels(issues, 'labels', props.labels as Record<string, unknown>);
  const legacy = props.legacyServerAuthorization === true;
  if (legacy) {
    if (accessPolicy !== 'deny') {
      issues.error('accessPolicy', accessPolicy, 'expected "deny" with legacyServerAuthorization (a v1beta1 Server always denies what no ServerAuthorization admits)');
    }
    if (workload?.selectorKind === 'externalWorkload') {
      issues.error('workload', workload.description, 'expected pods with legacyServerAuthorization (a v1beta1 Server has no externalWorkloadSelector)');
    }
  }
  let serverName = props.name;
  if (serverName === undefined && workload) {
    serverName = defaultServerName(workload, props.port);
    if (serverName === undefined) {
      issues.error('name', undefined, `expected a Server name: ${workload.description} has no name to derive one from (no "app.kubernetes.io/name" or "app" label)`);
    }
  } else if (serverName !== undefined) {
    issues.check(isDns1123Label(serverName), 'name', serverName, DNS1123_LABEL_RULE);
  }
  if (!workload || namespace === undefined || serverName === undefined || issues.errors.length > 0) return undefined;
  const sc = sourceContext(namespace, props.mesh);
  return {
    namespace: sc.namespace,
    trustDomain: sc.trustDomain,
    controlPlaneNamespace: sc.controlPlaneNamespace,
    scope,
    serverName,
    workload,
    port: props.port,
    protocol: props.protocol,
    accessPolicy,
    legacy,
    labels: props.labels,
  };
}

/** The `Server` (v1beta3; v1beta1 with `legacyServerAuthorization`). */
export function serverObject(ctx: ServerContext): (Server | LegacyServer) & KubeObject {
  const metadata = meta(ctx, ctx.serverName);
  if (ctx.legacy) {
    const legacySpec: LegacyServer['spec'] = { podSelector: ctx.workload.selector, port: ctx.port };
    if (ctx.protocol !== undefined) legacySpec.proxyProtocol = ctx.protocol;
    return policyObject('policy.linkerd.io/v1beta1', 'Server', metadata, legacySpec);
  }
  const spec: Server['spec'] =
    ctx.workload.selectorKind === 'pod'
      ? { accessPolicy: ctx.accessPolicy, podSelector: ctx.workload.selector, port: ctx.port }
      : { accessPolicy: ctx.accessPolicy, externalWorkloadSelector: ctx.workload.selector, port: ctx.port };
  if (ctx.protocol !== undefined) spec.proxyProtocol = ctx.protocol;
  return policyObject(LINKERD_CRDS.Server.apiVersion, 'Server', metadata, spec);
}

/** Validates and groups sources; records issues under `field`. */
function sourceGroups(ctx: ServerContext, sources: readonly AuthorizationSourceLike[] | undefined, field: string, issues: Issues): SourceGroup[] {
  if (!Array.isArray(sources) || sources.length === 0) {
    issues.error(field, sources, 'expected at least one source: an empty rule admits no one, so Linkerd would deny every request it covers');
    return [];
  }
  const normalized = sources
    .map((s, i) => normalizeSource(s, `${field}[${i}]`, ctx, issues))
    .filter((s): s is NormalizedSource => s !== undefined);
  return normalized.length === sources.length ? groupSources(normalized) : [];
}

function identityRefsOf(ctx: ServerContext, group: SourceGroup): MeshTLSAuthenticationSpecIdentityRefs[] | undefined {
  if (group.identities.length === 0 || !group.identities.every((i) => i.ref)) return undefined;
  return group.identities.map((i) => {
    const ref = i.ref!;
    if (ref.kind === 'Namespace') return { kind: 'Namespace', name: ref.name };
    return ref.namespace === ctx.namespace ? { kind: 'ServiceAccount', name: ref.name } : { kind: 'ServiceAccount', name: ref.name, namespace: ref.namespace };
  });
}

type TargetRef = { group: string; kind: 'Server' | 'HTTPRoute'; name: string };

function authorizationObjects(ctx: ServerContext, group: SourceGroup, base: string, target: TargetRef): KubeObject[] {
  const objects: KubeObject[] = [];
  const refs: AuthorizationPolicy['spec']['requiredAuthenticationRefs'] = [];
  if (group.identities.length > 0) {
    const name = deriveName(base, 'mtls');
    const identityRefs = identityRefsOf(ctx, group);
    const spec = identityRefs ? { identityRefs } : { identities: group.identities.map((i) => i.text) };
    objects.push(policyObject<MeshTLSAuthentication & KubeObject>(LINKERD_CRDS.MeshTLSAuthentication.apiVersion, 'MeshTLSAuthentication', meta(ctx, name), spec));
    refs.push({ group: POLICY_GROUP, kind: 'MeshTLSAuthentication', name });
  }
  if (group.networks) {
    const name = deriveName(base, 'net');
    objects.push(
      policyObject<NetworkAuthentication & KubeObject>(LINKERD_CRDS.NetworkAuthentication.apiVersion, 'NetworkAuthentication', meta(ctx, name), {
        networks: group.networks.map((n) => (n.except ? { cidr: n.cidr, except: [...n.except] } : { cidr: n.cidr })),
      }),
    );
    refs.push({ group: POLICY_GROUP, kind: 'NetworkAuthentication', name });
  }
  objects.push(
    policyObject<AuthorizationPolicy & KubeObject>(LINKERD_CRDS.AuthorizationPolicy.apiVersion, 'AuthorizationPolicy', meta(ctx, base), {
      targetRef: { group: target.group, kind: target.kind, name: target.name },
      requiredAuthenticationRefs: refs,
    }),
  );
  return objects;
}

function legacyAuthorizationObject(ctx: ServerContext, group: SourceGroup, base: string, field: string, issues: Issues): KubeObject | undefined {
  const client: ServerAuthorizationSpecClient = {};
  if (group.identities.length === 0) {
    client.unauthenticated = true;
  } else if (group.identities.every((i) => i.ref?.kind === 'ServiceAccount')) {
    client.meshTLS = {
      serviceAccounts: group.identities.map((i) => {
        const ref = i.ref as { name: string; namespace: string };
        return ref.namespace === ctx.namespace ? { name: ref.name } : { name: ref.name, namespace: ref.namespace };
      }),
    };
  } else {
    const bad = group.identities.find((i) => !LEGACY_IDENTITY_RE.test(i.text));
    if (bad) {
      issues.error(field, bad.text, 'expected a Linkerd identity (ServerAuthorization cannot express SPIFFE ids): drop legacyServerAuthorization to admit it with a MeshTLSAuthentication');
      return undefined;
    }
    client.meshTLS = { identities: group.identities.map((i) => i.text) };
  }
  if (group.networks) client.networks = group.networks.map((n) => (n.except ? { cidr: n.cidr, except: [...n.except] } : { cidr: n.cidr }));
  return kubeObject<ServerAuthorization & KubeObject>(LINKERD_CRDS.ServerAuthorization.apiVersion, 'ServerAuthorization', meta(ctx, base), {
    spec: { server: { name: ctx.serverName }, client },
  });
}

/**
 * The objects admitting `sources` to every request on the port: per group of sources, an
 * `AuthorizationPolicy` targeting the Server with its `MeshTLSAuthentication` and/or
 * `NetworkAuthentication` (or one `ServerAuthorization` with `legacyServerAuthorization`).
 */
export function allowObjects(
  ctx: ServerContext,
  sources: readonly AuthorizationSourceLike[] | undefined,
  field: string,
  issues: Issues,
): KubeObject[] {
  const groups = sourceGroups(ctx, sources, field, issues);
  const out: KubeObject[] = [];
  for (const g of groups) {
    const base = deriveName(ctx.serverName, g.label);
    if (ctx.legacy) {
      const obj = legacyAuthorizationObject(ctx, g, base, field, issues);
      if (obj) out.push(obj);
    } else {
      out.push(...authorizationObjects(ctx, g, base, { group: POLICY_GROUP, kind: 'Server', name: ctx.serverName }));
    }
  }
  return out;
}

function checkMatch(m: HttpRequestMatch, field: string, issues: Issues): HTTPRouteSpecRulesMatches | undefined {
  if (m === null || typeof m !== 'object') {
    issues.error(field, m, 'expected a match { path | pathPrefix | pathRegex, method, headers }');
    return undefined;
  }
  const paths = (['path', 'pathPrefix', 'pathRegex'] as const).filter((k) => m[k] !== undefined);
  let ok = issues.check(paths.length <= 1, field, m, `expected at most one of path, pathPrefix and pathRegex, got ${paths.join(' and ')}`);
  const headers = Object.entries(m.headers ?? {});
  if (paths.length === 0 && m.method === undefined && headers.length === 0) {
    issues.error(field, m, 'expected at least one of path, pathPrefix, pathRegex, method and headers (use pathPrefix: "/" to match every request)');
    return undefined;
  }
  const out: HTTPRouteSpecRulesMatches = {};
  for (const k of paths) {
    const v = m[k]!;
    if (k === 'pathRegex') {
      let compiles = typeof v === 'string' && v.length > 0;
      try {
        if (compiles) new RegExp(v);
      } catch {
        compiles = false;
      }
      ok = issues.check(compiles, `${field}.pathRegex`, v, 'expected a valid regular expression') && ok;
    } else {
      ok = issues.check(typeof v === 'string' && v.startsWith('/') && v.length <= 1024, `${field}.${k}`, v, 'expected an absolute path starting with "/" (at most 1024 characters)') && ok;
    }
    out.path = { type: k === 'path' ? 'Exact' : k === 'pathPrefix' ? 'PathPrefix' : 'RegularExpression', value: v };
  }
  if (m.method !== undefined) {
    ok = checkOneOf(issues, `${field}.method`, m.method, HTTP_METHODS) && ok;
    out.method = m.method;
  }
  if (headers.length > 0) {
    for (const [name, value] of headers) {
      ok = issues.check(HEADER_NAME_RE.test(name) && name.length <= 256, `${field}.headers key`, name, 'expected an HTTP header name (token characters, at most 256)') && ok;
      ok = issues.check(typeof value === 'string' && value.length >= 1 && value.length <= 4096, `${field}.headers["${name}"]`, value, 'expected a header value of 1 to 4096 characters') && ok;
    }
    ok = issues.check(headers.length <= 16, `${field}.headers`, headers.length, 'expected at most 16 headers') && ok;
    out.headers = headers.map(([name, value]) => ({ name, value }));
  }
  return ok ? out : undefined;
}

/** The default name of a route: `<server>-<method>-<path>` from its first match. */
export function defaultRouteName(serverName: string, route: RouteAuthorization): string {
  const first = route.matches?.[0] ?? {};
  const path = first.path ?? first.pathPrefix;
  const pathPart = path !== undefined ? slug(path) || 'root' : first.pathRegex !== undefined ? 'regex' : '';
  const headerPart = path === undefined && first.pathRegex === undefined ? Object.keys(first.headers ?? {}).join('-') : '';
  return deriveName(serverName, first.method ?? '', pathPart, headerPart);
}

/**
 * Port-wide rules on routes. Linkerd matches each request of a port that has `HTTPRoute`s to one
 * route and authorizes it with that route's policies, so a port-wide rule (an `AuthorizationPolicy`
 * targeting the Server) is also attached to every route: one more `AuthorizationPolicy` per route and
 * port-wide rule, targeting the route and requiring the same authentications. Returns the policies
 * to add for the Server-targeting policies and routes found in `from` (names already in `existing`
 * are skipped).
 */
export function portWideOnRoutes(ctx: ServerContext, from: readonly KubeObject[], existing: readonly KubeObject[]): KubeObject[] {
  const routes: string[] = [];
  const serverPolicies: AuthorizationPolicy[] = [];
  for (const o of from) {
    if (o.kind === 'HTTPRoute') {routes.push(o.metadata.name!);} else if (o.kind === 'AuthorizationPolicy') {
      const policy = o as unknown as AuthorizationPolicy;
      if (policy.spec.targetRef.kind === 'Server') serverPolicies.push(policy);
    }
  }
  return routeCopies(ctx, routes, serverPolicies, existing);
}

/** The route copies of port-wide policies: for every route, one policy per Server-targeting policy. */
export function routeCopies(
  ctx: ServerContext,
  routes: readonly string[],
  serverPolicies: readonly AuthorizationPolicy[],
  existing: readonly KubeObject[],
): KubeObject[] {
  if (routes.length === 0 || serverPolicies.length === 0) return [];
  const taken = new Set(existing.filter((o) => o.kind === 'AuthorizationPolicy').map((o) => o.metadata.name));
  const prefix = `${ctx.serverName}-`;
  const out: KubeObject[] = [];
  for (const route of routes) {
    for (const p of serverPolicies) {
      const pname = p.metadata.name!;
      const name = deriveName(route, pname.startsWith(prefix) ? pname.slice(prefix.length) : pname);
      // a route rule with the same sources already admits them
      if (taken.has(name)) continue;
      taken.add(name);
      out.push(
        policyObject<AuthorizationPolicy & KubeObject>(LINKERD_CRDS.AuthorizationPolicy.apiVersion, 'AuthorizationPolicy', meta(ctx, name), {
          targetRef: { group: POLICY_GROUP, kind: 'HTTPRoute', name: route },
          requiredAuthenticationRefs: p.spec.requiredAuthenticationRefs.map((r) => ({ ...r })),
        }),
      );
    }
  }
  return out;
}

/**
 * The objects of one route rule: an `HTTPRoute` whose parent is the Server and, per group of
 * sources, an `AuthorizationPolicy` targeting the route with its authentications.
 */
export function routeObjects(ctx: ServerContext, route: RouteAuthorization, field: string, issues: Issues): KubeObject[] {
  if (ctx.legacy) {
    issues.error(field, route.name ?? defaultRouteName(ctx.serverName, route), 'expected no routes with legacyServerAuthorization (ServerAuthorization applies to the whole port)');
    return [];
  }
  if (ctx.protocol !== undefined && !HTTP_PROTOCOLS.includes(ctx.protocol)) {
    issues.error(field, ctx.protocol, `expected protocol ${HTTP_PROTOCOLS.map((p) => `"${p}"`).join(', ')} for HTTP routes (a ${ctx.protocol} port carries no HTTP requests to match)`);
    return [];
  }
  const name = route.name ?? defaultRouteName(ctx.serverName, route);
  const nameOk = issues.check(isDns1123Label(name), route.name !== undefined ? `${field}.name` : `${field}.name (derived)`, name, DNS1123_LABEL_RULE);
  const matches = route.matches;
  if (!Array.isArray(matches) || matches.length === 0 || matches.length > 8) {
    issues.error(`${field}.matches`, matches, 'expected 1 to 8 request matches (a request matching any of them belongs to the route)');
    return [];
  }
  const specMatches = matches.map((m, i) => checkMatch(m, `${field}.matches[${i}]`, issues));
  const groups = sourceGroups(ctx, route.allow, `${field}.allow`, issues);
  if (!nameOk || specMatches.some((m) => m === undefined) || groups.length === 0) return [];
  const httpRoute = kubeObject<HTTPRoute & KubeObject>(LINKERD_CRDS.HTTPRoute.apiVersion, 'HTTPRoute', meta(ctx, name), {
    spec: {
      parentRefs: [{ group: POLICY_GROUP, kind: 'Server', name: ctx.serverName }],
      rules: [{ matches: specMatches as HTTPRouteSpecRulesMatches[] }],
    },
  });
  const out: KubeObject[] = [httpRoute];
  for (const g of groups) {
    out.push(...authorizationObjects(ctx, g, deriveName(name, g.label), { group: POLICY_GROUP, kind: 'HTTPRoute', name }));
  }
  return out;
}

function positiveInt(issues: Issues, field: string, value: unknown): boolean {
  return issues.check(typeof value === 'number' && Number.isInteger(value) && value > 0, field, value, 'expected a whole number of requests per second greater than 0');
}

/** The `HTTPLocalRateLimitPolicy` of the port. Records issues and returns `undefined` when invalid. */
export function rateLimitObject(ctx: ServerContext, rateLimit: HttpRateLimit, issues: Issues): KubeObject | undefined {
  const field = 'rateLimit';
  if (ctx.legacy) {
    issues.error(field, rateLimit, 'expected no rateLimit with legacyServerAuthorization (HTTPLocalRateLimitPolicy targets a v1beta3 Server)');
    return undefined;
  }
  if (ctx.protocol !== undefined && !HTTP_PROTOCOLS.includes(ctx.protocol)) {
    issues.error(field, ctx.protocol, `expected protocol ${HTTP_PROTOCOLS.map((p) => `"${p}"`).join(', ')} for a rate limit (Linkerd limits HTTP requests; a ${ctx.protocol} port has none)`);
    return undefined;
  }
  const { requestsPerSecond: total, perIdentityRequestsPerSecond: perIdentity, overrides = [] } = rateLimit ?? {};
  if (total === undefined && perIdentity === undefined && overrides.length === 0) {
    issues.error(field, rateLimit, 'expected at least one of requestsPerSecond, perIdentityRequestsPerSecond and overrides');
    return undefined;
  }
  let ok = true;
  if (total !== undefined) ok = positiveInt(issues, `${field}.requestsPerSecond`, total) && ok;
  if (perIdentity !== undefined) {
    ok = positiveInt(issues, `${field}.perIdentityRequestsPerSecond`, perIdentity) && ok;
    if (total !== undefined) ok = issues.check(perIdentity <= total, `${field}.perIdentityRequestsPerSecond`, perIdentity, `expected at most requestsPerSecond (${total})`) && ok;
  }
  const specOverrides = overrides.map((o, i) => {
    const at = `${field}.overrides[${i}]`;
    ok = positiveInt(issues, `${at}.requestsPerSecond`, o.requestsPerSecond) && ok;
    if (total !== undefined) ok = issues.check(o.requestsPerSecond <= total, `${at}.requestsPerSecond`, o.requestsPerSecond, `expected at most requestsPerSecond (${total})`) && ok;
    if (!Array.isArray(o.serviceAccounts) || o.serviceAccounts.length === 0) {
      ok = issues.check(false, `${at}.serviceAccounts`, o.serviceAccounts, 'expected at least one ServiceAccount') && ok;
    }
    const clientRefs = (o.serviceAccounts ?? []).map((sa, j) => {
      const name = typeof sa === 'string' ? sa : sa?.name;
      const namespace = typeof sa === 'string' ? undefined : sa?.namespace;
      ok = issues.check(isDns1123Label(name), `${at}.serviceAccounts[${j}]`, name, DNS1123_LABEL_RULE) && ok;
      if (namespace !== undefined) ok = issues.check(isDns1123Label(namespace), `${at}.serviceAccounts[${j}].namespace`, namespace, DNS1123_LABEL_RULE) && ok;
      return namespace !== undefined && namespace !== ctx.namespace ? { kind: 'ServiceAccount', name, namespace } : { kind: 'ServiceAccount', name };
    });
    return { requestsPerSecond: o.requestsPerSecond, clientRefs };
  });
  if (!ok) return undefined;
  const spec: HTTPLocalRateLimitPolicy['spec'] = { targetRef: { group: POLICY_GROUP, kind: 'Server', name: ctx.serverName } };
  if (total !== undefined) spec.total = { requestsPerSecond: total };
  if (perIdentity !== undefined) spec.identity = { requestsPerSecond: perIdentity };
  if (specOverrides.length > 0) spec.overrides = specOverrides as HTTPLocalRateLimitPolicy['spec']['overrides'];
  return kubeObject<HTTPLocalRateLimitPolicy & KubeObject>(LINKERD_CRDS.HTTPLocalRateLimitPolicy.apiVersion, 'HTTPLocalRateLimitPolicy', meta(ctx, deriveName(ctx.serverName, 'ratelimit')), {
    spec,
  });
}

/**
 * The error for a Server that admits no one: `accessPolicy: deny` and no rule. `undefined` when the
 * Server admits someone.
 */
export function admitsNothingIssue(ctx: ServerContext, ruleCount: number): ValidationIssue | undefined {
  if (ruleCount > 0 || ctx.accessPolicy !== 'deny') return undefined;
  return {
    scope: ctx.scope,
    field: 'allow',
    value: undefined,
    allowed: `expected at least one source in allow or routes[].allow: with accessPolicy "deny" and no rule, Server ${ctx.namespace}/${ctx.serverName} denies every connection to port ${ctx.port} of ${ctx.workload.description}`,
    severity: 'error',
  };
}

/**
 * Records an error for every object name used twice within `objects` (per kind). Returns true when
 * all names are unique.
 */
export function checkUniqueObjectNames(objects: readonly KubeObject[], issues: Issues, field = 'name'): boolean {
  let ok = true;
  const same = (a: KubeObject, b: KubeObject) =>
    a.kind === b.kind && a.metadata.name === b.metadata.name && a.metadata.namespace === b.metadata.namespace;
  // few objects per authorization: pairwise is cheaper than hashing (and allocates nothing)
  const seen = objects.length > 32 ? new Set<string>() : undefined;
  objects.forEach((o, i) => {
    let dup: boolean;
    if (seen) {
      const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      dup = seen.has(key);
      seen.add(key);
    } else {
      dup = false;
      for (let j = 0; j < i && !dup; j++) dup = same(objects[j], o);
    }
    if (dup) {
      ok = false;
      issues.error(field, o.metadata.name, `expected a unique ${o.kind} name: two rules of this authorization produce ${o.kind} ${o.metadata.namespace}/${o.metadata.name} (name the routes, or merge the sources into one rule)`);
    }
  });
  return ok;
}

/** How many rules (AuthorizationPolicies or ServerAuthorizations) admit someone among `objects`. */
export function countRules(objects: readonly KubeObject[]): number {
  let n = 0;
  for (const o of objects) if (o.kind === 'AuthorizationPolicy' || o.kind === 'ServerAuthorization') n++;
  return n;
}

function standInContext(props: MeshAuthorizationProps, scope: string): ServerContext {
  const namespace = typeof props.namespace === 'string' ? props.namespace : 'default';
  return {
    ...sourceContext(namespace, props.mesh),
    scope,
    serverName: 'server',
    workload: { selectorKind: 'pod', selector: {}, description: 'the workload' },
    port: props.port,
    protocol: props.protocol,
    accessPolicy: props.accessPolicy ?? 'deny',
    legacy: props.legacyServerAuthorization === true,
  };
}

/**
 * Builds every object of a `MeshAuthorization`: the Server, then per route its HTTPRoute and
 * authorizations, then the port-wide authorizations, then the rate limit. Throws one
 * {@link ValidationError} listing every problem.
 */
export function meshAuthorizationObjects(
  props: MeshAuthorizationProps,
  scope: string,
  options: MeshAuthorizationBuildOptions = {},
): MeshAuthorizationManifest {
  const issues = new Issues(scope);
  // when the port-level props are invalid, the rules are still checked (against a stand-in
  // context) so that every problem is reported at once
  const ctx = resolveServerContext(props, scope, issues) ?? standInContext(props, scope);
  const objects: KubeObject[] = [serverObject(ctx)];
  let ruleCount = 0;
  const routeNames = new Map<string, number>();
  (props.routes ?? []).forEach((route, i) => {
    const name = route?.name ?? defaultRouteName(ctx.serverName, route ?? ({} as RouteAuthorization));
    const earlier = routeNames.get(name);
    if (earlier !== undefined) {
      issues.error(`routes[${i}].name`, name, `expected a route name unique in this authorization (routes[${earlier}] is also "${name}"): set routes[${i}].name`);
      return;
    }
    routeNames.set(name, i);
    const out = routeObjects(ctx, route, `routes[${i}]`, issues);
    ruleCount += countRules(out);
    objects.push(...out);
  });
  if (props.allow !== undefined) {
    const out = allowObjects(ctx, props.allow, 'allow', issues);
    ruleCount += countRules(out);
    objects.push(...out);
  }
  if (props.routes?.length && props.allow !== undefined) objects.push(...portWideOnRoutes(ctx, objects, objects));
  if (props.rateLimit !== undefined) {
    const rl = rateLimitObject(ctx, props.rateLimit, issues);
    if (rl) objects.push(rl);
  }
  checkUniqueObjectNames(objects, issues);
  if (!options.deferEmptyCheck && issues.errors.length === 0) {
    const empty = admitsNothingIssue(ctx, ruleCount);
    if (empty) issues.add(empty);
  }
  issues.throwIfErrors();
  return { context: ctx, objects, ruleCount, warnings: issues.warnings };
}

/** One more rule of an authorization after its creation: `allowFrom(...sources)` or `addRoute(route)`. */
export type AddedRule = { readonly allowFrom: readonly AuthorizationSourceLike[] } | { readonly addRoute: RouteAuthorization };

/**
 * The objects one more rule adds to an authorization whose objects so far are `existing`: the
 * rule's own, and the port-wide rules applied to every route (new rules to existing routes, existing
 * rules to new routes). Names stay unique. `ordinal` numbers the additions in messages
 * (`allowFrom(#0)`). Both front ends' `allowFrom` and `addRoute` call this.
 * @throws ValidationError naming the addition
 */
export function addedRuleObjects(
  context: ServerContext,
  existing: readonly KubeObject[],
  rule: AddedRule,
  ordinal: number,
  scope: string,
): { readonly objects: KubeObject[]; readonly rules: number; readonly warnings: readonly ValidationIssue[] } {
  const issues = new Issues(scope);
  const built =
    'allowFrom' in rule
      ? allowObjects(context, rule.allowFrom, `allowFrom(#${ordinal})`, issues)
      : routeObjects(context, rule.addRoute, `addRoute(#${ordinal})`, issues);
  const all = [...existing, ...built];
  const objects = [...built, ...portWideOnRoutes(context, all, all)];
  checkUniqueObjectNames([...existing, ...objects], issues);
  issues.throwIfErrors();
  return { objects, rules: countRules(objects), warnings: issues.warnings };
}
