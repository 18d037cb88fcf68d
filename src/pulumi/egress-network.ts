import * as pulumi from '@pulumi/pulumi';
import { kubeResource, resourceName } from './_kube';
import type { MeshReference } from './mesh-reference';
import { egressNetworkObject, type EgressNetworkProps } from '../core/authorization/egress-network';

/** Arguments of {@link EgressNetwork}: the core's {@link EgressNetworkProps} with a Pulumi `MeshReference`. */
export type EgressNetworkArgs = EgressNetworkProps<MeshReference>;

/**
 * A Linkerd EgressNetwork (`policy.linkerd.io/v1alpha1`): traffic from meshed pods to networks
 * outside the cluster, allowed or denied by default. In the global egress namespace
 * (`linkerd-egress`, the default) it governs every namespace's clients.
 */
export class EgressNetwork extends pulumi.ComponentResource {
  /** The EgressNetwork resource. */
  public readonly resource: pulumi.CustomResource;

  public constructor(name: string, args: EgressNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    const { mesh, ...options } = args;
    const obj = egressNetworkObject(options, `EgressNetwork ${name}`);
    super('linkerd-constructs:index:EgressNetwork', name, {}, opts);
    this.resource = kubeResource(resourceName(name, obj), obj, mesh ? { parent: this, dependsOn: [mesh.crds] } : { parent: this });
    this.registerOutputs({});
  }
}
