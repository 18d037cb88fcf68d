/**
 * The performance benchmark (issue 7): synthetic meshes of 100, 1,000 and 10,000 meshed workloads,
 * synthesized with this library's cdk8s constructs and with raw `ApiObject`s, serialized alone (the
 * floor), analyzed, and built as a Pulumi program under mocks. Each case runs in a fresh child
 * process (compiled once to `.bench/build`), so its timings and peak memory are its own; the two
 * sides of a synthesis comparison run in two processes at once, taking turns run by run.
 *
 * ```sh
 * npm run bench                       # ts-node --transpile-only bench/run.ts
 * npm run bench -- --sizes 100,1000   # other sizes; --pulumi-size, --out, --profile
 * npm run bench -- --cold              # one synthesis per fresh process, as `cdk8s synth` runs
 * ```
 *
 * Prints progress, then a table, and writes every figure to `.bench/results.json`.
 */
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { timingOf, type AnalyzerResult, type CaseName, type CaseResult, type CaseTask, type FloorResult, type Memory, type PulumiResult, type SynthCase, type SynthResult, type Timing } from './cases';
import type { TurnMessage } from './child';
import { compileForBench, PROJECT_ROOT } from './compile';
import { LAYOUTS, syntheticMesh, type Layout } from './mesh';

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** Mesh sizes (meshed workloads). @default [100, 1000, 10000] */
  readonly sizes?: readonly number[];
  /** Sizes the analyzer runs at (its growth exponent is computed between consecutive ones). @default sizes */
  readonly analyzerSizes?: readonly number[];
  /** cdk8s app layouts to synthesize (ours and raw each). @default both: chart-per-namespace, single-chart */
  readonly layouts?: readonly Layout[];
  /** Size of the Pulumi program (0: none). @default 1000 */
  readonly pulumiSize?: number;
  /** Where the JSON results go (none when undefined). @default '.bench/results.json' from the CLI */
  readonly out?: string;
  /** Keep the cdk8s output of our constructs at the smallest size here. */
  readonly keepOutput?: string;
  /** Where the library and the benchmark are compiled (inside the project, so packages resolve). @default '.bench/build' */
  readonly buildDir?: string;
  /** Write a CPU profile of every child process into this folder (`node --cpu-prof`). */
  readonly profileDir?: string;
  /**
   * Also synthesize the control, by turns with ours and raw: the raw objects in our construct tree,
   * wrapped in construct classes with no logic (what cdk8s charges any construct library with that
   * tree). @default false
   */
  readonly control?: boolean;
  /**
   * Rounds of every comparison (cdk8s synthesis and Pulumi program), at least {@link MIN_ROUNDS}: more
   * rounds, a steadier median. `quick` wins over it. @default see {@link rounds}: 3, and 5 at
   * 10,000 workloads and for the Pulumi program
   */
  readonly rounds?: number;
  /** One warm-up and two timed runs per case (see {@link plan}). @default false */
  readonly quick?: boolean;
  /**
   * Time the cdk8s synthesis as `cdk8s synth` runs it: one synthesis per fresh process, no warm-up,
   * ours and raw by turns, {@link rounds} pairs at every size (see {@link plan}). @default false
   */
  readonly cold?: boolean;
  /** Progress and the table. @default console.log */
  readonly log?: (line: string) => void;
}

/** The machine the figures come from. */
export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
  readonly totalMemoryGiB: number;
  /** 1-minute load average when the run started (other work on the machine skews timings). */
  readonly loadAverage: number;
}

/**
 * A ratio of two cases over paired runs: run `i` of one side over run `i` of the other, taken in
 * adjacent turns (see {@link runTurns}), over every round.
 */
export interface RatioStats {
  /** Median of the paired ratios. */
  readonly median: number;
  /** Smallest and largest paired ratio: the spread. */
  readonly min: number;
  readonly max: number;
  /** Paired runs (timed runs of every round). */
  readonly pairs: number;
  /** Rounds (fresh processes) they came from. */
  readonly rounds: number;
}

/** Ours against raw `ApiObject`s in one layout, and both against the serialization floor. */
export interface LayoutResult {
  readonly layout: Layout;
  readonly ours: SynthResult;
  readonly raw: SynthResult;
  /** The control (with `control`). */
  readonly wrapped?: SynthResult;
  /** Ours over raw, run by run, with its spread. */
  readonly oursOverRaw: RatioStats;
  /** The control over raw, run by run (with `control`). */
  readonly wrappedOverRaw?: RatioStats;
  /** Ours and raw over the floor: medians divided. */
  readonly ratios: {
    /** The median of {@link LayoutResult.oursOverRaw}. */
    readonly oursOverRaw: number;
    readonly oursOverYamlFloor: number;
    readonly oursOverJsonFloor: number;
    readonly rawOverYamlFloor: number;
    /** The control over raw: the construct tree's own cost in cdk8s (with `control`). */
    readonly wrappedOverRaw?: number;
  };
}

