/**
 * `linkerd-constructs certs`: writes ca/issuer/webhook certificates once (keys 0600), refuses to
 * overwrite, never prints keys; its output passes `openssl verify` and feeds
 * `MeshIdentity.fromDirectory`. The PEMs a supplied identity puts into the issuer Secret pass
 * `openssl verify` too.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { LinkerdMesh, MeshDelivery } from '../../src/cdk8s';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { CERTIFICATE_FILES, MeshIdentity, WebhookCertificates } from '../../src/core/identity';
import { generateMeshCertificates } from '../../src/core/identity/generate';
import { expectMeshConformant, secretData } from '../mesh/support';
import { PROJECT_ROOT } from '../support/fixtures';

const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;
const itOpenssl = HAVE_OPENSSL ? test : test.skip;
if (!HAVE_OPENSSL) console.log('skipped: openssl not found (run `npm run test:setup`)');

function capture(cwd: string): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '', cwd };
}

function opensslVerify(caFile: string, certFile: string): { status: number | null; output: string } {
  const res = spawnSync('openssl', ['verify', '-CAfile', caFile, certFile], { encoding: 'utf8' });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-cli-'));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

test('writes the six files, keys with mode 0600, and prints what it wrote but no key', async () => {
  const io = capture(work);
  expect(await main(['certs', '--out', 'out', '--trust-domain', 'prod.example'], io)).toBe(0);
  const dir = path.join(work, 'out');
  for (const f of Object.values(CERTIFICATE_FILES)) expect(fs.existsSync(path.join(dir, f))).toBe(true);
  for (const f of [CERTIFICATE_FILES.trustAnchorKey, CERTIFICATE_FILES.issuerKey, CERTIFICATE_FILES.webhookKey]) {
    expect(fs.statSync(path.join(dir, f)).mode % 0o1000).toBe(0o600);
  }
  expect(fs.readdirSync(dir).sort()).toEqual(Object.values(CERTIFICATE_FILES).sort()); // no temporary files left
  const printed = io.out.join('');
  expect(printed).toContain('root.linkerd.prod.example');
  expect(printed).toContain('identity.linkerd.prod.example');
  expect(printed).not.toMatch(/PRIVATE KEY|BEGIN/);
  const issuerKeyBody = fs.readFileSync(path.join(dir, CERTIFICATE_FILES.issuerKey), 'utf8').split('\n')[1];
  expect(printed).not.toContain(issuerKeyBody);
});

itOpenssl('the issuer it writes passes `openssl verify -CAfile ca.crt issuer.crt`', async () => {
  expect(await main(['certs', '--out', work], capture(work))).toBe(0);
  const res = opensslVerify(path.join(work, 'ca.crt'), path.join(work, 'issuer.crt'));
  expect(res.output).toContain('issuer.crt: OK');
  expect(res.status).toBe(0);
  // and the anchor is ECDSA P-256, the issuer a CA with path length 0
  const text = spawnSync('openssl', ['x509', '-in', path.join(work, 'issuer.crt'), '-noout', '-text'], { encoding: 'utf8' }).stdout;
  expect(text).toContain('prime256v1');
  expect(text).toMatch(/CA:TRUE, pathlen:0/);
});

test('refuses to overwrite without --force, leaving the files untouched; --force replaces them', async () => {
  expect(await main(['certs', '--out', work], capture(work))).toBe(0);
  const before = fs.readFileSync(path.join(work, 'ca.crt'), 'utf8');
  const io = capture(work);
  expect(await main(['certs', '--out', work], io)).toBe(1);
  expect(io.err.join('')).toMatch(/already holds ca\.crt, ca\.key, issuer\.crt, issuer\.key.*nothing written/s);
  expect(io.err.join('')).toContain('--force');
  expect(fs.readFileSync(path.join(work, 'ca.crt'), 'utf8')).toBe(before);
  expect(await main(['certs', '--out', work, '--force'], capture(work))).toBe(0);
  expect(fs.readFileSync(path.join(work, 'ca.crt'), 'utf8')).not.toBe(before);
});

test('bad options are errors that name the option and what is allowed', async () => {
  for (const [args, pattern] of [
    [['--trust-domain', 'Not_A_Domain'], /--trust-domain: received "Not_A_Domain"; expected a DNS-1123 subdomain/],
    [['--issuer-days', '0'], /--issuer-days: received "0"; expected a whole number of days/],
    [['--issuer-days', '4000'], /the issuer cannot outlive its trust anchor/],
    [['--bogus'], /unknown option "--bogus"/],
  ] as const) {
    const io = capture(work);
    expect(await main(['certs', '--out', work, ...args], io)).toBe(2); // bad usage: the same exit code as every subcommand;
    expect(io.err.join('')).toMatch(pattern);
  }
  expect(fs.readdirSync(work)).toEqual([]);
});

test('--help prints the usage; the CLI lists the command', async () => {
  const io = capture(work);
  expect(await main(['certs', '--help'], io)).toBe(0);
  expect(io.out.join('')).toContain('usage: linkerd-constructs certs');
  const top = capture(work);
  await main(['help'], top);
  expect(top.out.join('')).toMatch(/certs\s+write the mesh certificates/);
});

itOpenssl('MeshIdentity.fromDirectory reads what the CLI wrote; the synthesized issuer Secret verifies with openssl', async () => {
  expect(await main(['certs', '--out', work], capture(work))).toBe(0);
  const app = Testing.app();
  const chart = new Chart(app, 'app');
  const mesh = new LinkerdMesh(chart, 'mesh', { identity: MeshIdentity.fromDirectory(work), delivery: MeshDelivery.flux() });
  const objects = Testing.synth(chart);
  expectMeshConformant(objects);
  // the webhook certificate was picked up from the same directory
  expect(mesh.plan.webhooks.mode).toBe('supplied');
  const secret = objects.find((o: any) => o.kind === 'Secret' && o.metadata.name === 'linkerd-identity-issuer');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-verify-'));
  fs.writeFileSync(path.join(dir, 'ca.crt'), secretData(secret, 'ca.crt'));
  fs.writeFileSync(path.join(dir, 'tls.crt'), secretData(secret, 'tls.crt'));
  expect(opensslVerify(path.join(dir, 'ca.crt'), path.join(dir, 'tls.crt')).status).toBe(0);
  // the anchor in the values is the one written to ca.crt
  const cp = objects.find((o: any) => o.kind === 'HelmRelease' && o.metadata.name === 'linkerd-control-plane');
  expect(cp.spec.values.identityTrustAnchorsPEM).toBe(fs.readFileSync(path.join(work, 'ca.crt'), 'utf8'));
  fs.rmSync(dir, { recursive: true, force: true });
});

itOpenssl('supplied PEMs end up in the issuer Secret and pass openssl verify; the webhook Secrets verify against their CA bundle', async () => {
  const certs = await generateMeshCertificates();
  const app = Testing.app();
  const chart = new Chart(app, 'app');
  new LinkerdMesh(chart, 'mesh', {
    identity: MeshIdentity.supplied({
      trustAnchorPem: certs.trustAnchor.certificatePem,
      issuerCertificatePem: certs.issuer.certificatePem,
      issuerKeyPem: certs.issuer.keyPem,
    }),
    webhookCertificates: WebhookCertificates.supplied({ certificatePem: certs.webhook!.certificatePem, keyPem: certs.webhook!.keyPem }),
    delivery: MeshDelivery.argoCd(),
    viz: true,
  });
  const objects = Testing.synth(chart);
  expectMeshConformant(objects);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-verify-'));
  const secrets = objects.filter((o: any) => o.kind === 'Secret');
  expect(secrets.map((s: any) => `${s.metadata.namespace}/${s.metadata.name}`).sort()).toEqual([
    'linkerd-viz/tap-injector-k8s-tls',
    'linkerd-viz/tap-k8s-tls',
    'linkerd/linkerd-identity-issuer',
    'linkerd/linkerd-policy-validator-k8s-tls',
    'linkerd/linkerd-proxy-injector-k8s-tls',
    'linkerd/linkerd-sp-validator-k8s-tls',
  ]);
  for (const s of secrets) {
    fs.writeFileSync(path.join(dir, 'ca.crt'), secretData(s, 'ca.crt'));
    fs.writeFileSync(path.join(dir, 'tls.crt'), secretData(s, 'tls.crt'));
    const res = opensslVerify(path.join(dir, 'ca.crt'), path.join(dir, 'tls.crt'));
    expect(`${s.metadata.name}: ${res.status}`).toBe(`${s.metadata.name}: 0`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('certs under hostile or odd --out', () => {
  const runCli = (args: string[], cwd = os.tmpdir()) =>
    spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', path.join(PROJECT_ROOT, 'src/cli/main.ts'), ...args], {
      cwd,
      encoding: 'utf8',
      timeout: 60_000,
    });

  test.each([
    ['/proc/linkerd-certs', /not under \/proc, \/sys, \/dev/],
    ['/sys/x/certs', /not under \/proc/],
  ])('--out %s fails at once with exit 2', (out, message) => {
    const started = Date.now();
    const r = runCli(['certs', '--out', out]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(message) });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  test('an unwritable parent or a file in the way fails at once with exit 2, naming it', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-certs-out-'));
    fs.writeFileSync(path.join(base, 'file'), 'x');
    const r = runCli(['certs', '--out', path.join(base, 'file', 'certs')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${path.join(base, 'file')} is a file, expected a directory`);
  });

  test('the key directory it creates is 0700 whatever the umask', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-certs-umask-'));
    const dir = path.join(base, 'nested', 'certs');
    const r = spawnSync('sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, require.resolve('ts-node/dist/bin'), '--transpile-only', path.join(PROJECT_ROOT, 'src/cli/main.ts'), 'certs', '--out', dir], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    const mode = (p: string) => fs.statSync(p).mode.toString(8).slice(-3);
    expect(mode(dir)).toBe('700');
    for (const f of ['ca.key', 'issuer.key', 'webhook.key']) expect(mode(path.join(dir, f))).toBe('600');
  });
});
