/**
 * The framework-free core of linkerd-constructs: plain-object manifests, host provisioning plans,
 * validation and analysis. Nothing here imports cdk8s or Pulumi.
 */
export * from './errors';
export * from './validation';
export * from './k8s';
export * from './constants';
export * from './crds';
export * from './mesh-info';
export * from './network-policies';
export * from './analysis';
export * from './identity';
export * from './mesh';
export * from './authorization';
export * from './external-workload';
export * from './host';
export * from './gitops';