/** Figures of one mesh size. */
export interface SizeResult {
  readonly size: number;
  readonly namespaces: number;
  readonly hosts: number;
  /** Documents written (the same for ours and raw). */
  readonly objects: number;
  readonly synthesis: readonly LayoutResult[];
  readonly floor: FloorResult;
  readonly analyzer?: AnalyzerResult;
}

/** The analyzer's growth between two sizes: `log(t2 / t1) / log(n2 / n1)`. */
export interface Growth {
  readonly from: number;
  readonly to: number;
  readonly exponent: number;
}

/** A target of the issue, and whether this run met it. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** The Pulumi program (ours) against the same resources as plain resources (raw), under mocks. */
export interface PulumiComparison {
  readonly size: number;
  readonly ours: PulumiResult;
  readonly raw: PulumiResult;
  /** Ours over raw, run by run, with its spread. */
  readonly oursOverRaw: RatioStats;
}

/** Everything one run measured. */
export interface BenchResults {
  readonly machine: MachineInfo;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly sizes: readonly SizeResult[];
  readonly analyzer: readonly AnalyzerResult[];
  readonly analyzerGrowth: readonly Growth[];
  readonly pulumi?: PulumiComparison;
  readonly targets: readonly TargetCheck[];
  /**
   * How the synthesis was timed: `warm` (warm-up runs, then several runs per process) or `cold`
   * (one synthesis per fresh process, as `cdk8s synth` runs; `--cold`).
   */
  readonly synthesisRuns: 'warm' | 'cold';
}

/**
 * Warm-up and timed runs per case and size: small sizes repeat more (they are noisier). `quick`: one
 * warm-up and two timed runs everywhere (a smoke run: every figure, no statistics). For the synthesis
 * and Pulumi cases `repeats` is the total over their {@link rounds} (at least one per round), for the
 * analyzer over its {@link analyzerRounds}; the warm-up runs in every round. `cold` (synthesis cases
 * only): no warm-up and one timed run per round, so each synthesis is the first and only one of its
 * process. `roundsOverride`: the rounds of every comparison (`--rounds`).
 */
export function plan(kind: CaseName, size: number, quick = false, cold = false, roundsOverride?: number): { warmup: number; repeats: number } {
  if (quick) return { warmup: 1, repeats: 2 };
  const compared = isSynthCase(kind) || kind === 'pulumi' || kind === 'pulumi-raw';
  const r = rounds(kind, size, false, cold, roundsOverride);
  // one timed run per round, in fresh processes: the first and only synthesis of each process
  if (cold && isSynthCase(kind)) return { warmup: 0, repeats: r };
  const base = basePlan(kind, size);
  return compared ? { warmup: base.warmup, repeats: Math.max(base.repeats, r) } : base;
}

function basePlan(kind: CaseName, size: number): { warmup: number; repeats: number } {
  if (kind === 'pulumi' || kind === 'pulumi-raw') return size <= 100 ? { warmup: 1, repeats: 6 } : { warmup: 1, repeats: 3 };
  if (size <= 100) return kind === 'analyzer' ? { warmup: 5, repeats: 21 } : { warmup: 5, repeats: 18 };
  if (size <= 1000) return kind === 'analyzer' ? { warmup: 2, repeats: 9 } : { warmup: 2, repeats: 9 };
  if (size <= 3000) return { warmup: 1, repeats: 6 };
  // every round runs at least one timed run
  return kind === 'analyzer' ? { warmup: 1, repeats: 3 } : { warmup: 0, repeats: 3 };
}

/**
 * Rounds of the analyzer: each round runs every analyzer size once (100, 1,000, 10,000, 100, ...) in
 * fresh processes, so a drift of the machine's speed shifts every size alike and the growth exponent
 * compares like with like. Each round runs its warm-up and its share of the timed runs.
 */
export function analyzerRounds(quick = false): number {
  return quick ? 1 : 3;
}

/** The share of `repeats` timed runs that round `round` of `total` rounds runs (the first rounds get the remainder). */
export function roundShare(repeats: number, round: number, total: number): number {
  return Math.floor(repeats / total) + (round < repeats % total ? 1 : 0);
}

/**
 * Rounds of a comparison (cdk8s synthesis or Pulumi program): each round starts a fresh `ours` and a
 * fresh `raw` process that take turns run by run (see {@link runTurns}); rounds average over
 * processes (JIT and heap layout differ a little from one process to the next) and over the
 * machine's load, and the rounds of all comparisons are interleaved over the whole run (see
 * {@link interleave}). At least three everywhere; five where a round times one run per process (the
 * Pulumi program, 10,000 workloads), so that no median rests on three processes' luck.
 * `override` (`--rounds`) sets the rounds of every comparison.
 */
