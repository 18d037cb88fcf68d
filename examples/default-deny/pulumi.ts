/**
 * The default-deny policies as a Pulumi program: the same props as the cdk8s example. The API
 * server addresses may come from another resource (here a stack configuration value); the analyzer
 * checks the policies when the component is constructed.
 */
import * as pulumi from '@pulumi/pulumi';
import { LinkerdNetworkPolicies } from 'linkerd-constructs/pulumi';

/**
 * The program: returns the component (its `policyNames` are exported by the stack).
 * `apiServerCidr`: the API server's endpoint range (`kubectl get endpoints kubernetes`), not the
 * `kubernetes` Service ClusterIP: NetworkPolicies see the endpoint addresses after DNAT.
 */
export function defaultDenyProgram(apiServerCidr: pulumi.Input<string> = '172.20.0.0/28'): LinkerdNetworkPolicies {
  return new LinkerdNetworkPolicies('default-deny', {
    namespaces: ['shop', 'books'],
    apiServerCidrs: [apiServerCidr],
    vizNamespace: 'linkerd-viz',
  });
}
