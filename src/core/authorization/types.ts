/**
 * The intent model of `MeshAuthorization`: who may call which port of which workload.
 *
 * These props are shared by the cdk8s construct and the Pulumi component; the builders in this folder
 * turn them into Linkerd policy objects (`Server`, `HTTPRoute`, `AuthorizationPolicy`,
 * `MeshTLSAuthentication`, `NetworkAuthentication`, `HTTPLocalRateLimitPolicy`, or the legacy
 * `ServerAuthorization`).
 */
import type { DefaultInboundPolicy } from '../constants';
import type { KubeObject, LabelSelector } from '../k8s';
import type { ExternalWorkloadInfo, MeshInfoSource } from '../mesh-info';

/** Protocols a Linkerd `Server` may declare (`spec.proxyProtocol`). */
export const PROXY_PROTOCOLS = ['unknown', 'HTTP/1', 'HTTP/2', 'gRPC', 'opaque', 'TLS'] as const;

/**
 * How the proxy treats connections to a port: `unknown` lets the proxy detect the protocol; `opaque`
 * and `TLS` are forwarded as TCP (no HTTP routes, no rate limits).
 */
export type ProxyProtocol = (typeof PROXY_PROTOCOLS)[number];

/** HTTP methods an `HTTPRoute` match accepts. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;

/** One of {@link HTTP_METHODS}. */
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** A network as Linkerd writes it: a CIDR, optionally minus sub-networks. */
export interface NetworkBlock {
  /** A CIDR, e.g. `10.0.0.0/8` or `fd00::/8`. */
  readonly cidr: string;
  /**
   * Sub-networks of `cidr` that are not part of the network.
   *
   * @default - none
   */
  readonly except?: readonly string[];
}

/** A network given as a bare CIDR string or as a {@link NetworkBlock}. */
export type NetworkLike = string | NetworkBlock;

/**
 * Selects the pods or external workloads a `Server` applies to, by label selector.
 * Exactly one of `podSelector` and `externalWorkloadSelector` must be set.
 */
export interface WorkloadSelector {
  /**
   * Name of the workload, used in derived object names.
   *
   * @default - the selector's `app.kubernetes.io/name` or `app` label
   */
  readonly name?: string;
  /**
   * Pods (in the authorization's namespace) whose port is governed.
   *
   * @default - none (set `externalWorkloadSelector`)
   */
  readonly podSelector?: LabelSelector;
  /**
   * `ExternalWorkload`s (in the authorization's namespace) whose port is governed.
   *
   * @default - none (set `podSelector`)
   */
  readonly externalWorkloadSelector?: LabelSelector;
}

/** Anything that carries an {@link ExternalWorkloadInfo}, such as an `ExternalWorkloadHost`. */
export interface ExternalWorkloadSource {
  /** The external workload. */
  readonly externalWorkload: ExternalWorkloadInfo;
}

/**
 * The workload whose port is governed:
 *  - a {@link WorkloadSelector} (pods or external workloads by label selector);
 *  - an {@link ExternalWorkloadInfo}, or anything with `externalWorkload` (an `ExternalWorkloadHost`):
 *    its labels select it and its ports are known;
 *  - a plain workload object (`Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`, `Job`, `Pod`):
 *    its selector selects the pods and its container ports are known, so a named port it does not
 *    expose is an error.
 */
export type AuthorizationWorkload = WorkloadSelector | ExternalWorkloadInfo | ExternalWorkloadSource | KubeObject;

/**
 * One kind of client allowed to reach the governed port. Set one identity field
 * (`serviceAccount`, `namespace`, `identity`, `externalWorkload` or `anyAuthenticated`), `networks`,
 * or both:
 *
 * | source | admits |
 * |---|---|
 * | `{ serviceAccount: 'web' }` | meshed clients running as ServiceAccount `web` of the target's namespace |
 * | `{ serviceAccount: 'web', namespace: 'shop' }` | ServiceAccount `web` of namespace `shop` |
 * | `{ namespace: 'shop' }` | every meshed client of namespace `shop` |
 * | `{ identity: 'spiffe://root.example/vm' }` | a mesh identity: a SPIFFE id, a Linkerd identity, or a `*.`-prefixed Linkerd identity suffix |
 * | `{ externalWorkload: host }` | the SPIFFE identity of an external workload (a VM) |
 * | `{ anyAuthenticated: true }` | every meshed client (any identity) |
 * | `{ networks: ['10.0.0.0/8'] }` | any client from these networks, meshed or not ("unauthenticated from networks") |
 * | `{ serviceAccount: 'web', networks: [...] }` | the identity, and only when it connects from these networks |
 *
 * The sources of one rule are alternatives (any of them is admitted).
 */
