/**
 * Props of `LinkerdNetworkPolicies`, shared by the cdk8s construct and the Pulumi component.
 */
import type { AcceptedFinding, MeshedTrafficScope } from '../analysis';
import type { ExternalWorkloadSource } from '../authorization/types';
import type { KubeObject } from '../k8s';
import type { Late, Plain, ValueKind } from '../late';
import type { ExternalWorkloadInfo, MeshInfoSource } from '../mesh-info';

/** Which meshed clients may reach the proxies of an application namespace on 4143. */
export type MeshedPeers = 'mesh' | 'namespace';

/**
 * Props of `LinkerdNetworkPolicies`, one type for both front ends: `K` types the values a program
 * may know only at deployment (the API server CIDRs: `Plain` in the core and cdk8s, `pulumi.Input`
 * in Pulumi), `M` the mesh and `W` the external workloads each front end accepts (Pulumi also
 * takes references whose IPs are Outputs). Which policies exist never depends on a late value.
 */
export interface LinkerdNetworkPoliciesProps<
  K extends ValueKind = Plain,
  M extends MeshInfoSource = MeshInfoSource,
  W = ExternalWorkloadInfo | ExternalWorkloadSource,
> {
  /**
   * The mesh the policies protect (its control plane namespace, viz namespace, cluster networks).
   * @default Linkerd's defaults: control plane in `linkerd`, no viz
   */
  readonly mesh?: M;

  /**
   * Application namespaces to put under a default-deny baseline that keeps their meshed workloads
   * working: DNS, the control plane, meshed traffic on 4143 both ways, metrics (4191) and tap (4190).
   * @default [] (only the control plane namespace)
   */
  readonly namespaces?: readonly string[];

  /**
   * Emit the policies of the control plane namespace (ingress to destination 8086/8090 and identity
   * 8080 from meshed pods, webhooks 8443/9443 from the API server, monitoring; egress to the API
   * server, DNS and the control plane itself).
   * @default true
   */
  readonly controlPlane?: boolean;

  /**
   * Emit a `linkerd-default-deny` policy (ingress and egress) in every namespace handled here.
   * Without it the allow policies still isolate the pods they select.
   * @default true
   */
  readonly defaultDeny?: boolean;

  /**
   * Addresses of the Kubernetes API server (CIDRs; an IP is written `a.b.c.d/32`), for the webhooks
   * it calls and for the control plane's egress to it. Narrow this to your control plane's addresses.
   * @default ['0.0.0.0/0', '::/0']
   */
  readonly apiServerCidrs?: ReadonlyArray<Late<K, string>>;

  /**
   * Ports the API server listens on, as NetworkPolicy sees them (the endpoints behind the
   * `kubernetes` Service: 443 on most managed clusters, 6443 with kubeadm).
   * @default [443, 6443]
   */
  readonly apiServerPorts?: readonly number[];

  /** Namespace of the cluster DNS. @default 'kube-system' */
  readonly dnsNamespace?: string;

  /** Labels of the cluster DNS pods. @default { 'k8s-app': 'kube-dns' } */
  readonly dnsPodLabels?: Readonly<Record<string, string>>;

  /**
   * Namespace of the viz extension: its Prometheus may scrape proxies (4191) and the control plane,
   * its tap may reach proxies (4190).
   * @default `mesh.info.vizNamespace` (none when viz is not installed)
   */
  readonly vizNamespace?: string;

  /**
   * Namespaces of other Prometheus servers allowed to scrape the proxies (4191) and the control
   * plane's admin ports.
   * @default []
   */
  readonly monitoringNamespaces?: readonly string[];

  /** Labels of those Prometheus pods. @default { 'app.kubernetes.io/name': 'prometheus' } */
  readonly monitoringPodLabels?: Readonly<Record<string, string>>;

  /**
   * Meshed clients admitted on 4143: from every namespace (`mesh`; Linkerd authorization then
   * decides who may talk to whom), or only from the same namespace (`namespace`).
   * @default 'mesh'
   */
  readonly meshedPeers?: MeshedPeers;

  /**
   * External workloads (VMs) joined to the mesh, as facts or as anything exposing them
   * (`ExternalWorkloadHost`, an `ExternalWorkloadReference`): their IPs may reach the destination
   * controller (8086/8090) and the meshed pods of their own namespace on 4143, and those pods may
   * reach them. The namespace must be one of `namespaces` for the 4143 rules.
   * @default []
   */
  readonly externalWorkloads?: ReadonlyArray<W>;

  /**
   * Run the mesh connectivity analyzer (cdk8s: at synthesis over every object of the app; Pulumi: at
   * construction over the policies and `analysisManifests`), failing on a blocked mesh flow.
   * @default true
   */
  readonly analyze?: boolean;

  /** Findings accepted on purpose (by id or `*` pattern), each with a reason. @default [] */
  readonly acceptedFindings?: readonly AcceptedFinding[];

  /**
   * Objects the analysis should consider besides those it sees (workloads deployed elsewhere,
   * the policies of other teams).
   * @default []
   */
  readonly analysisManifests?: readonly KubeObject[];

  /** Which meshed pairs the analysis requires on 4143. @default 'namespace' */
  readonly analysisMeshedTraffic?: MeshedTrafficScope;
}
