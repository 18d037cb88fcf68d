/**
 * The core function behind both frameworks' `LinkerdNetworkPolicies`: which policies exist, what
 * each admits, the validation of every prop, determinism and conformance.
 */
import { ValidationError } from '../../src/core/errors';
import type { NetworkPolicy } from '../../src/core/k8s';
import type { ExternalWorkloadInfo, MeshInfo } from '../../src/core/mesh-info';
import { LATE_API_SERVER_CIDR, LINKERD_NETWORK_POLICY_NAMES as N, linkerdNetworkPolicies, networkPoliciesShape } from '../../src/core/network-policies';
import { expectConformant } from '../support/conformance';
import { defaultMesh } from '../support/mesh';

const byName = (policies: NetworkPolicy[], ns: string, name: string) => {
  const p = policies.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
  if (!p) throw new Error(`no ${ns}/${name}; have ${policies.map((x) => `${x.metadata.namespace}/${x.metadata.name}`).join(', ')}`);
  return p;
};

const mesh = (overrides: Partial<MeshInfo> = {}): { info: MeshInfo } => ({
  info: defaultMesh({ namespace: 'mesh-system', clusterNetworks: ['10.0.0.0/8'], ...overrides }),
});

describe('linkerdNetworkPolicies', () => {
  test('defaults: the control plane namespace only, with the documented policies, all conformant', () => {
    const plan = linkerdNetworkPolicies();
    expectConformant(plan.policies);
    expect(plan.controlPlaneNamespace).toBe('linkerd');
    expect(plan.policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([
      'linkerd/linkerd-default-deny',
      'linkerd/linkerd-allow-dns-egress',
      'linkerd/linkerd-allow-control-plane-egress',
      'linkerd/linkerd-allow-kube-api-egress',
      'linkerd/linkerd-allow-destination-ingress',
      'linkerd/linkerd-allow-identity-ingress',
      'linkerd/linkerd-allow-webhook-ingress',
    ]);
    for (const p of plan.policies) expect(p.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'linkerd-constructs' });
    expect(plan.warnings).toEqual([]);
  });

  test('control plane: meshed pods to destination 8086/8090 and identity 8080; API server to webhooks; egress to the API and DNS', () => {
    const { policies } = linkerdNetworkPolicies({ apiServerCidrs: ['172.20.0.0/28'] });
    const meshed = { namespaceSelector: {}, podSelector: { matchLabels: { 'linkerd.io/control-plane-ns': 'linkerd' } } };
    expect(byName(policies, 'linkerd', N.destinationIngress).spec).toEqual({
      podSelector: { matchLabels: { 'linkerd.io/control-plane-component': 'destination' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [meshed], ports: [{ protocol: 'TCP', port: 8086 }, { protocol: 'TCP', port: 8090 }] }],
    });
    expect(byName(policies, 'linkerd', N.identityIngress).spec.ingress).toEqual([{ from: [meshed], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(byName(policies, 'linkerd', N.webhookIngress).spec).toEqual({
      podSelector: { matchExpressions: [{ key: 'linkerd.io/control-plane-component', operator: 'In', values: ['destination', 'proxy-injector'] }] },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ ipBlock: { cidr: '172.20.0.0/28' } }], ports: [{ protocol: 'TCP', port: 8443 }, { protocol: 'TCP', port: 9443 }] }],
    });
    expect(byName(policies, 'linkerd', N.kubeApiEgress).spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '172.20.0.0/28' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] }]);
    expect(byName(policies, 'linkerd', N.dnsEgress).spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      },
    ]);
    // inside the control plane namespace, peers are pods of that namespace
    expect(byName(policies, 'linkerd', N.controlPlaneEgress).spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: { 'linkerd.io/control-plane-component': 'destination' } } }], ports: [{ protocol: 'TCP', port: 8086 }, { protocol: 'TCP', port: 8090 }] },
      { to: [{ podSelector: { matchLabels: { 'linkerd.io/control-plane-component': 'identity' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
  });

  test('application namespaces: deny-all baseline, DNS, control plane, 4143 both ways', () => {
    const { policies } = linkerdNetworkPolicies({ namespaces: ['shop'], controlPlane: false });
    expectConformant(policies);
    expect(policies.map((p) => p.metadata.name)).toEqual([N.defaultDeny, N.dnsEgress, N.controlPlaneEgress, N.meshedIngress, N.meshedEgress]);
    expect(byName(policies, 'shop', N.defaultDeny).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(byName(policies, 'shop', N.controlPlaneEgress).spec.egress![0].to).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'linkerd' } }, podSelector: { matchLabels: { 'linkerd.io/control-plane-component': 'destination' } } },
    ]);
    expect(byName(policies, 'shop', N.meshedIngress).spec.ingress).toEqual([
      { from: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'linkerd.io/control-plane-ns': 'linkerd' } } }], ports: [{ protocol: 'TCP', port: 4143 }] },
    ]);
    expect(byName(policies, 'shop', N.meshedEgress).spec.egress).toEqual([
      { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'linkerd.io/control-plane-ns': 'linkerd' } } }], ports: [{ protocol: 'TCP', port: 4143 }] },
    ]);
  });

  test("meshedPeers: 'namespace' admits meshed pods of the same namespace only", () => {
    const { policies } = linkerdNetworkPolicies({ namespaces: ['shop'], meshedPeers: 'namespace' });
    expect(byName(policies, 'shop', N.meshedIngress).spec.ingress![0].from).toEqual([{ podSelector: { matchLabels: { 'linkerd.io/control-plane-ns': 'linkerd' } } }]);
  });

  test('the mesh reference decides the control plane namespace and viz; viz adds monitoring and tap rules', () => {
    const { policies, controlPlaneNamespace, analysisOptions } = linkerdNetworkPolicies({ mesh: mesh({ vizNamespace: 'viz' }), namespaces: ['shop'] });
    expectConformant(policies);
    expect(controlPlaneNamespace).toBe('mesh-system');
    expect(analysisOptions.mesh).toMatchObject({ namespace: 'mesh-system', vizNamespace: 'viz' });
    const prom = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'viz' } }, podSelector: { matchLabels: { 'linkerd.io/extension': 'viz', 'component': 'prometheus' } } };
    expect(byName(policies, 'shop', N.monitoringIngress).spec.ingress).toEqual([{ from: [prom], ports: [{ protocol: 'TCP', port: 4191 }] }]);
    expect(byName(policies, 'mesh-system', N.monitoringIngress).spec.ingress![0].ports!.map((p) => p.port)).toEqual([4191, 4143, 9990, 9995, 9996, 9997]);
    expect(byName(policies, 'shop', N.tapIngress).spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'viz' } }, podSelector: { matchLabels: { 'linkerd.io/extension': 'viz', 'component': 'tap' } } }], ports: [{ protocol: 'TCP', port: 4190 }] },
    ]);
    expect(byName(policies, 'shop', N.meshedIngress).spec.ingress![0].from![0].podSelector).toEqual({ matchLabels: { 'linkerd.io/control-plane-ns': 'mesh-system' } });
  });

  test('the viz namespace under the baseline gets its egress (proxies, API server) and its webhook ingress', () => {
    const { policies } = linkerdNetworkPolicies({ namespaces: ['linkerd-viz'], vizNamespace: 'linkerd-viz', apiServerCidrs: ['172.20.0.0/28'] });
    expectConformant(policies);
    expect(byName(policies, 'linkerd-viz', N.vizEgress).spec.egress).toEqual([
      { to: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 4191 }, { protocol: 'TCP', port: 4190 }] },
      { to: [{ ipBlock: { cidr: '172.20.0.0/28' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] },
    ]);
    expect(byName(policies, 'linkerd-viz', N.vizWebhookIngress).spec.ingress).toEqual([
      { from: [{ ipBlock: { cidr: '172.20.0.0/28' } }], ports: [{ protocol: 'TCP', port: 8443 }, { protocol: 'TCP', port: 8089 }] },
    ]);
    expect(linkerdNetworkPolicies({ namespaces: ['shop'], vizNamespace: 'linkerd-viz' }).policies.some((p) => p.metadata.name === N.vizEgress)).toBe(false);
  });

  test('monitoring namespaces: their Prometheus pods may scrape 4191', () => {
    const { policies } = linkerdNetworkPolicies({ namespaces: ['shop'], monitoringNamespaces: ['monitoring', 'observability'], monitoringPodLabels: { app: 'prom' } });
    expect(byName(policies, 'shop', N.monitoringIngress).spec.ingress![0].from).toEqual([
      { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['monitoring', 'observability'] }] }, podSelector: { matchLabels: { app: 'prom' } } },
    ]);
  });

  test('external workloads: their IPs reach the destination controller, and 4143 both ways in their own namespace', () => {
    const vm = { name: 'vm', namespace: 'shop', identity: 'spiffe://example.org/vm', labels: { app: 'vm' }, ports: [{ port: 8080 }], workloadIps: ['192.0.2.10', '2001:db8::10'] };
    const other = { externalWorkload: { ...vm, name: 'vm2', namespace: 'books', workloadIps: ['192.0.2.11'] } };
    const plan = linkerdNetworkPolicies({ namespaces: ['shop', 'books'], externalWorkloads: [vm, other] });
    expectConformant(plan.policies);
    expect(byName(plan.policies, 'linkerd', N.destinationIngress).spec.ingress![1]).toEqual({
      from: [{ ipBlock: { cidr: '192.0.2.10/32' } }, { ipBlock: { cidr: '192.0.2.11/32' } }, { ipBlock: { cidr: '2001:db8::10/128' } }],
      ports: [{ protocol: 'TCP', port: 8086 }, { protocol: 'TCP', port: 8090 }],
    });
    expect(byName(plan.policies, 'shop', N.meshedIngress).spec.ingress![1]).toEqual({ from: [{ ipBlock: { cidr: '192.0.2.10/32' } }, { ipBlock: { cidr: '2001:db8::10/128' } }], ports: [{ protocol: 'TCP', port: 4143 }] });
    expect(byName(plan.policies, 'shop', N.meshedEgress).spec.egress![1]).toEqual({ to: [{ ipBlock: { cidr: '192.0.2.10/32' } }, { ipBlock: { cidr: '2001:db8::10/128' } }], ports: [{ protocol: 'TCP', port: 4143 }] });
    expect(byName(plan.policies, 'books', N.meshedIngress).spec.ingress![1].from).toEqual([{ ipBlock: { cidr: '192.0.2.11/32' } }]);
  });

  test('an external workload without known IPs adds no rule (an empty from would admit everyone)', () => {
    const vm = { name: 'vm', namespace: 'shop', identity: 'spiffe://example.org/vm', labels: {}, ports: [] };
    const { policies } = linkerdNetworkPolicies({ namespaces: ['shop'], externalWorkloads: [vm] });
    expect(byName(policies, 'shop', N.meshedIngress).spec.ingress).toHaveLength(1);
    expect(byName(policies, 'linkerd', N.destinationIngress).spec.ingress).toHaveLength(1);
    for (const p of policies) {
      for (const r of [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]) expect((r as any).from ?? (r as any).to).not.toEqual([]);
    }
  });

  test('defaultDeny: false emits only the allow policies', () => {
    const { policies } = linkerdNetworkPolicies({ namespaces: ['shop'], defaultDeny: false });
    expect(policies.some((p) => p.metadata.name === N.defaultDeny)).toBe(false);
  });

  test('the analyzer options describe the cluster the policies assume', () => {
    const { analysisOptions } = linkerdNetworkPolicies({
      namespaces: ['shop'],
      apiServerCidrs: ['172.20.0.0/28'],
      apiServerPorts: [6443],
      dnsNamespace: 'dns',
      dnsPodLabels: { app: 'coredns' },
      acceptedFindings: [{ id: 'metrics:*', reason: 'no Prometheus' }],
      analysisMeshedTraffic: 'mesh',
    });
    expect(analysisOptions).toEqual({
      mesh: { namespace: 'linkerd' },
      apiServerCidrs: ['172.20.0.0/28'],
      apiServerPort: 6443,
      dnsNamespace: 'dns',
      dnsPodLabels: { app: 'coredns' },
      assumeMeshedWorkloadsIn: ['shop'],
      meshedTraffic: 'mesh',
      acceptedFindings: [{ id: 'metrics:*', reason: 'no Prometheus' }],
    });
  });

  test('deterministic: the same props give the same objects', () => {
    const props = { namespaces: ['b', 'a'], vizNamespace: 'linkerd-viz', externalWorkloads: [{ name: 'vm', namespace: 'a', identity: 'x', labels: {}, ports: [], workloadIps: ['192.0.2.2', '192.0.2.1'] }] };
    expect(JSON.stringify(linkerdNetworkPolicies(props).policies)).toBe(JSON.stringify(linkerdNetworkPolicies(props).policies));
  });

  test('every bad prop is reported at once, naming the prop, the value and what is allowed', () => {
    let error: ValidationError | undefined;
    try {
      linkerdNetworkPolicies(
        {
          namespaces: ['Shop', 'linkerd', 'ok', 'ok'],
          apiServerCidrs: ['10.0.0.0/33'],
          apiServerPorts: [70000],
          dnsPodLabels: {},
          meshedPeers: 'everyone' as any,
          externalWorkloads: [{ name: 'vm', namespace: 'ok', identity: 'x', labels: {}, ports: [], workloadIps: ['not-an-ip'] }],
          acceptedFindings: [{ id: 'meshed:*', reason: ' ' }],
        },
        'app/netpol',
      );
    } catch (e) {
      error = e as ValidationError;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const lines = error!.message.split('\n').slice(1).map((l) => l.trim());
    expect(lines).toEqual([
      expect.stringMatching(/^\[app\/netpol\] namespaces\[0\]: received "Shop"; expected a DNS-1123 label/),
      expect.stringMatching(/^\[app\/netpol\] namespaces\[1\]: received "linkerd"; expected an application namespace; the control plane namespace "linkerd" gets its own policies/),
      '[app/netpol] namespaces[3]: received "ok"; expected each namespace once',
      expect.stringMatching(/^\[app\/netpol\] apiServerCidrs\[0\]: received "10\.0\.0\.0\/33"; expected a CIDR/),
      expect.stringMatching(/^\[app\/netpol\] apiServerPorts\[0\]: received 70000; expected an integer port number/),
      expect.stringMatching(/^\[app\/netpol\] dnsPodLabels: received \{\}; expected at least one label/),
      expect.stringMatching(/^\[app\/netpol\] meshedPeers: received "everyone"/),
      '[app/netpol] externalWorkloads[0].workloadIps[0]: received "not-an-ip"; expected an IPv4 or IPv6 address such as "192.0.2.10"',
      '[app/netpol] acceptedFindings[0].reason: received " "; expected a reason: accepting a blocked mesh flow must say why',
    ]);
  });

  test('nothing to emit is an error; an external workload outside the namespaces is a warning', () => {
    expect(() => linkerdNetworkPolicies({ controlPlane: false })).toThrow(/namespaces: received \[\]; expected at least one application namespace when controlPlane is false/);
    const plan = linkerdNetworkPolicies({ namespaces: ['shop'], externalWorkloads: [{ name: 'vm', namespace: 'legacy', identity: 'x', labels: {}, ports: [], workloadIps: ['192.0.2.1'] }] });
    expect(plan.warnings).toEqual([expect.stringMatching(/externalWorkloads\[0\] \(legacy\/vm\): namespace "legacy" is not in namespaces/)]);
  });
});

