/**
 * Meshing workloads: the annotations that make the proxy injector inject (or skip) a pod and
 * configure its proxy, and the Job/CronJob treatment that lets meshed Jobs finish.
 *
 * Plain-object functions here; the cdk8s and Pulumi helpers apply the same annotations to
 * cdk8s-plus workloads, `ApiObject`s and Pulumi resource args. They copy only the objects on the
 * path they change (no deep clones), so meshing thousands of workloads stays cheap.
 */
import { createHash } from 'crypto';
import { ANNOTATIONS, DEFAULT_INBOUND_POLICIES, type DefaultInboundPolicy, type InjectMode } from '../constants';
import { Issues } from '../errors';
import type { KubeObject } from '../k8s';
import { checkMatches, CIDR_RULE, isCidr, isPortNumber, NO_SPACE_RE, QUANTITY_RE } from '../validation';
import type { ProxyResources } from './props';

/** A port, or an inclusive range of ports. */
export type PortOrRange = number | { readonly from: number; readonly to: number };

/** How to mesh a workload (or every workload of a namespace). */
export interface MeshWorkloadOptions {
  /** `linkerd.io/inject`: `enabled`, `disabled` (opt out) or `ingress` (ingress controllers). @default 'enabled' */
  readonly inject?: InjectMode;
  /** Inbound ports that bypass the proxy (`config.linkerd.io/skip-inbound-ports`). @default none */
  readonly skipInboundPorts?: readonly PortOrRange[];
  /** Outbound ports that bypass the proxy (`config.linkerd.io/skip-outbound-ports`). @default none */
  readonly skipOutboundPorts?: readonly PortOrRange[];
  /** Outbound CIDRs that bypass the proxy (`config.linkerd.io/skip-subnets`). @default none */
  readonly skipSubnets?: readonly string[];
  /** Ports proxied as opaque TCP, without protocol detection (`config.linkerd.io/opaque-ports`). @default the mesh's */
  readonly opaquePorts?: readonly PortOrRange[];
  /** Default inbound policy of these pods (`config.linkerd.io/default-inbound-policy`). @default the mesh's */
  readonly defaultInboundPolicy?: DefaultInboundPolicy;
  /** Inject the debug sidecar (tcpdump, tshark) next to the proxy. For troubleshooting only. @default false */
  readonly debugSidecar?: boolean;
  /** Proxy resources of these pods. @default the mesh's */
  readonly proxyResources?: ProxyResources;
  /** Proxy log level, e.g. `warn,linkerd=debug`. @default the mesh's */
  readonly proxyLogLevel?: string;
  /** Run the proxy as a native sidecar (`config.linkerd.io/proxy-enable-native-sidecar`). @default the mesh's */
  readonly nativeSidecar?: boolean;
  /** Enable the proxy's `/shutdown` endpoint for these pods. @default the mesh's */
  readonly enableShutdownEndpoint?: boolean;
  /**
   * The mesh's published trust anchors (e.g. `mesh.trustAnchorPem`, exactly as the chart gets them):
   * their digest goes on the pod template as `linkerd.io/trust-root-sha256`, the annotation Linkerd's
   * injector stamps on pods and its chart on the control plane's. A new bundle (an anchor rotation)
   * then changes the template and rolls the workload, so its proxies start with the new bundle.
   * @default no digest: restart the workload yourself after a bundle change
   */
  readonly trustAnchorsPem?: string;
}

/** How a meshed Job (or CronJob) makes its proxy stop when the work is done. */
export type JobCompletionStrategy = 'native-sidecar' | 'linkerd-await';

/** Options of the Job/CronJob helper. */
export interface MeshJobOptions extends MeshWorkloadOptions {
  /**
   * - `native-sidecar`: the proxy runs as a Kubernetes native sidecar (Kubernetes >= 1.29), which
   *   Kubernetes stops once the Job's containers exit;
   * - `linkerd-await`: each container's command is wrapped as `linkerd-await --shutdown -- <command>`
   *   (the binary must be in the image) and the proxy's `/shutdown` endpoint is enabled, so the proxy
   *   is stopped when the command exits.
   * @default 'native-sidecar'
   */
  readonly strategy?: JobCompletionStrategy;
  /** Path of the `linkerd-await` binary in the image. @default 'linkerd-await' */
  readonly linkerdAwaitPath?: string;
  /** Names of the containers to wrap (`linkerd-await` only). @default every container */
  readonly containers?: readonly string[];
}

