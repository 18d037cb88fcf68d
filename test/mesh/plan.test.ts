/**
 * The core plan of a mesh: validation with clear errors before anything is created, the facts other
 * constructs consume, release order, the jaeger availability check and the webhook determinism rule.
 */
import { suppliedIdentity, testCertificates, writeCertDir } from './support';
import { MeshIdentity, WebhookCertificates } from '../../src/core/identity';
import {
  jaegerUnavailableReason,
  planLinkerdMesh,
  resolveMeshCertificates,
  type LinkerdMeshProps,
  type MeshDeliveryKind,
} from '../../src/core/mesh';
import { meshInfoWithDefaults } from '../../src/core/mesh-info';
import { validationMessageOf } from '../support/errors';

const CM = { identity: MeshIdentity.certManager() };

function plan(props: Partial<LinkerdMeshProps> = {}, delivery: MeshDeliveryKind = 'flux') {
  const { identity, webhookCertificates, ...settings } = { ...CM, ...props } as LinkerdMeshProps;
  return planLinkerdMesh(settings, resolveMeshCertificates({ identity, webhookCertificates }), { scope: 'app/mesh', delivery });
}

test('MeshInfo carries namespace, trust domain, policy, networks and the identity endpoints', () => {
  const p = plan({ namespace: 'mesh', trustDomain: 'prod.example', defaultInboundPolicy: 'deny', highAvailability: true, viz: true });
  expect(p.info).toMatchObject({
    namespace: 'mesh',
    trustDomain: 'prod.example',
    clusterDomain: 'cluster.local',
    defaultInboundPolicy: 'deny',
    highAvailability: true,
    cniEnabled: false,
    vizNamespace: 'linkerd-viz',
  });
  expect(p.info.clusterNetworks).toContain('10.0.0.0/8');
  expect(p.info.endpoints.identityAddress).toBe('linkerd-identity-headless.mesh.svc.cluster.local.:8080');
  expect(p.info.endpoints.identityIdentity).toBe('linkerd-identity.mesh.serviceaccount.identity.mesh.prod.example');
});

test('a mesh installed elsewhere with the defaults is described like a planned default mesh (meshInfoWithDefaults)', () => {
  expect(meshInfoWithDefaults()).toEqual(plan().info);
  // the endpoints follow the namespace, trust domain and cluster domain; the networks are a copy
  const info = meshInfoWithDefaults({ namespace: 'mesh', trustDomain: 'prod.example', vizNamespace: 'viz' });
  expect(info).toEqual(plan({ namespace: 'mesh', trustDomain: 'prod.example', viz: { namespace: 'viz' } }).info);
  expect(info.endpoints.identityIdentity).toBe('linkerd-identity.mesh.serviceaccount.identity.mesh.prod.example');
  expect(info.clusterNetworks).not.toBe(meshInfoWithDefaults().clusterNetworks);
});

test('releases are ordered CNI, CRDs, control plane, extensions, each depending on what it needs', () => {
  const p = plan({ cni: true, viz: true, jaeger: { version: '2025.9.1' } });
  expect(p.releases.map((r) => [r.id, r.chart, r.namespace, r.dependsOn])).toEqual([
    ['cni', 'linkerd2-cni', 'linkerd-cni', []],
    ['crds', 'linkerd-crds', 'linkerd', []],
    ['control-plane', 'linkerd-control-plane', 'linkerd', ['cni', 'crds']],
    ['viz', 'linkerd-viz', 'linkerd-viz', ['control-plane']],
    ['jaeger', 'linkerd-jaeger', 'linkerd-jaeger', ['control-plane']],
  ]);
  expect(p.releases.find((r) => r.id === 'jaeger')!.version).toBe('2025.9.1');
  expect(p.releases.find((r) => r.id === 'crds')!.version).toBe('2026.8.3');
  expect(p.namespaces.map((n) => n.metadata.name)).toEqual(['linkerd', 'linkerd-cni', 'linkerd-viz', 'linkerd-jaeger']);
});

