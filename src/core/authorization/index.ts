/**
 * Linkerd authorization policy from intent (`MeshAuthorization`), ServiceProfiles, EgressNetworks,
 * default inbound policies, and the checks that catch broken policy before it is applied.
 *
 * Helpers used only inside this folder (selector algebra, CIDR math, name derivation) are not
 * re-exported, so they cannot clash with other concepts' names.
 */
export * from './types';
export * from './objects';
export * from './rules';
export * from './routes';
export * from './checks';
export * from './default-policy';
export * from './service-profile';
export * from './egress-network';
export type { ResolvedWorkload, WorkloadPort } from './workload';
export type { IdentityRef, NormalizedSource, SourceContext, SourceGroup, SourceIdentity } from './sources';
