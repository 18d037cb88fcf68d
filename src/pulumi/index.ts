/**
 * Pulumi components for Linkerd: thin wrappers over the framework-free core (`linkerd-constructs`).
 *
 * @packageDocumentation
 */
export * from './mesh-reference';
