/**
 * Seed 000 ("Adding non-Kubernetes workloads to your mesh"), "Use authorization policies with
 * machines": the example (`examples/legacy-app-policy`) must carry the same objects as the seed,
 * field by field. Names of the AuthorizationPolicy and MeshTLSAuthentication may differ; what they
 * refer to may not.
 *
 * The seed's objects are written here by hand, with current apiVersions (the seed used
 * `policy.linkerd.io/v1beta2` for the Server). One documented difference: the seed put
 * `config.linkerd.io/default-inbound-policy: deny` on the Server, where Linkerd does not read it (it
 * reads it from pods and namespaces); the Server's own "deny by default" is `spec.accessPolicy: deny`,
 * which is what the example emits.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import * as cdk8sExample from '../../examples/legacy-app-policy/cdk8s';
import * as pulumiExample from '../../examples/legacy-app-policy/pulumi';
import { MeshAuthorization } from '../../src/cdk8s';
import { expectConformant } from '../support/conformance';
import { pulumiTestEnv } from '../support/pulumi';
import { temporaryFolders } from '../support/tmp';

type Obj = Record<string, any>;

const SEED_SERVER = {
  apiVersion: 'policy.linkerd.io/v1beta3',
  kind: 'Server',
  metadata: { name: 'in-cluster-endpoint', namespace: 'mixed-env', annotations: { 'config.linkerd.io/default-inbound-policy': 'deny' } },
  spec: { podSelector: { matchLabels: { app: 'legacy-app' } }, port: 'http', proxyProtocol: 'HTTP/1' },
};
const SEED_POLICY = {
  apiVersion: 'policy.linkerd.io/v1alpha1',
  kind: 'AuthorizationPolicy',
  metadata: { name: 'in-cluster-endpoint-authn', namespace: 'mixed-env' },
  spec: {
    targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'in-cluster-endpoint' },
    requiredAuthenticationRefs: [{ name: 'in-cluster-endpoint-mtls', kind: 'MeshTLSAuthentication', group: 'policy.linkerd.io' }],
  },
};
const SEED_MTLS = {
  apiVersion: 'policy.linkerd.io/v1alpha1',
  kind: 'MeshTLSAuthentication',
  metadata: { name: 'in-cluster-endpoint-mtls', namespace: 'mixed-env' },
  spec: { identities: ['spiffe://root.linkerd.cluster.local/external-workload'] },
};
const SEED = [SEED_SERVER, SEED_POLICY, SEED_MTLS];

function one(objects: Obj[], kind: string): Obj {
  const found = objects.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
}

/** Compares emitted objects with the seed's, field by field (names of referenced objects resolved). */
function expectSameAsSeed(objects: Obj[]): void {
  expect(objects.map((o) => o.kind).sort()).toEqual(SEED.map((o) => o.kind).sort());
  expectConformant(objects);

  const server = one(objects, 'Server');
  expect(server.apiVersion).toBe(SEED_SERVER.apiVersion);
  expect(server.metadata.name).toBe(SEED_SERVER.metadata.name);
  expect(server.metadata.namespace).toBe(SEED_SERVER.metadata.namespace);
  expect(server.spec.podSelector).toEqual(SEED_SERVER.spec.podSelector);
  expect(server.spec.port).toBe(SEED_SERVER.spec.port);
  expect(server.spec.proxyProtocol).toBe(SEED_SERVER.spec.proxyProtocol);
  expect(server.spec).not.toHaveProperty('externalWorkloadSelector');
  // the seed's deny-by-default annotation is the Server's accessPolicy
  expect(server.spec.accessPolicy).toBe(SEED_SERVER.metadata.annotations['config.linkerd.io/default-inbound-policy']);
  expect(Object.keys(server.spec).sort()).toEqual(['accessPolicy', ...Object.keys(SEED_SERVER.spec)].sort());

  const policy = one(objects, 'AuthorizationPolicy');
  expect(policy.apiVersion).toBe(SEED_POLICY.apiVersion);
  expect(policy.metadata.namespace).toBe(SEED_POLICY.metadata.namespace);
  expect(policy.spec.targetRef).toEqual(SEED_POLICY.spec.targetRef);
  expect(policy.spec.requiredAuthenticationRefs).toHaveLength(SEED_POLICY.spec.requiredAuthenticationRefs.length);
  const [ref] = policy.spec.requiredAuthenticationRefs;
  const [seedRef] = SEED_POLICY.spec.requiredAuthenticationRefs;
  expect({ group: ref.group, kind: ref.kind, namespace: ref.namespace }).toEqual({ group: seedRef.group, kind: seedRef.kind, namespace: undefined });

  const mtls = one(objects, 'MeshTLSAuthentication');
  expect(ref.name).toBe(mtls.metadata.name);
  expect(mtls.apiVersion).toBe(SEED_MTLS.apiVersion);
  expect(mtls.metadata.namespace).toBe(SEED_MTLS.metadata.namespace);
  expect(mtls.spec).toEqual(SEED_MTLS.spec);
}

