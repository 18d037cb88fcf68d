/**
 * The Pulumi `LinkerdMesh` under mocks: each identity mode (generated, supplied as strings and as
 * Outputs, cert-manager), the order Namespace → CRDs → control plane (captured dependsOn), keys as
 * secrets, values, jaeger and webhook checks.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { Chart, Testing } from 'cdk8s';
import { isMockSecret, testCertificates, unwrapMock } from './support';
import * as cdk8s from '../../src/cdk8s';
import { main } from '../../src/cli/main';
import { MeshIdentity as CoreMeshIdentity } from '../../src/core/identity';
import type { GeneratedMeshCertificates } from '../../src/core/identity/generate';
import { meshAnnotations } from '../../src/core/mesh/injection';
import { LinkerdMesh, MeshIdentity, MeshInjection, WebhookCertificates, type LinkerdMeshArgs } from '../../src/pulumi';
import { GraphRecorder, pulumiTestEnv, resolveOutput, type PulumiTestEnv } from '../support/pulumi';

const CHART = 'kubernetes:helm.sh/v4:Chart';

let env: PulumiTestEnv;
let certs: GeneratedMeshCertificates;

beforeAll(async () => {
  certs = await testCertificates();
  env = await pulumiTestEnv({
    stateFor: (r) => {
      if (r.type === 'tls:index/privateKey:PrivateKey') return { privateKeyPem: `KEY-${r.name}` };
      if (r.type === 'tls:index/selfSignedCert:SelfSignedCert' || r.type === 'tls:index/locallySignedCert:LocallySignedCert') return { certPem: `CERT-${r.name}` };
      if (r.type === 'tls:index/certRequest:CertRequest') return { certRequestPem: `CSR-${r.name}` };
      if (r.type === 'kubernetes:core/v1:ConfigMap') return { data: { 'ca-bundle.crt': 'ANCHOR-FROM-TRUST-MANAGER' } };
      return {};
    },
  });
});
beforeEach(() => env.reset());

/** Records the props every child was created with (to check secretness, which the mocks do not show). */
class PropsRecorder {
  public readonly props = new Map<string, Record<string, any>>();
  public readonly transformation: pulumi.ResourceTransformation = (args) => {
    this.props.set(args.name, args.props);
    return undefined;
  };
}

async function build(name: string, args: LinkerdMeshArgs) {
  const graph = new GraphRecorder();
  const props = new PropsRecorder();
  const mesh = new LinkerdMesh(name, args, { transformations: [graph.transformation, props.transformation] });
  await env.settle();
  await graph.settle();
  return { mesh, graph, props };
}

