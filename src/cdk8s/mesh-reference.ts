import type { IConstruct } from 'constructs';
import type { ExternalWorkloadInfo, MeshInfo } from '../core/mesh-info';

/**
 * What cdk8s constructs need from a mesh. `LinkerdMesh` implements it; so can a mesh installed
 * elsewhere (build one by hand).
 */
export interface MeshReference {
  /** Facts about the installation (namespace, trust domain, endpoints...). */
  readonly info: MeshInfo;
  /** The construct that installs the CRDs (objects creating Linkerd resources depend on it), if in this app. */
  readonly crds?: IConstruct;
}

/** What cdk8s constructs need from an external workload host. `ExternalWorkloadHost` implements it. */
export interface ExternalWorkloadReference {
  /** Name, namespace, identity, labels, ports and IPs of the `ExternalWorkload`. */
  readonly externalWorkload: ExternalWorkloadInfo;
}
