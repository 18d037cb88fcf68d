/**
 * The presets reproduce the seeds' policies as published (names, selectors, missing policyTypes)
 * and differ from them exactly where current Linkerd needs it. What each one breaks or fixes is
 * proven by the analyzer in test/analysis/analyzer-seeds.test.ts.
 */
import { effectivePolicyTypes } from '../../src/core/analysis';
import { NetworkPolicyPresets } from '../../src/core/network-policies';
import { expectConformant } from '../support/conformance';

const names = (ps: Array<{ metadata: { namespace?: string; name?: string } }>) => ps.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);

describe('NetworkPolicyPresets', () => {
  test('seed 004 as published: deny-all-ingress everywhere, allow-meshed-ingress on proxy-deployment, allow-control-plane-ingress by namespace label', () => {
    const ps = NetworkPolicyPresets.namespaceIsolationAsPublished({ namespaces: ['emojivoto'] });
    expectConformant(ps);
    expect(names(ps)).toEqual(['linkerd/deny-all-ingress', 'linkerd/allow-meshed-ingress', 'emojivoto/deny-all-ingress', 'emojivoto/allow-control-plane-ingress']);
    expect(ps[0].spec).toEqual({ podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
    expect(ps[1].spec.ingress).toEqual([{ from: [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: 'linkerd.io/proxy-deployment', operator: 'Exists' }] } }] }]);
    expect(ps[3].spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'linkerd.io/control-plane-ns': 'linkerd' } } }] }]);
    // as published: no labels of ours, no policyTypes (Kubernetes defaults them to Ingress)
    for (const p of ps) {
      expect(p.metadata.labels).toBeUndefined();
      expect(p.spec.policyTypes).toBeUndefined();
      expect(effectivePolicyTypes(p)).toEqual({ ingress: true, egress: false });
    }
  });

  test('seed 004 corrected: every meshed pod reaches the APIs, the API server the webhooks, viz the proxies', () => {
    const ps = NetworkPolicyPresets.namespaceIsolation({ namespaces: ['emojivoto'], apiServerCidrs: ['172.20.0.0/28'], vizNamespace: 'viz' });
    expectConformant(ps);
    expect(names(ps)).toEqual([
      'linkerd/deny-all-ingress',
      'linkerd/allow-meshed-ingress',
      'linkerd/allow-linkerd-viz-ingress',
      'linkerd/allow-webhook-ingress',
      'emojivoto/deny-all-ingress',
      'emojivoto/allow-linkerd-viz-ingress',
    ]);
    expect(ps[1].spec.ingress![0].from![0].podSelector).toEqual({ matchExpressions: [{ key: 'linkerd.io/control-plane-ns', operator: 'Exists' }] });
    expect(ps[1].spec.ingress![0].ports!.map((p) => p.port)).toEqual([8086, 8090, 8080]);
    expect(ps[3].spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '172.20.0.0/28' } }], ports: [{ protocol: 'TCP', port: 8443 }, { protocol: 'TCP', port: 9443 }] }]);
    expect(ps[5].spec.ingress!.map((r) => [r.from![0].namespaceSelector, r.ports!.map((p) => p.port)])).toEqual([
      [{ matchLabels: { 'kubernetes.io/metadata.name': 'viz' } }, [4191]],
      [{ matchLabels: { 'kubernetes.io/metadata.name': 'viz' } }, [4190]],
    ]);
  });

  test('seed 003 as published: the trio, allow-linkerd-control-plane-egress without policyTypes (so also an Ingress policy)', () => {
    const ps = NetworkPolicyPresets.egressLockdownAsPublished({ namespace: 'apps' });
    expectConformant(ps);
    expect(names(ps)).toEqual(['apps/allow-linkerd-control-plane-egress', 'apps/egress-kube-dns', 'apps/default-deny-all']);
    expect(ps[0].spec).toEqual({ podSelector: {}, egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'linkerd' } } }] }] });
    expect(effectivePolicyTypes(ps[0])).toEqual({ ingress: true, egress: true });
    expect(ps[1].spec.egress![0].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    expect(ps[2].spec).toEqual({ podSelector: {}, policyTypes: ['Egress'] });
  });

  test('seed 003 corrected: policyTypes [Egress] and egress to meshed pods on 4143', () => {
    const ps = NetworkPolicyPresets.egressLockdown({ namespace: 'apps', controlPlaneNamespace: 'mesh' });
    expectConformant(ps);
    expect(names(ps)).toEqual(['apps/allow-linkerd-control-plane-egress', 'apps/egress-kube-dns', 'apps/default-deny-all', 'apps/allow-meshed-egress']);
    expect(effectivePolicyTypes(ps[0])).toEqual({ ingress: false, egress: true });
    expect(ps[0].spec.egress![0].to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'mesh' } } }]);
    expect(ps[3].spec.egress).toEqual([{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'linkerd.io/control-plane-ns': 'mesh' } } }], ports: [{ protocol: 'TCP', port: 4143 }] }]);
  });

  test('seed 001 as published and corrected: app ports from meshed pods vs 4143 from meshed pods and viz on 4191/4190', () => {
    const opts = { namespace: 'dgraph', podLabels: { app: 'dgraph', component: 'alpha' }, ports: [8080, 9080] };
    const published = NetworkPolicyPresets.meshedClientsOnlyAsPublished(opts);
    const fixed = NetworkPolicyPresets.meshedClientsOnly(opts);
    expectConformant([...published, ...fixed]);
    const meshed = { namespaceSelector: {}, podSelector: { matchLabels: { 'linkerd.io/control-plane-ns': 'linkerd' } } };
    expect(published[0].spec).toEqual({
      podSelector: { matchLabels: { app: 'dgraph', component: 'alpha' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [meshed], ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 9080 }] }],
    });
    expect(fixed[0].spec.ingress!.map((r) => r.ports!.map((p) => p.port))).toEqual([[4143], [4191], [4190]]);
    expect(fixed[0].spec.ingress![0].from).toEqual([meshed]);
    expect(NetworkPolicyPresets.meshedClientsOnlyAsPublished({ ...opts, ports: undefined })[0].spec.ingress).toEqual([{ from: [meshed] }]);
  });

  test('bad options are reported with the option name', () => {
    expect(() => NetworkPolicyPresets.meshedClientsOnly({ namespace: 'Dgraph', podLabels: {} })).toThrow(
      /2 problems:\n.*namespace: received "Dgraph"; expected a DNS-1123 label.*\n.*podLabels: received \{\}; expected at least one label selecting the workload/,
    );
    expect(() => NetworkPolicyPresets.namespaceIsolation({ namespaces: ['ok'], apiServerCidrs: ['nope'] })).toThrow(/apiServerCidrs\[0\]: received "nope"/);
    expect(() => NetworkPolicyPresets.egressLockdown({ namespace: '' })).toThrow(/namespace: received ""/);
  });
});
