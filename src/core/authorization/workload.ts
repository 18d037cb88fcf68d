/**
 * What `MeshAuthorization` knows about the governed workload: how to select it, and (when the user
 * passed the workload itself) its pod labels and ports, so that a named port it does not expose and
 * an overlap with another Server on the same pods are caught before anything is applied.
 */
import type { Issues } from '../errors';
import type { KubeObject, LabelSelector } from '../k8s';
import type { ExternalWorkloadInfo } from '../mesh-info';
import { checkLabelSelector } from '../selectors';
import type { AuthorizationWorkload, ExternalWorkloadSource, WorkloadSelector } from './types';

/** A port a workload exposes. */
export interface WorkloadPort {
  /** Port name, when named. */
  readonly name?: string;
  /** Port number. */
  readonly port: number;
}

/** The governed workload, resolved from an {@link AuthorizationWorkload}. */
export interface ResolvedWorkload {
  /** Pods (`podSelector`) or external workloads (`externalWorkloadSelector`). */
  readonly selectorKind: 'pod' | 'externalWorkload';
  /** The selector the Server uses. */
  readonly selector: LabelSelector;
  /** A name for derived object names, when one is known. */
  readonly name?: string;
  /** The workload's namespace, when it carries one. */
  readonly namespace?: string;
  /** Ports the workload exposes, when the workload itself is known. */
  readonly ports?: readonly WorkloadPort[];
  /** Labels of the workload's pods (or of the external workload), when known. */
  readonly labels?: Readonly<Record<string, string>>;
  /** How to name the workload in messages, e.g. `Deployment mixed-env/legacy-app`. */
  readonly description: string;
}

/** Workload kinds whose pod template (and selector) this library reads. */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Pod'] as const;

/** True for an {@link ExternalWorkloadInfo} (name, namespace, identity, labels and ports). */
export function isExternalWorkloadInfo(value: unknown): value is ExternalWorkloadInfo {
  const v = value as Partial<ExternalWorkloadInfo> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    typeof v.namespace === 'string' &&
    typeof v.identity === 'string' &&
    typeof v.labels === 'object' &&
    Array.isArray(v.ports)
  );
}

/** The {@link ExternalWorkloadInfo} of an info or of anything carrying one (`ExternalWorkloadHost`). */
export function externalWorkloadInfoOf(value: unknown): ExternalWorkloadInfo | undefined {
  if (isExternalWorkloadInfo(value)) return value;
  const inner = (value as ExternalWorkloadSource | null)?.externalWorkload;
  return isExternalWorkloadInfo(inner) ? inner : undefined;
}

function isKubeObject(value: unknown): value is KubeObject {
  const v = value as Partial<KubeObject> | null;
  return typeof v === 'object' && v !== null && typeof v.apiVersion === 'string' && typeof v.kind === 'string' && typeof v.metadata === 'object';
}

type Json = Record<string, any>;

/** The pod template (metadata and spec) of a workload object, or the pod itself. */
function podTemplate(obj: Json): { metadata?: Json; spec?: Json } | undefined {
  if (obj.kind === 'Pod') return { metadata: obj.metadata, spec: obj.spec };
  if (obj.kind === 'CronJob') return obj.spec?.jobTemplate?.spec?.template;
  return obj.spec?.template;
}

/** Container ports of a workload object (regular and init containers, which may be native sidecars). */
export function workloadObjectPorts(obj: KubeObject): WorkloadPort[] {
  const spec = podTemplate(obj)?.spec ?? {};
  const ports: WorkloadPort[] = [];
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const p of c?.ports ?? []) {
      if (typeof p?.containerPort === 'number') ports.push(p.name ? { name: p.name, port: p.containerPort } : { port: p.containerPort });
    }
  }
  return ports;
}

/** Pod labels of a workload object. */
export function workloadObjectLabels(obj: KubeObject): Record<string, string> {
  return { ...(podTemplate(obj)?.metadata?.labels ?? {}) };
}

/**
 * Records an error and returns false when `kind` is not a workload kind whose pods can be selected
 * ({@link WORKLOAD_KINDS}).
 */
export function checkWorkloadKind(kind: string, issues: Issues, field: string): boolean {
  if ((WORKLOAD_KINDS as readonly string[]).includes(kind)) return true;
  issues.error(`${field}.kind`, kind, `expected a workload whose pods can be selected: one of ${WORKLOAD_KINDS.join(', ')}; or pass { podSelector } / { externalWorkloadSelector }`);
  return false;
}

/**
 * Resolves a workload object (Deployment, StatefulSet, ..., Pod) to its selector, pod labels and
 * ports. Records an issue and returns `undefined` when the kind is not a workload or it has no selector.
 */
