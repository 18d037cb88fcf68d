/**
 * The `ApiObject`s of this library's constructs render themselves without cdk8s's generic resolution
 * (`src/cdk8s/_objects.ts`). cdk8s is the judge: every object must render exactly what
 * `ApiObject.prototype.toJson` (cdk8s's own code) renders for it, key order included, in every
 * example app and under everything a user can do to an object or an app (JSON patches, metadata,
 * chart labels, resolvers, `CDK8S_DISABLE_SORT`, `Lazy` values, values that are not plain data).
 */
import { ApiObject, App, Chart, JsonPatch, Lazy, Testing, type IResolver, type ResolutionContext } from 'cdk8s';
import { synthAll } from '../scripts/synth-examples';
import { MeshAuthorization } from '../src/cdk8s';
import { temporaryFolders } from './support/tmp';
import { CoreApiObject } from '../src/cdk8s/_objects';

const tmp = temporaryFolders('lc-objects-');
const generic = ApiObject.prototype.toJson;

/** JSON text that also shows members and elements whose value is `undefined` (YAML writers see them). */
function text(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v === undefined ? '<undefined>' : v));
}

/** What cdk8s renders for `obj`, or the message it throws. */
function cdk8sRender(obj: ApiObject): string {
  try {
    return text(generic.call(obj));
  } catch (e) {
    return `throws: ${(e as Error).message}`;
  }
}

function ourRender(obj: ApiObject): string {
  try {
    return text(obj.toJson());
  } catch (e) {
    return `throws: ${(e as Error).message}`;
  }
}

/** Renders `obj` and reports whether cdk8s's generic `toJson` ran for it (not for another object it reads). */
function renderTracked(obj: ApiObject): { json: string; generic: boolean } {
  const spy = jest.spyOn(ApiObject.prototype, 'toJson');
  try {
    const json = ourRender(obj);
    return { json, generic: spy.mock.contexts.includes(obj) };
  } finally {
    spy.mockRestore();
  }
}

