/**
 * Chart values: every value path the mesh writes exists in the upstream chart's values.yaml
 * (HA-only paths in values-ha.yaml; CRDs values in linkerd-crds.values.yaml), HA applies every
 * override of values-ha.yaml, each prop lands where it should, and extraValues wins last.
 */
import { execFileSync } from 'child_process';
import { parse } from 'yaml';
import {
  deepMergeValues,
  meshChartValues,
  type HelmValues,
  type LinkerdMeshProps,
  type MeshValuesInput,
} from '../../src/core/mesh';
import { describeWithFixtures, fixturePath, readFixture } from '../support/fixtures';

type Settings = Omit<LinkerdMeshProps, 'identity' | 'webhookCertificates'>;

/** Leaf paths of a values tree (arrays and empty objects are leaves). */
function leafPaths(v: unknown, prefix = ''): string[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length === 0) return [prefix];
  return Object.entries(v as HelmValues).flatMap(([k, child]) => leafPaths(child, prefix ? `${prefix}.${k}` : k));
}

/** True when `path` names a key of `tree` (a null/empty value in values.yaml still declares the key). */
function hasPath(tree: unknown, path: string): boolean {
  let node: any = tree;
  for (const seg of path.split('.')) {
    if (typeof node !== 'object' || node === null || !(seg in node)) return false;
    node = node[seg];
  }
  return true;
}

const SUPPLIED: MeshValuesInput = { identity: { mode: 'supplied', trustAnchorPem: 'ANCHOR' }, webhooks: { mode: 'supplied', caBundlePem: 'CA' } };
const CERT_MANAGER: MeshValuesInput = { identity: { mode: 'cert-manager' }, webhooks: { mode: 'cert-manager' } };
const CHART: MeshValuesInput = { identity: { mode: 'supplied', trustAnchorPem: 'ANCHOR' }, webhooks: { mode: 'chart' } };

const FULL: Settings = {
  namespace: 'mesh',
  trustDomain: 'prod.example',
  clusterDomain: 'cluster.example',
  highAvailability: true,
  cni: true,
  defaultInboundPolicy: 'cluster-authenticated',
  clusterNetworks: ['10.0.0.0/8', 'fd00::/8'],
  imageRegistry: 'myregistry.azurecr.io/linkerd',
  imagePullSecrets: ['acr-pull'],
  proxyResources: { cpuRequest: '50m', cpuLimit: '1', memoryRequest: '32Mi', memoryLimit: '128Mi', ephemeralStorageRequest: '1Mi', ephemeralStorageLimit: '10Mi' },
  proxyLogLevel: 'warn,linkerd=debug',
  controllerLogLevel: 'debug',
  nativeSidecar: true,
  enableShutdownEndpoint: true,
  installGatewayApiCrds: true,
  viz: true,
};

const COMBINATIONS: Array<[string, Settings, MeshValuesInput]> = [
  ['defaults, supplied certificates', {}, SUPPLIED],
  ['defaults, cert-manager', {}, CERT_MANAGER],
  ['defaults, chart-generated webhooks', {}, CHART],
  ['every option, supplied', FULL, SUPPLIED],
  ['every option, cert-manager', FULL, CERT_MANAGER],
  ['every option but HA', { ...FULL, highAvailability: false }, SUPPLIED],
  ['HA alone', { highAvailability: true }, CERT_MANAGER],
];

