/**
 * Readiness that follows the VM's health, run for real: the generated reporter (bash + curl) against a
 * loopback HTTPS "API server" with its own CA that checks the bearer token, the status subresource
 * path, the merge-patch content type and the body, and a loopback stand-in for the proxy's admin port
 * that the test turns healthy, unhealthy and off. The cluster side (the RBAC objects, the body)
 * is checked against upstream material: kubernetes-models, the ExternalWorkload CRD's status schema,
 * and linkerd2's `IsEwReady` (controller/api/destination/external-workload/controller_util.go), which
 * routes only to a workload with a `Ready` condition whose status is `True`.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { makeApiServerPki } from './support/api-server';
import { seedHostProps } from './support/mesh';
import { shellcheck, testWithShellcheck } from './support/shellcheck';
import { externalWorkloadManifest } from '../../src/core/external-workload/external-workload';
import {
  externalWorkloadStatusPath,
  isApiServerUrl,
  planHost,
  readinessRbacManifests,
  readinessReporterScript,
  readinessUnit,
  renderShellBundle,
  requiredTools,
  resolveHost,
  type ResolvedHost,
} from '../../src/core/host';
import { expectConformant } from '../support/conformance';
import { describeWithFixtures, readFixtureDocs } from '../support/fixtures';
import { defaultMesh } from '../support/mesh';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.cmVhZGluZXNzLXRlc3QtdG9rZW4.c2lnbmF0dXJlLW9mLXRoZS10ZXN0';
const HAVE_TOOLS = ['curl', 'openssl'].every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0);

interface Patch {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: any;
}

function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function until(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('readiness props', () => {
  const mesh = defaultMesh();

  test('without readiness synthesis warns that the workload never becomes Ready; false is silent', () => {
    const warn = resolveHost('vm', seedHostProps({ readiness: undefined }), mesh).warnings.filter((w) => w.field === 'readiness').map((w) => `${w.field}: ${w.allowed}`);
    expect(warn).toEqual([
      'readiness: expected { apiServerUrl, apiServerCaPem }: without them nothing sets the Ready condition of ExternalWorkload mixed-env/external-workload, ' +
        'and Linkerd routes no traffic to it (use readiness: false when something else sets its status)',
    ]);
    expect(resolveHost('vm', seedHostProps({ readiness: false }), mesh).warnings.filter((w) => w.field === 'readiness')).toEqual([]);
    expect(planHost('vm', seedHostProps({ readiness: false }), mesh).steps.map((s) => s.id)).not.toContain('readiness');
  });

  test.each([
    ['http://203.0.113.10:6443', 'plain HTTP'],
    ['https://x$(touch /tmp/PWNED):6443', 'command substitution'],
    ['https://`id`', 'backticks'],
    ["https://a';b", 'a quote'],
    ['https://a;b:6443', 'a semicolon'],
    ['https://a\nb:6443', 'a newline'],
    ['https://203.0.113.10:70000', 'a port out of range'],
    ['https://203.0.113.10:6443/?x=1', 'a query'],
    ['https://', 'no host'],
  ])('readiness.apiServerUrl %j (%s) is rejected, naming the prop', (url) => {
    expect(isApiServerUrl(url)).toBe(false);
    expect(() => resolveHost('vm', seedHostProps({ readiness: { apiServerUrl: url, apiServerCaPem: seedCa() } }), mesh)).toThrow(/\[vm\] readiness.apiServerUrl: received .*; expected an https:\/\/ URL of the API server/);
  });

  test.each(['https://203.0.113.10:6443', 'https://api.example.com', 'https://[2001:db8::1]:6443', 'https://lb.example.com/k8s/clusters/c-1'])('readiness.apiServerUrl %j is accepted', (url) => {
    expect(isApiServerUrl(url)).toBe(true);
  });

  test('the CA must be CA certificates only: a leaf, a key or text is rejected without echoing a key', () => {
    const bad = (apiServerCaPem: string) => () => resolveHost('vm', seedHostProps({ readiness: { apiServerUrl: 'https://203.0.113.10:6443', apiServerCaPem } }), mesh);
    expect(bad('not a certificate')).toThrow(/readiness.apiServerCaPem: received "not a certificate"; expected the API server's CA certificate\(s\) in PEM/);
    const withKey = `${seedCa()}\n-----BEGIN PRIVATE KEY-----\nU0VDUkVULUFQSS1LRVk=\n-----END PRIVATE KEY-----`;
    expect(bad(withKey)).toThrow(/readiness.apiServerCaPem: received "\(a private key\)"/);
    expect(bad(withKey)).not.toThrow(/U0VDUkVULUFQSS1LRVk/);
    expect(() => resolveHost('vm', seedHostProps({ readiness: { apiServerUrl: 'https://a.example.com', apiServerCaPem: seedCa(), intervalSeconds: 0 } }), mesh)).toThrow(/readiness.intervalSeconds: received 0/);
    expect(() => resolveHost('vm', seedHostProps({ readiness: { apiServerUrl: 'https://a.example.com', apiServerCaPem: seedCa(), intervalSeconds: 10, resyncSeconds: 5 } }), mesh)).toThrow(
      /readiness.resyncSeconds: received 5; expected whole seconds from intervalSeconds \(10\)/,
    );
  });

  function seedCa(): string {
    return (seedHostProps().readiness as { apiServerCaPem: string }).apiServerCaPem;
  }
});

describe('the reporter\'s credential, as Kubernetes reads it', () => {
  const h = resolveHost('vm', seedHostProps(), defaultMesh());
  const objects = readinessRbacManifests(h.workload, h.readiness!);

  test('ServiceAccount, Role, RoleBinding and token Secret are valid objects (kubernetes-models), the Secret holds no data', () => {
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'ServiceAccount mixed-env/external-workload-readiness',
      'Role mixed-env/external-workload-readiness',
      'RoleBinding mixed-env/external-workload-readiness',
      'Secret mixed-env/external-workload-readiness-token',
    ]);
    expectConformant(objects);
    const secret = objects[3] as any;
    expect(secret.type).toBe('kubernetes.io/service-account-token');
    expect(secret.data).toBeUndefined();
    expect(secret.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'external-workload-readiness' });
  });

  test('the Role allows exactly get and patch of this workload\'s status: no other verb, resource or name', () => {
    const role = objects[1] as any;
    expect(role.rules).toEqual([{ apiGroups: ['workload.linkerd.io'], resources: ['externalworkloads/status'], resourceNames: ['external-workload'], verbs: ['get', 'patch'] }]);
    const binding = objects[2] as any;
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: objects[0].metadata.name, namespace: 'mixed-env' }]);
  });

  describeWithFixtures('against the upstream ExternalWorkload CRD', () => {
    const crd = readFixtureDocs('linkerd-edge-26.8.3/linkerd-crds.yaml').find((d) => d?.kind === 'CustomResourceDefinition' && d.spec?.names?.kind === 'ExternalWorkload');

    test('the Role and the status path name the CRD\'s group, plural and a served version with a status subresource', () => {
      const role = objects[1] as any;
      expect(role.rules[0].apiGroups).toEqual([crd.spec.group]);
      expect(role.rules[0].resources).toEqual([`${crd.spec.names.plural}/status`]);
      const version = crd.spec.versions.find((v: any) => v.name === 'v1beta1');
      expect(version.served).toBe(true);
      expect(version.subresources).toHaveProperty('status');
      expect(externalWorkloadStatusPath('mixed-env', 'external-workload')).toBe(`/apis/${crd.spec.group}/v1beta1/namespaces/mixed-env/${crd.spec.names.plural}/external-workload/status`);
    });
  });
});

(HAVE_TOOLS ? describe : describe.skip)('the reporter, run against a loopback API server and proxy admin port', () => {
  let work: string;
  let pki: ReturnType<typeof makeApiServerPki>;
  let apiServer: https.Server;
  let apiPort: number;
  const patches: Patch[] = [];
  let failNext = 0;
  let adminServer: http.Server | undefined;
  let adminPort: number;
  let healthy = true;
  const children: ChildProcess[] = [];
  const firstRun: any[] = [];

  const startAdmin = async (port = 0) => {
    adminServer = http.createServer((req, res) => {
      res.statusCode = req.url === '/ready' && healthy ? 200 : 503;
      res.end(res.statusCode === 200 ? 'ready\n' : 'not ready\n');
    });
    await new Promise<void>((resolve) => adminServer!.listen(port, '127.0.0.1', () => resolve()));
    return (adminServer.address() as AddressInfo).port;
  };
  const stopAdmin = () => new Promise<void>((resolve) => (adminServer ? adminServer.close(() => resolve()) : resolve()));

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-readiness-'));
    pki = makeApiServerPki(work);
    apiServer = https.createServer({ key: pki.key, cert: pki.cert }, (req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        let body: any;
        try {
          body = JSON.parse(data);
        } catch {
          body = data;
        }
        patches.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
        if (failNext > 0) {
          failNext--;
          res.statusCode = 500;
          res.end('{"kind":"Status","status":"Failure"}');
          return;
        }
        const ok = req.headers.authorization === `Bearer ${TOKEN}`;
        res.statusCode = ok ? 200 : 401;
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      });
    });
    apiPort = await listen(apiServer);
    adminPort = await startAdmin();
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await stopAdmin();
    await new Promise<void>((resolve) => apiServer.close(() => resolve()));
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** The host as the plan sees it, under `root`, with the reporter's files where the readiness step puts them. */
  function host(root: string, caPem: string): ResolvedHost {
    const h = resolveHost('vm', seedHostProps({
      root,
      proxy: { binary: { kind: 'url', url: 'https://downloads.example.com/linkerd2-proxy', sha256: 'b'.repeat(64) }, adminPort },
      readiness: { apiServerUrl: `https://127.0.0.1:${apiPort}`, apiServerCaPem: caPem, intervalSeconds: 1, resyncSeconds: 3600 },
    }), defaultMesh());
    fs.mkdirSync(h.layout.readinessDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(path.dirname(h.layout.apiServerCa), { recursive: true });
    fs.writeFileSync(`${h.layout.readinessDir}/token`, `${TOKEN}\n`, { mode: 0o600 });
    fs.writeFileSync(h.layout.apiServerCa, caPem);
    return h;
  }

  /** Runs the reporter with a curl on PATH that records its argv (then runs the real curl). */
  function startReporter(h: ResolvedHost): { child: ChildProcess; log: () => string } {
    const script = path.join(work, `reporter-${children.length}.sh`);
    fs.writeFileSync(script, readinessReporterScript(h, h.readiness!), { mode: 0o755 });
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    const realCurl = spawnSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).stdout.trim();
    fs.writeFileSync(path.join(bin, 'curl'), `#!/bin/sh\nprintf '%s\\n' "$*" >>${path.join(work, 'curl-argv.log')}\nexec ${realCurl} "$@"\n`, { mode: 0o755 });
    let log = '';
    const child = spawn('bash', [script], { env: { PATH: `${bin}:${process.env.PATH}` }, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d) => (log += d.toString()));
    children.push(child);
    return { child, log: () => log };
  }

  const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (code) => resolve(code))));
  const conditions = () => patches.map((p) => p.body?.status?.conditions?.[0]);

  test('follows the proxy: Ready=True while /ready answers 200, False when it does not, True again, False on SIGTERM; nothing in between', async () => {
    const root = path.join(work, 'root-1');
    const h = host(root, pki.caPem);
    healthy = true;
    const { child, log } = startReporter(h);
    await until('the first PATCH', () => patches.length === 1);
    expect(conditions()[0]).toMatchObject({ type: 'Ready', status: 'True', reason: 'ProxyReady' });
    // unchanged: no PATCH for a few probes
    await sleep(2500);
    expect(patches).toHaveLength(1);
    // unhealthy (503)
    healthy = false;
    await until('Ready=False', () => patches.length === 2);
    expect(conditions()[1]).toMatchObject({ status: 'False', reason: 'ProxyNotReady' });
    // the proxy gone entirely (connection refused): still False, no new PATCH
    await stopAdmin();
    await sleep(2500);
    expect(patches).toHaveLength(2);
    // back
    healthy = true;
    await startAdmin(adminPort);
    await until('Ready=True again', () => patches.length === 3);
    expect(conditions()[2]).toMatchObject({ status: 'True', reason: 'ProxyReady' });
    // clean shutdown
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(patches).toHaveLength(4);
    expect(conditions()[3]).toMatchObject({ status: 'False', reason: 'HostShutdown' });

    // every request: PATCH of the status subresource, merge patch, the bearer token
    for (const p of patches) {
      expect(p.method).toBe('PATCH');
      expect(p.url).toBe('/apis/workload.linkerd.io/v1beta1/namespaces/mixed-env/externalworkloads/external-workload/status');
      expect(p.contentType).toBe('application/merge-patch+json');
      expect(p.authorization).toBe(`Bearer ${TOKEN}`);
      expect(Object.keys(p.body)).toEqual(['status']);
      expect(p.body.status.conditions).toHaveLength(1);
    }
    // lastTransitionTime: RFC 3339 UTC, changing with each transition, never going back
    const times = conditions().map((c) => c.lastTransitionTime);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect([...times].sort()).toEqual(times);
    expect(Date.parse(times[3]) - Date.now()).toBeLessThan(5000);
    // the token never reached a command line (every curl the reporter ran was recorded)
    const argv = fs.readFileSync(path.join(work, 'curl-argv.log'), 'utf8');
    expect(argv).toContain('--header @-');
    expect(argv).toContain('--cacert');
    expect(argv).not.toContain(TOKEN);
    expect(argv).not.toMatch(/--insecure|(^| )-k( |$)/m);
    expect(log()).not.toContain(TOKEN);
    firstRun.push(...patches.map((p) => p.body));
  }, 60_000);

  test('a restart keeps lastTransitionTime when nothing changed (state file); a failed PATCH is retried at the next probe', async () => {
    patches.length = 0;
    const root = path.join(work, 'root-2');
    const h = host(root, pki.caPem);
    healthy = true;
    failNext = 1;
    const first = startReporter(h);
    await until('the retried PATCH', () => patches.length === 2);
    expect(conditions()[0]).toEqual(conditions()[1]);
    expect(conditions()[1].status).toBe('True');
    const since = conditions()[1].lastTransitionTime;
    first.child.kill('SIGKILL'); // a crash: no shutdown report; the state file says True since <since>
    await exited(first.child);
    expect(fs.readFileSync(`${h.layout.readinessDir}/state`, 'utf8')).toBe(`True ${since}\n`);
    await sleep(1100); // a new second: a new transition would have a new time
    const second = startReporter(h);
    await until('the PATCH after the restart', () => patches.length === 3);
    expect(conditions()[2]).toMatchObject({ status: 'True', lastTransitionTime: since });
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);
    expect(conditions()[3]).toMatchObject({ status: 'False', reason: 'HostShutdown' });
    expect(conditions()[3].lastTransitionTime).not.toBe(since);
  }, 60_000);

  test('the API server\'s certificate is verified: with another CA nothing is sent, and the reporter says why', async () => {
    patches.length = 0;
    const h = host(path.join(work, 'root-3'), pki.otherCaPem);
    const { child, log } = startReporter(h);
    await sleep(2500);
    child.kill('SIGTERM');
    await exited(child);
    expect(patches).toEqual([]);
    expect(log()).toContain('could not set Ready=True: HTTP status 000');
  }, 30_000);

  describeWithFixtures('the bodies of the first run, applied to the ExternalWorkload', () => {
    test('pass the CRD\'s status schema and read as linkerd2\'s IsEwReady would: Ready, not, Ready, not', () => {
      const h = resolveHost('vm', seedHostProps(), defaultMesh());
      expect(firstRun).toHaveLength(4);
      for (const body of firstRun) expectConformant([{ ...externalWorkloadManifest(h.workload), status: body.status }]);
      // IsEwReady: routable only when a condition of type Ready has status True
      expect(firstRun.map((b) => b.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'))).toEqual([true, false, true, false]);
    });
  });
});

