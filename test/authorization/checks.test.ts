import {
  annotateDefaultInboundPolicy,
  checkPolicyObjects,
  effectiveInboundPolicy,
  formatIssue,
  meshAuthorizationObjects,
  PolicyObjectIndex,
  ServerOverlapIndex,
  type KubeObject,
  type LabelSelector,
  type PolicyRecord,
  type ServerEntry,
  ValidationError,
} from '../../src/core';
import { cidrContains } from '../../src/core/authorization/networks';
import { compileSelector, isSatisfiable, normalizeSelector, selectorImplies } from '../../src/core/selectors';
import { expectConformant } from '../support/conformance';

const sel = (s: LabelSelector) => normalizeSelector(s);

describe('label selector algebra', () => {
  test('implication over matchLabels and the four operators', () => {
    const narrow = sel({ matchLabels: { app: 'web', tier: 'front' } });
    const broad = sel({ matchLabels: { app: 'web' } });
    expect(selectorImplies(narrow, broad)).toBe(true);
    expect(selectorImplies(broad, narrow)).toBe(false);
    expect(selectorImplies(sel({ matchLabels: { app: 'web' } }), sel({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }))).toBe(true);
    expect(selectorImplies(sel({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }), sel({ matchLabels: { app: 'web' } }))).toBe(false);
    expect(selectorImplies(sel({ matchLabels: { app: 'web' } }), sel({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }))).toBe(true);
    expect(selectorImplies(sel({ matchLabels: { app: 'web' } }), sel({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['api'] }] }))).toBe(true);
    expect(selectorImplies(sel({ matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] }), sel({ matchExpressions: [{ key: 'canary', operator: 'NotIn', values: ['true'] }] }))).toBe(true);
    expect(selectorImplies(sel({}), sel({ matchLabels: { app: 'web' } }))).toBe(false);
    expect(selectorImplies(sel({ matchLabels: { app: 'web' } }), sel({}))).toBe(true);
  });

  test('satisfiability and matching', () => {
    expect(isSatisfiable(sel({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }))).toBe(false);
    expect(isSatisfiable(sel({ matchExpressions: [{ key: 'a', operator: 'Exists' }, { key: 'a', operator: 'DoesNotExist' }] }))).toBe(false);
    const s = compileSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }] });
    expect(s.matches({ app: 'web' })).toBe(true);
    expect(s.matches({ app: 'web', track: 'canary' })).toBe(false);
    expect(s.matches({ app: 'api' })).toBe(false);
  });
});

describe('CIDR containment', () => {
  test('IPv4 and IPv6', () => {
    expect(cidrContains('10.0.0.0/8', '10.1.2.0/24')).toBe(true);
    expect(cidrContains('10.0.0.0/16', '10.1.0.0/24')).toBe(false);
    expect(cidrContains('10.0.0.0/24', '10.0.0.0/8')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '192.168.1.1/32')).toBe(true);
    expect(cidrContains('fd00::/8', 'fd12:3456::/32')).toBe(true);
    expect(cidrContains('fd00::/8', 'fe80::/10')).toBe(false);
    expect(cidrContains('::ffff:0:0/96', '::ffff:10.0.0.0/104')).toBe(true);
    expect(cidrContains('10.0.0.0/8', 'fd00::/8')).toBe(false);
  });
});

function server(name: string, selector: LabelSelector, port: number | string, extra: Partial<ServerEntry> = {}): ServerEntry {
  return { owner: `app/${name}`, namespace: 'shop', name, selectorKind: 'pod', selector, port, ...extra };
}

