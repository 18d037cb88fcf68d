/**
 * The whole plan over real SSH (root): openssh-server runs in a network namespace on a veth pair as
 * the stand-in VM; every path of the plan is under an isolated root; spire-server, spire-agent,
 * linkerd2-proxy and the service manager are stand-ins that record how they were called; iptables is
 * real (in the namespace). Steps run the way `remote.Command` runs them: the command line of
 * `remoteCommandLine`, the secret on standard input. A second run changes nothing; the delete scripts
 * undo everything.
 */
import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KEY_BODY_LINE, seedHostProps, SPIRE_CA_PEM, TRUST_ANCHOR_PEM, UPSTREAM_CA_KEY_PEM } from './support/mesh';
import { defaultMesh } from '../support/mesh';
import { makeApiServerPki, startApiServer } from './support/api-server';
import { appendRules, describeAsRoot } from './support/netns';
import { freshRoot, SshVm, tree, type Result } from './support/ssh-vm';
import { writeStandins, type Standins } from './support/standins';
import { planHost, remoteCommandLine, renderShellBundle, type HostPlan } from '../../src/core/host';

// a private /30 of this test file only
const HOST_IP = '10.231.7.5';
const NS_IP = '10.231.7.6';
const SSH_PORT = 2222;
const API_PORT = 16443;
const API_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c3NoLXBsYW4tcmVhZGluZXNzLXRva2Vu.c2lnbmF0dXJl';

/** shadow-utils keeps `passwd-`, `group-`... backups when users change: not ours to undo. */
const shadowBackup = (rel: string) => /^etc\/(passwd|group|shadow|gshadow)-$/.test(rel);

const MUTATING = [
  /^spire-server token generate/,
  /^spire-server entry (create|update|delete)/,
  /^systemctl (enable|disable|start|restart|stop|daemon-reload)/,
  /^spire-(server|agent) run/,
  /^linkerd2-proxy/,
];