export function resolveWorkloadObject(obj: KubeObject, issues: Issues, field: string): ResolvedWorkload | undefined {
  const description = `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name ?? '<unnamed>'}`;
  if (!checkWorkloadKind(obj.kind, issues, field)) return undefined;
  const labels = workloadObjectLabels(obj);
  const spec = (obj as Json).spec ?? {};
  let selector: LabelSelector;
  if (obj.kind !== 'Pod' && spec.selector && (spec.selector.matchLabels || spec.selector.matchExpressions)) {
    selector = spec.selector;
  } else if (obj.kind === 'ReplicationController' && spec.selector && typeof spec.selector === 'object') {
    selector = { matchLabels: { ...spec.selector } };
  } else {
    selector = { matchLabels: labels };
  }
  const empty = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  if (empty) {
    issues.error(`${field}`, description, 'expected a workload with a pod selector or pod labels (a Server selecting everything would govern every pod of the namespace)');
    return undefined;
  }
  return {
    selectorKind: 'pod',
    selector,
    name: obj.metadata?.name,
    namespace: obj.metadata?.namespace,
    ports: workloadObjectPorts(obj),
    labels,
    description,
  };
}

/** Resolves an external workload to a selector on all its labels, with its ports. */
export function resolveExternalWorkload(info: ExternalWorkloadInfo, issues: Issues, field: string): ResolvedWorkload | undefined {
  const description = `ExternalWorkload ${info.namespace}/${info.name}`;
  if (Object.keys(info.labels).length === 0) {
    issues.error(`${field}.labels`, info.labels, `expected labels on ${description} (a Server selects external workloads by label); or pass { externalWorkloadSelector }`);
    return undefined;
  }
  return {
    selectorKind: 'externalWorkload',
    selector: { matchLabels: { ...info.labels } },
    name: info.name,
    namespace: info.namespace,
    ports: info.ports.map((p) => (p.name ? { name: p.name, port: p.port } : { port: p.port })),
    labels: { ...info.labels },
    description,
  };
}

/** A workload known only by its selector; its description is rendered when a message needs it. */
class SelectedWorkload implements ResolvedWorkload {
  public constructor(
    public readonly selectorKind: 'pod' | 'externalWorkload',
    public readonly selector: LabelSelector,
    public readonly name: string | undefined,
  ) {}

  public get description(): string {
    return `${this.selectorKind === 'pod' ? 'pods' : 'external workloads'} selected by ${JSON.stringify(this.selector)}`;
  }
}

function selectorName(selector: LabelSelector): string | undefined {
  return selector.matchLabels?.['app.kubernetes.io/name'] ?? selector.matchLabels?.app;
}

/** Resolves any {@link AuthorizationWorkload}. Records issues and returns `undefined` when invalid. */
export function resolveWorkload(workload: AuthorizationWorkload, issues: Issues, field = 'workload'): ResolvedWorkload | undefined {
  if (workload === null || typeof workload !== 'object') {
    issues.error(field, workload, 'expected { podSelector }, { externalWorkloadSelector }, an external workload, or a workload object');
    return undefined;
  }
  const external = externalWorkloadInfoOf(workload);
  if (external) return resolveExternalWorkload(external, issues, field);
  if (isKubeObject(workload)) return resolveWorkloadObject(workload, issues, field);
  const sel = workload as WorkloadSelector;
  const hasPod = sel.podSelector !== undefined;
  const hasExternal = sel.externalWorkloadSelector !== undefined;
  if (hasPod === hasExternal) {
    issues.error(field, workload, 'expected exactly one of podSelector and externalWorkloadSelector');
    return undefined;
  }
  const selector = (hasPod ? sel.podSelector : sel.externalWorkloadSelector)!;
  const selField = `${field}.${hasPod ? 'podSelector' : 'externalWorkloadSelector'}`;
  if (!checkLabelSelector(issues, selField, selector)) return undefined;
  if (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0) {
    issues.error(selField, selector, 'expected at least one label requirement (an empty selector governs every workload of the namespace)');
    return undefined;
  }
  return new SelectedWorkload(hasPod ? 'pod' : 'externalWorkload', selector, sel.name ?? selectorName(selector));
}

/**
 * Checks the port against the ports the workload exposes, when they are known: a port name the
 * workload does not expose is an error (the Server would govern nothing, and the policy would
 * silently not apply); a port number it does not declare is a warning.
 */
export function checkWorkloadPort(workload: ResolvedWorkload, port: number | string, issues: Issues, field = 'port'): boolean {
  if (!workload.ports) return true;
  if (typeof port === 'string') {
    if (workload.ports.some((p) => p.name === port)) return true;
    const names = workload.ports.filter((p) => p.name).map((p) => `"${p.name}"`);
    issues.error(
      field,
      port,
      `expected a port name ${workload.description} exposes (${names.length > 0 ? names.join(', ') : 'it exposes no named port'}); a Server on a port name the workload does not have governs nothing`,
    );
    return false;
  }
  if (!workload.ports.some((p) => p.port === port)) {
    const numbers = workload.ports.map((p) => p.port).join(', ');
    issues.warn(field, port, `expected a port ${workload.description} declares (${numbers || 'none'}); Linkerd only applies a Server to declared ports`);
  }
  return true;
}

/** The port number a (named) port resolves to on the workload, when known. */
export function resolvePortNumber(workload: Pick<ResolvedWorkload, 'ports'>, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return workload.ports?.find((p) => p.name === port)?.port;
}
