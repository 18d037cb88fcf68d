/**
 * NetworkPolicies for a default-deny cluster that keep Linkerd working, computed from
 * {@link LinkerdNetworkPoliciesProps}: the policy builders. Both the cdk8s construct and the Pulumi
 * component reach them through `plan.ts` (`linkerdNetworkPolicies`, `networkPoliciesShape`); nothing
 * else turns these props into objects.
 *
 * The model they implement (Linkerd edge-26.8.3; see `docs/network-policies.md`):
 *
 * - Every proxy dials the destination controller on 8086, the policy controller on 8090 (both in the
 *   `linkerd-destination` pods) and the identity controller on 8080 (`linkerd-identity`), directly
 *   (the proxy's own connections skip its outbound listener), after resolving their names through
 *   the cluster DNS.
 * - The API server calls the webhooks on the pods' container ports: proxy injector and
 *   ServiceProfile validator 8443, policy validator 9443.
 * - Meshed traffic between meshed pods lands on the server's inbound proxy port 4143 whatever the
 *   application port (the client proxy sends a transport header naming it), so application-port
 *   rules do not match meshed traffic.
 * - Prometheus scrapes each proxy's admin port 4191 and viz tap reaches each proxy on 4190; neither
 *   port is intercepted by the proxy.
 * - External workloads (VMs) dial the destination controller (8086/8090) and exchange meshed traffic
 *   with pods on 4143.
 *
 * Policies (all labelled `app.kubernetes.io/managed-by: linkerd-constructs`):
 *
 * | namespace | policy | what |
 * |---|---|---|
 * | both | `linkerd-default-deny` | isolates every pod, ingress and egress |
 * | both | `linkerd-allow-dns-egress` | every pod -> cluster DNS, 53/UDP and 53/TCP |
 * | both | `linkerd-allow-control-plane-egress` | every pod -> destination 8086/8090 and identity 8080 |
 * | control plane | `linkerd-allow-kube-api-egress` | control plane -> API server (`apiServerCidrs`, `apiServerPorts`) |
 * | control plane | `linkerd-allow-destination-ingress` | meshed pods (and external workloads) -> destination 8086/8090 |
 * | control plane | `linkerd-allow-identity-ingress` | meshed pods -> identity 8080 |
 * | control plane | `linkerd-allow-webhook-ingress` | API server -> injector/validators 8443, 9443 |
 * | both | `linkerd-allow-monitoring-ingress` | viz Prometheus / `monitoringNamespaces` -> 4191 (and the control plane's admin ports, and 4143 for a meshed Prometheus) |
 * | both | `linkerd-allow-tap-ingress` | viz tap -> 4190 |
 * | application | `linkerd-allow-meshed-ingress` | meshed pods (per `meshedPeers`) and the namespace's external workloads -> 4143 |
 * | application | `linkerd-allow-meshed-egress` | -> meshed pods and the namespace's external workloads on 4143 |
 * | viz (when in `namespaces`) | `linkerd-allow-viz-egress` | viz -> every proxy on 4191/4190, and the API server |
 * | viz (when in `namespaces`) | `linkerd-allow-viz-webhook-ingress` | API server -> tap-injector 8443, tap 8089 |
 */
import type { AnalysisOptions } from '../analysis';
import { CONTROL_PLANE_PORTS, DEFAULT_CONTROL_PLANE_NAMESPACE, DNS_PORT, KUBE_API_SERVER_PORTS, PROXY_PORTS } from '../constants';
import { Issues } from '../errors';
import type { NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort } from '../k8s';
import type { ExternalWorkloadInfo, MeshInfo } from '../mesh-info';
import { checkCidr, checkDns1123Label, checkLabels, checkOneOf, checkPortNumber, isIp } from '../validation';
import {
  controlPlaneComponents,
  hostCidr,
  ipBlocks,
  meshedPeer,
  namespacesNamed,
  networkPolicy,
  podsIn,
  vizPrometheusPeer,
  vizTapPeer,
} from './peers';
import type { LinkerdNetworkPoliciesProps, MeshedPeers } from './props';

/** Default API server addresses: unknown, so every address (narrow them with `apiServerCidrs`). */
export const DEFAULT_API_SERVER_CIDRS: readonly string[] = ['0.0.0.0/0', '::/0'];

/** Default labels of the Prometheus pods of `monitoringNamespaces`. */
export const DEFAULT_MONITORING_POD_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'prometheus' };

/** Default labels of the cluster DNS pods. */
export const DEFAULT_DNS_POD_LABELS: Readonly<Record<string, string>> = { 'k8s-app': 'kube-dns' };

