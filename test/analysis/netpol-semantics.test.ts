/**
 * NetworkPolicy semantics, table-driven: each case is evaluated twice, by the pair-by-pair reference
 * (`evaluateNetworkPolicyConnection`) and by the analyzer's bulk engine, and both must give the
 * expected verdict on each end.
 */
import { deployment, namespace, pod, policy } from './helpers';
import { prepareAnalysis } from '../../src/core/analysis/analyzer';
import type { AddressEndpoint, PodClass } from '../../src/core/analysis/model';
import { effectivePolicyTypes, evaluateNetworkPolicyConnection } from '../../src/core/analysis/netpol';
import type { KubeObject, L4Protocol } from '../../src/core/k8s';

const BASE: KubeObject[] = [
  namespace('a', { labels: { team: 'blue' } }),
  namespace('b', { labels: { team: 'red' } }),
  deployment('a', 'web', { labels: { app: 'web', tier: 'front' }, ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }] }),
  deployment('a', 'api', { labels: { app: 'api', tier: 'back' }, ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] }),
  deployment('b', 'client', { labels: { app: 'client' } }),
  deployment('b', 'web', { labels: { app: 'web' }, ports: [{ name: 'http', containerPort: 8081 }] }),
  pod('a', 'ipped', { labels: { app: 'ipped' }, ips: ['10.1.2.3'] }),
  pod('a', 'ipped2', { labels: { app: 'ipped2' }, ips: ['10.1.3.4'] }),
];

interface Case {
  readonly name: string;
  readonly policies: KubeObject[];
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol?: L4Protocol;
  readonly egress: boolean;
  readonly ingress: boolean;
  readonly apiServer?: string[];
}

const deny = (ns: string, podSelector = {}) => policy(ns, 'deny', { podSelector, policyTypes: ['Ingress'] });
const ingressTo = (ns: string, podSelector: object, rules: unknown[]) => policy(ns, 'allow', { podSelector, policyTypes: ['Ingress'], ingress: rules as any });

