/**
 * cdk8s `LinkerdNetworkPolicies`: the policies as ApiObjects (first one `Resource`), and the
 * analyzer as a node validation over the whole app: synthesis fails on a blocked mesh flow, passes
 * with the flow accepted (with a reason), runs once per app, finds a mesh construct by its shape.
 */
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { LinkerdMesh, MeshDelivery } from '../../src/cdk8s';
import { LinkerdNetworkPolicies } from '../../src/cdk8s/linkerd-network-policies';
import { MeshIdentity } from '../../src/core';
import type { KubeObject } from '../../src/core/k8s';
import type { MeshInfo } from '../../src/core/mesh-info';
import { deployment, namespace, policy } from '../analysis/helpers';
import { expectConformant } from '../support/conformance';
import { defaultMesh } from '../support/mesh';

function appWith(objects: KubeObject[]): { app: App; chart: Chart } {
  const app = Testing.app();
  const chart = new Chart(app, 'cluster');
  objects.forEach((o, i) => new ApiObject(chart, `obj-${i}`, o));
  return { app, chart };
}

/** Runs the app's validations as `app.synth()` does, returning the error (or undefined). */
function synthError(app: App): string | undefined {
  try {
    app.synthYaml();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

const APPS: KubeObject[] = [namespace('shop', { inject: 'enabled' }), deployment('shop', 'web'), deployment('shop', 'api', { kind: 'StatefulSet' })];

describe('LinkerdNetworkPolicies (cdk8s)', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  test('emits the core policies as ApiObjects; the first is node.defaultChild; all conform', () => {
    const { chart } = appWith(APPS);
    const np = new LinkerdNetworkPolicies(chart, 'netpol', { namespaces: ['shop'] });
    const out = Testing.synth(chart).filter((o: any) => o.kind === 'NetworkPolicy');
    expectConformant(out);
    expect(out.map((o: any) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(np.policies.map((p) => `${p.metadata.namespace}/${p.name}`));
    expect(np.node.defaultChild).toBe(np.policies[0]);
    expect(np.policies[0].node.id).toBe('Resource');
    expect(np.controlPlaneNamespace).toBe('linkerd');
  });

  test('synthesis runs the analyzer over the app: our policies and the app pass', () => {
    const { app, chart } = appWith(APPS);
    const np = new LinkerdNetworkPolicies(chart, 'netpol', { namespaces: ['shop'] });
    expect(synthError(app)).toBeUndefined();
    const a = np.lastAnalysis!;
    expect(a.ok).toBe(true);
    expect(a.summary.controlPlane).toBe('built-in');
    expect(a.summary.workloads).toBe(2);
    expect(a.summary.networkPolicies).toBe(np.policies.length);
  });

  // another team's namespace in the same app, whose policy admits the application port only
  const BOOKS: KubeObject[] = [
    namespace('books', { inject: 'enabled' }),
    deployment('books', 'api'),
    policy('books', 'api-8080', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8080 }] }] }),
  ];

  test('a blocked mesh flow anywhere in the app fails synthesis with the finding, the fix and how to accept it', () => {
    const { app, chart } = appWith([...APPS, ...BOOKS]);
    new LinkerdNetworkPolicies(chart, 'netpol', { namespaces: ['shop'] });
    const message = synthError(app)!;
    expect(message).toMatch(/Validation failed with the following errors:\n {2}\[cluster\/netpol\] mesh flow blocked \(meshed:ingress:books\/api:4143\/TCP\): 4143\/TCP from books\/api, shop\/\* to books\/api is blocked by the ingress policies of books\/api/);
    expect(message).toMatch(/its policies admit meshed clients on 8080, but meshed traffic arrives on 4143/);
    expect(message).toMatch(/Fix: add an ingress rule selecting books\/api/);
    expect(message).toMatch(/To accept it on purpose: acceptedFindings: \[\{ id: 'meshed:ingress:books\/api:4143\/TCP', reason: '\.\.\.' \}\]/);
  });

  test('our allow policies are a union with the app own: they cannot be narrowed by another policy', () => {
    const narrowing = policy('shop', 'api-8080', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8080 }] }] });
    const { app, chart } = appWith([...APPS, narrowing]);
    new LinkerdNetworkPolicies(chart, 'netpol', { namespaces: ['shop'] });
    expect(synthError(app)).toBeUndefined();
  });

  test('an accepted finding (with its reason) lets synthesis pass; analyze: false skips the analysis', () => {
    const accepted = appWith([...APPS, ...BOOKS]);
    const np = new LinkerdNetworkPolicies(accepted.chart, 'netpol', { namespaces: ['shop'], acceptedFindings: [{ id: 'meshed:ingress:books/api:*', reason: 'books is migrating; tracked in TICKET-12' }] });
    expect(synthError(accepted.app)).toBeUndefined();
    expect(np.lastAnalysis!.findings.map((f) => [f.id, f.accepted])).toEqual([['meshed:ingress:books/api:4143/TCP', 'books is migrating; tracked in TICKET-12']]);

    const skipped = appWith([...APPS, ...BOOKS]);
    const off = new LinkerdNetworkPolicies(skipped.chart, 'netpol', { namespaces: ['shop'], analyze: false });
    expect(synthError(skipped.app)).toBeUndefined();
    expect(off.lastAnalysis).toBeUndefined();
  });

  test('several LinkerdNetworkPolicies share one analysis of the app (union of namespaces and acceptances)', () => {
    const { app, chart } = appWith([...APPS, namespace('books', { inject: 'enabled' }), deployment('books', 'api')]);
    const a = new LinkerdNetworkPolicies(chart, 'control-plane', { namespaces: [] });
    const b = new LinkerdNetworkPolicies(chart, 'shop', { namespaces: ['shop'], controlPlane: false });
    const c = new LinkerdNetworkPolicies(chart, 'books', { namespaces: ['books'], controlPlane: false });
    expect(synthError(app)).toBeUndefined();
    expect(a.lastAnalysis).toBeDefined();
    expect(b.lastAnalysis).toBe(a.lastAnalysis);
    expect(c.lastAnalysis).toBe(a.lastAnalysis);
    expect(a.lastAnalysis!.summary.networkPolicies).toBe(a.policies.length + b.policies.length + c.policies.length);
    // only the first carries the validation: validating the others does not analyze again
    const first = a.lastAnalysis;
    expect(b.node.validate()).toEqual([]);
    expect(c.node.validate()).toEqual([]);
    expect(a.lastAnalysis).toBe(first);
    expect(a.node.validate()).toEqual([]);
    expect(a.lastAnalysis).not.toBe(first);
  });

  test('a mesh construct of the app is found by its shape (info: MeshInfo) and its namespace is checked', () => {
    const info: MeshInfo = defaultMesh({ namespace: 'mesh-system', clusterNetworks: ['10.0.0.0/8'] });
    class FakeMesh extends Construct {
      public readonly info = info;
    }
    // policies written for the default namespace, while the app's mesh lives in mesh-system: caught
    const wrong = appWith(APPS);
    new FakeMesh(wrong.chart, 'mesh');
    const np = new LinkerdNetworkPolicies(wrong.chart, 'netpol', { namespaces: ['shop'] });
    const message = synthError(wrong.app)!;
    expect(message).toMatch(/mesh flow blocked \(destination:egress:shop\/web:8086\/TCP\)/);
    expect(np.lastAnalysis!.summary.controlPlaneNamespace).toBe('mesh-system');
    // given the mesh, the policies follow it and pass
    const right = appWith(APPS);
    const mesh = new FakeMesh(right.chart, 'mesh');
    new LinkerdNetworkPolicies(right.chart, 'netpol', { mesh, namespaces: ['shop'] });
    expect(synthError(right.app)).toBeUndefined();
  });

  test('with LinkerdMesh (delivered by Flux, viz on) in the app: its facts are used, and the policies must follow them', () => {
    const without = appWith(APPS);
    new LinkerdMesh(without.chart, 'linkerd', { identity: MeshIdentity.certManager(), delivery: MeshDelivery.flux(), viz: true });
    const np = new LinkerdNetworkPolicies(without.chart, 'netpol', { namespaces: ['shop'] });
    // the policies were not told about viz: its Prometheus and tap are refused, and the analysis says so
    expect(synthError(without.app)).toMatch(/mesh flow blocked \(metrics:ingress:shop\/web:4191\/TCP\)/);
    expect(np.lastAnalysis!.summary).toMatchObject({ controlPlane: 'built-in', viz: 'built-in' });

    const given = appWith(APPS);
    const mesh = new LinkerdMesh(given.chart, 'linkerd', { identity: MeshIdentity.certManager(), delivery: MeshDelivery.flux(), viz: true });
    const ok = new LinkerdNetworkPolicies(given.chart, 'netpol', { mesh, namespaces: ['shop'] });
    expect(synthError(given.app)).toBeUndefined();
    expect(ok.lastAnalysis!.findings).toEqual([]);
  });

  test('bad props fail at construction with the construct path', () => {
    const { chart } = appWith([]);
    expect(() => new LinkerdNetworkPolicies(chart, 'netpol', { namespaces: ['Bad'] })).toThrow(/\[cluster\/netpol\] namespaces\[0\]: received "Bad"; expected a DNS-1123 label/);
  });

  test('warnings are printed, not thrown', () => {
    const { chart } = appWith([]);
    new LinkerdNetworkPolicies(chart, 'netpol', { externalWorkloads: [{ name: 'vm', namespace: 'legacy', identity: 'x', labels: {}, ports: [], workloadIps: ['192.0.2.1'] }] });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^warning: \[cluster\/netpol\] externalWorkloads\[0\] \(legacy\/vm\)/));
  });
});
