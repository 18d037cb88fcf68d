import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { grpcRoutes, type MeshInfo } from '../../src';
import {
  LinkerdApp,
  annotateDefaultInboundPolicy,
  EgressNetwork,
  MeshAuthorization,
  ServiceProfile,
  type MeshReference,
} from '../../src/cdk8s';
import { expectConformant } from '../support/conformance';
import { defaultMesh } from '../support/mesh';

// the authorization constructs read the trust domain and cluster domain of the mesh
const meshInfo: MeshInfo = defaultMesh({ trustDomain: 'root.linkerd.cluster.local', clusterNetworks: ['10.0.0.0/8'] });

function chart(): Chart {
  return new Chart(Testing.app(), 'test');
}

function synthError(c: Chart): string {
  try {
    Testing.synth(c);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected synthesis to fail');
}

function yamlDocuments(text: string): any[] {
  return parseAllDocuments(text).map((d) => d.toJS());
}

const web = { podSelector: { matchLabels: { app: 'web' } } };

describe('cdk8s MeshAuthorization', () => {
  test('emits the core objects as ApiObjects; the Server is the default child', () => {
    const c = chart();
    const authz = new MeshAuthorization(c, 'web', { namespace: 'shop', workload: web, port: 'http', protocol: 'HTTP/1', allow: [{ serviceAccount: 'client' }] });
    const out = Testing.synth(c);
    expect(out.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Server/web-http', 'MeshTLSAuthentication/web-http-client-mtls', 'AuthorizationPolicy/web-http-client']);
    expect(authz.node.defaultChild).toBe(authz.server);
    expect(authz.server.node.id).toBe('Resource');
    // the other objects are named by kind (ids that repeat from one authorization to the next)
    expect(authz.node.children.map((o) => o.node.id)).toEqual(['Resource', 'MeshTLSAuthentication', 'AuthorizationPolicy']);
    expect(authz.serverName).toBe('web-http');
    expect(authz.namespace).toBe('shop');
    expect(out[2].spec).toEqual({
      targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'web-http' },
      requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'web-http-client-mtls' }],
    });
    expectConformant(out);
  });

  test('bad props fail at construction with the construct path', () => {
    expect(() => new MeshAuthorization(chart(), 'web', { namespace: 'shop', workload: web, port: 80, allow: [{ identity: 'spiffe://bad domain/x' }] })).toThrow(
      /^\[test\/web\] allow\[0\]\.identity: received "spiffe:\/\/bad domain\/x"; expected a mesh identity/,
    );
  });

  test('the mesh reference sets identities and makes the objects depend on the CRDs', () => {
    const c = chart();
    const crds = new ApiObject(c, 'crds', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stand-in-for-crds', namespace: 'linkerd' } });
    const mesh: MeshReference = { info: meshInfo, crds };
    const authz = new MeshAuthorization(c, 'web', { namespace: 'shop', workload: web, port: 80, allow: [{ serviceAccount: 'client' }, { identity: 'spiffe://root.linkerd.cluster.local/vm' }], mesh });
    expect(authz.node.dependencies).toContain(crds);
    const out = Testing.synth(c);
    expect(out.find((o) => o.kind === 'MeshTLSAuthentication').spec.identities).toEqual([
      'client.shop.serviceaccount.identity.linkerd.root.linkerd.cluster.local',
      'spiffe://root.linkerd.cluster.local/vm',
    ]);
    expect(out[0].kind).toBe('ConfigMap');
  });

  test('rules can be added after construction', () => {
    const c = chart();
    const authz = new MeshAuthorization(c, 'web', { namespace: 'shop', workload: web, port: 80, protocol: 'HTTP/1' });
    authz.allowFrom({ serviceAccount: 'client' });
    const added = authz.addRoute({ name: 'admin', matches: [{ pathPrefix: '/admin' }], allow: [{ namespace: 'ops' }] });
    // the route, its rule, and the earlier port-wide rule attached to the new route
    expect(added.map((o) => `${o.kind}/${o.name}`)).toEqual(['HTTPRoute/admin', 'MeshTLSAuthentication/admin-ns-ops-mtls', 'AuthorizationPolicy/admin-ns-ops', 'AuthorizationPolicy/admin-client']);
    // a later port-wide rule is attached to the existing route too
    expect(authz.allowFrom({ namespace: 'monitoring' }).map((o) => `${o.kind}/${o.name}`)).toEqual([
      'MeshTLSAuthentication/web-80-ns-monitoring-mtls',
      'AuthorizationPolicy/web-80-ns-monitoring',
      'AuthorizationPolicy/admin-ns-monitoring',
    ]);
    const out = Testing.synth(c);
    expect(out.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Server/web-80',
      'MeshTLSAuthentication/web-80-client-mtls',
      'AuthorizationPolicy/web-80-client',
      'HTTPRoute/admin',
      'MeshTLSAuthentication/admin-ns-ops-mtls',
      'AuthorizationPolicy/admin-ns-ops',
      'AuthorizationPolicy/admin-client',
      'MeshTLSAuthentication/web-80-ns-monitoring-mtls',
      'AuthorizationPolicy/web-80-ns-monitoring',
      'AuthorizationPolicy/admin-ns-monitoring',
    ]);
    expect(out.find((o) => o.metadata.name === 'admin-client').spec).toEqual({
      targetRef: { group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'admin' },
      requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'web-80-client-mtls' }],
    });
    expectConformant(out);
    expect(() => authz.allowFrom({ serviceAccount: 'client' })).toThrow('expected a unique AuthorizationPolicy name');
    // the first object of a kind is named by its kind, later ones by kind and name
    expect(authz.node.children.map((o) => o.node.id)).toEqual([
      'Resource',
      'MeshTLSAuthentication',
      'AuthorizationPolicy',
      'HTTPRoute',
      'MeshTLSAuthentication-admin-ns-ops-mtls',
      'AuthorizationPolicy-admin-ns-ops',
      'AuthorizationPolicy-admin-client',
      'MeshTLSAuthentication-web-80-ns-monitoring-mtls',
      'AuthorizationPolicy-web-80-ns-monitoring',
      'AuthorizationPolicy-admin-ns-monitoring',
    ]);
  });

  test('a Server that admits no one fails at synthesis, not before (rules may be added later)', () => {
    const c = chart();
    new MeshAuthorization(c, 'web', { namespace: 'shop', workload: web, port: 80 });
    expect(synthError(c)).toBe(
      'Validation failed with the following errors:\n  [test/web] allow: received undefined; expected at least one source in allow or routes[].allow: with accessPolicy "deny" and no rule, Server shop/web-80 denies every connection to port 80 of pods selected by {"matchLabels":{"app":"web"}}',
    );
  });

  test('a cdk8s-plus Deployment as the workload: its selector, and its ports checked at synthesis', () => {
    const c = chart();
    const deployment = new kplus.Deployment(c, 'legacy-app', { metadata: { namespace: 'mixed-env' } });
    new MeshAuthorization(c, 'policy', { workload: deployment, port: 'http', allow: [{ anyAuthenticated: true }] });
    // the container (and its port) is added after the authorization: the check runs at synthesis
    deployment.addContainer({ image: 'buoyantio/bb:v0.0.5', ports: [{ name: 'http-port', number: 80 }] });
    expect(synthError(c)).toContain(
      '[test/policy] port: received "http"; expected a port name Deployment mixed-env/test-legacy-app-c8',
    );
    expect(synthError(c)).toContain('exposes ("http-port"); a Server on a port name the workload does not have governs nothing');
  });

  test('a cdk8s-plus Deployment exposing the port synthesizes, selected by its own labels', () => {
    const c = chart();
    const deployment = new kplus.Deployment(c, 'web', { metadata: { namespace: 'shop' }, containers: [{ image: 'web:1', ports: [{ name: 'http', number: 8080 }] }] });
    const authz = new MeshAuthorization(c, 'policy', { workload: deployment, port: 'http', allow: [{ anyAuthenticated: true }] });
    const out = Testing.synth(c);
    const server = out.find((o) => o.kind === 'Server');
    expect(server.metadata.name).toBe(authz.serverName);
    expect(server.spec.podSelector).toEqual({ matchLabels: deployment.matchLabels });
    expect(out.find((o) => o.kind === 'Deployment').spec.template.metadata.labels).toMatchObject(deployment.matchLabels);
    expectConformant(out.filter((o) => o.kind !== 'Deployment'));
  });

  test('a plain Deployment ApiObject as the workload', () => {
    const c = chart();
    const dep = new ApiObject(c, 'dep', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api:1', ports: [{ name: 'grpc', containerPort: 9090 }] }] } } },
    });
    new MeshAuthorization(c, 'policy', { workload: dep, port: 'grpc', protocol: 'gRPC', allow: [{ serviceAccount: 'web' }] });
    const out = Testing.synth(c);
    expect(out.find((o) => o.kind === 'Server')).toMatchObject({ metadata: { name: 'api-grpc', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'api' } }, port: 'grpc' } });
    expectConformant(out);
  });

  describe('a plain ApiObject workload: its selector is read from its render at synthesis', () => {
    /** A Deployment ApiObject counting its renders. */
    class CountedDeployment extends ApiObject {
      public renders = 0;
      public constructor(scope: Construct, id: string, app: string, port = { name: 'http', containerPort: 8080 }) {
        super(scope, id, {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: app, namespace: 'shop' },
          spec: { selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: app, image: `${app}:1`, ports: [port] }] } } },
        });
      }
      public override toJson(): any {
        this.renders += 1;
        return super.toJson();
      }
    }

    test('never rendered at construction; a selector changed afterwards is the one the Server gets', () => {
      const app = new LinkerdApp();
      const c = new Chart(app, 'test');
      const dep = new CountedDeployment(c, 'dep', 'api');
      const authz = new MeshAuthorization(c, 'policy', { workload: dep, port: 'http', allow: [{ serviceAccount: 'web' }] });
      expect(dep.renders).toBe(0);
      expect(authz.namespace).toBe('shop');
      expect(authz.serverName).toBe('api-http');
      dep.addJsonPatch(JsonPatch.add('/spec/selector/matchLabels/track', 'stable'));
      dep.addJsonPatch(JsonPatch.add('/spec/template/metadata/labels/track', 'stable'));
      const docs = yamlDocuments(app.synthYaml());
      const server = docs.find((o) => o.kind === 'Server');
      expect(server.spec.podSelector).toEqual({ matchLabels: { app: 'api', track: 'stable' } });
      expect(JSON.stringify(docs)).not.toContain('pending-selector');
      // one synthesis: one render for the checks and the Server, one for the output
      expect(dep.renders).toBe(2);
      expectConformant(docs.filter((o) => o.kind !== 'Deployment'));
    });

    test('checked by kind at construction, by selector at synthesis', () => {
      const c = chart();
      const cm = new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' } });
      expect(() => new MeshAuthorization(c, 'bad', { workload: cm, port: 80, allow: [{ serviceAccount: 'web' }] })).toThrow(
        '[test/bad] workload.kind: received "ConfigMap"; expected a workload whose pods can be selected',
      );
      const unlabelled = new ApiObject(c, 'bare', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bare', namespace: 'shop' }, spec: {} });
      new MeshAuthorization(c, 'no-selector', { workload: unlabelled, port: 80, allow: [{ serviceAccount: 'web' }] });
      expect(synthError(c)).toContain('[test/no-selector] workload: received "Deployment shop/bare"; expected a workload with a pod selector or pod labels');
    });

    test('overlaps and empty Servers are reported with the real selector and the workload named', () => {
      const c = chart();
      const first = new CountedDeployment(c, 'first', 'api');
      const second = new ApiObject(c, 'second', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'api-canary', namespace: 'shop' },
        spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api:2' }] } } },
      });
      new MeshAuthorization(c, 'a', { workload: first, port: 8080, allow: [{ serviceAccount: 'web' }] });
      new MeshAuthorization(c, 'b', { workload: second, port: 8080, allow: [{ serviceAccount: 'web' }] });
      new MeshAuthorization(c, 'nobody', { workload: new CountedDeployment(c, 'third', 'admin'), port: 'http' });
      const message = synthError(c);
      expect(message).toContain('[test/b] workload: received "app=api"; expected pods no other Server governs on port 8080: Server shop/api-8080 (test/a) selects the same pods (app=api)');
      expect(message).toContain('[test/nobody] allow: received undefined; expected at least one source in allow or routes[].allow: with accessPolicy "deny" and no rule, Server shop/admin-http denies every connection to port http of Deployment shop/admin');
      expect(message).not.toContain('pending-selector');
    });
  });

  test('an ExternalWorkloadHost (a construct carrying its ExternalWorkloadInfo) as the workload and as a source', () => {
    class FakeHost extends Construct {
      public readonly externalWorkload = {
        name: 'legacy-vm',
        namespace: 'mixed-env',
        identity: 'spiffe://root.linkerd.cluster.local/legacy-vm',
        labels: { app: 'legacy-app', location: 'vm' },
        ports: [{ name: 'http', port: 80 }],
      };
    }
    const c = chart();
    const vm = new FakeHost(c, 'vm');
    new MeshAuthorization(c, 'to-vm', { workload: vm, port: 'http', protocol: 'HTTP/1', allow: [{ serviceAccount: 'client' }] });
    new MeshAuthorization(c, 'from-vm', { namespace: 'mixed-env', name: 'in-cluster-endpoint', workload: { podSelector: { matchLabels: { app: 'legacy-app' } } }, port: 80, allow: [vm] });
    const out = Testing.synth(c);
    expect(out.find((o) => o.metadata.name === 'legacy-vm-http').spec).toEqual({
      accessPolicy: 'deny',
      externalWorkloadSelector: { matchLabels: { app: 'legacy-app', location: 'vm' } },
      port: 'http',
      proxyProtocol: 'HTTP/1',
    });
    expect(out.find((o) => o.metadata.name === 'in-cluster-endpoint-legacy-vm-mtls').spec).toEqual({ identities: ['spiffe://root.linkerd.cluster.local/legacy-vm'] });
    expect(() => new MeshAuthorization(c, 'bad-port', { workload: vm, port: 'https', allow: [{ serviceAccount: 'client' }] })).toThrow(
      '[test/bad-port] port: received "https"; expected a port name ExternalWorkload mixed-env/legacy-vm exposes ("http")',
    );
    expectConformant(out);
  });

  test('two authorizations selecting the same pods and port fail at synthesis, naming both', () => {
    const c = chart();
    new MeshAuthorization(c, 'first', { namespace: 'shop', workload: web, port: 80, allow: [{ serviceAccount: 'a' }] });
    new MeshAuthorization(c, 'second', { namespace: 'shop', name: 'web-again', workload: { podSelector: { matchLabels: { app: 'web', tier: 'front' } } }, port: 80, allow: [{ serviceAccount: 'b' }] });
    expect(synthError(c)).toBe(
      'Validation failed with the following errors:\n  [test/second] workload: received "app=web,tier=front"; expected pods no other Server governs on port 80: Server shop/web-80 (test/first) selects every pod this one selects (its selector app=web is broader than app=web,tier=front). Linkerd requires Servers not to overlap on a pod and port (its admission webhook rejects identical and select-everything selectors)',
    );
  });

  test('an overlap proven by a known workload (a cdk8s-plus Deployment) with a different selector', () => {
    const c = chart();
    const deployment = new kplus.Deployment(c, 'web', {
      metadata: { namespace: 'shop' },
      podMetadata: { labels: { tier: 'front' } },
      containers: [{ image: 'web:1', ports: [{ name: 'http', number: 8080 }] }],
    });
    new MeshAuthorization(c, 'by-deployment', { workload: deployment, port: 8080, allow: [{ serviceAccount: 'a' }] });
    new MeshAuthorization(c, 'by-tier', { namespace: 'shop', name: 'front', workload: { podSelector: { matchLabels: { tier: 'front' } } }, port: 'http', allow: [{ serviceAccount: 'b' }] });
    expect(synthError(c)).toContain('also selects the pods of Deployment shop/');
  });

  test('the app-wide checks run once per synthesis of a LinkerdApp, however many charts, and only constructs with an issue carry a validation', () => {
    const app = new LinkerdApp();
    const authz: MeshAuthorization[] = [];
    const computed: number[] = [];
    for (let i = 0; i < 4; i++) {
      const c = new Chart(app, `ns-${i}`);
      authz.push(new MeshAuthorization(c, 'web', { namespace: `shop-${i}`, workload: web, port: 80, allow: [{ serviceAccount: 'client' }] }));
    }
    // count the contributions read (one per authorization per computation of the checks)
    for (const a of authz) {
      const original = (a as unknown as { contribution: () => unknown }).contribution.bind(a);
      (a as unknown as { contribution: () => unknown }).contribution = () => {
        computed.push(1);
        return original();
      };
    }
    const validations = () => authz.map((a) => (a.node as unknown as { _validations?: unknown[] })._validations?.length ?? 0);
    // cdk8s validates the whole app once, then again for each of the 4 charts: the checks are computed once
    expect(app.synthYaml()).toContain('kind: Server');
    expect(computed).toHaveLength(4);
    expect(validations()).toEqual([0, 0, 0, 0]);
    // a second synthesis computes them again (the app may have changed in between)
    app.synthYaml();
    expect(computed).toHaveLength(8);
    // the same app under a plain App: the same result, computed in every pass (the whole app, then each of the 4 charts)
    const plainApp = Testing.app();
    const plainAuthz = [0, 1, 2, 3].map((i) => new MeshAuthorization(new Chart(plainApp, `ns-${i}`), 'web', { namespace: `shop-${i}`, workload: web, port: 80, allow: [{ serviceAccount: 'client' }] }));
    let plainComputed = 0;
    for (const a of plainAuthz) {
      const original = (a as unknown as { contribution: () => unknown }).contribution.bind(a);
      (a as unknown as { contribution: () => unknown }).contribution = () => {
        plainComputed += 1;
        return original();
      };
    }
    expect(plainApp.synthYaml()).toContain('kind: Server');
    expect(plainComputed).toBe(4 * 5);

    // an overlap: only the construct that has the issue gets a validation, and the message names it
    new MeshAuthorization(authz[2], 'again', { namespace: 'shop-2', name: 'web-again', workload: web, port: 80, allow: [{ serviceAccount: 'b' }] });
    expect(() => app.synthYaml()).toThrow(/\[ns-2\/web\/again\] workload: received "app=web"; expected pods no other Server governs on port 80/);
    expect(validations()).toEqual([0, 0, 0, 0]);
    expect((authz[2].node.findChild('again').node as unknown as { _validations?: unknown[] })._validations).toHaveLength(1);
  });

  test('duplicate object names across authorizations fail at synthesis', () => {
    const c = chart();
    new MeshAuthorization(c, 'a', { namespace: 'shop', name: 'web', workload: web, port: 80, allow: [{ serviceAccount: 'x' }] });
    new MeshAuthorization(c, 'b', { namespace: 'shop', name: 'web', workload: { podSelector: { matchLabels: { app: 'api' } } }, port: 80, allow: [{ serviceAccount: 'y' }] });
    expect(synthError(c)).toContain('[test/b] name: received "web"; expected a unique Server name in namespace shop: test/a emits Server shop/web too');
  });

  test('hand-written policy objects in the app are checked against what exists', () => {
    const c = chart();
    new MeshAuthorization(c, 'web', { namespace: 'shop', name: 'web', workload: web, port: 80, allow: [{ serviceAccount: 'x' }] });
    new ApiObject(c, 'extra-policy', {
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'extra', namespace: 'shop' },
      spec: { targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'web' }, requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'office' }] },
    });
    expect(synthError(c)).toBe(
      'Validation failed with the following errors:\n  [test/web] [test/extra-policy] AuthorizationPolicy shop/extra: spec.requiredAuthenticationRefs[0].name: received "office"; expected an existing NetworkAuthentication in namespace shop: none named "office" is in this app (a reference that does not resolve makes Linkerd ignore the policy, denying what it should admit)',
    );
    new ApiObject(c, 'office', { apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'NetworkAuthentication', metadata: { name: 'office', namespace: 'shop' }, spec: { networks: [{ cidr: '192.0.2.0/24' }] } });
    expect(() => Testing.synth(c)).not.toThrow();
  });

  test('a hand-written Server in the app that overlaps an authorization', () => {
    const c = chart();
    new ApiObject(c, 'old-server', {
      apiVersion: 'policy.linkerd.io/v1beta3',
      kind: 'Server',
      metadata: { name: 'legacy', namespace: 'shop' },
      spec: { podSelector: {}, port: 80 },
    });
    new MeshAuthorization(c, 'web', { namespace: 'shop', workload: web, port: 80, allow: [{ serviceAccount: 'x' }] });
    // reported by the authorization, naming the hand-written object's path
    expect(synthError(c)).toContain(
      '[test/web] [test/old-server] workload: received "<everything>"; expected pods no other Server governs on port 80: Server shop/web-80 (test/web) selects only pods this one selects too (this selector <everything> is broader than its app=web)',
    );
  });

  test('authorizations in different apps do not see each other', () => {
    const a = chart();
    const b = chart();
    new MeshAuthorization(a, 'web', { namespace: 'shop', workload: web, port: 80, allow: [{ serviceAccount: 'x' }] });
    new MeshAuthorization(b, 'web', { namespace: 'shop', workload: web, port: 80, allow: [{ serviceAccount: 'x' }] });
    expect(Testing.synth(a)).toHaveLength(3);
    expect(Testing.synth(b)).toHaveLength(3);
  });

  test('synthesizing twice gives the same objects (the app-wide checks are recomputed, not stale)', () => {
    const app = new App();
    const c = new Chart(app, 'c');
    new MeshAuthorization(c, 'web', { namespace: 'shop', workload: web, port: 80, allow: [{ serviceAccount: 'x' }] });
    const first = Testing.synth(c);
    new MeshAuthorization(c, 'again', { namespace: 'shop', name: 'other', workload: web, port: 80, allow: [{ serviceAccount: 'y' }] });
    expect(synthError(c)).toContain('expected pods no other Server governs on port 80');
    expect(first).toHaveLength(3);
  });
});

