/** `MeshExpansionService` (Pulumi): a Service over an application's pods, external workloads, or both. */
import * as pulumi from '@pulumi/pulumi';
import { kubeResource, resourceName } from './_kube';
import { meshExpansionService, type MeshExpansionServiceProps } from '../core/external-workload/services';

/**
 * A ClusterIP Service whose selector picks the application's pods and external workloads together
 * (the seed's `legacy-app`), only its pods (`legacy-app-cluster`), or only its VMs.
 */
export class MeshExpansionService extends pulumi.ComponentResource {
  /** The Service resource. */
  public readonly service: pulumi.CustomResource;

  public constructor(name: string, args: MeshExpansionServiceProps, opts: pulumi.ComponentResourceOptions = {}) {
    super('linkerd-constructs:index:MeshExpansionService', name, {}, opts);
    const obj = meshExpansionService(args, `MeshExpansionService ${name}`);
    this.service = kubeResource(resourceName(name, obj), obj, { parent: this });
    this.registerOutputs({ name: obj.metadata.name, namespace: obj.metadata.namespace });
  }
}
