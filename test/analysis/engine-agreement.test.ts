/**
 * The bulk engine (bit sets, indexes, caches) must agree with the pair-by-pair reference on every
 * pair, port and protocol, for randomly generated (but seeded, so reproducible) clusters.
 */
import { externalWorkload, namespace, pod, policy, prng } from './helpers';
import { prepareAnalysis } from '../../src/core/analysis/analyzer';
import { evaluateNetworkPolicyConnection } from '../../src/core/analysis/netpol';
import type { KubeObject, L4Protocol } from '../../src/core/k8s';

const KEYS = ['app', 'tier', 'team'];
const VALUES = ['a', 'b', 'c'];
const PORTS: Array<{ name: string; containerPort: number; protocol?: 'TCP' | 'UDP' }> = [
  { name: 'http', containerPort: 8080 },
  { name: 'http', containerPort: 8081 },
  { name: 'grpc', containerPort: 9090 },
  { name: 'dns', containerPort: 53, protocol: 'UDP' },
];

function randomCluster(seed: number): KubeObject[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const labels = () => {
    const l: Record<string, string> = {};
    for (const k of KEYS) if (r() < 0.6) l[k] = pick(VALUES);
    return l;
  };
  const selector = (): Record<string, unknown> => {
    const s: Record<string, unknown> = {};
    if (r() < 0.5) s.matchLabels = { [pick(KEYS)]: pick(VALUES) };
    if (r() < 0.4) {
      const op = pick(['In', 'NotIn', 'Exists', 'DoesNotExist']);
      s.matchExpressions = [{ key: pick(KEYS), operator: op, ...(op === 'In' || op === 'NotIn' ? { values: [pick(VALUES), pick(VALUES)] } : {}) }];
    }
    return s;
  };
  const peer = (): Record<string, unknown> => {
    const kind = r();
    if (kind < 0.15) return { ipBlock: { cidr: pick(['10.0.0.0/8', '10.1.0.0/16', '0.0.0.0/0', '172.20.0.0/16']), ...(r() < 0.5 ? { except: [pick(['10.1.0.0/24', '10.0.0.0/16', '172.20.0.0/24'])] } : {}) } };
    const p: Record<string, unknown> = {};
    if (kind < 0.55) p.podSelector = selector();
    if (kind > 0.35) p.namespaceSelector = r() < 0.3 ? {} : { matchLabels: pick([{ env: 'prod' }, { env: 'dev' }, { 'kubernetes.io/metadata.name': pick(['n0', 'n1', 'n2']) }]) };
    if (!p.podSelector && !p.namespaceSelector) p.podSelector = {};
    return p;
  };
  const ports = () => {
    if (r() < 0.3) return undefined;
    return [...Array(1 + Math.floor(r() * 2))].map(() => {
      const k = r();
      const protocol = r() < 0.2 ? 'UDP' : r() < 0.5 ? undefined : 'TCP';
      if (k < 0.3) return { port: pick(['http', 'grpc', 'dns']), ...(protocol ? { protocol } : {}) };
      if (k < 0.5) return { port: 8000, endPort: pick([8080, 8081, 9000]), ...(protocol ? { protocol } : {}) };
      if (k < 0.6) return { ...(protocol ? { protocol } : { protocol: 'UDP' }) };
      return { port: pick([53, 4143, 8080, 8081, 9090]), ...(protocol ? { protocol } : {}) };
    });
  };
  const rules = (dir: 'from' | 'to') => [...Array(Math.floor(r() * 3))].map(() => ({ ...(r() < 0.85 ? { [dir]: [...Array(1 + Math.floor(r() * 2))].map(peer) } : {}), ...(() => { const p = ports(); return p ? { ports: p } : {}; })() }));
  const objects: KubeObject[] = [];
  for (let n = 0; n < 3; n++) objects.push(namespace(`n${n}`, { labels: { env: n === 2 ? 'dev' : 'prod' } }));
  for (let i = 0; i < 18; i++) {
    const ns = `n${i % 3}`;
    const myPorts = PORTS.filter(() => r() < 0.5);
    objects.push(pod(ns, `p${i}`, { labels: { ...labels(), id: `p${i}` }, ports: myPorts, ...(r() < 0.4 ? { ips: [`10.${pick(['0', '1'])}.${Math.floor(r() * 2)}.${i + 1}`] } : {}) }));
  }
  for (let j = 0; j < 10; j++) {
    const ns = `n${j % 3}`;
    const types = pick([undefined, ['Ingress'], ['Egress'], ['Ingress', 'Egress']]);
    const spec: Record<string, unknown> = { podSelector: r() < 0.3 ? {} : selector(), ...(types ? { policyTypes: types } : {}) };
    if (r() < 0.8) spec.ingress = rules('from');
    if (r() < 0.6) spec.egress = rules('to');
    objects.push(policy(ns, `np${j}`, spec as any));
  }
  objects.push(externalWorkload('n0', 'vm', { identity: 'spiffe://example.org/vm', ip: '10.1.0.7', ports: [{ port: 8080, name: 'http' }] }));
  return objects;
}

describe('bulk engine agrees with the reference evaluation', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('random cluster, seed %i: every pair, port and protocol', (seed) => {
    const { model, engine } = prepareAnalysis(randomCluster(seed), { builtInModels: false, apiServerCidrs: ['172.20.0.5/32'] });
    const labels = (ns: string) => model.namespaceLabels(ns);
    const flows: Array<[number, L4Protocol]> = [
      [8080, 'TCP'],
      [8081, 'TCP'],
      [9090, 'TCP'],
      [4143, 'TCP'],
      [53, 'UDP'],
      [53, 'TCP'],
    ];
    let isolatedPairs = 0;
    let mismatches: string[] = [];
    const addresses = [model.apiServer, ...model.externalWorkloads];
    for (const [port, protocol] of flows) {
      for (const s of model.classes) {
        const egress = engine.egressAdmitted(s, port, protocol);
        for (const d of model.classes) {
          const ref = evaluateNetworkPolicyConnection(model.policies, s, d, port, protocol, labels);
          const ingress = engine.ingressAdmitted(d, port, protocol);
          if (ref.egress.isolated || ref.ingress.isolated) isolatedPairs++;
          if (ref.egress.allowed !== egress.has(d.index)) mismatches.push(`egress ${s.ref} -> ${d.ref}:${port}/${protocol}: reference ${ref.egress.allowed}`);
          if (ref.ingress.allowed !== ingress.has(s.index)) mismatches.push(`ingress ${s.ref} -> ${d.ref}:${port}/${protocol}: reference ${ref.ingress.allowed}`);
        }
        for (const a of addresses) {
          const out = evaluateNetworkPolicyConnection(model.policies, s, a, port, protocol, labels);
          if (out.egress.allowed !== engine.egressAdmitsAddress(s, a, port, protocol)) mismatches.push(`egress ${s.ref} -> ${a.ref}:${port}/${protocol}`);
          const inn = evaluateNetworkPolicyConnection(model.policies, a, s, port, protocol, labels);
          if (inn.ingress.allowed !== engine.ingressAdmitsAddress(s, a, port, protocol)) mismatches.push(`ingress ${a.ref} -> ${s.ref}:${port}/${protocol}`);
        }
      }
    }
    mismatches = mismatches.slice(0, 10);
    expect(mismatches).toEqual([]);
    // the generated clusters exercise isolation (not a vacuous comparison)
    expect(isolatedPairs).toBeGreaterThan(50);
  });
});