export interface AuthorizationSource {
  /**
   * A Kubernetes ServiceAccount: its pods' mesh identity is admitted.
   *
   * @default - not a service account source
   */
  readonly serviceAccount?: string;
  /**
   * With `serviceAccount`: the ServiceAccount's namespace. Alone: every meshed client of this
   * namespace is admitted.
   *
   * @default - with `serviceAccount`: the authorization's namespace
   */
  readonly namespace?: string;
  /**
   * A mesh identity: a SPIFFE id (`spiffe://<trust-domain>/<path>`), a Linkerd identity
   * (`<sa>.<ns>.serviceaccount.identity.<control-plane-ns>.<trust-domain>`), a suffix match
   * starting with `*.`, or `*`.
   *
   * @default - not an identity source
   */
  readonly identity?: string;
  /**
   * An external workload (a VM meshed with SPIRE): its SPIFFE identity is admitted. Pass the
   * `ExternalWorkloadHost` or its `externalWorkload` info.
   *
   * @default - not an external workload source
   */
  readonly externalWorkload?: ExternalWorkloadInfo | ExternalWorkloadSource;
  /**
   * Admit every meshed (mTLS-authenticated) client, whatever its identity.
   *
   * @default false
   */
  readonly anyAuthenticated?: boolean;
  /**
   * Client networks. Alone: any client from these networks is admitted, meshed or not. With an
   * identity field: the identity is admitted only from these networks.
   *
   * @default - any network (with an identity field)
   */
  readonly networks?: readonly NetworkLike[];
}

/**
 * A source as `MeshAuthorization` accepts it: an {@link AuthorizationSource}, or an external
 * workload given directly (its {@link ExternalWorkloadInfo}, or an `ExternalWorkloadHost`, which has
 * an `externalWorkload` field and is therefore an {@link AuthorizationSource}).
 */
export type AuthorizationSourceLike = AuthorizationSource | ExternalWorkloadInfo;

/**
 * One way to match an HTTP request. Set at least one field; all set fields must match. Path
 * fields are alternatives (set at most one).
 */
