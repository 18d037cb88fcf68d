/**
 * The cdk8s `ExternalWorkloadHost`: the ExternalWorkload it emits (after the mesh's CRDs), the bundle
 * and cloud-init it writes into the synth output, validation, and the cost of many hosts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { seedHostProps, TRUST_ANCHOR_PEM } from './support/mesh';
import { ExternalWorkloadHost, type ExternalWorkloadHostProps } from '../../src/cdk8s/external-workload-host';
import type { MeshReference } from '../../src/cdk8s/mesh-reference';
import { planHost, renderCloudInit, renderShellBundle } from '../../src/core/host';
import { expectConformant } from '../support/conformance';
import { defaultMesh } from '../support/mesh';
import { temporaryFolders } from '../support/tmp';

const tmp = temporaryFolders('lc-ewh-');

function setup(withCrds = true) {
  const app = Testing.app();
  const chart = new Chart(app, 'mesh-expansion');
  const crds = withCrds ? new ApiObject(chart, 'crds', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'linkerd-crds-stand-in', namespace: 'linkerd' } }) : undefined;
  const mesh: MeshReference = { info: defaultMesh(), crds };
  return { app, chart, mesh };
}

const props = (mesh: MeshReference, overrides: Partial<ExternalWorkloadHostProps> = {}): ExternalWorkloadHostProps => {
  const { trustAnchorPem: _t, ...rest } = seedHostProps();
  return { ...rest, trustAnchorPem: TRUST_ANCHOR_PEM, mesh, ...overrides };
};

describe('ExternalWorkloadHost (cdk8s)', () => {
  test('emits the ExternalWorkload as its default child, after the mesh CRDs, conformant', () => {
    const { chart, mesh } = setup();
    const host = new ExternalWorkloadHost(chart, 'vm', props(mesh));
    expect(host.node.defaultChild).toBe(host.apiObject);
    const objects = Testing.synth(chart);
    const ew = objects.find((o) => o.kind === 'ExternalWorkload');
    expect(ew).toEqual({
      apiVersion: 'workload.linkerd.io/v1beta1',
      kind: 'ExternalWorkload',
      metadata: { name: 'external-workload', namespace: 'mixed-env', labels: { location: 'vm', workload_name: 'external-workload', app: 'legacy-app' } },
      spec: {
        meshTLS: { identity: 'spiffe://root.linkerd.cluster.local/external-workload', serverName: 'external-workload.cluster.local' },
        ports: [{ name: 'http', port: 80 }],
        workloadIPs: [{ ip: '192.0.2.10' }],
      },
    });
    expect(objects.findIndex((o) => o.kind === 'ConfigMap')).toBeLessThan(objects.indexOf(ew));
    expect(host.apiObject.node.dependencies).toContain(mesh.crds);
    expectConformant(objects.filter((o) => o.kind === 'ExternalWorkload'));
  });

  test('readiness: emits the reporter\'s ServiceAccount, Role (get, patch on this status only), RoleBinding and an empty token Secret; none without it', () => {
    const { chart, mesh } = setup();
    new ExternalWorkloadHost(chart, 'vm', props(mesh));
    const objects = Testing.synth(chart);
    const rbac = objects.filter((o) => ['ServiceAccount', 'Role', 'RoleBinding', 'Secret'].includes(o.kind));
    expect(rbac.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([
      'ServiceAccount external-workload-readiness',
      'Role external-workload-readiness',
      'RoleBinding external-workload-readiness',
      'Secret external-workload-readiness-token',
    ]);
    expectConformant(rbac);
    expect(rbac[1].rules).toEqual([{ apiGroups: ['workload.linkerd.io'], resources: ['externalworkloads/status'], resourceNames: ['external-workload'], verbs: ['get', 'patch'] }]);
    // nothing secret in the manifest: the token controller fills the Secret in the cluster
    expect(rbac[3]).not.toHaveProperty('data');
    expect(rbac[3]).not.toHaveProperty('stringData');
    const other = setup();
    new ExternalWorkloadHost(other.chart, 'vm', props(other.mesh, { readiness: false }));
    expect(Testing.synth(other.chart).map((o) => o.kind)).toEqual(['ConfigMap', 'ExternalWorkload']);
  });

  test('implements ExternalWorkloadReference: name, namespace, identity, labels, ports, IPs', () => {
    const { chart, mesh } = setup();
    const host = new ExternalWorkloadHost(chart, 'vm', props(mesh));
    expect(host.externalWorkload).toEqual({
      name: 'external-workload',
      namespace: 'mixed-env',
      identity: 'spiffe://root.linkerd.cluster.local/external-workload',
      labels: { location: 'vm', workload_name: 'external-workload', app: 'legacy-app' },
      ports: [{ name: 'http', port: 80 }],
      workloadIps: ['192.0.2.10'],
    });
  });

  test('writeBundles writes every host\'s bundle (0755) and cloud-init into <outdir>/hosts/<nodeName>/', () => {
    const app = new App({ outdir: tmp() });
    const chart = new Chart(app, 'mesh-expansion');
    const mesh: MeshReference = { info: defaultMesh() };
    const a = new ExternalWorkloadHost(chart, 'a', props(mesh));
    new ExternalWorkloadHost(chart, 'b', props(mesh, { name: 'pos-2', nodeName: 'store-2', workloadIps: ['192.0.2.11'], identity: undefined, serverName: undefined }));
    app.synth();
    const written = ExternalWorkloadHost.writeBundles(app, app.outdir);
    expect(written.map((f) => path.relative(app.outdir, f))).toEqual([
      'hosts/my-vm/bundle.sh',
      'hosts/my-vm/cloud-init.yaml',
      'hosts/store-2/bundle.sh',
      'hosts/store-2/cloud-init.yaml',
    ]);
    const bundle = fs.readFileSync(path.join(app.outdir, 'hosts/my-vm/bundle.sh'), 'utf8');
    expect(bundle).toBe(renderShellBundle(a.plan));
    expect((fs.statSync(path.join(app.outdir, 'hosts/my-vm/bundle.sh')).mode % 0o1000).toString(8)).toBe('755');
    expect(fs.readFileSync(path.join(app.outdir, 'hosts/my-vm/cloud-init.yaml'), 'utf8')).toBe(renderCloudInit(a.plan));
    expect(parse(fs.readFileSync(path.join(app.outdir, 'hosts/store-2/cloud-init.yaml'), 'utf8')).write_files[0].content).toContain('spiffe://root.linkerd.cluster.local/mixed-env/pos-2');
  });

  test('the plan is the core plan for the same props (one function per prop path)', () => {
    const { chart, mesh } = setup();
    const host = new ExternalWorkloadHost(chart, 'vm', props(mesh));
    expect(host.plan).toEqual(planHost('x', seedHostProps(), defaultMesh()));
  });

  test('the trust anchor defaults to the mesh\'s; without one the error names the prop', () => {
    const { chart } = setup();
    const withAnchor = { info: defaultMesh(), trustAnchorPem: TRUST_ANCHOR_PEM } as MeshReference;
    const host = new ExternalWorkloadHost(chart, 'vm', props(withAnchor, { trustAnchorPem: undefined }));
    expect(host.plan.steps.find((s) => s.id === 'spire-upstream-ca')!.create).toContain(TRUST_ANCHOR_PEM);
    expect(() => new ExternalWorkloadHost(chart, 'vm2', props({ info: defaultMesh() }, { trustAnchorPem: undefined }))).toThrow(
      "[mesh-expansion/vm2] trustAnchorPem: received undefined; expected the mesh's trust anchor certificate in PEM",
    );
  });

  test('bad props fail at construction with the construct path, the prop, the value and what is allowed', () => {
    const { chart, mesh } = setup();
    expect(() => new ExternalWorkloadHost(chart, 'vm', props(mesh, { workloadIps: ['10.0.0.1', '10.0.0.2'] }))).toThrow(
      '[mesh-expansion/vm] workloadIps: received ["10.0.0.1","10.0.0.2"]; expected at most one address per IP family',
    );
  });

  test('two hosts on one machine name are refused when bundles are written', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const mesh: MeshReference = { info: defaultMesh() };
    new ExternalWorkloadHost(chart, 'a', props(mesh));
    new ExternalWorkloadHost(chart, 'b', props(mesh, { name: 'other' }));
    expect(() => ExternalWorkloadHost.writeBundles(app, tmp())).toThrow(/\[c\/b\] nodeName: received "my-vm"; expected a machine name no other host uses \(c\/a uses it\)/);
  });

  test('200 hosts (10,000 workloads at 50 per host) construct and synthesize quickly; creating one renders no script', () => {
    const { app, chart, mesh } = setup();
    const scope = new Construct(chart, 'fleet');
    const started = process.hrtime.bigint();
    const hosts: ExternalWorkloadHost[] = [];
    for (let i = 0; i < 200; i++) {
      hosts.push(new ExternalWorkloadHost(scope, `vm-${i}`, props(mesh, { name: `pos-${i}`, nodeName: `store-${i}`, identity: undefined, serverName: undefined, workloadIps: [`10.20.${Math.floor(i / 250)}.${(i % 250) + 1}`] })));
    }
    const constructMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(hosts.every((h) => (h as unknown as { cachedPlan?: unknown }).cachedPlan === undefined)).toBe(true);
    const objects = app.synthYaml();
    const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(objects.split('kind: ExternalWorkload').length - 1).toBe(200);
    expect(constructMs).toBeLessThan(2000);
    expect(totalMs).toBeLessThan(10000);
  });
});

describe('ExternalWorkloadHost on a mesh with a cert-manager identity (cdk8s)', () => {
  test('without trustAnchorPem it fails at construction, saying where the anchor is published', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LinkerdMesh, MeshDelivery } = require('../../src/cdk8s') as typeof import('../../src/cdk8s');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MeshIdentity } = require('../../src/core') as typeof import('../../src/core');
    const chart = new Chart(Testing.app(), 'cm');
    const mesh = new LinkerdMesh(chart, 'mesh', { identity: MeshIdentity.certManager(), delivery: MeshDelivery.flux() });
    expect((mesh as { trustAnchorPem?: string }).trustAnchorPem).toBeUndefined();
    const { trustAnchorPem: _t, ...rest } = seedHostProps();
    expect(() => new ExternalWorkloadHost(chart, 'vm', { ...rest, mesh } as ExternalWorkloadHostProps)).toThrow(
      /trustAnchorPem: received undefined; expected the mesh's trust anchor .*kubectl -n linkerd get configmap linkerd-identity-trust-roots -o jsonpath='\{\.data\.ca-bundle\\\.crt\}'/,
    );
    // the exported bundle is what the host then takes
    const host = new ExternalWorkloadHost(chart, 'vm2', { ...rest, mesh, trustAnchorPem: TRUST_ANCHOR_PEM } as ExternalWorkloadHostProps);
    expect(host.renderBundle()).toContain(TRUST_ANCHOR_PEM.trim().split('\n')[1]);
  });
});

describe('the VM runs what the cluster runs', () => {
  test('the proxy image follows the mesh: its imageRegistry and the Linkerd release of its chart version', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LinkerdMesh, MeshDelivery } = require('../../src/cdk8s') as typeof import('../../src/cdk8s');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MeshIdentity } = require('../../src/core') as typeof import('../../src/core');
    const chart = new Chart(Testing.app(), 'mirror');
    const mesh = new LinkerdMesh(chart, 'mesh', {
      identity: MeshIdentity.certManager(),
      delivery: MeshDelivery.flux(),
      imageRegistry: 'mirror.example.com/linkerd',
      version: '2026.9.1',
      gatewayApi: { managedBy: 'linkerd-crds-chart' },
    });
    const { trustAnchorPem: _t, proxy: _p, ...rest } = seedHostProps();
    const host = new ExternalWorkloadHost(chart, 'vm', { ...rest, mesh, trustAnchorPem: TRUST_ANCHOR_PEM } as ExternalWorkloadHostProps);
    const step = host.plan.steps.find((s) => s.id === 'proxy-install')!;
    expect(step.description).toBe('extract linkerd2-proxy from mirror.example.com/linkerd/proxy:edge-26.9.1 with docker');
    // (test/upstream/keys-and-names.test.ts checks the mapping against the fixture charts' appVersion)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { linkerdVersionOfChart } = require('../../src/core') as typeof import('../../src/core');
    expect(linkerdVersionOfChart('2026.8.3')).toBe('edge-26.8.3');
    expect(linkerdVersionOfChart('1.16.11')).toBeUndefined();
  });
});

describe('identity mistakes are errors before anything is applied', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { generateMeshCertificates } = require('../../src/core/identity/generate') as typeof import('../../src/core/identity/generate');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LinkerdMesh, MeshDelivery } = require('../../src/cdk8s') as typeof import('../../src/cdk8s');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { MeshIdentity } = require('../../src/core') as typeof import('../../src/core');

  test("a VM trust anchor that is not the mesh's, or not a root, is refused", async () => {
    const mine = await generateMeshCertificates();
    const other = await generateMeshCertificates();
    const chart = new Chart(Testing.app(), 'ids');
    const mesh = new LinkerdMesh(chart, 'mesh', {
      identity: MeshIdentity.supplied({
        trustAnchorPem: mine.trustAnchor.certificatePem,
        issuerCertificatePem: mine.issuer.certificatePem,
        issuerKeyPem: mine.issuer.keyPem,
      }),
      delivery: MeshDelivery.flux(),
      gatewayApi: { managedBy: 'linkerd-crds-chart' },
    });
    // (an existing agent: the anchor is what is checked here, not a SPIRE upstream CA)
    const { trustAnchorPem: _t, ...rest } = seedHostProps({ spire: { kind: 'existing-agent', socketPath: '/run/spire/agent.sock' } });
    expect(() => new ExternalWorkloadHost(chart, 'vm1', { ...rest, mesh, trustAnchorPem: other.trustAnchor.certificatePem } as ExternalWorkloadHostProps)).toThrow(
      /\[ids\/vm1\] trustAnchorPem: received "certificate CN=root\.linkerd\.cluster\.local \(SHA-256 [0-9A-F:.]+"; expected one of the mesh's trust anchors/,
    );
    expect(() => new ExternalWorkloadHost(chart, 'vm2', { ...rest, mesh, trustAnchorPem: mine.issuer.certificatePem } as ExternalWorkloadHostProps)).toThrow(
      /trustAnchorPem: received "certificate CN=identity\.linkerd\.cluster\.local"; expected a trust anchor: a self-signed CA certificate/,
    );
    // the mesh's own anchor (the default) is accepted
    expect(() => new ExternalWorkloadHost(chart, 'vm3', { ...rest, mesh } as ExternalWorkloadHostProps)).not.toThrow();
  });

  test('two hosts with the same ExternalWorkload name and namespace fail synthesis (one SPIFFE identity for both)', () => {
    const { app, chart, mesh } = setup();
    new ExternalWorkloadHost(chart, 'a', props(mesh, { nodeName: 'vm-a' }));
    new ExternalWorkloadHost(chart, 'b', props(mesh, { nodeName: 'vm-b' }));
    expect(() => app.synth()).toThrow(/\[mesh-expansion\/a\] name, namespace: received "mixed-env\/external-workload", also used by mesh-expansion\/b; expected one ExternalWorkload/);
  });
});
