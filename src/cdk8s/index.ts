/**
 * cdk8s constructs for Linkerd: thin wrappers over the framework-free core (`linkerd-constructs`).
 *
 * @packageDocumentation
 */
export * from './mesh-reference';
