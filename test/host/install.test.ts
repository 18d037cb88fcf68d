/**
 * The install steps run for real on this machine (no root needed), under an isolated root: SPIRE and
 * the proxy from verified downloads (file:// URLs), from an upload, and extracted from an image with a
 * stand-in container tool. Checksums are enforced, second runs change nothing, deletes undo.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { seedHostProps, SPIRE_CA_PEM } from './support/mesh';
import { planHost, type ExternalWorkloadHostProps, type HostStep } from '../../src/core/host';
import { defaultMesh } from '../support/mesh';

const HAVE_TOOLS = ['tar', 'curl', 'sha256sum'].every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0);
if (!HAVE_TOOLS && process.env.CI) throw new Error('tar, curl and sha256sum are needed under CI=true');
const describeTools = HAVE_TOOLS ? describe : describe.skip;
if (!HAVE_TOOLS) console.log('skipped: install steps need tar, curl and sha256sum'); // eslint-disable-line no-console

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ewinstall-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const exe = (file: string, body: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
};
const listTree = (root: string): string[] =>
  fs.existsSync(root)
    ? fs.readdirSync(root, { withFileTypes: true }).flatMap((e) => {
      const full = path.join(root, e.name);
      return e.isDirectory() ? [`${e.name}/`, ...listTree(full).map((x) => `${e.name}/${x}`)] : [e.name];
    }).sort()
    : [];

function stepOf(root: string, overrides: Partial<ExternalWorkloadHostProps>, id: string): HostStep {
  return planHost('install-test', seedHostProps({ root, ...overrides }), defaultMesh()).steps.find((s) => s.id === id)!;
}

function bash(script: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describeTools('install steps', () => {
  test('SPIRE from its release archive: verified, installed, unchanged the second time, removed by delete', () => {
    const root = path.join(work, 'spire-root');
    fs.mkdirSync(path.join(root, 'opt'), { recursive: true });
    const src = path.join(work, 'spire-src', 'spire-1.15.3');
    exe(path.join(src, 'bin', 'spire-server'), 'echo server');
    exe(path.join(src, 'bin', 'spire-agent'), 'echo agent');
    const archive = path.join(work, 'spire-1.15.3-linux-amd64-musl.tar.gz');
    expect(spawnSync('tar', ['-czf', archive, '-C', path.dirname(src), 'spire-1.15.3']).status).toBe(0);
    const url = `file://${archive}`;

    const bad = stepOf(root, { spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'url', url, sha256: 'f'.repeat(64) } } }, 'spire-install');
    const failed = bash(bad.create);
    expect(failed.status).toBe(1);
    expect(failed.out).toContain(`error: ${url}: sha256 is ${sha(archive)}; expected ${'f'.repeat(64)}`);
    expect(listTree(path.join(root, 'opt'))).toEqual([]);

    const good = stepOf(root, { spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'url', url, sha256: sha(archive) } } }, 'spire-install');
    const first = bash(good.create);
    expect(first.status).toBe(0);
    expect(first.out).toContain('sha256 verified');
    expect(first.out).toContain('installed SPIRE 1.15.3');
    expect(spawnSync(path.join(root, 'opt/spire/bin/spire-server')).stdout.toString()).toBe('server\n');
    const second = bash(good.create);
    expect(second.out).toContain('unchanged: SPIRE 1.15.3 is installed');
    expect(second.out).not.toContain('downloading');
    expect(bash(good.delete).status).toBe(0);
    expect(listTree(path.join(root, 'opt'))).toEqual([]);
  });

  test('the proxy from a URL, then from an upload: sha256 enforced, marker kept, delete removes the upload too', () => {
    const root = path.join(work, 'proxy-root');
    fs.mkdirSync(path.join(root, 'opt'), { recursive: true });
    const bin = path.join(work, 'linkerd2-proxy-src');
    exe(bin, 'echo proxy');
    const url = bash(stepOf(root, { proxy: { binary: { kind: 'url', url: `file://${bin}`, sha256: sha(bin) } } }, 'proxy-install').create);
    expect(url.status).toBe(0);
    expect((fs.statSync(path.join(root, 'opt/linkerd-proxy/bin/linkerd2-proxy')).mode % 0o1000).toString(8)).toBe('755');

    const upload = stepOf(root, { proxy: { binary: { kind: 'upload', localPath: bin, sha256: sha(bin) } } }, 'proxy-install');
    const missing = bash(upload.create);
    expect(missing.status).toBe(1);
    expect(missing.out).toContain(`no binary at ${root}/var/lib/linkerd-external-workload/upload/linkerd2-proxy: copy linkerd2-proxy there first`);
    fs.mkdirSync(path.join(root, 'var/lib/linkerd-external-workload/upload'), { recursive: true });
    const uploaded = path.join(root, 'var/lib/linkerd-external-workload/upload/linkerd2-proxy');
    exe(uploaded, 'echo uploaded-proxy');
    const upload2 = stepOf(root, { proxy: { binary: { kind: 'upload', localPath: bin, sha256: sha(uploaded) } } }, 'proxy-install');
    const installed = bash(upload2.create);
    expect(installed.status).toBe(0);
    expect(installed.out).toContain('installed');
    expect(spawnSync(path.join(root, 'opt/linkerd-proxy/bin/linkerd2-proxy')).stdout.toString()).toBe('uploaded-proxy\n');
    expect(bash(upload2.create).out).toContain('unchanged: linkerd2-proxy');
    const wrong = stepOf(root, { proxy: { binary: { kind: 'upload', localPath: bin, sha256: '0'.repeat(64) } } }, 'proxy-install');
    expect(bash(wrong.create).out).toContain(`sha256 is ${sha(uploaded)}; expected ${'0'.repeat(64)}`);
    expect(bash(upload2.delete).status).toBe(0);
    expect(listTree(root)).toEqual(['opt/', 'var/', 'var/lib/']);
  });

  test('the proxy extracted from its image with the container tool; the container is removed, also when the copy fails', () => {
    const root = path.join(work, 'image-root');
    fs.mkdirSync(path.join(root, 'opt'), { recursive: true });
    const tools = path.join(work, 'tools');
    const log = path.join(work, 'docker.log');
    const payload = path.join(work, 'payload');
    exe(payload, 'echo from-image');
    exe(
      path.join(tools, 'docker'),
      `echo "$*" >>${log}
case "$1" in
  create) echo c0ffee ;;
  cp) [ -n "\${FAIL_CP:-}" ] && exit 1; cp ${payload} "$3" ;;
  rm) ;;
esac`,
    );
    const step = stepOf(root, { proxy: { binary: { kind: 'image', image: 'cr.l5d.io/linkerd/proxy:edge-26.8.3' } } }, 'proxy-install');
    const env = { PATH: `${tools}:${process.env.PATH}` };
    const failed = bash(step.create, { ...env, FAIL_CP: '1' });
    expect(failed.status).not.toBe(0);
    const failedCalls = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(failedCalls[0]).toBe('create cr.l5d.io/linkerd/proxy:edge-26.8.3');
    expect(failedCalls[1]).toMatch(/^cp c0ffee:\/usr\/lib\/linkerd\/linkerd2-proxy /);
    expect(failedCalls[2]).toBe('rm -v c0ffee');
    expect(fs.existsSync(path.join(root, 'opt/linkerd-proxy/bin/linkerd2-proxy'))).toBe(false);
    fs.rmSync(log);
    const ok = bash(step.create, env);
    expect(ok.status).toBe(0);
    expect(ok.out).toContain('installed');
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(calls[0]).toBe('create cr.l5d.io/linkerd/proxy:edge-26.8.3');
    expect(calls[1]).toMatch(/^cp c0ffee:\/usr\/lib\/linkerd\/linkerd2-proxy \S+\/linkerd2-proxy$/);
    expect(calls[2]).toBe('rm -v c0ffee');
    expect(spawnSync(path.join(root, 'opt/linkerd-proxy/bin/linkerd2-proxy')).stdout.toString()).toBe('from-image\n');
    expect(bash(step.create, env).out).toContain('unchanged: linkerd2-proxy from cr.l5d.io/linkerd/proxy:edge-26.8.3');
  });
});