const CASES: Case[] = [
  { name: 'no policy: neither end is isolated', policies: [], from: 'b/client', to: 'a/api', port: 8080, egress: true, ingress: true },
  { name: 'a policy of another namespace does not isolate', policies: [deny('b')], from: 'a/web', to: 'a/api', port: 8080, egress: true, ingress: true },
  { name: 'podSelector {} with Ingress and no rule denies every ingress', policies: [deny('a')], from: 'a/web', to: 'a/api', port: 8080, egress: true, ingress: false },
  { name: 'a policy only isolates the pods its podSelector selects', policies: [deny('a', { matchLabels: { app: 'api' } })], from: 'a/api', to: 'a/web', port: 8080, egress: true, ingress: true },
  { name: 'ingress: [{}] admits every source and port', policies: [ingressTo('a', {}, [{}])], from: 'b/client', to: 'a/api', port: 1234, egress: true, ingress: true },
  { name: 'from: [] (empty) admits every source', policies: [ingressTo('a', {}, [{ from: [], ports: [{ port: 8080 }] }])], from: 'b/client', to: 'a/api', port: 8080, egress: true, ingress: true },
  { name: 'peer podSelector {} is every pod of the policy namespace only (other namespace refused)', policies: [ingressTo('a', {}, [{ from: [{ podSelector: {} }] }])], from: 'b/client', to: 'a/api', port: 8080, egress: true, ingress: false },
  { name: 'peer podSelector {} admits pods of the same namespace', policies: [ingressTo('a', {}, [{ from: [{ podSelector: {} }] }])], from: 'a/web', to: 'a/api', port: 8080, egress: true, ingress: true },
  { name: 'peer namespaceSelector {} is every pod of every namespace', policies: [ingressTo('a', {}, [{ from: [{ namespaceSelector: {} }] }])], from: 'b/client', to: 'a/api', port: 8080, egress: true, ingress: true },
  {
    name: 'peer namespaceSelector {} never matches an address (API server refused)',
    policies: [ingressTo('a', {}, [{ from: [{ namespaceSelector: {} }] }])],
    from: 'kube-apiserver',
    to: 'a/api',
    port: 8080,
    egress: true,
    ingress: false,
  },
  ...(['b/web', 'b/client', 'a/web'] as const).map((from, i) => ({
    name: `namespaceSelector AND podSelector in one peer: ${from} ${[true, false, false][i] ? 'admitted' : 'refused'}`,
    policies: [ingressTo('a', {}, [{ from: [{ namespaceSelector: { matchLabels: { team: 'red' } }, podSelector: { matchLabels: { app: 'web' } } }] }])],
    from,
    to: 'a/api',
    port: 8080,
    egress: true,
    ingress: [true, false, false][i],
  })),
  ...(['b/client', 'a/web', 'a/ipped'] as const).map((from, i) => ({
    name: `namespaceSelector OR podSelector as two peers: ${from} ${[true, true, false][i] ? 'admitted' : 'refused'}`,
    policies: [ingressTo('a', {}, [{ from: [{ namespaceSelector: { matchLabels: { team: 'red' } } }, { podSelector: { matchLabels: { app: 'web' } } }] }])],
    from,
    to: 'a/api',
    port: 8080,
    egress: true,
    ingress: [true, true, false][i],
  })),
  {
    name: 'namespaces carry the automatic kubernetes.io/metadata.name label',
    policies: [ingressTo('a', {}, [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } } }] }])],
    from: 'b/client',
    to: 'a/api',
    port: 8080,
    egress: true,
    ingress: true,
  },
  {
    name: 'matchExpressions In',
    policies: [ingressTo('a', {}, [{ from: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }] } }] }])],
    from: 'a/web',
    to: 'a/api',
    port: 8080,
    egress: true,
    ingress: true,
  },
  {
    name: 'matchExpressions NotIn matches pods without the key',
    policies: [ingressTo('a', {}, [{ from: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] } }] }])],
    from: 'a/ipped',
    to: 'a/api',
    port: 8080,
    egress: true,
    ingress: true,
  },
  {
    name: 'matchExpressions NotIn refuses the listed value',
    policies: [ingressTo('a', {}, [{ from: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] } }] }])],
    from: 'a/web',
    to: 'a/api',
    port: 8080,
    egress: true,
    ingress: false,
  },
  {
    name: 'matchExpressions Exists and DoesNotExist are ANDed with matchLabels',
    policies: [ingressTo('a', {}, [{ from: [{ podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }, { key: 'canary', operator: 'DoesNotExist' }] } }] }])],
    from: 'a/web',
    to: 'a/api',
    port: 8080,
    egress: true,
    ingress: true,
  },
  { name: 'named port resolves against the destination container ports', policies: [ingressTo('a', {}, [{ ports: [{ port: 'http' }] }])], from: 'a/web', to: 'a/api', port: 8080, egress: true, ingress: true },
  { name: 'named port does not admit another port of the pod', policies: [ingressTo('a', {}, [{ ports: [{ port: 'http' }] }])], from: 'a/api', to: 'a/web', port: 9090, egress: true, ingress: false },
  { name: 'the same name maps to each destination pod own number (8081 on b/web)', policies: [ingressTo('b', {}, [{ ports: [{ port: 'http' }] }])], from: 'a/web', to: 'b/web', port: 8081, egress: true, ingress: true },
  { name: 'the same name does not admit the number of another pod (8080 on b/web)', policies: [ingressTo('b', {}, [{ ports: [{ port: 'http' }] }])], from: 'a/web', to: 'b/web', port: 8080, egress: true, ingress: false },
  { name: 'named port: the protocol (TCP by default) must match the container port', policies: [ingressTo('a', {}, [{ ports: [{ port: 'dns' }] }])], from: 'a/web', to: 'a/api', port: 53, protocol: 'UDP', egress: true, ingress: false },
  { name: 'named UDP port admits UDP', policies: [ingressTo('a', {}, [{ ports: [{ port: 'dns', protocol: 'UDP' }] }])], from: 'a/web', to: 'a/api', port: 53, protocol: 'UDP', egress: true, ingress: true },
  { name: 'endPort is inclusive', policies: [ingressTo('a', {}, [{ ports: [{ port: 8000, endPort: 8080 }] }])], from: 'a/web', to: 'a/api', port: 8080, egress: true, ingress: true },
  { name: 'above endPort is refused', policies: [ingressTo('a', {}, [{ ports: [{ port: 8000, endPort: 8080 }] }])], from: 'a/web', to: 'a/api', port: 8081, egress: true, ingress: false },
  { name: 'protocol defaults to TCP: UDP refused', policies: [ingressTo('a', {}, [{ ports: [{ port: 53 }] }])], from: 'a/web', to: 'a/api', port: 53, protocol: 'UDP', egress: true, ingress: false },
  { name: 'a port with only a protocol admits every port of it', policies: [ingressTo('a', {}, [{ ports: [{ protocol: 'UDP' }] }])], from: 'a/web', to: 'a/api', port: 5353, protocol: 'UDP', egress: true, ingress: true },
  { name: 'a port with only a protocol refuses other protocols', policies: [ingressTo('a', {}, [{ ports: [{ protocol: 'UDP' }] }])], from: 'a/web', to: 'a/api', port: 8080, egress: true, ingress: false },
  ...(['a/ipped', 'a/ipped2', 'a/web'] as const).map((from, i) => ({
    name: `ipBlock with except: ${from} (${['10.1.2.3, excepted', '10.1.3.4, inside', 'IP unknown'][i]}) ${[false, true, false][i] ? 'admitted' : 'refused'}`,
    policies: [ingressTo('a', {}, [{ from: [{ ipBlock: { cidr: '10.1.0.0/16', except: ['10.1.2.0/24'] } }] }])],
    from,
    to: 'a/api',
    port: 8080,
    egress: true,
    ingress: [false, true, false][i],
  })),
  {
    name: 'ipBlock admits an address outside the cluster (the API server)',
    policies: [ingressTo('a', {}, [{ from: [{ ipBlock: { cidr: '172.20.0.0/16' } }] }])],
    from: 'kube-apiserver',
    to: 'a/api',
    port: 8080,
    apiServer: ['172.20.0.10/32'],
    egress: true,
    ingress: true,
  },
  {
    name: 'ipBlock except refuses the API server inside it',
    policies: [ingressTo('a', {}, [{ from: [{ ipBlock: { cidr: '172.20.0.0/16', except: ['172.20.0.0/24'] } }] }])],
    from: 'kube-apiserver',
    to: 'a/api',
    port: 8080,
    apiServer: ['172.20.0.10/32'],
    egress: true,
    ingress: false,
  },
  {
    name: 'an endpoint with IPv4 and IPv6 addresses needs both admitted (any rule)',
    policies: [ingressTo('a', {}, [{ from: [{ ipBlock: { cidr: '172.20.0.0/16' } }] }, { from: [{ ipBlock: { cidr: 'fd00::/8' } }] }])],
    from: 'kube-apiserver',
    to: 'a/api',
    port: 8080,
    apiServer: ['172.20.0.10/32', 'fd00::10/128'],
    egress: true,
    ingress: true,
  },
  {
    name: 'an endpoint with IPv4 and IPv6 addresses is refused when one family is not admitted',
    policies: [ingressTo('a', {}, [{ from: [{ ipBlock: { cidr: '172.20.0.0/16' } }] }])],
    from: 'kube-apiserver',
    to: 'a/api',
    port: 8080,
    apiServer: ['172.20.0.10/32', 'fd00::10/128'],
    egress: true,
    ingress: false,
  },
  {
    name: 'policies are a union: a deny-all and an allow selecting the same pod admit what the allow admits',
    policies: [deny('a'), ingressTo('a', { matchLabels: { app: 'api' } }, [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }])],
    from: 'a/web',
    to: 'a/api',
    port: 8080,
    egress: true,
    ingress: true,
  },
  {
    name: 'both ends: egress at the source blocks even when ingress admits',
    policies: [policy('a', 'egress-db-only', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }] })],
    from: 'a/web',
    to: 'a/api',
    port: 8080,
    egress: false,
    ingress: true,
  },
  {
    name: 'policyTypes absent with egress rules: the policy isolates ingress too',
    policies: [policy('a', 'egress-only-intended', { podSelector: { matchLabels: { app: 'api' } }, egress: [{ to: [{ podSelector: {} }] }] })],
    from: 'a/web',
    to: 'a/api',
    port: 8080,
    egress: true,
    ingress: false,
  },
  {
    name: 'policyTypes absent with egress: [] (empty): not an egress policy',
    policies: [policy('a', 'empty-egress', { podSelector: { matchLabels: { app: 'web' } }, egress: [] })],
    from: 'a/web',
    to: 'a/api',
    port: 8080,
    egress: true,
    ingress: true,
  },
  {
    name: 'policyTypes [Egress] ignores ingress rules (ingress not isolated)',
    policies: [policy('a', 'egress-typed', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Egress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'none' } } }] }], egress: [] })],
    from: 'a/web',
    to: 'a/api',
    port: 8080,
    egress: true,
    ingress: true,
  },
  {
    name: 'policyTypes [Egress] with egress: [] denies every egress',
    policies: [policy('a', 'egress-typed', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Egress'], egress: [] })],
    from: 'a/api',
    to: 'a/web',
    port: 8080,
    egress: false,
    ingress: true,
  },
  {
    name: 'egress named port resolves against the destination pod (8081 on b/web)',
    policies: [policy('a', 'egress-http', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 'http' }] }] })],
    from: 'a/web',
    to: 'b/web',
    port: 8081,
    egress: true,
    ingress: true,
  },
  {
    name: 'egress named port refuses another number on the destination (8080 on b/web)',
    policies: [policy('a', 'egress-http', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 'http' }] }] })],
    from: 'a/web',
    to: 'b/web',
    port: 8080,
    egress: false,
    ingress: true,
  },
  {
    name: 'egress ipBlock except refuses the API server',
    policies: [policy('a', 'egress-internet', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['172.20.0.0/16'] } }] }] })],
    from: 'a/web',
    to: 'kube-apiserver',
    port: 443,
    apiServer: ['172.20.0.10/32'],
    egress: false,
    ingress: true,
  },
  {
    name: 'egress ipBlock admits the API server',
    policies: [policy('a', 'egress-api', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '172.20.0.0/16' } }], ports: [{ port: 443 }] }] })],
    from: 'a/web',
    to: 'kube-apiserver',
    port: 443,
    apiServer: ['172.20.0.10/32'],
    egress: true,
    ingress: true,
  },
];

