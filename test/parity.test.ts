/**
 * One API, two frameworks: for every construct, the same props on both sides (Pulumi under mocks,
 * with some values as Outputs) produce the same Kubernetes objects, byte for byte once rendered as
 * canonical JSON, and the same check messages for the same bad input (the scope prefix aside: a
 * construct path on one side, a resource name on the other).
 *
 * The differences that remain are listed, with their reasons, in docs/parity.md; each is asserted
 * here as the exception it is, so a new difference fails this test.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { ApiObject, Chart, Testing } from 'cdk8s';
import * as cdk8s from '../src/cdk8s';
import { main } from '../src/cli/main';
import { MeshIdentity as CoreMeshIdentity } from '../src/core/identity';
import { meshInfoWithDefaults } from '../src/core/mesh-info';
import * as pul from '../src/pulumi';
import { seedHostProps, SPIRE_CA_PEM, TRUST_ANCHOR_PEM, UPSTREAM_CA_KEY_PEM } from './host/support/mesh';
import { pulumiTestEnv, resolveOutput, type MockedResource, type PulumiTestEnv } from './support/pulumi';

const MESH = meshInfoWithDefaults({ trustDomain: 'cluster.local', clusterNetworks: ['10.0.0.0/8'] });
const web = { podSelector: { matchLabels: { app: 'web' } } };

let env: PulumiTestEnv;
beforeAll(async () => {
  env = await pulumiTestEnv();
});
beforeEach(() => env.reset());

class Stub extends pulumi.CustomResource {
  public constructor(name: string) {
    super('test:index:Stub', name, {}, {});
  }
}

function pulumiMesh(withAnchor = TRUST_ANCHOR_PEM): pul.MeshReference {
  return { info: MESH, crds: new Stub(`crds-${Math.random()}`), controlPlane: new Stub(`cp-${Math.random()}`), trustAnchorPem: pulumi.output(withAnchor) };
}

function cdk8sChart() {
  const chart = new Chart(Testing.app(), 'parity');
  const crds = new ApiObject(chart, 'crds', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'linkerd-crds-stand-in', namespace: 'linkerd' } });
  return { chart, mesh: { info: MESH, crds } as cdk8s.MeshReference, crds };
}

/** Unwraps the mocks' secret envelopes, deeply. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('4dabf18193072939515e22adb298388d' in o && 'value' in o) return plain(o.value);
    return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** `kubernetes:<group>/<version>:<Kind>` → `apiVersion`. */
function apiVersionOf(type: string): string {
  const gv = type.slice('kubernetes:'.length, type.lastIndexOf(':'));
  return gv.startsWith('core/') ? gv.slice('core/'.length) : gv;
}

/** The Kubernetes objects Pulumi registered (charts aside), as objects. */
function pulumiObjects(resources: readonly MockedResource[]): Record<string, unknown>[] {
  return resources
    .filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:helm.sh/'))
    .map((r) => {
      const { apiVersion: _a, kind: _k, ...rest } = plain(r.inputs) as Record<string, unknown>;
      return { apiVersion: apiVersionOf(r.type), kind: r.type.slice(r.type.lastIndexOf(':') + 1), ...rest };
    });
}

/** Canonical JSON: objects sorted by apiVersion, kind, namespace, name; keys sorted. */
function canonical(objects: readonly Record<string, any>[]): string {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sortKeys((v as any)[k])])) : v;
  const key = (o: Record<string, any>) => `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ''} ${o.metadata?.name}`;
  return JSON.stringify([...objects].sort((a, b) => key(a).localeCompare(key(b))).map(sortKeys), null, 1);
}

/** cdk8s objects (the CRD stand-in aside). */
function cdk8sObjects(chart: Chart): Record<string, any>[] {
  return (Testing.synth(chart) as Record<string, any>[]).filter((o) => o.metadata?.name !== 'linkerd-crds-stand-in');
}

/** A check message without its scope (`[parity/x] ` or `[MeshAuthorization x] `). */
function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message.replace(/\[[^\]]+\] /g, '');
  }
  return '(no error)';
}

