/**
 * The measurements, each run in a fresh child process (see `child.ts`) so its timings and peak
 * memory are its own (the two sides of a synthesis comparison live in two processes at once, taking
 * turns run by run). Every case reports its samples (after warm-up runs), their median, and the
 * process's peak resident set size.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify as yamlStringify } from 'yaml';
import { API_SERVER_CIDRS, MESH_INFO, syntheticMesh, type BenchMesh, type Layout } from './mesh';
import { buildOurs } from './ours';
import { buildRaw, buildWrapped, rawCharts } from './raw';
import { analyzeMesh, linkerdNetworkPolicies, type KubeObject } from '../src/core';

/** The cases. */
export type CaseName = 'ours' | 'raw' | 'wrapped' | 'floor' | 'analyzer' | 'pulumi' | 'pulumi-raw';

/** The synthesis cases: our constructs, the raw baseline, and the control (raw objects in our construct tree). */
export type SynthCase = 'ours' | 'raw' | 'wrapped';

/** What the parent asks a child to run. */
export interface CaseTask {
  readonly case: CaseName;
  readonly size: number;
  /** Synthesis cases: how the app is organised. @default 'chart-per-namespace' */
  readonly layout?: Layout;
  /** Untimed runs first (JIT warm-up; the Pulumi case warms up on a tenth of the size). */
  readonly warmup: number;
  /** Timed runs; the figure is their median. */
  readonly repeats: number;
  /** Synthesis cases: keep the last run's output here (else a temporary folder, removed). */
  readonly keepOutput?: string;
  /** Synthesis cases: run one run each time the parent says so (see `child.ts`), not all at once. */
  readonly turns?: boolean;
}

/** Timings of a case: every sample, their median and minimum, in milliseconds. */
export interface Timing {
  readonly samples: readonly number[];
  readonly median: number;
  readonly min: number;
}

/** Memory of the child process, MiB. */
export interface Memory {
  /** Resident set size after loading the modules, before the case ran. */
  readonly baseRssMiB: number;
  /** Peak resident set size of the process (`process.resourceUsage().maxRSS`). */
  readonly peakRssMiB: number;
}

/** A cdk8s synthesis (ours or raw): construction, then `app.synth()` (validation and YAML files). */
export interface SynthResult extends Memory {
  readonly case: SynthCase;
  readonly size: number;
  readonly layout: Layout;
  /** Construction + synthesis. */
  readonly total: Timing;
  readonly construct: Timing;
  readonly synth: Timing;
  /** Documents written. */
  readonly documents: number;
  /** Bytes written. */
  readonly bytes: number;
  /** sha256 of the sorted documents: equal for ours and raw when they write the same objects. */
  readonly digest: string;
  /** Where the output was kept (with `keepOutput`). */
  readonly outdir?: string;
}

/** Serialization of the final objects alone (no cdk8s). */
export interface FloorResult extends Memory {
  readonly case: 'floor';
  readonly size: number;
  readonly objects: number;
  /** `JSON.stringify` of every object. */
  readonly json: Timing;
  /** YAML of every object, as cdk8s writes it (`yaml`, YAML 1.1, no line wrapping), one stream per chart. */
  readonly yaml: Timing;
  readonly yamlBytes: number;
}

/** The mesh connectivity analyzer over the final objects. */
export interface AnalyzerResult extends Memory {
  readonly case: 'analyzer';
  readonly size: number;
  readonly objects: number;
  readonly time: Timing;
  readonly ok: boolean;
  readonly blocking: readonly string[];
  readonly podClasses: number;
  readonly checks: number;
  readonly networkPolicies: number;
}

/** The Pulumi program constructed under mocks: ours (`pulumi`) or the baseline of plain resources (`pulumi-raw`). */
export interface PulumiResult extends Memory {
  readonly case: 'pulumi' | 'pulumi-raw';
  readonly size: number;
  readonly components: number;
  /** Resources the mocks registered. */
  readonly resources: number;
  /** Synchronous construction of the program. */
  readonly construct: Timing;
  /** Construction until every registration reached the mocks. */
  readonly total: Timing;
  /** `resources / total.median`, per second. */
  readonly resourcesPerSecond: number;
}

/** Any case's result. */
export type CaseResult = SynthResult | FloorResult | AnalyzerResult | PulumiResult;

/** Progress messages (printed by the parent). */
export type Progress = (message: string) => void;

