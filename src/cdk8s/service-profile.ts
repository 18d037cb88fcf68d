import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addApiObjects } from './_objects';
import type { MeshReference } from './mesh-reference';
import { serviceProfileObject, type ServiceProfileProps as CoreServiceProfileProps } from '../core/authorization/service-profile';

/** Props of {@link ServiceProfile}: the core's `ServiceProfileProps` with a cdk8s {@link MeshReference}. */
export type ServiceProfileProps = CoreServiceProfileProps<MeshReference>;

/**
 * A Linkerd ServiceProfile (`linkerd.io/v1alpha2`) named `<service>.<namespace>.svc.<clusterDomain>`:
 * per-route metrics, retries and timeouts for the clients of a Service. Routes come from HTTP path
 * templates or gRPC methods (`grpcRoutes('api.Dgraph', ['Query', 'Mutate'])`).
 */
export class ServiceProfile extends Construct {
  /** Name of the ServiceProfile. */
  public readonly profileName: string;
  /** The ServiceProfile object (also `node.defaultChild`). */
  public readonly resource: ApiObject;

  public constructor(scope: Construct, id: string, props: ServiceProfileProps) {
    super(scope, id);
    const obj = serviceProfileObject(props, this.node.path);
    this.profileName = obj.metadata.name!;
    [this.resource] = addApiObjects(this, [obj], 0);
    if (props.mesh?.crds) this.node.addDependency(props.mesh.crds);
  }
}
