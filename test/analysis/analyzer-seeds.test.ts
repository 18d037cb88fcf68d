/**
 * The analyzer on the real control plane (edge-26.8.3 fixtures) with our policies, and with the
 * policies of the seeds as published and as corrected.
 */
import { deployment, namespace, policy } from './helpers';
import { AnalysisOptions, AnalysisResult, analyzeMesh } from '../../src/core/analysis';
import type { KubeObject } from '../../src/core/k8s';
import { linkerdNetworkPolicies, LinkerdNetworkPoliciesProps, NetworkPolicyPresets } from '../../src/core/network-policies';
import { expectConformant } from '../support/conformance';
import { describeWithFixtures, readFixtureDocs } from '../support/fixtures';

/** Two meshed application namespaces: a Deployment-only one and one with a StatefulSet. */
const APPS: KubeObject[] = [
  namespace('emojivoto', { inject: 'enabled' }),
  namespace('books', { inject: 'enabled' }),
  deployment('emojivoto', 'web', { ports: [{ name: 'http', containerPort: 8080 }] }),
  deployment('emojivoto', 'emoji', { ports: [{ name: 'grpc', containerPort: 8080 }] }),
  deployment('emojivoto', 'voting', { ports: [{ name: 'grpc', containerPort: 8080 }] }),
  deployment('emojivoto', 'db', { kind: 'StatefulSet', ports: [{ name: 'pg', containerPort: 5432 }] }),
  deployment('books', 'api', { ports: [{ name: 'http', containerPort: 7000 }] }),
];

const ids = (r: AnalysisResult) => r.blocking.map((f) => f.id);
const finding = (r: AnalysisResult, id: string) => {
  const f = r.findings.find((x) => x.id === id);
  if (!f) throw new Error(`no finding ${id}; have:\n  ${r.findings.map((x) => x.id).join('\n  ')}`);
  return f;
};

function ours(props: LinkerdNetworkPoliciesProps = {}) {
  return linkerdNetworkPolicies({ namespaces: ['emojivoto', 'books'], ...props });
}

