/**
 * Internal: the `@pulumi/kubernetes` resources whose pod template (or, for Namespaces and Pods, whose
 * metadata) the meshing helpers annotate, and the one way args are updated: plain args stay plain,
 * Outputs are updated inside an `apply`.
 */
import * as pulumi from '@pulumi/pulumi';
import { podTemplatePath } from '../core/mesh';

/** Kubernetes kinds by `@pulumi/kubernetes` resource type token. */
export const POD_TEMPLATE_RESOURCE_KINDS: Readonly<Record<string, string>> = {
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

/** The object as far as the core's pod template functions read it. */
export type TemplateHolder = { kind: string; metadata?: any; spec?: any };

/** The args fields meshing touches. */
export interface TemplateArgs {
  readonly metadata?: pulumi.Input<any>;
  readonly spec?: pulumi.Input<any>;
}

function isPlain(v: unknown): boolean {
  if (pulumi.Output.isInstance(v) || v instanceof Promise) return false;
  if (Array.isArray(v)) return v.every(isPlain);
  if (typeof v === 'object' && v !== null) return Object.values(v).every(isPlain);
  return true;
}

/** New args: `fn` applied to the field holding the pod template (metadata for Namespace/Pod, else spec). */
export function updatePodTemplateArgs<T extends TemplateArgs>(kind: string, args: T, fn: (obj: TemplateHolder) => TemplateHolder): T {
  const field = podTemplatePath(kind)!.length === 0 ? 'metadata' : 'spec';
  const current = args[field];
  if (isPlain(current)) return { ...args, [field]: fn({ kind, [field]: current ?? {} })[field] };
  return { ...args, [field]: pulumi.output(current).apply((v) => fn({ kind, [field]: v ?? {} })[field]) };
}
