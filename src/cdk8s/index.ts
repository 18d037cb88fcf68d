/**
 * cdk8s constructs for Linkerd. Thin wrappers over the framework-free core
 * (`linkerd-constructs`), which they re-export nothing of: import core types from the root.
 *
 * @packageDocumentation
 */
export { objectId } from './_objects';
