/**
 * The cluster side of a meshed VM: the `ExternalWorkload` object (`workload.linkerd.io/v1beta1`)
 * and the facts (`ExternalWorkloadInfo`) other constructs use to admit it.
 *
 * One function per prop path: {@link externalWorkloadManifest} is the only place props become the
 * object; {@link resolveExternalWorkload} is the only place defaults are applied.
 */
import { isIP } from 'net';
import { LINKERD_DEFAULT_VERSION, PROXY_PORTS } from '../constants';

/** Name of the ExternalWorkload port that carries the proxy's inbound port (linkerd2 `pkg/k8s/labels.go`: `ProxyPortName`). */
export const PROXY_PORT_NAME = 'linkerd-proxy';
import type { ExternalWorkload, ExternalWorkloadSpecPorts } from '../crds/external-workload';
import { Issues, type ValidationIssue } from '../errors';
import { cleanMetadata, type KubeObject, type L4Protocol } from '../k8s';
import type { Late, Plain, ValueKind } from '../late';
import type { ExternalWorkloadInfo, MeshInfo } from '../mesh-info';
import {
  checkDns1123Label,
  checkDns1123Subdomain,
  checkLabels,
  checkSpiffeId,
  checkTrustDomain,
  compareVersionParts,
  IP_RULE,
  isIanaSvcName,
  isIp,
  isPortNumber,
  PORT_NUMBER_RULE,
} from '../validation';

/** Label that tells VMs and pods of one application apart (the seed's `location: vm` / `location: cluster`). */
export const LOCATION_LABEL = 'location';
/** Value of {@link LOCATION_LABEL} on external workloads. */
export const LOCATION_EXTERNAL = 'vm';
/** Value of {@link LOCATION_LABEL} on in-cluster pods. */
export const LOCATION_CLUSTER = 'cluster';
/** Label carrying the external workload's own name (as in the seed). */
export const WORKLOAD_NAME_LABEL = 'workload_name';

/** A port the external workload serves. */
export interface ExternalWorkloadPort {
  /** Port number on the VM. */
  readonly port: number;
  /** Port name (an IANA service name) Services and Servers can refer to. @default no name */
  readonly name?: string;
  /** L4 protocol. @default 'TCP' */
  readonly protocol?: L4Protocol;
}

/** What the cluster needs to know about one external workload. */
export interface ExternalWorkloadProps<K extends ValueKind = Plain> {
  /** Name of the `ExternalWorkload` (a DNS-1123 label). Also names the host's SPIRE entry and service units. */
  readonly name: string;
  /** Namespace of the `ExternalWorkload` (a DNS-1123 label). */
  readonly namespace: string;
  /** IP addresses the mesh reaches the VM on: one, or one IPv4 and one IPv6. */
  readonly workloadIps: Late<K, readonly Late<K, string>[]>;
  /** Ports the application on the VM serves. */
  readonly ports: readonly ExternalWorkloadPort[];
  /**
   * Labels of the `ExternalWorkload` (Services and Servers select on them).
   * `location: vm` and `workload_name: <name>` are added unless given.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * SPIFFE id the VM's proxy presents (`meshTLS.identity`), also the SPIRE workload entry.
   * @default `spiffe://<spiffeTrustDomain>/<namespace>/<name>`
   */
  readonly identity?: string;
  /**
   * Name the VM's proxy expects in the TLS SNI of incoming connections (`meshTLS.serverName`).
   * @default `<name>.<namespace>.<mesh cluster domain>`
   */
  readonly serverName?: string;
  /**
   * SPIFFE trust domain of the VM's identities (the host's SPIRE server issues them).
   * @default the trust domain of `identity` when given, else `root.<control plane namespace>.<mesh trust domain>`
   *   (the trust anchor's name: `root.linkerd.cluster.local` for a default mesh)
   */
  readonly spiffeTrustDomain?: string;
}

/** {@link ExternalWorkloadProps} with every default applied. */
export interface ResolvedExternalWorkload {
  /** Name of the ExternalWorkload. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** IP addresses. */
  readonly workloadIps: readonly string[];
  /** Ports the application serves. */
  readonly ports: readonly ExternalWorkloadPort[];
  /** Labels, defaults included. */
  readonly labels: Readonly<Record<string, string>>;
  /** SPIFFE id (`meshTLS.identity`). */
  readonly identity: string;
  /** TLS server name (`meshTLS.serverName`). */
  readonly serverName: string;
  /** SPIFFE trust domain of the identity. */
  readonly spiffeTrustDomain: string;
  /**
   * The proxy's inbound port when it is not the default 4143: advertised as the port named
   * `linkerd-proxy`, which is where the destination controller reads it (linkerd2 edge-26.8.3
   * `controller/api/destination/endpoint_translator.go`, `getInboundPortFromExternalWorkload`;
   * `pkg/k8s/labels.go`: `ProxyPortName = "linkerd-proxy"`).
   */
  readonly proxyInboundPort?: number;
}