test('generated identity: tls resources, ordered Namespace → CRDs → control plane, keys secret, anchor in values', async () => {
  const { mesh, graph, props } = await build('mesh', { identity: MeshIdentity.generated(), viz: true });
  expect(env.byName('mesh').type).toBe('linkerd-constructs:index:LinkerdMesh');
  // every child has the component as parent
  expect(graph.nodes.filter((n) => n.name !== 'mesh').every((n) => n.parent === 'mesh')).toBe(true);

  expect(env.byName('mesh-trust-anchor-key').inputs).toMatchObject({ algorithm: 'ECDSA', ecdsaCurve: 'P256' });
  expect(env.byName('mesh-trust-anchor').inputs).toMatchObject({ isCaCertificate: true, subject: { commonName: 'root.linkerd.cluster.local' } });
  expect(env.byName('mesh-issuer').inputs).toMatchObject({ isCaCertificate: true, earlyRenewalHours: 720, validityPeriodHours: 8760 });
  expect(env.byName('mesh-issuer-csr').inputs).toMatchObject({ dnsNames: ['identity.linkerd.cluster.local'] });

  expect(graph.dependsOn('mesh-crds')).toContain('mesh-namespace-linkerd');
  expect(graph.dependsOn('mesh-control-plane')).toEqual(expect.arrayContaining(['mesh-crds', 'mesh-secret-linkerd-linkerd-identity-issuer', 'mesh-secret-linkerd-linkerd-proxy-injector-k8s-tls']));
  expect(graph.reaches('mesh-control-plane', 'mesh-namespace-linkerd')).toBe(true);
  expect(graph.dependsOn('mesh-viz')).toEqual(expect.arrayContaining(['mesh-control-plane', 'mesh-namespace-linkerd-viz', 'mesh-secret-linkerd-viz-tap-k8s-tls']));
  expect(graph.reaches('mesh-crds', 'mesh-control-plane')).toBe(false);

  // the issuer Secret: kubernetes.io/tls with the generated PEMs, its content a Pulumi secret
  const secretProps = props.props.get('mesh-secret-linkerd-linkerd-identity-issuer')!;
  expect(await pulumi.isSecret(pulumi.output(secretProps.data))).toBe(true);
  const recorded = env.byName('mesh-secret-linkerd-linkerd-identity-issuer').inputs;
  expect(isMockSecret(recorded.data)).toBe(true);
  const data = unwrapMock(recorded.data);
  expect(Buffer.from(data['tls.key'], 'base64').toString()).toBe('KEY-mesh-issuer-key\n');
  expect(Buffer.from(data['tls.crt'], 'base64').toString()).toBe('CERT-mesh-issuer\n');
  expect(await pulumi.isSecret(pulumi.output(props.props.get('mesh-secret-linkerd-linkerd-proxy-injector-k8s-tls')!.data))).toBe(true);

  const cp = env.byName('mesh-control-plane').inputs;
  expect(cp).toMatchObject({ chart: 'linkerd-control-plane', name: 'linkerd-control-plane', namespace: 'linkerd', version: '2026.8.3', repositoryOpts: { repo: 'https://helm.linkerd.io/edge' } });
  expect(cp.values.identityTrustAnchorsPEM).toBe('CERT-mesh-trust-anchor');
  expect(cp.values.identity).toEqual({ externalCA: false, issuer: { scheme: 'kubernetes.io/tls' } });
  expect(cp.values.proxyInjector).toEqual({ externalSecret: true, caBundle: 'CERT-mesh-webhook' });
  expect(JSON.stringify(cp.values)).not.toContain('KEY-');
  expect(env.byName('mesh-viz').inputs.values.tap).toEqual({ externalSecret: true, caBundle: 'CERT-mesh-webhook' });

  expect(await resolveOutput(mesh.trustAnchorPem)).toBe('CERT-mesh-trust-anchor');
  expect(await pulumi.isSecret(mesh.trustAnchorPem)).toBe(false);
  expect(mesh.info.endpoints.identityAddress).toBe('linkerd-identity-headless.linkerd.svc.cluster.local.:8080');
  expect(env.byType(CHART).map((r) => r.name)).toEqual(['mesh-crds', 'mesh-control-plane', 'mesh-viz']);
});

test('supplied PEMs (plain strings) are checked at construction; the issuer key is stored as a secret', async () => {
  const identity = MeshIdentity.supplied({
    trustAnchorPem: certs.trustAnchor.certificatePem,
    issuerCertificatePem: certs.issuer.certificatePem,
    issuerKeyPem: certs.issuer.keyPem,
  });
  const { mesh, props } = await build('sup', { identity, webhookCertificates: WebhookCertificates.supplied({ certificatePem: certs.webhook!.certificatePem, keyPem: certs.webhook!.keyPem }) });
  expect(await pulumi.isSecret(pulumi.output(props.props.get('sup-secret-linkerd-linkerd-identity-issuer')!.data))).toBe(true);
  expect(env.byName('sup-control-plane').inputs.values.identityTrustAnchorsPEM).toBe(certs.trustAnchor.certificatePem);
  expect(await resolveOutput(mesh.trustAnchorPem)).toBe(certs.trustAnchor.certificatePem);
  expect(env.byType('tls:index/privateKey:PrivateKey')).toEqual([]);

  expect(() => new LinkerdMesh('bad', { identity, trustDomain: 'prod.example' })).toThrow(/\[LinkerdMesh bad\] identity\.issuerCertificatePem: .*identity\.linkerd\.prod\.example/);
  expect(() => new LinkerdMesh('bad2', { identity, namespace: 'mesh', webhookCertificates: WebhookCertificates.supplied({ certificatePem: certs.webhook!.certificatePem, keyPem: certs.webhook!.keyPem }) })).toThrow(
    /webhookCertificates\.certificatePem: .*missing linkerd-proxy-injector\.mesh\.svc/,
  );
});