/** Admin (metrics) ports of the control plane containers, scraped by viz's Prometheus. */
export const CONTROL_PLANE_ADMIN_PORTS: readonly number[] = [9990, 9995, 9996, 9997];

/** Container ports the API server calls: proxy injector and ServiceProfile validator 8443, policy validator 9443. */
export const WEBHOOK_PORTS: readonly number[] = [
  ...new Set<number>([CONTROL_PLANE_PORTS.proxyInjector, CONTROL_PLANE_PORTS.spValidator, CONTROL_PLANE_PORTS.policyValidator]),
];

/** Names of the policies this library emits. */
export const LINKERD_NETWORK_POLICY_NAMES = {
  defaultDeny: 'linkerd-default-deny',
  dnsEgress: 'linkerd-allow-dns-egress',
  controlPlaneEgress: 'linkerd-allow-control-plane-egress',
  kubeApiEgress: 'linkerd-allow-kube-api-egress',
  destinationIngress: 'linkerd-allow-destination-ingress',
  identityIngress: 'linkerd-allow-identity-ingress',
  webhookIngress: 'linkerd-allow-webhook-ingress',
  monitoringIngress: 'linkerd-allow-monitoring-ingress',
  tapIngress: 'linkerd-allow-tap-ingress',
  meshedIngress: 'linkerd-allow-meshed-ingress',
  meshedEgress: 'linkerd-allow-meshed-egress',
  vizEgress: 'linkerd-allow-viz-egress',
  vizWebhookIngress: 'linkerd-allow-viz-webhook-ingress',
} as const;

/** Container ports of viz the API server calls: tap-injector's webhook 8443, tap's APIService 8089. */
export const VIZ_API_SERVER_PORTS: readonly number[] = [8443, 8089];

function resolveExternalWorkload(source: ExternalWorkloadInfo | { readonly externalWorkload: ExternalWorkloadInfo }): ExternalWorkloadInfo {
  return 'externalWorkload' in source ? source.externalWorkload : source;
}

const NAMES = LINKERD_NETWORK_POLICY_NAMES;

/**
 * The props with their defaults.
 * @internal
 */
export interface ResolvedNetworkPoliciesProps {
  readonly info?: MeshInfo;
  readonly cpNs: string;
  readonly namespaces: readonly string[];
  readonly controlPlane: boolean;
  readonly defaultDeny: boolean;
  readonly apiServerCidrs: readonly string[];
  readonly apiServerPorts: readonly number[];
  readonly dnsNamespace: string;
  readonly dnsPodLabels: Readonly<Record<string, string>>;
  readonly vizNamespace?: string;
  readonly monitoringNamespaces: readonly string[];
  readonly monitoringPodLabels: Readonly<Record<string, string>>;
  readonly meshedPeers: MeshedPeers;
  readonly workloads: readonly ExternalWorkloadInfo[];
}

/** @internal */
export function resolveNetworkPoliciesProps(props: LinkerdNetworkPoliciesProps): ResolvedNetworkPoliciesProps {
  const info = props.mesh?.info;
  return {
    info,
    cpNs: info?.namespace ?? DEFAULT_CONTROL_PLANE_NAMESPACE,
    namespaces: props.namespaces ?? [],
    controlPlane: props.controlPlane ?? true,
    defaultDeny: props.defaultDeny ?? true,
    apiServerCidrs: props.apiServerCidrs ?? DEFAULT_API_SERVER_CIDRS,
    apiServerPorts: props.apiServerPorts ?? KUBE_API_SERVER_PORTS,
    dnsNamespace: props.dnsNamespace ?? 'kube-system',
    dnsPodLabels: props.dnsPodLabels ?? DEFAULT_DNS_POD_LABELS,
    vizNamespace: props.vizNamespace ?? info?.vizNamespace,
    monitoringNamespaces: props.monitoringNamespaces ?? [],
    monitoringPodLabels: props.monitoringPodLabels ?? DEFAULT_MONITORING_POD_LABELS,
    meshedPeers: props.meshedPeers ?? 'mesh',
    workloads: (props.externalWorkloads ?? []).map(resolveExternalWorkload),
  };
}

/**
 * The API server CIDRs: at least one, each a CIDR (checked with the props, and again when they arrive late).
 * @internal
 */
export function checkApiServerCidrs(issues: Issues, cidrs: readonly string[]): void {
  if (cidrs.length === 0) issues.error('apiServerCidrs', cidrs, 'expected at least one CIDR (the API server must reach the webhooks)');
  cidrs.forEach((c, i) => checkCidr(issues, `apiServerCidrs[${i}]`, c));
}

