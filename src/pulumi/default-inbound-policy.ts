import * as pulumi from '@pulumi/pulumi';
import { annotateDefaultInboundPolicy as annotateObject, defaultInboundPolicyAnnotations } from '../core/authorization/default-policy';
import type { DefaultInboundPolicy } from '../core/constants';
import type { ObjectMeta } from '../core/k8s';

/** Resource type tokens of `@pulumi/kubernetes` the default inbound policy applies to, with their kinds. */
const KINDS: Record<string, string> = {
  'kubernetes:core/v1:Namespace': 'Namespace',
  'kubernetes:core/v1:Pod': 'Pod',
  'kubernetes:core/v1:ReplicationController': 'ReplicationController',
  'kubernetes:apps/v1:Deployment': 'Deployment',
  'kubernetes:apps/v1:StatefulSet': 'StatefulSet',
  'kubernetes:apps/v1:DaemonSet': 'DaemonSet',
  'kubernetes:apps/v1:ReplicaSet': 'ReplicaSet',
  'kubernetes:batch/v1:Job': 'Job',
  'kubernetes:batch/v1:CronJob': 'CronJob',
};

function withAnnotations(metadata: pulumi.Input<ObjectMeta> | undefined, annotations: Record<string, string>): pulumi.Output<ObjectMeta> {
  return pulumi
    .output(metadata as pulumi.Input<ObjectMeta>)
    .apply((m) => ({ ...(m ?? {}), annotations: { ...(m?.annotations ?? {}), ...annotations } }));
}

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
  return { ...args, metadata: withAnnotations(args.metadata, defaultInboundPolicyAnnotations(policy)) };
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
    const kind = KINDS[args.type];
    if (!kind) return undefined;
    const props = args.props as Record<string, pulumi.Input<any>>;
    if (kind === 'Namespace' || kind === 'Pod') {
      return { props: { ...props, metadata: withAnnotations(props.metadata, annotations) }, opts: args.opts };
    }
    const spec = pulumi.output(props.spec).apply((s) => annotateObject({ apiVersion: 'v1', kind, metadata: {}, spec: s ?? {} }, policy).spec);
    return { props: { ...props, spec }, opts: args.opts };
  };
}
