/**
 * Network namespaces for the tests that run host steps for real: a namespace joined to the test's
 * own namespace by a veth pair on a private /30 the test chooses. Needs root and `ip`; where they are
 * missing the tests skip with one line saying why (and fail under CI=true, where they must run).
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';

/** Why real-host tests cannot run here, or undefined when they can. */
export function netnsUnavailable(tools: readonly string[] = []): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (network namespaces and iptables need root)';
  for (const tool of ['ip', 'iptables', 'iptables-save', ...tools]) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (run \`npm run test:setup\`)`;
  }
  const probe = `lcprobe${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  const ipt = spawnSync('ip', ['netns', 'exec', probe, 'iptables', '-t', 'nat', '-S'], { encoding: 'utf8' });
  spawnSync('ip', ['netns', 'del', probe]);
  if (ipt.status !== 0) return `iptables does not work in a network namespace: ${ipt.stderr.trim()}`;
  return undefined;
}

/** `describe`, or `describe.skip` after one line saying why (an error under CI=true). */
export function describeAsRoot(name: string, tools: readonly string[], fn: () => void): void {
  const why = netnsUnavailable(tools);
  if (!why) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) throw new Error(`${name}: cannot run under CI=true: ${why}`);
  // eslint-disable-next-line no-console
  console.log(`skipped: ${name}: ${why}`);
  describe.skip(`${name} (skipped: ${why})`, fn);
}

/** Runs a command, throwing with its output when it fails. */
export function run(cmd: string, args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, env: opts.env, maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** A namespace `name` with `nsIp`, joined by a veth pair to the test's namespace at `hostIp` (both /30). */
export class TestNetns {
  private readonly children: ChildProcess[] = [];
  private created = false;
  private readonly hostIf: string;

  public constructor(public readonly name: string, public readonly hostIp: string, public readonly nsIp: string) {
    this.hostIf = `${name.slice(0, 10)}h`;
  }

  /** Creates the namespace and the link. */
  public create(): void {
    this.destroy();
    run('ip', ['netns', 'add', this.name]);
    this.created = true;
    const peer = `${this.name.slice(0, 10)}n`;
    run('ip', ['link', 'add', this.hostIf, 'type', 'veth', 'peer', 'name', peer]);
    run('ip', ['link', 'set', peer, 'netns', this.name]);
    run('ip', ['addr', 'add', `${this.hostIp}/30`, 'dev', this.hostIf]);
    run('ip', ['link', 'set', this.hostIf, 'up']);
    this.exec(['ip', 'addr', 'add', `${this.nsIp}/30`, 'dev', peer]);
    this.exec(['ip', 'link', 'set', peer, 'up']);
    this.exec(['ip', 'link', 'set', 'lo', 'up']);
  }

  /** Runs a command in the namespace. */
  public exec(args: readonly string[], opts: { input?: string } = {}): string {
    return run('ip', ['netns', 'exec', this.name, ...args], opts);
  }

  /** Runs a command in the namespace and returns status and output. */
  public tryExec(args: readonly string[], opts: { input?: string } = {}): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('ip', ['netns', 'exec', this.name, ...args], { encoding: 'utf8', input: opts.input ?? '' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Starts a long-running process in the namespace (stopped by {@link destroy}). */
  public start(args: readonly string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    return child;
  }

  /** The nat table as `iptables-save` prints it, without comments and counters (comparable across runs). */
  public natTable(): string {
    return normalizeSave(this.exec(['iptables-save', '-t', 'nat']));
  }

  /** Stops the processes this namespace started, removes the link and the namespace. Safe to call twice. */
  public destroy(): void {
    for (const c of this.children.splice(0)) {
      if (c.exitCode === null && c.pid) {
        try {
          process.kill(c.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
    // processes started inside (e.g. sshd children) die with their namespace's processes killed above;
    // kill any stragglers that still hold the namespace
    const pids = spawnSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8' });
    for (const pid of (pids.stdout ?? '').split('\n').map((p) => Number(p)).filter((p) => p > 0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    spawnSync('ip', ['link', 'del', this.hostIf]);
    if (this.created || spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').some((l) => l.split(' ')[0] === this.name)) {
      spawnSync('ip', ['netns', 'del', this.name]);
    }
    this.created = false;
  }
}

/** `iptables-save` output without comment lines and packet counters. */
export function normalizeSave(text: string): string {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/\s\[\d+:\d+\]$/, ''))
    .join('\n');
}

/** The `-A` rules of `iptables-save` output, in order. */
export function appendRules(save: string): string[] {
  return save.split('\n').filter((l) => l.startsWith('-A '));
}
