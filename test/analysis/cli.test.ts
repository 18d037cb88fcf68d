/**
 * `linkerd-constructs check`: exit codes, what it prints, Mermaid and JSON on request, questions,
 * acceptances, inputs from files, directories and standard input; once as a real child process.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { deployment, namespace, policy } from './helpers';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import type { KubeObject } from '../../src/core/k8s';
import { linkerdNetworkPolicies } from '../../src/core/network-policies';
import { describeWithFixtures, fixturePath, PROJECT_ROOT } from '../support/fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-check-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, objects: KubeObject[]): string {
  const p = path.join(tmp, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, objects.map((o) => stringify(o)).join('---\n'));
  return p;
}

async function run(argv: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), readStdin: async () => stdin, cwd: PROJECT_ROOT };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const APPS: KubeObject[] = [
  namespace('emojivoto', { inject: 'enabled' }),
  namespace('books', { inject: 'enabled' }),
  deployment('emojivoto', 'web'),
  deployment('emojivoto', 'db', { kind: 'StatefulSet', ports: [{ name: 'pg', containerPort: 5432 }] }),
  deployment('books', 'api'),
];
const appsFile = write('apps.yaml', APPS);
const oursFile = write('ours.yaml', linkerdNetworkPolicies({ namespaces: ['emojivoto', 'books'] }).policies);
const denyFile = write('deny.yaml', [policy('linkerd', 'deny-all-ingress', { ingress: [{ from: [{ podSelector: {} }] }] })]);
const CONTROL_PLANE = fixturePath('linkerd-edge-26.8.3/control-plane-default.yaml');

describeWithFixtures('linkerd-constructs check (in process, captured output)', () => {
  test('exit 0 when every required flow is allowed; it prints what it read and found', async () => {
    const r = await run(['check', CONTROL_PLANE, appsFile, oursFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^read 3 source\(s\) \(.*control-plane-default\.yaml, .*apps\.yaml, .*ours\.yaml\): \d+ document\(s\)\n/);
    expect(r.stdout).toMatch(/control plane: found in the manifests \(namespace linkerd\)/);
    expect(r.stdout).toMatch(/no required flow is blocked/);
    expect(r.stdout).toMatch(/OK: every required flow is allowed\n$/);
    expect(r.stderr).toBe('');
  });

  test('exit 1 on a blocked required flow (seed 004 deny-all-ingress), naming it, the side and the fix', async () => {
    const r = await run(['check', CONTROL_PLANE, appsFile, denyFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/blocked destination:ingress:linkerd\/linkerd-destination:8086\/TCP\n {2}8086\/TCP from books\/api, emojivoto\/\* to linkerd\/linkerd-destination is blocked by the ingress policies/);
    expect(r.stdout).toMatch(/fix: add an ingress rule selecting linkerd\/linkerd-destination/);
    expect(r.stdout).toMatch(/FAILED: 6 blocked required flow\(s\)\n$/);
  });

  test('--mermaid prints the graph on stdout (report on stderr), blocked flows dotted and red', async () => {
    const r = await run(['check', CONTROL_PLANE, appsFile, denyFile, '--mermaid']);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('flowchart LR');
    expect(r.stdout).toMatch(/-\. "BLOCKED: destination 8086\/TCP, policy 8090\/TCP" \.->/);
    expect(r.stdout).toMatch(/-->\|"dns 53\/UDP, dns 53\/TCP"\|/);
    expect(r.stdout).toMatch(/linkStyle [\d,]+ stroke:#d33/);
    expect(r.stderr).toMatch(/FAILED: 6 blocked required flow/);
  });

  test('--json prints the result as JSON', async () => {
    const r = await run(['check', CONTROL_PLANE, appsFile, denyFile, '--json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.ok).toBe(false);
    expect(json.blocking.map((f: any) => f.id)).toContain('destination:ingress:linkerd/linkerd-destination:8086/TCP');
  });

  test('--accept (id or pattern, optional reason) opts a finding out; all accepted gives exit 0', async () => {
    const r = await run(['check', CONTROL_PLANE, appsFile, denyFile, '--accept', 'webhook:*=API server reaches webhooks through a proxy', '--accept=*:ingress:linkerd/*']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/accepted: API server reaches webhooks through a proxy/);
    expect(r.stdout).toMatch(/OK: every blocked flow is accepted \(6\)/);
  });

  test('--flow answers a question; a blocked answer exits 1', async () => {
    const onlyApp = write('only-app-port.yaml', [policy('books', 'api-8080', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8080 }] }] })]);
    const r = await run(['check', CONTROL_PLANE, appsFile, onlyApp, '--flow', 'emojivoto/web -> books/api:8080', '--meshed-traffic', 'policies']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/flow emojivoto\/web -> books\/api:8080: BLOCKED/);
    expect(r.stdout).toMatch(/NetworkPolicy sees port 4143, not 8080/);
  });

  test('directories are read recursively and - reads standard input', async () => {
    const dir = path.join(tmp, 'tree');
    write('tree/a/apps.yaml', APPS);
    write('tree/b/c/policies.yml', linkerdNetworkPolicies({ namespaces: ['emojivoto', 'books'] }).policies);
    fs.writeFileSync(path.join(tmp, 'tree', 'README.md'), 'not a manifest');
    const r = await run(['check', dir, '-'], fs.readFileSync(CONTROL_PLANE, 'utf8'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/read 3 source\(s\) \(.*tree\/a\/apps\.yaml, .*tree\/b\/c\/policies\.yml, -\)/);
  });
});

describe('linkerd-constructs check: usage', () => {
  test.each([
    [['check'], /no input: give files, directories or - for standard input/],
    [['check', 'x.yaml', '--bogus'], /unknown option "--bogus"/],
    [['check', 'missing.yaml'], /missing\.yaml: no such file or directory/],
    [['check', '-', '--flow', 'a to b'], /--flow "a to b": expected/],
    [['check', '-', '--api-server-cidr', 'nope'], /--api-server-cidr: received "nope"; expected a CIDR/],
    [['check', '-', '--meshed-traffic', 'all'], /--meshed-traffic: received "all"; expected one of namespace, mesh, policies/],
  ])('%j exits 2 with a clear message', async (argv, message) => {
    const r = await run(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/usage: linkerd-constructs check/);
  });

  test('input without any Kubernetes object exits 2', async () => {
    const r = await run(['check', '-'], 'hello: world\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no Kubernetes object in the input/);
  });

  test('the built-in control plane model is used when the manifests lack it', async () => {
    const r = await run(['check', appsFile, oursFile, '--api-server-cidr', '0.0.0.0/0', '--api-server-cidr', '::/0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/control plane: built-in model \(namespace linkerd\)/);
  });

  test('check --help prints the usage', async () => {
    const r = await run(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--mermaid/);
  });
});

describeWithFixtures('linkerd-constructs check as a child process', () => {
  test('npx ts-node src/cli/main.ts check exits 1 and prints the Mermaid graph', () => {
    const res = spawnSync('npx', ['ts-node', '--transpile-only', 'src/cli/main.ts', 'check', CONTROL_PLANE, appsFile, denyFile, '--mermaid'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(res.status).toBe(1);
    expect(res.stdout.split('\n')[0]).toBe('flowchart LR');
    expect(res.stdout).toMatch(/BLOCKED: destination 8086\/TCP/);
    expect(res.stderr).toMatch(/FAILED: 6 blocked required flow/);
    const ok = spawnSync('npx', ['ts-node', '--transpile-only', 'src/cli/main.ts', 'check', CONTROL_PLANE, appsFile, oursFile], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/OK: every required flow is allowed/);
  }, 240_000);
});

describe('check under hostile input: exit 2 naming the source, never a hang', () => {
  test('a YAML alias bomb is refused, naming the file', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    const file = path.join(tmp, 'bomb.yaml');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const started = Date.now();
    const r = await run(['check', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bomb\.yaml: cannot be read as YAML: .*alias/i);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('input over the size limit is refused, naming the file and the flag; the flag raises it', async () => {
    const r = await run(['check', appsFile, '--max-input-bytes', '100']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/apps\.yaml: \d+ bytes, over the limit of 100 \(raise it with --max-input-bytes\)/);
    const stdin = await run(['check', '-', '--max-input-bytes', '10'], 'kind: Namespace\napiVersion: v1\nmetadata: {name: x}\n');
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toMatch(/-: \d+ bytes, over the limit of 10/);
    expect((await run(['check', appsFile, '--max-input-bytes', '0'])).code).toBe(2);
  });

  test('an input with no workload says "nothing to check" and exits 2', async () => {
    const onlyPolicies = write('only-policies.yaml', [namespace('shop', { inject: 'enabled' })]);
    const r = await run(['check', onlyPolicies]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nothing to check: the input holds no workload/);
  });

  test('--flow ports outside 1-65535 are refused', async () => {
    for (const port of ['0', '65536', '99999']) {
      const r = await run(['check', appsFile, '--flow', `emojivoto/web -> books/api:${port}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`port ${port} is out of range; expected a port number from 1 to 65535`));
    }
  });

  test('every subcommand documents the same exit codes', async () => {
    const top = await run(['--help']);
    expect(top.stdout).toMatch(/exit status: 0 success, 1 .*, 2 bad usage or input/);
    expect((await run(['check', '--help'])).stdout).toMatch(/exit status: 0 .* 1 .*\n?.*2 bad usage or input/);
    expect((await run(['certs', '--help'])).stdout).toMatch(/exit status: 0 .* 1 .* 2 bad usage or input/);
  });
});
