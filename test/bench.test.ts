/**
 * The benchmark (`npm run bench`, issue 7) at its smallest size, through the same code as a full
 * run, so it cannot rot: every case runs in its child process and every figure comes out.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, type App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import type { AnalyzerResult } from '../bench/cases';
import { LAYOUTS, syntheticMesh, type BenchMesh } from '../bench/mesh';
import { buildOurs } from '../bench/ours';
import { poolResults } from '../bench/pool';
import { buildRaw, buildWrapped, rawCharts, rawObjects, type RawObject } from '../bench/raw';
import { analyzerRounds, exitCodeOf, interleave, mergeAnalyzerRounds, MIN_ROUNDS, pairedRatios, plan, PULUMI_TARGET, ratioStats, roundShare, rounds, runBench, SYNTH_TARGET, type BenchResults } from '../bench/run';
import { expectConformant } from './support/conformance';

const PROJECT_ROOT = path.resolve(__dirname, '..');

describe('benchmark (smallest size)', () => {
  // inside the project (the compiled files resolve packages from its node_modules), apart from a real run's
  const work = path.join(PROJECT_ROOT, '.bench', `test-${process.pid}`);
  const lines: string[] = [];
  let results: BenchResults;

  beforeAll(async () => {
    results = await runBench({
      sizes: [100],
      analyzerSizes: [10, 100],
      pulumiSize: 100,
      // the control too (raw objects in our construct tree), by turns with ours and raw
      control: true,
      // one warm-up, two timed runs: every figure, quickly (the statistics are a real run's business)
      quick: true,
      // --quick wins over --cold: the smoke run stays short, and its results say they were warm
      cold: true,
      out: path.join(work, 'results.json'),
      keepOutput: path.join(work, 'out'),
      buildDir: path.join(work, 'build'),
      log: (line) => lines.push(line),
    });
  }, 120_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('ours, raw ApiObjects and the control synthesize the same objects in every layout, with positive timings and memory', () => {
    expect(results.sizes.map((s) => s.size)).toEqual([100]);
    const s = results.sizes[0];
    expect(s.namespaces).toBeGreaterThan(1);
    expect(s.hosts).toBe(s.namespaces);
    // a Deployment, a Server, an AuthorizationPolicy and a MeshTLSAuthentication per workload, and more
    expect(s.objects).toBeGreaterThan(4 * 100);
    expect(s.synthesis.map((l) => l.layout)).toEqual([...LAYOUTS]);
    for (const l of s.synthesis) {
      expect(l.wrapped?.case).toBe('wrapped');
      for (const r of [l.ours, l.raw, l.wrapped!]) {
        expect(r.documents).toBe(s.objects);
        expect(r.total.samples).toHaveLength(plan(r.case, 100, true).repeats);
        for (const t of [r.total, r.construct, r.synth]) {
          expect(t.median).toBeGreaterThan(0);
          expect(t.min).toBeGreaterThan(0);
          expect(t.min).toBeLessThanOrEqual(t.median);
        }
        expect(r.peakRssMiB).toBeGreaterThan(r.baseRssMiB);
      }
      expect(l.ours.digest).toBe(l.raw.digest);
      expect(l.wrapped!.digest).toBe(l.raw.digest);
      // one round (quick): the ratios are those of the runs taken in turn, run by run
      expect(l.oursOverRaw).toEqual(ratioStats(pairedRatios(l.ours, l.raw), 1));
      expect(l.wrappedOverRaw).toEqual(ratioStats(pairedRatios(l.wrapped!, l.raw), 1));
      expect(l.oursOverRaw.pairs).toBe(l.ours.total.samples.length);
      expect(l.oursOverRaw.min).toBeLessThanOrEqual(l.oursOverRaw.median);
      expect(l.oursOverRaw.median).toBeLessThanOrEqual(l.oursOverRaw.max);
      expect(l.ratios.oursOverRaw).toBe(l.oursOverRaw.median);
      expect(l.ratios.wrappedOverRaw).toBe(l.wrappedOverRaw!.median);
      for (const ratio of Object.values(l.ratios)) {
        expect(Number.isFinite(ratio)).toBe(true);
        expect(ratio).toBeGreaterThan(0);
      }
    }
  });

  test('the serialization floor serializes the same number of objects, as JSON and YAML', () => {
    const f = results.sizes[0].floor;
    expect(f.objects).toBe(results.sizes[0].objects);
    expect(f.json.median).toBeGreaterThan(0);
    expect(f.yaml.median).toBeGreaterThan(0);
    expect(f.yamlBytes).toBeGreaterThan(0);
  });

  test('the analyzer finds no broken flow in the generated mesh, at each size, with a growth exponent', () => {
    expect(results.analyzer.map((a) => a.size)).toEqual([10, 100]);
    for (const a of results.analyzer) {
      expect(a.ok).toBe(true);
      expect(a.blocking).toEqual([]);
      expect(a.podClasses).toBeGreaterThanOrEqual(a.size);
      expect(a.networkPolicies).toBeGreaterThan(0);
      expect(a.time.median).toBeGreaterThan(0);
    }
    expect(results.analyzerGrowth).toHaveLength(1);
    expect(results.analyzerGrowth[0]).toMatchObject({ from: 10, to: 100 });
    expect(Number.isFinite(results.analyzerGrowth[0].exponent)).toBe(true);
  });

  test('the Pulumi program and its baseline of plain resources register the same resources under mocks, by turns', () => {
    const { ours, raw, oursOverRaw, size } = results.pulumi!;
    expect(size).toBe(100);
    // a MeshAuthorization per workload, an ExternalWorkloadHost per namespace, the LinkerdNetworkPolicies
    expect(ours.components).toBe(100 + results.sizes[0].hosts + 1);
    expect(raw.components).toBe(0);
    // the same resources besides our components
    expect(raw.resources).toBe(ours.resources - ours.components);
    expect(ours.resources).toBeGreaterThan(results.sizes[0].objects);
    for (const p of [ours, raw]) {
      expect(p.total.samples).toHaveLength(plan('pulumi', 100, true).repeats);
      expect(p.total.median).toBeGreaterThan(0);
      expect(p.resourcesPerSecond).toBeGreaterThan(0);
    }
    expect(oursOverRaw).toEqual(ratioStats(pairedRatios(ours, raw), 1));
  });

  test('the results are written as JSON, the table printed with the targets checked', () => {
    expect(JSON.parse(fs.readFileSync(path.join(work, 'results.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(results)));
    expect(results.machine.cpus).toBeGreaterThan(0);
    expect(results.machine.node).toBe(process.version);
    expect(results.targets.map((t) => t.target)).toEqual([
      ...LAYOUTS.map((l) => `synthesis of 100 workloads (${l}) <= ${SYNTH_TARGET}x raw ApiObjects`),
      `Pulumi program of 100 workloads <= ${PULUMI_TARGET}x plain resources (the target is set at 1,000)`,
    ]);
    for (const t of results.targets) expect(t.measured).toMatch(/^\d+\.\d\dx \(\d+\.\d\d-\d+\.\d\d over 2 pairs, 1 rounds\)$/);
    expect(results.synthesisRuns).toBe('warm');
    const text = lines.join('\n');
    expect(text).toContain('warm-up runs, then timed runs');
    expect(text).toContain('ours/raw');
    expect(text).toContain('control/raw');
    expect(text).toContain('growth exponent 10 -> 100 workloads');
    expect(text).toContain('Pulumi under mocks, 100 workloads, by turns with plain resources');
    expect(text).toMatch(/ours\/plain: \d+\.\d\dx/);
  });

  test('pooling runs keeps every paired run of each point: two copies of this run, twice the pairs, the same medians', () => {
    const pooled = poolResults([results, results]);
    const own = new Map(results.targets.map((t) => [t.target.replace(/ raw ApiObjects$| plain resources.*$/, ''), t.measured]));
    expect(pooled.map((p) => `${p.point} <= ${p.target}x`)).toEqual([...own.keys()]);
    for (const p of pooled) {
      expect(p.runs).toBe(2);
      expect(p.stats.pairs).toBe(4);
      expect(p.stats.rounds).toBe(2);
      // the median of a list twice over is the list's median
      expect(own.get(`${p.point} <= ${p.target}x`)).toContain(`${p.stats.median.toFixed(2)}x (${p.stats.min.toFixed(2)}-${p.stats.max.toFixed(2)}`);
    }
  });

  test('what our constructs synthesized is conformant', () => {
    const dir = path.join(work, 'out');
    const docs = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.k8s.yaml'))
      .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()))
      .filter((d) => d !== null && d !== undefined);
    expect(docs).toHaveLength(results.sizes[0].objects);
    expectConformant(docs);
  });
});

describe('benchmark rounds', () => {
  test('the timed runs of every case split over its rounds without losing or adding one; every comparison takes three rounds or more, each timed', () => {
    for (const override of [undefined, 3, 7]) {
      for (const size of [100, 1000, 10000]) {
        for (const [kind, r] of [
          ['ours', rounds('ours', size, false, false, override)],
          ['pulumi', rounds('pulumi', size, false, false, override)],
          ['analyzer', analyzerRounds()],
        ] as const) {
          const { repeats } = plan(kind, size, false, false, override);
          const shares = Array.from({ length: r }, (_, i) => roundShare(repeats, i, r));
          expect(shares.reduce((a, b) => a + b, 0)).toBe(repeats);
          expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
          expect(Math.min(...shares)).toBeGreaterThanOrEqual(1);
        }
        expect(rounds('ours', size, false, false, override)).toBeGreaterThanOrEqual(MIN_ROUNDS);
        expect(rounds('pulumi', size, false, false, override)).toBeGreaterThanOrEqual(MIN_ROUNDS);
      }
    }
    // the analyzer alternates sizes over several rounds, and times 10,000 workloads more than once
    expect(analyzerRounds()).toBeGreaterThan(1);
    expect(plan('analyzer', 10000).repeats).toBeGreaterThanOrEqual(analyzerRounds());
    // --rounds leaves the analyzer and the floor alone
    expect(plan('analyzer', 1000, false, false, 7)).toEqual(plan('analyzer', 1000));
    expect(plan('floor', 1000, false, false, 7)).toEqual(plan('floor', 1000));
  });

  test('where a round times one run per process (Pulumi, 10,000 workloads) there are five rounds; --rounds sets every comparison', () => {
    for (const [kind, size] of [['pulumi', 1000], ['ours', 10000], ['raw', 10000]] as const) {
      expect(rounds(kind, size)).toBe(5);
      expect(plan(kind, size).repeats).toBe(5);
      for (let i = 0; i < 5; i++) expect(roundShare(plan(kind, size).repeats, i, 5)).toBe(1);
    }
    expect(rounds('ours', 1000)).toBe(3);
    expect(plan('ours', 1000).repeats).toBe(9);
    expect(rounds('ours', 1000, false, false, 9)).toBe(9);
    expect(rounds('pulumi', 1000, false, false, 4)).toBe(4);
    expect(plan('ours', 10000, false, false, 9).repeats).toBe(9);
    // --quick wins over --rounds
    expect(rounds('ours', 1000, true, false, 9)).toBe(1);
  });

  test('runBench refuses fewer than three rounds, naming the value', async () => {
    await expect(runBench({ rounds: 2, log: () => undefined })).rejects.toThrow('rounds: received 2; expected an integer of at least 3');
    await expect(runBench({ rounds: 3.5, log: () => undefined })).rejects.toThrow('rounds: received 3.5');
  });

  test('a missed target fails the run (exit code 1), except a --quick smoke run', () => {
    const met = { target: 't', measured: '1.00x', met: true };
    expect(exitCodeOf({ targets: [met, met] })).toBe(0);
    expect(exitCodeOf({ targets: [met, { ...met, met: false }] })).toBe(1);
    expect(exitCodeOf({ targets: [{ ...met, met: false }] }, true)).toBe(0);
  });

  test('interleaved rounds: round 1 of every comparison, then round 2, each comparison in its order', () => {
    expect(interleave([['a1', 'a2', 'a3'], ['b1', 'b2', 'b3', 'b4', 'b5'], ['c1', 'c2', 'c3']])).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'c2', 'a3', 'b3', 'c3', 'b4', 'b5']);
    expect(interleave([])).toEqual([]);
    expect(interleave([[], ['x']])).toEqual(['x']);
  });

  test('cold synthesis (--cold): every synthesis is the only one of its process, no warm-up, three pairs or more at every size; other cases unchanged', () => {
    for (const size of [100, 1000, 10000]) {
      for (const kind of ['ours', 'raw', 'wrapped'] as const) {
        const { warmup, repeats } = plan(kind, size, false, true);
        const r = rounds(kind, size, false, true);
        expect(warmup).toBe(0);
        expect(repeats).toBe(r);
        expect(r).toBeGreaterThanOrEqual(3);
        // one timed run per round: each round starts fresh processes
        for (let i = 0; i < r; i++) expect(roundShare(repeats, i, r)).toBe(1);
      }
      expect(plan('pulumi', size, false, true)).toEqual(plan('pulumi', size));
      expect(plan('analyzer', size, false, true)).toEqual(plan('analyzer', size));
      expect(plan('floor', size, false, true)).toEqual(plan('floor', size));
    }
    // --quick wins: a smoke run stays short
    expect(plan('ours', 1000, true, true)).toEqual(plan('ours', 1000, true));
    expect(rounds('ours', 1000, true, true)).toBe(1);
  });

  test('analyzer rounds merge into one result with every sample, and must agree on what they analyzed', () => {
    const part = (samples: number[], peak: number): AnalyzerResult => ({
      case: 'analyzer',
      size: 1000,
      objects: 4000,
      time: { samples, median: samples[0], min: samples[0] },
      ok: true,
      blocking: [],
      podClasses: 1005,
      checks: 9000,
      networkPolicies: 100,
      baseRssMiB: 50,
      peakRssMiB: peak,
    });
    const merged = mergeAnalyzerRounds([part([30, 10], 90), part([20], 120)]);
    expect(merged.time.samples).toEqual([30, 10, 20]);
    expect(merged.time.median).toBe(20);
    expect(merged.time.min).toBe(10);
    expect(merged.peakRssMiB).toBe(120);
    expect(() => mergeAnalyzerRounds([part([1], 1), { ...part([2], 1), podClasses: 7 }])).toThrow('analyzer 1000: the rounds analyzed differently');
  });
});

describe('benchmark control', () => {
  test('the control has our construct tree (path for path), with raw ApiObjects and no logic', () => {
    const mesh = syntheticMesh(100);
    for (const layout of LAYOUTS) {
      const paths = (app: App) => app.node.findAll().map((c) => `${c.node.path}${c instanceof ApiObject ? ` ${c.kind}/${c.name}` : ''}`).sort();
      const ours = paths(buildOurs(mesh, 'unused', layout));
      const wrapped = paths(buildWrapped(mesh, 'unused', layout));
      // the same constructs under the same ids (cdk8s walks the tree once per chart: ids shape those walks too)
      expect(wrapped).toEqual(ours);
      expect(ours.filter((p) => /team-0\/svc-000-authz\/[^ ]+ /.test(p)).map((p) => p.replace(/.*svc-000-authz\/| .*/g, ''))).toEqual(['AuthorizationPolicy', 'MeshTLSAuthentication', 'Resource']);
      expect(paths(buildRaw(mesh, 'unused', layout)).length).toBeLessThan(ours.length);
    }
  });

  test('the baseline creates each ApiObject when its object is built, in the order of the objects', () => {
    const mesh = syntheticMesh(100);
    const objects = [...rawObjects(mesh)];
    const charts = rawCharts(mesh);
    expect(charts.map((c) => c.name)).toEqual([...mesh.namespaces.map((ns) => ns.name), 'platform']);
    expect(charts.flatMap((c) => c.objects.map((o) => o.object))).toEqual(objects.map((o) => o.object));
    // a generator: an object is built only when it is reached (a namespace that cannot be read fails late)
    const broken = { ...mesh, namespaces: [mesh.namespaces[0], { get name(): string { throw new Error('read too early'); } }] } as unknown as BenchMesh;
    const it = rawObjects(broken);
    expect((it.next().value as RawObject).object.kind).toBe('Namespace');
    expect(() => [...it]).toThrow('read too early');
    const app = buildRaw(mesh, 'unused', 'chart-per-namespace');
    const apiObjects = app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
    expect(apiObjects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.name}`).sort()).toEqual(objects.map((o) => `${o.object.kind}/${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`).sort());
  });
});

describe('benchmark ratios', () => {
  test('pooled runs: the pairs of every run by point, warm and cold apart, with the target of each point', () => {
    const timing = (samples: number[]) => ({ total: { samples, median: 0, min: 0 } });
    const run = (cold: boolean, ours: number[], raw: number[], pulumi?: [number[], number[]]) =>
      ({
        synthesisRuns: cold ? 'cold' : 'warm',
        sizes: [{ size: 1000, synthesis: [{ layout: 'single-chart', ours: timing(ours), raw: timing(raw), oursOverRaw: { rounds: 3 } }] }],
        ...(pulumi ? { pulumi: { size: 1000, ours: timing(pulumi[0]), raw: timing(pulumi[1]), oursOverRaw: { rounds: 5 } } } : {}),
      }) as unknown as BenchResults;
    const pooled = poolResults([
      run(false, [12, 14, 20], [10, 10, 10], [[13], [10]]),
      run(false, [11, 30], [10, 10]),
      run(true, [20], [10]),
    ]);
    expect(pooled.map((p) => [p.point, p.target, p.runs, p.stats.pairs, p.stats.rounds, p.stats.median, p.stats.min, p.stats.max])).toEqual([
      ['synthesis of 1,000 workloads (single-chart)', SYNTH_TARGET, 2, 5, 6, 1.4, 1.1, 3],
      ['Pulumi program of 1,000 workloads', PULUMI_TARGET, 1, 1, 5, 1.3, 1.3, 1.3],
      ['synthesis of 1,000 workloads (single-chart, cold)', SYNTH_TARGET, 1, 1, 3, 2, 2, 2],
    ]);
    // runs whose sides have different numbers of runs are not paired
    expect(() => poolResults([run(false, [1, 2], [1])])).toThrow('paired runs: 2 and 1 samples');
  });

  test('paired ratios divide run by run; their median and spread', () => {
    const t = (samples: number[]) => ({ total: { samples, median: 0, min: 0 } });
    expect(pairedRatios(t([12, 30, 11]), t([10, 20, 10]))).toEqual([1.2, 1.5, 1.1]);
    expect(ratioStats([1.2, 1.5, 1.1], 3)).toEqual({ median: 1.2, min: 1.1, max: 1.5, pairs: 3, rounds: 3 });
    expect(() => pairedRatios(t([1, 2]), t([1]))).toThrow('paired runs: 2 and 1 samples');
    expect(() => ratioStats([], 1)).toThrow('no paired runs');
  });
});

describe('Pulumi baseline', () => {
  test('registers every resource of our program (components aside) with the same type and the same inputs', async () => {
    const { buildPulumi, buildPulumiRaw, installMocks, rawHostSteps, settle: settleCounter } = await import('../bench/pulumi');
    const registered: Array<{ type: string; inputs: unknown }> = [];
    const counter = await installMocks((a) => registered.push({ type: a.type, inputs: a.inputs }));
    const settle = () => settleCounter(counter);
    const canonical = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
    const resources = (list: typeof registered) =>
      list
        .filter((r) => !r.type.startsWith('linkerd-constructs:') && !r.type.startsWith('bench:'))
        .map((r) => `${r.type} ${JSON.stringify(canonical(r.inputs))}`)
        .sort();
    const mesh = syntheticMesh(100);
    const built = buildPulumi(mesh, 'ours');
    await settle();
    const ours = registered.splice(0);
    buildPulumiRaw(mesh, rawHostSteps(mesh), 'raw');
    await settle();
    const raw = registered.splice(0);
    expect(resources(raw)).toEqual(resources(ours));
    const types = new Set(resources(raw).map((r) => r.split(' ')[0]));
    for (const type of ['command:remote:Command', 'kubernetes:policy.linkerd.io/v1beta3:Server', 'kubernetes:networking.k8s.io/v1:NetworkPolicy', 'kubernetes:workload.linkerd.io/v1beta1:ExternalWorkload']) {
      expect(types).toContain(type);
    }
    // ours adds only its components
    expect(ours.filter((r) => r.type.startsWith('linkerd-constructs:'))).toHaveLength(built.components);
    expect(raw.filter((r) => r.type.startsWith('linkerd-constructs:'))).toHaveLength(0);
  }, 60_000);
});
