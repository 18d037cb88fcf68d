/**
 * ServiceProfile (`linkerd.io/v1alpha2`): per-route metrics, retries and timeouts for the clients of
 * a Service. Routes come from HTTP path templates (`/books/{id}`, as in an OpenAPI spec) or gRPC
 * methods (`/pkg.Service/Method`, as `linkerd profile --proto` writes them).
 */
import { LINKERD_CRDS } from '../crds';
import type { ServiceProfile, ServiceProfileSpec, ServiceProfileSpecRoutes } from '../crds/service-profile';
import { Issues } from '../errors';
import { kubeObject, type KubeObject } from '../k8s';
import type { MeshInfoSource } from '../mesh-info';
import {
  checkDuration,
  checkLabels,
  checkOneOf,
  DNS1123_LABEL_RULE,
  DNS1123_SUBDOMAIN_RULE,
  isDns1123Label,
  isDns1123Subdomain,
} from '../validation';
import { HTTP_METHODS, type HttpMethod } from './types';

/** A range of HTTP response statuses (inclusive). */
export interface StatusRange {
  /**
   * Lowest status of the range.
   *
   * @default 100
   */
  readonly min?: number;
  /**
   * Highest status of the range.
   *
   * @default 599
   */
  readonly max?: number;
}

/**
 * One route of a ServiceProfile. Set exactly one of `path`, `pathRegex` and `grpcMethod`.
 */
export interface ServiceProfileRoute {
  /**
   * Route name (the `rt_route` label of its metrics).
   *
   * @default - `<METHOD> <path>` for a path template (`GET /books/{id}`), the method name for a gRPC
   *   method (`CheckVersion`, as `linkerd profile --proto` names it), the regex for `pathRegex`
   */
  readonly name?: string;
  /**
   * HTTP method of the route (`grpcMethod` implies `POST`).
   *
   * @default - any method
   */
  readonly method?: HttpMethod;
  /**
   * A path template: literal text with `{param}` segments, e.g. `/books/{id}/reviews`. Becomes a
   * path regex where each parameter matches one path segment.
   *
   * @default - none
   */
  readonly path?: string;
  /**
   * A regular expression the whole path must match (used as written).
   *
   * @default - none
   */
  readonly pathRegex?: string;
  /**
   * A gRPC method, `/<package>.<Service>/<Method>`, e.g. `/api.Dgraph/Query`.
   *
   * @default - none
   */
  readonly grpcMethod?: string;
  /**
   * Clients may retry failed requests of this route (within the retry budget). Only for idempotent
   * routes.
   *
   * @default false
   */
  readonly isRetryable?: boolean;
  /**
   * How long a client waits for a response (including retries), as a duration such as `300ms`.
   *
   * @default - Linkerd's default (10s)
   */
  readonly timeout?: string;
  /**
   * Response statuses that count as failures (and trigger retries).
   *
   * @default - 5xx responses
   */
  readonly failureStatuses?: readonly StatusRange[];
}

/** How many retries clients may add on top of the original requests. */
export interface ServiceRetryBudget {
  /** Retries as a ratio of original requests, e.g. `0.2` for at most 20% extra load. */
  readonly retryRatio: number;
  /** Retries allowed per second regardless of the ratio (for low-traffic services). */
  readonly minRetriesPerSecond: number;
  /** The window over which requests and retries are counted, as a duration such as `10s`. */
  readonly ttl: string;
}