/** The default SPIFFE trust domain of a mesh's external workloads: `root.<namespace>.<trustDomain>`. */
export function defaultSpiffeTrustDomain(mesh: Pick<MeshInfo, 'namespace' | 'trustDomain'>): string {
  return `root.${mesh.namespace}.${mesh.trustDomain}`;
}

/** The default SPIFFE id of an external workload: `spiffe://<trustDomain>/<namespace>/<name>`. */
export function defaultExternalWorkloadIdentity(spiffeTrustDomain: string, namespace: string, name: string): string {
  return `spiffe://${spiffeTrustDomain}/${namespace}/${name}`;
}

/** The default TLS server name of an external workload: `<name>.<namespace>.<clusterDomain>`. */
export function defaultExternalWorkloadServerName(name: string, namespace: string, clusterDomain: string): string {
  return `${name}.${namespace}.${clusterDomain}`;
}

/**
 * Checks the props and applies defaults. Throws one {@link ValidationError} listing every problem.
 *
 * @param scope construct path used in error messages
 * @param opts.ipsKnown false when the IPs are not plain values yet (Pulumi Outputs): they are checked later
 */
export function resolveExternalWorkload(
  scope: string,
  props: ExternalWorkloadProps,
  mesh: MeshInfo,
  opts: { readonly ipsKnown?: boolean } = {},
): ResolvedExternalWorkload {
  const issues = new Issues(scope);
  checkDns1123Label(issues, 'name', props.name);
  checkDns1123Label(issues, 'namespace', props.namespace);
  if (opts.ipsKnown !== false) checkWorkloadIps(issues, props.workloadIps);
  checkPorts(issues, props.ports);
  checkLabels(issues, 'labels', props.labels as Record<string, unknown> | undefined);
  const identityDomain = typeof props.identity === 'string' && props.identity.startsWith('spiffe://') ? props.identity.slice(9).split('/')[0] : undefined;
  const spiffeTrustDomain = props.spiffeTrustDomain ?? identityDomain ?? defaultSpiffeTrustDomain(mesh);
  checkTrustDomain(issues, props.spiffeTrustDomain !== undefined ? 'spiffeTrustDomain' : 'mesh.trustDomain', spiffeTrustDomain);
  const identity = props.identity ?? defaultExternalWorkloadIdentity(spiffeTrustDomain, props.namespace, props.name);
  if (checkSpiffeId(issues, 'identity', identity) && !identity.startsWith(`spiffe://${spiffeTrustDomain}/`)) {
    issues.error('identity', identity, `expected a SPIFFE id in the trust domain "${spiffeTrustDomain}" (spiffeTrustDomain), which the host's SPIRE server issues`);
  }
  const serverName = props.serverName ?? defaultExternalWorkloadServerName(props.name, props.namespace, mesh.clusterDomain);
  if (checkDns1123Subdomain(issues, 'serverName', serverName) && serverName.length > 253) {
    issues.error('serverName', serverName, 'expected at most 253 characters');
  }
  issues.throwIfErrors();
  return {
    name: props.name,
    namespace: props.namespace,
    workloadIps: [...props.workloadIps],
    ports: props.ports.map((p) => ({ ...p })),
    labels: { [LOCATION_LABEL]: LOCATION_EXTERNAL, [WORKLOAD_NAME_LABEL]: props.name, ...(props.labels ?? {}) },
    identity,
    serverName,
    spiffeTrustDomain,
  };
}

/** Records issues for the workload IPs: 1 or 2 valid addresses, at most one per family. */
export function checkWorkloadIps(issues: Issues, ips: readonly unknown[] | undefined, field = 'workloadIps'): void {
  if (!Array.isArray(ips) || ips.length < 1 || ips.length > 2) {
    issues.error(field, ips, 'expected one IP address, or one IPv4 and one IPv6 address (the CRD allows at most 2)');
    return;
  }
  ips.forEach((ip, i) => issues.check(isIp(ip), `${field}[${i}]`, ip, IP_RULE));
  if (ips.length === 2 && isIp(ips[0]) && isIp(ips[1]) && isIP(ips[0]) === isIP(ips[1])) {
    issues.error(field, ips, 'expected at most one address per IP family (one IPv4 and one IPv6)');
  }
}

const PROTOCOLS: readonly L4Protocol[] = ['TCP', 'UDP', 'SCTP'];

function checkPorts(issues: Issues, ports: readonly ExternalWorkloadPort[] | undefined): void {
  if (!Array.isArray(ports) || ports.length === 0) {
    issues.error('ports', ports, 'expected at least one port the application on the VM serves, e.g. [{ name: "http", port: 80 }]');
    return;
  }
  const names = new Set<string>();
  const numbers = new Set<string>();
  ports.forEach((p, i) => {
    issues.check(isPortNumber(p.port), `ports[${i}].port`, p.port, PORT_NUMBER_RULE);
    if (p.name !== undefined) {
      issues.check(isIanaSvcName(p.name), `ports[${i}].name`, p.name, 'expected an IANA service name: at most 15 characters, lowercase letters, digits and "-", at least one letter');
      if (names.has(p.name)) issues.error(`ports[${i}].name`, p.name, 'expected port names to be unique');
      if (p.name === PROXY_PORT_NAME) issues.error(`ports[${i}].name`, p.name, `expected another name: "${PROXY_PORT_NAME}" is the port Linkerd reads the proxy's inbound port from (set proxy.inboundPort on the host)`);
      names.add(p.name);
    }
    if (p.protocol !== undefined) {
      issues.check(PROTOCOLS.includes(p.protocol), `ports[${i}].protocol`, p.protocol, 'expected one of "TCP", "UDP", "SCTP"');
    }
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (numbers.has(key)) issues.error(`ports[${i}].port`, p.port, 'expected each port/protocol once');
    numbers.add(key);
  });
}

