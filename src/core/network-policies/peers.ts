/**
 * Selectors and peers the NetworkPolicies of this library use, in one place so the policies, the
 * presets and the analyzer's suggestions agree.
 */
import { LABELS } from '../constants';
import type { IPBlock, LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicySpec } from '../k8s';
import { kubeObject } from '../k8s';

/** The label every NetworkPolicy of this library carries. */
export const NETWORK_POLICY_MANAGED_BY = { 'app.kubernetes.io/managed-by': 'linkerd-constructs' } as const;

/** Selects a namespace by name (the automatic `kubernetes.io/metadata.name` label). */
export function namespaceNamed(name: string): LabelSelector {
  return { matchLabels: { [LABELS.namespaceName]: name } };
}

/** Selects namespaces by names. */
export function namespacesNamed(names: readonly string[]): LabelSelector {
  return names.length === 1 ? namespaceNamed(names[0]) : { matchExpressions: [{ key: LABELS.namespaceName, operator: 'In', values: [...names] }] };
}

/**
 * Selects meshed pods: the proxy injector labels every pod it injects with
 * `linkerd.io/control-plane-ns`, and the control plane's own pods carry it too.
 */
export function meshedPodSelector(controlPlaneNamespace: string): LabelSelector {
  return { matchLabels: { [LABELS.controlPlaneNs]: controlPlaneNamespace } };
}

/** Selects control plane pods of some components. */
export function controlPlaneComponents(...components: string[]): LabelSelector {
  return components.length === 1
    ? { matchLabels: { [LABELS.controlPlaneComponent]: components[0] } }
    : { matchExpressions: [{ key: LABELS.controlPlaneComponent, operator: 'In', values: components }] };
}

/** Peer: meshed pods of every namespace (`anyNamespace`) or of the policy's own namespace. */
export function meshedPeer(controlPlaneNamespace: string, anyNamespace: boolean): NetworkPolicyPeer {
  const podSelector = meshedPodSelector(controlPlaneNamespace);
  return anyNamespace ? { namespaceSelector: {}, podSelector } : { podSelector };
}

/** Peer: some pods of one namespace. */
export function podsIn(namespace: string, podSelector: LabelSelector): NetworkPolicyPeer {
  return { namespaceSelector: namespaceNamed(namespace), podSelector };
}

/** Peers: one `ipBlock` per CIDR. */
export function ipBlocks(cidrs: readonly string[]): NetworkPolicyPeer[] {
  return cidrs.map((cidr) => ({ ipBlock: { cidr } as IPBlock }));
}

/** An IP as a single-address CIDR. */
export function hostCidr(ip: string): string {
  return ip.includes('/') ? ip : `${ip}/${ip.includes(':') ? 128 : 32}`;
}

/** The peer selecting viz's Prometheus. */
export function vizPrometheusPeer(vizNamespace: string): NetworkPolicyPeer {
  return podsIn(vizNamespace, { matchLabels: { [LABELS.extension]: 'viz', component: 'prometheus' } });
}

/** The peer selecting viz's tap. */
export function vizTapPeer(vizNamespace: string): NetworkPolicyPeer {
  return podsIn(vizNamespace, { matchLabels: { [LABELS.extension]: 'viz', component: 'tap' } });
}

/** A NetworkPolicy object with this library's label (extra labels first). */
export function networkPolicy(
  name: string,
  namespace: string,
  spec: NetworkPolicySpec,
  labels: Readonly<Record<string, string>> = NETWORK_POLICY_MANAGED_BY,
): NetworkPolicy {
  return kubeObject<NetworkPolicy>('networking.k8s.io/v1', 'NetworkPolicy', { name, namespace, labels: { ...labels } }, { spec });
}
