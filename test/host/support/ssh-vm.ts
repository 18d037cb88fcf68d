/**
 * A stand-in VM reached over real SSH: openssh-server in a network namespace on a veth pair, its own
 * host and client keys, one multiplexed connection. `ssh(commandLine, input)` runs a command line the
 * way `remote.Command` does (login shell, standard input). Also: TCP listeners outside the VM (the
 * control plane, a SPIRE server port) and a tree snapshot for before/after comparisons.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { run, TestNetns } from './netns';

/** What a command returned. */
export interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Files under `root`: type, mode and content hash of each (sorted), for before/after comparisons. */
export function tree(root: string, exclude: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name);
      const rel = path.relative(root, full);
      if (exclude(rel)) continue;
      const st = fs.lstatSync(full);
      const mode = (st.mode % 0o10000).toString(8);
      if (e.isDirectory()) {
        out.push(`d ${mode} ${rel}/`);
        walk(full);
      } else if (e.isSocket()) {
        out.push(`s ${mode} ${rel}`);
      } else {
        out.push(`f ${mode} ${rel} ${createHash('sha256').update(fs.readFileSync(full)).digest('hex').slice(0, 16)}`);
      }
    }
  };
  walk(root);
  return out;
}

/** An isolated root: what a fresh machine has before a plan runs. */
export function freshRoot(root: string): void {
  for (const d of ['etc/systemd/system', 'opt', 'var/lib', 'tmp']) fs.mkdirSync(path.join(root, d), { recursive: true, mode: 0o755 });
  fs.chmodSync(root, 0o755);
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n', { mode: 0o644 });
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\n', { mode: 0o644 });
  fs.writeFileSync(path.join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
  fs.writeFileSync(path.join(root, 'etc/gshadow'), 'root:*::\n', { mode: 0o640 });
}

/** The stand-in VM. */
export class SshVm {
  public readonly ns: TestNetns;
  private sshOpts: string[] = [];
  private readonly outside: ChildProcess[] = [];
  private readonly hostsDir: string;
  private createdNetnsEtc = false;

  /**
   * @param name   network namespace name
   * @param hostIp address of the test's side of the veth pair (where outside listeners bind)
   * @param vmIp   address of the VM's side
   * @param port   SSH port
   */
  public constructor(name: string, public readonly hostIp: string, public readonly vmIp: string, public readonly port: number) {
    this.ns = new TestNetns(name, hostIp, vmIp);
    this.hostsDir = `/etc/netns/${name}`;
  }

  /** Creates the namespace, names `hostIp` as each of `hostNames` in its hosts file, starts sshd and waits for it. */
  public async start(work: string, hostNames: readonly string[]): Promise<void> {
    this.ns.create();
    if (!fs.existsSync('/etc/netns')) this.createdNetnsEtc = true;
    fs.mkdirSync(this.hostsDir, { recursive: true });
    fs.writeFileSync(path.join(this.hostsDir, 'hosts'), `127.0.0.1 localhost\n${this.hostIp} ${hostNames.join(' ')}\n`);
    const sshDir = path.join(work, 'ssh');
    fs.mkdirSync(sshDir, { mode: 0o700 });
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(sshDir, 'host_key')]);
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(sshDir, 'id_ed25519')]);
    fs.copyFileSync(path.join(sshDir, 'id_ed25519.pub'), path.join(sshDir, 'authorized_keys'));
    fs.writeFileSync(path.join(sshDir, 'known_hosts'), `[${this.vmIp}]:${this.port} ${fs.readFileSync(path.join(sshDir, 'host_key.pub'), 'utf8')}`);
    const config = [
      `Port ${this.port}`, `ListenAddress ${this.vmIp}`, `HostKey ${path.join(sshDir, 'host_key')}`, `PidFile ${path.join(sshDir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(sshDir, 'authorized_keys')}`, 'PermitRootLogin prohibit-password', 'PasswordAuthentication no',
      'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', 'PrintMotd no', 'PrintLastLog no', 'UseDNS no', 'PermitTTY no',
      'X11Forwarding no', 'AllowAgentForwarding no', 'LogLevel ERROR', '',
    ];
    fs.writeFileSync(path.join(sshDir, 'sshd_config'), config.join('\n'));
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    this.ns.start(['/usr/sbin/sshd', '-D', '-e', '-f', path.join(sshDir, 'sshd_config')]);
    this.sshOpts = [
      '-F', '/dev/null', '-i', path.join(sshDir, 'id_ed25519'), '-p', String(this.port),
      '-o', `UserKnownHostsFile=${path.join(sshDir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
      '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=5', '-o', 'GSSAPIAuthentication=no', '-T',
      '-o', 'ControlMaster=auto', '-o', `ControlPath=${path.join(sshDir, 'control-%C')}`, '-o', 'ControlPersist=120',
    ];
    for (let i = 0; ; i++) {
      if (this.ssh('true').status === 0) break;
      if (i > 50) throw new Error(`sshd did not accept connections: ${this.ssh('true').stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Runs a command line on the VM as root over SSH, `input` on its standard input. */
  public ssh(commandLine: string, input = ''): Result {
    const r = spawnSync('ssh', [...this.sshOpts, `root@${this.vmIp}`, commandLine], { input, encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** TCP listeners on `hostIp` (outside the VM) that accept and close: the control plane's ports, a SPIRE server's. */
  public async listen(ports: readonly number[]): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['-e', `const net = require('net'); let n = 0; for (const p of ${JSON.stringify(ports)}) net.createServer((c) => c.end()).listen(p, ${JSON.stringify(this.hostIp)}, () => { if (++n === ${ports.length}) console.log('listening'); });`],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      this.outside.push(child);
      child.stdout.on('data', (d) => d.toString().includes('listening') && resolve());
      child.on('exit', (code) => reject(new Error(`listener exited ${code}`)));
    });
  }

  /** Stops everything and removes the namespace. */
  public destroy(): void {
    for (const c of this.outside) if (c.pid && c.exitCode === null) process.kill(c.pid, 'SIGTERM');
    this.ns.destroy();
    fs.rmSync(this.hostsDir, { recursive: true, force: true });
    if (this.createdNetnsEtc) fs.rmSync('/etc/netns', { recursive: true, force: true });
  }
}
