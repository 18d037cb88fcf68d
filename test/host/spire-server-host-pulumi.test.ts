/**
 * The Pulumi side of the SPIRE topology under mocks: the `SpireServerHost` component (its steps, the
 * upstream CA key on standard input as a secret), and an agent-only `ExternalWorkloadHost` whose join
 * command runs on the server host's connection after the server is up, whose token is a secret that
 * reaches only the VM's agent step, on standard input. No step of the VM carries a key.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { TRUST_ANCHOR_PEM } from './support/mesh';
import { ExternalWorkloadHost, SpireServerHost } from '../../src/pulumi';
import type { MeshReference } from '../../src/pulumi/mesh-reference';
import { defaultMesh } from '../support/mesh';
import { GraphRecorder, isSecretOutput, pulumiTestEnv, resolveOutput, type PulumiTestEnv } from '../support/pulumi';

const SPIRE_CA_PEM = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'mesh-expansion', 'spire-ca.crt'), 'utf8');
const SPIRE_CA_KEY = '-----BEGIN PRIVATE KEY-----\nU1BJUkUtVVBTVFJFQU0tQ0EtS0VZLW5ldmVyLXBsYWlu\n-----END PRIVATE KEY-----';
const JOIN_TOKEN = '3f1c2a4e-1111-4222-8333-944455556666';

class Stub extends pulumi.CustomResource {
  public constructor(name: string) {
    super('test:index:Stub', name, {}, {});
  }
}

let env: PulumiTestEnv;
beforeAll(async () => {
  // the join command's standard output, as the server host would print it
  env = await pulumiTestEnv({ stateFor: (r) => (r.type === 'command:remote:Command' && r.name.endsWith('-join') ? { stdout: `join-token: ${JOIN_TOKEN}\n` } : {}) });
});
beforeEach(() => env.reset());

function meshRef(): MeshReference {
  return { info: defaultMesh(), crds: new Stub('linkerd-crds'), controlPlane: new Stub('linkerd-control-plane'), trustAnchorPem: pulumi.output(TRUST_ANCHOR_PEM) };
}

function build(graph?: GraphRecorder) {
  const mesh = meshRef();
  const opts = graph ? { transformations: [graph.transformation] } : {};
  const spire = new SpireServerHost(
    'spire',
    {
      mesh,
      nodeName: 'spire-1',
      address: '192.0.2.50',
      connection: { host: '192.0.2.50', privateKey: 'ssh-key-for-spire' },
      upstreamCaPem: SPIRE_CA_PEM,
      upstreamCaKeyPem: SPIRE_CA_KEY,
      install: { kind: 'url', sha256: 'c'.repeat(64) },
    },
    opts,
  );
  const vm = new ExternalWorkloadHost(
    'vm',
    {
      mesh,
      name: 'external-workload',
      namespace: 'mixed-env',
      nodeName: 'my-vm',
      workloadIps: ['192.0.2.10'],
      ports: [{ name: 'http', port: 80 }],
      connection: { host: '192.0.2.10', privateKey: 'ssh-key-for-vm' },
      spire: { kind: 'agent', server: spire, install: { kind: 'url', sha256: pulumi.output('a'.repeat(64)) } },
      proxy: { binary: { kind: 'url', url: 'https://downloads.example.com/linkerd2-proxy', sha256: 'b'.repeat(64) } },
      readiness: false,
    },
    opts,
  );
  return { spire, vm };
}

test('the server host: install, upstream CA (its key a secret on standard input, logging off), server', async () => {
  const { spire } = build();
  await env.settle();
  expect(Object.keys(spire.steps)).toEqual(['spire-install', 'spire-upstream-ca', 'spire-server']);
  expect(await isSecretOutput(spire.steps['spire-upstream-ca'].stdin)).toBe(true);
  expect(await resolveOutput(spire.steps['spire-upstream-ca'].stdin)).toBe(SPIRE_CA_KEY);
  expect(env.byName('spire-spire-upstream-ca').inputs.logging).toBe('none');
  expect(env.byName('spire-spire-server').inputs.create).toContain('bind_address = "0.0.0.0"');
  expect([spire.address, spire.port, spire.trustDomain]).toEqual(['192.0.2.50', 8081, 'root.linkerd.cluster.local']);
});

test('the agent-only VM: no key in any step; the join command runs on the server\'s connection, its token a secret on the agent step\'s stdin', async () => {
  const { vm } = build();
  await env.settle();
  expect(Object.keys(vm.steps)).toEqual(['preflight', 'spire-install', 'spire-agent', 'proxy-user', 'proxy-install', 'proxy-service', 'iptables']);
  const join = env.byName('vm-join');
  // the connection holds the SSH key, so the whole object reaches the mocks as a secret
  const connection = join.inputs.connection.value ?? join.inputs.connection;
  expect(connection.host).toBe('192.0.2.50');
  expect(join.inputs.logging).toBe('stderr');
  expect(join.inputs.create).toContain('token generate');
  const agent = vm.steps['spire-agent'];
  expect(await isSecretOutput(agent.stdin)).toBe(true);
  expect(await resolveOutput(agent.stdin)).toBe(JOIN_TOKEN);
  expect(env.byName('vm-spire-agent').inputs.logging).toBe('none');
  const plan = await resolveOutput(vm.plan);
  expect(plan.steps.find((s) => s.id === 'spire-agent')!.create).toContain('server_address = "192.0.2.50"');
  // nothing the VM's commands carry is a key, and the token never appears in plain text
  const vmInputs = JSON.stringify(env.resources.filter((r) => r.name.startsWith('vm-') && r.name !== 'vm-spire-agent').map((r) => r.inputs));
  expect(vmInputs).not.toMatch(/PRIVATE KEY-----/);
  expect(vmInputs).not.toContain(JOIN_TOKEN);
});

test('order: the join after the server runs; the VM\'s agent after its join', async () => {
  const graph = new GraphRecorder();
  build(graph);
  await env.settle();
  await graph.settle();
  expect(graph.dependsOn('vm-join')).toEqual(['spire-spire-server']);
  expect(graph.dependsOn('vm-spire-agent')).toEqual(expect.arrayContaining(['vm-spire-install', 'vm-join']));
  expect(graph.dependsOn('spire-spire-server')).toEqual(['spire-spire-upstream-ca']);
});