/** Median and minimum of timed samples. */
export function timingOf(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { samples: [...samples], median, min: sorted[0] };
}

function now(): number {
  return performance.now();
}

/** Collects garbage when the process runs with `--expose-gc` (the bench's children do). */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const MIB = 1024 * 1024;

/** The process's memory: `baseRss` (bytes, before the case ran) and its peak so far. */
export function memory(baseRss: number): Memory {
  // maxRSS is in KiB
  return { baseRssMiB: baseRss / MIB, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

/** The final objects, as plain data, by chart. */
function finalObjects(mesh: BenchMesh): KubeObject[][] {
  return rawCharts(mesh).map((c) => c.objects.map((o) => o.object));
}

/** Documents and digest of a synthesized folder. */
function outputDigest(dir: string): { documents: number; bytes: number; digest: string } {
  const docs: string[] = [];
  let bytes = 0;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.k8s.yaml')).sort()) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    bytes += Buffer.byteLength(text);
    docs.push(...text.split(/^---\n/m).filter((d) => d.trim() !== ''));
  }
  docs.sort();
  const hash = createHash('sha256');
  for (const d of docs) hash.update(d).update('\0');
  return { documents: docs.length, bytes, digest: hash.digest('hex') };
}

/**
 * One synthesis case in this process, run by run: `run()` builds and synthesizes the app once (a
 * warm-up run for the first `task.warmup` calls), `finish()` digests the last output and reports.
 * The parent drives an `ours` and a `raw` session in two processes alternately, one run each in
 * turn, so a drift of the machine's speed reaches both sides alike.
 */
export class SynthSession {
  private readonly mesh: BenchMesh;
  private readonly layout: Layout;
  private readonly tmp: string;
  private readonly construct: number[] = [];
  private readonly synth: number[] = [];
  private readonly total: number[] = [];
  private runs = 0;
  private outdir = '';

  public constructor(
    private readonly task: CaseTask,
    private readonly progress: Progress,
    private readonly baseRss: number,
  ) {
    if (task.case !== 'ours' && task.case !== 'raw' && task.case !== 'wrapped') throw new Error(`not a synthesis case: ${task.case}`);
    this.mesh = syntheticMesh(task.size);
    this.layout = task.layout ?? 'chart-per-namespace';
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `linkerd-constructs-bench-${task.case}-`));
  }

  /** Runs planned (warm-up and timed). */
  public get planned(): number {
    return this.task.warmup + this.task.repeats;
  }

  /** True once the planned runs ran. */
  public get done(): boolean {
    return this.runs >= this.planned;
  }

  /** Builds and synthesizes the app once; returns the total time in milliseconds. */
  public run(): number {
    const task = this.task;
    const r = this.runs++;
    const timed = r >= task.warmup;
    const last = r === this.planned - 1;
    this.outdir = last && task.keepOutput ? task.keepOutput : path.join(this.tmp, `run-${r}`);
    fs.rmSync(this.outdir, { recursive: true, force: true });
    gc();
    if (this.planned > 1 && (task.size >= 1000 || r === 0)) this.progress(`${timed ? 'run' : 'warm-up'} ${timed ? r - task.warmup + 1 : r + 1}/${timed ? task.repeats : task.warmup}`);
    const build = task.case === 'ours' ? buildOurs : task.case === 'wrapped' ? buildWrapped : buildRaw;
    const t0 = now();
    const app = build(this.mesh, this.outdir, this.layout);
    const t1 = now();
    if (task.size >= 10000) this.progress(`constructed in ${((t1 - t0) / 1000).toFixed(1)} s; synthesizing`);
    app.synth();
    const t2 = now();
    if (timed) {
      this.construct.push(t1 - t0);
      this.synth.push(t2 - t1);
      this.total.push(t2 - t0);
    }
    // keep only the last output (the digest reads it)
    if (!last) fs.rmSync(this.outdir, { recursive: true, force: true });
    return t2 - t0;
  }

  /** The result (after the planned runs), and the temporary folder removed. */
  public finish(): SynthResult {
    try {
      if (this.runs !== this.planned) throw new Error(`${this.task.case} ${this.task.size}: ${this.runs} runs of ${this.planned} planned`);
      const out = outputDigest(this.outdir);
      return {
        case: this.task.case as SynthCase,
        size: this.task.size,
        layout: this.layout,
        total: timingOf(this.total),
        construct: timingOf(this.construct),
        synth: timingOf(this.synth),
        ...out,
        ...(this.task.keepOutput ? { outdir: this.task.keepOutput } : {}),
        ...memory(this.baseRss),
      };
    } finally {
      fs.rmSync(this.tmp, { recursive: true, force: true });
    }
  }
}

