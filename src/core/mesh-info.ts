/**
 * What other constructs need to know about an installed mesh, and about an external workload.
 * `LinkerdMesh` (cdk8s and Pulumi) exposes a {@link MeshInfo}; `ExternalWorkloadHost` exposes an
 * {@link ExternalWorkloadInfo}. `MeshAuthorization`, `LinkerdNetworkPolicies` and the analyzer
 * consume them, so no construct has to know another's class.
 */
import {
  controlPlaneEndpoints,
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_CLUSTER_NETWORKS,
  DEFAULT_CONTROL_PLANE_NAMESPACE,
  DEFAULT_TRUST_DOMAIN,
  LINKERD_DEFAULT_VERSION,
  type ControlPlaneEndpoints,
  type DefaultInboundPolicy,
} from './constants';

/** Facts about one Linkerd installation. */
export interface MeshInfo {
  /** Control plane namespace. @default 'linkerd' */
  readonly namespace: string;
  /** Identity trust domain. @default 'cluster.local' */
  readonly trustDomain: string;
  /** Cluster DNS domain. @default 'cluster.local' */
  readonly clusterDomain: string;
  /** Cluster-wide default inbound policy. */
  readonly defaultInboundPolicy: DefaultInboundPolicy;
  /** Cluster networks (CIDRs) the proxies treat as in-cluster. */
  readonly clusterNetworks: readonly string[];
  /** High availability (3 replicas, PDBs, anti-affinity). */
  readonly highAvailability: boolean;
  /** Linkerd CNI plugin instead of the proxy-init container. */
  readonly cniEnabled: boolean;
  /** Namespace of the viz extension, when installed. */
  readonly vizNamespace?: string;
  /** Addresses and identities of the control plane. */
  readonly endpoints: ControlPlaneEndpoints;
  /** Registry the mesh's images come from (`imageRegistry`), when mirrored. @default Linkerd's, cr.l5d.io/linkerd */
  readonly imageRegistry?: string;
  /**
   * Linkerd release the control plane runs, e.g. `edge-26.8.3` (derived from an edge chart version;
   * other chart versions leave the default, so give a VM's proxy image explicitly there).
   * @default the library's default release
   */
  readonly linkerdVersion?: string;
}

/** Linkerd's own image registry. */
export const LINKERD_IMAGE_REGISTRY = 'cr.l5d.io/linkerd';

/**
 * The Linkerd release of an edge chart version (`2026.8.3` → `edge-26.8.3`, as the charts'
 * `appVersion` says); undefined for other formats (stable charts number differently).
 */
export function linkerdVersionOfChart(chartVersion: string): string | undefined {
  const m = /^20(\d\d)\.(\d{1,2})\.(\d+)$/.exec(chartVersion);
  return m ? `edge-${m[1]}.${m[2]}.${m[3]}` : undefined;
}

/** The proxy image a mesh's pods run: its registry, its release (what a VM's proxy must match). */
export function meshProxyImage(mesh: Pick<MeshInfo, 'imageRegistry' | 'linkerdVersion'>): string {
  return `${mesh.imageRegistry ?? LINKERD_IMAGE_REGISTRY}/proxy:${mesh.linkerdVersion ?? LINKERD_DEFAULT_VERSION}`;
}

/**
 * A complete {@link MeshInfo} from what is known, Linkerd's defaults for the rest: the reference to a
 * mesh installed elsewhere (`{ info: meshInfoWithDefaults() }` is `linkerd install` with no options).
 * The control plane endpoints follow the namespace, trust domain and cluster domain.
 */
export function meshInfoWithDefaults(partial: Partial<MeshInfo> = {}): MeshInfo {
  const namespace = partial.namespace ?? DEFAULT_CONTROL_PLANE_NAMESPACE;
  const trustDomain = partial.trustDomain ?? DEFAULT_TRUST_DOMAIN;
  const clusterDomain = partial.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  return {
    namespace,
    trustDomain,
    clusterDomain,
    defaultInboundPolicy: partial.defaultInboundPolicy ?? 'all-unauthenticated',
    clusterNetworks: [...(partial.clusterNetworks ?? DEFAULT_CLUSTER_NETWORKS)],
    highAvailability: partial.highAvailability ?? false,
    cniEnabled: partial.cniEnabled ?? false,
    ...(partial.vizNamespace !== undefined ? { vizNamespace: partial.vizNamespace } : {}),
    endpoints: partial.endpoints ?? controlPlaneEndpoints(namespace, trustDomain, clusterDomain),
    ...(partial.imageRegistry !== undefined ? { imageRegistry: partial.imageRegistry } : {}),
    linkerdVersion: partial.linkerdVersion ?? LINKERD_DEFAULT_VERSION,
  };
}

/** Facts about one external workload (a VM or machine meshed with SPIRE). */
export interface ExternalWorkloadInfo {
  /** Name of the `ExternalWorkload` object. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** SPIFFE id the workload's proxy presents (`meshTLS.identity`). */
  readonly identity: string;
  /** Labels of the `ExternalWorkload` (Services and Servers select on them). */
  readonly labels: Readonly<Record<string, string>>;
  /** Named ports the workload serves. */
  readonly ports: ReadonlyArray<{ readonly name?: string; readonly port: number }>;
  /**
   * IP addresses of the workload, when known as plain strings (cdk8s). In Pulumi, where IPs may be
   * Outputs, the component passes them separately.
   */
  readonly workloadIps?: readonly string[];
}

/**
 * Anything that carries mesh facts: the cdk8s and Pulumi `MeshReference`s, `LinkerdMesh`, or
 * `{ info }` built by hand. Construct props take the mesh as one of these.
 */
export interface MeshInfoSource {
  /** Facts about the installation. */
  readonly info: MeshInfo;
}