describe('Server overlap index', () => {
  test('identical selectors on the same port overlap', () => {
    const index = new ServerOverlapIndex();
    expect(index.add(server('a', { matchLabels: { app: 'web' } }, 8080))).toEqual([]);
    const [o] = index.add(server('b', { matchLabels: { app: 'web' } }, 8080));
    expect(o.first.name).toBe('a');
    expect(o.reason).toBe('selects the same pods (app=web)');
  });

  test('a broader selector (or select-everything) overlaps a narrower one, in either order', () => {
    const index = new ServerOverlapIndex();
    index.add(server('narrow', { matchLabels: { app: 'web', tier: 'front' } }, 8080));
    expect(index.add(server('broad', { matchLabels: { app: 'web' } }, 8080)).map((o) => o.first.name)).toEqual(['narrow']);
    expect(index.add(server('all', {}, 8080)).map((o) => o.first.name).sort()).toEqual(['broad', 'narrow']);
    const index2 = new ServerOverlapIndex();
    index2.add(server('broad', { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, 8080));
    expect(index2.add(server('narrow', { matchLabels: { app: 'api', tier: 'x' } }, 8080)).map((o) => o.reason)).toEqual([
      'selects every pod this one selects (its selector app in (web,api) is broader than app=api,tier=x)',
    ]);
  });

  test('different ports, namespaces, selector kinds or disjoint labels do not overlap', () => {
    const index = new ServerOverlapIndex();
    index.add(server('a', { matchLabels: { app: 'web' } }, 8080));
    expect(index.add(server('b', { matchLabels: { app: 'web' } }, 9090))).toEqual([]);
    expect(index.add(server('c', { matchLabels: { app: 'web' } }, 8080, { namespace: 'other' }))).toEqual([]);
    expect(index.add(server('d', { matchLabels: { app: 'web' } }, 8080, { selectorKind: 'externalWorkload' }))).toEqual([]);
    expect(index.add(server('e', { matchLabels: { app: 'api' } }, 8080))).toEqual([]);
    // could overlap only on pods carrying both labels, which nobody declared: not reported
    expect(index.add(server('f', { matchLabels: { tier: 'front' } }, 8080))).toEqual([]);
  });

  test('a known workload proves an overlap of selectors that are not nested', () => {
    const index = new ServerOverlapIndex();
    index.add(server('by-app', { matchLabels: { app: 'web' } }, 8080, { workload: { labels: { app: 'web', tier: 'front' }, description: 'Deployment shop/web' } }));
    expect(index.add(server('by-tier', { matchLabels: { tier: 'front' } }, 8080)).map((o) => o.reason)).toEqual(['also selects the pods of Deployment shop/web']);
  });

  test('a port name resolves to the number of a known workload', () => {
    const index = new ServerOverlapIndex();
    index.add(server('named', { matchLabels: { app: 'web' } }, 'http', { workload: { ports: [{ name: 'http', port: 8080 }] } }));
    expect(index.add(server('numbered', { matchLabels: { app: 'web' } }, 8080)).map((o) => o.first.name)).toEqual(['named']);
  });

  test('10,000 distinct workloads on one port are indexed, not compared pairwise', () => {
    const index = new ServerOverlapIndex();
    const started = Date.now();
    let overlaps = 0;
    for (let i = 0; i < 10_000; i++) overlaps += index.add(server(`w${i}`, { matchLabels: { app: `w${i}` } }, 8080)).length;
    expect(overlaps).toBe(0);
    expect(index.add(server('dup', { matchLabels: { app: 'w42' } }, 8080)).map((o) => o.first.name)).toEqual(['w42']);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

function records(objects: KubeObject[], owner = 'app/hand'): PolicyRecord[] {
  return objects.map((object) => ({ object, owner }));
}

describe('policy object index: references, names, identities', () => {
  const ours = meshAuthorizationObjects({ namespace: 'shop', name: 'web', workload: { podSelector: { matchLabels: { app: 'web' } } }, port: 80, allow: [{ serviceAccount: 'a' }] }, 'app/ours').objects;

  test('our own objects reference each other correctly', () => {
    expect(checkPolicyObjects(records(ours, 'app/ours'))).toEqual([]);
  });

  test('an AuthorizationPolicy whose Server does not exist', () => {
    const ap = {
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'typo', namespace: 'shop' },
      spec: { targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'wbe' }, requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'web-a-mtls' }] },
    };
    const issues = checkPolicyObjects([...records(ours, 'app/ours'), ...records([ap])]);
    expect(issues.map(formatIssue)).toEqual([
      '[app/hand] AuthorizationPolicy shop/typo: spec.targetRef.name: received "wbe"; expected an existing Server in namespace shop: none named "wbe" is in this app (a reference that does not resolve makes Linkerd ignore the policy, denying what it should admit)',
    ]);
  });

  test('missing authentications, too many authentications, and a foreign namespace target', () => {
    const ap = {
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'bad', namespace: 'shop' },
      spec: {
        targetRef: { kind: 'Namespace', name: 'other' },
        requiredAuthenticationRefs: [
          { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'nope' },
          { kind: 'ServiceAccount', name: 'client' },
        ],
      },
    };
    const messages = checkPolicyObjects(records([ap])).map(formatIssue);
    expect(messages).toEqual([
      '[app/hand] AuthorizationPolicy shop/bad: spec.targetRef.name: received "other"; expected the policy\'s own namespace "shop" (an AuthorizationPolicy cannot target another namespace)',
      '[app/hand] AuthorizationPolicy shop/bad: spec.requiredAuthenticationRefs: received ["MeshTLSAuthentication/nope","ServiceAccount/client"]; expected at most one MeshTLSAuthentication or ServiceAccount (Linkerd rejects more; list alternatives in one MeshTLSAuthentication)',
      '[app/hand] AuthorizationPolicy shop/bad: spec.requiredAuthenticationRefs[0].name: received "nope"; expected an existing MeshTLSAuthentication in namespace shop: none named "nope" is in this app (a reference that does not resolve makes Linkerd ignore the policy, denying what it should admit)',
    ]);
  });

  test('a hand-written MeshTLSAuthentication with a malformed identity', () => {
    const mtls = { apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'MeshTLSAuthentication', metadata: { name: 'm', namespace: 'shop' }, spec: { identities: ['spiffe://x/'] } };
    expect(checkPolicyObjects(records([mtls])).map(formatIssue)[0]).toContain('MeshTLSAuthentication shop/m: spec.identities[0]: received "spiffe://x/"; expected a mesh identity');
  });

  test('duplicate names across emitters', () => {
    const issues = checkPolicyObjects([...records(ours, 'app/ours'), ...records([ours[0]], 'app/again')]);
    expect(issues.map(formatIssue)).toEqual([
      '[app/again] name: received "web"; expected a unique Server name in namespace shop: app/ours emits Server shop/web too (the second would overwrite the first)',
    ]);
  });

  test('two rate limits on one Server', () => {
    const rl = (name: string) => ({
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'HTTPLocalRateLimitPolicy',
      metadata: { name, namespace: 'shop' },
      spec: { targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'web' }, total: { requestsPerSecond: 1 } },
    });
    const messages = checkPolicyObjects([...records(ours, 'app/ours'), ...records([rl('one'), rl('two')])]).map(formatIssue);
    expect(messages).toEqual([
      '[app/hand] HTTPLocalRateLimitPolicy shop/two: spec.targetRef.name: received "web"; expected one HTTPLocalRateLimitPolicy per Server: HTTPLocalRateLimitPolicy shop/one already limits Server shop/web',
    ]);
  });

  test('overlapping Servers reach the index through add()', () => {
    const index = new PolicyObjectIndex();
    index.add(records(ours, 'app/ours'));
    const other = meshAuthorizationObjects({ namespace: 'shop', name: 'web-2', workload: { podSelector: { matchLabels: { app: 'web' } } }, port: 80, allow: [{ serviceAccount: 'b' }] }, 'app/other').objects;
    expect(index.add(records(other, 'app/other')).map(formatIssue)).toEqual([
      '[app/other] workload: received "app=web"; expected pods no other Server governs on port 80: Server shop/web (app/ours) selects the same pods (app=web). Linkerd requires Servers not to overlap on a pod and port (its admission webhook rejects identical and select-everything selectors)',
    ]);
  });
});