export function rounds(kind: CaseName, size: number, quick = false, cold = false, override?: number): number {
  if (quick) return 1;
  if (override !== undefined) return override;
  // cold: a round is one pair of single runs, so more rounds where a run is short
  if (cold && isSynthCase(kind)) return size <= 1000 ? 9 : 3;
  if (kind === 'pulumi' || kind === 'pulumi-raw' || size >= 10000) return 5;
  return 3;
}

/** The least `--rounds` accepts: the median of fewer rounds is one process's luck. */
export const MIN_ROUNDS = 3;

/**
 * The jobs of several comparisons in one order: round 1 of each, then round 2 of each, and so on. A
 * stretch of the machine's load then falls on rounds of different comparisons instead of on every
 * round of one of them.
 */
export function interleave<T>(comparisons: ReadonlyArray<readonly T[]>): T[] {
  const out: T[] = [];
  const most = Math.max(0, ...comparisons.map((c) => c.length));
  for (let round = 0; round < most; round++) for (const c of comparisons) if (round < c.length) out.push(c[round]);
  return out;
}

function isSynthCase(kind: CaseName): boolean {
  return kind === 'ours' || kind === 'raw' || kind === 'wrapped';
}

/** Median and spread of paired ratios. */
export function ratioStats(ratios: readonly number[], roundCount: number): RatioStats {
  if (ratios.length === 0) throw new Error('no paired runs');
  const t = timingOf(ratios);
  return { median: t.median, min: t.min, max: Math.max(...ratios), pairs: ratios.length, rounds: roundCount };
}

/** Run `i` of `a` over run `i` of `b` (both of one round, by turns). */
export function pairedRatios(a: { total: Timing }, b: { total: Timing }): number[] {
  if (a.total.samples.length !== b.total.samples.length) throw new Error(`paired runs: ${a.total.samples.length} and ${b.total.samples.length} samples`);
  return a.total.samples.map((x, i) => x / b.total.samples[i]);
}

/** Samples and memory of the rounds of one analyzer size, as one result. */
export function mergeAnalyzerRounds(parts: readonly AnalyzerResult[]): AnalyzerResult {
  const [first] = parts;
  if (parts.length === 1) return first;
  for (const p of parts) {
    if (p.podClasses !== first.podClasses || p.checks !== first.checks || p.blocking.join('\n') !== first.blocking.join('\n')) {
      throw new Error(`analyzer ${p.size}: the rounds analyzed differently`);
    }
  }
  return { ...first, time: timingOf(parts.flatMap((p) => [...p.time.samples])), ...mostMemory(parts) };
}

/** The most memory any of the processes used. */
function mostMemory(parts: readonly Memory[]): Memory {
  return { baseRssMiB: Math.max(...parts.map((p) => p.baseRssMiB)), peakRssMiB: Math.max(...parts.map((p) => p.peakRssMiB)) };
}

/** Samples and memory of the rounds of one Pulumi case, as one result. */
export function mergePulumiRounds(parts: readonly PulumiResult[]): PulumiResult {
  const [first] = parts;
  if (parts.length === 1) return first;
  for (const p of parts) {
    if (p.resources !== first.resources || p.components !== first.components) throw new Error(`${p.case} ${p.size}: the rounds registered differently`);
  }
  const total = timingOf(parts.flatMap((p) => [...p.total.samples]));
  return {
    ...first,
    total,
    construct: timingOf(parts.flatMap((p) => [...p.construct.samples])),
    resourcesPerSecond: first.resources / (total.median / 1000),
    ...mostMemory(parts),
  };
}

/** Samples and memory of the rounds of one synthesis case, as one result. */
export function mergeRounds(parts: readonly SynthResult[]): SynthResult {
  const [first] = parts;
  if (parts.length === 1) return first;
  for (const p of parts) {
    if (p.digest !== first.digest) throw new Error(`${p.case} ${p.size} ${p.layout}: the rounds wrote different objects`);
  }
  const join = (pick: (r: SynthResult) => Timing) => timingOf(parts.flatMap((p) => [...pick(p).samples]));
  return {
    ...first,
    total: join((r) => r.total),
    construct: join((r) => r.construct),
    synth: join((r) => r.synth),
    ...mostMemory(parts),
  };
}

function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

type Message =
  | { type: 'progress'; message: string }
  | { type: 'ready' }
  | { type: 'ran'; ms: number }
  | { type: 'result'; result: CaseResult }
  | { type: 'error'; message: string };

/** A case in a fresh child process: its messages in order, its progress logged. */
class CaseProcess {
  private readonly proc: ChildProcess;
  private output = '';
  private readonly queue: Message[] = [];
  private waiter?: { resolve: (m: Message) => void; reject: (e: Error) => void };
  private failure?: Error;

