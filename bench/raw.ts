/**
 * The baseline: the same final objects as {@link buildOurs}, written by hand with plain loops (what a
 * user could write without this library: no validation, no analysis), and the same objects as plain
 * data for the serialization floor.
 */
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import { API_SERVER_CIDRS, APP_PORT, deploymentManifest, MESH_INFO, namespaceManifest, podLabels, type BenchHost, type BenchMesh, type BenchWorkload, type Layout } from './mesh';
import { childId } from '../src/cdk8s/_objects';
import type { KubeObject } from '../src/core';

/** The objects of one chart, with their construct ids. */
export interface RawChart {
  readonly name: string;
  readonly objects: ReadonlyArray<{ readonly id: string; readonly object: KubeObject }>;
}

const POLICY = 'policy.linkerd.io';
const MANAGED = { 'app.kubernetes.io/managed-by': 'linkerd-constructs' };
const CP = MESH_INFO.namespace;
const IDENTITY_SUFFIX = `serviceaccount.identity.${CP}.${MESH_INFO.trustDomain}`;
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));
const nsSelector = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });
const component = (name: string) => ({ matchLabels: { 'linkerd.io/control-plane-component': name } });
const meshed = { namespaceSelector: {}, podSelector: { matchLabels: { 'linkerd.io/control-plane-ns': CP } } };

function netpol(name: string, namespace: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace, labels: { ...MANAGED } }, spec } as KubeObject;
}

function vmIdentity(h: { name: string; namespace: string }): string {
  return `spiffe://root.linkerd.${MESH_INFO.trustDomain}/${h.namespace}/${h.name}`;
}

/** The NetworkPolicies of one namespace (the control plane's when `ns` is the control plane namespace). */
function networkPolicies(ns: string, vmCidrs: readonly string[]): KubeObject[] {
  const cp = ns === CP;
  const peer = (c: string) => (cp ? { podSelector: component(c) } : { namespaceSelector: nsSelector(CP), podSelector: component(c) });
  const out = [
    netpol('linkerd-default-deny', ns, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    netpol('linkerd-allow-dns-egress', ns, {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: nsSelector('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
    }),
    netpol('linkerd-allow-control-plane-egress', ns, {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        { to: [peer('destination')], ports: tcp(8086, 8090) },
        { to: [peer('identity')], ports: tcp(8080) },
      ],
    }),
  ];
  const vms = vmCidrs.map((cidr) => ({ ipBlock: { cidr } }));
  if (cp) {
    const apiServer = API_SERVER_CIDRS.map((cidr) => ({ ipBlock: { cidr } }));
    out.push(
      netpol('linkerd-allow-kube-api-egress', ns, { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: apiServer, ports: tcp(443, 6443) }] }),
      netpol('linkerd-allow-destination-ingress', ns, {
        podSelector: component('destination'),
        policyTypes: ['Ingress'],
        ingress: [{ from: [meshed], ports: tcp(8086, 8090) }, ...(vms.length > 0 ? [{ from: vms, ports: tcp(8086, 8090) }] : [])],
      }),
      netpol('linkerd-allow-identity-ingress', ns, { podSelector: component('identity'), policyTypes: ['Ingress'], ingress: [{ from: [meshed], ports: tcp(8080) }] }),
      netpol('linkerd-allow-webhook-ingress', ns, {
        podSelector: { matchExpressions: [{ key: 'linkerd.io/control-plane-component', operator: 'In', values: ['destination', 'proxy-injector'] }] },
        policyTypes: ['Ingress'],
        ingress: [{ from: apiServer, ports: tcp(8443, 9443) }],
      }),
    );
  } else {
    out.push(
      netpol('linkerd-allow-meshed-ingress', ns, {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [meshed], ports: tcp(4143) }, ...(vms.length > 0 ? [{ from: vms, ports: tcp(4143) }] : [])],
      }),
      netpol('linkerd-allow-meshed-egress', ns, {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [meshed], ports: tcp(4143) }, ...(vms.length > 0 ? [{ to: vms, ports: tcp(4143) }] : [])],
      }),
    );
  }
  return out;
}

