/**
 * Route rules and rate limits of a port: an `HTTPRoute` per rule with its policies, the route copies
 * of port-wide rules (Linkerd authorizes a request of a port with routes by its route's policies
 * only), and the port's `HTTPLocalRateLimitPolicy`.
 */
import { LINKERD_CRDS } from '../crds';
import type { AuthorizationPolicy } from '../crds/authorization-policy';
import type { HTTPLocalRateLimitPolicy } from '../crds/http-local-rate-limit-policy';
import type { HTTPRoute, HTTPRouteSpecRulesMatches } from '../crds/http-route';
import type { Issues } from '../errors';
import { kubeObject, type KubeObject } from '../k8s';
import { checkOneOf, DNS1123_LABEL_RULE, isDns1123Label } from '../validation';
import { deriveName, slug } from './names';
import { authorizationObjects, meta, POLICY_GROUP, policyObject, sourceGroups, type ServerContext } from './rules';
import { HTTP_METHODS, type HttpRateLimit, type HttpRequestMatch, type ProxyProtocol, type RouteAuthorization } from './types';

/** The protocols whose connections carry HTTP requests (routes and rate limits need one). */
const HTTP_PROTOCOLS: readonly ProxyProtocol[] = ['unknown', 'HTTP/1', 'HTTP/2', 'gRPC'];
const HEADER_NAME_RE = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

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