const POLICY = { apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server' };

function server(scope: Chart, id: string, spec: Record<string, unknown>): CoreApiObject {
  return new CoreApiObject(scope, id, { ...POLICY, metadata: { name: id, namespace: 'shop' }, spec });
}

const SPEC = { port: 'http', podSelector: { matchLabels: { app: 'web', tier: 'a' } }, proxyProtocol: 'HTTP/1', accessPolicy: 'deny' };

test('every object of every example renders exactly what cdk8s renders for it', () => {
  const seen = new Map<string, number>();
  const mismatches: string[] = [];
  const original = CoreApiObject.prototype.toJson;
  const spy = jest.spyOn(CoreApiObject.prototype, 'toJson').mockImplementation(function (this: CoreApiObject) {
    const ours = original.call(this);
    const theirs = cdk8sRender(this);
    if (text(ours) !== theirs) mismatches.push(`${this.node.path}: ${text(ours)} != ${theirs}`);
    seen.set(this.kind, (seen.get(this.kind) ?? 0) + 1);
    return ours;
  });
  try {
    synthAll(tmp(), () => undefined);
  } finally {
    spy.mockRestore();
  }
  expect(mismatches).toEqual([]);
  // the examples' own kinds: policy, network policies, mesh expansion, the control plane's namespace
  for (const kind of ['Server', 'AuthorizationPolicy', 'MeshTLSAuthentication', 'NetworkPolicy', 'ExternalWorkload', 'Namespace']) {
    expect({ kind, rendered: (seen.get(kind) ?? 0) > 0 }).toEqual({ kind, rendered: true });
  }
}, 120_000);

describe('a construct object renders itself', () => {
  test('plain data: the same JSON as cdk8s, keys sorted, without the generic path', () => {
    const c = new Chart(Testing.app(), 'test', { labels: { team: 'shop' } });
    const obj = server(c, 'web', { ...SPEC, empty: {}, list: [3, null, { b: 1, a: [] }], gone: undefined, nothing: null });
    obj.metadata.addLabel('z', '1');
    obj.metadata.addAnnotation('a', '2');
    const r = renderTracked(obj);
    expect(r.generic).toBe(false);
    expect(r.json).toBe(cdk8sRender(obj));
    const json = JSON.parse(r.json);
    expect(Object.keys(json)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(Object.keys(json.spec)).toEqual([...Object.keys(json.spec)].sort());
    expect(json.metadata.labels).toEqual({ team: 'shop', z: '1' });
    expect(json.spec).not.toHaveProperty('gone');
    expect(json.spec).not.toHaveProperty('nothing');
  });

  test('a Lazy value renders what it produces, the same as cdk8s', () => {
    const c = new Chart(Testing.app(), 'test');
    const obj = server(c, 'web', { ...SPEC, podSelector: Lazy.any({ produce: () => ({ matchLabels: { b: '2', a: Lazy.any({ produce: () => '1' }) } }) }) });
    const r = renderTracked(obj);
    expect(r.generic).toBe(false);
    expect(r.json).toBe(cdk8sRender(obj));
    expect(JSON.parse(r.json).spec.podSelector).toEqual({ matchLabels: { a: '1', b: '2' } });
  });

  test('a MeshAuthorization with a plain ApiObject workload: the Server reads its selector lazily, rendered as cdk8s does', () => {
    const c = new Chart(Testing.app(), 'test');
    const workload = new ApiObject(c, 'api', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
    });
    const authz = new MeshAuthorization(c, 'authz', { workload, port: 'http', allow: [{ serviceAccount: 'web' }] });
    Testing.synth(c);
    for (const obj of authz.node.findAll().filter((x): x is ApiObject => x instanceof ApiObject)) {
      const r = renderTracked(obj);
      expect({ path: obj.node.path, generic: r.generic }).toEqual({ path: obj.node.path, generic: false });
      expect(r.json).toBe(cdk8sRender(obj));
    }
    expect(authz.server.toJson().spec.podSelector).toEqual({ matchLabels: { app: 'api' } });
  });
});

describe('whenever the result could differ, the object renders the generic way', () => {
  test('a JSON patch (the escape hatch) is applied', () => {
    const obj = server(new Chart(Testing.app(), 'test'), 'web', SPEC);
    obj.addJsonPatch(JsonPatch.replace('/spec/accessPolicy', 'all-authenticated'));
    const r = renderTracked(obj);
    expect(r.generic).toBe(true);
    expect(JSON.parse(r.json).spec.accessPolicy).toBe('all-authenticated');
    expect(r.json).toBe(cdk8sRender(obj));
  });

  test("the app's own resolvers run", () => {
    class Upper implements IResolver {
      public resolve(context: ResolutionContext): void {
        if (context.value === 'deny') context.replaceValue('DENY');
      }
    }
    const obj = server(new Chart(new App({ resolvers: [new Upper()] }), 'test'), 'web', SPEC);
    const r = renderTracked(obj);
    expect(r.generic).toBe(true);
    expect(JSON.parse(r.json).spec.accessPolicy).toBe('DENY');
  });

  test('CDK8S_DISABLE_SORT keeps the keys in their order', () => {
    const obj = server(new Chart(Testing.app(), 'test'), 'web', SPEC);
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      const r = renderTracked(obj);
      expect(r.generic).toBe(true);
      expect(Object.keys(JSON.parse(r.json).spec)).toEqual(Object.keys(SPEC));
    } finally {
      delete process.env.CDK8S_DISABLE_SORT;
    }
  });

  test("a value that is not plain data: cdk8s's own result (an implicit token) or error (a class instance)", () => {
    const c = new Chart(Testing.app(), 'test');
    const token = server(c, 'token', { ...SPEC, port: { resolve: () => 8080 } });
    const t = renderTracked(token);
    expect(t.generic).toBe(true);
    expect(JSON.parse(t.json).spec.port).toBe(8080);
    class Port {
      public constructor(public readonly n: number) {}
    }
    const instance = server(c, 'instance', { ...SPEC, port: new Port(80) });
    const i = renderTracked(instance);
    expect(i.generic).toBe(true);
    expect(i.json).toMatch(/^throws: Failed serializing construct at path 'test\/instance'.*non-simple object of type 'Port'/);
    expect(i.json).toBe(cdk8sRender(instance));
  });
});
