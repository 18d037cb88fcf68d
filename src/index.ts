/**
 * linkerd-constructs: typed infrastructure-as-code for the Linkerd service mesh.
 *
 * - `linkerd-constructs`: the framework-free core (this entry point): the props every construct
 *   shares, the plain-object builders behind them, the certificate modes, the connectivity analyzer
 *   and the host provisioning plans
 * - `linkerd-constructs/cdk8s`: cdk8s constructs
 * - `linkerd-constructs/pulumi`: Pulumi components
 *
 * This list is the public surface, by intent: what is not named here is internal and may change in
 * any release. The types of Linkerd's custom resources are under one name, `crds`.
 *
 * @packageDocumentation
 */

// --- errors, and an identity a program may need to name itself
export { ValidationError, formatIssue, type ValidationIssue, type IssueSeverity } from './core/errors';
export { linkerdIdentity } from './core/validation';
export type { Late, Plain, ValueKind } from './core/late';

// --- Kubernetes objects as plain data
export { kubeObject, type KubeObject, type ObjectMeta, type LabelSelector, type NetworkPolicy, type Namespace, type Secret, type Service } from './core/k8s';
/** Linkerd's custom resources: `LINKERD_CRDS` (group, version, plural of each kind) and a type per kind (`crds.Server`, `crds.HTTPRoute`...). */
export * as crds from './core/crds';

// --- Linkerd's names and defaults
export {
  ANNOTATIONS,
  LABELS,
  PROXY_PORTS,
  CONTROL_PLANE_PORTS,
  DEFAULT_CONTROL_PLANE_NAMESPACE,
  DEFAULT_TRUST_DOMAIN,
  LINKERD_DEFAULT_CHART_VERSION,
  LINKERD_EDGE_HELM_REPO,
  LINKERD_STABLE_HELM_REPO,
  DEFAULT_INBOUND_POLICIES,
  type InjectMode,
  type DefaultInboundPolicy,
} from './core/constants';
export { meshInfoWithDefaults, type MeshInfo, type MeshInfoSource, type ExternalWorkloadInfo } from './core/mesh-info';

// --- LinkerdMesh: the control plane, its identity, delivery and the workloads it meshes
export {
  planLinkerdMesh,
  meshChartValues,
  meshWorkload,
  meshJob,
  meshAnnotations,
  ARGO_SYNC_WAVES,
  type LinkerdMeshProps,
  type VizOptions,
  type JaegerOptions,
  type ProxyResources,
  type ControllerLogLevel,
  type MeshExtraValues,
  type GatewayApiProps,
  type MeshPlan,
  type MeshChartValues,
  type HelmValues,
  type MeshWorkloadOptions,
  type MeshJobOptions,
  type JobCompletionStrategy,
  type HelmCliOptions,
  type FluxDeliveryOptions,
  type ArgoCdDeliveryOptions,
} from './core/mesh';
export {
  MeshIdentity,
  WebhookCertificates,
  webhookSecretNames,
  certManagerAnchorRotationRunbook,
  type SuppliedIdentityProps,
  type ExistingSecretIdentityProps,
  type CertManagerIdentityProps,
  type SuppliedWebhookCertificatesProps,
  type RunbookStep,
  type RunbookOptions,
} from './core/identity';
export { type RotationStage } from './core/identity/rotation';

// --- MeshAuthorization: Linkerd policy from intent
export {
  meshAuthorizationObjects,
  effectiveInboundPolicy,
  grpcRoutes,
  serviceProfileObject,
  egressNetworkObject,
  type MeshAuthorizationProps,
  type MeshAuthorizationManifest,
  type AuthorizationWorkload,
  type WorkloadSelector,
  type AuthorizationSource,
  type HttpRequestMatch,
  type RouteAuthorization,
  type HttpRateLimit,
  type HttpRateLimitOverride,
  type ServiceProfileProps,
  type ServiceProfileRoute,
  type EgressNetworkOptions,
  type EgressNetworkProps,
} from './core/authorization';

// --- LinkerdNetworkPolicies and the analyzer that proves them
export {
  linkerdNetworkPolicies,
  NetworkPolicyPresets,
  type LinkerdNetworkPoliciesProps,
  type LinkerdNetworkPoliciesPlan,
  type MeshedClientsOnlyOptions,
  type EgressLockdownOptions,
  type NamespaceIsolationOptions,
} from './core/network-policies';
export {
  analyzeMesh,
  formatReport,
  type AnalysisOptions,
  type AnalysisResult,
  type AnalysisSummary,
  type AnalysisFinding,
  type AcceptedFinding,
  type FlowEdge,
  type FlowKind,
  type MeshedTrafficScope,
} from './core/analysis';

// --- ExternalWorkloadHost and SpireServerHost: mesh expansion to VMs
export {
  externalWorkloadManifest,
  podLocationLabels,
  meshExpansionService,
  type ExternalWorkloadProps,
  type ExternalWorkloadPort,
  type MeshExpansionServiceProps,
} from './core/external-workload';
export {
  planHost,
  spireServerHostPlan,
  renderShellBundle,
  renderCloudInit,
  SPIRE_DEFAULT_VERSION,
  PROXY_DEFAULT_IMAGE,
  type ExternalWorkloadHostProps,
  type SpireServerHostProps,
  type SpireOptions,
  type SpireAgentOptions,
  type ExistingSpireAgentOptions,
  type LocalSpireOptions,
  type ProxyOptions,
  type ProxyBinary,
  type TrafficOptions,
  type ReadinessOptions,
  type PreflightOptions,
  type ServiceManagerOptions,
  type HostPlan,
  type HostStep,
} from './core/host';

// --- GitOps stages
export type { GitOpsStage, FluxStagesOptions, ArgoCdStagesOptions } from './core/gitops';