/**
 * The IPs of external workload `index` (checked with the props, and again when they arrive late).
 * @internal
 */
export function checkExternalWorkloadIps(issues: Issues, index: number, ips: readonly string[]): void {
  ips.forEach((ip, j) => {
    if (!isIp(ip)) issues.error(`externalWorkloads[${index}].workloadIps[${j}]`, ip, 'expected an IPv4 or IPv6 address such as "192.0.2.10"');
  });
}

/**
 * Every check of the props; returns the warnings (errors are recorded on `issues`).
 * @internal
 */
export function checkNetworkPoliciesProps(r: ResolvedNetworkPoliciesProps, props: LinkerdNetworkPoliciesProps, issues: Issues): string[] {
  const { cpNs, namespaces, controlPlane, apiServerCidrs, apiServerPorts, dnsNamespace, dnsPodLabels } = r;
  const { vizNamespace, monitoringNamespaces, monitoringPodLabels, meshedPeers, workloads } = r;
  const warnings: string[] = [];
  const seen = new Set<string>();
  namespaces.forEach((ns, i) => {
    if (!checkDns1123Label(issues, `namespaces[${i}]`, ns)) return;
    if (ns === cpNs) issues.error(`namespaces[${i}]`, ns, `expected an application namespace; the control plane namespace "${cpNs}" gets its own policies (see controlPlane)`);
    if (seen.has(ns)) issues.error(`namespaces[${i}]`, ns, 'expected each namespace once');
    seen.add(ns);
  });
  if (!controlPlane && namespaces.length === 0) issues.error('namespaces', namespaces, 'expected at least one application namespace when controlPlane is false (nothing to emit otherwise)');
  checkApiServerCidrs(issues, apiServerCidrs);
  if (apiServerPorts.length === 0) issues.error('apiServerPorts', apiServerPorts, 'expected at least one port');
  apiServerPorts.forEach((p, i) => checkPortNumber(issues, `apiServerPorts[${i}]`, p));
  checkDns1123Label(issues, 'dnsNamespace', dnsNamespace);
  if (Object.keys(dnsPodLabels).length === 0) issues.error('dnsPodLabels', dnsPodLabels, 'expected at least one label (an empty selector would admit every pod of the DNS namespace)');
  checkLabels(issues, 'dnsPodLabels', dnsPodLabels as Record<string, unknown>);
  if (vizNamespace !== undefined) checkDns1123Label(issues, 'vizNamespace', vizNamespace);
  monitoringNamespaces.forEach((ns, i) => checkDns1123Label(issues, `monitoringNamespaces[${i}]`, ns));
  checkLabels(issues, 'monitoringPodLabels', monitoringPodLabels as Record<string, unknown>);
  checkOneOf(issues, 'meshedPeers', meshedPeers, ['mesh', 'namespace'] as const);
  workloads.forEach((w, i) => {
    checkDns1123Label(issues, `externalWorkloads[${i}].namespace`, w.namespace);
    checkExternalWorkloadIps(issues, i, w.workloadIps ?? []);
    if (!namespaces.includes(w.namespace)) {
      warnings.push(`externalWorkloads[${i}] (${w.namespace}/${w.name}): namespace "${w.namespace}" is not in namespaces, so no policy here admits its meshed traffic (only its access to the control plane)`);
    }
  });
  (props.acceptedFindings ?? []).forEach((a, i) => {
    if (typeof a.id !== 'string' || a.id.trim() === '') issues.error(`acceptedFindings[${i}].id`, a.id, 'expected a finding id such as "metrics:ingress:shop/web:4191/TCP" (or a pattern with *)');
    if (typeof a.reason !== 'string' || a.reason.trim() === '') issues.error(`acceptedFindings[${i}].reason`, a.reason, 'expected a reason: accepting a blocked mesh flow must say why');
  });
  return warnings;
}

const ports = (...list: Array<[number, 'TCP' | 'UDP']>) => list.map(([port, protocol]): NetworkPolicyPort => ({ protocol, port }));
const tcp = (...list: number[]) => ports(...list.map((p): [number, 'TCP'] => [p, 'TCP']));

/** The policies several namespaces share, and the peers they are made of. */
class PolicyBlocks {
  public readonly monitoringPeers: NetworkPolicyPeer[];
  public readonly allWorkloadCidrs: string[];

