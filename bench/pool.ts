/**
 * Pools the paired runs of several bench results point by point: the same pairs each run's ratio
 * comes from (run *i* of ours over run *i* of raw, taken in adjacent turns), more of them, so the
 * median is steadier than any one run's. Warm and cold (`--cold`) runs are pooled apart.
 *
 * npm run bench:pool -- .bench/a.json .bench/b.json ...   # exits with 1 when a pooled median misses its target
 */
import * as fs from 'fs';
import { fmtRatio, n, pairedRatios, PULUMI_TARGET, ratioStats, SYNTH_TARGET, type BenchResults, type RatioStats } from './run';

/** One point (a synthesis size and layout, or the Pulumi program) over every run that has it. */
export interface PooledPoint {
  readonly point: string;
  /** Its target (the largest ours/raw that meets it). */
  readonly target: number;
  /** Runs that had the point. */
  readonly runs: number;
  /** Median and spread of every paired run of those runs; `rounds` is their total. */
  readonly stats: RatioStats;
}

/** The points of `results`, each over every run that has it, in the order they first appear. */
export function poolResults(results: readonly BenchResults[]): PooledPoint[] {
  const points = new Map<string, { target: number; ratios: number[]; rounds: number; runs: number }>();
  const add = (point: string, target: number, ratios: readonly number[], rounds: number) => {
    const p = points.get(point) ?? { target, ratios: [], rounds: 0, runs: 0 };
    p.ratios.push(...ratios);
    p.rounds += rounds;
    p.runs += 1;
    points.set(point, p);
  };
  for (const r of results) {
    const cold = r.synthesisRuns === 'cold' ? ', cold' : '';
    for (const s of r.sizes) {
      for (const l of s.synthesis) add(`synthesis of ${n(s.size)} workloads (${l.layout}${cold})`, SYNTH_TARGET, pairedRatios(l.ours, l.raw), l.oursOverRaw.rounds);
    }
    if (r.pulumi) add(`Pulumi program of ${n(r.pulumi.size)} workloads`, PULUMI_TARGET, pairedRatios(r.pulumi.ours, r.pulumi.raw), r.pulumi.oursOverRaw.rounds);
  }
  return [...points].map(([point, p]) => ({ point, target: p.target, runs: p.runs, stats: ratioStats(p.ratios, p.rounds) }));
}

function main(files: readonly string[]): number {
  if (files.length === 0) throw new Error('expected the JSON results of one or more bench runs (npm run bench -- --out FILE)');
  const results = files.map((f) => {
    const r = JSON.parse(fs.readFileSync(f, 'utf8')) as BenchResults;
    if (!Array.isArray(r.sizes)) throw new Error(`${f}: not the results of a bench run (no "sizes")`);
    return r;
  });
  const pooled = poolResults(results);
  // eslint-disable-next-line no-console
  for (const p of pooled) console.log(`${p.stats.median <= p.target ? 'met   ' : 'MISSED'}  ${p.point} <= ${p.target}x: ${fmtRatio(p.stats)}, ${p.runs} run${p.runs === 1 ? '' : 's'}`);
  return pooled.some((p) => p.stats.median > p.target) ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    // eslint-disable-next-line no-console
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  }
}
