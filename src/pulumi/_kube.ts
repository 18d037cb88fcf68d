/**
 * Internal: turns the core's plain objects into `@pulumi/kubernetes` resources. Every component of
 * this entry point goes through here.
 *
 * Which resources exist is decided from plain values (the `shape`); the values inside may be
 * Outputs (`values`), so PEMs, IPs and versions can come from other resources.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { KubeObject } from '../core/k8s';

/** The Pulumi resource name for an object: `kind-namespace-name`, lower case. */
export function resourceName(prefix: string, obj: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const ns = obj.metadata.namespace ? `${obj.metadata.namespace}-` : '';
  return `${prefix}-${obj.kind.toLowerCase()}-${ns}${obj.metadata.name}`;
}

/**
 * Creates the resource for one object.
 *
 * @param name   Pulumi resource name
 * @param shape  the object as far as it is known in plain values (decides the resource type)
 * @param value  the full object, possibly an Output (defaults to `shape`)
 * @param secret mark the object's content secret (Secrets holding keys)
 */
export function kubeResource(
  name: string,
  shape: KubeObject,
  opts: pulumi.CustomResourceOptions,
  value: pulumi.Input<KubeObject> = shape,
  secret = false,
): pulumi.CustomResource {
  const args: Record<string, pulumi.Input<unknown>> = {};
  if (value === shape && !secret) {
    // a plain object: its fields are the inputs (no Output per field: Outputs cost promises and stack traces)
    for (const key of Object.keys(shape)) {
      if (key !== 'apiVersion' && key !== 'kind') args[key] = (shape as Record<string, unknown>)[key];
    }
  } else {
    const out = pulumi.output(value);
    const field = (key: string) => {
      const v = out.apply((o) => (o as Record<string, unknown>)[key]);
      return secret ? pulumi.secret(v) : v;
    };
    for (const key of Object.keys(shape)) {
      if (key === 'apiVersion' || key === 'kind') continue;
      args[key] = key === 'metadata' ? out.apply((o) => o.metadata) : field(key);
    }
  }
  const typed = `${shape.apiVersion}/${shape.kind}`;
  switch (typed) {
    case 'v1/Namespace':
      return new k8s.core.v1.Namespace(name, args as k8s.core.v1.NamespaceArgs, opts);
    case 'v1/Secret':
      return new k8s.core.v1.Secret(name, args as k8s.core.v1.SecretArgs, opts);
    case 'v1/ConfigMap':
      return new k8s.core.v1.ConfigMap(name, args as k8s.core.v1.ConfigMapArgs, opts);
    case 'v1/Service':
      return new k8s.core.v1.Service(name, args as k8s.core.v1.ServiceArgs, opts);
    case 'v1/ServiceAccount':
      return new k8s.core.v1.ServiceAccount(name, args as k8s.core.v1.ServiceAccountArgs, opts);
    case 'rbac.authorization.k8s.io/v1/Role':
      return new k8s.rbac.v1.Role(name, args as k8s.rbac.v1.RoleArgs, opts);
    case 'rbac.authorization.k8s.io/v1/RoleBinding':
      return new k8s.rbac.v1.RoleBinding(name, args as unknown as k8s.rbac.v1.RoleBindingArgs, opts);
    case 'networking.k8s.io/v1/NetworkPolicy':
      return new k8s.networking.v1.NetworkPolicy(name, args as k8s.networking.v1.NetworkPolicyArgs, opts);
    case 'apps/v1/Deployment':
      return new k8s.apps.v1.Deployment(name, args as unknown as k8s.apps.v1.DeploymentArgs, opts);
    case 'apps/v1/StatefulSet':
      return new k8s.apps.v1.StatefulSet(name, args as unknown as k8s.apps.v1.StatefulSetArgs, opts);
    default:
      return new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: shape.apiVersion, kind: shape.kind, ...args } as k8s.apiextensions.CustomResourceArgs,
        opts,
      );
  }
}
