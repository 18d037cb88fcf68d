/**
 * linkerd-constructs: typed infrastructure-as-code for the Linkerd service mesh.
 *
 * - `linkerd-constructs`: the framework-free core (this entry point)
 * - `linkerd-constructs/cdk8s`: cdk8s constructs
 * - `linkerd-constructs/pulumi`: Pulumi components
 *
 * @packageDocumentation
 */
export * from './core';
