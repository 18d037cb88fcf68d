/**
 * The iptables step for real, in a fresh network namespace (root): the rules are the seed's, a TCP
 * connection to the application port lands on the proxy's inbound port, outbound connections of the
 * application land on the outbound port while the proxy's own do not, a second run adds no rule, and
 * the delete script leaves the nat table as it was.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { seedHostProps } from './support/mesh';
import { defaultMesh } from '../support/mesh';
import { appendRules, describeAsRoot, run, TestNetns } from './support/netns';
import { planHost, type HostStep } from '../../src/core/host';

// a private /30 of this test file only
const HOST_IP = '10.231.7.1';
const NS_IP = '10.231.7.2';
const PROXY_UID = 2102;
const APP_UID = 4242;

// the step installs its script and unit under this root; `true` stands in for systemctl
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ipt-root-'));
afterAll(() => fs.rmSync(ROOT, { recursive: true, force: true }));
const step = (overrides = {}): HostStep =>
  planHost('iptables-test', seedHostProps({ traffic: { managementPorts: [] }, root: ROOT, serviceManager: { command: 'true' }, ...overrides }), defaultMesh()).steps.find(
    (s) => s.id === 'iptables',
  )!;

/** A node one-liner: a TCP server on `port` answering `reply` to every connection. */
const server = (port: number, reply: string, host = '0.0.0.0') =>
  `require('net').createServer((c) => c.end(${JSON.stringify(`${reply}\n`)})).listen(${port}, ${JSON.stringify(host)}, () => console.log('listening'))`;

/** Connects and returns what the server says. */
function ask(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ host, port, timeout: 5000 }, () => undefined);
    let data = '';
    c.on('data', (d) => (data += d.toString()));
    c.on('end', () => resolve(data.trim()));
    c.on('timeout', () => {
      c.destroy();
      reject(new Error(`timeout connecting to ${host}:${port}`));
    });
    c.on('error', reject);
  });
}

