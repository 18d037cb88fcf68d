/**
 * Repository invariants: the README's two commands are the ones CI and users run, the generated CRD
 * models are current, and no upstream fixture was copied into the project.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { describeWithFixtures, FIXTURES_DIR, PROJECT_ROOT } from './support/fixtures';

const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
const ciRun = fs.readFileSync(path.join(PROJECT_ROOT, '.ci', 'run'), 'utf8');

test('the README holds the main-job command and the test command, and .ci/run runs that test command', () => {
  const main = 'npm ci && npm run synth';
  const tests = 'npm ci && npm run test:setup && npm test';
  expect(readme).toContain(`\n${main}\n`);
  expect(readme).toContain(`\n${tests}\n`);
  const lastCommand = ciRun.trim().split('\n').filter((l) => l.trim() && !l.startsWith('#')).pop();
  expect(lastCommand).toBe(tests);
});

describeWithFixtures('generated sources and fixtures', () => {
  test('src/core/crds is what scripts/gen-crd-types.ts generates from the upstream CRDs', () => {
    const out = execFileSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', 'scripts/gen-crd-types.ts', '--check'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    expect(out).not.toMatch(/stale/);
  });

  test('no tracked file is a copy of an upstream fixture', () => {
    const hash = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
    const walk = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const fixtureHashes = new Set(walk(FIXTURES_DIR).map(hash));
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && fs.existsSync(path.join(PROJECT_ROOT, f)));
    expect(tracked.filter((f) => fixtureHashes.has(hash(path.join(PROJECT_ROOT, f))))).toEqual([]);
  });
});
