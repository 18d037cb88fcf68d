import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { MeshInfo } from '../../src';
import { grpcRoutes } from '../../src';
import {
  annotateDefaultInboundPolicy,
  defaultInboundPolicyTransformation,
  EgressNetwork,
  MeshAuthorization,
  ServiceProfile,
  type MeshReference,
} from '../../src/pulumi';
import { expectConformant } from '../support/conformance';
import { defaultMesh } from '../support/mesh';
import { GraphRecorder, pulumiTestEnv, resolveOutput, type MockedResource, type PulumiTestEnv } from '../support/pulumi';

// the authorization constructs read the trust domain and cluster domain of the mesh
const meshInfo: MeshInfo = defaultMesh({ trustDomain: 'root.linkerd.cluster.local', clusterNetworks: ['10.0.0.0/8'] });

function meshReference(name: string): MeshReference {
  const crds = new pulumi.ComponentResource('test:index:Crds', `${name}-crds`);
  const controlPlane = new pulumi.ComponentResource('test:index:ControlPlane', `${name}-cp`);
  return { info: meshInfo, crds, controlPlane, trustAnchorPem: pulumi.output('PEM') };
}

function asObject(r: MockedResource): Record<string, any> {
  const { apiVersion, kind, metadata, spec } = r.inputs;
  return { apiVersion, kind, metadata, spec };
}

const web = { podSelector: { matchLabels: { app: 'web' } } };

let env: PulumiTestEnv;
beforeAll(async () => {
  env = await pulumiTestEnv();
});
beforeEach(() => env.reset());