const RESOURCE_ANNOTATIONS: Record<keyof ProxyResources, string> = {
  cpuRequest: ANNOTATIONS.proxyCpuRequest,
  cpuLimit: ANNOTATIONS.proxyCpuLimit,
  memoryRequest: ANNOTATIONS.proxyMemoryRequest,
  memoryLimit: ANNOTATIONS.proxyMemoryLimit,
  ephemeralStorageRequest: 'config.linkerd.io/proxy-ephemeral-storage-request',
  ephemeralStorageLimit: 'config.linkerd.io/proxy-ephemeral-storage-limit',
};
const INJECT_MODES: readonly InjectMode[] = ['enabled', 'disabled', 'ingress'];
const PORTS_RULE = 'expected port numbers from 1 to 65535, or ranges { from, to } with from <= to';

function ports(issues: Issues, field: string, list: readonly PortOrRange[]): string {
  const parts: string[] = [];
  list.forEach((p, i) => {
    if (typeof p === 'number') {
      if (issues.check(isPortNumber(p), `${field}[${i}]`, p, PORTS_RULE)) parts.push(String(p));
    } else if (typeof p === 'object' && p !== null && isPortNumber(p.from) && isPortNumber(p.to) && p.from <= p.to) {
      parts.push(p.from === p.to ? String(p.from) : `${p.from}-${p.to}`);
    } else {
      issues.error(`${field}[${i}]`, p, PORTS_RULE);
    }
  });
  return parts.join(',');
}

/**
 * The annotations for `options` (pod template or namespace). Throws a `ValidationError` naming the
 * option for a bad value.
 */
export function meshAnnotations(options: MeshWorkloadOptions = {}, scope = 'meshAnnotations'): Record<string, string> {
  const issues = new Issues(scope);
  const out: Record<string, string> = {};
  const inject = options.inject ?? 'enabled';
  if (issues.check(INJECT_MODES.includes(inject), 'inject', inject, 'expected one of "enabled", "disabled", "ingress"')) out[ANNOTATIONS.inject] = inject;
  if (options.skipInboundPorts?.length) out[ANNOTATIONS.skipInboundPorts] = ports(issues, 'skipInboundPorts', options.skipInboundPorts);
  if (options.skipOutboundPorts?.length) out[ANNOTATIONS.skipOutboundPorts] = ports(issues, 'skipOutboundPorts', options.skipOutboundPorts);
  if (options.opaquePorts?.length) out[ANNOTATIONS.opaquePorts] = ports(issues, 'opaquePorts', options.opaquePorts);
  if (options.skipSubnets?.length) {
    options.skipSubnets.forEach((c, i) => issues.check(isCidr(c), `skipSubnets[${i}]`, c, CIDR_RULE));
    out[ANNOTATIONS.skipSubnets] = options.skipSubnets.join(',');
  }
  if (options.defaultInboundPolicy !== undefined) {
    if (
      issues.check(
        (DEFAULT_INBOUND_POLICIES as readonly string[]).includes(options.defaultInboundPolicy),
        'defaultInboundPolicy',
        options.defaultInboundPolicy,
        `expected one of ${DEFAULT_INBOUND_POLICIES.map((p) => `"${p}"`).join(', ')}`,
      )
    ) {
      out[ANNOTATIONS.defaultInboundPolicy] = options.defaultInboundPolicy;
    }
  }
  if (options.debugSidecar !== undefined) out[ANNOTATIONS.enableDebugSidecar] = String(options.debugSidecar);
  if (options.proxyResources) {
    for (const key of Object.keys(RESOURCE_ANNOTATIONS) as Array<keyof ProxyResources>) {
      const v = options.proxyResources[key];
      if (v === undefined) continue;
      if (checkMatches(issues, `proxyResources.${key}`, v, QUANTITY_RE, 'expected a Kubernetes quantity such as "100m" or "64Mi"')) {
        out[RESOURCE_ANNOTATIONS[key]] = v;
      }
    }
  }
  if (options.proxyLogLevel !== undefined) {
    if (checkMatches(issues, 'proxyLogLevel', options.proxyLogLevel, NO_SPACE_RE, 'expected a log filter such as "warn,linkerd=debug" (no spaces)')) {
      out[ANNOTATIONS.proxyLogLevel] = options.proxyLogLevel;
    }
  }
  if (options.nativeSidecar !== undefined) out[ANNOTATIONS.nativeSidecar] = String(options.nativeSidecar);
  if (options.enableShutdownEndpoint !== undefined) out[ANNOTATIONS.proxyAdminShutdown] = options.enableShutdownEndpoint ? 'enabled' : 'disabled';
  if (options.trustAnchorsPem !== undefined) {
    if (issues.check(typeof options.trustAnchorsPem === 'string' && options.trustAnchorsPem.includes('-----BEGIN CERTIFICATE-----'), 'trustAnchorsPem', options.trustAnchorsPem, 'expected the mesh\'s trust anchor certificates, PEM')) {
      out[ANNOTATIONS.trustRootSha256] = trustRootSha256(options.trustAnchorsPem);
    }
  }
  issues.throwIfErrors();
  return out;
}

