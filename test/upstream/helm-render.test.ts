/**
 * Upstream in the loop: a real Helm (v4, from a devDependency) renders the real Linkerd charts
 * (edge-26.8.3, served from `../shared/fixtures` on 127.0.0.1) with the values our code computes, in
 * every mode a user can choose, on both sides:
 *
 *  - cdk8s with `MeshDelivery.helm()` for real (the construct runs helm at synthesis);
 *  - Flux and Argo CD: the values their HelmRelease / Application carry, rendered with `helm template`;
 *  - Pulumi (under mocks): the values of each `helm.v4.Chart`, rendered the same way.
 *
 * Each render must: render, twice byte-identical; with `imageRegistry`, pull every image from it;
 * pass the CRD schemas (Linkerd objects) and kubernetes-models (the rest); use only upstream
 * `linkerd.io` annotation and label names; hold no SEC1 key in any Secret; and, with our
 * `LinkerdNetworkPolicies`, keep every flow the analyzer knows open, while seed 004's deny-all-ingress
 * policy breaks one. Jaeger is not among the fixture charts (upstream stopped shipping it), so it is
 * not rendered here.
 */
import { createPrivateKey } from 'crypto';
import { Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { LinkerdMesh, MeshDelivery, type LinkerdMeshConstructProps } from '../../src/cdk8s';
import { analyzeMesh } from '../../src/core/analysis';
import { linkerdControlPlaneModel, linkerdVizModel } from '../../src/core/analysis/builtin';
import { MeshIdentity, WebhookCertificates } from '../../src/core/identity';
import type { GeneratedMeshCertificates } from '../../src/core/identity/generate';
import type { KubeObject } from '../../src/core/k8s';
import { heartbeatScheduleFor, renderHelmRelease, type MeshRelease } from '../../src/core/mesh';
import { linkerdNetworkPolicies } from '../../src/core/network-policies';
import { LinkerdMesh as PulumiMesh, MeshIdentity as PulumiMeshIdentity, WebhookCertificates as PulumiWebhookCertificates } from '../../src/pulumi';
import { deployment, namespace, policy } from '../analysis/helpers';
import { suppliedIdentity, testCertificates, unwrapMock } from '../mesh/support';
import { conformanceErrors } from '../support/conformance';
import { describeWithHelm, type HelmContext } from '../support/helm';
import { services, webhooks as webhookFacts, workloads } from '../support/network-facts';
import { pulumiTestEnv } from '../support/pulumi';
import { imagesOf, linkerdNameProblems, sec1Keys } from '../support/upstream';

const REGISTRY = 'mirror.example.com/linkerd';
const sec1 = (pem: string) => createPrivateKey(pem).export({ type: 'sec1', format: 'pem' }) as string;
const APPS: KubeObject[] = [
  namespace('shop', { inject: 'enabled' }),
  deployment('shop', 'web', { ports: [{ name: 'http', containerPort: 8080 }] }),
  deployment('shop', 'db', { kind: 'StatefulSet', ports: [{ name: 'pg', containerPort: 5432 }] }),
];

let certs: GeneratedMeshCertificates;
beforeAll(async () => {
  certs = await testCertificates();
});

type Mode = { name: string; props: () => LinkerdMeshConstructProps };
const webhooks = () => WebhookCertificates.supplied({ certificatePem: certs.webhook!.certificatePem, keyPem: certs.webhook!.keyPem });
const MODES: Mode[] = [
  { name: 'defaults (supplied identity)', props: () => ({ identity: suppliedIdentity(certs), webhookCertificates: webhooks() }) },
  { name: 'HA', props: () => ({ identity: suppliedIdentity(certs), webhookCertificates: webhooks(), highAvailability: true }) },
  { name: 'CNI', props: () => ({ identity: suppliedIdentity(certs), webhookCertificates: webhooks(), cni: true }) },
  { name: 'cert-manager identity', props: () => ({ identity: MeshIdentity.certManager() }) },
  { name: 'viz', props: () => ({ identity: suppliedIdentity(certs), webhookCertificates: webhooks(), viz: true }) },
  {
    name: 'imageRegistry + imagePullSecrets (with CNI, HA and viz)',
    props: () => ({ identity: suppliedIdentity(certs), webhookCertificates: webhooks(), imageRegistry: REGISTRY, imagePullSecrets: ['mirror-pull'], cni: true, highAvailability: true, viz: true }),
  },
  { name: 'pinned version', props: () => ({ identity: suppliedIdentity(certs), webhookCertificates: webhooks(), version: '2026.8.3' }) },
];

function synthWithHelm(ctx: HelmContext, props: LinkerdMeshConstructProps): { objects: KubeObject[]; yaml: string } {
  const chart = new Chart(Testing.app(), 'app');
  new LinkerdMesh(chart, 'mesh', { ...props, delivery: MeshDelivery.helm({ helmExecutable: ctx.helm, repository: ctx.repository, env: ctx.env }) });
  const objects = Testing.synth(chart) as KubeObject[];
  return { objects, yaml: stringify(objects) };
}

/** Everything every render must satisfy. */
function expectUpstreamSound(objects: KubeObject[], opts: { registry?: string; viz?: boolean; cni?: boolean } = {}): void {
  expect(objects.filter((o) => o.kind === 'Deployment').length).toBeGreaterThanOrEqual(3);
  // schemas: Linkerd objects against the CRDs, the rest against kubernetes-models (the rendered CRDs
  // themselves and the kinds the models do not know are left to Helm's own rendering)
  const errors = objects
    .filter((o) => o.kind !== 'CustomResourceDefinition')
    .flatMap((o) => conformanceErrors(o))
    .filter((e) => !/no schema for .* in the conformance suite/.test(e.message));
  expect(errors).toEqual([]);
  expect(linkerdNameProblems(objects)).toEqual([]);
  expect(sec1Keys(objects)).toEqual([]);
  if (opts.registry) {
    const images = imagesOf(objects);
    expect(images.length).toBeGreaterThan(5);
    expect(images.filter((i) => !i.image.startsWith(`${opts.registry}/`))).toEqual([]);
  }
  // the analyzer: the real render + our policies keep every flow; seed 004's deny-all breaks one
  const plan = linkerdNetworkPolicies({ namespaces: ['shop'], vizNamespace: opts.viz ? 'linkerd-viz' : undefined, apiServerCidrs: ['172.20.0.0/28'] });
  const ok = analyzeMesh([...objects, ...APPS, ...plan.policies], plan.analysisOptions);
  expect(ok.blocking).toEqual([]);
  expect(ok.summary.controlPlane).toBe('manifests');
  const denyAll = policy('linkerd', 'deny-all-ingress', { ingress: [{ from: [{ podSelector: {} }] }] });
  const broken = analyzeMesh([...objects, ...APPS, denyAll]);
  expect(broken.blocking.map((f) => f.id)).toEqual(expect.arrayContaining(['destination:ingress:linkerd/linkerd-destination:8086/TCP']));
}

describeWithHelm('a real Helm renders the real charts with our values (cdk8s, MeshDelivery.helm)', (ctx) => {
  test.each(MODES)('$name', ({ name, props }) => {
    const p = props();
    const first = synthWithHelm(ctx, p);
    const second = synthWithHelm(ctx, p);
    expect(second.yaml).toBe(first.yaml); // byte-identical: no clock in the render (heartbeat schedule)
    // the heartbeat's schedule is the one our values set, not one the chart derived from its clock
    const cronJobs = first.objects.filter((o) => o.kind === 'CronJob') as any[];
    expect(cronJobs.map((c) => c.metadata.name)).toEqual(['linkerd-heartbeat']);
    expect(cronJobs[0].spec.schedule).toBe(heartbeatScheduleFor('linkerd', 'cluster.local'));
    expectUpstreamSound(first.objects, { registry: p.imageRegistry, viz: Boolean(p.viz), cni: Boolean(p.cni) });
    if (name === 'CNI') expect(first.objects.some((o) => o.kind === 'DaemonSet' && o.metadata.name === 'linkerd-cni')).toBe(true);
  });

  test('heartbeat: false renders no heartbeat CronJob', () => {
    const { objects } = synthWithHelm(ctx, { identity: suppliedIdentity(certs), webhookCertificates: webhooks(), heartbeat: false });
    expect(objects.filter((o) => o.kind === 'CronJob')).toEqual([]);
  });

  test('a schedule the user sets is the one rendered', () => {
    const { objects } = synthWithHelm(ctx, { identity: suppliedIdentity(certs), webhookCertificates: webhooks(), heartbeatSchedule: '17 3 * * *' });
    expect((objects.find((o) => o.kind === 'CronJob') as any).spec.schedule).toBe('17 3 * * *');
  });

  test('without our heartbeat schedule the chart reads the clock (why we set one)', () => {
    const release = (schedule: boolean): MeshRelease => ({
      id: 'control-plane',
      releaseName: 'linkerd-control-plane',
      chart: 'linkerd-control-plane',
      repository: ctx.repository,
      version: '2026.8.3',
      namespace: 'linkerd',
      dependsOn: [],
      values: {
        identityTrustAnchorsPEM: certs.trustAnchor.certificatePem,
        identity: { issuer: { scheme: 'kubernetes.io/tls' } },
        ...(schedule ? { heartbeatSchedule: '1 2 * * *' } : {}),
      },
    });
    const scheduleOf = (s: boolean) => (renderHelmRelease(release(s), { helmExecutable: ctx.helm, env: ctx.env }).find((o) => o.kind === 'CronJob') as any).spec.schedule;
    // the chart's default is "<minute> <hour> * * *" of now + 10 minutes, UTC (templates/heartbeat.yaml)
    const before = Date.now();
    const [minute, hour] = scheduleOf(false).split(' ').map(Number);
    const at = (t: number) => new Date(t + 10 * 60_000);
    const candidates = [at(before), at(Date.now())].map((d) => `${d.getUTCMinutes()} ${d.getUTCHours()}`);
    expect(candidates).toContain(`${minute} ${hour}`);
    expect(scheduleOf(true)).toBe('1 2 * * *');
  });
});

/** `helm template` of one release's values (what Flux, Argo CD or Pulumi would hand the chart). */
function renderValues(ctx: HelmContext, chart: string, releaseName: string, ns: string, version: string, values: Record<string, unknown>) {
  const release: MeshRelease = { id: 'control-plane', releaseName, chart, repository: ctx.repository, version, namespace: ns, values, dependsOn: [] };
  return renderHelmRelease(release, { helmExecutable: ctx.helm, env: ctx.env });
}

describeWithHelm('the values Flux, Argo CD and Pulumi carry render with a real Helm', (ctx) => {
  const props = (): LinkerdMeshConstructProps => ({
    identity: suppliedIdentity(certs),
    webhookCertificates: webhooks(),
    imageRegistry: REGISTRY,
    imagePullSecrets: ['mirror-pull'],
    viz: true,
    cni: true,
  });

  test.each([
    ['Flux', () => MeshDelivery.flux()],
    ['Argo CD', () => MeshDelivery.argoCd()],
  ])('%s: each release renders, twice the same, every image from the mirror, sound', (_name, delivery) => {
    const chart = new Chart(Testing.app(), 'app');
    new LinkerdMesh(chart, 'mesh', { ...props(), delivery: delivery() });
    const objects = Testing.synth(chart) as any[];
    const releases = objects
      .filter((o) => o.kind === 'HelmRelease' || o.kind === 'Application')
      .map((o) =>
        o.kind === 'HelmRelease'
          ? {
            chart: o.spec.chart.spec.chart,
            name: o.spec.releaseName,
            ns: o.spec.targetNamespace ?? o.metadata.namespace,
            version: o.spec.chart.spec.version,
            values: o.spec.values ?? {},
          }
          : {
            chart: o.spec.source.chart,
            name: o.spec.source.helm.releaseName,
            ns: o.spec.destination.namespace,
            version: o.spec.source.targetRevision,
            values: o.spec.source.helm.valuesObject ?? {},
          },
      );
    expect(releases.map((r) => r.chart).sort()).toEqual(['linkerd-control-plane', 'linkerd-crds', 'linkerd-viz', 'linkerd2-cni']);
    const rendered = releases.flatMap((r) => {
      const once = renderValues(ctx, r.chart, r.name, r.ns, r.version, r.values);
      expect(stringify(renderValues(ctx, r.chart, r.name, r.ns, r.version, r.values))).toBe(stringify(once));
      return once;
    });
    const own = objects.filter((o) => o.kind === 'Namespace' || o.kind === 'Secret');
    expectUpstreamSound([...own, ...rendered], { registry: REGISTRY, viz: true, cni: true });
  });
});

describeWithHelm('the values Pulumi hands helm.v4.Chart render with a real Helm', (ctx) => {
  // the generated identity's PEMs come from @pulumi/tls, which the mocks answer with real certificates
  const tlsState = (r: { type: string; name: string }) => {
    // @pulumi/tls hands out ECDSA keys as SEC1 ("EC PRIVATE KEY")
    if (r.type === 'tls:index/privateKey:PrivateKey') return { privateKeyPem: sec1(r.name.includes('webhook') ? certs.webhook!.keyPem : certs.issuer.keyPem) };
    if (r.type === 'tls:index/selfSignedCert:SelfSignedCert') return { certPem: r.name.includes('webhook') ? certs.webhook!.certificatePem : certs.trustAnchor.certificatePem };
    if (r.type === 'tls:index/locallySignedCert:LocallySignedCert') return { certPem: certs.issuer.certificatePem };
    if (r.type === 'tls:index/certRequest:CertRequest') return { certRequestPem: 'CSR' };
    return {};
  };

  test.each([
    [
      'supplied identity',
      () =>
        PulumiMeshIdentity.supplied({
          trustAnchorPem: certs.trustAnchor.certificatePem,
          issuerCertificatePem: certs.issuer.certificatePem,
          issuerKeyPem: certs.issuer.keyPem,
        }),
    ],
    ['generated identity', () => PulumiMeshIdentity.generated()],
    ['cert-manager identity', () => PulumiMeshIdentity.certManager()],
  ])('%s, imageRegistry, CNI and viz: every release renders, twice the same, every image from the mirror, sound', async (name, identity) => {
    const env = await pulumiTestEnv({ stateFor: tlsState });
    new PulumiMesh(`m${name.length}`, {
      identity: identity(),
      ...(name === 'supplied identity'
        ? {
          webhookCertificates: PulumiWebhookCertificates.supplied({ certificatePem: certs.webhook!.certificatePem, keyPem: certs.webhook!.keyPem }),
        }
        : {}),
      imageRegistry: REGISTRY,
      imagePullSecrets: ['mirror-pull'],
      cni: true,
      viz: true,
    });
    await env.settle();
    await new Promise((r) => setTimeout(r, 100));
    await env.settle();
    const charts = env.byType('kubernetes:helm.sh/v4:Chart').map((c) => unwrapMock(c.inputs));
    expect(charts.map((c) => c.chart).sort()).toEqual(['linkerd-control-plane', 'linkerd-crds', 'linkerd-viz', 'linkerd2-cni']);
    const rendered = charts.flatMap((c) => {
      const once = renderValues(ctx, c.chart, c.name, c.namespace, c.version, c.values ?? {});
      expect(stringify(renderValues(ctx, c.chart, c.name, c.namespace, c.version, c.values ?? {}))).toBe(stringify(once));
      return once;
    });
    const own = env.byType('kubernetes:core/v1:Secret').map((s) => ({ apiVersion: 'v1', kind: 'Secret', ...unwrapMock(s.inputs) }));
    expectUpstreamSound([...own, ...rendered] as KubeObject[], { registry: REGISTRY, viz: true, cni: true });
  });
});

describeWithHelm("the analyzer's built-in control plane agrees with the real render in every mode", (ctx) => {
  test.each([
    ['defaults', () => ({ identity: suppliedIdentity(certs), webhookCertificates: webhooks() }), 'linkerd', false],
    ['HA', () => ({ identity: suppliedIdentity(certs), webhookCertificates: webhooks(), highAvailability: true }), 'linkerd', true],
    ['CNI', () => ({ identity: suppliedIdentity(certs), webhookCertificates: webhooks(), cni: true }), 'linkerd', false],
    ['cert-manager', () => ({ identity: MeshIdentity.certManager() }), 'linkerd', false],
    ['imageRegistry', () => ({ identity: suppliedIdentity(certs), webhookCertificates: webhooks(), imageRegistry: REGISTRY, imagePullSecrets: ['mirror-pull'] }), 'linkerd', false],
    ['another namespace', () => ({ identity: MeshIdentity.certManager(), namespace: 'mesh-system' }), 'mesh-system', false],
  ] as Array<[string, () => LinkerdMeshConstructProps, string, boolean]>)('%s: workloads, Services and webhooks', (_name, props, ns, ha) => {
    const { objects } = synthWithHelm(ctx, props());
    const controlPlane = objects.filter((o) => o.metadata.namespace === ns || o.kind.endsWith('WebhookConfiguration'));
    const model = linkerdControlPlaneModel({ namespace: ns, highAvailability: ha });
    expect(workloads(controlPlane).map((w) => w.name)).toEqual(['linkerd-destination', 'linkerd-heartbeat', 'linkerd-identity', 'linkerd-proxy-injector']);
    expect(workloads(model)).toEqual(workloads(controlPlane));
    expect(services(model)).toEqual(services(controlPlane));
    expect(webhookFacts(model)).toEqual(webhookFacts(controlPlane));
  });

  test('viz: the built-in viz model agrees with the real viz render', () => {
    const { objects } = synthWithHelm(ctx, { identity: suppliedIdentity(certs), webhookCertificates: webhooks(), viz: true });
    const viz = objects.filter((o) => o.metadata.namespace === 'linkerd-viz' || (o.kind !== 'Namespace' && o.metadata.name?.startsWith('linkerd-tap')) || o.kind === 'APIService');
    const model = linkerdVizModel('linkerd-viz');
    const strip = (ws: ReturnType<typeof workloads>) => ws.map(({ serviceAccount: _sa, opaquePorts: _o, ...rest }) => rest);
    expect(workloads(viz)).toHaveLength(5);
    expect(strip(workloads(model))).toEqual(strip(workloads(viz)));
    expect(services(model)).toEqual(services(viz));
    expect(webhookFacts(model)).toEqual(webhookFacts(viz));
  });
});
