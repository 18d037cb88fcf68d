/**
 * The one builder of `MeshAuthorization`: props in, Linkerd policy objects out. The cdk8s construct
 * and the Pulumi component both call {@link meshAuthorizationObjects} (and {@link addedRuleObjects} for
 * rules added after construction). The rules' objects are built in `rules.ts`, routes and rate limits
 * in `routes.ts`.
 *
 * What "deny by default" means here: a `Server` makes Linkerd deny every connection to its port that
 * no authorization admits (`spec.accessPolicy: deny`, written explicitly). The
 * `config.linkerd.io/default-inbound-policy` annotation is not put on the Server (Linkerd reads it only
 * from pods and namespaces, where it governs ports no Server selects): use
 * {@link annotateDefaultInboundPolicy} on the namespace or the workload for that.
 */
import { DEFAULT_INBOUND_POLICIES } from '../constants';
import { LINKERD_CRDS } from '../crds';
import type { Server } from '../crds/server';
import { Issues, type ValidationIssue } from '../errors';
import type { KubeObject } from '../k8s';
import { checkLabels, isPort, PORT_RULE, DNS1123_LABEL_RULE, isDns1123Label } from '../validation';
import { deriveName } from './names';
import { defaultRouteName, portWideOnRoutes, rateLimitObject, routeObjects } from './routes';
import { allowObjects, meta, policyObject, type LegacyServer, type ServerContext } from './rules';
import { sourceContext } from './sources';
import { PROXY_PROTOCOLS, type AuthorizationSourceLike, type MeshAuthorizationProps, type RouteAuthorization } from './types';
import { checkWorkloadPort, resolveWorkload, type ResolvedWorkload } from './workload';

export type { LegacyServer, ServerContext } from './rules';

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

const oneOfRule = (values: readonly string[]) => `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
const PROTOCOL_RULE = oneOfRule(PROXY_PROTOCOLS);
const ACCESS_POLICY_RULE = oneOfRule(DEFAULT_INBOUND_POLICIES);

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
  const sc = sourceContext(namespace, props.mesh?.info);
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
    ...sourceContext(namespace, props.mesh?.info),
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
