/**
 * The mesh connectivity analyzer: reads manifests, derives the flows Linkerd needs and evaluates
 * NetworkPolicy (both ends) and Linkerd authorization on them.
 */
export { analyzeMesh, findingPattern } from './analyzer';
export type { AcceptedFinding, AnalysisOptions, AnalysisResult, AnalysisSummary } from './analyzer';
export type { AuthorizationVerdict } from './authz';
export { clusterDnsModel, linkerdControlPlaneModel, linkerdVizModel } from './builtin';
export type { AnalysisFinding, BlockingSide, FlowEdge, FlowKind, MeshedTrafficScope } from './flows';
export * from './manifests';
export type { ModelSource } from './model';
export { compileNetworkPolicy, effectivePolicyTypes, evaluateNetworkPolicyConnection } from './netpol';
export type { CompiledPeer, CompiledPolicy, CompiledPort, CompiledRule, PolicyProblem, PolicySubject, PortInfo, SideVerdict } from './netpol';
export * from './question';
export { findingsTable, formatJson, formatMermaid, formatReport } from './report';
export type { Labels, CompiledSelector } from '../selectors';
export type { IpBlockRange, IpRange } from './ip';
