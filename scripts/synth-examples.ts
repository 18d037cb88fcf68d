/**
 * The main job: synthesizes every cdk8s example (`examples/<name>/cdk8s.ts`, which exports
 * `synth(outdir): string[]`) into `dist/`. Needs no helm binary and no network.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');

export function exampleApps(): string[] {
  const dir = path.join(ROOT, 'examples');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => fs.existsSync(path.join(dir, name, 'cdk8s.ts')))
    .sort();
}

export function synthAll(outdir: string, log: (line: string) => void = console.log): string[] {
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(outdir, { recursive: true });
  const written: string[] = [];
  const apps = exampleApps();
  if (apps.length === 0) throw new Error('no cdk8s examples found under examples/*/cdk8s.ts');
  for (const [i, name] of apps.entries()) {
    const started = Date.now();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(ROOT, 'examples', name, 'cdk8s.ts')) as { synth?: (outdir: string) => string[] };
    if (typeof mod.synth !== 'function') throw new Error(`examples/${name}/cdk8s.ts does not export synth(outdir)`);
    const files = mod.synth(outdir);
    written.push(...files);
    log(`[${i + 1}/${apps.length}] ${name}: ${files.length} file(s) in ${Date.now() - started} ms`);
    for (const f of files) log(`    ${path.relative(ROOT, f)}`);
  }
  return written;
}

if (require.main === module) {
  const outdir = path.resolve(ROOT, process.argv[2] ?? 'dist');
  try {
    const files = synthAll(outdir);
    console.log(`synthesized ${files.length} file(s) into ${path.relative(ROOT, outdir) || '.'}`);
  } catch (e) {
    console.error(`synth failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