test('supplied PEMs may be Outputs of other resources (checked when known) and keep their secrecy', async () => {
  const identity = MeshIdentity.supplied({
    trustAnchorPem: pulumi.output(certs.trustAnchor.certificatePem),
    issuerCertificatePem: pulumi.output(certs.issuer.certificatePem),
    issuerKeyPem: pulumi.secret(certs.issuer.keyPem),
  });
  const { mesh, props } = await build('out', { identity, version: pulumi.output('2026.7.2') });
  expect(await resolveOutput(mesh.trustAnchorPem)).toBe(certs.trustAnchor.certificatePem);
  expect(await pulumi.isSecret(pulumi.output(props.props.get('out-secret-linkerd-linkerd-identity-issuer')!.data))).toBe(true);
  expect(env.byName('out-crds').inputs.version).toBe('2026.7.2');
  // values and anchor stay public (only the key is secret)
  expect(isMockSecret(env.byName('out-control-plane').inputs.values)).toBe(false);
  expect(env.byName('out-control-plane').inputs.values.identityTrustAnchorsPEM).toBe(certs.trustAnchor.certificatePem);
  expect(await pulumi.isSecret(mesh.trustAnchorPem)).toBe(false);
});

test('cert-manager identity: the rotation objects, cert-manager webhooks, the anchor read back from the trust bundle', async () => {
  const { mesh, graph } = await build('cm', { identity: MeshIdentity.certManager(), highAvailability: true });
  const types = env.resources.map((r) => `${r.type} ${r.name}`);
  expect(types).toEqual(
    expect.arrayContaining([
      'kubernetes:cert-manager.io/v1:Issuer cm-issuer-cert-manager-linkerd-trust-root-issuer',
      'kubernetes:cert-manager.io/v1:Certificate cm-certificate-cert-manager-linkerd-trust-anchor',
      'kubernetes:cert-manager.io/v1:ClusterIssuer cm-clusterissuer-linkerd-trust-anchor',
      'kubernetes:cert-manager.io/v1:Certificate cm-certificate-linkerd-linkerd-identity-issuer',
      'kubernetes:trust.cert-manager.io/v1alpha1:Bundle cm-bundle-linkerd-identity-trust-roots',
      'kubernetes:cert-manager.io/v1:Certificate cm-certificate-linkerd-linkerd-proxy-injector',
    ]),
  );
  expect(env.byType('kubernetes:core/v1:Secret')).toEqual([]);
  const cp = env.byName('cm-control-plane').inputs.values;
  expect(cp.identity).toEqual({ externalCA: true, issuer: { scheme: 'kubernetes.io/tls' } });
  expect(cp.proxyInjector).toEqual({ externalSecret: true, injectCaFrom: 'linkerd/linkerd-proxy-injector' });
  expect(cp.controllerReplicas).toBe(3);
  expect(graph.dependsOn('cm-control-plane')).toEqual(expect.arrayContaining(['cm-crds', 'cm-certificate-linkerd-linkerd-identity-issuer', 'cm-bundle-linkerd-identity-trust-roots']));
  expect(graph.dependsOn('cm-trust-roots')).toEqual(['cm-control-plane']);
  expect(await resolveOutput(mesh.trustAnchorPem)).toBe('ANCHOR-FROM-TRUST-MANAGER');
});

test('jaeger on a chart version without it is rejected at construction; a pinned 2025.9 chart is installed after the control plane', async () => {
  expect(() => new LinkerdMesh('j1', { identity: MeshIdentity.certManager(), jaeger: true })).toThrow(/\[LinkerdMesh j1\] jaeger: received "2026\.8\.3"; .*edge-25\.10\.1/);
  const { graph } = await build('j2', { identity: MeshIdentity.certManager(), jaeger: { version: '2025.9.1' } });
  expect(env.byName('j2-jaeger').inputs).toMatchObject({ chart: 'linkerd-jaeger', version: '2025.9.1', namespace: 'linkerd-jaeger' });
  expect(graph.dependsOn('j2-jaeger')).toEqual(expect.arrayContaining(['j2-control-plane', 'j2-namespace-linkerd-jaeger']));
});

test('CNI: the linkerd2-cni chart in its namespace, before the control plane', async () => {
  const { graph } = await build('cni', { identity: MeshIdentity.certManager(), cni: true, imageRegistry: 'mirror.example/linkerd' });
  expect(env.byName('cni-cni').inputs).toMatchObject({ chart: 'linkerd2-cni', namespace: 'linkerd-cni', values: { image: { name: 'mirror.example/linkerd/cni-plugin' } } });
  expect(graph.dependsOn('cni-control-plane')).toEqual(expect.arrayContaining(['cni-cni', 'cni-crds']));
  expect(env.byName('cni-control-plane').inputs.values).toMatchObject({ cniEnabled: true, controllerImage: 'mirror.example/linkerd/controller' });
});

