import {
  checkPolicyObjects,
  meshAuthorizationObjects,
  type AuthorizationSourceLike,
  type ExternalWorkloadInfo,
  type KubeObject,
  type MeshAuthorizationProps,
  type MeshInfo,
} from '../../src/core';
import { expectConformant } from '../support/conformance';
import { validationMessageOf } from '../support/errors';

const podSelector = { matchLabels: { app: 'web' } };
const base: MeshAuthorizationProps = { namespace: 'shop', workload: { podSelector }, port: 8080, allow: [{ serviceAccount: 'client' }] };

function build(props: Partial<MeshAuthorizationProps>): KubeObject[] {
  return meshAuthorizationObjects({ ...base, ...props } as MeshAuthorizationProps, 'test/policy').objects;
}

function byKind(objects: KubeObject[], kind: string): any[] {
  return objects.filter((o) => o.kind === kind);
}

const errorOf = (props: Partial<MeshAuthorizationProps>): string => validationMessageOf(() => build(props));

const mesh: MeshInfo = {
  namespace: 'linkerd-cp',
  trustDomain: 'prod.example',
  clusterDomain: 'cluster.local',
  defaultInboundPolicy: 'all-unauthenticated',
  clusterNetworks: ['10.0.0.0/8'],
  highAvailability: false,
  cniEnabled: false,
  endpoints: {
    destinationAddress: 'x',
    policyAddress: 'x',
    identityAddress: 'x',
    destinationIdentity: 'x',
    identityIdentity: 'x',
  },
};

const vm: ExternalWorkloadInfo = {
  name: 'legacy-vm',
  namespace: 'mixed-env',
  identity: 'spiffe://root.linkerd.cluster.local/legacy-vm',
  labels: { app: 'legacy-app', location: 'vm' },
  ports: [{ name: 'http', port: 80 }],
};

describe('MeshAuthorization core: the Server', () => {
  test('a pod selector becomes a v1beta3 Server that denies what no rule admits', () => {
    const [server] = build({ protocol: 'HTTP/2' });
    expect(server).toEqual({
      apiVersion: 'policy.linkerd.io/v1beta3',
      kind: 'Server',
      metadata: { name: 'web-8080', namespace: 'shop' },
      spec: { accessPolicy: 'deny', podSelector, port: 8080, proxyProtocol: 'HTTP/2' },
    });
  });

  test('the protocol is only written when given (unknown is the CRD default)', () => {
    expect(build({}).find((o) => o.kind === 'Server')!.spec).not.toHaveProperty('proxyProtocol');
  });

  test('audit mode and permissive access policies are written as given', () => {
    expect((build({ accessPolicy: 'audit' })[0] as any).spec.accessPolicy).toBe('audit');
  });

  test('an external workload target selects it by all its labels, in its namespace, named after it', () => {
    const objects = meshAuthorizationObjects({ workload: vm, port: 'http', allow: [{ anyAuthenticated: true }] }, 't').objects;
    expect(objects[0]).toEqual({
      apiVersion: 'policy.linkerd.io/v1beta3',
      kind: 'Server',
      metadata: { name: 'legacy-vm-http', namespace: 'mixed-env' },
      spec: { accessPolicy: 'deny', externalWorkloadSelector: { matchLabels: { app: 'legacy-app', location: 'vm' } }, port: 'http' },
    });
    expectConformant(objects);
  });

  test('an ExternalWorkloadHost-like object ({ externalWorkload }) is a target too', () => {
    const objects = meshAuthorizationObjects({ workload: { externalWorkload: vm }, port: 80, allow: [{ anyAuthenticated: true }] }, 't').objects;
    expect((objects[0] as any).spec.externalWorkloadSelector).toEqual({ matchLabels: vm.labels });
  });

  test('a Deployment object is a target: its selector, namespace and name are used', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'legacy-app', namespace: 'mixed-env' },
      spec: {
        selector: { matchLabels: { app: 'legacy-app' } },
        template: { metadata: { labels: { app: 'legacy-app', location: 'cluster' } }, spec: { containers: [{ name: 'app', ports: [{ name: 'http-port', containerPort: 80 }] }] } },
      },
    };
    const [server] = meshAuthorizationObjects({ workload: deployment, port: 'http-port', allow: [{ serviceAccount: 'client' }] }, 't').objects as any[];
    expect(server.metadata).toEqual({ name: 'legacy-app-http-port', namespace: 'mixed-env' });
    expect(server.spec.podSelector).toEqual({ matchLabels: { app: 'legacy-app' } });
  });

  test('labels go on every object', () => {
    const objects = build({ labels: { 'app.kubernetes.io/part-of': 'shop' }, rateLimit: { requestsPerSecond: 10 } });
    expect(objects.length).toBeGreaterThan(2);
    for (const o of objects) expect(o.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'shop' });
  });
});

