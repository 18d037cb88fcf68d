import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addApiObjects } from './_objects';
import type { MeshReference } from './mesh-reference';
import { egressNetworkObject, type EgressNetworkOptions } from '../core/authorization/egress-network';

/** Props of {@link EgressNetwork}. */
export interface EgressNetworkProps extends EgressNetworkOptions {
  /**
   * The mesh: the EgressNetwork depends on its CRDs when they are in this app.
   *
   * @default - no dependency
   */
  readonly mesh?: MeshReference;
}

/**
 * A Linkerd EgressNetwork (`policy.linkerd.io/v1alpha1`): traffic from meshed pods to networks
 * outside the cluster, allowed or denied by default. In the global egress namespace
 * (`linkerd-egress`, the default) it governs every namespace's clients.
 */
export class EgressNetwork extends Construct {
  /** The EgressNetwork object (also `node.defaultChild`). */
  public readonly resource: ApiObject;

  public constructor(scope: Construct, id: string, props: EgressNetworkProps) {
    super(scope, id);
    const { mesh, ...core } = props;
    [this.resource] = addApiObjects(this, [egressNetworkObject(core, this.node.path)], 0);
    if (mesh?.crds) this.node.addDependency(mesh.crds);
  }
}