describe('Pulumi MeshAuthorization', () => {
  test('one custom resource per core object, parented to the component, each depending on the mesh CRDs', async () => {
    const graph = new GraphRecorder();
    const mesh = meshReference('m1');
    const authz = new MeshAuthorization(
      'web',
      { namespace: 'shop', workload: web, port: 'http', protocol: 'HTTP/1', allow: [{ serviceAccount: 'client' }, { networks: ['10.0.0.0/8'] }], mesh },
      { transformations: [graph.transformation] },
    );
    await env.settle();
    await graph.settle();
    expect(env.byName('web').type).toBe('linkerd-constructs:index:MeshAuthorization');
    // creation order (the mocks see registrations in any order)
    const children = graph.nodes.filter((n) => n.type.startsWith('kubernetes:')).map((n) => env.byName(n.name));
    expect(children.map((r) => `${r.type} ${r.name}`)).toEqual([
      'kubernetes:policy.linkerd.io/v1beta3:Server web-server-shop-web-http',
      'kubernetes:policy.linkerd.io/v1alpha1:MeshTLSAuthentication web-meshtlsauthentication-shop-web-http-client-mtls',
      'kubernetes:policy.linkerd.io/v1alpha1:AuthorizationPolicy web-authorizationpolicy-shop-web-http-client',
      'kubernetes:policy.linkerd.io/v1alpha1:NetworkAuthentication web-networkauthentication-shop-web-http-unauthenticated-net',
      'kubernetes:policy.linkerd.io/v1alpha1:AuthorizationPolicy web-authorizationpolicy-shop-web-http-unauthenticated',
    ]);
    for (const r of children) {
      expect(graph.node(r.name).parent).toBe('web');
      expect(graph.dependsOn(r.name)).toEqual(['m1-crds']);
    }
    expect(asObject(children[0])).toEqual({
      apiVersion: 'policy.linkerd.io/v1beta3',
      kind: 'Server',
      metadata: { name: 'web-http', namespace: 'shop' },
      spec: { accessPolicy: 'deny', podSelector: web.podSelector, port: 'http', proxyProtocol: 'HTTP/1' },
    });
    expect(asObject(children[1]).spec).toEqual({ identityRefs: [{ kind: 'ServiceAccount', name: 'client' }] });
    expectConformant(children.map(asObject));
    expect(authz.serverName).toBe('web-http');
    expect(authz.resources).toHaveLength(5);
    expect(await resolveOutput(authz.urn)).toContain('MeshAuthorization::web');
  });

  test('without a mesh: no dependency, default trust domain', async () => {
    const graph = new GraphRecorder();
    new MeshAuthorization('api', { namespace: 'shop', workload: { podSelector: { matchLabels: { app: 'api' } } }, port: 9090, allow: [{ serviceAccount: 'web' }, { identity: 'spiffe://root.linkerd.cluster.local/vm' }] }, {
      transformations: [graph.transformation],
    });
    await env.settle();
    await graph.settle();
    const mtls = env.resources.find((r) => r.inputs.kind === 'MeshTLSAuthentication')!;
    expect(mtls.inputs.spec).toEqual({ identities: ['web.shop.serviceaccount.identity.linkerd.cluster.local', 'spiffe://root.linkerd.cluster.local/vm'] });
    for (const r of env.resources.filter((x) => x.type.startsWith('kubernetes:'))) expect(graph.dependsOn(r.name)).toEqual([]);
  });

  test('routes and rate limits become HTTPRoute and HTTPLocalRateLimitPolicy resources', async () => {
    const graph = new GraphRecorder();
    const opts = { transformations: [graph.transformation] };
    new MeshAuthorization('books', {
      namespace: 'booksapp',
      name: 'authors',
      workload: { podSelector: { matchLabels: { app: 'authors' } } },
      port: 'service',
      protocol: 'HTTP/1',
      routes: [{ name: 'authors-get', matches: [{ pathPrefix: '/authors', method: 'GET' }], allow: [{ serviceAccount: 'books' }, { serviceAccount: 'webapp' }] }],
      rateLimit: { requestsPerSecond: 50 },
    }, opts);
    await env.settle();
    const objects = graph.nodes.filter((n) => n.type.startsWith('kubernetes:')).map((n) => asObject(env.byName(n.name)));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Server/authors',
      'HTTPRoute/authors-get',
      'MeshTLSAuthentication/authors-get-books-webapp-mtls',
      'AuthorizationPolicy/authors-get-books-webapp',
      'HTTPLocalRateLimitPolicy/authors-ratelimit',
    ]);
    expect(objects[1].spec.parentRefs).toEqual([{ group: 'policy.linkerd.io', kind: 'Server', name: 'authors' }]);
    expectConformant(objects);
  });

  test('bad arguments throw before any resource is registered', async () => {
    expect(() => new MeshAuthorization('bad', { namespace: 'shop', workload: web, port: 80, allow: [] })).toThrow(
      '[MeshAuthorization bad] allow: received []; expected at least one source: an empty rule admits no one, so Linkerd would deny every request it covers',
    );
    expect(() => new MeshAuthorization('bad2', { namespace: 'shop', workload: web, port: 80 })).toThrow('with accessPolicy "deny" and no rule, Server shop/web-80 denies every connection');
    await env.settle();
    expect(env.resources).toEqual([]);
  });

  test('components sharing a mesh are checked against each other: overlapping Servers, duplicate names', async () => {
    const mesh = meshReference('m2');
    new MeshAuthorization('a', { namespace: 'shop', workload: web, port: 80, allow: [{ serviceAccount: 'x' }], mesh });
    expect(() => new MeshAuthorization('b', { namespace: 'shop', name: 'other', workload: web, port: 80, allow: [{ serviceAccount: 'y' }], mesh })).toThrow(
      '[MeshAuthorization b] workload: received "app=web"; expected pods no other Server governs on port 80: Server shop/web-80 (MeshAuthorization a) selects the same pods (app=web)',
    );
    expect(() => new MeshAuthorization('c', { namespace: 'shop', name: 'web-80', workload: { podSelector: { matchLabels: { app: 'api' } } }, port: 80, allow: [{ serviceAccount: 'z' }], mesh })).toThrow(
      '[MeshAuthorization c] name: received "web-80"; expected a unique Server name in namespace shop: MeshAuthorization a emits Server shop/web-80 too',
    );
    // another mesh (another program or test) is independent
    expect(() => new MeshAuthorization('d', { namespace: 'shop', workload: web, port: 80, allow: [{ serviceAccount: 'x' }], mesh: meshReference('m3') })).not.toThrow();
    await env.settle();
  });
});

