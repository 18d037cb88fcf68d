/**
 * The default SPIRE topology over real SSH: the SPIRE server host's plan and an agent-only VM's plan
 * run the way `remote.Command` runs them (their command lines over SSH into a stand-in VM in a network
 * namespace, secrets on standard input), each under its own isolated root, with stand-ins for
 * spire-server, spire-agent, linkerd2-proxy and systemctl and real iptables. The server host makes
 * the VM's entry and one-time token; the VM's agent joins with it and keeps nothing that signs; a
 * second run changes nothing; delete on both sides leaves both roots as they were.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { seedHostProps, SPIRE_CA_PEM, TRUST_ANCHOR_PEM, UPSTREAM_CA_KEY_PEM } from './support/mesh';
import { describeAsRoot } from './support/netns';
import { freshRoot, SshVm, tree } from './support/ssh-vm';
import { writeStandins, type Standins } from './support/standins';
import {
  JOIN_TOKEN_OUTPUT_PREFIX,
  planHost,
  remoteCommandLine,
  renderShellBundle,
  resolveHost,
  resolveSpireServerHost,
  spireJoinStep,
  spireServerHostPlan,
  spireServerReference,
  type HostPlan,
  type HostStep,
  type ResolvedSpireServerHost,
} from '../../src/core/host';
import { defaultMesh } from '../support/mesh';

// a private /30 of this test file only
const HOST_IP = '10.231.9.5';
const VM_IP = '10.231.9.6';
const SSH_PORT = 2223;
const SPIRE_PORT = 18081;

const shadowBackup = (rel: string) => /^etc\/(passwd|group|shadow|gshadow)-$/.test(rel);
const MUTATING = [/^spire-server token generate/, /^spire-server entry (create|update|delete)/, /^systemctl (enable|disable|start|restart|stop|daemon-reload)/, /^spire-(server|agent) run/, /^linkerd2-proxy/];

describeAsRoot('the default SPIRE topology over real SSH: a server host and an agent-only VM', ['sshd', 'ssh', 'ssh-keygen', 'setpriv', 'useradd'], () => {
  const vm = new SshVm(`lcagt${process.pid}`, HOST_IP, VM_IP, SSH_PORT);
  let work: string;
  let serverRoot: string;
  let vmRoot: string;
  let standins: Standins;
  let server: ResolvedSpireServerHost;
  let serverPlan: HostPlan;
  let vmPlan: HostPlan;
  let join: HostStep;
  let token = '';
  let serverBefore: string[];
  let vmBefore: string[];
  let natBefore: string;

  const runPlan = (plan: HostPlan, kind: 'create' | 'delete', secrets: Record<string, string>) =>
    (kind === 'create' ? plan.steps : [...plan.steps].reverse()).map((s) => {
      const r = vm.ssh(remoteCommandLine(s[kind]), kind === 'create' && s.secrets.length > 0 ? secrets[s.secrets[0]] : '');
      if (r.status !== 0) throw new Error(`step ${s.id} ${kind} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
      return r;
    });
  const callLines = () => standins.calls().map((c) => `${c.name} ${c.argv.join(' ')}`);

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-agentssh-'));
    fs.chmodSync(work, 0o755);
    serverRoot = path.join(work, 'server-root');
    vmRoot = path.join(work, 'vm-root');
    freshRoot(serverRoot);
    freshRoot(vmRoot);
    // one set of stand-ins: spire-server keeps its entries and tokens in its state directory
    standins = writeStandins(path.join(work, 'standins'), vmRoot, path.join(vmRoot, 'etc/systemd/system'));
    const serverStandins = writeStandins(path.join(work, 'server-standins'), serverRoot, path.join(serverRoot, 'etc/systemd/system'));
    server = resolveSpireServerHost('spire', {
      nodeName: 'spire-1',
      address: HOST_IP,
      port: SPIRE_PORT,
      trustAnchorPem: TRUST_ANCHOR_PEM,
      upstreamCaPem: SPIRE_CA_PEM,
      install: { kind: 'path', serverBinary: standins.spireServer },
      root: serverRoot,
      serviceManager: { command: serverStandins.systemctl },
    }, defaultMesh());
    serverPlan = spireServerHostPlan(server);
    const props = seedHostProps({
      root: vmRoot,
      spire: { kind: 'agent', server: spireServerReference(server), install: { kind: 'path', agentBinary: standins.spireAgent } },
      proxy: { binary: { kind: 'path', path: standins.proxy } },
      serviceManager: { command: standins.systemctl },
      traffic: { managementPorts: [SSH_PORT] },
      readiness: false,
    });
    vmPlan = planHost('vm', props, defaultMesh());
    join = spireJoinStep(server, resolveHost('vm', props, defaultMesh()));
    await vm.start(work, ['linkerd-dst-headless.linkerd.svc.cluster.local', 'linkerd-policy.linkerd.svc.cluster.local']);
    // outside the VM: the control plane's destination and policy ports, and the SPIRE server's port
    await vm.listen([8086, 8090, SPIRE_PORT]);
    serverBefore = tree(serverRoot);
    vmBefore = tree(vmRoot);
    natBefore = vm.ns.natTable();
  }, 120_000);

  afterAll(() => {
    vm.destroy();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the server host: upstream CA (the intermediate, the anchor as root bundle, its key from stdin, 0600) and the server', () => {
    const out = runPlan(serverPlan, 'create', { 'spire-upstream-ca-key': `${UPSTREAM_CA_KEY_PEM}\n` }).map((r) => r.stdout).join('');
    expect(out).toContain('[spire-server] spire-server health: ok');
    const f = (p: string) => path.join(serverRoot, p);
    expect(fs.readFileSync(f('opt/spire/certs/ca.crt'), 'utf8')).toBe(`${SPIRE_CA_PEM}\n`);
    expect(fs.readFileSync(f('opt/spire/certs/upstream-bundle.crt'), 'utf8')).toBe(`${TRUST_ANCHOR_PEM}\n`);
    expect((fs.statSync(f('opt/spire/certs/ca.key')).mode % 0o1000).toString(8)).toBe('600');
    expect(fs.readFileSync(f('opt/spire/conf/server.conf'), 'utf8')).toContain(`bind_port = "${SPIRE_PORT}"`);
  });

  test('the join step on the server host registers the VM under its agent and prints a one-time token', () => {
    const r = vm.ssh(remoteCommandLine(join.create));
    expect(r.status).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith(JOIN_TOKEN_OUTPUT_PREFIX))!;
    token = line.slice(JOIN_TOKEN_OUTPUT_PREFIX.length);
    expect(standins.tokens()).toEqual([token]);
    expect(callLines()).toContainEqual(expect.stringMatching(/^spire-server entry create .*-parentID spiffe:\/\/root\.linkerd\.cluster\.local\/agent\/my-vm .*-selector unix:uid:2102$/));
  });

  test('the VM: only an agent, joined with that token (through its 0600 config, never a command line), nothing that signs', () => {
    const out = runPlan(vmPlan, 'create', { 'join-token': `${token}\n` }).map((r) => r.stdout).join('');
    expect(out).toContain('[preflight] SPIRE server: 10.231.9.5:18081 accepts connections');
    expect(out).toContain('[spire-agent] started spire-agent.service with the join token');
    expect(standins.agentRuns()).toEqual([`mode=600 token=${token}`]);
    expect(callLines().filter((l) => l.includes(token))).toEqual([]);
    const files = tree(vmRoot).join('\n');
    expect(files).not.toMatch(/ca\.key|spire-server|server\.conf/);
    const f = (p: string) => path.join(vmRoot, p);
    expect(fs.readFileSync(f('opt/spire/conf/bundle.pem'), 'utf8')).toBe(`${TRUST_ANCHOR_PEM}\n`);
    expect(fs.readFileSync(f('opt/spire/conf/agent.conf'), 'utf8')).not.toMatch(/join_token =/);
    expect(fs.readFileSync(f('opt/spire/conf/agent.conf'), 'utf8')).not.toContain(token);
    // the agent (root) reaches its server past the redirect rules: the server's port is never redirected
    expect(vm.ns.natTable()).toContain(`-A PROXY_INIT_OUTPUT -p tcp -m multiport --dports 4567,4568,${SPIRE_PORT} -j RETURN`);
    expect(fs.readFileSync(f('opt/spire/conf/agent.conf'), 'utf8')).toContain(`server_address = "${HOST_IP}"`);
    for (const file of tree(vmRoot).filter((l) => l.startsWith('f ')).map((l) => l.split(' ')[2])) {
      expect(fs.readFileSync(f(file), 'utf8')).not.toMatch(/PRIVATE KEY-----\s+[A-Za-z0-9+/]{20}/);
    }
  });

  test('a second run (the VM\'s shell bundle, the used token in its file) changes nothing', () => {
    const files = tree(vmRoot);
    const nat = vm.ns.natTable();
    const callsBefore = standins.calls().length;
    const tokenFile = path.join(work, 'my-vm.token');
    fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const r = vm.ssh(`LINKERD_EW_JOIN_TOKEN_FILE=${tokenFile} bash -s -- create`, renderShellBundle(vmPlan));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('[spire-agent] the agent is already attested');
    expect(tree(vmRoot)).toEqual(files);
    expect(vm.ns.natTable()).toBe(nat);
    expect(callLines().slice(callsBefore).filter((l) => MUTATING.some((m) => m.test(l)))).toEqual([]);
  });

  test('delete on both sides: the VM\'s root and nat table, then the entries, then the server host\'s root, as before', () => {
    runPlan(vmPlan, 'delete', {});
    expect(tree(vmRoot, shadowBackup)).toEqual(vmBefore);
    expect(vm.ns.natTable()).toBe(natBefore);
    const leave = vm.ssh(remoteCommandLine(join.delete));
    expect(leave.status).toBe(0);
    expect(leave.stdout).toContain('deleted entry linkerd-ew-mixed-env-external-workload');
    expect(fs.readdirSync(path.join(standins.stateDir, 'entries'))).toEqual([]);
    runPlan(serverPlan, 'delete', {});
    expect(tree(serverRoot, shadowBackup)).toEqual(serverBefore);
  });
});