function endpoint(model: ReturnType<typeof prepareAnalysis>['model'], ref: string): PodClass | AddressEndpoint {
  if (ref === 'kube-apiserver') return model.apiServer;
  const found = model.classes.find((c) => c.ref === ref);
  if (!found) throw new Error(`no class ${ref}; have ${model.classes.map((c) => c.ref).join(', ')}`);
  return found;
}

describe('NetworkPolicy semantics (reference and bulk engine agree with the expected verdicts)', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const options = { builtInModels: false, ...(c.apiServer ? { apiServerCidrs: c.apiServer } : {}) };
    const { model, engine } = prepareAnalysis([...BASE, ...c.policies], options);
    const src = endpoint(model, c.from);
    const dst = endpoint(model, c.to);
    const protocol = c.protocol ?? 'TCP';
    const ref = evaluateNetworkPolicyConnection(model.policies, src, dst, c.port, protocol, (ns) => model.namespaceLabels(ns));
    expect({ egress: ref.egress.allowed, ingress: ref.ingress.allowed }).toEqual({ egress: c.egress, ingress: c.ingress });
    expect(ref.allowed).toBe(c.egress && c.ingress);

    let bulkEgress = true;
    if (src.isPod) {
      bulkEgress = dst.isPod ? engine.egressAdmitted(src, c.port, protocol).has(dst.index) : engine.egressAdmitsAddress(src, dst, c.port, protocol);
    }
    let bulkIngress = true;
    if (dst.isPod) {
      bulkIngress = src.isPod
        ? engine.ingressAdmitted(dst, c.port, protocol).has(src.index)
        : engine.ingressAdmitsAddress(dst, src, c.port, protocol);
    }
    expect({ egress: bulkEgress, ingress: bulkIngress }).toEqual({ egress: c.egress, ingress: c.ingress });
  });

  test('the verdict names the isolating and the allowing policies', () => {
    const { model } = prepareAnalysis([...BASE, deny('a'), ingressTo('a', { matchLabels: { app: 'api' } }, [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }])], { builtInModels: false });
    const web = model.classes.find((c) => c.ref === 'a/web')!;
    const api = model.classes.find((c) => c.ref === 'a/api')!;
    const v = evaluateNetworkPolicyConnection(model.policies, web, api, 8080, 'TCP', (ns) => model.namespaceLabels(ns));
    expect(v.ingress).toEqual({ isolated: true, allowed: true, isolatingPolicies: ['a/deny', 'a/allow'], allowingPolicies: ['a/allow'] });
    expect(v.egress).toEqual({ isolated: false, allowed: true, isolatingPolicies: [], allowingPolicies: [] });
  });

  test.each([
    [{}, { ingress: true, egress: false }],
    [{ egress: [] }, { ingress: true, egress: false }],
    [{ egress: [{}] }, { ingress: true, egress: true }],
    [{ policyTypes: ['Egress'] }, { ingress: false, egress: true }],
    [{ policyTypes: ['Ingress', 'Egress'] }, { ingress: true, egress: true }],
  ])('policyTypes defaulting of %j', (spec, expected) => {
    expect(effectivePolicyTypes({ spec: { podSelector: {}, ...(spec as object) } } as any)).toEqual(expected);
  });

  test('invalid peers and ports are reported as the API server would reject them, and match nothing', () => {
    const bad = ingressTo('a', {}, [
      { from: [{}], ports: [{ port: 'http', endPort: 9000 }] },
      { from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] },
      { from: [{ ipBlock: { cidr: 'not-a-cidr' } }] },
    ]);
    const { model, engine } = prepareAnalysis([...BASE, bad], { builtInModels: false });
    expect(model.policyProblems.map((p) => `${p.field}: ${p.message}`)).toEqual([
      'spec.ingress[0].from[0]: a peer needs podSelector, namespaceSelector or ipBlock',
      'spec.ingress[0].ports[0].endPort: endPort cannot be used with a named port',
      'spec.ingress[1].from[0]: ipBlock cannot be combined with podSelector or namespaceSelector in one peer',
      'spec.ingress[2].from[0].ipBlock.cidr: invalid CIDR "not-a-cidr"',
    ]);
    const api = model.classes.find((c) => c.ref === 'a/api')!;
    expect(engine.ingressAdmitted(api, 8080, 'TCP').isEmpty()).toBe(true);
  });
});