describe('networkPoliciesShape (values known only at deployment)', () => {
  const vm = (name: string, ips?: string[]): ExternalWorkloadInfo => ({
    name,
    namespace: 'shop',
    identity: `spiffe://root.linkerd.cluster.local/shop/${name}`,
    labels: { app: name },
    ports: [{ name: 'http', port: 8080 }],
    ...(ips ? { workloadIps: ips } : {}),
  });
  const base = { mesh: mesh(), namespaces: ['shop'], externalWorkloads: [vm('vm-a'), vm('vm-b', ['10.1.0.9'])] };
  const names = (policies: readonly NetworkPolicy[]) => policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);

  test('completed with the late values, the policies are exactly those of the plain props with those values', () => {
    const shape = networkPoliciesShape(base, 'test', { apiServerCidrs: true });
    // the shape stands the documentation range in for the CIDRs it does not know, in the analysis too
    expect(JSON.stringify(byName(shape.policies, 'mesh-system', N.kubeApiEgress))).toContain(LATE_API_SERVER_CIDR);
    expect(shape.analysisOptions.apiServerCidrs).toEqual([LATE_API_SERVER_CIDR]);
    const completed = shape.complete({ apiServerCidrs: ['172.20.0.0/28'], workloadIps: [['10.1.0.7', '10.1.0.8'], undefined] });
    const plain = linkerdNetworkPolicies({ ...base, apiServerCidrs: ['172.20.0.0/28'], externalWorkloads: [vm('vm-a', ['10.1.0.7', '10.1.0.8']), vm('vm-b', ['10.1.0.9'])] });
    expect(completed).toEqual(plain.policies);
    expect(JSON.stringify(completed)).not.toContain(LATE_API_SERVER_CIDR);
    expect(JSON.stringify(byName(completed, 'shop', N.meshedIngress))).toContain('10.1.0.7/32');
    // which policies exist never depends on a late value
    expect(names(completed)).toEqual(names(shape.policies));
    expect(names(shape.complete({ apiServerCidrs: ['10.0.0.1/32', 'fd00::1/128'], workloadIps: [[], []] }))).toEqual(names(shape.policies));
  });

  test('with nothing late, the shape is the plan of linkerdNetworkPolicies and completing it changes nothing', () => {
    const shape = networkPoliciesShape({ ...base, apiServerCidrs: ['172.20.0.0/28'] }, 'test');
    const plan = linkerdNetworkPolicies({ ...base, apiServerCidrs: ['172.20.0.0/28'] }, 'test');
    expect(shape.policies).toEqual(plan.policies);
    expect(shape.analysisOptions).toEqual(plan.analysisOptions);
    expect(shape.complete({})).toBe(shape.policies);
  });

  test('late values are checked when they arrive, each named', () => {
    const shape = networkPoliciesShape(base, 'LinkerdNetworkPolicies np', { apiServerCidrs: true });
    expect(() => shape.complete({ apiServerCidrs: ['10.0.0.0/33'] })).toThrow(ValidationError);
    expect(() => shape.complete({ apiServerCidrs: ['10.0.0.0/33'] })).toThrow('[LinkerdNetworkPolicies np] apiServerCidrs[0]: received "10.0.0.0/33"');
    expect(() => shape.complete({ apiServerCidrs: [] })).toThrow('apiServerCidrs: received []; expected at least one CIDR');
    expect(() => shape.complete({ apiServerCidrs: ['10.0.0.0/8'], workloadIps: [['10.1.0.300'], undefined] })).toThrow('externalWorkloads[0].workloadIps[0]: received "10.1.0.300"');
  });
});
