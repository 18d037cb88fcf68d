/**
 * The Pulumi `ExternalWorkloadHost` under mocks: the resources (one remote.Command per plan step, the
 * ExternalWorkload), their inputs (scripts are the plan's, secrets only as secrets, never in plain
 * text), and the captured dependsOn graph.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { KEY_BODY_LINE, seedHostProps, SPIRE_CA_PEM, TRUST_ANCHOR_PEM, UPSTREAM_CA_KEY_PEM } from './support/mesh';
import { ValidationError } from '../../src/core/errors';
import { planHost, remoteCommandLine } from '../../src/core/host';
import { ExternalWorkloadHost, type ExternalWorkloadHostArgs } from '../../src/pulumi/external-workload-host';
import type { MeshReference } from '../../src/pulumi/mesh-reference';
import { expectConformant } from '../support/conformance';
import { defaultMesh } from '../support/mesh';
import { GraphRecorder, isSecretOutput, MOCK_CLUSTER_CA_PEM, MOCK_SERVICE_ACCOUNT_TOKEN, pulumiTestEnv, resolveOutput, type PulumiTestEnv } from '../support/pulumi';

const SSH_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAU1NILUtFWS1NQVRFUklBTC1uZXZlci1wbGFpbg==\n-----END OPENSSH PRIVATE KEY-----';
const SSH_KEY_BODY = 'b3BlbnNzaC1rZXktdjEAAAAAU1NILUtFWS1NQVRFUklBTC1uZXZlci1wbGFpbg==';

class Stub extends pulumi.CustomResource {
  public constructor(name: string) {
    super('test:index:Stub', name, {}, {});
  }
}

let env: PulumiTestEnv;
beforeAll(async () => {
  env = await pulumiTestEnv();
});
beforeEach(() => env.reset());

function meshRef(): MeshReference {
  return {
    info: defaultMesh(),
    crds: new Stub('linkerd-crds'),
    controlPlane: new Stub('linkerd-control-plane'),
    trustAnchorPem: pulumi.output(TRUST_ANCHOR_PEM),
  };
}

function args(mesh: MeshReference, overrides: Partial<ExternalWorkloadHostArgs> = {}): ExternalWorkloadHostArgs {
  return {
    mesh,
    name: 'external-workload',
    namespace: 'mixed-env',
    nodeName: 'my-vm',
    workloadIps: [pulumi.output('192.0.2.10')],
    ports: [{ name: 'http', port: 80 }],
    labels: { app: 'legacy-app' },
    identity: 'spiffe://root.linkerd.cluster.local/external-workload',
    serverName: 'external-workload.cluster.local',
    connection: { host: pulumi.output('192.0.2.10'), user: 'root', privateKey: SSH_KEY },
    spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, upstreamCaKeyPem: UPSTREAM_CA_KEY_PEM, version: pulumi.output('1.15.3'), install: { kind: 'url', sha256: pulumi.output('a'.repeat(64)) } },
    proxy: { binary: { kind: 'url', url: 'https://downloads.example.com/linkerd2-proxy', sha256: 'b'.repeat(64) } },
    readiness: { apiServerUrl: pulumi.output('https://203.0.113.10:6443') },
    ...overrides,
  };
}

const STEPS = ['preflight', 'spire-install', 'spire-upstream-ca', 'spire-server', 'spire-agent', 'spire-workload-entry', 'proxy-user', 'proxy-install', 'proxy-service', 'iptables', 'readiness'];

describe('ExternalWorkloadHost (Pulumi)', () => {
  test('creates the component, the ExternalWorkload and one remote.Command per plan step', async () => {
    const host = new ExternalWorkloadHost('vm', args(meshRef()));
    await env.settle();
    expect(env.byType('linkerd-constructs:index:ExternalWorkloadHost').map((r) => r.name)).toEqual(['vm']);
    expect(env.byType('command:remote:Command').map((r) => r.name)).toEqual(STEPS.map((s) => `vm-${s}`));
    expect(Object.keys(host.steps)).toEqual(STEPS);
    const ew = env.byType('kubernetes:workload.linkerd.io/v1beta1:ExternalWorkload');
    expect(ew).toHaveLength(1);
    const obj = { apiVersion: ew[0].inputs.apiVersion, kind: ew[0].inputs.kind, metadata: ew[0].inputs.metadata, spec: ew[0].inputs.spec };
    expect(obj.spec).toEqual({
      meshTLS: { identity: 'spiffe://root.linkerd.cluster.local/external-workload', serverName: 'external-workload.cluster.local' },
      ports: [{ name: 'http', port: 80 }],
      workloadIPs: [{ ip: '192.0.2.10' }],
    });
    expectConformant([obj]);
    expect(host.externalWorkload).toMatchObject({ name: 'external-workload', namespace: 'mixed-env', identity: 'spiffe://root.linkerd.cluster.local/external-workload' });
    expect(await resolveOutput(host.workloadIps)).toEqual(['192.0.2.10']);
  });

  test('each command runs the plan\'s scripts the way the SSH tests do (create = update, delete), with Outputs resolved', async () => {
    new ExternalWorkloadHost('vm', args(meshRef()));
    await env.settle();
    // the same host as plain props (the seed's, with the SPIRE version the args resolve to)
    const plan = planHost('x', seedHostProps({ spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, version: '1.15.3', install: { kind: 'url', sha256: 'a'.repeat(64) } } }), defaultMesh());
    plan.steps.forEach((s) => {
      const r = env.byName(`vm-${s.id}`);
      expect(r.inputs.create).toBe(remoteCommandLine(s.create));
      expect(r.inputs.update).toBe(r.inputs.create);
      expect(r.inputs.delete).toBe(remoteCommandLine(s.delete));
      expect(r.inputs.addPreviousOutputInEnv).toBe(false);
      expect(r.inputs.connection).toBeDefined();
    });
    expect(env.byName('vm-spire-upstream-ca').inputs.create).toContain(TRUST_ANCHOR_PEM.split('\n')[1]);
  });

  test('secrets: the trust anchor key goes on stdin of one step, with logging off; the SSH key and the stdin are secrets', async () => {
    const host = new ExternalWorkloadHost('vm', args(meshRef()));
    await env.settle();
    const ca = host.steps['spire-upstream-ca'];
    expect(await isSecretOutput(ca.stdin)).toBe(true);
    expect(await isSecretOutput(ca.connection)).toBe(true);
    expect(await isSecretOutput(host.steps['spire-server'].connection)).toBe(true);
    expect(env.byName('vm-spire-upstream-ca').inputs.logging).toBe('none');
    for (const id of STEPS.filter((s) => s !== 'spire-upstream-ca' && s !== 'readiness')) {
      expect(env.byName(`vm-${id}`).inputs.stdin).toBeUndefined();
      expect(env.byName(`vm-${id}`).inputs.logging).toBeUndefined();
    }
    // the trigger that re-runs the step when the key changes is a hash, and secret
    expect(await isSecretOutput(ca.triggers)).toBe(true);
  });

  test('no key material appears in plain text in any recorded input', async () => {
    new ExternalWorkloadHost('vm', args(meshRef()));
    await env.settle();
    const plain = (value: unknown): string[] => {
      // a secret reaches the mocks wrapped in a secret marker: skip what it wraps
      if (value && typeof value === 'object') {
        const o = value as Record<string, unknown>;
        if (o['4dabf18193072939515e22adb298388d'] === '1b47061264138c4ac30d75fd1eb44270') return [];
        return Object.values(o).flatMap(plain);
      }
      return typeof value === 'string' ? [value] : [];
    };
    const strings = env.resources.flatMap((r) => plain(r.inputs));
    expect(strings.length).toBeGreaterThan(30);
    expect(strings.filter((s) => s.includes(KEY_BODY_LINE) || s.includes(SSH_KEY_BODY))).toEqual([]);
    // the key did reach the mocks, as a secret
    const stdin = env.byName('vm-spire-upstream-ca').inputs.stdin;
    expect(stdin).toEqual({ '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', 'value': UPSTREAM_CA_KEY_PEM });
  });

  test('dependsOn: steps in order, the first after the control plane; the CA and the proxy after the trust anchor exists; the ExternalWorkload after the CRDs', async () => {
    const graph = new GraphRecorder();
    const mesh = meshRef();
    new ExternalWorkloadHost('vm', args(mesh), { transformations: [graph.transformation] });
    await env.settle();
    await graph.settle();
    expect(graph.dependsOn('vm-preflight')).toEqual(['linkerd-control-plane']);
    STEPS.slice(1).forEach((id, i) => expect(graph.dependsOn(`vm-${id}`)).toContain(`vm-${STEPS[i]}`));
    expect(graph.dependsOn('vm-spire-upstream-ca')).toEqual(['vm-spire-install', 'linkerd-control-plane']);
    expect(graph.dependsOn('vm-proxy-service')).toEqual(['vm-proxy-install', 'linkerd-control-plane']);
    expect(graph.reaches('vm-proxy-service', 'vm-spire-agent')).toBe(true);
    expect(graph.reaches('vm-iptables', 'vm-proxy-service')).toBe(true);
    expect(graph.reaches('vm-spire-server', 'vm-proxy-install')).toBe(false);
    const ew = graph.nodes.find((n) => n.type === 'kubernetes:workload.linkerd.io/v1beta1:ExternalWorkload')!;
    expect(ew.dependsOn).toEqual(['linkerd-crds']);
    expect(graph.nodes.filter((n) => n.type !== 'linkerd-constructs:index:ExternalWorkloadHost').every((n) => n.parent === 'vm')).toBe(true);
  });

  test('readiness: a ServiceAccount whose Role may only get and patch this workload\'s status, its binding and token Secret; the token reaches the step as a secret on stdin', async () => {
    const graph = new GraphRecorder();
    const host = new ExternalWorkloadHost('vm', args(meshRef()), { transformations: [graph.transformation] });
    await env.settle();
    await graph.settle();
    const sa = env.byType('kubernetes:core/v1:ServiceAccount');
    expect(sa.map((r) => r.inputs.metadata)).toEqual([expect.objectContaining({ name: 'external-workload-readiness', namespace: 'mixed-env' })]);
    const role = env.byType('kubernetes:rbac.authorization.k8s.io/v1:Role');
    expect(role.map((r) => r.inputs.rules)).toEqual([
      [{ apiGroups: ['workload.linkerd.io'], resources: ['externalworkloads/status'], resourceNames: ['external-workload'], verbs: ['get', 'patch'] }],
    ]);
    const binding = env.byType('kubernetes:rbac.authorization.k8s.io/v1:RoleBinding');
    expect(binding.map((r) => [r.inputs.roleRef, r.inputs.subjects])).toEqual([
      [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'external-workload-readiness' }, [{ kind: 'ServiceAccount', name: 'external-workload-readiness', namespace: 'mixed-env' }]],
    ]);
    const secret = env.byType('kubernetes:core/v1:Secret');
    expect(secret.map((r) => [r.inputs.type, r.inputs.metadata.annotations])).toEqual([
      ['kubernetes.io/service-account-token', { 'kubernetes.io/service-account.name': 'external-workload-readiness' }],
    ]);
    expect(host.readinessResources).toHaveLength(4);
    // the token: secret, on standard input, logging off, its trigger a secret hash
    const step = host.steps.readiness;
    expect(await isSecretOutput(step.stdin)).toBe(true);
    expect(await resolveOutput(step.stdin)).toBe(MOCK_SERVICE_ACCOUNT_TOKEN);
    expect(env.byName('vm-readiness').inputs.logging).toBe('none');
    expect(await isSecretOutput(step.triggers)).toBe(true);
    const plainStrings = JSON.stringify(env.resources.filter((r) => r.name !== 'vm-readiness').map((r) => r.inputs));
    expect(plainStrings).not.toContain(MOCK_SERVICE_ACCOUNT_TOKEN);
    // the CA defaults to the token Secret's ca.crt
    expect(env.byName('vm-readiness').inputs.create).toContain(MOCK_CLUSTER_CA_PEM.trim().split('\n')[1]);
    // order: the Secret after its ServiceAccount, the binding after both, the step after the redirect rules, the object and the credential
    const saName = sa[0].name;
    expect(graph.dependsOn(secret[0].name)).toEqual([saName]);
    expect(graph.dependsOn(binding[0].name).sort()).toEqual([saName, role[0].name].sort());
    expect(graph.dependsOn('vm-readiness')).toEqual(expect.arrayContaining(['vm-iptables', 'vm-externalworkload-mixed-env-external-workload', secret[0].name, binding[0].name]));
  });

  test('readiness: an explicit CA Output is used; readiness: false creates no credential and no step', async () => {
    const ca = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'mesh-expansion', 'trust-anchor.crt'), 'utf8');
    const host = new ExternalWorkloadHost('vm', args(meshRef(), { readiness: { apiServerUrl: 'https://api.example.com:6443', apiServerCaPem: pulumi.output(ca) } }));
    await env.settle();
    const plan = await resolveOutput(host.plan);
    expect(plan.steps.find((s) => s.id === 'readiness')!.create).toContain('https://api.example.com:6443/apis/workload.linkerd.io/v1beta1/namespaces/mixed-env/externalworkloads/external-workload/status');
    env.reset();
    const none = new ExternalWorkloadHost('vm2', args(meshRef(), { readiness: false }));
    await env.settle();
    expect(Object.keys(none.steps)).not.toContain('readiness');
    expect(env.byType('kubernetes:core/v1:ServiceAccount')).toEqual([]);
    expect(env.byType('kubernetes:core/v1:Secret')).toEqual([]);
  });

  test('readiness: a bad URL fails at construction', () => {
    expect(() => new ExternalWorkloadHost('bad', args(meshRef(), { readiness: { apiServerUrl: 'https://x$(id):6443' } }))).toThrow(/\[ExternalWorkloadHost bad\] readiness.apiServerUrl: received "https:\/\/x\$\(id\):6443"; expected an https:\/\/ URL/);
    expect(() => new ExternalWorkloadHost('bad2', args(meshRef(), { readiness: { apiServerUrl: 'http://203.0.113.10:6443' } }))).toThrow(/readiness.apiServerUrl/);
    // a CA given as an Output is checked by the same resolveHost once it is known (test/host/readiness.test.ts)
  });

  test('an uploaded proxy binary is copied with remote.CopyToRemote before the install step', async () => {
    const graph = new GraphRecorder();
    new ExternalWorkloadHost('vm', args(meshRef(), { proxy: { binary: { kind: 'upload', localPath: __filename } } }), { transformations: [graph.transformation] });
    await env.settle();
    await graph.settle();
    const copy = env.byName('vm-proxy-upload');
    expect(copy.type).toBe('command:remote:CopyToRemote');
    expect(copy.inputs.remotePath).toBe('/var/lib/linkerd-external-workload/upload/linkerd2-proxy');
    expect(graph.dependsOn('vm-proxy-upload')).toEqual(['vm-proxy-user']);
    expect(graph.dependsOn('vm-proxy-install')).toEqual(['vm-proxy-user', 'vm-proxy-upload']);
  });

  test('an existing SPIRE agent needs no key and creates no SPIRE steps', async () => {
    const host = new ExternalWorkloadHost('vm', args(meshRef(), { spire: { kind: 'existing-agent', socketPath: '/run/spire/agent.sock' } }));
    await env.settle();
    expect(Object.keys(host.steps)).toEqual(['preflight', 'proxy-user', 'proxy-install', 'proxy-service', 'iptables', 'readiness']);
    expect(env.resources.filter((r) => r.inputs.stdin !== undefined).map((r) => r.name)).toEqual(['vm-readiness']);
  });

  test('bad plain props fail at construction, naming the prop; a missing key is named without printing anything secret', () => {
    expect(() => new ExternalWorkloadHost('bad', args(meshRef(), { spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, upstreamCaKeyPem: UPSTREAM_CA_KEY_PEM, install: { kind: 'url', sha256: 'short' } } }))).toThrow(ValidationError);
    expect(() => new ExternalWorkloadHost('bad2', args(meshRef(), { spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, upstreamCaKeyPem: UPSTREAM_CA_KEY_PEM, install: { kind: 'url', sha256: 'short' } } }))).toThrow(
      '[ExternalWorkloadHost bad2] spire.install.sha256: received "short"',
    );
    const noKey = { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'url', sha256: 'a'.repeat(64) } } as never;
    expect(() => new ExternalWorkloadHost('bad3', args(meshRef(), { spire: noKey }))).toThrow(/\[ExternalWorkloadHost bad3\] spire.upstreamCaKeyPem: received undefined; expected the SPIRE upstream CA's private key/);
    expect(() => new ExternalWorkloadHost('bad4', args(meshRef(), { ports: [] }))).toThrow(/ports: received \[\]; expected at least one port/);
  });

  test('with sudo, every step runs through sudo -n', async () => {
    new ExternalWorkloadHost('vm', args(meshRef(), { connection: { host: '192.0.2.10', user: 'ubuntu', sudo: true } }));
    await env.settle();
    for (const id of STEPS) expect(env.byName(`vm-${id}`).inputs.create.startsWith('sudo -n bash -c ')).toBe(true);
  });
});

describe('hostile values (the Pulumi side of test/host/hostile-input.test.ts)', () => {
  const payloads = ['/tmp/x$(touch /tmp/PWNED)', '/tmp/x`touch /tmp/PWNED`', "/tmp/x'; touch /tmp/PWNED; '", '/tmp/x;touch /tmp/PWNED', '/tmp/x\ntouch /tmp/PWNED'];
  test.each([
    ['root', (v: string) => ({ root: v })],
    ['serviceManager.unitDir', (v: string) => ({ serviceManager: { unitDir: v } })],
    ['proxy.binary.path', (v: string) => ({ proxy: { binary: { kind: 'path' as const, path: v } } })],
    ['nodeName', (v: string) => ({ nodeName: v })],
    ['labels', (v: string) => ({ labels: { app: v } })],
    ['traffic.iptablesCommand', (v: string) => ({ traffic: { iptablesCommand: v } })],
  ] as Array<[string, (v: string) => Partial<ExternalWorkloadHostArgs>]>)('%s: every payload is rejected at construction, naming the prop', (field, set) => {
    for (const p of payloads) {
      const named = new RegExp(`\\] ${field.replace(/\./g, '\\.')}(\\.|\\[|:)`);
      expect(() => new ExternalWorkloadHost(`h${Math.random().toString(36).slice(2, 8)}`, args(meshRef(), set(p)))).toThrow(named);
    }
  });
});