describe('MeshAuthorization core: sources', () => {
  const mtls = (sources: AuthorizationSourceLike[], extra: Partial<MeshAuthorizationProps> = {}) =>
    byKind(build({ allow: sources, ...extra }), 'MeshTLSAuthentication').map((o) => o.spec);

  test('service accounts and namespaces become identityRefs (Linkerd resolves them with its own trust domain)', () => {
    expect(mtls([{ serviceAccount: 'client' }, { serviceAccount: 'books', namespace: 'booksapp' }, { namespace: 'ops' }])).toEqual([
      {
        identityRefs: [
          { kind: 'ServiceAccount', name: 'client' },
          { kind: 'ServiceAccount', name: 'books', namespace: 'booksapp' },
          { kind: 'Namespace', name: 'ops' },
        ],
      },
    ]);
  });

  test('SPIFFE ids, Linkerd identities and wildcards become identities', () => {
    const ids = ['spiffe://root.linkerd.cluster.local/external-workload', 'web.shop.serviceaccount.identity.linkerd.cluster.local', '*.ops.serviceaccount.identity.linkerd.cluster.local'];
    expect(mtls(ids.map((identity) => ({ identity })))).toEqual([{ identities: ids }]);
  });

  test('mixing references and literal identities writes every identity out, with the mesh trust domain and control plane namespace', () => {
    expect(mtls([{ serviceAccount: 'client' }, { namespace: 'ops' }, { externalWorkload: vm }], { mesh: { info: mesh } })).toEqual([
      {
        identities: [
          'client.shop.serviceaccount.identity.linkerd-cp.prod.example',
          '*.ops.serviceaccount.identity.linkerd-cp.prod.example',
          'spiffe://root.linkerd.cluster.local/legacy-vm',
        ],
      },
    ]);
  });

  test('an external workload is admitted by its SPIFFE id, given as info, as { externalWorkload }, or as a host object', () => {
    class Host {
      public readonly externalWorkload = vm;
      public readonly other = 'ignored';
    }
    for (const source of [vm, { externalWorkload: vm }, new Host() as unknown as AuthorizationSourceLike]) {
      expect(mtls([source])).toEqual([{ identities: ['spiffe://root.linkerd.cluster.local/legacy-vm'] }]);
    }
  });

  test('any authenticated client is identity "*", and absorbs other identities of its rule', () => {
    expect(mtls([{ anyAuthenticated: true }, { serviceAccount: 'client' }])).toEqual([{ identities: ['*'] }]);
  });

  test('network-only sources ("unauthenticated from networks") share one NetworkAuthentication and need no identity', () => {
    const objects = build({ allow: [{ networks: ['10.0.0.0/8'] }, { networks: [{ cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] }, '10.0.0.0/8'] }] });
    expect(byKind(objects, 'MeshTLSAuthentication')).toEqual([]);
    expect(byKind(objects, 'NetworkAuthentication')).toEqual([
      {
        apiVersion: 'policy.linkerd.io/v1alpha1',
        kind: 'NetworkAuthentication',
        metadata: { name: 'web-8080-unauthenticated-net', namespace: 'shop' },
        spec: { networks: [{ cidr: '10.0.0.0/8' }, { cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] }] },
      },
    ]);
    expect(byKind(objects, 'AuthorizationPolicy').map((o) => o.spec.requiredAuthenticationRefs)).toEqual([
      [{ group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'web-8080-unauthenticated-net' }],
    ]);
    expectConformant(objects);
  });

  test('an identity restricted to networks requires both (one AuthorizationPolicy with both refs)', () => {
    const objects = build({ allow: [{ serviceAccount: 'client', networks: ['10.1.0.0/16'] }] });
    const [ap] = byKind(objects, 'AuthorizationPolicy');
    expect(ap.metadata.name).toBe('web-8080-client-from-10-1-0-0-16');
    expect(ap.spec.requiredAuthenticationRefs.map((r: any) => r.kind)).toEqual(['MeshTLSAuthentication', 'NetworkAuthentication']);
    expectConformant(objects);
  });

  test('alternatives Linkerd cannot AND into one policy become separate policies, each with at most one authentication of a kind', () => {
    const objects = build({
      allow: [{ serviceAccount: 'a' }, { serviceAccount: 'b' }, { networks: ['10.0.0.0/8'] }, { anyAuthenticated: true, networks: ['172.16.0.0/12'] }],
    });
    const aps = byKind(objects, 'AuthorizationPolicy');
    expect(aps.map((o) => o.metadata.name)).toEqual(['web-8080-a-b', 'web-8080-unauthenticated', 'web-8080-authenticated-from-172-16-0-0-12']);
    for (const ap of aps) {
      const kinds = ap.spec.requiredAuthenticationRefs.map((r: any) => r.kind);
      expect(new Set(kinds).size).toBe(kinds.length);
      expect(ap.spec.targetRef).toEqual({ group: 'policy.linkerd.io', kind: 'Server', name: 'web-8080' });
    }
    expectConformant(objects);
  });

  test('every authentication an AuthorizationPolicy requires is emitted with the name it refers to', () => {
    const objects = build({ allow: [{ serviceAccount: 'a' }, { networks: ['10.0.0.0/8'] }, { identity: '*', networks: ['172.16.0.0/12'] }] });
    const names = new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
    for (const ap of byKind(objects, 'AuthorizationPolicy')) {
      for (const ref of ap.spec.requiredAuthenticationRefs) expect(names).toContain(`${ref.kind}/${ref.name}`);
    }
  });
});