function linesOfPolicy(file: string): number {
  const text = fs.readFileSync(file, 'utf8');
  const start = text.indexOf('new MeshAuthorization(');
  expect(start).toBeGreaterThan(-1);
  const end = text.indexOf('});', start);
  return text.slice(start, end + 3).split('\n').length;
}

const tmp = temporaryFolders('lc-seed-');

describe('seed 000: the legacy-app policy example', () => {
  test('the handwritten seed objects themselves pass the conformance suite (current apiVersions)', () => {
    expectConformant(SEED);
  });

  test('cdk8s: synth(outdir) writes legacy-app-policy*.yaml carrying the seed objects', () => {
    const outdir = tmp();
    const files = cdk8sExample.synth(outdir);
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const f of files) {
      expect(path.dirname(f)).toBe(outdir);
      expect(path.basename(f)).toMatch(/^legacy-app-policy.*\.yaml$/);
    }
    const objects = files.flatMap((f) => parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS() as Obj));
    expectSameAsSeed(objects);
  });

  test('Pulumi: the program creates the seed objects', async () => {
    const env = await pulumiTestEnv();
    const { serverName, policy } = pulumiExample.program();
    expect(serverName).toBe('in-cluster-endpoint');
    await env.settle();
    // the component's children, through the resources it exposes
    const names = new Set(env.resources.filter((r) => r.type.startsWith('kubernetes:')).map((r) => r.name));
    expect(names.size).toBe(policy.resources.length);
    const objects = env.resources.filter((r) => r.type.startsWith('kubernetes:')).map((r) => ({ apiVersion: r.inputs.apiVersion, kind: r.inputs.kind, metadata: r.inputs.metadata, spec: r.inputs.spec }));
    expectSameAsSeed(objects);
  });

  test('the policy part takes at most 15 lines in each example', () => {
    const dir = path.resolve(__dirname, '..', '..', 'examples', 'legacy-app-policy');
    expect(linesOfPolicy(path.join(dir, 'cdk8s.ts'))).toBeLessThanOrEqual(15);
    expect(linesOfPolicy(path.join(dir, 'pulumi.ts'))).toBeLessThanOrEqual(15);
  });

  test("given the seed's own Deployment, the named-port check finds the seed's latent mismatch (port http vs http-port)", () => {
    // The seed's Deployment names its container port "http-port" while its Server says port "http"
    // (the name the ExternalWorkload uses): on the in-cluster pods that Server governs nothing.
    const seedDeployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'legacy-app', namespace: 'mixed-env' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'legacy-app' } },
        template: {
          metadata: { labels: { app: 'legacy-app', location: 'cluster' }, annotations: { 'linkerd.io/inject': 'enabled' } },
          spec: { containers: [{ name: 'legacy-app', image: 'buoyantio/bb:v0.0.5', ports: [{ name: 'http-port', containerPort: 80 }] }] },
        },
      },
    };
    const chart = new Chart(new App(), 'seed');
    expect(
      () =>
        new MeshAuthorization(chart, 'legacy-app', {
          name: 'in-cluster-endpoint',
          workload: seedDeployment,
          port: 'http',
          protocol: 'HTTP/1',
          allow: [{ identity: 'spiffe://root.linkerd.cluster.local/external-workload' }],
        }),
    ).toThrow(
      '[seed/legacy-app] port: received "http"; expected a port name Deployment mixed-env/legacy-app exposes ("http-port"); a Server on a port name the workload does not have governs nothing',
    );
    const fixed = new MeshAuthorization(chart, 'fixed', {
      name: 'in-cluster-endpoint',
      workload: seedDeployment,
      port: 'http-port',
      protocol: 'HTTP/1',
      allow: [{ identity: 'spiffe://root.linkerd.cluster.local/external-workload' }],
    });
    expect(fixed.namespace).toBe('mixed-env');
    expectConformant(Testing.synth(chart));
  });
});