describe('Pulumi ServiceProfile and EgressNetwork', () => {
  test("a ServiceProfile for Dgraph's gRPC API depends on the CRDs", async () => {
    const graph = new GraphRecorder();
    const sp = new ServiceProfile(
      'dgraph',
      { service: 'dgraph-alpha', namespace: 'dgraph', routes: grpcRoutes('api.Dgraph', ['Query', 'Mutate']), mesh: meshReference('m4') },
      { transformations: [graph.transformation] },
    );
    await env.settle();
    await graph.settle();
    expect(env.byName('dgraph').type).toBe('linkerd-constructs:index:ServiceProfile');
    const r = env.byType('kubernetes:linkerd.io/v1alpha2:ServiceProfile')[0];
    expect(graph.dependsOn(r.name)).toEqual(['m4-crds']);
    expect(asObject(r).metadata).toEqual({ name: 'dgraph-alpha.dgraph.svc.cluster.local', namespace: 'dgraph' });
    expect(sp.profileName).toBe('dgraph-alpha.dgraph.svc.cluster.local');
    expectConformant(asObject(r));
  });

  test('an EgressNetwork', async () => {
    new EgressNetwork('deny-internet', { name: 'internet', namespace: 'shop', trafficPolicy: 'Deny', networks: ['0.0.0.0/0'] });
    await env.settle();
    expect(env.byName('deny-internet').type).toBe('linkerd-constructs:index:EgressNetwork');
    const [r] = env.byType('kubernetes:policy.linkerd.io/v1alpha1:EgressNetwork');
    expect(asObject(r)).toEqual({
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'EgressNetwork',
      metadata: { name: 'internet', namespace: 'shop' },
      spec: { trafficPolicy: 'Deny', networks: [{ cidr: '0.0.0.0/0' }] },
    });
    expectConformant(asObject(r));
  });
});

describe('Pulumi default inbound policy', () => {
  test('Namespace args carry the annotation', async () => {
    new k8s.core.v1.Namespace('shop', annotateDefaultInboundPolicy({ metadata: { name: 'shop', annotations: { owner: 'team-a' } } }, 'deny'));
    await env.settle();
    expect(env.byName('shop').inputs.metadata).toEqual({ name: 'shop', annotations: { 'owner': 'team-a', 'config.linkerd.io/default-inbound-policy': 'deny' } });
  });

  test('the transformation annotates namespaces and pod templates, and leaves other kinds alone', async () => {
    const opts = { transformations: [defaultInboundPolicyTransformation('all-authenticated')] };
    new k8s.core.v1.Namespace('ops', { metadata: { name: 'ops' } }, opts);
    new k8s.apps.v1.Deployment(
      'web-dep',
      {
        metadata: { name: 'web', namespace: 'ops' },
        spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
      },
      opts,
    );
    new k8s.core.v1.Service('web-svc', { metadata: { name: 'web', namespace: 'ops' }, spec: { ports: [{ port: 80 }] } }, opts);
    await env.settle();
    const key = 'config.linkerd.io/default-inbound-policy';
    expect(env.byName('ops').inputs.metadata.annotations).toEqual({ [key]: 'all-authenticated' });
    expect(env.byName('web-dep').inputs.spec.template.metadata).toEqual({ labels: { app: 'web' }, annotations: { [key]: 'all-authenticated' } });
    expect(env.byName('web-svc').inputs.metadata).toEqual({ name: 'web', namespace: 'ops' });
  });

  test('an unknown policy is rejected when the helper is called', () => {
    expect(() => defaultInboundPolicyTransformation('nope' as any)).toThrow('policy: received "nope"; expected one of');
  });
});