describeAsRoot('the whole plan over real SSH', ['sshd', 'ssh', 'ssh-keygen', 'setpriv', 'useradd'], () => {
  const vm = new SshVm(`lcssh${process.pid}`, HOST_IP, NS_IP, SSH_PORT);
  const ns = vm.ns;
  let work: string;
  let root: string;
  let standins: Standins;
  let plan: HostPlan;
  let before: string[];
  let natBefore: string;
  let api: Awaited<ReturnType<typeof startApiServer>>;
  const outside: ChildProcess[] = [];

  const ssh = (commandLine: string, input = ''): Result => vm.ssh(commandLine, input);
  const secretValues: Record<string, string> = { 'spire-upstream-ca-key': `${UPSTREAM_CA_KEY_PEM}\n`, 'api-token': `${API_TOKEN}\n` };
  /** Runs one step the way remote.Command does: its command line, the secret (if any) on stdin. */
  const runStep = (script: string, secrets: readonly string[]): Result => ssh(remoteCommandLine(script), secrets.length > 0 ? secretValues[secrets[0]] : '');
  const runAll = (p: HostPlan, kind: 'create' | 'delete'): Result[] => {
    const steps = kind === 'create' ? p.steps : [...p.steps].reverse();
    return steps.map((s) => {
      const r = runStep(s[kind], kind === 'create' ? s.secrets : []);
      if (r.status !== 0) throw new Error(`step ${s.id} ${kind} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
      return r;
    });
  };
  const callLines = () => standins.calls().map((c) => `${c.name} ${c.argv.join(' ')}`);

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ewssh-'));
    fs.chmodSync(work, 0o755);
    root = path.join(work, 'root');
    // the isolated root: what a fresh machine has before the plan runs
    freshRoot(root);
    standins = writeStandins(path.join(work, 'standins'), root, path.join(root, 'etc/systemd/system'));
    const pki = makeApiServerPki(work, HOST_IP);
    plan = planHost(
      'ssh-test',
      seedHostProps({
        root,
        spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'path', serverBinary: standins.spireServer, agentBinary: standins.spireAgent } },
        proxy: { binary: { kind: 'path', path: standins.proxy } },
        serviceManager: { command: standins.systemctl },
        traffic: { managementPorts: [SSH_PORT] },
        readiness: { apiServerUrl: `https://${HOST_IP}:${API_PORT}`, apiServerCaPem: pki.caPem, intervalSeconds: 1 },
      }),
      defaultMesh(),
    );

    // the network: the VM's namespace and sshd, its hosts file naming the control plane, the control plane outside
    await vm.start(work, ['linkerd-dst-headless.linkerd.svc.cluster.local', 'linkerd-policy.linkerd.svc.cluster.local']);
    await vm.listen([8086, 8090]);
    // the API server, outside the VM too: the readiness reporter PATCHes the ExternalWorkload's status there
    api = await startApiServer({ ip: HOST_IP, port: API_PORT, keyFile: pki.keyFile, certFile: pki.certFile, token: API_TOKEN, logFile: path.join(work, 'api-requests.jsonl') });
    outside.push(api.child);

    before = tree(root);
    natBefore = ns.natTable();
  }, 120_000);

  afterAll(() => {
    for (const c of outside) if (c.pid && c.exitCode === null) process.kill(c.pid, 'SIGTERM');
    vm.destroy();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('preflight fails clearly when the control plane does not resolve, and changes nothing', () => {
    const elsewhere = planHost('ssh-test', seedHostProps({ root, spire: { kind: 'existing-agent', socketPath: '/nonexistent.sock' }, proxy: { binary: { kind: 'path', path: standins.proxy } }, serviceManager: { command: standins.systemctl } }), defaultMesh({ namespace: 'elsewhere' }));
    const r = runStep(elsewhere.steps[0].create, []);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[preflight] error: no SPIRE agent socket at /nonexistent.sock');
    const cp = planHost('ssh-test', seedHostProps({ root, spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'path', serverBinary: standins.spireServer, agentBinary: standins.spireAgent } }, proxy: { binary: { kind: 'path', path: standins.proxy } }, serviceManager: { command: standins.systemctl } }), defaultMesh({ namespace: 'elsewhere' }));
    const r2 = runStep(cp.steps[0].create, []);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toContain('[preflight] error: cannot resolve linkerd-dst-headless.elsewhere.svc.cluster.local (destination service)');
    expect(tree(root)).toEqual(before);
  });

  test('the upstream CA step without its key on standard input fails clearly and writes nothing', () => {
    const ca = plan.steps.find((s) => s.id === 'spire-upstream-ca')!;
    const r = ssh(remoteCommandLine(ca.create), '');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("expected the upstream CA's private key (PEM) on standard input");
    expect(tree(root)).toEqual(before);
  });

  test('create: every step succeeds over SSH and says what it does', () => {
    const results = runAll(plan, 'create');
    const out = results.map((r) => r.stdout).join('');
    expect(out).toContain('[preflight] destination service: linkerd-dst-headless.linkerd.svc.cluster.local:8086 resolves and accepts connections');
    expect(out).toContain('[preflight] preflight passed');
    expect(out).toContain('[spire-agent] started spire-agent.service with the join token');
    expect(out).toContain('[spire-workload-entry] created entry linkerd-ew-mixed-env-external-workload');
    expect(out).toContain('[proxy-user] created user linkerd-proxy (uid 2102)');
    expect(out).toContain('[iptables] created chain PROXY_INIT_REDIRECT');
    expect(standins.execResults()).toEqual([
      'spire-server.service rc=0',
      'spire-agent.service rc=0',
      'linkerd-proxy.service rc=0',
      'linkerd-proxy-iptables.service rc=0',
      'linkerd-proxy-readiness.service started',
    ]);
  });

  test('readiness: the reporter, as the proxy user past the redirect rules, tells the API server the proxy is not ready (the stand-in proxy serves no /ready)', async () => {
    const end = Date.now() + 20_000;
    while (api.requests().length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    const [first] = api.requests();
    expect(first).toMatchObject({
      method: 'PATCH',
      url: '/apis/workload.linkerd.io/v1beta1/namespaces/mixed-env/externalworkloads/external-workload/status',
      authorization: `Bearer ${API_TOKEN}`,
      contentType: 'application/merge-patch+json',
    });
    expect(first.body.status.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'False', reason: 'ProxyNotReady' })]);
    // the redirect rules were in place: only the proxy user's traffic leaves them
    expect(appendRules(ns.natTable())).toContain('-A PROXY_INIT_OUTPUT -p tcp -j REDIRECT --to-ports 4140');
    expect(standins.calls().filter((c) => c.argv.join(' ').includes(API_TOKEN))).toEqual([]);
  }, 30_000);

  test('files: the key 0600, the agent config 0600 without the used token, units, the proxy user', () => {
    const f = (p: string) => path.join(root, p);
    const mode = (p: string) => (fs.statSync(f(p)).mode % 0o1000).toString(8);
    expect(mode('opt/spire/certs/ca.key')).toBe('600');
    expect(fs.readFileSync(f('opt/spire/certs/ca.key'), 'utf8')).toBe(`${UPSTREAM_CA_KEY_PEM}\n`);
    // the upstream: the intermediate chain, and the anchor as its root bundle (never the anchor's key)
    expect(fs.readFileSync(f('opt/spire/certs/ca.crt'), 'utf8')).toBe(`${SPIRE_CA_PEM}\n`);
    expect(fs.readFileSync(f('opt/spire/certs/upstream-bundle.crt'), 'utf8')).toBe(`${TRUST_ANCHOR_PEM}\n`);
    expect(fs.readFileSync(f('opt/spire/conf/server.conf'), 'utf8')).toContain(`bundle_file_path = "${f('opt/spire/certs/upstream-bundle.crt')}"`);
    expect(mode('opt/spire/conf/agent.conf')).toBe('600');
    const agentConf = fs.readFileSync(f('opt/spire/conf/agent.conf'), 'utf8');
    expect(agentConf).not.toContain('join_token =');
    expect(agentConf).toContain(`trust_bundle_path = "${f('opt/spire/conf/bundle.pem')}"`);
    expect(fs.readFileSync(f('opt/spire/conf/server.conf'), 'utf8')).toContain(`key_file_path = "${f('opt/spire/certs/ca.key')}"`);
    for (const u of ['spire-server.service', 'spire-agent.service', 'linkerd-proxy.service']) {
      expect(fs.readFileSync(f(`etc/systemd/system/${u}`), 'utf8')).toContain('Restart=on-failure');
    }
    expect(fs.readFileSync(f('etc/passwd'), 'utf8')).toContain('linkerd-proxy:x:2102:2102:');
    // SPIRE's sockets live in root-owned directories the plan made (not /tmp): the server's only root enters
    const owner = (p: string) => fs.statSync(f(p)).uid;
    expect([mode('var/lib/spire/server/private'), owner('var/lib/spire/server/private')]).toEqual(['700', 0]);
    expect([mode('var/lib/spire/agent/public'), owner('var/lib/spire/agent/public')]).toEqual(['755', 0]);
    expect(fs.existsSync(f('tmp/spire-agent'))).toBe(false);
    // SPIRE's keys live in data directories only root can enter
    expect([mode('opt/spire/data/server'), mode('opt/spire/data/agent')]).toEqual(['700', '700']);
    // the ServiceAccount token: 0600 in a 0700 directory, both the proxy user's (the reporter runs as it)
    expect([mode('var/lib/linkerd-external-workload/readiness'), owner('var/lib/linkerd-external-workload/readiness')]).toEqual(['700', 2102]);
    expect([mode('var/lib/linkerd-external-workload/readiness/token'), owner('var/lib/linkerd-external-workload/readiness/token')]).toEqual(['600', 2102]);
    expect(fs.readFileSync(f('var/lib/linkerd-external-workload/readiness/token'), 'utf8')).toBe(`${API_TOKEN}\n`);
    expect(fs.readFileSync(f('etc/systemd/system/linkerd-proxy-readiness.service'), 'utf8')).toContain('User=linkerd-proxy');
  });

  test('the join token went through the 0600 config only: never on a command line, and the agent read it there', () => {
    const tokens = standins.tokens();
    expect(tokens).toHaveLength(1);
    expect(standins.agentRuns()).toEqual([`mode=600 token=${tokens[0]}`]);
    const calls = standins.calls();
    expect(calls.filter((c) => c.argv.join(' ').includes(tokens[0]))).toEqual([]);
    expect(callLines()).toContain(`spire-agent run -config ${path.join(root, 'opt/spire/conf/agent.conf')}`);
  });

  test('no stand-in received the key, on its command line or its standard input', () => {
    const calls = standins.calls();
    expect(calls.length).toBeGreaterThan(10);
    expect(calls.filter((c) => c.stdinBytes !== 0)).toEqual([]);
    expect(calls.filter((c) => c.argv.join(' ').includes(KEY_BODY_LINE))).toEqual([]);
    for (const s of plan.steps) expect(remoteCommandLine(s.create)).not.toContain(KEY_BODY_LINE);
  });

  test('SPIRE: the entry gives the proxy user the workload identity under the agent', () => {
    expect(callLines()).toContainEqual(
      expect.stringMatching(
        /^spire-server entry create -socketPath \S+ -entryID linkerd-ew-mixed-env-external-workload -parentID spiffe:\/\/root\.linkerd\.cluster\.local\/agent -spiffeID spiffe:\/\/root\.linkerd\.cluster\.local\/external-workload -selector unix:uid:2102$/,
      ),
    );
    expect(callLines()).toContainEqual(expect.stringMatching(/^spire-server token generate -socketPath \S+ -spiffeID spiffe:\/\/root\.linkerd\.cluster\.local\/agent -ttl 600 -output json$/));
  });

  test('the proxy ran as the proxy user (not root) with the seed\'s environment', () => {
    const p = standins.proxyRun()!;
    expect(p.uid).toBe(2102);
    expect(p.env).toMatchObject({
      LINKERD2_PROXY_IDENTITY_SERVER_ID: 'spiffe://root.linkerd.cluster.local/external-workload',
      LINKERD2_PROXY_IDENTITY_SERVER_NAME: 'external-workload.cluster.local',
      LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS: TRUST_ANCHOR_PEM,
      LINKERD2_PROXY_IDENTITY_SPIRE_WORKLOAD_API_ADDRESS: `unix://${path.join(root, 'var/lib/spire/agent/public/api.sock')}`,
      LINKERD2_PROXY_DESTINATION_SVC_ADDR: 'linkerd-dst-headless.linkerd.svc.cluster.local.:8086',
      LINKERD2_PROXY_POLICY_SVC_ADDR: 'linkerd-policy.linkerd.svc.cluster.local.:8090',
    });
    expect(JSON.parse(p.env.LINKERD2_PROXY_DESTINATION_CONTEXT)).toEqual({ ns: 'mixed-env', nodeName: 'my-vm', external_workload: 'external-workload' });
  });

  test('iptables: the seed\'s chains are in the VM\'s nat table, the SSH port kept reachable', () => {
    const rules = appendRules(ns.natTable());
    expect(rules).toContain(`-A PROXY_INIT_REDIRECT -p tcp -m multiport --dports 4190,4191,4567,4568,${SSH_PORT} -j RETURN`);
    expect(rules).toContain('-A PROXY_INIT_OUTPUT -m owner --uid-owner 2102 -j RETURN');
    expect(rules).toContain('-A PROXY_INIT_REDIRECT -p tcp -j REDIRECT --to-ports 4143');
  });

  test('a second run (the shell bundle, over the same SSH) changes nothing: same files, same nat table, no mutating call', () => {
    const files = tree(root);
    const nat = ns.natTable();
    const callsBefore = standins.calls().length;
    const keyFile = path.join(work, 'spire-ca.key');
    fs.writeFileSync(keyFile, `${UPSTREAM_CA_KEY_PEM}\n`, { mode: 0o600 });
    const tokenFile = path.join(work, 'api-token');
    fs.writeFileSync(tokenFile, `${API_TOKEN}\n`, { mode: 0o600 });
    const r = ssh(`LINKERD_SPIRE_UPSTREAM_CA_KEY_FILE=${keyFile} LINKERD_EW_API_TOKEN_FILE=${tokenFile} bash -s -- create`, renderShellBundle(plan));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`==> [3/${plan.steps.length}] spire-upstream-ca`);
    expect(r.stdout).toContain(`==> mixed-env/external-workload: all ${plan.steps.length} steps done`);
    expect(tree(root)).toEqual(files);
    expect(ns.natTable()).toBe(nat);
    const second = callLines().slice(callsBefore);
    expect(second.length).toBeGreaterThan(5);
    expect(second.filter((l) => MUTATING.some((m) => m.test(l)))).toEqual([]);
    expect(r.stdout).not.toMatch(/\] (wrote|created|added|started|restarted|enabled|updated)/);
    expect(r.stdout).toContain('[spire-workload-entry] unchanged: entry linkerd-ew-mixed-env-external-workload');
    expect(standins.tokens()).toHaveLength(1);
  });

  test('delete undoes every step: the isolated root and the nat table are as before', () => {
    const out = runAll(plan, 'delete').map((r) => r.stdout).join('');
    expect(out).toContain('[iptables] removed chain PROXY_INIT_REDIRECT');
    expect(out).toContain('[proxy-user] removed user linkerd-proxy');
    expect(out).toContain('[spire-workload-entry] deleted entry linkerd-ew-mixed-env-external-workload');
    expect(out).toContain('[readiness] stopped: linkerd-proxy-readiness.service');
    // the reporter's last word, before anything it needs was removed: not ready, the host is leaving
    const last = api.requests().slice(-1)[0];
    expect(last.body.status.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'False', reason: 'HostShutdown' })]);
    expect(standins.execResults().slice(-1)).toEqual(['linkerd-proxy-readiness.service stopped']);
    expect(tree(root, shadowBackup)).toEqual(before);
    expect(ns.natTable()).toBe(natBefore);
    expect(fs.readdirSync(path.join(standins.stateDir, 'entries'))).toEqual([]);
    expect(fs.readdirSync(path.join(standins.stateDir, 'units')).filter((u) => u.endsWith('.active') || u.endsWith('.enabled'))).toEqual([]);
    // and deleting twice (with the bundle) is harmless
    const again = ssh('bash -s -- delete', renderShellBundle(plan));
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`all ${plan.steps.length} steps undone`);
    expect(tree(root, shadowBackup)).toEqual(before);
    expect(ns.natTable()).toBe(natBefore);
  });
});
