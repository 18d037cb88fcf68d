/**
 * The published package: `npm pack` yields compiled JS and `.d.ts` for every entry point, a scratch
 * project installs the tarball and imports the root, `/cdk8s` and `/pulumi` from it, and importing
 * `/cdk8s` does not load Pulumi (nor the reverse).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from './support/fixtures';

const TMP = path.join(PROJECT_ROOT, '.tmp', 'package-test');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let tarball: string;
let scratch: string;

function run(cmd: string, args: string[], cwd: string): string {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

/** Runs a CommonJS snippet in the scratch project and returns its stdout. */
function node(code: string): string {
  return execFileSync(process.execPath, ['-e', code], { cwd: scratch, encoding: 'utf8' });
}

beforeAll(() => {
  fs.rmSync(TMP, { recursive: true, force: true });
  fs.mkdirSync(TMP, { recursive: true });
  // compile (the same `tsc` projen's compile task runs) and pack
  run(process.execPath, [path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], PROJECT_ROOT);
  const out = run(NPM, ['pack', '--json', '--pack-destination', TMP], PROJECT_ROOT);
  const info = JSON.parse(out.slice(out.indexOf('[')))[0];
  tarball = path.join(TMP, info.filename);

  // A scratch project beside the tarball. It lives under the project tree, so the peer
  // dependencies (cdk8s, constructs, @pulumi/*) resolve from the project's node_modules exactly as
  // a user's own installation would provide them; the package and its own dependencies are
  // installed from the tarball.
  scratch = path.join(TMP, 'consumer');
  fs.mkdirSync(scratch);
  fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps', '--no-package-lock', tarball], scratch);
}, 300_000);

afterAll(() => {
  fs.rmSync(TMP, { recursive: true, force: true });
});

test('the tarball holds compiled JS and .d.ts for every entry point and the CLI, and no sources or tests', () => {
  const listing = run('tar', ['-tzf', tarball], TMP).split('\n');
  for (const f of ['lib/index.js', 'lib/index.d.ts', 'lib/cdk8s/index.js', 'lib/cdk8s/index.d.ts', 'lib/pulumi/index.js', 'lib/pulumi/index.d.ts', 'lib/cli/main.js']) {
    expect(listing).toContain(`package/${f}`);
  }
  expect(listing.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);
  expect(listing.filter((f) => f.includes('shared/fixtures'))).toEqual([]);
});

test('a scratch project imports the root, /cdk8s and /pulumi from the installed tarball', () => {
  const installed = path.join(scratch, 'node_modules', 'linkerd-constructs');
  expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
  const out = node(`
    const core = require('linkerd-constructs');
    const c = require('linkerd-constructs/cdk8s');
    const p = require('linkerd-constructs/pulumi');
    console.log(JSON.stringify({
      core: require.resolve('linkerd-constructs'),
      identity: core.linkerdIdentity('web', 'shop'),
      crds: Object.keys(core.crds.LINKERD_CRDS).length,
      cdk8s: typeof c, pulumi: typeof p,
    }));
  `);
  const res = JSON.parse(out);
  expect(res.core.startsWith(installed)).toBe(true);
  expect(res).toMatchObject({ identity: 'web.shop.serviceaccount.identity.linkerd.cluster.local', crds: 10, cdk8s: 'object', pulumi: 'object' });
});

test('importing /cdk8s never loads Pulumi, importing /pulumi never loads cdk8s, the root loads neither', () => {
  const loaded = (entry: string) =>
    JSON.parse(
      node(`
        require('${entry}');
        const mods = Object.keys(require.cache);
        console.log(JSON.stringify({
          pulumi: mods.some((m) => m.includes('/node_modules/@pulumi/')),
          cdk8s: mods.some((m) => /\\/node_modules\\/(cdk8s|constructs)\\//.test(m)),
        }));
      `),
    );
  expect(loaded('linkerd-constructs')).toEqual({ pulumi: false, cdk8s: false });
  expect(loaded('linkerd-constructs/cdk8s')).toEqual({ pulumi: false, cdk8s: true });
  expect(loaded('linkerd-constructs/pulumi')).toEqual({ pulumi: true, cdk8s: false });
});

test('TypeScript consumers resolve the types of every entry point (node16 exports and node10 typesVersions)', () => {
  fs.writeFileSync(
    path.join(scratch, 'consumer.ts'),
    [
      "import { crds, linkerdIdentity } from 'linkerd-constructs';",
      "import type { MeshReference } from 'linkerd-constructs/cdk8s';",
      "import type { MeshReference as PulumiMeshReference } from 'linkerd-constructs/pulumi';",
      "const s: crds.Server = { apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: { name: 'a' }, spec: { port: 80, podSelector: {} } };",
      'const id: string = linkerdIdentity(s.metadata.name ?? "web", "shop");',
      'export const used: [string, string, MeshReference | undefined, PulumiMeshReference | undefined] = [id, crds.LINKERD_CRDS.Server.plural, undefined, undefined];',
      '',
    ].join('\n'),
  );
  const tsc = path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const [module, resolution] of [
    ['node16', 'node16'],
    ['commonjs', 'node10'],
  ]) {
    const res = spawnSync(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', module, '--moduleResolution', resolution, '--types', 'node', 'consumer.ts'],
      { cwd: scratch, encoding: 'utf8' },
    );
    expect({ resolution, out: res.stdout.trim(), status: res.status }).toEqual({ resolution, out: '', status: 0 });
  }
});

