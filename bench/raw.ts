/**
 * The baseline: the same final objects as {@link buildOurs}, written by hand with plain loops (what a
 * user could write without this library: no validation, no analysis), and the same objects as plain
 * data for the serialization floor.
 */
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import { API_SERVER_CIDRS, APP_PORT, deploymentManifest, MESH_INFO, namespaceManifest, podLabels, type BenchHost, type BenchMesh, type Layout } from './mesh';
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

/** Every object of the platform, by chart, in the order a hand-written program would create them. */
export function rawCharts(mesh: BenchMesh): RawChart[] {
  const charts: RawChart[] = [];
  const cidrsOf = (hosts: readonly BenchHost[]) => [...new Set(hosts.map((h) => `${h.ip}/32`))].sort();
  for (const ns of mesh.namespaces) {
    const objects: Array<{ id: string; object: KubeObject }> = [{ id: 'namespace', object: namespaceManifest(ns) }];
    for (const h of ns.hosts) objects.push({ id: h.name, object: externalWorkload(h) });
    for (const w of ns.workloads) {
      objects.push({ id: w.name, object: deploymentManifest(w) });
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
      objects.push(
        {
          id: `${w.name}-server`,
          object: {
            apiVersion: `${POLICY}/v1beta3`,
            kind: 'Server',
            metadata: { name: server, namespace: w.namespace },
            spec: { accessPolicy: 'deny', podSelector: { matchLabels: podLabels(w) }, port: 'http', proxyProtocol: 'HTTP/1' },
          } as KubeObject,
        },
        {
          id: `${w.name}-mtls`,
          object: {
            apiVersion: `${POLICY}/v1alpha1`,
            kind: 'MeshTLSAuthentication',
            metadata: { name: `${policy}-mtls`, namespace: w.namespace },
            spec: w.host ? { identities } : { identityRefs: refs },
          } as KubeObject,
        },
        {
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
      );
    }
    charts.push({ name: ns.name, objects });
  }
  const platform: KubeObject[] = [...networkPolicies(CP, cidrsOf(mesh.hosts))];
  for (const ns of mesh.namespaces) platform.push(...networkPolicies(ns.name, cidrsOf(ns.hosts)));
  charts.push({ name: 'platform', objects: platform.map((object) => ({ id: `${object.metadata.namespace}-${object.metadata.name}`, object })) });
  return charts;
}

/** The same objects as raw cdk8s `ApiObject`s, in the same charts as {@link buildOurs}. */
export function buildRaw(mesh: BenchMesh, outdir: string, layout: Layout = 'chart-per-namespace'): App {
  return buildFromCharts(rawCharts(mesh), outdir, layout, false);
}

// the control's wrappers: construct classes with no logic, one per construct class of ours
class PolicyWrapper extends Construct {}
class HostWrapper extends Construct {}
class NetworkPoliciesWrapper extends Construct {}

const POLICY_KINDS = new Set(['Server', 'MeshTLSAuthentication', 'AuthorizationPolicy']);

/**
 * The control: the raw `ApiObject`s in the construct tree of {@link buildOurs} (each workload's policy
 * objects under a wrapper construct, each ExternalWorkload under another, the NetworkPolicies under a
 * third), with no logic at all. What it costs over {@link buildRaw} is what cdk8s charges any
 * construct library with this tree, before the library does any work.
 */
export function buildWrapped(mesh: BenchMesh, outdir: string, layout: Layout = 'chart-per-namespace'): App {
  return buildFromCharts(rawCharts(mesh), outdir, layout, true);
}

function buildFromCharts(charts: readonly RawChart[], outdir: string, layout: Layout, wrap: boolean): App {
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  const platform = new Chart(app, 'platform');
  for (const c of charts) {
    const scope = c.name === 'platform' ? platform : layout === 'single-chart' ? new Construct(platform, c.name) : new Chart(app, c.name);
    if (!wrap) {
      for (const { id, object } of c.objects) new ApiObject(scope, id, object);
      continue;
    }
    if (c.name === 'platform') {
      const policies = new NetworkPoliciesWrapper(scope, 'network-policies');
      for (const { id, object } of c.objects) new ApiObject(policies, id, object);
      continue;
    }
    let wrapper: Construct | undefined;
    for (const { id, object } of c.objects) {
      if (object.kind === 'ExternalWorkload') {
        new ApiObject(new HostWrapper(scope, `${id}-host`), id, object);
      } else if (POLICY_KINDS.has(object.kind)) {
        // a workload's Server comes first, then its other policy objects
        if (object.kind === 'Server') wrapper = new PolicyWrapper(scope, `${id}-authz`);
        new ApiObject(wrapper!, id, object);
      } else {
        new ApiObject(scope, id, object);
      }
    }
  }
  return app;
}