test('each option reaches the chart values', async () => {
  await build('opt', {
    identity: MeshIdentity.certManager(),
    namespace: 'mesh',
    trustDomain: 'prod.example',
    defaultInboundPolicy: 'cluster-authenticated',
    clusterNetworks: ['10.244.0.0/16'],
    proxyResources: { cpuRequest: '20m' },
    proxyLogLevel: 'warn',
    controllerLogLevel: 'warn',
    nativeSidecar: true,
    enableShutdownEndpoint: false,
    installGatewayApiCrds: true,
    imagePullSecrets: ['pull'],
    extraValues: { controlPlane: { podLabels: { team: 'platform' } } },
  });
  expect(env.byName('opt-crds').inputs).toMatchObject({ namespace: 'mesh', values: { installGatewayAPI: true } });
  expect(env.byName('opt-control-plane').inputs.values).toMatchObject({
    identityTrustDomain: 'prod.example',
    clusterNetworks: '10.244.0.0/16',
    controllerLogLevel: 'warn',
    imagePullSecrets: [{ name: 'pull' }],
    podLabels: { team: 'platform' },
    proxy: { defaultInboundPolicy: 'cluster-authenticated', resources: { cpu: { request: '20m' } }, logLevel: 'warn', nativeSidecar: true, enableShutdownEndpoint: false },
    proxyInjector: { externalSecret: true, injectCaFrom: 'mesh/linkerd-proxy-injector' },
  });
  expect(env.byName('opt-namespace-mesh').inputs.metadata.labels['linkerd.io/control-plane-ns']).toBe('mesh');
});

test('bad props fail at construction, before any resource is registered', async () => {
  expect(() => new LinkerdMesh('bad', { identity: MeshIdentity.generated(), clusterNetworks: ['not-a-cidr'] })).toThrow(
    '[LinkerdMesh bad] clusterNetworks[0]: received "not-a-cidr"; expected a CIDR',
  );
  await env.settle();
  expect(env.resources.filter((r) => r.name === 'bad' || r.name.startsWith('bad-'))).toEqual([]);
});

test('the mesh reference can be consumed like any MeshReference', async () => {
  const { mesh } = await build('ref', { identity: MeshIdentity.generated() });
  const consumer = new k8s.core.v1.ConfigMap('consumer', { data: { anchor: mesh.trustAnchorPem } }, { dependsOn: [mesh.crds] });
  await env.settle();
  expect(consumer).toBeDefined();
  expect(env.byName('consumer').inputs.data.anchor).toBe('CERT-ref-trust-anchor');
});