describe('MeshAuthorization core: routes and rate limits', () => {
  test('a route becomes an HTTPRoute on the Server and a policy targeting the route', () => {
    const objects = build({
      protocol: 'HTTP/1',
      allow: undefined,
      routes: [
        {
          matches: [{ path: '/authors.json', method: 'GET' }, { pathPrefix: '/authors/', method: 'GET', headers: { 'x-tenant': 'a' } }, { pathRegex: '/v[0-9]+/.*' }],
          allow: [{ serviceAccount: 'books' }, { serviceAccount: 'webapp' }],
        },
      ],
    });
    const [route] = byKind(objects, 'HTTPRoute');
    expect(route).toEqual({
      apiVersion: 'policy.linkerd.io/v1beta3',
      kind: 'HTTPRoute',
      metadata: { name: 'web-8080-get-authors-json', namespace: 'shop' },
      spec: {
        parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'web-8080' }],
        rules: [
          {
            matches: [
              { path: { type: 'Exact', value: '/authors.json' }, method: 'GET' },
              { path: { type: 'PathPrefix', value: '/authors/' }, method: 'GET', headers: [{ name: 'x-tenant', value: 'a' }] },
              { path: { type: 'RegularExpression', value: '/v[0-9]+/.*' } },
            ],
          },
        ],
      },
    });
    const [ap] = byKind(objects, 'AuthorizationPolicy');
    expect(ap.spec.targetRef).toEqual({ group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'web-8080-get-authors-json' });
    expect(ap.metadata.name).toBe('web-8080-get-authors-json-books-webapp');
    expectConformant(objects);
  });

  test('a named route keeps its name', () => {
    const objects = build({ routes: [{ name: 'probes', matches: [{ path: '/ready' }], allow: [{ networks: ['0.0.0.0/0', '::/0'] }] }] });
    expect(byKind(objects, 'HTTPRoute')[0].metadata.name).toBe('probes');
    expect(byKind(objects, 'AuthorizationPolicy').map((o) => o.spec.targetRef.name)).toEqual(['probes', 'web-8080', 'probes']);
  });

  test('port-wide rules also admit their clients on every route (Linkerd authorizes routed requests with the route policies)', () => {
    const objects = build({
      allow: [{ serviceAccount: 'ops' }],
      routes: [
        { name: 'read', matches: [{ method: 'GET', pathPrefix: '/' }], allow: [{ serviceAccount: 'reader' }] },
        { name: 'write', matches: [{ method: 'POST', pathPrefix: '/' }], allow: [{ serviceAccount: 'ops' }] },
      ],
    });
    const aps = byKind(objects, 'AuthorizationPolicy').map((o) => [o.metadata.name, o.spec.targetRef.kind, o.spec.targetRef.name, o.spec.requiredAuthenticationRefs.map((r: any) => r.name)]);
    expect(aps).toEqual([
      ['read-reader', 'HTTPRoute', 'read', ['read-reader-mtls']],
      ['write-ops', 'HTTPRoute', 'write', ['write-ops-mtls']],
      ['web-8080-ops', 'Server', 'web-8080', ['web-8080-ops-mtls']],
      // the port-wide rule on the route that does not admit ops yet; "write" already does
      ['read-ops', 'HTTPRoute', 'read', ['web-8080-ops-mtls']],
    ]);
    expect(checkPolicyObjects(objects.map((object) => ({ object, owner: 'x' })))).toEqual([]);
    expectConformant(objects);
  });

  test('a rate limit targets the Server with total, per-identity and override rates', () => {
    const objects = build({
      rateLimit: { requestsPerSecond: 100, perIdentityRequestsPerSecond: 20, overrides: [{ requestsPerSecond: 50, serviceAccounts: ['batch', { name: 'ops', namespace: 'ops' }] }] },
    });
    expect(byKind(objects, 'HTTPLocalRateLimitPolicy')).toEqual([
      {
        apiVersion: 'policy.linkerd.io/v1alpha1',
        kind: 'HTTPLocalRateLimitPolicy',
        metadata: { name: 'web-8080-ratelimit', namespace: 'shop' },
        spec: {
          targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'web-8080' },
          total: { requestsPerSecond: 100 },
          identity: { requestsPerSecond: 20 },
          overrides: [
            {
              requestsPerSecond: 50,
              clientRefs: [
                { kind: 'ServiceAccount', name: 'batch' },
                { kind: 'ServiceAccount', name: 'ops', namespace: 'ops' },
              ],
            },
          ],
        },
      },
    ]);
    expectConformant(objects);
  });
});

