import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addApiObjects } from './_objects';
import type { MeshReference } from './mesh-reference';
import { egressNetworkObject, type EgressNetworkProps as CoreEgressNetworkProps } from '../core/authorization/egress-network';

/** Props of {@link EgressNetwork}: the core's `EgressNetworkProps` with a cdk8s {@link MeshReference}. */
export type EgressNetworkProps = CoreEgressNetworkProps<MeshReference>;

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