/**
 * The digest Linkerd puts in `linkerd.io/trust-root-sha256`: sha256 (hex) of the trust anchors string
 * exactly as configured (linkerd2 `pkg/inject/inject.go`, `injectObjectMeta`; the chart's
 * `partials.proxy.annotations`: `identityTrustAnchorsPEM | sha256sum`).
 */
export function trustRootSha256(trustAnchorsPem: string): string {
  return createHash('sha256').update(trustAnchorsPem, 'utf8').digest('hex');
}

/** The annotations for a Job's pods: {@link meshAnnotations} plus the completion strategy's. */
export function meshJobAnnotations(options: MeshJobOptions = {}, scope = 'meshJob'): Record<string, string> {
  const strategy = options.strategy ?? 'native-sidecar';
  const issues = new Issues(scope);
  issues.check(strategy === 'native-sidecar' || strategy === 'linkerd-await', 'strategy', strategy, 'expected "native-sidecar" or "linkerd-await"');
  if (strategy === 'native-sidecar') {
    issues.check(options.nativeSidecar !== false, 'nativeSidecar', false, 'expected nativeSidecar unset or true with strategy "native-sidecar"');
  } else {
    issues.check(options.enableShutdownEndpoint !== false, 'enableShutdownEndpoint', false, 'expected enableShutdownEndpoint unset or true with strategy "linkerd-await"');
  }
  issues.throwIfErrors();
  const base = meshAnnotations(options, scope);
  if (strategy === 'native-sidecar') base[ANNOTATIONS.nativeSidecar] = 'true';
  else base[ANNOTATIONS.proxyAdminShutdown] = 'enabled';
  return base;
}

/** Where the pod template of a workload kind sits (`[]`: the object's own metadata). */
export function podTemplatePath(kind: string): readonly string[] | undefined {
  switch (kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
    case 'ReplicationController':
      return POD_TEMPLATE;
    case 'CronJob':
      return CRON_POD_TEMPLATE;
    case 'Pod':
    case 'Namespace':
      return [];
    default:
      return undefined;
  }
}
const POD_TEMPLATE = ['spec', 'template'] as const;
const CRON_POD_TEMPLATE = ['spec', 'jobTemplate', 'spec', 'template'] as const;

type Json = Record<string, unknown>;

/** Returns a copy of `obj` whose object at `path` is `fn(old)`; copies only the objects on the path. */
function updateAt(obj: Json, path: readonly string[], fn: (old: Json) => Json): Json {
  if (path.length === 0) return fn(obj);
  const [head, ...rest] = path;
  const child = (obj[head] ?? {}) as Json;
  return { ...obj, [head]: updateAt(child, rest, fn) };
}

function withAnnotations(meta: Json, annotations: Record<string, string>): Json {
  const metadata = (meta.metadata ?? {}) as Json;
  return { ...meta, metadata: { ...metadata, annotations: { ...((metadata.annotations as Record<string, string>) ?? {}), ...annotations } } };
}

/**
 * Returns a copy of a pod template (`{ metadata, spec }`) with the annotations of `options` added
 * (existing annotations kept, ours win).
 */
export function meshPodTemplate<T extends { metadata?: { annotations?: Record<string, string> } }>(
  template: T,
  options: MeshWorkloadOptions = {},
): T {
  return withAnnotations(template as unknown as Json, meshAnnotations(options, 'meshPodTemplate')) as unknown as T;
}

