/**
 * The cdk8s `LinkerdMesh`: each identity mode and delivery, the namespace the CLI would create, the
 * order CRDs → control plane (synth order, Flux dependsOn, Argo CD waves), keys only in the issuer
 * Secret, deterministic output, and the error when helm is missing. Every object passes conformance.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { expectMeshConformant, secretData, suppliedIdentity, testCertificates, writeCertDir } from './support';
import { LinkerdMesh, MeshDelivery, type LinkerdMeshConstructProps } from '../../src/cdk8s';
import { ValidationError } from '../../src/core/errors';
import { MeshIdentity, WebhookCertificates } from '../../src/core/identity';
import type { GeneratedMeshCertificates } from '../../src/core/identity/generate';
import { describeWithFixtures, LINKERD_FIXTURES_DIR, readFixtureDocs } from '../support/fixtures';

let certs: GeneratedMeshCertificates;
let supplied: MeshIdentity;
let webhooks: WebhookCertificates;
beforeAll(async () => {
  certs = await testCertificates();
  supplied = suppliedIdentity(certs);
  webhooks = WebhookCertificates.supplied({ certificatePem: certs.webhook!.certificatePem, keyPem: certs.webhook!.keyPem });
});

function synth(props: LinkerdMeshConstructProps): { mesh: LinkerdMesh; objects: any[] } {
  const app = Testing.app();
  const chart = new Chart(app, 'app');
  const mesh = new LinkerdMesh(chart, 'mesh', props);
  return { mesh, objects: Testing.synth(chart) };
}

const key = (o: any) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
const find = (objects: any[], k: string) => {
  const o = objects.find((x) => key(x) === k);
  if (!o) throw new Error(`no ${k} in ${objects.map(key).join(', ')}`);
  return o;
};

describeWithFixtures('the control plane namespace', () => {
  test('has exactly the labels and annotation `linkerd install` gives it', () => {
    const upstream = readFixtureDocs('linkerd-edge-26.8.3/control-plane-default.yaml').find((d) => d.kind === 'Namespace');
    const { objects } = synth({ identity: MeshIdentity.certManager(), delivery: MeshDelivery.flux() });
    const ns = find(objects, 'Namespace/linkerd');
    expect(ns.metadata.labels).toEqual(upstream.metadata.labels);
    expect(ns.metadata.annotations).toEqual(upstream.metadata.annotations);
  });
});

test('the namespace is the main child (id Resource) and other constructs get the facts they need', () => {
  const { mesh } = synth({ identity: supplied, webhookCertificates: WebhookCertificates.certManager(), delivery: MeshDelivery.flux(), namespace: 'mesh' });
  expect((mesh.node.defaultChild as ApiObject).kind).toBe('Namespace');
  expect(mesh.namespace).toBe('mesh');
  expect(mesh.info.namespace).toBe('mesh');
  expect(mesh.trustAnchorPem).toBe(certs.trustAnchor.certificatePem);
  expect(mesh.info.endpoints.identityAddress).toBe('linkerd-identity-headless.mesh.svc.cluster.local.:8080');
  expect(mesh.crds.node.id).toBe('Crds');
  expect(mesh.controlPlane.node.id).toBe('ControlPlane');
});

describe('Flux delivery', () => {
  test('HelmRepository + HelmReleases, CRDs before the control plane via dependsOn and in the synthesized order', () => {
    const { objects } = synth({ identity: supplied, webhookCertificates: webhooks, delivery: MeshDelivery.flux({ interval: '30m' }), viz: true, highAvailability: true });
    expectMeshConformant(objects);
    const repo = find(objects, 'HelmRepository/linkerd/linkerd');
    expect(repo.spec).toEqual({ interval: '30m', url: 'https://helm.linkerd.io/edge' });
    const crds = find(objects, 'HelmRelease/linkerd/linkerd-crds');
    const cp = find(objects, 'HelmRelease/linkerd/linkerd-control-plane');
    const viz = find(objects, 'HelmRelease/linkerd/linkerd-viz');
    expect(crds.spec.chart.spec).toEqual({ chart: 'linkerd-crds', version: '2026.8.3', sourceRef: { kind: 'HelmRepository', name: 'linkerd' } });
    expect(cp.spec.dependsOn).toEqual([{ name: 'linkerd-crds' }]);
    expect(viz.spec.dependsOn).toEqual([{ name: 'linkerd-control-plane' }]);
    expect(viz.spec.targetNamespace).toBe('linkerd-viz');
    expect(cp.spec.values.controllerReplicas).toBe(3);
    const order = objects.map(key);
    const at = (k: string) => order.indexOf(k);
    expect(at('Namespace/linkerd')).toBeLessThan(at('HelmRelease/linkerd/linkerd-crds'));
    expect(at('HelmRelease/linkerd/linkerd-crds')).toBeLessThan(at('HelmRelease/linkerd/linkerd-control-plane'));
    expect(at('Secret/linkerd/linkerd-identity-issuer')).toBeLessThan(at('HelmRelease/linkerd/linkerd-control-plane'));
    expect(at('Secret/linkerd-viz/tap-k8s-tls')).toBeLessThan(at('HelmRelease/linkerd/linkerd-viz'));
  });

  test('the issuer key appears only in the issuer Secret: never in values or any other object', () => {
    const { objects } = synth({ identity: supplied, webhookCertificates: webhooks, delivery: MeshDelivery.flux() });
    const keyBody = certs.issuer.keyPem.split('\n')[1];
    const decoded = (o: any) => JSON.stringify(o) + Object.keys(o.data ?? {}).map((k) => secretData(o, k)).join('');
    const holders = objects.filter((o) => decoded(o).includes(keyBody)).map(key);
    expect(holders).toEqual(['Secret/linkerd/linkerd-identity-issuer']);
    const secret = find(objects, 'Secret/linkerd/linkerd-identity-issuer');
    expect(secretData(secret, 'tls.key')).toBe(certs.issuer.keyPem);
    expect(JSON.stringify(find(objects, 'HelmRelease/linkerd/linkerd-control-plane'))).not.toContain('PRIVATE KEY');
  });

  test('chart-generated webhook certificates are allowed with Flux (rendered once per change in the cluster)', () => {
    const { mesh, objects } = synth({ identity: supplied, delivery: MeshDelivery.flux() });
    expect(mesh.plan.webhooks.mode).toBe('chart');
    expect(find(objects, 'HelmRelease/linkerd/linkerd-control-plane').spec.values).not.toHaveProperty('proxyInjector');
  });
});

describe('Argo CD delivery', () => {
  test('Applications ordered by sync waves after the mesh objects; CRDs with server-side apply; caBundle ignored with cert-manager', () => {
    const { objects } = synth({ identity: MeshIdentity.certManager(), delivery: MeshDelivery.argoCd({ project: 'platform' }), viz: true });
    expectMeshConformant(objects);
    const wave = (o: any) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
    const crds = find(objects, 'Application/argocd/linkerd-crds');
    const cp = find(objects, 'Application/argocd/linkerd-control-plane');
    const viz = find(objects, 'Application/argocd/linkerd-viz');
    expect(wave(find(objects, 'Namespace/linkerd'))).toBeLessThan(wave(crds));
    expect(wave(find(objects, 'Certificate/linkerd/linkerd-identity-issuer'))).toBeLessThan(wave(crds));
    expect(wave(crds)).toBeLessThan(wave(cp));
    expect(wave(cp)).toBeLessThan(wave(viz));
    expect(crds.spec.project).toBe('platform');
    expect(crds.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    expect(cp.spec.source).toMatchObject({ repoURL: 'https://helm.linkerd.io/edge', chart: 'linkerd-control-plane', targetRevision: '2026.8.3' });
    expect(cp.spec.source.helm.valuesObject.identity).toEqual({ externalCA: true, issuer: { scheme: 'kubernetes.io/tls' } });
    expect(cp.spec.ignoreDifferences.map((d: any) => d.kind)).toEqual(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
    expect(cp.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'linkerd' });
  });

  test('cert-manager mode: no key and no trust anchor in the output; the Bundle feeds the control plane namespace', () => {
    const { mesh, objects } = synth({ identity: MeshIdentity.certManager(), delivery: MeshDelivery.argoCd() });
    expect(mesh.trustAnchorPem).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(JSON.stringify(objects)).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    expect(find(objects, 'Bundle/linkerd-identity-trust-roots').spec.target.namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'linkerd' });
  });
});

describe('helm CLI delivery', () => {
  test('a missing helm binary is a clear error naming the deliveries that need none', () => {
    let msg = '';
    try {
      synth({ identity: MeshIdentity.certManager(), delivery: MeshDelivery.helm({ helmExecutable: '/nonexistent/bin/helm' }) });
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      msg = (e as Error).message;
    }
    expect(msg).toContain('[app/mesh] delivery: received "MeshDelivery.helm() with helm executable \\"/nonexistent/bin/helm\\" (not found)"');
    expect(msg).toContain('MeshDelivery.flux()');
    expect(msg).toContain('MeshDelivery.argoCd()');
  });

  describeWithFixtures('with a stand-in helm that prints the upstream rendering', () => {
    let bin: string;
    let capture: string;
    beforeAll(() => {
      bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-helm-'));
      capture = path.join(bin, 'capture');
      fs.mkdirSync(capture);
      // prints the fixture rendering of the requested chart; records its arguments and values file
      const script = `#!/bin/sh
set -e
release="$2"; chart="$3"
echo "$@" >> "${capture}/args"
while [ $# -gt 0 ]; do
  if [ "$1" = "--values" ]; then cp "$2" "${capture}/values-$release.yaml"; fi
  shift
done
case "$chart" in
  linkerd-crds) cat "${LINKERD_FIXTURES_DIR}/linkerd-crds.yaml" ;;
  linkerd-control-plane) cat "${LINKERD_FIXTURES_DIR}/control-plane-default.yaml" ;;
  *) echo "no such chart $chart" >&2; exit 3 ;;
esac
`;
      fs.writeFileSync(path.join(bin, 'helm'), script, { mode: 0o755 });
    });
    afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

    test('renders each chart with helm template --repo --version --namespace and our values; CRDs come first', () => {
      const { objects } = synth({
        identity: supplied,
        webhookCertificates: webhooks,
        delivery: MeshDelivery.helm({ helmExecutable: path.join(bin, 'helm') }),
        imageRegistry: 'myregistry.azurecr.io/linkerd',
      });
      const args = fs.readFileSync(path.join(capture, 'args'), 'utf8').trim().split('\n');
      expect(args[0]).toMatch(/^template linkerd-crds linkerd-crds --repo https:\/\/helm.linkerd.io\/edge --version 2026.8.3 --namespace linkerd --values \S+values.yaml$/);
      expect(args[1]).toMatch(/^template linkerd-control-plane linkerd-control-plane --repo https:\/\/helm.linkerd.io\/edge --version 2026.8.3 --namespace linkerd --values /);
      const values = fs.readFileSync(path.join(capture, 'values-linkerd-control-plane.yaml'), 'utf8');
      expect(values).toContain('controllerImage: myregistry.azurecr.io/linkerd/controller');
      expect(values).not.toContain('PRIVATE KEY');
      // the temporary values file is gone
      const valuesPath = args[1].split(' --values ')[1].split(' ')[0];
      expect(fs.existsSync(valuesPath)).toBe(false);
      const order = objects.map(key);
      const lastCrd = Math.max(...objects.map((o, i) => (o.kind === 'CustomResourceDefinition' ? i : -1)));
      expect(lastCrd).toBeGreaterThan(0);
      expect(lastCrd).toBeLessThan(order.indexOf('Deployment/linkerd/linkerd-destination'));
      expect(order.indexOf('Secret/linkerd/linkerd-identity-issuer')).toBeLessThan(order.indexOf('Deployment/linkerd/linkerd-identity'));
      // our own objects pass conformance (the rendered chart is upstream's)
      expectMeshConformant(objects.filter((o) => ['Namespace', 'Secret'].includes(o.kind) && o.metadata.annotations?.['linkerd.io/created-by'] === undefined));
    });
  });
});

test('two syntheses of the same app are byte-identical', async () => {
  const dir = writeCertDir(await testCertificates());
  const props = { identity: MeshIdentity.fromDirectory(dir), delivery: MeshDelivery.argoCd(), viz: true, highAvailability: true };
  const once = () => stringify(synth(props).objects);
  expect(once()).toBe(once());
});

test('two meshes may not share a control plane namespace (app-wide validation)', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'app');
  new LinkerdMesh(chart, 'a', { identity: MeshIdentity.certManager(), delivery: MeshDelivery.flux() });
  new LinkerdMesh(chart, 'b', { identity: MeshIdentity.certManager(), delivery: MeshDelivery.flux(), viz: true });
  expect(() => app.synth()).toThrow(/\[app\/a\] namespace: received "linkerd", also used by app\/b; expected one LinkerdMesh per control plane namespace/);
});

test('each option reaches the control plane values through the delivery', () => {
  const { objects } = synth({
    identity: MeshIdentity.certManager(),
    delivery: MeshDelivery.flux(),
    cni: true,
    defaultInboundPolicy: 'all-authenticated',
    clusterNetworks: ['10.244.0.0/16'],
    proxyResources: { memoryLimit: '256Mi' },
    proxyLogLevel: 'info',
    nativeSidecar: false,
    enableShutdownEndpoint: true,
    controllerLogLevel: 'debug',
    imagePullSecrets: ['mirror-pull'],
    installGatewayApiCrds: true,
    jaeger: { version: '2025.9.1' },
    extraValues: { controlPlane: { podLabels: { team: 'platform' } } },
  });
  expectMeshConformant(objects);
  const v = find(objects, 'HelmRelease/linkerd/linkerd-control-plane').spec.values;
  expect(v).toMatchObject({
    cniEnabled: true,
    clusterNetworks: '10.244.0.0/16',
    podLabels: { team: 'platform' },
    proxy: { defaultInboundPolicy: 'all-authenticated', resources: { memory: { limit: '256Mi' } }, logLevel: 'info', nativeSidecar: false, enableShutdownEndpoint: true },
    controllerLogLevel: 'debug',
    policyController: { logLevel: 'debug' },
    imagePullSecrets: [{ name: 'mirror-pull' }],
  });
  expect(find(objects, 'HelmRelease/linkerd/linkerd-crds').spec.values).toEqual({ installGatewayAPI: true });
  const jaeger = find(objects, 'HelmRelease/linkerd/linkerd-jaeger');
  expect(jaeger.spec).toMatchObject({ targetNamespace: 'linkerd-jaeger', dependsOn: [{ name: 'linkerd-control-plane' }], chart: { spec: { chart: 'linkerd-jaeger', version: '2025.9.1' } } });
  expect(find(objects, 'Namespace/linkerd-jaeger').metadata.labels['linkerd.io/extension']).toBe('jaeger');
  expect(find(objects, 'HelmRelease/linkerd/linkerd-control-plane').spec.dependsOn).toEqual([{ name: 'linkerd2-cni' }, { name: 'linkerd-crds' }]);
  expect(find(objects, 'Namespace/linkerd-cni').metadata.labels['config.linkerd.io/admission-webhooks']).toBe('disabled');
});