test('consumer smoke test: a cdk8s app and a Pulumi program (under mocks) compile against the installed types and run', () => {
  fs.writeFileSync(
    path.join(scratch, 'cdk8s-app.ts'),
    `import { App, Chart } from 'cdk8s';
import { LinkerdNetworkPolicies, MeshAuthorization } from 'linkerd-constructs/cdk8s';
import { meshInfoWithDefaults } from 'linkerd-constructs';

const app = new App({ outdir: process.argv[2] });
const chart = new Chart(app, 'consumer');
new MeshAuthorization(chart, 'legacy-app', {
  namespace: 'mixed-env',
  name: 'in-cluster-endpoint',
  workload: { podSelector: { matchLabels: { app: 'legacy-app' } } },
  port: 8080,
  accessPolicy: 'deny',
  allow: [{ identity: 'spiffe://root.linkerd.cluster.local/external-workload' }],
});
new LinkerdNetworkPolicies(chart, 'netpol', { mesh: { info: meshInfoWithDefaults({}) }, namespaces: ['mixed-env'], apiServerCidrs: ['172.20.0.0/28'] });
app.synth();
`,
  );
  fs.writeFileSync(
    path.join(scratch, 'pulumi-program.ts'),
    `import * as pulumi from '@pulumi/pulumi';
import { MeshAuthorization } from 'linkerd-constructs/pulumi';

async function main(): Promise<void> {
  const kinds: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => { kinds.push(args.type); return { id: args.name + '-id', state: args.inputs }; },
      call: (args) => args.inputs,
    },
    'consumer', 'dev', false,
  );
  const policy = new MeshAuthorization('legacy-app', {
    namespace: 'mixed-env',
    name: 'in-cluster-endpoint',
    workload: { podSelector: { matchLabels: { app: 'legacy-app' } } },
    port: 8080,
    accessPolicy: 'deny',
    allow: [{ identity: 'spiffe://root.linkerd.cluster.local/external-workload' }],
  });
  await new Promise<void>((resolve) => pulumi.output(policy.urn).apply(() => resolve()));
  await new Promise((r) => setTimeout(r, 200));
  console.log(JSON.stringify({ server: policy.serverName, kinds: [...new Set(kinds)].sort() }));
}
main().catch((e) => { console.error(e); process.exit(1); });
`,
  );
  const tsc = path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const compiled = spawnSync(
    process.execPath,
    [tsc, '--strict', '--skipLibCheck', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'ES2022', '--types', 'node', '--outDir', 'out', 'cdk8s-app.ts', 'pulumi-program.ts'],
    { cwd: scratch, encoding: 'utf8' },
  );
  expect({ out: compiled.stdout.trim(), status: compiled.status }).toEqual({ out: '', status: 0 });

  const outdir = path.join(scratch, 'synth');
  execFileSync(process.execPath, ['out/cdk8s-app.js', outdir], { cwd: scratch, encoding: 'utf8' });
  const yaml = fs.readFileSync(path.join(outdir, 'consumer.k8s.yaml'), 'utf8');
  const kinds = [...yaml.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]);
  expect(new Set(kinds)).toEqual(new Set(['Server', 'AuthorizationPolicy', 'MeshTLSAuthentication', 'NetworkPolicy']));

  const pulumiOut = JSON.parse(execFileSync(process.execPath, ['out/pulumi-program.js'], { cwd: scratch, encoding: 'utf8' }).trim().split('\n').pop()!);
  expect(pulumiOut.server).toBe('in-cluster-endpoint');
  expect(pulumiOut.kinds).toEqual(
    expect.arrayContaining([
      'kubernetes:policy.linkerd.io/v1beta3:Server',
      'kubernetes:policy.linkerd.io/v1alpha1:AuthorizationPolicy',
      'kubernetes:policy.linkerd.io/v1alpha1:MeshTLSAuthentication',
    ]),
  );
});

test('npm pack ships only what users need: compiled entry points, the CLI, README, LICENSE, docs', () => {
  const out = run(NPM, ['pack', '--dry-run', '--json'], PROJECT_ROOT);
  const files: string[] = JSON.parse(out.slice(out.indexOf('[')))[0].files.map((f: { path: string }) => f.path);
  const top = new Set(files.map((f) => f.split('/')[0]));
  expect([...top].sort()).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'lib', 'package.json']));
  for (const t of top) expect(['API.md', 'CHANGELOG.md', 'LICENSE', 'README.md', 'docs', 'lib', 'package.json']).toContain(t);
  expect(files.filter((f) => f.startsWith('lib/') && !/\.(js|d\.ts)$/.test(f))).toEqual([]);
  expect(files).toContain('lib/cli/main.js');
});

test('the CLI of the installed tarball prints its version and help', () => {
  const bin = path.join(scratch, 'node_modules', '.bin', 'linkerd-constructs');
  const version = execFileSync(bin, ['--version'], { cwd: scratch, encoding: 'utf8' });
  const pkgVersion = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version;
  expect(version.trim()).toBe(`linkerd-constructs ${pkgVersion}`);
  const help = execFileSync(bin, ['--help'], { cwd: scratch, encoding: 'utf8' });
  expect(help).toMatch(/commands:/);
  for (const sub of ['certs', 'check']) {
    expect(execFileSync(bin, [sub, '--help'], { cwd: scratch, encoding: 'utf8' })).toMatch(new RegExp(`usage: linkerd-constructs ${sub}`));
  }
});