function unsupported(scope: string, obj: { kind?: unknown }): never {
  const issues = new Issues(scope);
  issues.error('kind', obj.kind, 'expected a Namespace, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob');
  issues.throwIfErrors();
  throw new Error('unreachable');
}

/** Adds precomputed annotations to the pod template of `obj` (or to a Namespace/Pod's own metadata). */
export function annotatePodTemplate<T extends { kind?: unknown }>(obj: T, annotations: Record<string, string>, scope = 'meshWorkload'): T {
  const path = podTemplatePath(String(obj.kind));
  if (!path) unsupported(scope, obj);
  return updateAt(obj as unknown as Json, path, (tpl) => withAnnotations(tpl, annotations)) as unknown as T;
}

/**
 * Meshes a plain Kubernetes object: a Namespace (every pod in it), a Pod, or a workload's pod
 * template (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob). Returns a new object;
 * `obj` is not modified.
 */
export function meshWorkload<T extends KubeObject>(obj: T, options: MeshWorkloadOptions = {}): T {
  return annotatePodTemplate(obj, meshAnnotations(options, `meshWorkload ${obj.kind} ${obj.metadata?.name ?? ''}`.trim()));
}

/** A container as far as the `linkerd-await` wrapping needs it. */
export interface CommandContainer {
  /** Container name. */
  readonly name?: string;
  /** Entrypoint (the image's when absent: then it cannot be wrapped). */
  readonly command?: readonly string[];
}

/**
 * The new command of each container `linkerd-await` wraps (`undefined`: left alone). Throws when a
 * container to wrap has no `command`, since the image's entrypoint is unknown at synthesis.
 */
export function linkerdAwaitCommands(containers: readonly CommandContainer[], options: MeshJobOptions, scope: string): Array<string[] | undefined> {
  const awaitPath = options.linkerdAwaitPath ?? 'linkerd-await';
  const issues = new Issues(scope);
  const names = options.containers;
  if (names) {
    for (const n of names) issues.check(containers.some((c) => c.name === n), 'containers', n, `expected one of the containers ${containers.map((c) => `"${c.name}"`).join(', ')}`);
  }
  const out = containers.map((c, i) => {
    if (names && !names.includes(c.name ?? '')) return undefined;
    if (!c.command || c.command.length === 0) {
      issues.error(
        `containers[${i}]${c.name ? ` (${c.name})` : ''}.command`,
        c.command,
        'expected an explicit command to wrap with linkerd-await (the image entrypoint is unknown at synthesis); set `command`, or use strategy "native-sidecar"',
      );
      return undefined;
    }
    if (c.command[0] === awaitPath) return undefined; // already wrapped
    return [awaitPath, '--shutdown', '--', ...c.command];
  });
  issues.throwIfErrors();
  return out;
}

/**
 * Meshes a plain Job or CronJob so that it finishes: the mesh annotations plus native sidecar, or
 * `linkerd-await --shutdown` around each container's command (see {@link MeshJobOptions.strategy}).
 */
export function meshJob<T extends KubeObject>(obj: T, options: MeshJobOptions = {}): T {
  const scope = `meshJob ${obj.kind} ${obj.metadata?.name ?? ''}`.trim();
  if (obj.kind !== 'Job' && obj.kind !== 'CronJob') {
    const issues = new Issues(scope);
    issues.error('kind', obj.kind, 'expected a Job or CronJob (use meshWorkload for other kinds)');
    issues.throwIfErrors();
  }
  const annotations = meshJobAnnotations(options, scope);
  const path = podTemplatePath(obj.kind)!;
  return updateAt(obj as unknown as Json, path, (tpl) => {
    let out = withAnnotations(tpl, annotations);
    if ((options.strategy ?? 'native-sidecar') === 'linkerd-await') {
      const spec = (tpl.spec ?? {}) as Json;
      const containers = (spec.containers ?? []) as CommandContainer[];
      const commands = linkerdAwaitCommands(containers, options, scope);
      out = { ...out, spec: { ...spec, containers: containers.map((c, i) => (commands[i] ? { ...c, command: commands[i] } : c)) } };
    }
    return out;
  }) as unknown as T;
}
