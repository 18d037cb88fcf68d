/**
 * cdk8s constructs for Linkerd: thin wrappers over the framework-free core (`linkerd-constructs`).
 *
 * @packageDocumentation
 */
export * from './linkerd-app';
export * from './mesh-reference';
export * from './mesh-delivery';
export * from './linkerd-mesh';
export * from './mesh-injection';
export * from './mesh-authorization';
export * from './service-profile';
export * from './egress-network';
export * from './default-inbound-policy';
export * from './external-workload-host';
export * from './spire-server-host';
export * from './mesh-expansion-service';
export * from './linkerd-network-policies';
export * from './gitops-stages';
