/**
 * EgressNetwork (`policy.linkerd.io/v1alpha1`): traffic from meshed pods to destinations outside the
 * cluster, allowed or denied by default per network. An EgressNetwork applies to clients of its own
 * namespace, or to every namespace when it lives in the global egress namespace (`linkerd-egress`
 * unless the chart's `egress.globalEgressNetworkNamespace` says otherwise).
 */
import { LINKERD_CRDS } from '../crds';
import type { EgressNetwork } from '../crds/egress-network';
import { Issues } from '../errors';
import { kubeObject, type KubeObject } from '../k8s';
import type { MeshInfoSource } from '../mesh-info';
import { checkLabels, checkOneOf, DNS1123_LABEL_RULE, DNS1123_SUBDOMAIN_RULE, isDns1123Label, isDns1123Subdomain } from '../validation';
import { checkNetworks } from './networks';
import type { NetworkLike } from './types';

/** The namespace whose EgressNetworks apply to every namespace (the chart's default). */
export const DEFAULT_GLOBAL_EGRESS_NAMESPACE = 'linkerd-egress';

/** The props of `EgressNetwork` every framework shares. */
export interface EgressNetworkOptions {
  /** Name of the EgressNetwork. */
  readonly name: string;
  /**
   * Namespace: its clients are governed; the global egress namespace governs every namespace.
   *
   * @default 'linkerd-egress'
   */
  readonly namespace?: string;
  /**
   * What happens to egress traffic no route of this network admits: `Allow` or `Deny`.
   */
  readonly trafficPolicy: 'Allow' | 'Deny';
  /**
   * Destination networks this EgressNetwork covers.
   *
   * @default - every network outside the cluster networks
   */
  readonly networks?: readonly NetworkLike[];
  /**
   * Labels of the EgressNetwork.
   *
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Props of `EgressNetwork`, one type for both front ends: the shared options and the mesh (`M`: their
 * `MeshReference`).
 */
export interface EgressNetworkProps<M extends MeshInfoSource = MeshInfoSource> extends EgressNetworkOptions {
  /**
   * The mesh: the EgressNetwork depends on its CRDs (in cdk8s when they are in the same app).
   *
   * @default - no dependency
   */
  readonly mesh?: M;
}

/** Builds the EgressNetwork. Throws one {@link ValidationError} listing every problem. */
export function egressNetworkObject(props: EgressNetworkOptions, scope: string): EgressNetwork & KubeObject {
  const issues = new Issues(scope);
  const namespace = props.namespace ?? DEFAULT_GLOBAL_EGRESS_NAMESPACE;
  issues.check(isDns1123Subdomain(props.name), 'name', props.name, DNS1123_SUBDOMAIN_RULE);
  issues.check(isDns1123Label(namespace), 'namespace', namespace, DNS1123_LABEL_RULE);
  checkOneOf(issues, 'trafficPolicy', props.trafficPolicy, ['Allow', 'Deny']);
  if (props.labels) checkLabels(issues, 'labels', props.labels as Record<string, unknown>);
  const networks = props.networks !== undefined ? checkNetworks(issues, 'networks', props.networks) : undefined;
  issues.throwIfErrors();
  const spec: EgressNetwork['spec'] = { trafficPolicy: props.trafficPolicy };
  if (networks) spec.networks = networks.map((n) => (n.except ? { cidr: n.cidr, except: [...n.except] } : { cidr: n.cidr }));
  return kubeObject<EgressNetwork & KubeObject>(
    LINKERD_CRDS.EgressNetwork.apiVersion,
    'EgressNetwork',
    { name: props.name, namespace, labels: props.labels ? { ...props.labels } : undefined },
    { spec },
  );
}