test('version and repository are overridable', () => {
  const p = plan({ version: '2026.7.1', repository: 'oci://ghcr.io/example/charts' });
  expect(p.releases.map((r) => `${r.repository} ${r.version}`)).toEqual(['oci://ghcr.io/example/charts 2026.7.1', 'oci://ghcr.io/example/charts 2026.7.1']);
});

test('bad props are reported together, each naming the prop, the value and what is allowed', () => {
  const msg = validationMessageOf(() =>
    plan({
      namespace: 'Linkerd',
      clusterNetworks: ['10.0.0.0/33'],
      imageRegistry: 'https://myacr.azurecr.io/',
      defaultInboundPolicy: 'allow-all' as any,
      proxyResources: { cpuRequest: 'lots' },
    }),
  );
  expect(msg).toContain('[app/mesh] namespace: received "Linkerd"; expected a DNS-1123 label');
  expect(msg).toContain('[app/mesh] clusterNetworks[0]: received "10.0.0.0/33"; expected a CIDR');
  expect(msg).toContain('[app/mesh] imageRegistry: received "https://myacr.azurecr.io/"; expected a registry and path without scheme');
  expect(msg).toContain('[app/mesh] defaultInboundPolicy: received "allow-all"; expected one of "all-unauthenticated"');
  expect(msg).toContain('[app/mesh] proxyResources.cpuRequest: received "lots"; expected a Kubernetes quantity');
  expect(msg).toMatch(/^5 problems:/);
});

test('viz may not share the control plane namespace', () => {
  expect(validationMessageOf(() => plan({ namespace: 'mesh', viz: { namespace: 'mesh' } }))).toContain('[app/mesh] viz.namespace: received "mesh"; expected a namespace of its own');
});

test('jaeger on a chart version that no longer ships it is a clear error; older versions and the stable repo are fine', () => {
  const msg = validationMessageOf(() => plan({ jaeger: true }));
  expect(msg).toContain('[app/mesh] jaeger: received "2026.8.3"');
  expect(msg).toContain('edge-25.10.1');
  expect(msg).toContain('pin jaeger.version to a 2025.9.x chart');
  expect(validationMessageOf(() => plan({ jaeger: { version: '2025.10.2' } }))).toContain('jaeger.version: received "2025.10.2"');
  expect(() => plan({ jaeger: { version: '2025.9.3' } })).not.toThrow();
  expect(jaegerUnavailableReason('2024.11.8', 'https://helm.linkerd.io/edge')).toBeUndefined();
  expect(jaegerUnavailableReason('30.12.2', 'https://helm.linkerd.io/stable')).toBeUndefined();
});

test('chart-generated webhook certificates are rejected for helm CLI, Argo CD and Pulumi (non-deterministic), accepted with Flux', async () => {
  const certs = await testCertificates();
  const identity = suppliedIdentity(certs);
  for (const delivery of ['helm', 'argocd', 'pulumi'] as const) {
    const msg = validationMessageOf(() => plan({ identity }, delivery));
    expect(msg).toContain('[app/mesh] webhookCertificates: received "chart-generated webhook certificates"');
    expect(msg).toContain('WebhookCertificates.fromDirectory(dir)');
    expect(msg).toContain('Flux delivery');
  }
  expect(plan({ identity }, 'flux').webhooks.mode).toBe('chart');
  expect(plan({ identity }, 'flux').webhookObjects).toEqual([]);
  expect(plan({ identity, webhookCertificates: WebhookCertificates.certManager() }, 'helm').webhooks.mode).toBe('cert-manager');
});

test('webhook certificates default to cert-manager with a cert-manager identity, and to the directory with fromDirectory', async () => {
  expect(plan({}, 'argocd').webhooks.mode).toBe('cert-manager');
  const dir = writeCertDir(await testCertificates());
  const p = plan({ identity: MeshIdentity.fromDirectory(dir), viz: true }, 'helm');
  expect(p.webhooks.mode).toBe('supplied');
  expect(p.webhookObjects.map((o) => o.metadata.name)).toContain('tap-k8s-tls');
  const noWebhook = writeCertDir(await testCertificates(), false);
  expect(plan({ identity: MeshIdentity.fromDirectory(noWebhook) }, 'flux').webhooks.mode).toBe('chart');
});