describe('the reporter\'s files', () => {
  const h = resolveHost('vm', seedHostProps(), defaultMesh());

  test('the unit runs as the proxy user (its traffic is not redirected), after the proxy (it stops first at shutdown), restarted always', () => {
    const unit = readinessUnit(h);
    expect(unit).toContain('User=linkerd-proxy\n');
    expect(unit).toMatch(/^After=network-online.target linkerd-proxy.service$/m);
    expect(unit).toContain('Restart=always\n');
    expect(unit).toContain('ExecStart=/opt/linkerd-proxy/bin/report-readiness\n');
    expect(unit).toContain('WantedBy=multi-user.target');
  });

  test('preflight requires curl (the reporter\'s client) when readiness is configured, and only then', () => {
    expect(requiredTools(h).map(([t]) => t)).toEqual(expect.arrayContaining(['curl', 'chown']));
    expect(requiredTools(resolveHost('vm', seedHostProps({ readiness: false }), defaultMesh())).map(([t]) => t)).not.toContain('chown');
  });

  test('the bundle says where the token goes and how to get it', () => {
    const bundle = renderShellBundle(planHost('vm', seedHostProps(), defaultMesh()));
    expect(bundle).toContain('LINKERD_EW_API_TOKEN_FILE: file with the token of ServiceAccount mixed-env/external-workload-readiness');
    expect(bundle).toContain("kubectl -n mixed-env get secret external-workload-readiness-token -o jsonpath='{.data.token}' | base64 -d > /etc/linkerd-external-workload/secrets/api-token");
  });

  testWithShellcheck('the reporter script passes shellcheck', () => {
    expect(shellcheck({ 'report-readiness': readinessReporterScript(h, h.readiness!) })).toEqual([]);
  });
});