describe('MeshAuthorization core: legacy ServerAuthorization (opt-in)', () => {
  test('emits a v1beta1 Server and ServerAuthorizations, conformant to the served CRD versions', () => {
    const objects = build({
      legacyServerAuthorization: true,
      protocol: 'HTTP/1',
      allow: [{ serviceAccount: 'a' }, { serviceAccount: 'b', namespace: 'other' }, { networks: ['10.0.0.0/8'] }, { namespace: 'ops', networks: ['172.16.0.0/12'] }],
    });
    expect(objects.map((o) => `${o.apiVersion} ${o.kind}`)).toEqual([
      'policy.linkerd.io/v1beta1 Server',
      'policy.linkerd.io/v1beta1 ServerAuthorization',
      'policy.linkerd.io/v1beta1 ServerAuthorization',
      'policy.linkerd.io/v1beta1 ServerAuthorization',
    ]);
    expect((objects[0] as any).spec).toEqual({ podSelector, port: 8080, proxyProtocol: 'HTTP/1' });
    expect(objects.slice(1).map((o: any) => o.spec)).toEqual([
      { server: { name: 'web-8080' }, client: { meshTLS: { serviceAccounts: [{ name: 'a' }, { name: 'b', namespace: 'other' }] } } },
      { server: { name: 'web-8080' }, client: { unauthenticated: true, networks: [{ cidr: '10.0.0.0/8' }] } },
      {
        server: { name: 'web-8080' },
        client: { meshTLS: { identities: ['*.ops.serviceaccount.identity.linkerd.cluster.local'] }, networks: [{ cidr: '172.16.0.0/12' }] },
      },
    ]);
    expectConformant(objects);
  });
});