describe('default inbound policy', () => {
  test('annotates a Namespace, a Deployment pod template and a CronJob pod template, without modifying the input', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', annotations: { a: 'b' } } };
    expect(annotateDefaultInboundPolicy(ns, 'deny').metadata.annotations).toEqual({ 'a': 'b', 'config.linkerd.io/default-inbound-policy': 'deny' });
    expect(ns.metadata.annotations).toEqual({ a: 'b' });
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
    };
    const annotated = annotateDefaultInboundPolicy(deployment, 'cluster-authenticated') as any;
    expect(annotated.spec.template.metadata).toEqual({ labels: { app: 'web' }, annotations: { 'config.linkerd.io/default-inbound-policy': 'cluster-authenticated' } });
    expect(annotated.metadata).toEqual(deployment.metadata);
    expectConformant([annotateDefaultInboundPolicy(ns, 'deny'), annotated]);
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: 'shop' },
      spec: { schedule: '0 0 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'job:1' }] } } } } },
    };
    const cronAnnotated = annotateDefaultInboundPolicy(cron, 'deny') as any;
    expect(cronAnnotated.spec.jobTemplate.spec.template.metadata.annotations).toEqual({ 'config.linkerd.io/default-inbound-policy': 'deny' });
    expectConformant(cronAnnotated);
  });

  test('rejects a policy Linkerd does not know and a kind it does not read', () => {
    expect(() => annotateDefaultInboundPolicy({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }, 'deny-all' as any)).toThrow(
      '[defaultInboundPolicy] policy: received "deny-all"; expected one of "all-unauthenticated", "all-authenticated", "cluster-authenticated", "cluster-unauthenticated", "deny", "audit"',
    );
    expect(() => annotateDefaultInboundPolicy({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' } }, 'deny')).toThrow(ValidationError);
  });

  test('the most specific level wins: Server, then workload, then namespace, then cluster', () => {
    expect(effectiveInboundPolicy({})).toEqual({ policy: 'all-unauthenticated', from: 'cluster' });
    expect(effectiveInboundPolicy({ cluster: 'cluster-authenticated' })).toEqual({ policy: 'cluster-authenticated', from: 'cluster' });
    expect(effectiveInboundPolicy({ cluster: 'all-unauthenticated', namespace: 'deny' })).toEqual({ policy: 'deny', from: 'namespace' });
    expect(effectiveInboundPolicy({ namespace: 'deny', workload: 'all-authenticated' })).toEqual({ policy: 'all-authenticated', from: 'workload' });
    expect(effectiveInboundPolicy({ cluster: 'all-unauthenticated', namespace: 'all-unauthenticated', server: 'deny' })).toEqual({ policy: 'deny', from: 'server' });
  });
});