  public constructor(child: string, task: CaseTask, log: (line: string) => void, private readonly label: string, profileDir?: string) {
    const name = `${task.case}-${task.size}${task.layout ? `-${task.layout}` : ''}-${process.hrtime.bigint()}.cpuprofile`;
    const execArgv = ['--expose-gc', ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', name] : [])];
    this.proc = fork(child, [JSON.stringify(task)], { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], cwd: PROJECT_ROOT });
    this.proc.stdout?.on('data', (d) => (this.output += String(d)));
    this.proc.stderr?.on('data', (d) => (this.output += String(d)));
    this.proc.on('message', (m: Message) => {
      if (m.type === 'progress') log(`  ${label}: ${m.message}`);
      else if (m.type === 'error') this.fail(new Error(`${label} failed: ${m.message}`));
      else this.deliver(m);
    });
    this.proc.on('exit', (code, signal) => {
      if (!this.failure && this.queue.length === 0) this.fail(new Error(`${label} exited (${code ?? signal}) before it reported\n${this.output.slice(-4000)}`));
    });
  }

  /** The next message of kind `type` (anything else first is an error). */
  public async next<T extends Message['type']>(type: T): Promise<Extract<Message, { type: T }>> {
    const m = await new Promise<Message>((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else if (this.queue.length > 0) resolve(this.queue.shift()!);
      else this.waiter = { resolve, reject };
    });
    if (m.type !== type) throw new Error(`${this.label}: expected "${type}", received "${m.type}"`);
    return m as Extract<Message, { type: T }>;
  }

  /** Sends a turn message (see `child.ts`). */
  public send(message: TurnMessage): void {
    this.proc.send(message);
  }

  /** Stops the process (after a failure elsewhere). */
  public kill(): void {
    if (this.proc.exitCode === null) this.proc.kill();
  }

  private deliver(m: Message): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w.resolve(m);
    else this.queue.push(m);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.failure);
  }
}

/** Runs one case in a fresh child process. */
async function runChild(child: string, task: CaseTask, log: (line: string) => void, label: string, profileDir?: string): Promise<CaseResult> {
  return (await new CaseProcess(child, task, log, label, profileDir).next('result')).result;
}

/**
 * Runs the sides of a synthesis comparison (ours, raw and maybe the control) in fresh processes at
 * once, one run each in turn, the order rotating every run: a drift of the machine's speed reaches
 * every side within a run of each other.
 */
async function runTurns(
  child: string,
  tasks: readonly CaseTask[],
  log: (line: string) => void,
  labels: readonly string[],
  profileDir?: string,
): Promise<CaseResult[]> {
  const procs = tasks.map((t, i) => new CaseProcess(child, { ...t, turns: true }, log, labels[i], profileDir));
  try {
    await Promise.all(procs.map((p) => p.next('ready')));
    const runs = tasks[0].warmup + tasks[0].repeats;
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < procs.length; k++) {
        const p = procs[(r + k) % procs.length];
        p.send({ type: 'run' });
        await p.next('ran');
      }
    }
    const results: CaseResult[] = [];
    for (const p of procs) {
      p.send({ type: 'finish' });
      results.push((await p.next('result')).result);
    }
    return results;
  } finally {
    for (const p of procs) p.kill();
  }
}

function fmtMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
}

function pad(s: string, n: number, left = false): string {
  return left ? s.padEnd(n) : s.padStart(n);
}

