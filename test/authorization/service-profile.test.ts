import { egressNetworkObject, grpcRoutes, pathTemplateRegex, serviceProfileObject } from '../../src/core';
import { expectConformant } from '../support/conformance';
import { validationMessageOf } from '../support/errors';

// The methods of Dgraph's `api.Dgraph` gRPC service (seed 001 generates its profile from api.proto).
const DGRAPH_METHODS = ['Login', 'Query', 'Alter', 'CommitOrAbort', 'CheckVersion'];

describe('ServiceProfile (core)', () => {
  test("Dgraph's gRPC API: one POST route per method, named as linkerd profile --proto names them", () => {
    const sp = serviceProfileObject(
      {
        service: 'dgraph-alpha',
        namespace: 'dgraph',
        routes: [...grpcRoutes('api.Dgraph', ['Query', 'CheckVersion'], { isRetryable: true, timeout: '5s' }), ...grpcRoutes('api.Dgraph', ['Login', 'Alter', 'CommitOrAbort'])],
        retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: '10s' },
      },
      'test/dgraph',
    );
    expect(sp.metadata).toEqual({ name: 'dgraph-alpha.dgraph.svc.cluster.local', namespace: 'dgraph' });
    expect(sp.spec!.routes!.map((r) => r.name).sort()).toEqual([...DGRAPH_METHODS].sort());
    expect(sp.spec!.routes![0]).toEqual({ name: 'Query', condition: { method: 'POST', pathRegex: '/api\\.Dgraph/Query' }, isRetryable: true, timeout: '5s' });
    expect(sp.spec!.routes![2]).toEqual({ name: 'Login', condition: { method: 'POST', pathRegex: '/api\\.Dgraph/Login' } });
    expect(sp.spec!.retryBudget).toEqual({ retryRatio: 0.2, minRetriesPerSecond: 10, ttl: '10s' });
    // the regex matches the method's request path and nothing else
    const re = new RegExp(`^${sp.spec!.routes![0].condition.pathRegex}$`);
    expect(re.test('/api.Dgraph/Query')).toBe(true);
    expect(re.test('/apiXDgraph/Query')).toBe(false);
    expectConformant(sp);
  });

  test('HTTP path templates become anchored-segment regexes; failure statuses become response classes', () => {
    const sp = serviceProfileObject(
      {
        service: 'books',
        namespace: 'booksapp',
        clusterDomain: 'corp.internal',
        routes: [
          { method: 'GET', path: '/books/{id}.json', isRetryable: true },
          { method: 'POST', path: '/books', failureStatuses: [{ min: 500 }, { min: 429, max: 429 }] },
          { name: 'health', pathRegex: '/(healthz|readyz)' },
        ],
      },
      'test/books',
    );
    expect(sp.metadata.name).toBe('books.booksapp.svc.corp.internal');
    expect(sp.spec!.routes).toEqual([
      { name: 'GET /books/{id}.json', condition: { method: 'GET', pathRegex: '/books/[^/]*\\.json' }, isRetryable: true },
      {
        name: 'POST /books',
        condition: { method: 'POST', pathRegex: '/books' },
        responseClasses: [
          { condition: { status: { min: 500 } }, isFailure: true },
          { condition: { status: { min: 429, max: 429 } }, isFailure: true },
        ],
      },
      { name: 'health', condition: { pathRegex: '/(healthz|readyz)' } },
    ]);
    expect(new RegExp(`^${pathTemplateRegex('/books/{id}.json')}$`).test('/books/42.json')).toBe(true);
    expect(new RegExp(`^${pathTemplateRegex('/books/{id}.json')}$`).test('/books/4/2.json')).toBe(false);
    expectConformant(sp);
  });

  test('the mesh cluster domain names the profile', () => {
    const sp = serviceProfileObject({ service: 'web', namespace: 'shop', routes: [{ path: '/' }], mesh: { info: { clusterDomain: 'k8s.example' } } as any }, 't');
    expect(sp.metadata.name).toBe('web.shop.svc.k8s.example');
  });

  test('errors: malformed gRPC method, bad duration, duplicate names, bad budget', () => {
    const message = validationMessageOf(() =>
      serviceProfileObject(
        {
          service: 'dgraph-alpha',
          namespace: 'dgraph',
          routes: [{ grpcMethod: 'api.Dgraph/Query' }, { grpcMethod: '/api.Dgraph/Alter', timeout: '5 seconds' }, { grpcMethod: '/api.Dgraph/Login' }, { grpcMethod: '/other.Svc/Login' }],
          retryBudget: { retryRatio: -1, minRetriesPerSecond: 1.5, ttl: '10s' },
        },
        'test/dgraph',
      ),
    );
    expect(message.split('\n').map((l) => l.trim())).toEqual([
      '5 problems:',
      '[test/dgraph] routes[0].grpcMethod: received "api.Dgraph/Query"; expected a gRPC method "/<package>.<Service>/<Method>", e.g. "/api.Dgraph/Query"',
      '[test/dgraph] routes[1].timeout: received "5 seconds"; expected a duration such as "300ms", "10s", "1m30s" or "24h0m0s"',
      '[test/dgraph] routes[3].name: received "Login"; expected a unique route name (routes[2] is also "Login"): set routes[3].name',
      '[test/dgraph] retryBudget.retryRatio: received -1; expected a ratio >= 0, e.g. 0.2',
      '[test/dgraph] retryBudget.minRetriesPerSecond: received 1.5; expected a whole number >= 0',
    ]);
  });

  test('a route needs exactly one of path, pathRegex and grpcMethod', () => {
    expect(validationMessageOf(() => serviceProfileObject({ service: 'a', namespace: 'b', routes: [{ path: '/x', grpcMethod: '/a.B/C' }] }, 't'))).toBe(
      '[t] routes[0]: received {"path":"/x","grpcMethod":"/a.B/C"}; expected exactly one of path, pathRegex and grpcMethod, got path and grpcMethod',
    );
    expect(validationMessageOf(() => serviceProfileObject({ service: 'a', namespace: 'b', routes: [] }, 't'))).toContain('routes: received []; expected at least one route');
  });
});

describe('EgressNetwork (core)', () => {
  test('defaults to the global egress namespace; networks with exceptions', () => {
    const obj = egressNetworkObject({ name: 'internet', trafficPolicy: 'Deny', networks: [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }, '::/0'] }, 't');
    expect(obj).toEqual({
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'EgressNetwork',
      metadata: { name: 'internet', namespace: 'linkerd-egress' },
      spec: { trafficPolicy: 'Deny', networks: [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }, { cidr: '::/0' }] },
    });
    expectConformant(obj);
  });

  test('errors: traffic policy and networks', () => {
    expect(validationMessageOf(() => egressNetworkObject({ name: 'x', namespace: 'shop', trafficPolicy: 'allow' as any, networks: [] }, 't')).split('\n').map((l) => l.trim())).toEqual([
      '2 problems:',
      '[t] trafficPolicy: received "allow"; expected one of "Allow", "Deny"',
      '[t] networks: received []; expected at least one network (a CIDR such as "10.0.0.0/8", or { cidr, except })',
    ]);
  });
});
