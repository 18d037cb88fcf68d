/** `MeshExpansionService` (cdk8s): a Service over an application's pods, external workloads, or both. */
import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addApiObjects } from './_objects';
import { meshExpansionService, type MeshExpansionServiceProps } from '../core/external-workload/services';

/**
 * A ClusterIP Service whose selector picks the application's pods and external workloads together
 * (the seed's `legacy-app`), only its pods (`legacy-app-cluster`), or only its VMs.
 * The Service is the default child (id `Resource`).
 */
export class MeshExpansionService extends Construct {
  /** The Service object. */
  public readonly apiObject: ApiObject;

  public constructor(scope: Construct, id: string, props: MeshExpansionServiceProps) {
    super(scope, id);
    [this.apiObject] = addApiObjects(this, [meshExpansionService(props, this.node.path)], 0);
  }
}
