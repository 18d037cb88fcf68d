/**
 * The cdk8s side of the SPIRE topology: a `SpireServerHost` and an agent-only `ExternalWorkloadHost`
 * in one app; `writeBundles` writes the server's bundle and cloud-init and, per VM, a join and a
 * leave script, which run here against the spire-server stand-in (it records every call): the entry
 * goes under the VM's agent, the one-time token lands in a 0600 file and never on a command line.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { SPIRE_CA_PEM, TRUST_ANCHOR_PEM, seedHostProps } from './support/mesh';
import { writeStandins } from './support/standins';
import { ExternalWorkloadHost, SpireServerHost } from '../../src/cdk8s';
import { renderShellBundle, resolveSpireServerHost, spireServerHostPlan } from '../../src/core/host';
import { defaultMesh } from '../support/mesh';
import { temporaryFolders } from '../support/tmp';

const tmp = temporaryFolders('lc-spire-cdk8s-');

function app(serverBinary: string) {
  const a = Testing.app();
  const chart = new Chart(a, 'mesh-expansion');
  const mesh = { info: defaultMesh() };
  const spire = new SpireServerHost(chart, 'spire', {
    mesh,
    trustAnchorPem: TRUST_ANCHOR_PEM,
    nodeName: 'spire-1',
    address: '192.0.2.50',
    upstreamCaPem: SPIRE_CA_PEM,
    install: { kind: 'path', serverBinary },
  });
  const { trustAnchorPem: _t, spire: _s, ...rest } = seedHostProps();
  const vm = new ExternalWorkloadHost(chart, 'vm', { ...rest, mesh, trustAnchorPem: TRUST_ANCHOR_PEM, spire: { kind: 'agent', server: spire, install: { kind: 'url', sha256: 'a'.repeat(64) } } });
  return { a, spire, vm };
}

test('writeBundles: the server host\'s bundle and cloud-init, and a join and a leave script per agent-only VM; no key anywhere', () => {
  const out = tmp();
  const { a } = app('/opt/spire/bin/spire-server');
  const files = ExternalWorkloadHost.writeBundles(a, out).map((f) => path.relative(out, f));
  expect(files).toEqual([
    'hosts/my-vm/bundle.sh',
    'hosts/my-vm/cloud-init.yaml',
    'hosts/spire-1/bundle.sh',
    'hosts/spire-1/cloud-init.yaml',
    'hosts/spire-1/join-my-vm.sh',
    'hosts/spire-1/leave-my-vm.sh',
  ]);
  for (const f of files) expect(fs.readFileSync(path.join(out, f), 'utf8')).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----\s+[A-Za-z0-9+/]{20}/);
  const vmBundle = fs.readFileSync(path.join(out, 'hosts/my-vm/bundle.sh'), 'utf8');
  expect(vmBundle).toContain('LINKERD_EW_JOIN_TOKEN_FILE: file with a one-time join token for spiffe://root.linkerd.cluster.local/agent/my-vm');
  const list = spawnSync('bash', [path.join(out, 'hosts/spire-1/bundle.sh'), 'list'], { encoding: 'utf8' });
  expect(list.stdout).toContain('2. spire-upstream-ca: install the upstream CA chain and root bundle (0644) and the upstream CA key from standard input (0600)');
  expect(list.stdout).toContain('(reads spire-upstream-ca-key)');
});

test('the join script registers the VM under its agent and writes a one-time token to a 0600 file (never on a command line); leave removes the entry', () => {
  const dir = tmp();
  const standins = writeStandins(path.join(dir, 'standins'), path.join(dir, 'root'), path.join(dir, 'units'));
  const out = tmp();
  ExternalWorkloadHost.writeBundles(app(standins.spireServer).a, out);
  const tokenFile = path.join(dir, 'my-vm.token');
  const join = spawnSync('bash', [path.join(out, 'hosts/spire-1/join-my-vm.sh'), tokenFile], { encoding: 'utf8' });
  expect(join.status).toBe(0);
  expect(join.stdout).toBe(''); // the token went to the file only
  const [token] = standins.tokens();
  expect(fs.readFileSync(tokenFile, 'utf8')).toBe(`${token}\n`);
  expect((fs.statSync(tokenFile).mode % 0o1000).toString(8)).toBe('600');
  const calls = standins.calls().map((c) => c.argv.join(' '));
  expect(calls).toContainEqual(expect.stringMatching(/^entry create .*-parentID spiffe:\/\/root\.linkerd\.cluster\.local\/agent\/my-vm -spiffeID spiffe:\/\/root\.linkerd\.cluster\.local\/external-workload -selector unix:uid:2102$/));
  expect(calls).toContainEqual(expect.stringMatching(/^token generate .*-spiffeID spiffe:\/\/root\.linkerd\.cluster\.local\/agent\/my-vm -ttl 600 -output json$/));
  expect(calls.filter((c) => c.includes(token))).toEqual([]);
  // without a file (Pulumi's way) the token is the last line of standard output
  const again = spawnSync('bash', [path.join(out, 'hosts/spire-1/join-my-vm.sh')], { encoding: 'utf8' });
  expect(again.stdout).toBe(`join-token: ${standins.tokens()[1]}\n`);
  expect(standins.calls().map((c) => c.argv.join(' '))).toContainEqual(expect.stringMatching(/^entry update /));
  const leave = spawnSync('bash', [path.join(out, 'hosts/spire-1/leave-my-vm.sh')], { encoding: 'utf8' });
  expect(leave.status).toBe(0);
  expect(leave.stdout).toContain('deleted entry linkerd-ew-mixed-env-external-workload');
  expect(fs.readdirSync(path.join(standins.stateDir, 'entries'))).toEqual([]);
});

test('the bundle refuses a secret file anyone but root could read, before the step that reads it runs', () => {
  const dir = tmp();
  const root = path.join(dir, 'root');
  fs.mkdirSync(root, { recursive: true });
  const server = resolveSpireServerHost('spire', {
    nodeName: 'spire-1',
    address: '192.0.2.50',
    trustAnchorPem: TRUST_ANCHOR_PEM,
    upstreamCaPem: SPIRE_CA_PEM,
    install: { kind: 'path', serverBinary: '/bin/true' },
    root,
  }, defaultMesh());
  const bundle = path.join(dir, 'bundle.sh');
  fs.writeFileSync(bundle, renderShellBundle(spireServerHostPlan(server)), { mode: 0o700 });
  const key = path.join(dir, 'spire-ca.key');
  fs.writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nU1BJUkUtQ0EtS0VZ\n-----END PRIVATE KEY-----\n', { mode: 0o644 });
  fs.chmodSync(key, 0o644);
  const open = spawnSync('bash', [bundle, 'create'], { encoding: 'utf8', env: { PATH: process.env.PATH, LINKERD_SPIRE_UPSTREAM_CA_KEY_FILE: key } });
  expect(open.status).toBe(1);
  expect(open.stderr).toContain(`error: step spire-upstream-ca reads a secret from ${key} (owner uid and mode: ${process.getuid!()} 644); expected a file owned by root with mode 0600`);
  expect(fs.existsSync(path.join(root, 'opt/spire/certs/ca.key'))).toBe(false);
  // 0600 (and owned by root, as this test runs): the step reads it and writes the key 0600
  fs.chmodSync(key, 0o600);
  spawnSync('bash', [bundle, 'create'], { encoding: 'utf8', env: { PATH: process.env.PATH, LINKERD_SPIRE_UPSTREAM_CA_KEY_FILE: key } });
  if (process.getuid!() === 0) expect((fs.statSync(path.join(root, 'opt/spire/certs/ca.key')).mode % 0o1000).toString(8)).toBe('600');
});