  public constructor(private readonly r: ResolvedNetworkPoliciesProps) {
    this.allWorkloadCidrs = this.workloadCidrs(() => true);
    this.monitoringPeers = [
      ...(r.vizNamespace ? [vizPrometheusPeer(r.vizNamespace)] : []),
      ...(r.monitoringNamespaces.length > 0
        ? [{ namespaceSelector: namespacesNamed(r.monitoringNamespaces), podSelector: { matchLabels: { ...r.monitoringPodLabels } } }]
        : []),
    ];
  }

  /** The host CIDRs of the external workloads `filter` keeps, sorted. */
  public workloadCidrs(filter: (w: ExternalWorkloadInfo) => boolean): string[] {
    return [...new Set(this.r.workloads.filter(filter).flatMap((w) => (w.workloadIps ?? []).map(hostCidr)))].sort();
  }

  public dnsEgress(ns: string): NetworkPolicy {
    return networkPolicy(NAMES.dnsEgress, ns, {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [podsIn(this.r.dnsNamespace, { matchLabels: { ...this.r.dnsPodLabels } })], ports: ports([DNS_PORT, 'UDP'], [DNS_PORT, 'TCP']) }],
    });
  }

  public controlPlaneEgress(ns: string): NetworkPolicy {
    const cpNs = this.r.cpNs;
    const peer = (component: string): NetworkPolicyPeer =>
      ns === cpNs ? { podSelector: controlPlaneComponents(component) } : podsIn(cpNs, controlPlaneComponents(component));
    return networkPolicy(NAMES.controlPlaneEgress, ns, {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        { to: [peer('destination')], ports: tcp(CONTROL_PLANE_PORTS.destination, CONTROL_PLANE_PORTS.policy) },
        { to: [peer('identity')], ports: tcp(CONTROL_PLANE_PORTS.identity) },
      ],
    });
  }

  public defaultDeny(ns: string): NetworkPolicy {
    return networkPolicy(NAMES.defaultDeny, ns, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  }

  public tapIngress(ns: string): NetworkPolicy[] {
    const viz = this.r.vizNamespace;
    return viz ? [networkPolicy(NAMES.tapIngress, ns, { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [vizTapPeer(viz)], ports: tcp(PROXY_PORTS.control) }] })] : [];
  }
}

/** The control plane namespace's policies. */
function controlPlanePolicies(r: ResolvedNetworkPoliciesProps, b: PolicyBlocks): NetworkPolicy[] {
  const { cpNs, defaultDeny, apiServerCidrs, apiServerPorts } = r;
  const { monitoringPeers, allWorkloadCidrs } = b;
  const policies: NetworkPolicy[] = [];
  const meshed = meshedPeer(cpNs, true);
  const apiPorts = tcp(CONTROL_PLANE_PORTS.destination, CONTROL_PLANE_PORTS.policy);
  const destinationRules: NetworkPolicyIngressRule[] = [{ from: [meshed], ports: apiPorts }];
  if (allWorkloadCidrs.length > 0) destinationRules.push({ from: ipBlocks(allWorkloadCidrs), ports: apiPorts });
  if (defaultDeny) policies.push(b.defaultDeny(cpNs));
  policies.push(
    b.dnsEgress(cpNs),
    b.controlPlaneEgress(cpNs),
    networkPolicy(NAMES.kubeApiEgress, cpNs, {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: ipBlocks(apiServerCidrs), ports: tcp(...apiServerPorts) }],
    }),
    networkPolicy(NAMES.destinationIngress, cpNs, { podSelector: controlPlaneComponents('destination'), policyTypes: ['Ingress'], ingress: destinationRules }),
    networkPolicy(NAMES.identityIngress, cpNs, {
      podSelector: controlPlaneComponents('identity'),
      policyTypes: ['Ingress'],
      ingress: [{ from: [meshed], ports: tcp(CONTROL_PLANE_PORTS.identity) }],
    }),
    networkPolicy(NAMES.webhookIngress, cpNs, {
      podSelector: controlPlaneComponents('destination', 'proxy-injector'),
      policyTypes: ['Ingress'],
      ingress: [{ from: ipBlocks(apiServerCidrs), ports: tcp(...WEBHOOK_PORTS) }],
    }),
  );
  if (monitoringPeers.length > 0) {
    policies.push(
      networkPolicy(NAMES.monitoringIngress, cpNs, {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: monitoringPeers, ports: tcp(PROXY_PORTS.admin, PROXY_PORTS.inbound, ...CONTROL_PLANE_ADMIN_PORTS) }],
      }),
    );
  }
  policies.push(...b.tapIngress(cpNs));
  return policies;
}

