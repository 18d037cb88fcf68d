/**
 * Default inbound policy at the three levels Linkerd reads it, and how they compose:
 *
 * | level | where | governs |
 * |---|---|---|
 * | cluster | `proxy.defaultInboundPolicy` (`LinkerdMesh`, `MeshInfo.defaultInboundPolicy`) | every meshed pod |
 * | namespace | annotation `config.linkerd.io/default-inbound-policy` on the Namespace | pods of the namespace |
 * | workload | the same annotation on the pod template | the workload's pods |
 * | port | a `Server`'s `accessPolicy` (`MeshAuthorization`) | the Server's port on the pods it selects |
 *
 * The most specific level present wins: a Server's `accessPolicy` for its port, otherwise the pod's
 * annotation, otherwise the namespace's, otherwise the cluster's. Proxies read the annotations when
 * they start, so changing them takes effect when pods restart.
 */
import { ANNOTATIONS, DEFAULT_INBOUND_POLICIES, type DefaultInboundPolicy } from '../constants';
import { Issues } from '../errors';
import type { KubeObject } from '../k8s';
import { annotatePodTemplate } from '../mesh/injection';
import { checkOneOf } from '../validation';

/** The annotation that sets a namespace's or workload's default inbound policy. */
export function defaultInboundPolicyAnnotations(policy: DefaultInboundPolicy): Record<string, string> {
  const issues = new Issues('defaultInboundPolicy');
  checkOneOf(issues, 'policy', policy, DEFAULT_INBOUND_POLICIES);
  issues.throwIfErrors();
  return { [ANNOTATIONS.defaultInboundPolicy]: policy };
}

/**
 * Returns a copy of a Namespace or workload object (Deployment, StatefulSet, DaemonSet, ReplicaSet,
 * ReplicationController, Job, CronJob, Pod) carrying the default inbound policy annotation: on the
 * Namespace's (or Pod's) metadata, or on the pod template of a workload (the proxy reads it from its
 * pod). The input is not modified.
 */
export function annotateDefaultInboundPolicy<T extends KubeObject>(obj: T, policy: DefaultInboundPolicy): T {
  const annotations = defaultInboundPolicyAnnotations(policy);
  const scope = `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name ?? ''}`;
  return annotatePodTemplate(obj, annotations, scope);
}

/** The default inbound policy set at each level, as far as known. */
export interface InboundPolicyLayers {
  /**
   * The cluster default (`MeshInfo.defaultInboundPolicy`).
   *
   * @default 'all-unauthenticated' (Linkerd's default)
   */
  readonly cluster?: DefaultInboundPolicy;
  /**
   * The namespace's annotation.
   *
   * @default - not annotated
   */
  readonly namespace?: DefaultInboundPolicy;
  /**
   * The workload's pod template annotation.
   *
   * @default - not annotated
   */
  readonly workload?: DefaultInboundPolicy;
  /**
   * The `accessPolicy` of a Server selecting the port.
   *
   * @default - no Server selects the port
   */
  readonly server?: DefaultInboundPolicy;
}

/** The policy that applies to connections no authorization admits, and the level it comes from. */
export interface EffectiveInboundPolicy {
  /** The policy. */
  readonly policy: DefaultInboundPolicy;
  /** The level that set it. */
  readonly from: 'server' | 'workload' | 'namespace' | 'cluster';
}

/** Composes the levels: the most specific one present wins. */
export function effectiveInboundPolicy(layers: InboundPolicyLayers): EffectiveInboundPolicy {
  if (layers.server !== undefined) return { policy: layers.server, from: 'server' };
  if (layers.workload !== undefined) return { policy: layers.workload, from: 'workload' };
  if (layers.namespace !== undefined) return { policy: layers.namespace, from: 'namespace' };
  return { policy: layers.cluster ?? 'all-unauthenticated', from: 'cluster' };
}