describe('the same props give the same objects on both sides', () => {
  test('MeshAuthorization', async () => {
    const props = { namespace: 'shop', workload: web, port: 'http', protocol: 'HTTP/1' as const, allow: [{ serviceAccount: 'client' }, { networks: ['10.0.0.0/8'] }] };
    const { chart, mesh } = cdk8sChart();
    new cdk8s.MeshAuthorization(chart, 'web', { ...props, mesh });
    new pul.MeshAuthorization('web', { ...props, mesh: pulumiMesh() });
    await env.settle();
    expect(canonical(pulumiObjects(env.resources))).toBe(canonical(cdk8sObjects(chart)));
  });

  test('MeshAuthorization with routes and a rate limit', async () => {
    const props = {
      namespace: 'shop',
      workload: web,
      port: 8080,
      protocol: 'HTTP/2' as const,
      routes: [{ name: 'read', matches: [{ path: '/books', method: 'GET' as const }], allow: [{ serviceAccount: 'reader' }] }],
      rateLimit: { requestsPerSecond: 100 },
    };
    const { chart, mesh } = cdk8sChart();
    new cdk8s.MeshAuthorization(chart, 'api', { ...props, mesh });
    new pul.MeshAuthorization('api', { ...props, mesh: pulumiMesh() });
    await env.settle();
    expect(canonical(pulumiObjects(env.resources))).toBe(canonical(cdk8sObjects(chart)));
  });

  test('MeshAuthorization grown with allowFrom and addRoute', async () => {
    const props = { namespace: 'shop', workload: web, port: 8080, protocol: 'HTTP/1' as const, allow: [{ serviceAccount: 'client' }] };
    const route = { name: 'admin', matches: [{ path: '/admin', method: 'POST' as const }], allow: [{ serviceAccount: 'ops' }] };
    const { chart, mesh } = cdk8sChart();
    const c = new cdk8s.MeshAuthorization(chart, 'web', { ...props, mesh });
    c.allowFrom({ namespace: 'books' });
    c.addRoute(route);
    const p = new pul.MeshAuthorization('web', { ...props, mesh: pulumiMesh() });
    p.allowFrom({ namespace: 'books' });
    p.addRoute(route);
    await env.settle();
    expect(canonical(pulumiObjects(env.resources))).toBe(canonical(cdk8sObjects(chart)));
    expect(p.resources).toHaveLength(pulumiObjects(env.resources).length);
    expect(message(() => c.allowFrom({ serviceAccount: 'Bad_Name' }))).toBe(message(() => p.allowFrom({ serviceAccount: 'Bad_Name' })));
  });

  test('ServiceProfile and EgressNetwork', async () => {
    const sp = { namespace: 'shop', service: 'books', routes: [{ name: 'list', method: 'GET' as const, path: '/books', timeout: '2s' }] };
    const eg = { namespace: 'shop', name: 'internet', trafficPolicy: 'Deny' as const };
    const { chart, mesh } = cdk8sChart();
    new cdk8s.ServiceProfile(chart, 'sp', { ...sp, mesh });
    new cdk8s.EgressNetwork(chart, 'eg', { ...eg, mesh });
    const m = pulumiMesh();
    new pul.ServiceProfile('sp', { ...sp, mesh: m });
    new pul.EgressNetwork('eg', { ...eg, mesh: m });
    await env.settle();
    expect(canonical(pulumiObjects(env.resources))).toBe(canonical(cdk8sObjects(chart)));
  });

  test('LinkerdNetworkPolicies (API server CIDRs an Output on Pulumi)', async () => {
    const props = { namespaces: ['shop', 'books'], egressLockdown: true as const };
    const { chart, mesh } = cdk8sChart();
    new cdk8s.LinkerdNetworkPolicies(chart, 'np', { ...props, mesh, apiServerCidrs: ['172.20.0.0/28'], analyze: false });
    new pul.LinkerdNetworkPolicies('np', { ...props, mesh: pulumiMesh(), apiServerCidrs: [pulumi.output('172.20.0.0/28')] });
    await env.settle();
    expect(canonical(pulumiObjects(env.resources))).toBe(canonical(cdk8sObjects(chart)));
  });

  test('ExternalWorkloadHost: the ExternalWorkload and the readiness RBAC (IPs and the anchor Outputs on Pulumi)', async () => {
    const { trustAnchorPem: _t, spire: _s, ...rest } = seedHostProps();
    const spire = { kind: 'local' as const, upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'url' as const, sha256: 'a'.repeat(64) } };
    const { chart, mesh } = cdk8sChart();
    new cdk8s.ExternalWorkloadHost(chart, 'vm', { ...rest, spire, trustAnchorPem: TRUST_ANCHOR_PEM, mesh });
    new pul.ExternalWorkloadHost('vm', {
      ...rest,
      workloadIps: rest.workloadIps.map((ip) => pulumi.output(ip)),
      mesh: pulumiMesh(),
      spire: { ...spire, upstreamCaKeyPem: UPSTREAM_CA_KEY_PEM },
      readiness: { apiServerUrl: 'https://203.0.113.10:6443', apiServerCaPem: TRUST_ANCHOR_PEM },
      connection: { host: '192.0.2.10', user: 'root', privateKey: 'KEY' },
    });
    await env.settle();
    const p = pulumiObjects(env.resources);
    const c = cdk8sObjects(chart);
    // the token controller fills the token Secret in the cluster; the Pulumi mocks stand in for it
    const withoutTokenData = (objs: Record<string, any>[]) => objs.map((o) => (o.kind === 'Secret' ? { ...o, data: undefined } : o));
    expect(p.map((o) => o.kind).sort()).toEqual(['ExternalWorkload', 'Role', 'RoleBinding', 'Secret', 'ServiceAccount']);
    expect(canonical(withoutTokenData(p))).toBe(canonical(withoutTokenData(c)));
  });

  test('MeshExpansionService', async () => {
    const props = { namespace: 'mixed-env', name: 'legacy-app', ports: [{ name: 'http', port: 80 }], selector: { app: 'legacy-app' } };
    const { chart } = cdk8sChart();
    new cdk8s.MeshExpansionService(chart, 'svc', props);
    new pul.MeshExpansionService('svc', props);
    await env.settle();
    expect(canonical(pulumiObjects(env.resources))).toBe(canonical(cdk8sObjects(chart)));
  });
});

