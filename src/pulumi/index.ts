/**
 * Pulumi components for Linkerd: thin wrappers over the framework-free core (`linkerd-constructs`).
 *
 * @packageDocumentation
 */
export * from './mesh-reference';
export * from './mesh-identity';
export * from './linkerd-mesh';
export * from './mesh-injection';
export * from './mesh-authorization';
export * from './service-profile';
export * from './egress-network';
export * from './default-inbound-policy';
export * from './external-workload-host';
export * from './spire-server-host';
export { commandConnection } from './_host-command';
export * from './mesh-expansion-service';
export * from './linkerd-network-policies';