function externalWorkload(h: BenchHost): KubeObject {
  return {
    apiVersion: 'workload.linkerd.io/v1beta1',
    kind: 'ExternalWorkload',
    metadata: {
      name: h.name,
      namespace: h.namespace,
      labels: { 'app.kubernetes.io/name': h.name, 'app.kubernetes.io/part-of': h.namespace, 'location': 'vm', 'workload_name': h.name },
    },
    spec: {
      meshTLS: { identity: vmIdentity(h), serverName: `${h.name}.${h.namespace}.${MESH_INFO.clusterDomain}` },
      ports: [{ name: 'http', port: APP_PORT }],
      workloadIPs: [{ ip: h.ip }],
    },
  } as KubeObject;
}

/** One object of the platform: the chart it belongs to, its construct id in the baseline, the object. */
export interface RawObject {
  readonly chart: string;
  readonly id: string;
  readonly object: KubeObject;
  /** The id of the construct of ours that holds it, if not the chart (the control wraps it in one). */
  readonly owner?: string;
}

/** The policy objects of one workload (its Server first). */
function workloadPolicies(w: BenchWorkload): RawObject[] {
  const server = `${w.name}-http`;
  // the clients: ServiceAccounts by reference when they are all there is, else every identity by name
  const parts = [w.peer];
  const refs: Array<Record<string, string>> = [{ kind: 'ServiceAccount', name: w.peer }];
  const identities = [`${w.peer}.${w.namespace}.${IDENTITY_SUFFIX}`];
  if (w.remotePeer) {
    parts.push(w.remotePeer.namespace, w.remotePeer.name);
    refs.push({ kind: 'ServiceAccount', name: w.remotePeer.name, namespace: w.remotePeer.namespace });
    identities.push(`${w.remotePeer.name}.${w.remotePeer.namespace}.${IDENTITY_SUFFIX}`);
  }
  if (w.host) {
    parts.push(w.host);
    identities.push(vmIdentity({ name: w.host, namespace: w.namespace }));
  }
  const policy = `${server}-${parts.join('-')}`;
  const chart = w.namespace;
  const owner = `${w.name}-authz`;
  return [
    {
      chart,
      owner,
      id: `${w.name}-server`,
      object: {
        apiVersion: `${POLICY}/v1beta3`,
        kind: 'Server',
        metadata: { name: server, namespace: w.namespace },
        spec: { accessPolicy: 'deny', podSelector: { matchLabels: podLabels(w) }, port: 'http', proxyProtocol: 'HTTP/1' },
      } as KubeObject,
    },
    {
      chart,
      owner,
      id: `${w.name}-mtls`,
      object: {
        apiVersion: `${POLICY}/v1alpha1`,
        kind: 'MeshTLSAuthentication',
        metadata: { name: `${policy}-mtls`, namespace: w.namespace },
        spec: w.host ? { identities } : { identityRefs: refs },
      } as KubeObject,
    },
    {
      chart,
      owner,
      id: `${w.name}-authz`,
      object: {
        apiVersion: `${POLICY}/v1alpha1`,
        kind: 'AuthorizationPolicy',
        metadata: { name: policy, namespace: w.namespace },
        spec: {
          targetRef: { group: POLICY, kind: 'Server', name: server },
          requiredAuthenticationRefs: [{ group: POLICY, kind: 'MeshTLSAuthentication', name: `${policy}-mtls` }],
        },
      } as KubeObject,
    },
  ];
}

/**
 * Every object of the platform, in the order a hand-written program creates them, each built only
 * when it is reached: a program that consumes this creates each `ApiObject` right after building its
 * object, as hand-written cdk8s code does (an object literal per `new ApiObject(...)`), and as our
 * constructs do. (Building every object first and only then the `ApiObject`s would lay the construct
 * tree out in memory differently from both, and cdk8s walks that tree once per chart.)
 */