export interface HttpRequestMatch {
  /**
   * The exact request path, e.g. `/authors.json`.
   *
   * @default - any path (unless `pathPrefix` or `pathRegex` is set)
   */
  readonly path?: string;
  /**
   * A path prefix, matched on whole segments: `/authors` matches `/authors` and `/authors/1`, not
   * `/authorsx`.
   *
   * @default - any path
   */
  readonly pathPrefix?: string;
  /**
   * A regular expression the whole path must match.
   *
   * @default - any path
   */
  readonly pathRegex?: string;
  /**
   * The request method.
   *
   * @default - any method
   */
  readonly method?: HttpMethod;
  /**
   * Headers the request must carry, with these exact values.
   *
   * @default - no header condition
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A set of HTTP requests on the governed port (an `HTTPRoute` whose parent is the `Server`) and the
 * clients allowed to send them.
 *
 * Once a port has a route, Linkerd answers requests that match no route with 404 (kubelet probes
 * included): declare a route for every request the workload must serve.
 */
export interface RouteAuthorization {
  /**
   * Name of the `HTTPRoute`.
   *
   * @default - `<server>-<method>-<path>` derived from the first match, e.g. `authors-http-get-authors`
   */
  readonly name?: string;
  /** Requests of this route: a request matching any of them belongs to the route (at most 8). */
  readonly matches: readonly HttpRequestMatch[];
  /** Clients allowed to send these requests (any of them). Must not be empty. */
  readonly allow: readonly AuthorizationSourceLike[];
}

/** A per-client rate override of an {@link HttpRateLimit}. */
export interface HttpRateLimitOverride {
  /** Requests per second each listed client may send. */
  readonly requestsPerSecond: number;
  /**
   * The clients, as ServiceAccount names of the authorization's namespace or
   * `{ name, namespace }`.
   */
  readonly serviceAccounts: ReadonlyArray<string | { readonly name: string; readonly namespace?: string }>;
}

/** An `HTTPLocalRateLimitPolicy` for the governed port (each proxy limits its own inbound traffic). */
export interface HttpRateLimit {
  /**
   * Requests per second for all clients together.
   *
   * @default - no overall limit
   */
  readonly requestsPerSecond?: number;
  /**
   * Requests per second for each client identity (unmeshed clients count as one).
   *
   * @default - no per-identity limit
   */
  readonly perIdentityRequestsPerSecond?: number;
  /**
   * Different limits for specific clients.
   *
   * @default - none
   */
  readonly overrides?: readonly HttpRateLimitOverride[];
}

/**
 * The props of `MeshAuthorization` every framework shares: one port of one workload, and who may
 * call it. (The cdk8s and Pulumi classes add `workload`, which they may widen, and `mesh`.)
 */
export interface MeshAuthorizationOptions {
  /**
   * Namespace of the workload, and of every object emitted.
   *
   * @default - the workload's namespace (workload objects and external workloads carry one)
   */
  readonly namespace?: string;
  /**
   * Name of the `Server`; the other objects' names derive from it.
   *
   * @default - `<workload>-<port>`, the workload's name being its object name, its external
   *   workload name, or the `app.kubernetes.io/name` or `app` label of the selector
   */
  readonly name?: string;
  /** The port: a number, or the name of a container port (or external workload port). */
  readonly port: number | string;
  /**
   * The port's protocol.
   *
   * @default 'unknown' (the proxy detects it; not written, the CRD default)
   */
  readonly protocol?: ProxyProtocol;
  /**
   * What happens to connections no rule admits. `deny` is "deny by default" for this port; `audit`
   * admits them but flags them in logs and metrics (try a policy before enforcing it).
   *
   * @default 'deny'
   */
  readonly accessPolicy?: DefaultInboundPolicy;
  /**
   * Clients admitted to every request on the port (any of them). When the port also has `routes`,
   * these clients are admitted on every route too (Linkerd authorizes a routed request with its
   * route's policies, so each port-wide rule is attached to each route as well).
   *
   * @default - none (then `routes` must admit someone, or `accessPolicy` must not be `deny`)
   */
  readonly allow?: readonly AuthorizationSourceLike[];
  /**
   * Per-route authorization (`HTTPRoute`s). Needs an HTTP protocol (`HTTP/1`, `HTTP/2`, `gRPC` or
   * `unknown`).
   *
   * @default - no routes: rules apply to every request on the port
   */
  readonly routes?: readonly RouteAuthorization[];
  /**
   * Rate limits for the port (`HTTPLocalRateLimitPolicy`). Needs an HTTP protocol.
   *
   * @default - no rate limit
   */
  readonly rateLimit?: HttpRateLimit;
  /**
   * Emit the legacy `Server` (`policy.linkerd.io/v1beta1`) and `ServerAuthorization`
   * (`policy.linkerd.io/v1beta1`) instead of `AuthorizationPolicy` and authentications, for clusters
   * whose Linkerd predates `AuthorizationPolicy`. Routes, rate limits, external workload selectors,
   * SPIFFE identities and an `accessPolicy` other than `deny` cannot be expressed then.
   *
   * @default false
   */
  readonly legacyServerAuthorization?: boolean;
  /**
   * Labels added to every emitted object.
   *
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Props of `MeshAuthorization`, one type for the core builder and both front ends: the shared
 * options, the workload and the mesh. `M` is the mesh a front end takes (cdk8s and Pulumi: their
 * `MeshReference`; the core: anything with `info`), `W` the workloads (cdk8s also takes a workload
 * construct of its app).
 */
export interface MeshAuthorizationProps<M extends MeshInfoSource = MeshInfoSource, W = AuthorizationWorkload> extends MeshAuthorizationOptions {
  /**
   * The workload whose port is governed: `{ podSelector }` or `{ externalWorkloadSelector }`, an
   * `ExternalWorkloadHost` (or its `ExternalWorkloadInfo`), or a plain workload object (its named
   * ports are checked). In cdk8s also a workload construct of the app (a cdk8s-plus
   * `Deployment`/`StatefulSet`/..., or an `ApiObject` such as `KubeDeployment`): its ports are checked
   * at synthesis, and a plain `ApiObject`'s selector is read when the app is synthesized (so a
   * selector patched later is the one the Server uses).
   */
  readonly workload: W;
  /**
   * The mesh: its trust domain and control plane namespace build identities. A `MeshReference`
   * also makes every object depend on the mesh's CRDs (in cdk8s when they are in the same app), and
   * in Pulumi checks the components given the same mesh against each other (duplicate names, two
   * Servers governing the same pods and port; cdk8s checks the whole app).
   *
   * @default - trust domain `cluster.local`, control plane namespace `linkerd`, no dependency
   */
  readonly mesh?: M;
}