describeWithFixtures('analyzer on the edge-26.8.3 control plane', () => {
  const controlPlane = readFixtureDocs('linkerd-edge-26.8.3/control-plane-default.yaml') as KubeObject[];
  const controlPlaneHa = readFixtureDocs('linkerd-edge-26.8.3/control-plane-ha.yaml') as KubeObject[];
  const viz = readFixtureDocs('linkerd-edge-26.8.3/viz-default.yaml') as KubeObject[];
  const run = (objects: KubeObject[], options: AnalysisOptions = {}) => analyzeMesh(objects, options);

  describe('our policies', () => {
    test.each([
      ['default', controlPlane],
      ['HA', controlPlaneHa],
    ])('control plane (%s) + our policies for it and two meshed app namespaces: zero broken flows', (_name, cp) => {
      const plan = ours();
      expectConformant(plan.policies);
      const r = run([...cp, ...APPS, ...plan.policies], plan.analysisOptions);
      expect(r.findings).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.summary.controlPlane).toBe('manifests');
      expect(r.summary.meshedPodClasses).toBe(3 + 5);
      expect(r.summary.networkPolicies).toBe(plan.policies.length);
      // the checks did run on both ends for every meshed class (not a vacuous pass)
      expect(r.summary.checks).toBeGreaterThan(50);
      expect(r.edges.filter((e) => e.kind === 'destination' && e.to === 'linkerd/linkerd-destination').map((e) => e.from)).toEqual(
        expect.arrayContaining(['namespace books', 'namespace emojivoto', 'linkerd/linkerd-identity', 'linkerd/linkerd-proxy-injector']),
      );
    });

    test('with viz installed (its Prometheus and tap in linkerd-viz): zero broken flows', () => {
      const plan = ours({ vizNamespace: 'linkerd-viz' });
      const r = run([...controlPlane, ...viz, ...APPS, ...plan.policies], plan.analysisOptions);
      expect(r.findings).toEqual([]);
      expect(r.summary.viz).toBe('manifests');
      expect(r.edges.some((e) => e.kind === 'metrics' && e.from === 'linkerd-viz/prometheus' && e.to === 'namespace emojivoto' && !e.blocked)).toBe(true);
      expect(r.edges.some((e) => e.kind === 'tap' && e.from === 'linkerd-viz/tap' && !e.blocked)).toBe(true);
    });

    test('viz itself under the default-deny baseline (its namespace in namespaces): zero broken flows', () => {
      const plan = ours({ vizNamespace: 'linkerd-viz', namespaces: ['emojivoto', 'books', 'linkerd-viz'] });
      expectConformant(plan.policies);
      const r = run([...controlPlane, ...viz, ...APPS, ...plan.policies], plan.analysisOptions);
      expect(r.findings).toEqual([]);
      // without the viz-specific policies, the API server could not reach tap-injector and tap's APIService
      const without = plan.policies.filter((p) => !p.metadata.name!.startsWith('linkerd-allow-viz-'));
      const broken = run([...controlPlane, ...viz, ...APPS, ...without], plan.analysisOptions);
      expect(ids(broken)).toEqual(expect.arrayContaining(['webhook:ingress:linkerd-viz/tap:8089/TCP', 'webhook:ingress:linkerd-viz/tap-injector:8443/TCP', 'metrics:egress:linkerd-viz/prometheus:4191/TCP']));
    });

    test('the same policies without viz rules: viz Prometheus and tap are blocked, per class, with the fix', () => {
      const plan = ours();
      const r = run([...controlPlane, ...viz, ...APPS, ...plan.policies], plan.analysisOptions);
      const m = finding(r, 'metrics:ingress:emojivoto/web:4191/TCP');
      expect(m).toMatchObject({ side: 'ingress', sources: ['linkerd-viz/prometheus'], port: 4191, protocol: 'TCP' });
      expect(m.policies).toEqual(expect.arrayContaining(['emojivoto/linkerd-default-deny']));
      expect(m.fix).toMatch(/from namespaceSelector \{kubernetes.io\/metadata.name: linkerd-viz\} \+ podSelector \{component: prometheus\}, ports \[4191\/TCP\]/);
      expect(ids(r)).toEqual(expect.arrayContaining(['tap:ingress:books/api:4190/TCP', 'metrics:ingress:linkerd/linkerd-destination:4191/TCP']));
    });

    test('narrowed API server CIDRs: the analyzer checks the webhooks against them', () => {
      const plan = ours({ apiServerCidrs: ['172.20.0.0/28'] });
      expect(run([...controlPlane, ...APPS, ...plan.policies], plan.analysisOptions).findings).toEqual([]);
      // the API server elsewhere: the webhook and API egress findings name the addresses
      const r = run([...controlPlane, ...APPS, ...plan.policies], { ...plan.analysisOptions, apiServerCidrs: ['10.96.0.1/32'] });
      expect(ids(r).sort()).toEqual([
        'kube-api:egress:linkerd/linkerd-destination:443/TCP',
        'kube-api:egress:linkerd/linkerd-heartbeat:443/TCP',
        'kube-api:egress:linkerd/linkerd-identity:443/TCP',
        'kube-api:egress:linkerd/linkerd-proxy-injector:443/TCP',
        'webhook:ingress:linkerd/linkerd-destination:8443/TCP',
        'webhook:ingress:linkerd/linkerd-destination:9443/TCP',
        'webhook:ingress:linkerd/linkerd-proxy-injector:8443/TCP',
      ]);
      expect(finding(r, 'webhook:ingress:linkerd/linkerd-proxy-injector:8443/TCP').message).toMatch(/MutatingWebhookConfiguration linkerd-proxy-injector-webhook-config/);
    });

    test('meshed traffic across namespaces: meshedPeers namespace fails a mesh-wide requirement, mesh passes', () => {
      const narrow = ours({ meshedPeers: 'namespace' });
      const r = run([...controlPlane, ...APPS, ...narrow.policies], { ...narrow.analysisOptions, meshedTraffic: 'mesh' });
      const f = finding(r, 'meshed:ingress:books/api:4143/TCP');
      expect(f.sources).toEqual(['emojivoto/*']);
      expect(f.sourceCount).toBe(4);
      const wide = ours({ meshedPeers: 'mesh' });
      expect(run([...controlPlane, ...APPS, ...wide.policies], { ...wide.analysisOptions, meshedTraffic: 'mesh' }).findings).toEqual([]);
    });

    test('external workloads: admitted by our policies; without them their flows are reported', () => {
      const vm = {
        apiVersion: 'workload.linkerd.io/v1beta1',
        kind: 'ExternalWorkload',
        metadata: { name: 'legacy-vm', namespace: 'books', labels: { app: 'legacy' } },
        spec: { meshTLS: { identity: 'spiffe://root.linkerd.cluster.local/legacy-vm', serverName: 'legacy-vm' }, workloadIPs: [{ ip: '192.0.2.20' }], ports: [{ port: 9000, name: 'http' }] },
      } as KubeObject;
      const info = { name: 'legacy-vm', namespace: 'books', identity: 'spiffe://root.linkerd.cluster.local/legacy-vm', labels: { app: 'legacy' }, ports: [{ name: 'http', port: 9000 }], workloadIps: ['192.0.2.20'] };
      const withVm = ours({ externalWorkloads: [{ externalWorkload: info }] });
      expect(run([...controlPlane, ...APPS, vm, ...withVm.policies], withVm.analysisOptions).findings).toEqual([]);
      const without = ours();
      const r = run([...controlPlane, ...APPS, vm, ...without.policies], without.analysisOptions);
      expect(ids(r).sort()).toEqual([
        'external-workload:egress:books/api:4143/TCP',
        'external-workload:ingress:books/api:4143/TCP',
        'external-workload:ingress:linkerd/linkerd-destination:8086/TCP',
        'external-workload:ingress:linkerd/linkerd-destination:8090/TCP',
      ]);
      expect(finding(r, 'external-workload:ingress:books/api:4143/TCP').fix).toMatch(/from ipBlock 192\.0\.2\.20\/32, ports \[4143\/TCP\]/);
    });

    test('a control plane delivered outside the manifests (Flux): the built-in model gives the same verdicts as the real one', () => {
      const plan = ours();
      const builtIn = run([...APPS, ...plan.policies], plan.analysisOptions);
      expect(builtIn.summary.controlPlane).toBe('built-in');
      expect(builtIn.findings).toEqual([]);
      const deny = policy('linkerd', 'deny-all-ingress', { ingress: [{ from: [{ podSelector: {} }] }] });
      const fromModel = run([...APPS, deny]);
      const fromFixture = run([...controlPlane, ...APPS, deny]);
      expect(ids(fromModel)).toEqual(ids(fromFixture));
      expect(ids(fromModel).length).toBeGreaterThan(0);
    });
  });

  describe('seed 004: deny-all-ingress in the linkerd namespace', () => {
    const denyAll = policy('linkerd', 'deny-all-ingress', { ingress: [{ from: [{ podSelector: {} }] }] });

    test('alone, it blocks proxy -> destination 8086 (and policy 8090, identity 8080, the webhooks)', () => {
      const r = run([...controlPlane, ...APPS, denyAll]);
      expect(r.ok).toBe(false);
      const dst = finding(r, 'destination:ingress:linkerd/linkerd-destination:8086/TCP');
      expect(dst).toMatchObject({
        kind: 'destination',
        side: 'ingress',
        at: 'linkerd/linkerd-destination',
        sources: ['books/api', 'emojivoto/*'],
        sourceCount: 5,
        destinations: ['linkerd/linkerd-destination'],
        port: 8086,
        protocol: 'TCP',
        policies: ['linkerd/deny-all-ingress'],
      });
      expect(dst.message).toMatch(/8086\/TCP from books\/api, emojivoto\/\* to linkerd\/linkerd-destination is blocked by the ingress policies/);
      expect(dst.fix).toMatch(/podSelector \{linkerd\.io\/control-plane-ns: linkerd\}.*ports \[8086\/TCP\]/);
      expect(ids(r).sort()).toEqual([
        'destination:ingress:linkerd/linkerd-destination:8086/TCP',
        'identity:ingress:linkerd/linkerd-identity:8080/TCP',
        'policy:ingress:linkerd/linkerd-destination:8090/TCP',
        'webhook:ingress:linkerd/linkerd-destination:8443/TCP',
        'webhook:ingress:linkerd/linkerd-destination:9443/TCP',
        'webhook:ingress:linkerd/linkerd-proxy-injector:8443/TCP',
      ]);
      // the control plane's own pods still reach each other (same namespace)
      expect(dst.sources.some((s) => s.startsWith('linkerd/'))).toBe(false);
    });

    test('with the fix (corrected namespaceIsolation preset), every flow passes, viz included', () => {
      const fixed = NetworkPolicyPresets.namespaceIsolation({ namespaces: ['emojivoto', 'books'] });
      expectConformant(fixed);
      const r = run([...controlPlane, ...viz, ...APPS, ...fixed]);
      expect(r.findings).toEqual([]);
    });

    test("the post's own fix, as published, still breaks current Linkerd: webhooks, StatefulSet proxies, viz", () => {
      const published = NetworkPolicyPresets.namespaceIsolationAsPublished({ namespaces: ['emojivoto', 'books'] });
      expectConformant(published);
      const r = run([...controlPlane, ...viz, ...APPS, ...published]);
      expect(ids(r).sort()).toEqual([
        'destination:ingress:linkerd/linkerd-destination:8086/TCP',
        'identity:ingress:linkerd/linkerd-identity:8080/TCP',
        'metrics:ingress:books/api:4191/TCP',
        'metrics:ingress:emojivoto/db:4191/TCP',
        'metrics:ingress:emojivoto/emoji:4191/TCP',
        'metrics:ingress:emojivoto/voting:4191/TCP',
        'metrics:ingress:emojivoto/web:4191/TCP',
        'policy:ingress:linkerd/linkerd-destination:8090/TCP',
        'tap:ingress:books/api:4190/TCP',
        'tap:ingress:emojivoto/db:4190/TCP',
        'tap:ingress:emojivoto/emoji:4190/TCP',
        'tap:ingress:emojivoto/voting:4190/TCP',
        'tap:ingress:emojivoto/web:4190/TCP',
        'webhook:ingress:linkerd/linkerd-destination:8443/TCP',
        'webhook:ingress:linkerd/linkerd-destination:9443/TCP',
        'webhook:ingress:linkerd/linkerd-proxy-injector:8443/TCP',
      ]);
      // only the StatefulSet lacks the linkerd.io/proxy-deployment label the post selects on
      expect(finding(r, 'destination:ingress:linkerd/linkerd-destination:8086/TCP').sources).toEqual(['emojivoto/db']);
      expect(finding(r, 'metrics:ingress:emojivoto/web:4191/TCP').policies).toEqual(['emojivoto/deny-all-ingress', 'emojivoto/allow-control-plane-ingress']);
    });

    test('findings accepted on purpose (by id or pattern, with a reason) no longer fail; stale ones are listed', () => {
      const r = run([...controlPlane, ...APPS, denyAll], {
        acceptedFindings: [
          { id: 'webhook:*', reason: 'webhooks are called through a konnectivity proxy inside the namespace' },
          { id: '*:ingress:linkerd/*:80*/TCP', reason: 'test' },
          { id: 'identity:ingress:linkerd/linkerd-identity:8080/TCP', reason: 'test' },
          { id: 'tap:*', reason: 'stale' },
        ],
      });
      expect(r.ok).toBe(true);
      expect(r.blocking).toEqual([]);
      expect(r.findings).toHaveLength(6);
      expect(finding(r, 'webhook:ingress:linkerd/linkerd-destination:9443/TCP').accepted).toBe('webhooks are called through a konnectivity proxy inside the namespace');
      expect(r.unusedAcceptances).toEqual([{ id: 'tap:*', reason: 'stale' }]);
    });
  });

  describe("seed 003: the platform's trio (allow-linkerd-control-plane-egress, egress-kube-dns, default-deny-all)", () => {
    test('as published: the control plane and DNS work, but meshed traffic (4143), metrics and tap are blocked', () => {
      const trio = NetworkPolicyPresets.egressLockdownAsPublished({ namespace: 'emojivoto' });
      expectConformant(trio);
      const r = run([...controlPlane, ...viz, ...APPS, ...trio]);
      expect(r.findings.filter((f) => ['destination', 'policy', 'identity', 'dns'].includes(f.kind))).toEqual([]);
      expect(ids(r).sort()).toEqual([
        'meshed:egress:emojivoto/db:4143/TCP',
        'meshed:egress:emojivoto/emoji:4143/TCP',
        'meshed:egress:emojivoto/voting:4143/TCP',
        'meshed:egress:emojivoto/web:4143/TCP',
        'meshed:ingress:emojivoto/db:4143/TCP',
        'meshed:ingress:emojivoto/emoji:4143/TCP',
        'meshed:ingress:emojivoto/voting:4143/TCP',
        'meshed:ingress:emojivoto/web:4143/TCP',
        'metrics:ingress:emojivoto/db:4191/TCP',
        'metrics:ingress:emojivoto/emoji:4191/TCP',
        'metrics:ingress:emojivoto/voting:4191/TCP',
        'metrics:ingress:emojivoto/web:4191/TCP',
        'tap:ingress:emojivoto/db:4190/TCP',
        'tap:ingress:emojivoto/emoji:4190/TCP',
        'tap:ingress:emojivoto/voting:4190/TCP',
        'tap:ingress:emojivoto/web:4190/TCP',
      ]);
      // egress: the deny-all blocks meshed traffic to the neighbours
      expect(finding(r, 'meshed:egress:emojivoto/web:4143/TCP')).toMatchObject({ destinations: ['emojivoto/*'], policies: expect.arrayContaining(['emojivoto/default-deny-all']) });
      // ingress: the policy without policyTypes became an Ingress policy too, and the analyzer says so
      expect(finding(r, 'metrics:ingress:emojivoto/web:4191/TCP').policies).toEqual(['emojivoto/allow-linkerd-control-plane-egress']);
      expect(r.notes.join('\n')).toMatch(/emojivoto\/allow-linkerd-control-plane-egress has egress rules but no policyTypes/);
    });

    test('corrected: policyTypes [Egress] and egress to meshed pods on 4143: every flow passes', () => {
      const fixed = NetworkPolicyPresets.egressLockdown({ namespace: 'emojivoto' });
      expectConformant(fixed);
      expect(run([...controlPlane, ...viz, ...APPS, ...fixed]).findings).toEqual([]);
    });
  });

  describe('seed 001: a workload that admits only meshed clients', () => {
    const DGRAPH: KubeObject[] = [
      namespace('dgraph', { inject: 'enabled' }),
      namespace('pydgraph-client', { inject: 'enabled' }),
      deployment('dgraph', 'dgraph-alpha', { kind: 'StatefulSet', labels: { app: 'dgraph', component: 'alpha' }, ports: [{ name: 'http', containerPort: 8080 }, { name: 'grpc', containerPort: 9080 }] }),
      deployment('pydgraph-client', 'pydgraph-client', { labels: { app: 'pydgraph-client' }, ports: [] }),
    ];
    const opts = { namespace: 'dgraph', podLabels: { app: 'dgraph', component: 'alpha' }, ports: [8080, 9080] };

    test('as published (app ports 8080/9080 from meshed pods): meshed clients arrive on 4143 and are refused', () => {
      const published = NetworkPolicyPresets.meshedClientsOnlyAsPublished(opts);
      expectConformant(published);
      const r = run([...controlPlane, ...viz, ...DGRAPH, ...published], { flows: ['pydgraph-client/pydgraph-client -> dgraph/dgraph-alpha:9080'] });
      const f = finding(r, 'meshed:ingress:dgraph/dgraph-alpha:4143/TCP');
      expect(f.sources).toEqual(expect.arrayContaining(['pydgraph-client/pydgraph-client']));
      expect(f.message).toMatch(/its policies admit meshed clients on 8080, 9080, but meshed traffic arrives on 4143/);
      expect(ids(r)).toEqual(expect.arrayContaining(['metrics:ingress:dgraph/dgraph-alpha:4191/TCP', 'tap:ingress:dgraph/dgraph-alpha:4190/TCP']));
      const [answer] = r.answers;
      expect(answer).toMatchObject({ allowed: false, wirePort: 4143, port: 9080, egress: { allowed: true }, ingress: { allowed: false, isolatingPolicies: ['dgraph/allow-meshed-clients-only'] } });
    });

    test('corrected (4143 from meshed pods, 4191/4190 from viz): every flow passes and the client reaches 9080', () => {
      const fixed = NetworkPolicyPresets.meshedClientsOnly(opts);
      expectConformant(fixed);
      const r = run([...controlPlane, ...viz, ...DGRAPH, ...fixed], { flows: ['pydgraph-client/pydgraph-client -> dgraph/dgraph-alpha:9080'] });
      expect(r.findings).toEqual([]);
      expect(r.answers[0]).toMatchObject({ allowed: true, wirePort: 4143, ingress: { allowed: true, allowingPolicies: ['dgraph/allow-meshed-clients-only'] } });
      expect(r.ok).toBe(true);
    });
  });

  test('monitoring namespaces: a Prometheus outside viz is checked like viz', () => {
    const prom = deployment('monitoring', 'prometheus-server', { labels: { 'app.kubernetes.io/name': 'prometheus' }, ports: [{ name: 'web', containerPort: 9090 }] });
    const plan = ours({ monitoringNamespaces: ['monitoring'] });
    expect(run([...controlPlane, ...APPS, prom, ...plan.policies], plan.analysisOptions).findings).toEqual([]);
    const without = ours();
    const r = run([...controlPlane, ...APPS, prom, ...without.policies], { ...without.analysisOptions, monitoringNamespaces: ['monitoring'] });
    expect(finding(r, 'metrics:ingress:books/api:4191/TCP').sources).toEqual(['monitoring/prometheus-server']);
  });
});