export function* rawObjects(mesh: BenchMesh): Generator<RawObject> {
  const cidrsOf = (hosts: readonly BenchHost[]) => [...new Set(hosts.map((h) => `${h.ip}/32`))].sort();
  for (const ns of mesh.namespaces) {
    yield { chart: ns.name, id: 'namespace', object: namespaceManifest(ns) };
    for (const h of ns.hosts) yield { chart: ns.name, id: h.name, owner: h.name, object: externalWorkload(h) };
    for (const w of ns.workloads) {
      yield { chart: ns.name, id: w.name, object: deploymentManifest(w) };
      yield* workloadPolicies(w);
    }
  }
  const platform = (object: KubeObject): RawObject => ({ chart: 'platform', id: `${object.metadata.namespace}-${object.metadata.name}`, owner: 'network-policies', object });
  yield* networkPolicies(CP, cidrsOf(mesh.hosts)).map(platform);
  for (const ns of mesh.namespaces) yield* networkPolicies(ns.name, cidrsOf(ns.hosts)).map(platform);
}

/** Every object of the platform, by chart (namespaces in order, then the platform chart). */
export function rawCharts(mesh: BenchMesh): RawChart[] {
  const charts = new Map<string, Array<{ id: string; object: KubeObject }>>();
  for (const { chart, id, object } of rawObjects(mesh)) {
    let objects = charts.get(chart);
    if (!objects) charts.set(chart, (objects = []));
    objects.push({ id, object });
  }
  return [...charts].map(([name, objects]) => ({ name, objects }));
}

/** The same objects as raw cdk8s `ApiObject`s, in the same charts as {@link buildOurs}, each created when built. */
export function buildRaw(mesh: BenchMesh, outdir: string, layout: Layout = 'chart-per-namespace'): App {
  return buildFromObjects(rawObjects(mesh), outdir, layout, false);
}

// the control's wrappers: construct classes with no logic, one per construct class of ours
class PolicyWrapper extends Construct {}
class HostWrapper extends Construct {}
class NetworkPoliciesWrapper extends Construct {}

/**
 * The control: the raw `ApiObject`s in the construct tree of {@link buildOurs}, with the same paths
 * (each workload's policy objects under a wrapper construct, each ExternalWorkload under another, the
 * NetworkPolicies under a third, the objects under the ids ours gives them), created in the same
 * order as {@link buildRaw}, with no logic at all. What it costs over {@link buildRaw} is what cdk8s
 * charges any construct library with this tree, before the library does any work.
 */
export function buildWrapped(mesh: BenchMesh, outdir: string, layout: Layout = 'chart-per-namespace'): App {
  return buildFromObjects(rawObjects(mesh), outdir, layout, true);
}

function buildFromObjects(objects: Iterable<RawObject>, outdir: string, layout: Layout, wrap: boolean): App {
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  const platform = new Chart(app, 'platform');
  let scope: Construct = platform;
  let policies: Construct | undefined;
  let wrapper: Construct | undefined;
  for (const { chart, id, object, owner } of objects) {
    if (scope.node.id !== chart) scope = chart === 'platform' ? platform : layout === 'single-chart' ? new Construct(platform, chart) : new Chart(app, chart);
    if (!wrap || owner === undefined) {
      new ApiObject(scope, id, object);
    } else if (chart === 'platform') {
      // LinkerdNetworkPolicies: the first policy is its default child, the others get our qualified ids
      const first = !policies;
      policies ??= new NetworkPoliciesWrapper(scope, owner);
      new ApiObject(policies, first ? 'Resource' : childId(policies, object, 'qualified'), object);
    } else if (object.kind === 'ExternalWorkload') {
      new ApiObject(new HostWrapper(scope, owner), 'Resource', object);
    } else {
      // MeshAuthorization: the Server (first) is its default child, the other objects get our by-kind ids
      const server = object.kind === 'Server';
      if (server) wrapper = new PolicyWrapper(scope, owner);
      new ApiObject(wrapper!, server ? 'Resource' : childId(wrapper!, object, 'by-kind'), object);
    }
  }
  return app;
}