/** The props of `ServiceProfile` every framework shares. */
export interface ServiceProfileOptions {
  /** Name of the Service the profile describes. */
  readonly service: string;
  /** Namespace of the Service (and of the profile, so that it applies to every client). */
  readonly namespace: string;
  /** The routes. */
  readonly routes: readonly ServiceProfileRoute[];
  /**
   * Retry budget of the retryable routes.
   *
   * @default - Linkerd's default budget (20% extra, 10 retries per second, 10s)
   */
  readonly retryBudget?: ServiceRetryBudget;
  /**
   * Cluster DNS domain (part of the profile's name).
   *
   * @default - the mesh's cluster domain, `cluster.local` without a mesh
   */
  readonly clusterDomain?: string;
  /**
   * Labels of the ServiceProfile.
   *
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Props of `ServiceProfile`, one type for the core builder and both front ends: the shared options
 * and the mesh (`M`: cdk8s and Pulumi take their `MeshReference`, the core anything with `info`).
 */
export interface ServiceProfileProps<M extends MeshInfoSource = MeshInfoSource> extends ServiceProfileOptions {
  /**
   * The mesh: its cluster domain names the profile; a `MeshReference` also makes the profile depend
   * on the mesh's CRDs (in cdk8s when they are in the same app).
   *
   * @default - cluster domain `cluster.local`, no dependency
   */
  readonly mesh?: M;
}

const GRPC_METHOD_RE = /^\/([A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*\/[A-Za-z_][A-Za-z0-9_]*$/;
const PARAM_RE = /\{[^{}/]+\}/g;

/** Escapes every regular expression metacharacter (as Go's `regexp.QuoteMeta`). */
export function quoteRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** The path regex of a path template: literal parts quoted, each `{param}` matching one segment. */
export function pathTemplateRegex(template: string): string {
  let out = '';
  let last = 0;
  for (const m of template.matchAll(PARAM_RE)) {
    out += `${quoteRegex(template.slice(last, m.index))}[^/]*`;
    last = m.index! + m[0].length;
  }
  return out + quoteRegex(template.slice(last));
}

/** Options shared by the routes {@link grpcRoutes} creates. */
export interface GrpcRouteOptions {
  /**
   * Make the routes retryable.
   *
   * @default false
   */
  readonly isRetryable?: boolean;
  /**
   * Timeout of each route.
   *
   * @default - Linkerd's default
   */
  readonly timeout?: string;
}

/**
 * Routes for the methods of one gRPC service, e.g.
 * `grpcRoutes('api.Dgraph', ['Query', 'Mutate', 'CheckVersion'])`.
 */
export function grpcRoutes(service: string, methods: readonly string[], options: GrpcRouteOptions = {}): ServiceProfileRoute[] {
  return methods.map((m) => ({ grpcMethod: `/${service}/${m}`, ...options }));
}

function checkStatus(issues: Issues, field: string, value: number | undefined): void {
  if (value === undefined) return;
  issues.check(Number.isInteger(value) && value >= 100 && value <= 599, field, value, 'expected an HTTP status from 100 to 599');
}

function routeSpec(route: ServiceProfileRoute, field: string, issues: Issues): ServiceProfileSpecRoutes | undefined {
  if (route === null || typeof route !== 'object') {
    issues.error(field, route, 'expected a route { path | pathRegex | grpcMethod, method?, isRetryable?, timeout? }');
    return undefined;
  }
  const kinds = (['path', 'pathRegex', 'grpcMethod'] as const).filter((k) => route[k] !== undefined);
  if (kinds.length !== 1) {
    issues.error(field, route, `expected exactly one of path, pathRegex and grpcMethod${kinds.length > 1 ? `, got ${kinds.join(' and ')}` : ''}`);
    return undefined;
  }
  const before = issues.errors.length;
  let condition: ServiceProfileSpecRoutes['condition'];
  let name: string;
  if (route.grpcMethod !== undefined) {
    issues.check(GRPC_METHOD_RE.test(route.grpcMethod), `${field}.grpcMethod`, route.grpcMethod, 'expected a gRPC method "/<package>.<Service>/<Method>", e.g. "/api.Dgraph/Query"');
    if (route.method !== undefined) issues.check(route.method === 'POST', `${field}.method`, route.method, 'expected POST (or nothing) for a gRPC method');
    condition = { method: 'POST', pathRegex: quoteRegex(route.grpcMethod) };
    name = route.name ?? route.grpcMethod.split('/').pop()!;
  } else if (route.path !== undefined) {
    issues.check(typeof route.path === 'string' && route.path.startsWith('/'), `${field}.path`, route.path, 'expected a path template starting with "/", e.g. "/books/{id}"');
    const pathRegex = pathTemplateRegex(route.path);
    condition = route.method !== undefined ? { method: route.method, pathRegex } : { pathRegex };
    name = route.name ?? (route.method !== undefined ? `${route.method} ${route.path}` : route.path);
  } else {
    let compiles = typeof route.pathRegex === 'string' && route.pathRegex.length > 0;
    try {
      if (compiles) new RegExp(route.pathRegex!);
    } catch {
      compiles = false;
    }
    issues.check(compiles, `${field}.pathRegex`, route.pathRegex, 'expected a valid regular expression');
    condition = route.method !== undefined ? { method: route.method, pathRegex: route.pathRegex } : { pathRegex: route.pathRegex };
    name = route.name ?? route.pathRegex!;
  }
  if (route.method !== undefined) checkOneOf(issues, `${field}.method`, route.method, HTTP_METHODS);
  if (route.name !== undefined) issues.check(typeof route.name === 'string' && route.name.length > 0, `${field}.name`, route.name, 'expected a non-empty route name');
  if (route.timeout !== undefined) checkDuration(issues, `${field}.timeout`, route.timeout);
  (route.failureStatuses ?? []).forEach((s, i) => {
    checkStatus(issues, `${field}.failureStatuses[${i}].min`, s.min);
    checkStatus(issues, `${field}.failureStatuses[${i}].max`, s.max);
    if (s.min !== undefined && s.max !== undefined) issues.check(s.min <= s.max, `${field}.failureStatuses[${i}]`, s, 'expected min <= max');
  });
  if (issues.errors.length > before) return undefined;
  const spec: ServiceProfileSpecRoutes = { name, condition };
  if (route.isRetryable !== undefined) spec.isRetryable = route.isRetryable;
  if (route.timeout !== undefined) spec.timeout = route.timeout;
  if (route.failureStatuses && route.failureStatuses.length > 0) {
    spec.responseClasses = route.failureStatuses.map((s) => ({
      condition: { status: { ...(s.min !== undefined ? { min: s.min } : {}), ...(s.max !== undefined ? { max: s.max } : {}) } },
      isFailure: true,
    }));
  }
  return spec;
}

/** The name of a Service's profile: `<service>.<namespace>.svc.<clusterDomain>`. */
export function serviceProfileName(service: string, namespace: string, clusterDomain = 'cluster.local'): string {
  return `${service}.${namespace}.svc.${clusterDomain}`;
}

/** Builds the ServiceProfile. Throws one {@link ValidationError} listing every problem. */
export function serviceProfileObject(props: ServiceProfileProps, scope: string): ServiceProfile & KubeObject {
  const issues = new Issues(scope);
  issues.check(isDns1123Label(props.service), 'service', props.service, DNS1123_LABEL_RULE);
  issues.check(isDns1123Label(props.namespace), 'namespace', props.namespace, DNS1123_LABEL_RULE);
  const clusterDomain = props.clusterDomain ?? props.mesh?.info.clusterDomain ?? 'cluster.local';
  issues.check(isDns1123Subdomain(clusterDomain), 'clusterDomain', clusterDomain, DNS1123_SUBDOMAIN_RULE);
  if (props.labels) checkLabels(issues, 'labels', props.labels as Record<string, unknown>);
  if (!Array.isArray(props.routes) || props.routes.length === 0) {
    issues.error('routes', props.routes, 'expected at least one route (a path template, a path regex or a gRPC method)');
  }
  const routes = (props.routes ?? []).map((r, i) => routeSpec(r, `routes[${i}]`, issues));
  const names = new Map<string, number>();
  routes.forEach((r, i) => {
    if (!r) return;
    const earlier = names.get(r.name);
    if (earlier !== undefined) issues.error(`routes[${i}].name`, r.name, `expected a unique route name (routes[${earlier}] is also "${r.name}"): set routes[${i}].name`);
    else names.set(r.name, i);
  });
  const b = props.retryBudget;
  if (b !== undefined) {
    issues.check(typeof b.retryRatio === 'number' && b.retryRatio >= 0 && Number.isFinite(b.retryRatio), 'retryBudget.retryRatio', b.retryRatio, 'expected a ratio >= 0, e.g. 0.2');
    issues.check(Number.isInteger(b.minRetriesPerSecond) && b.minRetriesPerSecond >= 0 && b.minRetriesPerSecond < 2 ** 31, 'retryBudget.minRetriesPerSecond', b.minRetriesPerSecond, 'expected a whole number >= 0');
    checkDuration(issues, 'retryBudget.ttl', b.ttl);
  }
  issues.throwIfErrors();
  const spec: ServiceProfileSpec = { routes: routes as ServiceProfileSpecRoutes[] };
  if (b !== undefined) spec.retryBudget = { retryRatio: b.retryRatio, minRetriesPerSecond: b.minRetriesPerSecond, ttl: b.ttl };
  const metadata = {
    name: serviceProfileName(props.service, props.namespace, clusterDomain),
    namespace: props.namespace,
    labels: props.labels ? { ...props.labels } : undefined,
  };
  return kubeObject<ServiceProfile & KubeObject>(LINKERD_CRDS.ServiceProfile.apiVersion, 'ServiceProfile', metadata, { spec });
}
