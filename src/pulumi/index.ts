/**
 * Pulumi components for Linkerd. Thin wrappers over the framework-free core (`linkerd-constructs`).
 *
 * @packageDocumentation
 */
export {};