/** An application namespace's policies (and viz's own, when it is the viz namespace). */
function applicationNamespacePolicies(r: ResolvedNetworkPoliciesProps, b: PolicyBlocks, ns: string): NetworkPolicy[] {
  const { cpNs, defaultDeny, apiServerCidrs, apiServerPorts, meshedPeers, vizNamespace } = r;
  const { monitoringPeers } = b;
  const policies: NetworkPolicy[] = [];
  const anyNamespace = meshedPeers === 'mesh';
  const peers = [meshedPeer(cpNs, anyNamespace)];
  // an external workload exchanges meshed traffic with the pods of its own namespace (keeps policy size linear)
  const vmCidrs = b.workloadCidrs((w) => w.namespace === ns);
  const meshedIngress: NetworkPolicyIngressRule[] = [{ from: peers, ports: tcp(PROXY_PORTS.inbound) }];
  if (vmCidrs.length > 0) meshedIngress.push({ from: ipBlocks(vmCidrs), ports: tcp(PROXY_PORTS.inbound) });
  if (defaultDeny) policies.push(b.defaultDeny(ns));
  policies.push(
    b.dnsEgress(ns),
    b.controlPlaneEgress(ns),
    networkPolicy(NAMES.meshedIngress, ns, { podSelector: {}, policyTypes: ['Ingress'], ingress: meshedIngress }),
    networkPolicy(NAMES.meshedEgress, ns, {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        { to: peers, ports: tcp(PROXY_PORTS.inbound) },
        ...(vmCidrs.length > 0 ? [{ to: ipBlocks(vmCidrs), ports: tcp(PROXY_PORTS.inbound) }] : []),
      ],
    }),
  );
  if (monitoringPeers.length > 0) {
    policies.push(networkPolicy(NAMES.monitoringIngress, ns, { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: monitoringPeers, ports: tcp(PROXY_PORTS.admin) }] }));
  }
  policies.push(...b.tapIngress(ns));
  if (ns === vizNamespace) {
    // viz itself under the baseline: its Prometheus scrapes and its tap reaches every proxy, its
    // components watch the API, and the API server calls tap-injector and tap's APIService
    policies.push(
      networkPolicy(NAMES.vizEgress, ns, {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          { to: [{ namespaceSelector: {} }], ports: tcp(PROXY_PORTS.admin, PROXY_PORTS.control) },
          { to: ipBlocks(apiServerCidrs), ports: tcp(...apiServerPorts) },
        ],
      }),
      networkPolicy(NAMES.vizWebhookIngress, ns, {
        podSelector: { matchExpressions: [{ key: 'component', operator: 'In', values: ['tap', 'tap-injector'] }] },
        policyTypes: ['Ingress'],
        ingress: [{ from: ipBlocks(apiServerCidrs), ports: tcp(...VIZ_API_SERVER_PORTS) }],
      }),
    );
  }
  return policies;
}

/**
 * What the analyzer needs to check these policies as they will run.
 * @internal
 */
export function analysisOptionsFor(r: ResolvedNetworkPoliciesProps, props: LinkerdNetworkPoliciesProps): AnalysisOptions {
  const { info, cpNs, vizNamespace, apiServerCidrs, apiServerPorts, dnsNamespace, dnsPodLabels } = r;
  const { namespaces, monitoringNamespaces, monitoringPodLabels } = r;
  return {
    mesh: { ...(info ?? {}), namespace: cpNs, ...(vizNamespace !== undefined ? { vizNamespace } : {}) },
    apiServerCidrs: [...apiServerCidrs],
    apiServerPort: apiServerPorts[0],
    dnsNamespace,
    dnsPodLabels: { ...dnsPodLabels },
    assumeMeshedWorkloadsIn: [...namespaces],
    ...(monitoringNamespaces.length > 0 ? { monitoringNamespaces: [...monitoringNamespaces], monitoringPodLabels: { ...monitoringPodLabels } } : {}),
    ...(props.analysisMeshedTraffic ? { meshedTraffic: props.analysisMeshedTraffic } : {}),
    acceptedFindings: [...(props.acceptedFindings ?? [])],
  };
}

/**
 * The policies of resolved, checked props: the control plane namespace's, then each application
 * namespace's in order.
 * @internal
 */
export function policiesOf(r: ResolvedNetworkPoliciesProps): NetworkPolicy[] {
  const blocks = new PolicyBlocks(r);
  return [...(r.controlPlane ? controlPlanePolicies(r, blocks) : []), ...r.namespaces.flatMap((ns) => applicationNamespacePolicies(r, blocks, ns))];
}