describe('MeshAuthorization core: one failing check each, with its error text', () => {
  test('malformed identity', () => {
    expect(errorOf({ allow: [{ identity: 'spiffe://Root Domain/vm' }] })).toBe(
      '[test/policy] allow[0].identity: received "spiffe://Root Domain/vm"; expected a mesh identity: "*", a Linkerd identity "<serviceaccount>.<namespace>.serviceaccount.identity.<control-plane-namespace>.<trust-domain>" (optionally starting with "*." to match a suffix), or a SPIFFE id "spiffe://<trust-domain>/<path>"',
    );
  });

  test('malformed external workload identity', () => {
    expect(errorOf({ allow: [{ externalWorkload: { ...vm, identity: 'spiffe://x/../y' } }] })).toContain(
      'allow[0].externalWorkload.identity: received "spiffe://x/../y"; expected a mesh identity',
    );
  });

  test('an empty rule (no source) would deny all', () => {
    expect(errorOf({ allow: [] })).toBe(
      '[test/policy] allow: received []; expected at least one source: an empty rule admits no one, so Linkerd would deny every request it covers',
    );
    expect(errorOf({ routes: [{ matches: [{ path: '/' }], allow: [] }] })).toContain('routes[0].allow: received []; expected at least one source');
  });

  test('an empty source admits no one', () => {
    expect(errorOf({ allow: [{}] })).toBe(
      '[test/policy] allow[0]: received {}; expected a source: { serviceAccount[, namespace] }, { namespace }, { identity }, { externalWorkload }, { anyAuthenticated: true }, optionally with networks; or { networks } alone (an empty source admits no one)',
    );
  });

  test('a mistyped source field is named', () => {
    expect(errorOf({ allow: [{ serviceaccount: 'client' } as AuthorizationSourceLike] })).toContain('allow[0].serviceaccount: received "client"; unknown field');
  });

  test('two identity fields in one source', () => {
    expect(errorOf({ allow: [{ serviceAccount: 'a', identity: '*' }] })).toContain(
      'allow[0]: received {"serviceAccount":"a","identity":"*"}; expected one identity field, got serviceAccount and identity',
    );
  });

  test('a Server that admits no one (deny, and no rule)', () => {
    expect(errorOf({ allow: undefined })).toBe(
      '[test/policy] allow: received undefined; expected at least one source in allow or routes[].allow: with accessPolicy "deny" and no rule, Server shop/web-8080 denies every connection to port 8080 of pods selected by {"matchLabels":{"app":"web"}}',
    );
  });

  test('...is fine with a permissive access policy (e.g. a rate limit only)', () => {
    expect(build({ allow: undefined, accessPolicy: 'all-authenticated', rateLimit: { requestsPerSecond: 5 } }).map((o) => o.kind)).toEqual(['Server', 'HTTPLocalRateLimitPolicy']);
  });

  test('a named port the known workload does not expose', () => {
    expect(errorOf({ namespace: undefined, workload: vm, port: 'https' })).toBe(
      '[test/policy] port: received "https"; expected a port name ExternalWorkload mixed-env/legacy-vm exposes ("http"); a Server on a port name the workload does not have governs nothing',
    );
  });

  test('invalid and duplicate names', () => {
    expect(errorOf({ name: 'In_Cluster' })).toContain('name: received "In_Cluster"; expected a DNS-1123 label');
    expect(errorOf({ routes: [{ matches: [{ path: '/a', method: 'GET' }], allow: [{ serviceAccount: 'x' }] }, { matches: [{ path: '/a', method: 'GET' }], allow: [{ anyAuthenticated: true }] }] })).toContain(
      'routes[1].name: received "web-8080-get-a"; expected a route name unique in this authorization (routes[0] is also "web-8080-get-a"): set routes[1].name',
    );
  });

  test('a name cannot be derived without a name or app label', () => {
    expect(errorOf({ workload: { podSelector: { matchLabels: { tier: 'front' } } } })).toContain('name: received undefined; expected a Server name');
  });

  test('a network exception outside its network, or covering it', () => {
    expect(errorOf({ allow: [{ networks: [{ cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] }] }] })).toContain(
      'allow[0].networks[0].except[0]: received "10.1.0.0/24"; expected a sub-network of 10.0.0.0/16',
    );
    expect(errorOf({ allow: [{ networks: [{ cidr: '10.0.0.0/16', except: ['10.0.0.0/8'] }] }] })).toContain('this exception covers all of it, so the network admits nothing');
    expect(errorOf({ allow: [{ networks: ['10.0.0.0/33'] }] })).toContain('allow[0].networks[0]: received "10.0.0.0/33"; expected a CIDR');
  });

  test('routes and rate limits need an HTTP protocol', () => {
    expect(errorOf({ protocol: 'opaque', routes: [{ matches: [{ path: '/' }], allow: [{ anyAuthenticated: true }] }] })).toContain(
      'routes[0]: received "opaque"; expected protocol "unknown", "HTTP/1", "HTTP/2", "gRPC" for HTTP routes',
    );
    expect(errorOf({ protocol: 'TLS', rateLimit: { requestsPerSecond: 1 } })).toContain('rateLimit: received "TLS"; expected protocol');
  });

  test('rate limits: per identity above total', () => {
    expect(errorOf({ rateLimit: { requestsPerSecond: 10, perIdentityRequestsPerSecond: 20 } })).toContain(
      'rateLimit.perIdentityRequestsPerSecond: received 20; expected at most requestsPerSecond (10)',
    );
  });

  test('a route match must say something', () => {
    expect(errorOf({ routes: [{ matches: [{}], allow: [{ anyAuthenticated: true }] }] })).toContain(
      'routes[0].matches[0]: received {}; expected at least one of path, pathPrefix, pathRegex, method and headers (use pathPrefix: "/" to match every request)',
    );
  });

  test('the namespace of a known workload wins over a different prop', () => {
    expect(errorOf({ namespace: 'other', workload: vm, port: 'http' })).toContain(
      'namespace: received "other"; expected the namespace of ExternalWorkload mixed-env/legacy-vm ("mixed-env")',
    );
  });

  test('legacy ServerAuthorization cannot express SPIFFE ids, routes or external workloads', () => {
    expect(errorOf({ legacyServerAuthorization: true, allow: [{ identity: 'spiffe://root.linkerd.cluster.local/vm' }] })).toContain(
      'allow: received "spiffe://root.linkerd.cluster.local/vm"; expected a Linkerd identity (ServerAuthorization cannot express SPIFFE ids)',
    );
    expect(errorOf({ legacyServerAuthorization: true, accessPolicy: 'audit' })).toContain('accessPolicy: received "audit"; expected "deny" with legacyServerAuthorization');
  });

  test('every problem is reported at once', () => {
    const message = errorOf({ port: 0, allow: [{ identity: 'not an identity' }, { serviceAccount: 'Bad' }] });
    expect(message).toMatch(/^\d+ problems:/);
    expect(message).toContain('port: received 0');
  });
});

describe('MeshAuthorization core: names', () => {
  test('derived names are deterministic, readable and valid even when long', () => {
    const long = 'a-very-long-service-account-name-that-goes-on-and-on-and-on';
    const a = build({ name: 'payments-api-internal-grpc', allow: [{ serviceAccount: long }, { serviceAccount: `${long}-2` }] });
    const b = build({ name: 'payments-api-internal-grpc', allow: [{ serviceAccount: long }, { serviceAccount: `${long}-2` }] });
    expect(a).toEqual(b);
    for (const o of a) {
      expect(o.metadata.name!.length).toBeLessThanOrEqual(63);
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    expectConformant(a);
  });
});