describeWithFixtures('value paths exist in the upstream charts', () => {
  const values = parse(readFixture('linkerd-edge-26.8.3/linkerd-control-plane.values.yaml'));
  const valuesHa = parse(readFixture('linkerd-edge-26.8.3/linkerd-control-plane.values-ha.yaml'));
  const crdsValues = parse(readFixture('linkerd-edge-26.8.3/linkerd-crds.values.yaml'));
  // the CRDs chart documents its per-route switches as comments only; they are not set by us

  // Some values the chart reads are only comments in values.yaml (e.g. heartbeatSchedule): for those,
  // the chart's own templates (in the chart tarball) are the judge.
  const templates = execFileSync('tar', ['-xzOf', fixturePath('linkerd-edge-26.8.3/charts/linkerd-control-plane-2026.8.3.tgz')], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const readByTemplates = (p: string) => new RegExp(`\\.Values\\.${p.replace(/\./g, '\\.')}\\b`).test(templates);

  test.each(COMBINATIONS)('%s: every control plane path is in values.yaml (HA-only paths in values-ha.yaml) or read by the templates', (_name, settings, input) => {
    const paths = leafPaths(meshChartValues(settings, input).controlPlane);
    expect(paths.length).toBeGreaterThan(3);
    const missing = paths.filter((p) => !hasPath(values, p) && !(settings.highAvailability && hasPath(valuesHa, p)) && !readByTemplates(p));
    expect(missing).toEqual([]);
  });

  test('heartbeat: false and heartbeatSchedule land on values the chart templates read', () => {
    expect(readByTemplates('disableHeartBeat')).toBe(true);
    expect(readByTemplates('heartbeatSchedule')).toBe(true);
    expect(readByTemplates('noSuchValue')).toBe(false);
    expect(meshChartValues({ heartbeat: false }, CHART).controlPlane).toMatchObject({ disableHeartBeat: true });
    expect(meshChartValues({ heartbeat: false }, CHART).controlPlane).not.toHaveProperty('heartbeatSchedule');
  });

  test.each(COMBINATIONS)('%s: every CRDs chart path is in linkerd-crds.values.yaml', (_name, settings, input) => {
    const crds = meshChartValues(settings, input).crds;
    const missing = leafPaths(crds).filter((p) => p !== '' && !hasPath(crdsValues, p));
    expect(missing).toEqual([]);
  });

  test('HA applies every override of values-ha.yaml with its value', () => {
    const cp = meshChartValues({ highAvailability: true }, SUPPLIED).controlPlane;
    const expectedLeaves = leafPaths(valuesHa);
    expect(expectedLeaves.length).toBeGreaterThan(15);
    const get = (tree: any, path: string) => path.split('.').reduce((n, s) => n?.[s], tree);
    const wrong = expectedLeaves.filter((p) => JSON.stringify(get(cp, p)) !== JSON.stringify(get(valuesHa, p)));
    expect(wrong).toEqual([]);
  });
});

test('each prop lands on its chart value', () => {
  const v = meshChartValues(FULL, SUPPLIED);
  const cp = v.controlPlane as any;
  expect(cp.identityTrustDomain).toBe('prod.example');
  expect(cp.clusterDomain).toBe('cluster.example');
  expect(cp.identityTrustAnchorsPEM).toBe('ANCHOR');
  expect(cp.identity).toEqual({ externalCA: false, issuer: { scheme: 'kubernetes.io/tls' } });
  expect(cp.cniEnabled).toBe(true);
  expect(cp.proxy.defaultInboundPolicy).toBe('cluster-authenticated');
  expect(cp.clusterNetworks).toBe('10.0.0.0/8,fd00::/8');
  expect(cp.proxy.image.name).toBe('myregistry.azurecr.io/linkerd/proxy');
  expect(cp.controllerImage).toBe('myregistry.azurecr.io/linkerd/controller');
  expect(cp.debugContainer.image.name).toBe('myregistry.azurecr.io/linkerd/debug');
  expect(cp.imagePullSecrets).toEqual([{ name: 'acr-pull' }]);
  // explicit proxy resources win over HA's
  expect(cp.proxy.resources).toEqual({
    'cpu': { request: '50m', limit: '1' },
    'memory': { request: '32Mi', limit: '128Mi' },
    'ephemeral-storage': { request: '1Mi', limit: '10Mi' },
  });
  expect(cp.proxy.logLevel).toBe('warn,linkerd=debug');
  expect(cp.controllerLogLevel).toBe('debug');
  expect(cp.policyController.logLevel).toBe('debug');
  expect(cp.proxy.nativeSidecar).toBe(true);
  expect(cp.proxy.enableShutdownEndpoint).toBe(true);
  for (const w of ['proxyInjector', 'profileValidator', 'policyValidator']) expect(cp[w]).toEqual({ externalSecret: true, caBundle: 'CA' });
  expect(v.crds).toEqual({ installGatewayAPI: true });
  expect(v.cni).toEqual({ image: { name: 'myregistry.azurecr.io/linkerd/cni-plugin' }, imagePullSecrets: [{ name: 'acr-pull' }] });
  expect(v.viz).toEqual({
    linkerdNamespace: 'mesh',
    clusterDomain: 'cluster.example',
    identityTrustDomain: 'prod.example',
    defaultRegistry: 'myregistry.azurecr.io/linkerd',
    prometheus: { image: { registry: 'myregistry.azurecr.io/linkerd' } },
    imagePullSecrets: [{ name: 'acr-pull' }],
    tap: { externalSecret: true, caBundle: 'CA' },
    tapInjector: { externalSecret: true, caBundle: 'CA' },
  });
});

test('cert-manager: externalCA, no anchor in values, webhook CAs injected from the Certificates', () => {
  const cp = meshChartValues({ namespace: 'mesh', viz: { namespace: 'viz' } }, CERT_MANAGER);
  expect(cp.controlPlane).toMatchObject({ identity: { externalCA: true, issuer: { scheme: 'kubernetes.io/tls' } } });
  expect(cp.controlPlane).not.toHaveProperty('identityTrustAnchorsPEM');
  expect((cp.controlPlane as any).proxyInjector).toEqual({ externalSecret: true, injectCaFrom: 'mesh/linkerd-proxy-injector' });
  expect((cp.viz as any).tap).toEqual({ externalSecret: true, injectCaFrom: 'viz/tap' });
});

test('unset props write nothing: the chart defaults stay in charge', () => {
  const cp = meshChartValues({}, CHART).controlPlane;
  // heartbeatSchedule is always set: the chart's default reads the clock (see the helm render tests)
  expect(Object.keys(cp).sort()).toEqual(['heartbeatSchedule', 'identity', 'identityTrustAnchorsPEM', 'identityTrustDomain']);
  expect(cp.heartbeatSchedule).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/);
});

test('extraValues are deep-merged last, without touching sibling values', () => {
  const v = meshChartValues(
    {
      highAvailability: true,
      extraValues: { controlPlane: { proxy: { resources: { cpu: { limit: '2' } } }, controllerReplicas: 5 }, crds: { enableHttpRoutes: true } },
    },
    SUPPLIED,
  );
  const cp = v.controlPlane as any;
  expect(cp.controllerReplicas).toBe(5);
  expect(cp.proxy.resources).toEqual({ cpu: { request: '100m', limit: '2' }, memory: { limit: '250Mi', request: '20Mi' } });
  expect(v.crds).toEqual({ enableHttpRoutes: true });
});

test('deepMergeValues replaces arrays and scalars, merges objects, and copies its inputs', () => {
  const a = { list: [1, 2], nested: { x: 1, y: { z: 1 } } };
  const b = { list: [3], nested: { y: { w: 2 } } };
  const out = deepMergeValues(a, b);
  expect(out).toEqual({ list: [3], nested: { x: 1, y: { z: 1, w: 2 } } });
  (out.nested as any).x = 99;
  expect(a.nested.x).toBe(1);
});