describe('cdk8s default inbound policy', () => {
  test('annotates cdk8s-plus namespaces and workloads, and plain ApiObjects', () => {
    const c = chart();
    const ns = new kplus.Namespace(c, 'ns', { metadata: { name: 'shop' } });
    const deployment = new kplus.Deployment(c, 'web', { metadata: { namespace: 'shop' }, containers: [{ image: 'web:1' }] });
    const rawNs = new ApiObject(c, 'raw-ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ops' } });
    const rawDep = new ApiObject(c, 'raw-dep', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'ops' },
      spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'db:1' }] } } },
    });
    annotateDefaultInboundPolicy(ns, 'deny');
    annotateDefaultInboundPolicy(deployment, 'all-authenticated');
    annotateDefaultInboundPolicy(rawNs, 'cluster-authenticated');
    annotateDefaultInboundPolicy(rawDep, 'deny');
    const out = Testing.synth(c);
    const key = 'config.linkerd.io/default-inbound-policy';
    expect(out.find((o) => o.kind === 'Namespace' && o.metadata.name === 'shop').metadata.annotations[key]).toBe('deny');
    expect(out.find((o) => o.kind === 'Deployment').spec.template.metadata.annotations[key]).toBe('all-authenticated');
    expect(out.find((o) => o.kind === 'Namespace' && o.metadata.name === 'ops').metadata.annotations[key]).toBe('cluster-authenticated');
    expect(out.find((o) => o.kind === 'StatefulSet').spec.template.metadata.annotations).toEqual({ [key]: 'deny' });
    expectConformant(out);
  });

  test('rejects objects Linkerd does not read the annotation from', () => {
    const c = chart();
    const svc = new ApiObject(c, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } });
    expect(() => annotateDefaultInboundPolicy(svc, 'deny')).toThrow('[test/svc] target: received "Service"; expected a Namespace, Pod, Deployment');
  });
});

