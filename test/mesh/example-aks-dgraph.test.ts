/**
 * examples/aks-dgraph (seed 001): the cdk8s app synthesizes without helm, twice to the same bytes,
 * every object conformant, with the mesh, viz, mirrored images and meshed Dgraph StatefulSets; the
 * Pulumi program runs under mocks with the same shape.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { expectMeshConformant } from './support';
import { synth } from '../../examples/aks-dgraph/cdk8s';
import { dgraphLabels } from '../../examples/aks-dgraph/dgraph';
import { analyzeMesh, NetworkPolicyPresets, type KubeObject } from '../../src/core';
import { GraphRecorder, pulumiTestEnv, resolveOutput } from '../support/pulumi';
import { temporaryFolders } from '../support/tmp';

const tmp = temporaryFolders('aks-dgraph-');

const key = (o: any) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

describe('cdk8s app', () => {
  let files: string[];
  let objects: any[];
  beforeAll(() => {
    files = synth(tmp());
    objects = files.flatMap((f) => parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS())).filter(Boolean);
  });

  test('writes <outdir>/aks-dgraph-*.yaml and returns the paths', () => {
    expect(files.map((f) => path.basename(f))).toEqual(['aks-dgraph-cluster.k8s.yaml']);
    expect(files.every((f) => fs.existsSync(f))).toBe(true);
  });

  test('two syntheses into two directories are byte-identical', () => {
    const again = synth(tmp());
    expect(again.map((f) => path.basename(f))).toEqual(files.map((f) => path.basename(f)));
    again.forEach((f, i) => expect(fs.readFileSync(f).equals(fs.readFileSync(files[i]))).toBe(true));
  });

  test('every object passes conformance', () => {
    expect(objects.length).toBeGreaterThan(20);
    expectMeshConformant(objects);
  });

  test("the seed's NetworkPolicy, corrected: the analyzer finds every flow Linkerd needs to Dgraph Alpha allowed, the published one blocks its meshed clients", () => {
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'dgraph');
    expect(policy.spec.podSelector.matchLabels).toEqual(dgraphLabels('alpha'));
    const mesh = { namespace: 'linkerd', vizNamespace: 'linkerd-viz' };
    const corrected = analyzeMesh(objects as KubeObject[], { mesh });
    expect(corrected.blocking.map((f) => f.id)).toEqual([]);
    const published = NetworkPolicyPresets.meshedClientsOnlyAsPublished({ namespace: 'dgraph', podLabels: dgraphLabels('alpha'), ports: [8080, 9080] });
    const withPublished = analyzeMesh([...objects.filter((o) => o !== policy), ...published] as KubeObject[], { mesh });
    expect(withPublished.blocking.some((f) => f.kind === 'meshed' && f.at.startsWith('dgraph/dgraph-alpha'))).toBe(true);
  });

  test('the mesh, viz and the mirrored images: CRDs, control plane, viz as ordered Applications', () => {
    const order = objects.map(key);
    const app = (name: string) => objects.find((o) => key(o) === `Application/argocd/${name}`);
    expect(order.indexOf('Application/argocd/linkerd-crds')).toBeLessThan(order.indexOf('Application/argocd/linkerd-control-plane'));
    expect(order.indexOf('Application/argocd/linkerd-control-plane')).toBeLessThan(order.indexOf('Application/argocd/linkerd-viz'));
    const cp = app('linkerd-control-plane').spec.source.helm.valuesObject;
    expect(cp.proxy.image.name).toBe('myregistry.azurecr.io/linkerd/proxy');
    expect(cp.controllerImage).toBe('myregistry.azurecr.io/linkerd/controller');
    expect(app('linkerd-viz').spec.source.helm.valuesObject.defaultRegistry).toBe('myregistry.azurecr.io/linkerd');
    expect(order).toContain('Namespace/linkerd-viz');
    // nothing secret in the output
    expect(fs.readFileSync(files[0], 'utf8')).not.toContain('PRIVATE KEY');
  });

  test('Dgraph Alpha and Zero are meshed, use the mirrored image, and come after the control plane', () => {
    const sts = objects.filter((o) => o.kind === 'StatefulSet');
    expect(sts.map((s) => s.metadata.name)).toEqual(['dgraph-zero', 'dgraph-alpha']);
    for (const s of sts) {
      expect(s.spec.template.metadata.annotations['linkerd.io/inject']).toBe('enabled');
      expect(s.spec.template.spec.containers[0].image).toMatch(/^myregistry\.azurecr\.io\/dgraph\/dgraph:/);
      expect(Number(s.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeGreaterThan(2);
    }
    const order = objects.map(key);
    expect(order.indexOf('Application/argocd/linkerd-control-plane')).toBeLessThan(order.indexOf('StatefulSet/dgraph/dgraph-alpha'));
    const profile = objects.find((o) => o.kind === 'ServiceProfile');
    expect(profile.metadata.name).toBe('dgraph-alpha.dgraph.svc.cluster.local');
  });
});

test('Pulumi program under mocks: generated identity, ordered charts, meshed StatefulSets', async () => {
  const env = await pulumiTestEnv({
    stateFor: (r) => {
      if (r.type === 'tls:index/privateKey:PrivateKey') return { privateKeyPem: `KEY-${r.name}` };
      if (r.type.startsWith('tls:index/') && r.type.endsWith('Cert')) return { certPem: `CERT-${r.name}` };
      return {};
    },
  });
  const graph = new GraphRecorder();
  const { program } = await import('../../examples/aks-dgraph/pulumi');
  const out = program({ transformations: [graph.transformation] });
  await env.settle();
  await graph.settle();
  expect(env.byType('kubernetes:helm.sh/v4:Chart').map((r) => r.name)).toEqual(['linkerd-crds', 'linkerd-control-plane', 'linkerd-viz']);
  expect(graph.reaches('linkerd-control-plane', 'linkerd-crds')).toBe(true);
  expect(graph.dependsOn('statefulset-dgraph-alpha')).toContain('linkerd-control-plane');
  const alpha = env.byName('statefulset-dgraph-alpha').inputs;
  expect(alpha.spec.template.metadata.annotations['linkerd.io/inject']).toBe('enabled');
  expect(env.byName('linkerd-control-plane').inputs.values.proxy.image.name).toBe('myregistry.azurecr.io/linkerd/proxy');
  expect(await resolveOutput(out.trustAnchorPem)).toBe('CERT-linkerd-trust-anchor');
  expect(env.resources.some((r) => r.type === 'kubernetes:linkerd.io/v1alpha2:ServiceProfile')).toBe(true);
});
