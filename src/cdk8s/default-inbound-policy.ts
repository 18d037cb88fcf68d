import type { IConstruct } from 'constructs';
import { annotatePodTemplateOf } from './_pod-templates';
import { defaultInboundPolicyAnnotations } from '../core/authorization/default-policy';
import { ANNOTATIONS, type DefaultInboundPolicy } from '../core/constants';

/**
 * Sets Linkerd's default inbound policy (annotation `config.linkerd.io/default-inbound-policy`) on a
 * namespace or a workload of this app: a cdk8s-plus `Namespace` or workload (`Deployment`,
 * `StatefulSet`, ...), or an `ApiObject` of kind `Namespace`, `Pod` or a workload kind. On a
 * workload the annotation goes on the pod template, where the proxy reads it.
 *
 * It governs ports no `Server` selects; a `MeshAuthorization`'s `accessPolicy` governs its own port.
 */
export function annotateDefaultInboundPolicy(target: IConstruct, policy: DefaultInboundPolicy): void {
  annotatePodTemplateOf(target, defaultInboundPolicyAnnotations(policy), {
    field: 'target',
    expected: `expected a Namespace, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job or CronJob: Linkerd reads ${ANNOTATIONS.defaultInboundPolicy} only there`,
  });
}