describe('the same props give the same plans, values and annotations on both sides', () => {
  test('LinkerdMesh: namespaces, issuer and webhook Secrets, and the chart values (cdk8s through Flux, Pulumi through helm.v4.Chart)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-parity-'));
    try {
      const io = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => '', cwd: dir };
      expect(await main(['certs', '--out', 'certs', '--no-spire-ca'], io)).toBe(0);
      const certs = path.join(dir, 'certs');
      const settings = { viz: true, highAvailability: true, gatewayApi: { managedBy: 'linkerd-crds-chart' as const } };
      const chart = new Chart(Testing.app(), 'parity');
      const cdkMesh = new cdk8s.LinkerdMesh(chart, 'mesh', { ...settings, identity: CoreMeshIdentity.fromDirectory(certs), delivery: cdk8s.MeshDelivery.flux() });
      const pulMesh = new pul.LinkerdMesh('mesh', { ...settings, identity: pul.MeshIdentity.fromDirectory(certs), webhookCertificates: pul.WebhookCertificates.fromDirectory(certs) });
      await env.settle();
      const c = Testing.synth(chart) as Record<string, any>[];
      // the objects the mesh emits itself (not through a chart)
      const own = (o: Record<string, any>) => ['Namespace', 'Secret', 'ConfigMap'].includes(o.kind);
      expect(canonical(pulumiObjects(env.resources).filter(own))).toBe(canonical(c.filter(own)));
      // the values of each chart
      for (const chartName of ['linkerd-crds', 'linkerd-control-plane', 'linkerd-viz']) {
        const release = c.find((o) => o.kind === 'HelmRelease' && o.spec.chart.spec.chart === chartName)!;
        const resource = env.resources.find((r) => r.type === 'kubernetes:helm.sh/v4:Chart' && r.inputs.chart === chartName)!;
        expect(canonical([plain(resource.inputs.values) as any])).toBe(canonical([release.spec.values ?? {}]));
        expect(resource.inputs.version).toBe(release.spec.chart.spec.version);
        expect(resource.inputs.namespace).toBe(release.spec.targetNamespace ?? release.metadata.namespace);
      }
      expect(cdkMesh.info).toEqual(pulMesh.info);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('ExternalWorkloadHost: the same host plan (every step, file and command), IPs as Outputs on Pulumi', async () => {
    const { trustAnchorPem: _t, spire: _s, ...rest } = seedHostProps();
    const spire = { kind: 'local' as const, upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'url' as const, sha256: 'a'.repeat(64) } };
    const { chart, mesh } = cdk8sChart();
    const cdkHost = new cdk8s.ExternalWorkloadHost(chart, 'vm', { ...rest, spire, trustAnchorPem: TRUST_ANCHOR_PEM, mesh });
    const pulHost = new pul.ExternalWorkloadHost('vm', {
      ...rest,
      workloadIps: rest.workloadIps.map((ip) => pulumi.output(ip)),
      mesh: pulumiMesh(),
      spire: { ...spire, upstreamCaKeyPem: UPSTREAM_CA_KEY_PEM },
      readiness: { apiServerUrl: pulumi.output('https://203.0.113.10:6443'), apiServerCaPem: TRUST_ANCHOR_PEM },
      connection: { host: '192.0.2.10', user: 'root', privateKey: 'KEY' },
    });
    await env.settle();
    const pulPlan = await resolveOutput(pulHost.plan);
    expect(JSON.stringify(pulPlan)).toBe(JSON.stringify(cdkHost.plan));
    // a difference that remains (docs/parity.md): on Pulumi the IPs may be Outputs, so they are host.workloadIps, not in externalWorkload
    const { workloadIps, ...info } = cdkHost.externalWorkload;
    expect(pulHost.externalWorkload).toEqual(info);
    expect(await resolveOutput(pulHost.workloadIps)).toEqual(workloadIps);
  });

  test('SpireServerHost: the same resolved server', async () => {
    const props = { nodeName: 'spire-1', address: '192.0.2.50', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'url' as const, sha256: 'c'.repeat(64) } };
    const { chart, mesh } = cdk8sChart();
    const c = new cdk8s.SpireServerHost(chart, 'spire', { ...props, mesh, trustAnchorPem: TRUST_ANCHOR_PEM });
    const p = new pul.SpireServerHost('spire', { ...props, mesh: pulumiMesh(), upstreamCaKeyPem: UPSTREAM_CA_KEY_PEM, connection: { host: '192.0.2.50', privateKey: 'KEY' } });
    await env.settle();
    expect(JSON.stringify(await resolveOutput(p.resolved))).toBe(JSON.stringify(c.resolved));
    expect([p.address, p.port, p.trustDomain, p.nodeName]).toEqual([c.address, c.port, c.trustDomain, c.nodeName]);
  });

  test('MeshInjection: the same pod-template annotations for a workload and a Job', () => {
    const options = { proxyCpuRequest: '100m', opaquePorts: [3306], trustAnchorsPem: TRUST_ANCHOR_PEM } as any;
    const chart = new Chart(Testing.app(), 'inject');
    const deployment = new ApiObject(chart, 'web', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { template: { metadata: {}, spec: { containers: [] } } } });
    const job = new ApiObject(chart, 'migrate', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'shop' }, spec: { template: { metadata: {}, spec: { containers: [{ name: 'm', image: 'm', command: ['/migrate'] }] } } } });
    cdk8s.MeshInjection.workload(deployment as any, options);
    cdk8s.MeshInjection.job(job as any, {});
    const [cdkDeployment, cdkJob] = Testing.synth(chart) as any[];
    const pulDeployment = pul.MeshInjection.workloadArgs('Deployment', { spec: { template: { metadata: {}, spec: { containers: [] } } } } as any, options) as any;
    const pulJob = pul.MeshInjection.jobArgs('Job', { spec: { template: { metadata: {}, spec: { containers: [{ name: 'm', image: 'm', command: ['/migrate'] }] } } } } as any, {}) as any;
    expect(pulDeployment.spec.template.metadata.annotations).toEqual(cdkDeployment.spec.template.metadata.annotations);
    expect(pulJob.spec.template).toEqual(cdkJob.spec.template);
  });

  test('the default inbound policy: the same Namespace and pod-template annotation, and the value Linkerd reads', () => {
    const chart = new Chart(Testing.app(), 'dip');
    const namespace = new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    const deployment = new ApiObject(chart, 'web', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { template: { metadata: {}, spec: { containers: [] } } } });
    cdk8s.annotateDefaultInboundPolicy(namespace, 'cluster-authenticated');
    cdk8s.annotateDefaultInboundPolicy(deployment, 'deny');
    const [cdkNamespace, cdkDeployment] = Testing.synth(chart) as any[];
    const pulNamespace = pul.annotateDefaultInboundPolicy({ metadata: { name: 'shop' } }, 'cluster-authenticated') as any;
    const transform = pul.defaultInboundPolicyTransformation('deny');
    const pulDeployment = transform({
      type: 'kubernetes:apps/v1:Deployment',
      name: 'web',
      props: { metadata: { name: 'web', namespace: 'shop' }, spec: { template: { metadata: {}, spec: { containers: [] } } } },
      opts: {},
      resource: undefined as any,
    })!.props as any;
    expect(pulNamespace.metadata.annotations).toEqual(cdkNamespace.metadata.annotations);
    expect(pulDeployment.spec.template.metadata.annotations).toEqual(cdkDeployment.spec.template.metadata.annotations);
    // the annotation Linkerd's policy controller reads (linkerd2 `policy-controller/k8s/index/src/inbound/workload.rs`), values of `defaults.rs`
    expect(cdkNamespace.metadata.annotations).toEqual({ 'config.linkerd.io/default-inbound-policy': 'cluster-authenticated' });
    expect(cdkDeployment.spec.template.metadata.annotations).toEqual({ 'config.linkerd.io/default-inbound-policy': 'deny' });
  });
});

