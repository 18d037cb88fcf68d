/**
 * NetworkPolicies from well-known write-ups, as published and corrected for current Linkerd.
 *
 * Each `...AsPublished` preset reproduces what a guide told readers to apply; the unsuffixed preset
 * is what that guide's intent needs with Linkerd edge-26.8.3. The analyzer tests show what the
 * published version breaks and that the corrected one passes.
 */
import { CONTROL_PLANE_PORTS, DEFAULT_CONTROL_PLANE_NAMESPACE, DNS_PORT, LABELS, PROXY_PORTS } from '../constants';
import { Issues } from '../errors';
import type { NetworkPolicy, NetworkPolicyPort } from '../k8s';
import { checkCidr, checkDns1123Label, checkLabels, checkPort } from '../validation';
import { DEFAULT_API_SERVER_CIDRS } from './linkerd-network-policies';
import { ipBlocks, meshedPeer, namespaceNamed, networkPolicy, vizPrometheusPeer, vizTapPeer } from './peers';

/** Options of the "meshed clients only" presets (a workload that only meshed clients may reach). */
export interface MeshedClientsOnlyOptions {
  /** Namespace of the workload. */
  readonly namespace: string;
  /** Labels selecting the workload's pods (e.g. Dgraph Alpha's). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Application ports the guide opened (Dgraph: HTTP 8080, gRPC 9080). @default [] (every port) */
  readonly ports?: ReadonlyArray<number | string>;
  /** Policy name. @default 'allow-meshed-clients-only' */
  readonly name?: string;
  /** Control plane namespace (the value of `linkerd.io/control-plane-ns`). @default 'linkerd' */
  readonly controlPlaneNamespace?: string;
  /** Namespace of viz (the corrected preset admits its Prometheus on 4191 and tap on 4190). @default 'linkerd-viz' */
  readonly vizNamespace?: string;
}

/** Options of the "egress lockdown" presets (an application namespace that may only reach Linkerd and DNS). */
export interface EgressLockdownOptions {
  /** The application namespace. */
  readonly namespace: string;
  /** Control plane namespace. @default 'linkerd' */
  readonly controlPlaneNamespace?: string;
}

/** Options of the "namespace isolation" presets (every namespace only admits its own pods). */
export interface NamespaceIsolationOptions {
  /** Application namespaces. */
  readonly namespaces: readonly string[];
  /** Control plane namespace. @default 'linkerd' */
  readonly controlPlaneNamespace?: string;
  /** API server addresses (the corrected preset admits them to the webhooks). @default ['0.0.0.0/0', '::/0'] */
  readonly apiServerCidrs?: readonly string[];
  /** Namespace of viz (the corrected preset admits its Prometheus and tap into applications). @default 'linkerd-viz' */
  readonly vizNamespace?: string;
}

const PLAIN = {} as const;

function tcp(...list: Array<number | string>): NetworkPolicyPort[] {
  return list.map((port) => ({ protocol: 'TCP', port }));
}

function checkNamespace(issues: Issues, field: string, value: unknown): void {
  checkDns1123Label(issues, field, value);
}

/**
 * NetworkPolicies reproducing three published guides, and their corrections for current Linkerd.
 * All methods are pure and return plain `NetworkPolicy` objects.
 */
