import * as pulumi from '@pulumi/pulumi';
import { POD_TEMPLATE_RESOURCE_KINDS, updatePodTemplateArgs, type TemplateArgs } from './_pod-templates';
import { defaultInboundPolicyAnnotations } from '../core/authorization/default-policy';
import type { DefaultInboundPolicy } from '../core/constants';
import type { ObjectMeta } from '../core/k8s';
import { annotatePodTemplate } from '../core/mesh';

/**
 * Returns Namespace args (`k8s.core.v1.NamespaceArgs`) whose metadata carries Linkerd's default
 * inbound policy annotation (`config.linkerd.io/default-inbound-policy`), for every pod of the
 * namespace. The input is not modified.
 *
 * ```ts
 * new k8s.core.v1.Namespace('shop', annotateDefaultInboundPolicy({ metadata: { name: 'shop' } }, 'deny'));
 * ```
 */
export function annotateDefaultInboundPolicy<T extends { metadata?: pulumi.Input<ObjectMeta> }>(args: T, policy: DefaultInboundPolicy): T {
  const annotations = defaultInboundPolicyAnnotations(policy);
  return updatePodTemplateArgs('Namespace', args, (obj) => annotatePodTemplate(obj, annotations));
}

/**
 * A resource transformation that sets Linkerd's default inbound policy on every Namespace (its
 * metadata) and every workload (its pod template: Deployment, StatefulSet, DaemonSet, ReplicaSet,
 * ReplicationController, Job, CronJob, Pod) it sees. Pass it to a resource, or to a component to
 * cover all of its children.
 *
 * ```ts
 * new k8s.apps.v1.Deployment('web', args, { transformations: [defaultInboundPolicyTransformation('deny')] });
 * ```
 */
export function defaultInboundPolicyTransformation(policy: DefaultInboundPolicy): pulumi.ResourceTransformation {
  const annotations = defaultInboundPolicyAnnotations(policy);
  return (args) => {
    const kind = POD_TEMPLATE_RESOURCE_KINDS[args.type];
    if (!kind) return undefined;
    return { props: updatePodTemplateArgs(kind, args.props as TemplateArgs, (obj) => annotatePodTemplate(obj, annotations)), opts: args.opts };
  };
}