describe('the same bad input gives the same message on both sides', () => {
  test.each([
    ['MeshAuthorization: a bad port', { namespace: 'shop', workload: web, port: 70000, allow: [{ serviceAccount: 'a' }] }],
    ['MeshAuthorization: a bad service account', { namespace: 'shop', workload: web, port: 80, allow: [{ serviceAccount: 'Not_A_Name' }] }],
    ['MeshAuthorization: no namespace', { workload: web, port: 80, allow: [{ serviceAccount: 'a' }] }],
  ])('%s', (_name, props: any) => {
    const { chart, mesh } = cdk8sChart();
    const c = message(() => {
      new cdk8s.MeshAuthorization(chart, 'bad', { ...props, mesh });
      Testing.synth(chart);
    });
    const p = message(() => new pul.MeshAuthorization('bad', { ...props, mesh: pulumiMesh() }));
    expect(c).not.toBe('(no error)');
    expect(p).toBe(c);
  });

  test('LinkerdNetworkPolicies: a bad namespace', () => {
    const { chart, mesh } = cdk8sChart();
    const c = message(() => {
      new cdk8s.LinkerdNetworkPolicies(chart, 'bad', { namespaces: ['Shop'], mesh, apiServerCidrs: ['172.20.0.0/28'], analyze: false });
      Testing.synth(chart);
    });
    const p = message(() => new pul.LinkerdNetworkPolicies('bad', { namespaces: ['Shop'], mesh: pulumiMesh(), apiServerCidrs: ['172.20.0.0/28'] }));
    expect(c).not.toBe('(no error)');
    expect(p).toBe(c);
  });

  test('ExternalWorkloadHost: a hostile node name', () => {
    const { trustAnchorPem: _t, ...rest } = seedHostProps({ nodeName: 'vm;reboot' });
    const { chart, mesh } = cdk8sChart();
    const c = message(() => {
      new cdk8s.ExternalWorkloadHost(chart, 'bad', { ...rest, trustAnchorPem: TRUST_ANCHOR_PEM, mesh });
      Testing.synth(chart);
    });
    const { spire, ...noSpire } = rest;
    const p = message(
      () =>
        new pul.ExternalWorkloadHost('bad', {
          ...noSpire,
          spire: { ...(spire as any), upstreamCaKeyPem: UPSTREAM_CA_KEY_PEM },
          mesh: pulumiMesh(),
          connection: { host: '192.0.2.10', user: 'root', privateKey: 'KEY' },
        }),
    );
    expect(c).toMatch(/nodeName: received "vm;reboot"/);
    expect(p).toBe(c);
  });
});

