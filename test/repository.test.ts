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

describe('a newcomer can follow the docs literally', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
    );
  const docs = ['README.md', ...walk('docs'), ...walk('examples'), ...walk('scripts')].filter((f) => /\.(md|ts|sh)$/.test(f));
  const text = (f: string) => fs.readFileSync(path.join(PROJECT_ROOT, f), 'utf8');

  test('every `npm run <script>` the README, docs, examples and scripts name exists', () => {
    const named = docs.flatMap((f) => [...text(f).matchAll(/npm run ([a-z][a-z0-9:-]*)/g)].map((m) => ({ file: f, script: m[1] })));
    expect(named.length).toBeGreaterThan(3);
    expect(named.filter((n) => !(n.script in pkg.scripts))).toEqual([]);
  });

  test('every `linkerd-constructs <command>` they name is a command of the CLI', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { COMMANDS } = require('../src/cli/main') as typeof import('../src/cli/main');
    const commands = new Set(COMMANDS.map((c) => c.name));
    const named = docs.flatMap((f) =>
      [...text(f).matchAll(/(?:npx |`|^\$ )linkerd-constructs ([a-z][a-z-]*)/gm)].map((m) => ({ file: f, command: m[1] })),
    );
    expect(named.length).toBeGreaterThan(2);
    expect(named.filter((n) => !commands.has(n.command) && n.command !== 'help')).toEqual([]);
  });

  test('examples import the package by name, as a user copying them would', () => {
    const relative = walk('examples')
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...text(f).matchAll(/from '(\.\.\/[^']*)'/g)].map((m) => `${f}: ${m[1]}`));
    expect(relative).toEqual([]);
  });

  test('.ci/run plays a fresh clone with no ../shared: install, the CLI, the main job and the tests', () => {
    const clonePass = ciRun.slice(ciRun.indexOf('git clone'), ciRun.indexOf('pass 2'));
    for (const step of ['npm ci', 'npx linkerd-constructs --version', 'npm run synth', 'npm test', 'LINKERD_CONSTRUCTS_FIXTURES_DIR=']) {
      expect(clonePass).toContain(step);
    }
  });
});

test('examples give apiServerCidrs as the API server endpoint range, never the kubernetes Service ClusterIP, and say how to find it', () => {
  const files = fs.readdirSync(path.join(PROJECT_ROOT, 'examples')).flatMap((d) => ['cdk8s.ts', 'pulumi.ts'].map((f) => path.join('examples', d, f)));
  const using = files.filter((f) => fs.existsSync(path.join(PROJECT_ROOT, f)) && /apiServerCidrs/.test(fs.readFileSync(path.join(PROJECT_ROOT, f), 'utf8')));
  expect(using.length).toBeGreaterThanOrEqual(3);
  for (const f of using) {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, f), 'utf8');
    // 10.0.0.1 is the `kubernetes` ClusterIP of a 10.0.0.0/16 service range; policies see the endpoints after DNAT
    expect({ f, clusterIp: /['"]10\.0\.0\.1(\/32)?['"]/.test(text) }).toEqual({ f, clusterIp: false });
    expect({ f, says: text.includes('kubectl get endpoints kubernetes') }).toEqual({ f, says: true });
  }
});
