/**
 * The required-flow checks run once per group of meshed pod classes that they treat alike
 * (`ClassGroup`) and report for every member. Grouped and one-class-at-a-time runs must give the
 * same findings (ids, messages, fixes, counts, policies), the same flow graph and the same number of
 * checks, on seeded random clusters where NetworkPolicies block many required flows.
 */
import { deployment, externalWorkload, namespace, policy, prng } from './helpers';
import { prepareAnalysis } from '../../src/core/analysis/analyzer';
import { Collector, FlowChecks } from '../../src/core/analysis/flow-collector';
import { checkRequiredFlows, type MeshedTrafficScope } from '../../src/core/analysis/flows';
import type { KubeObject } from '../../src/core/k8s';
import { compareText } from '../../src/core/selectors';

const TIERS = ['web', 'api', 'db'];

function randomCluster(seed: number): KubeObject[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const objects: KubeObject[] = [];
  const namespaces = ['shop', 'pay', 'ops'];
  for (const ns of namespaces) objects.push(namespace(ns, { inject: 'enabled', labels: { team: ns === 'ops' ? 'platform' : 'product' } }));
  for (let i = 0; i < 30; i++) {
    const ns = namespaces[i % 3];
    const tier = pick(TIERS);
    const ports = r() < 0.7 ? [{ name: 'http', containerPort: 8080 }] : r() < 0.5 ? [{ name: 'grpc', containerPort: 9090 }] : [];
    const annotations = r() < 0.15 ? { 'config.linkerd.io/skip-inbound-ports': '9090' } : undefined;
    objects.push(deployment(ns, `w${i}`, { labels: { app: `w${i}`, tier }, ports, ...(annotations ? { annotations } : {}) }));
  }
  const peers = () => pick<Array<Record<string, unknown>>>([
    [{ podSelector: { matchLabels: { tier: pick(TIERS) } } }],
    [{ namespaceSelector: { matchLabels: { team: 'product' } } }],
    [{ namespaceSelector: {} }],
    [{ ipBlock: { cidr: '10.0.0.0/8' } }],
  ]);
  const ports = () => pick<Array<Record<string, unknown>> | undefined>([undefined, [{ port: 8080 }], [{ port: 'http' }], [{ port: 9090 }], [{ port: 4143 }], [{ port: 53, protocol: 'UDP' }]]);
  for (let j = 0; j < 9; j++) {
    const ns = namespaces[j % 3];
    const types = pick([['Ingress'], ['Egress'], ['Ingress', 'Egress']]);
    const rule = (dir: 'from' | 'to') => {
      const p = ports();
      return { ...(r() < 0.8 ? { [dir]: peers() } : {}), ...(p ? { ports: p } : {}) };
    };
    objects.push(
      policy(ns, `np${j}`, {
        podSelector: r() < 0.4 ? {} : { matchLabels: { tier: pick(TIERS) } },
        policyTypes: types as Array<'Ingress' | 'Egress'>,
        ...(types.includes('Ingress') && r() < 0.7 ? { ingress: [rule('from')] } : {}),
        ...(types.includes('Egress') && r() < 0.7 ? { egress: [rule('to')] } : {}),
      }),
    );
  }
  objects.push(externalWorkload('shop', 'vm', { identity: 'spiffe://example.org/vm', ip: '10.1.0.7', ports: [{ port: 8080, name: 'http' }] }));
  return objects;
}

function run(objects: KubeObject[], groupClasses: boolean, meshedTraffic: MeshedTrafficScope) {
  const { model, engine } = prepareAnalysis(objects, { apiServerCidrs: ['172.20.0.5/32'] });
  const result = checkRequiredFlows(model, engine, { groupClasses, meshedTraffic });
  const groups = new FlowChecks(model, engine, new Collector(model, engine), groupClasses).meshedGroups;
  return { ...result, findings: [...result.findings].sort((a, b) => compareText(a.id, b.id)), groups };
}

describe('grouped required-flow checks agree with one check per class', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8])('random cluster, seed %i: same findings, graph and checks', (seed) => {
    const objects = randomCluster(seed);
    for (const scope of ['namespace', 'mesh', 'policies'] as const) {
      const grouped = run(objects, true, scope);
      const single = run(objects, false, scope);
      expect(grouped.findings).toEqual(single.findings);
      expect(grouped.edges).toEqual(single.edges);
      expect(grouped.checks).toBe(single.checks);
      // the groups are real (several classes checked at once) and the comparison is not vacuous
      expect(single.groups.every((g) => g.length === 1)).toBe(true);
      expect(grouped.groups.length).toBeLessThan(single.groups.length);
      expect(grouped.findings.length).toBeGreaterThan(0);
    }
  });

  test('a grouped finding is reported for every member of the group, under its own name', () => {
    const objects = [
      namespace('shop', { inject: 'enabled' }),
      deployment('shop', 'cart'),
      deployment('shop', 'checkout'),
      deployment('shop', 'search'),
      policy('shop', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] }),
    ];
    const grouped = run(objects, true, 'namespace');
    const shopGroups = grouped.groups.filter((g) => g[0].namespace === 'shop');
    expect(shopGroups.map((g) => g.map((c) => c.ref))).toEqual([['shop/cart', 'shop/checkout', 'shop/search']]);
    const dns = grouped.findings.filter((f) => f.kind === 'dns' && f.protocol === 'UDP').map((f) => f.id);
    expect(dns).toEqual(['dns:egress:shop/cart:53/UDP', 'dns:egress:shop/checkout:53/UDP', 'dns:egress:shop/search:53/UDP']);
    expect(grouped.findings.find((f) => f.id === 'dns:egress:shop/search:53/UDP')?.message).toMatch(/^53\/UDP from shop\/search to /);
  });

  test('classes that differ only in the ports their proxy skips are checked apart', () => {
    // proxy-init skips 9090 on `batch`: a rule admitting meshed clients on 9090 is then met on 9090
    // itself, while on `api` meshed traffic arrives on 4143 and the same rule is the pre-2.18 mistake
    const grpc = [{ name: 'grpc', containerPort: 9090 }];
    const objects = [
      namespace('shop', { inject: 'enabled' }),
      deployment('shop', 'api', { labels: { tier: 'backend' }, ports: grpc }),
      deployment('shop', 'batch', { labels: { tier: 'backend' }, ports: grpc, annotations: { 'config.linkerd.io/skip-inbound-ports': '9090' } }),
      policy('shop', 'grpc-only', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 9090 }] }] }),
    ];
    for (const groupClasses of [true, false]) {
      const r = run(objects, groupClasses, 'namespace');
      const message = (ref: string) => r.findings.find((f) => f.id === `meshed:ingress:${ref}:4143/TCP`)?.message;
      expect(message('shop/api')).toContain('its policies admit meshed clients on 9090, but meshed traffic arrives on 4143');
      expect(message('shop/batch')).toBeDefined();
      expect(message('shop/batch')).not.toContain('admit meshed clients on 9090');
    }
  });
});