describe('identity modes exist on both sides', () => {
  test('MeshIdentity.existingSecret: no issuer Secret, the anchor in the values, the same objects and values', async () => {
    const settings = { gatewayApi: { managedBy: 'linkerd-crds-chart' as const } };
    const chart = new Chart(Testing.app(), 'parity');
    new cdk8s.LinkerdMesh(chart, 'mesh', {
      ...settings,
      identity: CoreMeshIdentity.existingSecret({ trustAnchorPem: TRUST_ANCHOR_PEM }),
      webhookCertificates: (await import('../src/core/identity')).WebhookCertificates.certManager(),
      delivery: cdk8s.MeshDelivery.flux(),
    });
    const mesh = new pul.LinkerdMesh('mesh', {
      ...settings,
      identity: pul.MeshIdentity.existingSecret({ trustAnchorPem: pulumi.output(TRUST_ANCHOR_PEM) }),
      webhookCertificates: pul.WebhookCertificates.certManager(),
    });
    await env.settle();
    const c = Testing.synth(chart) as Record<string, any>[];
    const own = (o: Record<string, any>) => o.kind !== 'HelmRelease' && o.kind !== 'HelmRepository';
    expect(canonical(pulumiObjects(env.resources).filter(own))).toBe(canonical(c.filter(own)));
    expect(pulumiObjects(env.resources).filter((o) => o.kind === 'Secret')).toEqual([]);
    const release = c.find((o) => o.kind === 'HelmRelease' && o.spec.chart.spec.chart === 'linkerd-control-plane')!;
    const resource = env.resources.find((r) => r.type === 'kubernetes:helm.sh/v4:Chart' && r.inputs.chart === 'linkerd-control-plane')!;
    expect(canonical([plain(resource.inputs.values) as any])).toBe(canonical([release.spec.values]));
    expect(await resolveOutput(mesh.trustAnchorPem)).toBe(TRUST_ANCHOR_PEM);
    const pulumiMessage = message(() => new pul.LinkerdMesh('bad', { identity: pul.MeshIdentity.existingSecret({ trustAnchorPem: 'nope' }) }));
    expect(pulumiMessage).toMatch(/identity\.trustAnchorPem: received "nope"/);
    expect(pulumiMessage).toBe(
      message(() => new cdk8s.LinkerdMesh(new Chart(Testing.app(), 'x'), 'bad', { identity: CoreMeshIdentity.existingSecret({ trustAnchorPem: 'nope' }), delivery: cdk8s.MeshDelivery.flux() })),
    );
  });
});