test('a directory without the certificate files names them and the command that writes them', () => {
  const msg = validationMessageOf(() => MeshIdentity.fromDirectory('/nonexistent/certs'));
  expect(msg).toContain('[MeshIdentity.fromDirectory] dir: received "/nonexistent/certs"');
  expect(msg).toContain('ca.crt, issuer.crt, issuer.key');
  expect(msg).toContain('linkerd-constructs certs --out /nonexistent/certs');
});

test('supplied certificates are checked against the trust domain at plan time', async () => {
  const certs = await testCertificates();
  const identity = suppliedIdentity(certs);
  const msg = validationMessageOf(() => plan({ identity, trustDomain: 'prod.example', webhookCertificates: WebhookCertificates.certManager() }));
  expect(msg).toContain('[app/mesh] identity.issuerCertificatePem:');
  expect(msg).toContain('identity.linkerd.prod.example');
});

describe('mistakes caught before anything is applied', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Issues } = require('../../src/core/errors') as typeof import('../../src/core/errors');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateMeshProps } = require('../../src/core/mesh/plan') as typeof import('../../src/core/mesh/plan');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { checkCidr } = require('../../src/core/validation') as typeof import('../../src/core/validation');
  const check = (props: Record<string, unknown>) => {
    const issues = new Issues('mesh');
    validateMeshProps({ gatewayApi: { managedBy: 'linkerd-crds-chart' }, ...props } as never, issues);
    return { errors: issues.errors.map((e) => `${e.field}: ${e.allowed}`), warnings: issues.warnings.map((w) => `${w.field}: ${w.allowed}`) };
  };

  test('chart versions: "banana" and a stable-format version on the edge repository are errors; a newer edge version is a warning', () => {
    expect(check({ version: 'banana' }).errors).toEqual([expect.stringMatching(/^version: expected an edge chart version "YYYY\.M\.P"/)]);
    expect(check({ version: '1.16.11' }).errors).toHaveLength(1);
    expect(check({ version: '2026.8.3' })).toEqual({ errors: [], warnings: [] });
    expect(check({ version: '2026.7.1' })).toEqual({ errors: [], warnings: [] });
    expect(check({ version: '2027.1.1' }).warnings).toEqual([expect.stringMatching(/^version: expected a release this library is tested with \(up to 2026\.8\.3\)/)]);
    expect(check({ version: '1.16.11', repository: 'https://helm.linkerd.io/stable' })).toEqual({ errors: [], warnings: [] });
    expect(check({ version: 'banana', repository: 'https://charts.example.com/linkerd' }).errors).toHaveLength(1);
  });

  test('a plain-HTTP chart repository is a warning', () => {
    expect(check({ repository: 'http://charts.example.com/linkerd' }).warnings).toEqual([expect.stringMatching(/^repository: expected an https:\/\/ \(or oci:\/\/\) repository/)]);
  });

  test('a CIDR with host bits set is a warning naming the network it means', () => {
    const issues = new Issues('x');
    expect(checkCidr(issues, 'apiServerCidrs[0]', '10.0.0.1/8')).toBe(true);
    expect(checkCidr(issues, 'clusterNetworks[0]', 'fd00::1/8')).toBe(true);
    expect(checkCidr(issues, 'ok', '10.0.0.0/8')).toBe(true);
    expect(issues.warnings.map((w) => `${w.field}: ${w.allowed}`)).toEqual([
      'apiServerCidrs[0]: expected a network address: host bits are set, so this means 10.0.0.0/8; write that',
      'clusterNetworks[0]: expected a network address: host bits are set, so this means fd00::/8; write that',
    ]);
  });
});