describeAsRoot('iptables step in a network namespace', [], () => {
  const ns = new TestNetns(`lcipt${process.pid}`, HOST_IP, NS_IP);
  const outside: ChildProcess[] = [];
  let before: string;

  /** Asks from inside the namespace, as `uid`. */
  const askFromInside = (uid: number, host: string, port: number): string =>
    ns
      .exec([
        process.execPath,
        '-e',
        `process.setgid(${uid}); process.setuid(${uid}); const c = require('net').connect({ host: ${JSON.stringify(host)}, port: ${port}, timeout: 5000 }); let d = ''; c.on('data', (x) => d += x); c.on('end', () => console.log(d.trim())); c.on('timeout', () => { console.log('timeout'); process.exit(1); }); c.on('error', (e) => { console.log('error ' + e.code); process.exit(1); });`,
      ])
      .trim();

  const waitListening = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = ns.start(args);
      child.stdout!.on('data', (d) => d.toString().includes('listening') && resolve());
      child.on('exit', (code) => reject(new Error(`listener exited ${code}`)));
    });

  beforeAll(async () => {
    ns.create();
    before = ns.natTable();
    // inside: the application on 80, the admin port (ignored) on 4191, the proxy's inbound and outbound listeners
    await Promise.all([
      waitListening([process.execPath, '-e', server(80, 'app')]),
      waitListening([process.execPath, '-e', server(4191, 'admin')]),
      waitListening([process.execPath, '-e', server(4143, 'proxy-inbound')]),
      waitListening([process.execPath, '-e', server(4140, 'proxy-outbound')]),
    ]);
    // outside: a cluster service the VM calls (its own process: the checks below block this one)
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', server(8099, 'cluster-service', HOST_IP)], { stdio: ['ignore', 'pipe', 'pipe'] });
      outside.push(child);
      child.stdout.on('data', (d) => d.toString().includes('listening') && resolve());
      child.on('exit', (code) => reject(new Error(`cluster service exited ${code}`)));
    });
  }, 60_000);

  afterAll(() => {
    for (const c of outside) if (c.pid && c.exitCode === null) process.kill(c.pid, 'SIGTERM');
    ns.destroy();
  });

  test('before: connections reach the application directly', async () => {
    expect(await ask(NS_IP, 80)).toBe('app');
    expect(askFromInside(APP_UID, HOST_IP, 8099)).toBe('cluster-service');
  });

  test('create installs exactly the seed\'s rules', () => {
    const out = ns.exec(['bash', '-c', step().create]);
    expect(out).toContain('[iptables] created chain PROXY_INIT_REDIRECT');
    expect(appendRules(ns.natTable())).toEqual([
      '-A PREROUTING -m addrtype --dst-type LOCAL -j PROXY_INIT_REDIRECT',
      '-A OUTPUT -j PROXY_INIT_OUTPUT',
      '-A PROXY_INIT_OUTPUT -m owner --uid-owner 2102 -j RETURN',
      '-A PROXY_INIT_OUTPUT -o lo -j RETURN',
      '-A PROXY_INIT_OUTPUT -p tcp -m multiport --dports 4567,4568 -j RETURN',
      '-A PROXY_INIT_OUTPUT -p tcp -j REDIRECT --to-ports 4140',
      '-A PROXY_INIT_REDIRECT -p tcp -m multiport --dports 4190,4191,4567,4568 -j RETURN',
      '-A PROXY_INIT_REDIRECT -p tcp -j REDIRECT --to-ports 4143',
    ]);
  });

  test('a TCP connection to the application port is redirected to the proxy\'s inbound port; ignored ports are not', async () => {
    expect(await ask(NS_IP, 80)).toBe('proxy-inbound');
    expect(await ask(NS_IP, 4191)).toBe('admin');
  });

  test('the application\'s outbound connections go to the proxy\'s outbound port; the proxy\'s own do not', () => {
    expect(askFromInside(APP_UID, HOST_IP, 8099)).toBe('proxy-outbound');
    expect(askFromInside(PROXY_UID, HOST_IP, 8099)).toBe('cluster-service');
  });

  test('a second run adds no rule and says so', () => {
    const table = ns.natTable();
    const out = ns.exec(['bash', '-c', step().create]);
    expect(ns.natTable()).toBe(table);
    expect(out).toContain('unchanged: chain PROXY_INIT_REDIRECT (2 rules)');
    expect(out).toContain('unchanged: chain PROXY_INIT_OUTPUT (4 rules)');
    expect(out).toContain('unchanged: PREROUTING -> PROXY_INIT_REDIRECT');
    expect(out).not.toMatch(/added|created/);
  });

  test('changed ports converge: the chain is rebuilt to the new rules, still one jump', () => {
    ns.exec(['bash', '-c', step({ traffic: { managementPorts: [22] } }).create]);
    const rules = appendRules(ns.natTable());
    expect(rules).toContain('-A PROXY_INIT_REDIRECT -p tcp -m multiport --dports 4190,4191,4567,4568,22 -j RETURN');
    expect(rules.filter((r) => r.startsWith('-A PROXY_INIT_REDIRECT'))).toHaveLength(2);
    expect(rules.filter((r) => r.startsWith('-A PREROUTING') && r.endsWith('-j PROXY_INIT_REDIRECT'))).toEqual(['-A PREROUTING -m addrtype --dst-type LOCAL -j PROXY_INIT_REDIRECT']);
  });

  test('an unrestricted jump of an older version is replaced by the restricted one', () => {
    ns.exec(['iptables', '-t', 'nat', '-I', 'PREROUTING', '-j', 'PROXY_INIT_REDIRECT']);
    ns.exec(['bash', '-c', step().create]);
    expect(appendRules(ns.natTable()).filter((r) => r.startsWith('-A PREROUTING'))).toEqual(['-A PREROUTING -m addrtype --dst-type LOCAL -j PROXY_INIT_REDIRECT']);
  });

  test('traffic the VM forwards (to a network behind it, like a container bridge) is not redirected; traffic to the VM is', async () => {
    // a namespace behind the VM: VM 10.231.8.1/30 <-> inner 10.231.8.2/30, the VM routes between
    const inner = `lcfwd${process.pid}`;
    const innerIp = '10.231.8.2';
    const vmIf = `${inner.slice(0, 10)}v`;
    const innerIf = `${inner.slice(0, 10)}i`;
    run('ip', ['netns', 'add', inner]);
    try {
      run('ip', ['link', 'add', vmIf, 'type', 'veth', 'peer', 'name', innerIf]);
      run('ip', ['link', 'set', vmIf, 'netns', ns.name]);
      run('ip', ['link', 'set', innerIf, 'netns', inner]);
      ns.exec(['ip', 'addr', 'add', '10.231.8.1/30', 'dev', vmIf]);
      ns.exec(['ip', 'link', 'set', vmIf, 'up']);
      ns.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      run('ip', ['netns', 'exec', inner, 'ip', 'addr', 'add', `${innerIp}/30`, 'dev', innerIf]);
      run('ip', ['netns', 'exec', inner, 'ip', 'link', 'set', innerIf, 'up']);
      run('ip', ['netns', 'exec', inner, 'ip', 'route', 'add', 'default', 'via', '10.231.8.1']);
      run('ip', ['route', 'replace', '10.231.8.0/30', 'via', NS_IP]);
      const child = spawn('ip', ['netns', 'exec', inner, process.execPath, '-e', server(80, 'behind-the-vm')], { stdio: ['ignore', 'pipe', 'pipe'] });
      outside.push(child);
      await new Promise<void>((resolve) => child.stdout!.on('data', (d) => d.toString().includes('listening') && resolve()));
      expect(await ask(innerIp, 80)).toBe('behind-the-vm'); // forwarded: the VM's proxy never sees it
      expect(await ask(NS_IP, 80)).toBe('proxy-inbound'); // to the VM itself: through its proxy
      // without the addrtype match the forwarded flow would have been captured
      ns.exec(['iptables', '-t', 'nat', '-I', 'PREROUTING', '-j', 'PROXY_INIT_REDIRECT']);
      expect(await ask(innerIp, 80)).toBe('proxy-inbound');
      ns.exec(['iptables', '-t', 'nat', '-D', 'PREROUTING', '-j', 'PROXY_INIT_REDIRECT']);
    } finally {
      spawnSync('ip', ['route', 'del', '10.231.8.0/30']);
      spawnSync('ip', ['netns', 'del', inner]);
    }
  });

  test('after a reboot (the nat table flushed) the unit\'s command brings the same rules back; applying twice changes nothing', () => {
    ns.exec(['bash', '-c', step().create]);
    const applied = ns.natTable();
    const unit = fs.readFileSync(path.join(ROOT, 'etc/systemd/system/linkerd-proxy-iptables.service'), 'utf8');
    expect(unit).toMatch(/^Before=linkerd-proxy\.service$/m);
    expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
    const execStart = /^ExecStart=(\S+)$/m.exec(unit)![1];
    expect(execStart).toBe(path.join(ROOT, 'opt/linkerd-proxy/bin/apply-iptables'));
    // a reboot: the kernel's tables start empty
    ns.exec(['iptables', '-t', 'nat', '-F']);
    ns.exec(['iptables', '-t', 'nat', '-X']);
    expect(ns.natTable()).not.toBe(applied);
    ns.exec([execStart]);
    expect(ns.natTable()).toBe(applied);
    ns.exec([execStart]);
    expect(ns.natTable()).toBe(applied);
  });

  test('delete leaves the nat table exactly as it was, and connections reach the application again', async () => {
    const out = ns.exec(['bash', '-c', step().delete]);
    expect(out).toContain('removed chain PROXY_INIT_OUTPUT');
    expect(ns.natTable()).toBe(before);
    expect(fs.existsSync(path.join(ROOT, 'opt/linkerd-proxy/bin/apply-iptables'))).toBe(false);
    expect(fs.existsSync(path.join(ROOT, 'etc/systemd/system/linkerd-proxy-iptables.service'))).toBe(false);
    expect(await ask(NS_IP, 80)).toBe('app');
    // deleting again is harmless
    ns.exec(['bash', '-c', step().delete]);
    expect(ns.natTable()).toBe(before);
  });
});