export class NetworkPolicyPresets {
  /**
   * "Deny all traffic to the workload except from the service mesh" (Linkerd on AKS with Dgraph,
   * seed 001): ingress only from pods labelled `linkerd.io/control-plane-ns`, on the application
   * ports. With Linkerd >= 2.18 meshed clients arrive on 4143, never on the application ports, and
   * viz's Prometheus and tap are refused on 4191/4190, so this blocks the very clients it admits.
   */
  public static meshedClientsOnlyAsPublished(options: MeshedClientsOnlyOptions): NetworkPolicy[] {
    const o = NetworkPolicyPresets.checkMeshedClientsOnly(options);
    return [
      networkPolicy(o.name, o.namespace, {
        podSelector: { matchLabels: { ...o.podLabels } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [meshedPeer(o.cp, true)], ...(o.ports.length > 0 ? { ports: tcp(...o.ports) } : {}) }],
      }, PLAIN),
    ];
  }

  /**
   * The corrected "meshed clients only": meshed clients on the proxy's inbound port 4143, viz's
   * Prometheus on 4191 and viz's tap on 4190. Which meshed client may call which route is then
   * Linkerd authorization's job (Server + AuthorizationPolicy).
   */
  public static meshedClientsOnly(options: MeshedClientsOnlyOptions): NetworkPolicy[] {
    const o = NetworkPolicyPresets.checkMeshedClientsOnly(options);
    const viz = options.vizNamespace ?? 'linkerd-viz';
    return [
      networkPolicy(o.name, o.namespace, {
        podSelector: { matchLabels: { ...o.podLabels } },
        policyTypes: ['Ingress'],
        ingress: [
          { from: [meshedPeer(o.cp, true)], ports: tcp(PROXY_PORTS.inbound) },
          { from: [vizPrometheusPeer(viz)], ports: tcp(PROXY_PORTS.admin) },
          { from: [vizTapPeer(viz)], ports: tcp(PROXY_PORTS.control) },
        ],
      }, PLAIN),
    ];
  }

  /**
   * The three policies a platform's mTLS-by-default guide (seed 003) gives a default-deny
   * namespace: `allow-linkerd-control-plane-egress` (every port to the control plane namespace),
   * `egress-kube-dns` and `default-deny-all` (egress only). With current Linkerd they block all
   * meshed traffic leaving the namespace's pods, even to their neighbours (it goes to 4143); and
   * since `allow-linkerd-control-plane-egress` has egress rules but no `policyTypes`, the API server
   * defaults it to `[Ingress, Egress]`: it also denies every ingress (meshed 4143, metrics 4191,
   * tap 4190).
   */
  public static egressLockdownAsPublished(options: EgressLockdownOptions): NetworkPolicy[] {
    const o = NetworkPolicyPresets.checkEgressLockdown(options);
    return NetworkPolicyPresets.lockdown(o.namespace, o.cp, false);
  }

  /**
   * The corrected lockdown: `allow-linkerd-control-plane-egress` with `policyTypes: [Egress]` (so it
   * no longer denies ingress), the same `egress-kube-dns` and `default-deny-all`, plus
   * `allow-meshed-egress` (4143 to meshed pods of any namespace).
   */
  public static egressLockdown(options: EgressLockdownOptions): NetworkPolicy[] {
    const o = NetworkPolicyPresets.checkEgressLockdown(options);
    return [
      ...NetworkPolicyPresets.lockdown(o.namespace, o.cp, true),
      networkPolicy('allow-meshed-egress', o.namespace, { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [meshedPeer(o.cp, true)], ports: tcp(PROXY_PORTS.inbound) }] }, PLAIN),
    ];
  }

  /**
   * "Linkerd 2.x with Network Policy" (2019, seed 004): `deny-all-ingress` (only same-namespace
   * ingress) in every namespace, `allow-meshed-ingress` in the control plane namespace (pods with
   * `linkerd.io/proxy-deployment`) and `allow-control-plane-ingress` in applications (from the
   * namespace labelled `linkerd.io/control-plane-ns`). With current Linkerd: the API server cannot
   * reach the webhooks, proxies of StatefulSets, DaemonSets and Jobs (no `proxy-deployment` label)
   * cannot reach the control plane, and viz's Prometheus and tap (now in their own namespace) cannot
   * reach the proxies.
   */
  public static namespaceIsolationAsPublished(options: NamespaceIsolationOptions): NetworkPolicy[] {
    const o = NetworkPolicyPresets.checkNamespaceIsolation(options);
    const denyAll = (ns: string) => networkPolicy('deny-all-ingress', ns, { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] }, PLAIN);
    return [
      denyAll(o.cp),
      networkPolicy('allow-meshed-ingress', o.cp, {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: LABELS.proxyDeployment, operator: 'Exists' }] } }] }],
      }, PLAIN),
      ...o.namespaces.flatMap((ns) => [
        denyAll(ns),
        networkPolicy('allow-control-plane-ingress', ns, { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [LABELS.controlPlaneNs]: o.cp } } }] }] }, PLAIN),
      ]),
    ];
  }

  /**
   * The corrected namespace isolation: the same `deny-all-ingress`; in the control plane namespace
   * `allow-meshed-ingress` from every meshed pod (`linkerd.io/control-plane-ns` exists) to the
   * destination, policy and identity ports, `allow-webhook-ingress` from the API server and
   * `allow-linkerd-viz-ingress` (viz Prometheus on 4191 and, for the admin ports, 4143; tap on
   * 4190); in applications `allow-linkerd-viz-ingress` (Prometheus on 4191, tap on 4190) instead of
   * `allow-control-plane-ingress`, since the control plane no longer connects to proxies.
   */
  public static namespaceIsolation(options: NamespaceIsolationOptions): NetworkPolicy[] {
    const o = NetworkPolicyPresets.checkNamespaceIsolation(options);
    const viz = options.vizNamespace ?? 'linkerd-viz';
    const denyAll = (ns: string) => networkPolicy('deny-all-ingress', ns, { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] }, PLAIN);
    return [
      denyAll(o.cp),
      networkPolicy('allow-meshed-ingress', o.cp, {
        podSelector: {},
        ingress: [
          {
            from: [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: LABELS.controlPlaneNs, operator: 'Exists' }] } }],
            ports: tcp(CONTROL_PLANE_PORTS.destination, CONTROL_PLANE_PORTS.policy, CONTROL_PLANE_PORTS.identity),
          },
        ],
      }, PLAIN),
      networkPolicy('allow-linkerd-viz-ingress', o.cp, {
        podSelector: {},
        ingress: [
          // viz Prometheus is meshed: the control plane's admin ports are scraped through 4143
          { from: [vizPrometheusPeer(viz)], ports: tcp(PROXY_PORTS.admin, PROXY_PORTS.inbound) },
          { from: [vizTapPeer(viz)], ports: tcp(PROXY_PORTS.control) },
        ],
      }, PLAIN),
      networkPolicy('allow-webhook-ingress', o.cp, {
        podSelector: { matchExpressions: [{ key: LABELS.controlPlaneComponent, operator: 'In', values: ['destination', 'proxy-injector'] }] },
        ingress: [{ from: ipBlocks(o.apiServerCidrs), ports: tcp(CONTROL_PLANE_PORTS.spValidator, CONTROL_PLANE_PORTS.policyValidator) }],
      }, PLAIN),
      ...o.namespaces.flatMap((ns) => [
        denyAll(ns),
        networkPolicy('allow-linkerd-viz-ingress', ns, {
          podSelector: {},
          ingress: [
            { from: [vizPrometheusPeer(viz)], ports: tcp(PROXY_PORTS.admin) },
            { from: [vizTapPeer(viz)], ports: tcp(PROXY_PORTS.control) },
          ],
        }, PLAIN),
      ]),
    ];
  }

  private static lockdown(namespace: string, cp: string, egressOnly: boolean): NetworkPolicy[] {
    return [
      networkPolicy('allow-linkerd-control-plane-egress', namespace, {
        podSelector: {},
        ...(egressOnly ? { policyTypes: ['Egress' as const] } : {}),
        egress: [{ to: [{ namespaceSelector: namespaceNamed(cp) }] }],
      }, PLAIN),
      networkPolicy('egress-kube-dns', namespace, {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: namespaceNamed('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { protocol: 'UDP', port: DNS_PORT },
              { protocol: 'TCP', port: DNS_PORT },
            ],
          },
        ],
      }, PLAIN),
      networkPolicy('default-deny-all', namespace, { podSelector: {}, policyTypes: ['Egress'] }, PLAIN),
    ];
  }

  private static checkMeshedClientsOnly(o: MeshedClientsOnlyOptions) {
    const issues = new Issues('NetworkPolicyPresets.meshedClientsOnly');
    checkNamespace(issues, 'namespace', o.namespace);
    if (Object.keys(o.podLabels ?? {}).length === 0) issues.error('podLabels', o.podLabels, 'expected at least one label selecting the workload');
    checkLabels(issues, 'podLabels', (o.podLabels ?? {}) as Record<string, unknown>);
    (o.ports ?? []).forEach((p, i) => checkPort(issues, `ports[${i}]`, p));
    if (o.vizNamespace !== undefined) checkNamespace(issues, 'vizNamespace', o.vizNamespace);
    const cp = o.controlPlaneNamespace ?? DEFAULT_CONTROL_PLANE_NAMESPACE;
    checkNamespace(issues, 'controlPlaneNamespace', cp);
    issues.throwIfErrors();
    return { namespace: o.namespace, podLabels: o.podLabels, ports: [...(o.ports ?? [])], name: o.name ?? 'allow-meshed-clients-only', cp };
  }

  private static checkEgressLockdown(o: EgressLockdownOptions) {
    const issues = new Issues('NetworkPolicyPresets.egressLockdown');
    checkNamespace(issues, 'namespace', o.namespace);
    const cp = o.controlPlaneNamespace ?? DEFAULT_CONTROL_PLANE_NAMESPACE;
    checkNamespace(issues, 'controlPlaneNamespace', cp);
    issues.throwIfErrors();
    return { namespace: o.namespace, cp };
  }

  private static checkNamespaceIsolation(o: NamespaceIsolationOptions) {
    const issues = new Issues('NetworkPolicyPresets.namespaceIsolation');
    (o.namespaces ?? []).forEach((ns, i) => checkNamespace(issues, `namespaces[${i}]`, ns));
    const cp = o.controlPlaneNamespace ?? DEFAULT_CONTROL_PLANE_NAMESPACE;
    checkNamespace(issues, 'controlPlaneNamespace', cp);
    const apiServerCidrs = o.apiServerCidrs ?? DEFAULT_API_SERVER_CIDRS;
    apiServerCidrs.forEach((c, i) => checkCidr(issues, `apiServerCidrs[${i}]`, c));
    if (o.vizNamespace !== undefined) checkNamespace(issues, 'vizNamespace', o.vizNamespace);
    issues.throwIfErrors();
    return { namespaces: [...(o.namespaces ?? [])], cp, apiServerCidrs };
  }
}
