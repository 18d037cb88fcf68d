/**
 * NetworkPolicies for a default-deny cluster that keep Linkerd working, and presets reproducing
 * (and correcting) well-known guides.
 */
export * from './props';
export * from './linkerd-network-policies';
export * from './plan';
export * from './presets';
export { meshedPodSelector } from './peers';