function table(rows: string[][], log: (line: string) => void): void {
  const widths = rows[0].map((_h, i) => Math.max(...rows.map((r) => r[i].length)));
  rows.forEach((r, j) => {
    log(r.map((c, i) => pad(c, widths[i], i === 0)).join('  '));
    if (j === 0) log(widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

/** A count as the tables print it: `10,000`. */
export const n = (x: number) => x.toLocaleString('en-US');

/** Prints the final table of a run. */
export function printResults(r: BenchResults, log: (line: string) => void = console.log): void {
  const m = r.machine;
  log('');
  log(`linkerd-constructs benchmark: ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}, ${m.platform}, load ${m.loadAverage} at start, ${r.durationSeconds.toFixed(0)} s`);
  log('');
  const runs = r.synthesisRuns === 'cold' ? 'one synthesis per fresh process (cold, as `cdk8s synth` runs)' : 'warm-up runs, then timed runs';
  log(`cdk8s synthesis: construction + validation (with the analyzer) + YAML files; ${runs}; median of the timed runs; peak RSS of the process`);
  table(
    [
      ['workloads', 'namespaces', 'objects', 'layout', 'ours', 'raw ApiObjects', 'ours/raw (paired runs: median, spread)', 'ours/YAML floor', 'ours/JSON floor', 'ours peak', 'raw peak'],
      ...r.sizes.flatMap((s) =>
        s.synthesis.map((l) => [
          n(s.size),
          String(s.namespaces),
          n(s.objects),
          l.layout,
          fmtMs(l.ours.total.median),
          fmtMs(l.raw.total.median),
          fmtRatio(l.oursOverRaw),
          `${l.ratios.oursOverYamlFloor.toFixed(2)}x`,
          `${l.ratios.oursOverJsonFloor.toFixed(0)}x`,
          `${l.ours.peakRssMiB.toFixed(0)} MiB`,
          `${l.raw.peakRssMiB.toFixed(0)} MiB`,
        ]),
      ),
    ],
    log,
  );
  log('');
  const controlled = r.sizes.flatMap((s) => s.synthesis.filter((l) => l.wrapped).map((l) => ({ s, l })));
  if (controlled.length > 0) {
    log('');
    log('control: the raw objects in our construct tree (wrapper constructs with no logic, 3 classes), by turns with ours and raw');
    table(
      [
        ['workloads', 'layout', 'control', 'control/raw', 'ours/raw'],
        ...controlled.map(({ s, l }) => [n(s.size), l.layout, fmtMs(l.wrapped!.total.median), fmtRatio(l.wrappedOverRaw!), fmtRatio(l.oursOverRaw)]),
      ],
      log,
    );
  }
  log('');
  log('serialization floor: the final objects as plain data, serialized alone; median');
  table(
    [['workloads', 'objects', 'JSON.stringify', 'YAML (as cdk8s writes it)', 'YAML bytes'], ...r.sizes.map((s) => [n(s.size), n(s.floor.objects), fmtMs(s.floor.json.median), fmtMs(s.floor.yaml.median), n(s.floor.yamlBytes)])],
    log,
  );
  log('');
  log('mesh connectivity analyzer over the final objects; median');
  table(
    [
      ['workloads', 'objects', 'pod classes', 'checks', 'time', 'blocked flows'],
      ...r.analyzer.map((a) => [n(a.size), n(a.objects), n(a.podClasses), n(a.checks), fmtMs(a.time.median), String(a.blocking.length)]),
    ],
    log,
  );
  for (const g of r.analyzerGrowth) log(`growth exponent ${n(g.from)} -> ${n(g.to)} workloads: ${g.exponent.toFixed(2)}`);
  if (r.pulumi) {
    const { ours, raw, oursOverRaw } = r.pulumi;
    log('');
    log(`Pulumi under mocks, ${n(r.pulumi.size)} workloads, by turns with plain resources (the same inputs); median of the timed runs`);
    table(
      [
        ['program', 'components', 'resources registered', 'construction', 'until registered', 'resources/s', 'peak'],
        ...[
          ['ours', ours],
          ['plain resources', raw],
        ].map(([label, p]) => {
          const x = p as PulumiResult;
          return [label as string, n(x.components), n(x.resources), fmtMs(x.construct.median), fmtMs(x.total.median), x.resourcesPerSecond.toFixed(0), `${x.peakRssMiB.toFixed(0)} MiB`];
        }),
      ],
      log,
    );
    log(`ours/plain: ${fmtRatio(oursOverRaw)}`);
  }
  log('');
  for (const t of r.targets) log(`${t.met ? 'met   ' : 'MISSED'}  ${t.target}: ${t.measured}`);
}

/** The cdk8s synthesis target: ours over raw `ApiObject`s, median of the paired runs, at every size (issue 19). */
export const SYNTH_TARGET = 1.35;
/** The Pulumi target: ours over plain resources under mocks, median of the paired runs, at 1,000 workloads (issue 19). */
export const PULUMI_TARGET = 1.3;

/** A ratio with its spread: `1.12x (1.05-1.20 over 9 pairs, 3 rounds)`. */
export function fmtRatio(r: RatioStats): string {
  return `${r.median.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)} over ${r.pairs} pairs, ${r.rounds} rounds)`;
}

function targets(
  sizes: readonly SizeResult[],
  analyzer: readonly AnalyzerResult[],
  growth: readonly Growth[],
  pulumi: PulumiComparison | undefined,
  synthesisRuns: BenchResults['synthesisRuns'],
): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const s of sizes) {
    for (const l of s.synthesis) {
      out.push({
        target: `synthesis of ${n(s.size)} workloads (${l.layout}${synthesisRuns === 'cold' ? ', cold' : ''}) <= ${SYNTH_TARGET}x raw ApiObjects`,
        measured: fmtRatio(l.oursOverRaw),
        met: l.oursOverRaw.median <= SYNTH_TARGET,
      });
    }
  }
  if (pulumi) {
    out.push({
      target: `Pulumi program of ${n(pulumi.size)} workloads <= ${PULUMI_TARGET}x plain resources${pulumi.size === 1000 ? '' : ' (the target is set at 1,000)'}`,
      measured: fmtRatio(pulumi.oursOverRaw),
      met: pulumi.oursOverRaw.median <= PULUMI_TARGET,
    });
  }
  const a10 = analyzer.find((a) => a.size === 10000);
  if (a10) out.push({ target: 'analyzer on 10,000 workloads < 10 s', measured: fmtMs(a10.time.median), met: a10.time.median < 10_000 });
  const g = growth.find((x) => x.from === 1000 && x.to === 10000);
  if (g) out.push({ target: 'analyzer growth exponent 1,000 -> 10,000 <= 1.3', measured: g.exponent.toFixed(2), met: g.exponent <= 1.3 });
  const s10 = sizes.find((s) => s.size === 10000);
  if (s10) {
    const peak = Math.max(...s10.synthesis.map((l) => l.ours.peakRssMiB));
    out.push({ target: 'synthesis of 10,000 workloads < 2 GiB peak memory', measured: `${peak.toFixed(0)} MiB`, met: peak < 2048 });
  }
  return out;
}

/** Runs the benchmark; returns (and optionally writes) every figure. */
export async function runBench(options: BenchOptions = {}): Promise<BenchResults> {
  // eslint-disable-next-line no-console
  const log = options.log ?? ((line: string) => console.log(line));
  const sizes = [...(options.sizes ?? [100, 1000, 10000])].sort((a, b) => a - b);
  const analyzerSizes = [...(options.analyzerSizes ?? sizes)].sort((a, b) => a - b);
  const pulumiSize = options.pulumiSize ?? 1000;
  if (options.rounds !== undefined && (!Number.isInteger(options.rounds) || options.rounds < MIN_ROUNDS)) {
    throw new Error(`rounds: received ${options.rounds}; expected an integer of at least ${MIN_ROUNDS}`);
  }
  const started = Date.now();
  const machine = machineInfo();
  log(`machine: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, load ${machine.loadAverage}`);
  const build = options.buildDir ?? path.join(PROJECT_ROOT, '.bench', 'build');
  const compiled = compileForBench(build);
  log(`compiled ${compiled.files} files into ${path.relative(PROJECT_ROOT, build)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (options.profileDir) fs.mkdirSync(options.profileDir, { recursive: true });

  const layouts = options.layouts ?? LAYOUTS;
  const jobs = benchJobs(sizes, analyzerSizes, layouts, pulumiSize, options);
  const results: CaseResult[] = [];
  // paired ratios, by comparison (`<case> <size> <layout>`): run i of a side over run i of raw in its round
  const pairs = new Map<string, number[]>();
  for (const [i, job] of jobs.entries()) {
    const t0 = Date.now();
    const [first] = job.tasks;
    const byTurns = job.tasks.length > 1;
    log(`[${i + 1}/${jobs.length}] ${job.label} (${first.warmup} warm-up, ${first.repeats} timed${byTurns ? ' each, by turns' : ''})`);
    if (byTurns) {
      const labels = job.tasks.map((t) => `${t.case} ${n(t.size)}${t.layout ? ` ${t.layout}` : ''}`);
      const round = await runTurns(compiled.child, job.tasks, log, labels, options.profileDir);
      const raw = round.find((r) => r.case === 'raw' || r.case === 'pulumi-raw') as SynthResult | PulumiResult;
      for (const r of round) {
        if (r === raw) continue;
        const key = comparisonKey(r.case, r.size, (r as SynthResult).layout);
        pairs.set(key, [...(pairs.get(key) ?? []), ...pairedRatios(r as SynthResult | PulumiResult, raw)]);
      }
      results.push(...round);
    } else {
      results.push(await runChild(compiled.child, first, log, job.label, options.profileDir));
    }
    log(`  ${job.label}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  const statsOf = (kind: CaseName, size: number, roundCount: number, layout?: Layout) =>
    ratioStats(pairs.get(comparisonKey(kind, size, layout)) ?? [], roundCount);
  const find = <T extends CaseResult>(kind: CaseName, size: number) => results.find((r) => r.case === kind && r.size === size) as T | undefined;
  const synthOf = (kind: SynthCase, size: number, layout: Layout) =>
    mergeRounds(results.filter((r): r is SynthResult => r.case === kind && r.size === size && (r as SynthResult).layout === layout));
  const analyzerOf = (size: number) => mergeAnalyzerRounds(results.filter((r): r is AnalyzerResult => r.case === 'analyzer' && r.size === size));
  const analyzer = analyzerSizes.map(analyzerOf);
  const sizeResults: SizeResult[] = sizes.map((size) => {
    const floor = find<FloorResult>('floor', size)!;
    const roundCount = rounds('ours', size, options.quick, options.cold, options.rounds);
    const synthesis = layouts.map((layout): LayoutResult => {
      const ours = synthOf('ours', size, layout);
      const raw = synthOf('raw', size, layout);
      if (ours.digest !== raw.digest || ours.documents !== raw.documents) {
        throw new Error(`${n(size)} workloads, ${layout}: the raw baseline does not write the same objects as our constructs (${raw.documents} vs ${ours.documents} documents, digests differ)`);
      }
      const wrapped = options.control ? synthOf('wrapped', size, layout) : undefined;
      if (wrapped && wrapped.digest !== raw.digest) throw new Error(`${n(size)} workloads, ${layout}: the control does not write the same objects as the raw baseline`);
      const oursOverRaw = statsOf('ours', size, roundCount, layout);
      const wrappedOverRaw = wrapped ? statsOf('wrapped', size, roundCount, layout) : undefined;
      return {
        layout,
        ours,
        raw,
        ...(wrapped ? { wrapped } : {}),
        oursOverRaw,
        ...(wrappedOverRaw ? { wrappedOverRaw } : {}),
        ratios: {
          oursOverRaw: oursOverRaw.median,
          oursOverYamlFloor: ours.total.median / floor.yaml.median,
          oursOverJsonFloor: ours.total.median / floor.json.median,
          rawOverYamlFloor: raw.total.median / floor.yaml.median,
          ...(wrappedOverRaw ? { wrappedOverRaw: wrappedOverRaw.median } : {}),
        },
      };
    });
    const mesh = syntheticMesh(size);
    const analyzed = analyzerSizes.includes(size) ? analyzerOf(size) : undefined;
    const objects = synthesis[0].ours.documents;
    return { size, namespaces: mesh.namespaces.length, hosts: mesh.hosts.length, objects, synthesis, floor, analyzer: analyzed };
  });
  const analyzerGrowth: Growth[] = [];
  for (let i = 1; i < analyzer.length; i++) {
    const a = analyzer[i - 1];
    const b = analyzer[i];
    analyzerGrowth.push({ from: a.size, to: b.size, exponent: Math.log(b.time.median / a.time.median) / Math.log(b.size / a.size) });
  }
  const pulumiOf = (kind: 'pulumi' | 'pulumi-raw') => mergePulumiRounds(results.filter((r): r is PulumiResult => r.case === kind));
  const pulumi: PulumiComparison | undefined =
    pulumiSize > 0
      ? { size: pulumiSize, ours: pulumiOf('pulumi'), raw: pulumiOf('pulumi-raw'), oursOverRaw: statsOf('pulumi', pulumiSize, rounds('pulumi', pulumiSize, options.quick, false, options.rounds)) }
      : undefined;
  if (pulumi) {
    const ours = pulumi.ours.resources - pulumi.ours.components - 2;
    if (ours !== pulumi.raw.resources - 2) throw new Error(`Pulumi ${n(pulumiSize)}: the baseline registers ${pulumi.raw.resources - 2} resources, ours ${ours} (besides its components)`);
  }
  // --quick wins over --cold (see plan)
  const synthesisRuns = options.cold && !options.quick ? 'cold' : 'warm';
  const out: BenchResults = {
    machine,
    startedAt: new Date(started).toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    sizes: sizeResults,
    analyzer,
    analyzerGrowth,
    ...(pulumi ? { pulumi } : {}),
    targets: targets(sizeResults, analyzer, analyzerGrowth, pulumi, synthesisRuns),
    synthesisRuns,
  };
  if (options.out) {
    fs.mkdirSync(path.dirname(options.out), { recursive: true });
    fs.writeFileSync(options.out, `${JSON.stringify(out, null, 2)}\n`);
  }
  printResults(out, log);
  if (options.out) log(`\nresults: ${path.relative(process.cwd(), options.out) || options.out}`);
  return out;
}

function comparisonKey(kind: CaseName, size: number, layout?: Layout): string {
  return `${kind} ${size}${layout ? ` ${layout}` : ''}`;
}

/**
 * The jobs of a run, in order. A job is one case in its process, or a comparison by turns: ours and
 * raw (and the control) in processes of their own, one run each in turn; a comparison runs as
 * {@link rounds} jobs, each with fresh processes, and the rounds of all comparisons are interleaved
 * ({@link interleave}). The serialization floors and the analyzer rounds follow.
 */
function benchJobs(
  sizes: readonly number[],
  analyzerSizes: readonly number[],
  layouts: readonly Layout[],
  pulumiSize: number,
  options: BenchOptions,
): Array<{ tasks: CaseTask[]; label: string }> {
  type Job = { tasks: CaseTask[]; label: string };
  const comparisons: Job[][] = [];
  const rest: Job[] = [];
  const compare = (size: number, label: string, tasksOf: (share: number, round: number, last: boolean) => CaseTask[], kind: CaseName) => {
    const cold = options.cold && isSynthCase(kind);
    const { repeats } = plan(kind, size, options.quick, cold, options.rounds);
    const r = rounds(kind, size, options.quick, cold, options.rounds);
    const jobs: Job[] = [];
    for (let round = 0; round < r; round++) {
      jobs.push({ tasks: tasksOf(roundShare(repeats, round, r), round, round === r - 1), label: `${label}${r > 1 ? ` (round ${round + 1}/${r})` : ''}` });
    }
    comparisons.push(jobs);
  };
  for (const size of sizes) {
    const { warmup } = plan('ours', size, options.quick, options.cold, options.rounds);
    for (const layout of layouts) {
      compare(
        size,
        `${options.control ? 'ours, raw and the control' : 'ours and raw'} ${n(size)} ${layout}`,
        (share, _round, last) => {
          const keep = size === sizes[0] && layout === layouts[0] && last ? options.keepOutput : undefined;
          return [
            { case: 'ours', size, layout, warmup, repeats: share, ...(keep ? { keepOutput: keep } : {}) },
            { case: 'raw', size, layout, warmup, repeats: share },
            ...(options.control ? [{ case: 'wrapped' as const, size, layout, warmup, repeats: share }] : []),
          ];
        },
        'ours',
      );
    }
    rest.push({ tasks: [{ case: 'floor', size, ...plan('floor', size, options.quick) }], label: `floor ${n(size)}` });
  }
  const ar = analyzerRounds(options.quick);
  for (let round = 0; round < ar; round++) {
    for (const size of analyzerSizes) {
      const { warmup, repeats } = plan('analyzer', size, options.quick);
      rest.push({ tasks: [{ case: 'analyzer', size, warmup, repeats: roundShare(repeats, round, ar) }], label: `analyzer ${n(size)}${ar > 1 ? ` (round ${round + 1}/${ar})` : ''}` });
    }
  }
  if (pulumiSize > 0) {
    const { warmup } = plan('pulumi', pulumiSize, options.quick, false, options.rounds);
    compare(
      pulumiSize,
      `Pulumi ours and raw ${n(pulumiSize)}`,
      (share) => [
        { case: 'pulumi', size: pulumiSize, warmup, repeats: share },
        { case: 'pulumi-raw', size: pulumiSize, warmup, repeats: share },
      ],
      'pulumi',
    );
  }
  return [...interleave(comparisons), ...rest];
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const opts: { -readonly [K in keyof BenchOptions]: BenchOptions[K] } = { out: path.join(PROJECT_ROOT, '.bench', 'results.json') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a}: expected a value`);
      return v;
    };
    const sizes = (v: string) =>
      v.split(',').map((x) => {
        const size = Number(x.replace(/_/g, ''));
        if (!Number.isInteger(size) || size < 1) throw new Error(`${a}: received ${JSON.stringify(x)}; expected positive integers separated by commas`);
        return size;
      });
    switch (a) {
      case '--sizes':
        opts.sizes = sizes(value());
        break;
      case '--analyzer-sizes':
        opts.analyzerSizes = sizes(value());
        break;
      case '--layouts': {
        const list = value().split(',');
        for (const l of list) if (!(LAYOUTS as readonly string[]).includes(l)) throw new Error(`--layouts: received ${JSON.stringify(l)}; expected ${LAYOUTS.join(' or ')}`);
        opts.layouts = list as Layout[];
        break;
      }
      case '--pulumi-size':
        opts.pulumiSize = Number(value());
        break;
      case '--out':
        opts.out = path.resolve(value());
        break;
      case '--rounds': {
        const v = value();
        const r = Number(v);
        if (!Number.isInteger(r) || r < MIN_ROUNDS) throw new Error(`--rounds: received ${JSON.stringify(v)}; expected an integer of at least ${MIN_ROUNDS} (the rounds of every comparison)`);
        opts.rounds = r;
        break;
      }
      case '--control':
        opts.control = true;
        break;
      case '--quick':
        opts.quick = true;
        break;
      case '--cold':
        opts.cold = true;
        break;
      case '--profile':
        opts.profileDir = path.join(PROJECT_ROOT, '.bench', 'profiles');
        break;
      case '--help':
      case '-h':
        // eslint-disable-next-line no-console
        console.log(
          'usage: npm run bench [-- --sizes 100,1000,10000] [--analyzer-sizes ...] [--layouts chart-per-namespace,single-chart] [--pulumi-size 1000 (0: none)] [--rounds N (>= 3)] [--out .bench/results.json] [--quick] [--cold] [--profile] [--control]',
        );
        process.exit(0);
      default:
        throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  return opts;
}

/**
 * The exit code of a bench run: 1 when a target was missed, except in a `--quick` run (two runs per
 * case: no statistics to judge a target by).
 */
export function exitCodeOf(results: Pick<BenchResults, 'targets'>, quick = false): number {
  return !quick && results.targets.some((t) => !t.met) ? 1 : 0;
}

function fail(e: unknown): void {
  // eslint-disable-next-line no-console
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}

if (require.main === module) {
  let options: BenchOptions = {};
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    fail(e);
  }
  runBench(options).then(
    (results) => {
      process.exitCode = exitCodeOf(results, options.quick);
      const missed = results.targets.filter((t) => !t.met).length;
      // eslint-disable-next-line no-console
      if (missed > 0) console.log(options.quick ? `(--quick: ${missed} target(s) not met, not judged: no statistics)` : `${missed} target(s) missed`);
    },
    fail,
  );
}