/** The `ExternalWorkload` object (`workload.linkerd.io/v1beta1`). `status` is left to the status subresource. */
export function externalWorkloadManifest(ew: ResolvedExternalWorkload): ExternalWorkload & KubeObject {
  const ports: ExternalWorkloadSpecPorts[] = ew.ports.map((p) => ({
    ...(p.name !== undefined ? { name: p.name } : {}),
    port: p.port,
    ...(p.protocol !== undefined ? { protocol: p.protocol } : {}),
  }));
  if (ew.proxyInboundPort !== undefined && ew.proxyInboundPort !== PROXY_PORTS.inbound) {
    ports.push({ name: PROXY_PORT_NAME, port: ew.proxyInboundPort });
  }
  return {
    apiVersion: 'workload.linkerd.io/v1beta1',
    kind: 'ExternalWorkload',
    metadata: cleanMetadata({ name: ew.name, namespace: ew.namespace, labels: { ...ew.labels } }),
    spec: {
      meshTLS: { identity: ew.identity, serverName: ew.serverName },
      ports,
      workloadIPs: ew.workloadIps.map((ip) => ({ ip })),
    },
  };
}

/** The facts other constructs (MeshAuthorization, LinkerdNetworkPolicies, the analyzer) use. */
export function externalWorkloadInfo(ew: ResolvedExternalWorkload, opts: { readonly ipsKnown?: boolean } = {}): ExternalWorkloadInfo {
  return {
    name: ew.name,
    namespace: ew.namespace,
    identity: ew.identity,
    labels: { ...ew.labels },
    ports: ew.ports.map((p) => (p.name !== undefined ? { name: p.name, port: p.port } : { port: p.port })),
    ...(opts.ipsKnown === false ? {} : { workloadIps: [...ew.workloadIps] }),
  };
}

/**
 * A JSON merge patch for the `status` subresource that marks the workload Ready. Linkerd only routes
 * to external workloads whose `Ready` condition is `True`; `workload.linkerd.io/v1beta1` keeps
 * `status` in a subresource, so `kubectl apply` of the object cannot set it. Apply it with
 * `kubectl patch externalworkload <name> -n <ns> --subresource=status --type=merge -p '<patch>'`.
 *
 * @param lastTransitionTime RFC 3339 time to record (the caller chooses it: synthesis uses no clock)
 */
export function externalWorkloadReadyStatusPatch(lastTransitionTime?: string): { status: { conditions: Array<Record<string, string>> } } {
  return {
    status: {
      conditions: [{ type: 'Ready', status: 'True', ...(lastTransitionTime ? { lastTransitionTime } : {}) }],
    },
  };
}

/**
 * The last Linkerd release whose destination controller can crash when an `ExternalWorkload` is
 * deleted (linkerd/linkerd2 issue 15551: a nil ExternalWorkload in the opaque-protocol computation).
 * The fix (linkerd/linkerd2 pull request 15575, "Guard nil ExternalWorkload in opaque protocol
 * computation") was merged after this tag; no release carrying it was known when this was written.
 */
export const EXTERNAL_WORKLOAD_DELETE_CRASH_LAST_AFFECTED = 'edge-26.8.3';

function edgeParts(version: string): [number, number, number] | undefined {
  const m = /^edge-(\d+)\.(\d+)\.(\d+)$/.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/**
 * Warnings about known upstream defects that affect external workloads on the mesh's Linkerd
 * release (empty when none is known).
 */
export function externalWorkloadUpstreamWarnings(mesh: Pick<MeshInfo, 'linkerdVersion'>, scope: string): ValidationIssue[] {
  const version = mesh.linkerdVersion ?? LINKERD_DEFAULT_VERSION;
  const v = edgeParts(version);
  const last = edgeParts(EXTERNAL_WORKLOAD_DELETE_CRASH_LAST_AFFECTED)!;
  const affected = v !== undefined && compareVersionParts(v, last) <= 0;
  if (!affected) return [];
  const issues = new Issues(scope);
  issues.warn(
    'mesh',
    version,
    'expected a Linkerd release with the fix for linkerd/linkerd2 issue 15551: on this release the destination controller can crash ' +
      'when an ExternalWorkload is deleted (fixed by pull request 15575, merged after edge-26.8.3; no release with the fix is known yet). ' +
      'Delete external workloads during a maintenance window, and upgrade once a release carries the fix',
  );
  return issues.warnings;
}
