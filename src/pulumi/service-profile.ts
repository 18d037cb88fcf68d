import * as pulumi from '@pulumi/pulumi';
import { kubeResource, resourceName } from './_kube';
import type { MeshReference } from './mesh-reference';
import { serviceProfileObject, type ServiceProfileProps } from '../core/authorization/service-profile';

/** Arguments of {@link ServiceProfile}: the core's {@link ServiceProfileProps} with a Pulumi `MeshReference`. */
export type ServiceProfileArgs = ServiceProfileProps<MeshReference>;

/**
 * A Linkerd ServiceProfile (`linkerd.io/v1alpha2`) named `<service>.<namespace>.svc.<clusterDomain>`:
 * per-route metrics, retries and timeouts for the clients of a Service. Routes come from HTTP path
 * templates or gRPC methods (`grpcRoutes('api.Dgraph', ['Query', 'Mutate'])`).
 */
export class ServiceProfile extends pulumi.ComponentResource {
  /** Name of the ServiceProfile. */
  public readonly profileName: string;
  /** The ServiceProfile resource. */
  public readonly resource: pulumi.CustomResource;

  public constructor(name: string, args: ServiceProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    const mesh = args.mesh;
    const obj = serviceProfileObject(args, `ServiceProfile ${name}`);
    super('linkerd-constructs:index:ServiceProfile', name, {}, opts);
    this.profileName = obj.metadata.name!;
    this.resource = kubeResource(resourceName(name, obj), obj, mesh ? { parent: this, dependsOn: [mesh.crds] } : { parent: this });
    this.registerOutputs({ profileName: this.profileName });
  }
}