function runSynth(task: CaseTask, progress: Progress, baseRss: number): SynthResult {
  const session = new SynthSession(task, progress, baseRss);
  while (!session.done) session.run();
  return session.finish();
}

function runFloor(task: CaseTask, progress: Progress, baseRss: number): FloorResult {
  const charts = finalObjects(syntheticMesh(task.size));
  const objects = charts.reduce((n, c) => n + c.length, 0);
  const json: number[] = [];
  const yaml: number[] = [];
  let yamlBytes = 0;
  for (let r = 0; r < task.warmup + task.repeats; r++) {
    gc();
    const t0 = now();
    let jsonLength = 0;
    for (const c of charts) for (const o of c) jsonLength += JSON.stringify(o).length;
    const t1 = now();
    gc();
    const t2 = now();
    yamlBytes = 0;
    for (const c of charts) yamlBytes += Buffer.byteLength(c.map((o) => yamlStringify(o, { keepUndefined: true, lineWidth: 0, version: '1.1' })).join('---\n'));
    const t3 = now();
    if (r >= task.warmup) {
      json.push(t1 - t0);
      yaml.push(t3 - t2);
    }
    if (jsonLength === 0) throw new Error('nothing serialized');
    if (task.size >= 1000) progress(`run ${r + 1}/${task.warmup + task.repeats}`);
  }
  return { case: 'floor', size: task.size, objects, json: timingOf(json), yaml: timingOf(yaml), yamlBytes, ...memory(baseRss) };
}

/** The objects and options the cdk8s validation gives the analyzer for the platform. */
export function analyzerInput(mesh: BenchMesh): { objects: KubeObject[]; options: ReturnType<typeof linkerdNetworkPolicies>['analysisOptions'] } {
  const plan = linkerdNetworkPolicies({
    mesh: { info: MESH_INFO },
    namespaces: mesh.namespaces.map((ns) => ns.name),
    apiServerCidrs: API_SERVER_CIDRS,
  });
  return { objects: finalObjects(mesh).flat(), options: plan.analysisOptions };
}

function runAnalyzer(task: CaseTask, progress: Progress, baseRss: number): AnalyzerResult {
  const { objects, options } = analyzerInput(syntheticMesh(task.size));
  const samples: number[] = [];
  let last: ReturnType<typeof analyzeMesh> | undefined;
  for (let r = 0; r < task.warmup + task.repeats; r++) {
    gc();
    const t0 = now();
    last = analyzeMesh(objects, options);
    const t1 = now();
    if (r >= task.warmup) samples.push(t1 - t0);
    if (task.size >= 10000) progress(`run ${r + 1}/${task.warmup + task.repeats}: ${(t1 - t0).toFixed(0)} ms`);
  }
  return {
    case: 'analyzer',
    size: task.size,
    objects: objects.length,
    time: timingOf(samples),
    ok: last!.ok,
    blocking: last!.blocking.map((f) => f.id),
    podClasses: last!.summary.podClasses,
    checks: last!.summary.checks,
    networkPolicies: last!.summary.networkPolicies,
    ...memory(baseRss),
  };
}

async function runPulumi(task: CaseTask, progress: Progress): Promise<PulumiResult> {
  // loaded here: the cdk8s cases never load Pulumi
  const { PulumiSession } = await import('./pulumi');
  const session = await PulumiSession.start(task, progress);
  while (!session.done) await session.run();
  return session.finish();
}

/** Runs one case in this process. */
export async function runCase(task: CaseTask, progress: Progress = () => undefined): Promise<CaseResult> {
  const baseRss = process.memoryUsage().rss;
  switch (task.case) {
    case 'ours':
    case 'raw':
    case 'wrapped':
      return runSynth(task, progress, baseRss);
    case 'floor':
      return runFloor(task, progress, baseRss);
    case 'analyzer':
      return runAnalyzer(task, progress, baseRss);
    case 'pulumi':
    case 'pulumi-raw':
      return runPulumi(task, progress);
    default:
      throw new Error(`unknown case ${JSON.stringify(task.case)}`);
  }
}