test('an anchor rotation in stage bundle: Pulumi publishes the same two anchors and stamps the same pod-template digest as cdk8s', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-pulumi-rotation-'));
  try {
    const io = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => '', cwd: base };
    expect(await main(['certs', '--out', 'certs', '--no-spire-ca'], io)).toBe(0);
    expect(await main(['certs', 'rotate-anchor', '--dir', 'certs'], io)).toBe(0);
    const dir = path.join(base, 'certs');
    const { mesh } = await build('rot', { identity: MeshIdentity.fromDirectory(dir), webhookCertificates: WebhookCertificates.fromDirectory(dir) });
    const pulumiAnchors = env.byName('rot-control-plane').inputs.values.identityTrustAnchorsPEM as string;
    expect(pulumiAnchors.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    // cdk8s, same directory
    const chart = new Chart(Testing.app(), 'app');
    const cdkMesh = new cdk8s.LinkerdMesh(chart, 'mesh', { identity: CoreMeshIdentity.fromDirectory(dir), delivery: cdk8s.MeshDelivery.argoCd(), gatewayApi: { managedBy: 'linkerd-crds-chart' } });
    const cp = (Testing.synth(chart) as any[]).find((o) => o.kind === 'Application' && o.spec.source.chart === 'linkerd-control-plane');
    expect(cp.spec.source.helm.valuesObject.identityTrustAnchorsPEM).toBe(pulumiAnchors);
    expect(cdkMesh.trustAnchorPem).toBe(await resolveOutput(mesh.trustAnchorPem));
    // the same issuer Secret (certificate, published anchors, key) on both sides
    const cdkIssuer = (Testing.synth(chart) as any[]).find((o) => o.kind === 'Secret' && o.metadata.name === 'linkerd-identity-issuer');
    expect(unwrapMock(env.byName('rot-secret-linkerd-linkerd-identity-issuer').inputs.data)).toEqual(cdkIssuer.data);
    expect(Buffer.from(cdkIssuer.data['ca.crt'], 'base64').toString().match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    // the same digest on a workload meshed on either side
    const args = MeshInjection.workloadArgs('Deployment', { spec: { template: { metadata: {} } } } as any, { trustAnchorsPem: pulumiAnchors });
    const digest = (args as any).spec.template.metadata.annotations['linkerd.io/trust-root-sha256'];
    expect(digest).toBe(meshAnnotations({ trustAnchorsPem: cdkMesh.trustAnchorPem })['linkerd.io/trust-root-sha256']);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

describe('a generated identity rotates on program data: anchor generations and stages, the issuer on its renewal schedule', () => {
  const SECRET = (n: string) => `${n}-secret-linkerd-linkerd-identity-issuer`;
  const secretData = (n: string) => {
    const data = unwrapMock(env.byName(SECRET(n)).inputs.data);
    return Object.fromEntries(Object.entries(data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  };

  test('stage bundle: generations 1 and 2 published, the issuer still signed by 1, the issuer Secret before the control plane', async () => {
    const { graph } = await build('g', { identity: MeshIdentity.generated({ trustAnchorGeneration: 2, rotationStage: 'bundle' }) });
    expect(env.byType('tls:index/selfSignedCert:SelfSignedCert').map((r) => r.name).sort()).toEqual(['g-trust-anchor', 'g-trust-anchor-g2', 'g-webhook']);
    expect(unwrapMock(env.byName('g-issuer').inputs.caPrivateKeyPem)).toBe('KEY-g-trust-anchor-key');
    expect(env.byName('g-issuer').inputs.caCertPem).toBe('CERT-g-trust-anchor');
    const anchors = env.byName('g-control-plane').inputs.values.identityTrustAnchorsPEM;
    expect(anchors).toBe('CERT-g-trust-anchor\nCERT-g-trust-anchor-g2\n');
    expect(secretData('g')['ca.crt']).toBe(anchors);
    expect(graph.dependsOn('g-control-plane')).toContain(SECRET('g'));
    expect(graph.reaches(SECRET('g'), 'g-control-plane')).toBe(false);
    for (const key of env.byType('tls:index/privateKey:PrivateKey')) expect(key.name).toMatch(/-key$/);
    expect(isMockSecret(env.byName(SECRET('g')).inputs.data)).toBe(true);
  });

  test('stage issuer: the issuer re-signed by generation 2 and applied after the control plane that publishes both anchors', async () => {
    const { graph } = await build('g', { identity: MeshIdentity.generated({ trustAnchorGeneration: 2, rotationStage: 'issuer' }) });
    expect(unwrapMock(env.byName('g-issuer').inputs.caPrivateKeyPem)).toBe('KEY-g-trust-anchor-g2-key');
    expect(isMockSecret(env.byName('g-issuer').inputs.caPrivateKeyPem)).toBe(true); // the anchor key a secret wherever it goes
    expect(env.byName('g-control-plane').inputs.values.identityTrustAnchorsPEM).toBe('CERT-g-trust-anchor\nCERT-g-trust-anchor-g2\n');
    // the order Linkerd's identity controller needs (pkg/identity/service.go refuses an issuer its anchors do not verify)
    expect(graph.dependsOn(SECRET('g'))).toContain('g-control-plane');
    expect(graph.reaches('g-control-plane', SECRET('g'))).toBe(false);
    expect(graph.reaches(SECRET('g'), 'g-namespace-linkerd')).toBe(true);
  });

  test('stage finish: generation 2 only; generation 1 is gone from the program (Pulumi deletes it)', async () => {
    const { graph } = await build('g', { identity: MeshIdentity.generated({ trustAnchorGeneration: 2, rotationStage: 'finish', issuerValidityHours: 2000, issuerEarlyRenewalHours: 200 }) });
    expect(env.byType('tls:index/selfSignedCert:SelfSignedCert').map((r) => r.name).sort()).toEqual(['g-trust-anchor-g2', 'g-webhook']);
    expect(env.byName('g-issuer').inputs).toMatchObject({ validityPeriodHours: 2000, earlyRenewalHours: 200 });
    expect(unwrapMock(env.byName('g-issuer').inputs.caPrivateKeyPem)).toBe('KEY-g-trust-anchor-g2-key');
    expect(isMockSecret(env.byName('g-issuer').inputs.caPrivateKeyPem)).toBe(true); // the anchor key a secret wherever it goes
    expect(env.byName('g-control-plane').inputs.values.identityTrustAnchorsPEM).toBe('CERT-g-trust-anchor-g2');
    expect(graph.dependsOn('g-control-plane')).toContain(SECRET('g'));
  });

  test.each([
    [{ rotationStage: 'bundle' as const }, /rotationStage: received "bundle"; expected trustAnchorGeneration of at least 2 in stage bundle/],
    [{ trustAnchorGeneration: 0 }, /trustAnchorGeneration: received 0; expected a whole number, at least 1/],
    [{ issuerEarlyRenewalHours: 8760 }, /issuerEarlyRenewalHours: received 8760; expected less than issuerValidityHours \(8760\)/],
    [{ issuerValidityHours: 100000 }, /issuerValidityHours: received 100000; expected at most trustAnchorValidityHours \(87600\)/],
    [{ rotationStage: 'later' as any }, /rotationStage: received "later"; expected one of none, bundle, issuer, finish/],
  ])('%j is refused naming the arg', (args, message) => {
    expect(() => MeshIdentity.generated(args)).toThrow(message);
  });
});

test('a directory in stage issuer: both sides apply the issuer after the control plane (Pulumi dependsOn, cdk8s order and Argo CD wave)', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-pulumi-rotation-'));
  try {
    const io = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => '', cwd: base };
    expect(await main(['certs', '--out', 'certs', '--no-spire-ca'], io)).toBe(0);
    const dir = path.join(base, 'certs');
    const order = (delivery: any) => {
      const chart = new Chart(Testing.app(), 'app');
      new cdk8s.LinkerdMesh(chart, 'mesh', { identity: CoreMeshIdentity.fromDirectory(dir), delivery, gatewayApi: { managedBy: 'linkerd-crds-chart' } });
      return Testing.synth(chart) as any[];
    };
    const issuerIndex = (objs: any[]) => objs.findIndex((o) => o.kind === 'Secret' && o.metadata.name === 'linkerd-identity-issuer');
    const controlPlaneIndex = (objs: any[]) => objs.findIndex((o) => o.kind === 'HelmRelease' && o.spec.chart.spec.chart === 'linkerd-control-plane');
    const wave = (objs: any[]) => objs[issuerIndex(objs)].metadata.annotations['argocd.argoproj.io/sync-wave'];

    // stage none: the issuer first on both sides
    let objs = order(cdk8s.MeshDelivery.flux());
    expect(controlPlaneIndex(objs)).toBeGreaterThan(-1);
    expect(issuerIndex(objs)).toBeLessThan(controlPlaneIndex(objs));
    expect(wave(order(cdk8s.MeshDelivery.argoCd()))).toBe('0');
    await build('d0', { identity: MeshIdentity.fromDirectory(dir), webhookCertificates: WebhookCertificates.fromDirectory(dir) });

    for (const _ of ['bundle', 'issuer']) expect(await main(['certs', 'rotate-anchor', '--dir', 'certs'], io)).toBe(0);
    objs = order(cdk8s.MeshDelivery.flux());
    expect(issuerIndex(objs)).toBeGreaterThan(controlPlaneIndex(objs));
    const argo = order(cdk8s.MeshDelivery.argoCd());
    const cpWave = argo.find((o) => o.kind === 'Application' && o.spec.source.chart === 'linkerd-control-plane').metadata.annotations['argocd.argoproj.io/sync-wave'];
    expect(Number(wave(argo))).toBeGreaterThan(Number(cpWave));

    const { graph } = await build('d2', { identity: MeshIdentity.fromDirectory(dir), webhookCertificates: WebhookCertificates.fromDirectory(dir) });
    expect(graph.dependsOn('d2-secret-linkerd-linkerd-identity-issuer')).toContain('d2-control-plane');
    expect(graph.reaches('d2-control-plane', 'd2-secret-linkerd-linkerd-identity-issuer')).toBe(false);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
