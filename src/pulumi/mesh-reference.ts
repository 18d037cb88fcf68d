import type * as pulumi from '@pulumi/pulumi';
import type { ExternalWorkloadInfo, MeshInfo } from '../core/mesh-info';

/**
 * What Pulumi components need from a mesh: its facts, and the resources to depend on.
 * `LinkerdMesh` implements it; so can a mesh installed elsewhere (build one by hand).
 */
export interface MeshReference {
  /** Facts about the installation (namespace, trust domain, endpoints...). */
  readonly info: MeshInfo;
  /** Linkerd's CRDs: anything creating Linkerd custom resources depends on this. */
  readonly crds: pulumi.Resource;
  /** The control plane: anything that needs a running control plane depends on this. */
  readonly controlPlane: pulumi.Resource;
  /** The trust anchor certificate (PEM) proxies outside the cluster must trust. */
  readonly trustAnchorPem: pulumi.Output<string>;
}

/**
 * What Pulumi components need from an external workload host. `ExternalWorkloadHost` implements it.
 */
export interface ExternalWorkloadReference {
  /** Name, namespace, identity, labels and ports of the `ExternalWorkload`. */
  readonly externalWorkload: ExternalWorkloadInfo;
  /** The host's workload IPs (may be known only at deployment). */
  readonly workloadIps: pulumi.Output<string[]>;
  /** The `ExternalWorkload` resource. */
  readonly resource: pulumi.Resource;
}