describe('cdk8s ServiceProfile and EgressNetwork', () => {
  test("a ServiceProfile for Dgraph's gRPC API", () => {
    const c = chart();
    const crds = new Construct(c, 'crds');
    const sp = new ServiceProfile(c, 'dgraph', {
      service: 'dgraph-alpha',
      namespace: 'dgraph',
      routes: grpcRoutes('api.Dgraph', ['Login', 'Query', 'Alter', 'CommitOrAbort', 'CheckVersion'], { timeout: '10s' }),
      mesh: { info: meshInfo, crds },
    });
    expect(sp.profileName).toBe('dgraph-alpha.dgraph.svc.cluster.local');
    expect(sp.node.defaultChild).toBe(sp.resource);
    expect(sp.node.dependencies).toContain(crds);
    const [obj] = Testing.synth(c);
    expect(obj.spec.routes).toHaveLength(5);
    expect(obj.spec.routes[4]).toEqual({ name: 'CheckVersion', condition: { method: 'POST', pathRegex: '/api\\.Dgraph/CheckVersion' }, timeout: '10s' });
    expectConformant(obj);
  });

  test('an EgressNetwork', () => {
    const c = chart();
    const egress = new EgressNetwork(c, 'internet', { name: 'internet', trafficPolicy: 'Allow' });
    const out = Testing.synth(c);
    expect(out).toEqual([{ apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'EgressNetwork', metadata: { name: 'internet', namespace: 'linkerd-egress' }, spec: { trafficPolicy: 'Allow' } }]);
    expect(egress.node.defaultChild).toBe(egress.resource);
    expectConformant(out);
  });
});