describe('webhook certificate modes exist on both sides', () => {
  test('WebhookCertificates.existingSecrets: no webhook Secret, the CA bundle in the values, the same objects and values, the same message', async () => {
    const { WebhookCertificates: CoreWebhookCertificates } = await import('../src/core/identity');
    const settings = { gatewayApi: { managedBy: 'linkerd-crds-chart' as const } };
    const chart = new Chart(Testing.app(), 'parity');
    new cdk8s.LinkerdMesh(chart, 'mesh', {
      ...settings,
      identity: CoreMeshIdentity.existingSecret({ trustAnchorPem: TRUST_ANCHOR_PEM }),
      webhookCertificates: CoreWebhookCertificates.existingSecrets({ caBundlePem: TRUST_ANCHOR_PEM }),
      delivery: cdk8s.MeshDelivery.flux(),
    });
    new pul.LinkerdMesh('mesh', {
      ...settings,
      identity: pul.MeshIdentity.existingSecret({ trustAnchorPem: pulumi.output(TRUST_ANCHOR_PEM) }),
      webhookCertificates: pul.WebhookCertificates.existingSecrets({ caBundlePem: pulumi.output(TRUST_ANCHOR_PEM) }),
    });
    await env.settle();
    const c = Testing.synth(chart) as Record<string, any>[];
    const own = (o: Record<string, any>) => o.kind !== 'HelmRelease' && o.kind !== 'HelmRepository';
    expect(canonical(pulumiObjects(env.resources).filter(own))).toBe(canonical(c.filter(own)));
    // nothing holding a key: the Secrets are managed elsewhere
    expect(pulumiObjects(env.resources).filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(env.resources.filter((r) => r.type.startsWith('tls:'))).toEqual([]);
    for (const name of ['linkerd-control-plane', 'linkerd-crds']) {
      const release = c.find((o) => o.kind === 'HelmRelease' && o.spec.chart.spec.chart === name)!;
      const resource = env.resources.find((r) => r.type === 'kubernetes:helm.sh/v4:Chart' && r.inputs.chart === name)!;
      expect(canonical([plain(resource.inputs.values) as any])).toBe(canonical([release.spec.values]));
    }
    const values = plain(env.resources.find((r) => r.type === 'kubernetes:helm.sh/v4:Chart' && r.inputs.chart === 'linkerd-control-plane')!.inputs.values) as any;
    expect(JSON.stringify(values)).toContain(JSON.stringify(TRUST_ANCHOR_PEM).slice(1, 40));
    const pulumiMessage = message(
      () =>
        new pul.LinkerdMesh('bad', {
          identity: pul.MeshIdentity.existingSecret({ trustAnchorPem: TRUST_ANCHOR_PEM }),
          webhookCertificates: pul.WebhookCertificates.existingSecrets({ caBundlePem: 'nope' }),
        }),
    );
    expect(pulumiMessage).toMatch(/webhookCertificates\.caBundlePem: received "nope"/);
    expect(pulumiMessage).toBe(
      message(
        () =>
          new cdk8s.LinkerdMesh(new Chart(Testing.app(), 'x'), 'bad', {
            identity: CoreMeshIdentity.existingSecret({ trustAnchorPem: TRUST_ANCHOR_PEM }),
            webhookCertificates: CoreWebhookCertificates.existingSecrets({ caBundlePem: 'nope' }),
            delivery: cdk8s.MeshDelivery.flux(),
          }),
      ),
    );
  });
});
