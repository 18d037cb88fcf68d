/**
 * The SPIRE topology: one SPIRE server per trust domain on a designated host, workload VMs with an
 * agent only. Checked against SPIRE's own reference configurations, and played by an attacker: with
 * every file, script, standard input and environment value a workload VM receives, try to sign a
 * certificate for another workload's identity; `openssl verify` against the mesh's trust anchor must
 * refuse all of it. The same attack on a VM of the opt-in local mode (its SPIRE server signs with the
 * anchor key) succeeds, which is what its synthesis warning says and what proves the attack is real.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { seedHostProps } from './support/mesh';
import { shellcheck, testWithShellcheck } from './support/shellcheck';
import { documentedSpireKeys } from './support/spire-reference';
import {
  hclKeyPaths,
  planHost,
  proxyEnvironment,
  renderCloudInit,
  renderHcl,
  renderShellBundle,
  resolveHost,
  resolveSpireServerHost,
  spireAgentConfig,
  spireJoinStep,
  spireServerHostConfig,
  spireServerHostPlan,
  spireServerReference,
  type ExternalWorkloadHostProps,
  type HostPlan,
  type ResolvedSpireAgent,
  type SpireServerHostProps,
} from '../../src/core/host';
import { describeWithFixtures, readFixture } from '../support/fixtures';
import { defaultMesh } from '../support/mesh';
import { temporaryFolders } from '../support/tmp';

const tmp = temporaryFolders('lc-spire-topology-');
const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;
const mesh = defaultMesh();

interface Pki {
  readonly dir: string;
  readonly anchorPem: string;
  readonly anchorKeyPem: string;
  readonly intermediatePem: string;
  readonly intermediateKeyPem: string;
}

function openssl(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function mustOpenssl(args: string[], cwd: string): void {
  const r = openssl(args, cwd);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A trust anchor (like `linkerd-constructs certs`: EC P-256 root) and an intermediate CA it signed, for the SPIRE server. */
function makePki(): Pki {
  const dir = tmp();
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  mustOpenssl(['req', '-x509', ...ec, '-keyout', 'anchor.key', '-out', 'anchor.crt', '-days', '30', '-subj', '/CN=root.linkerd.cluster.local',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  mustOpenssl(['req', ...ec, '-keyout', 'spire-ca.key', '-out', 'spire-ca.csr', '-subj', '/CN=spire-upstream-ca'], dir);
  fs.writeFileSync(path.join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  mustOpenssl(['x509', '-req', '-in', 'spire-ca.csr', '-CA', 'anchor.crt', '-CAkey', 'anchor.key', '-CAcreateserial', '-out', 'spire-ca.crt', '-days', '20', '-extfile', 'ca.ext'], dir);
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return { dir, anchorPem: read('anchor.crt'), anchorKeyPem: read('anchor.key'), intermediatePem: read('spire-ca.crt'), intermediateKeyPem: read('spire-ca.key') };
}

function serverProps(pki: Pki, overrides: Partial<SpireServerHostProps> = {}): SpireServerHostProps {
  return {
    nodeName: 'spire-1',
    address: '192.0.2.50',
    trustAnchorPem: pki.anchorPem,
    upstreamCaPem: pki.intermediatePem,
    install: { kind: 'url', sha256: 'c'.repeat(64) },
    ...overrides,
  };
}

function agentHostProps(pki: Pki, overrides: Partial<ExternalWorkloadHostProps> = {}): ExternalWorkloadHostProps {
  const server = spireServerReference(resolveSpireServerHost('spire-1', serverProps(pki), mesh));
  return seedHostProps({
    identity: undefined,
    trustAnchorPem: pki.anchorPem,
    spire: { kind: 'agent', server, install: { kind: 'url', sha256: 'a'.repeat(64) } },
    ...overrides,
  });
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\s+[A-Za-z0-9+/=\s]+?-----END \1-----/g;

/** Everything a VM receives for its plan: scripts, files, the bundle and cloud-init, each secret input, its proxy environment. */
function everythingTheVmReceives(plan: HostPlan, secretValues: Record<string, string>, env: Array<[string, string]>): string[] {
  return [
    ...plan.steps.flatMap((s) => [s.create, s.delete, ...s.files.map((f) => f.content ?? '')]),
    renderShellBundle(plan),
    renderCloudInit(plan),
    ...plan.secrets.map((s) => secretValues[s.name] ?? ''),
    ...env.map(([k, v]) => `${k}=${v}`),
  ];
}

/**
 * The attacker: every private key and certificate in `inputs`, plus a key of their own posing as the
 * anchor. For each key and each CA-like certificate it has, it signs a leaf for `spiffe://<td>/mixed-env/victim`;
 * returns the leaves that `openssl verify` accepts against the mesh's trust anchor.
 */
function forge(inputs: readonly string[], anchorPem: string, trustDomain: string): string[] {
  const dir = tmp();
  const blocks = inputs.flatMap((t) => t.match(PEM_BLOCK) ?? []);
  const keys = [...new Set(blocks.filter((b) => /PRIVATE KEY-----/.test(b.split('\n')[0])))];
  const certs = [...new Set(blocks.filter((b) => b.startsWith('-----BEGIN CERTIFICATE-----')))];
  // the attacker's own key, in a self-made "anchor" of the same name
  mustOpenssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'own.key', '-out', 'own.crt', '-days', '2',
    '-subj', '/CN=root.linkerd.cluster.local', '-addext', 'basicConstraints=critical,CA:TRUE'], dir);
  const ownKey = fs.readFileSync(path.join(dir, 'own.key'), 'utf8');
  const ownCert = fs.readFileSync(path.join(dir, 'own.crt'), 'utf8');
  fs.writeFileSync(path.join(dir, 'anchor.pem'), anchorPem);
  fs.writeFileSync(path.join(dir, 'untrusted.pem'), certs.join('\n') || anchorPem);
  fs.writeFileSync(path.join(dir, 'leaf.ext'), `subjectAltName=URI:spiffe://${trustDomain}/mixed-env/victim\nbasicConstraints=critical,CA:FALSE\n`);
  mustOpenssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=victim'], dir);
  const accepted: string[] = [];
  let n = 0;
  for (const key of [...keys, ownKey]) {
    for (const cert of [...certs, ownCert]) {
      n++;
      fs.writeFileSync(path.join(dir, `k${n}.pem`), key);
      fs.writeFileSync(path.join(dir, `c${n}.pem`), cert);
      // openssl signs only with a key that matches the issuer certificate: other pairs are no attack
      const signed = openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', `c${n}.pem`, '-CAkey', `k${n}.pem`, '-set_serial', String(n), '-out', `leaf${n}.pem`, '-days', '1', '-extfile', 'leaf.ext'], dir);
      if (signed.status !== 0) continue;
      const verify = openssl(['verify', '-CAfile', 'anchor.pem', '-untrusted', 'untrusted.pem', `leaf${n}.pem`], dir);
      if (verify.status === 0) accepted.push(`a leaf signed with key ${n} as ${cert.split('\n')[1].slice(0, 16)}...`);
    }
  }
  return accepted;
}

(HAVE_OPENSSL ? describe : describe.skip)('an attacker with root on one workload VM', () => {
  let pki: Pki;
  beforeAll(() => {
    pki = makePki();
  });

  test('default topology (agent only): nothing the VM receives signs an identity the mesh accepts', () => {
    const h = resolveHost('vm', agentHostProps(pki), mesh);
    const plan = planHost('vm', agentHostProps(pki), mesh);
    expect(plan.secrets.map((s) => s.name)).toEqual(['join-token', 'api-token']);
    const inputs = everythingTheVmReceives(plan, { 'join-token': 'a1b2c3d4-0000-4000-8000-000000000001', 'api-token': 'eyJhbGciOi.fake.token' }, proxyEnvironment(h));
    expect(inputs.join('\n')).not.toMatch(/PRIVATE KEY-----\s+[A-Za-z0-9+/]{20}/);
    expect(forge(inputs, pki.anchorPem, h.spire.trustDomain)).toEqual([]);
  });

  test('control: the opt-in local mode hands the VM an intermediate (never the anchor key), and the same attack succeeds with it; synthesis warns', () => {
    const props = seedHostProps({ trustAnchorPem: pki.anchorPem, spire: { kind: 'local', upstreamCaPem: pki.intermediatePem, install: { kind: 'url', sha256: 'a'.repeat(64) } } });
    const h = resolveHost('vm', props, mesh);
    expect(h.warnings.find((w) => w.field === 'spire.kind')!.allowed).toContain('root on it can sign a certificate for every identity of the mesh');
    const plan = planHost('vm', props, mesh);
    const inputs = everythingTheVmReceives(plan, { 'spire-upstream-ca-key': pki.intermediateKeyPem, 'api-token': 'eyJhbGciOi.fake.token' }, proxyEnvironment(h));
    expect(inputs.join('\n')).not.toContain(pki.anchorKeyPem.split('\n')[1]);
    expect(forge(inputs, pki.anchorPem, h.spire.trustDomain)).toHaveLength(1);
  });

  test('the SPIRE server host is the one place that can sign (its blast radius): its intermediate chains to the anchor', () => {
    const s = resolveSpireServerHost('spire-1', serverProps(pki), mesh);
    const plan = spireServerHostPlan(s);
    const inputs = everythingTheVmReceives(plan, { 'spire-upstream-ca-key': pki.intermediateKeyPem }, []);
    expect(forge(inputs, pki.anchorPem, s.trustDomain)).toHaveLength(1);
    // and the anchor key is not among its inputs
    expect(inputs.join('\n')).not.toContain(pki.anchorKeyPem.split('\n')[1]);
  });
});

describe('the SPIRE server host', () => {
  let pki: Pki;
  beforeAll(() => {
    pki = HAVE_OPENSSL ? makePki() : (undefined as never);
  });

  (HAVE_OPENSSL ? test : test.skip)('its upstream CA must be an intermediate chaining to the anchor: the anchor itself, a foreign CA or a key are rejected, naming the prop', () => {
    expect(() => resolveSpireServerHost('spire-1', serverProps(pki, { upstreamCaPem: pki.anchorPem }), mesh)).toThrow(/\[spire-1\] upstreamCaPem: received "self-signed .*"; expected an intermediate CA signed by the trust anchor, not a root/);
    const other = makePki();
    expect(() => resolveSpireServerHost('spire-1', serverProps(pki, { upstreamCaPem: other.intermediatePem }), mesh)).toThrow(/upstreamCaPem: .*expected a chain up to one of the mesh's trust anchors/);
    expect(() => resolveSpireServerHost('spire-1', serverProps(pki, { upstreamCaPem: `${pki.intermediatePem}\n${pki.intermediateKeyPem}` }), mesh)).toThrow(
      /upstreamCaPem: received "\(a PEM holding a private key\)"/,
    );
    expect(() => resolveSpireServerHost('spire-1', serverProps(pki, { address: 'spire; rm -rf /' }), mesh)).toThrow(/address: received "spire; rm -rf \/"/);
  });

  (HAVE_OPENSSL ? test : test.skip)('its plan: install spire-server, the upstream CA (key on standard input), the server on every interface', () => {
    const s = resolveSpireServerHost('spire-1', serverProps(pki), mesh);
    const plan = spireServerHostPlan(s);
    expect(plan.steps.map((x) => x.id)).toEqual(['spire-install', 'spire-upstream-ca', 'spire-server']);
    expect(plan.secrets).toEqual([expect.objectContaining({ name: 'spire-upstream-ca-key', bundleEnv: 'LINKERD_SPIRE_UPSTREAM_CA_KEY_FILE' })]);
    expect(plan.steps[0].create).not.toContain('spire-agent');
    const conf = renderHcl(spireServerHostConfig(s));
    expect(conf).toContain('bind_address = "0.0.0.0"');
    expect(conf).toContain('bundle_file_path = "/opt/spire/certs/upstream-bundle.crt"');
    expect(plan.steps[1].files).toContainEqual({ path: '/opt/spire/certs/upstream-bundle.crt', mode: '0644', content: `${pki.anchorPem.trim()}\n` });
  });

  (HAVE_OPENSSL ? test : test.skip)('the join step registers the VM\'s entry under its agent and prints (or writes 0600) a one-time token; delete removes the entries', () => {
    const s = resolveSpireServerHost('spire-1', serverProps(pki), mesh);
    const h = resolveHost('vm', agentHostProps(pki), mesh);
    const step = spireJoinStep(s, h);
    const agentId = (h.spire as ResolvedSpireAgent).agentId;
    expect(agentId).toBe('spiffe://root.linkerd.cluster.local/agent/my-vm');
    expect(step.id).toBe('join-my-vm');
    expect(step.create).toContain('token generate -socketPath "$SERVER_SOCKET" -spiffeID "$AGENT_ID"');
    expect(step.create).toContain("( umask 077; printf '%s\\n' \"$token\" >\"$out_file\" )");
    expect(step.delete).toContain('entry delete');
  });
});

describe('the agent-only VM', () => {
  let pki: Pki;
  beforeAll(() => {
    pki = HAVE_OPENSSL ? makePki() : (undefined as never);
  });

  (HAVE_OPENSSL ? test : test.skip)('runs only spire-agent: no server, no upstream CA, no entry; the join token on standard input; the anchor as bootstrap bundle', () => {
    const plan = planHost('vm', agentHostProps(pki), mesh);
    expect(plan.steps.map((s) => s.id)).toEqual(['preflight', 'spire-install', 'spire-agent', 'proxy-user', 'proxy-install', 'proxy-service', 'iptables', 'readiness']);
    const agent = plan.steps.find((s) => s.id === 'spire-agent')!;
    expect(agent.secrets).toEqual(['join-token']);
    expect(agent.files).toContainEqual({ path: '/opt/spire/conf/bundle.pem', mode: '0644', content: `${pki.anchorPem.trim()}\n` });
    expect(agent.create).not.toMatch(/spire-server|insecure_bootstrap/);
    expect(agent.create).toContain('server_address = "192.0.2.50"');
    expect(plan.steps[1].create).not.toContain('spire-server');
    expect(plan.steps[0].create).toContain('cannot connect to the SPIRE server $SPIRE_SERVER:$SPIRE_PORT');
    expect(resolveHost('vm', agentHostProps(pki), mesh).warnings.map((w) => w.field)).not.toContain('spire.kind');
  });

  (HAVE_OPENSSL ? test : test.skip)('a server of another trust domain, or no kind at all, is an error naming the prop', () => {
    const server = { ...spireServerReference(resolveSpireServerHost('spire-1', serverProps(pki), mesh)), trustDomain: 'elsewhere.example' };
    expect(() => resolveHost('vm', agentHostProps(pki, { spire: { kind: 'agent', server, install: { kind: 'url', sha256: 'a'.repeat(64) } } }), mesh)).toThrow(
      /spire.server.trustDomain: received "elsewhere.example"; expected the workload's SPIFFE trust domain "root.linkerd.cluster.local"/,
    );
    expect(() => resolveHost('vm', agentHostProps(pki, { spire: { install: { kind: 'url', sha256: 'a'.repeat(64) } } as never }), mesh)).toThrow(/spire.kind: received undefined; expected "agent"/);
  });
});

(HAVE_OPENSSL ? describe : describe.skip)('path lengths: the chain an SVID really has, checked by openssl', () => {
  /** SVID <- "SPIRE CA" (what SPIRE mints under its upstream) <- upstream chain <- anchor; openssl's verdict. */
  function svidVerifies(anchorPem: string, upstreamPem: string, upstreamKeyPem: string): { ok: boolean; out: string } {
    const dir = tmp();
    const w = (f: string, t: string) => fs.writeFileSync(path.join(dir, f), t);
    w('anchor.pem', anchorPem);
    w('upstream.pem', upstreamPem);
    w('upstream.key', upstreamKeyPem);
    w('ca.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
    w('svid.ext', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=URI:spiffe://root.linkerd.cluster.local/mixed-env/external-workload\n');
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    mustOpenssl(['req', ...ec, '-keyout', 'spire.key', '-out', 'spire.csr', '-subj', '/CN=SPIRE server CA'], dir);
    mustOpenssl(['x509', '-req', '-in', 'spire.csr', '-CA', 'upstream.pem', '-CAkey', 'upstream.key', '-set_serial', '7', '-out', 'spire.pem', '-days', '1', '-extfile', 'ca.ext'], dir);
    mustOpenssl(['req', ...ec, '-keyout', 'svid.key', '-out', 'svid.csr', '-subj', '/CN=svid'], dir);
    mustOpenssl(['x509', '-req', '-in', 'svid.csr', '-CA', 'spire.pem', '-CAkey', 'spire.key', '-set_serial', '8', '-out', 'svid.pem', '-days', '1', '-extfile', 'svid.ext'], dir);
    w('chain.pem', `${fs.readFileSync(path.join(dir, 'spire.pem'), 'utf8')}${upstreamPem}`);
    const r = openssl(['verify', '-CAfile', 'anchor.pem', '-untrusted', 'chain.pem', 'svid.pem'], dir);
    return { ok: r.status === 0, out: r.stdout + r.stderr };
  }

  test('`linkerd-constructs certs` material (anchor pathlen 2, spire-ca pathlen 1): SVIDs verify, and the server host accepts it', async () => {
    const { generateMeshCertificates } = await import('../../src/core/identity/generate');
    const certs = await generateMeshCertificates({ webhook: false });
    expect(svidVerifies(certs.trustAnchor.certificatePem, certs.spireCa!.certificatePem, certs.spireCa!.keyPem)).toEqual({ ok: true, out: expect.stringContaining('OK') });
    expect(() => resolveSpireServerHost('spire-1', { ...serverProps(makePki()), trustAnchorPem: certs.trustAnchor.certificatePem, upstreamCaPem: certs.spireCa!.certificatePem }, mesh)).not.toThrow();
  });

  test('an anchor with pathlen 1 (`step --profile root-ca`, Linkerd\'s docs): openssl rejects every SVID, and the server host says so first', () => {
    const dir = tmp();
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    mustOpenssl(['req', '-x509', ...ec, '-keyout', 'a.key', '-out', 'a.crt', '-days', '2', '-subj', '/CN=root.linkerd.cluster.local', '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:1'], dir);
    mustOpenssl(['req', ...ec, '-keyout', 'i.key', '-out', 'i.csr', '-subj', '/CN=spire-upstream-ca'], dir);
    fs.writeFileSync(path.join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\n');
    mustOpenssl(['x509', '-req', '-in', 'i.csr', '-CA', 'a.crt', '-CAkey', 'a.key', '-CAcreateserial', '-out', 'i.crt', '-days', '2', '-extfile', 'ca.ext'], dir);
    const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
    const verdict = svidVerifies(read('a.crt'), read('i.crt'), read('i.key'));
    expect(verdict.ok).toBe(false);
    expect(verdict.out).toMatch(/path length constraint exceeded/);
    expect(() => resolveSpireServerHost('spire-1', { ...serverProps(makePki()), trustAnchorPem: read('a.crt'), upstreamCaPem: read('i.crt') }, mesh)).toThrow(
      /trustAnchorPem: received ".*" with pathlen 1"; expected a path length of at least 2/,
    );
  });
});

describeWithFixtures('SPIRE reads these configurations (its reference configurations, v1.15.3)', () => {
  const serverKeys = documentedSpireKeys(readFixture('spire-v1.15.3/server_full.conf'));
  const agentKeys = documentedSpireKeys(readFixture('spire-v1.15.3/agent_full.conf'));

  (HAVE_OPENSSL ? test : test.skip)('every key of the server host\'s and the agent-only VM\'s configuration is documented by SPIRE', () => {
    const pki = makePki();
    const s = resolveSpireServerHost('spire-1', serverProps(pki), mesh);
    expect(hclKeyPaths(spireServerHostConfig(s)).filter((k) => !serverKeys.has(k))).toEqual([]);
    expect(hclKeyPaths(spireServerHostConfig(s))).toContain('plugins.UpstreamAuthority "disk".plugin_data.bundle_file_path');
    const h = resolveHost('vm', agentHostProps(pki), mesh);
    const agentConf = spireAgentConfig(h, h.spire as ResolvedSpireAgent, 'token');
    expect(hclKeyPaths(agentConf).filter((k) => !agentKeys.has(k))).toEqual([]);
    expect(hclKeyPaths(agentConf)).not.toContain('agent.insecure_bootstrap');
  });
});

describe('shellcheck', () => {
  testWithShellcheck('the server host\'s plan, its join step, and the agent-only VM\'s plan and bundle pass shellcheck', () => {
    const pki = makePki();
    const s = resolveSpireServerHost('spire-1', serverProps(pki), mesh);
    const h = resolveHost('vm', agentHostProps(pki), mesh);
    const scripts: Record<string, string> = {};
    for (const step of spireServerHostPlan(s).steps) Object.assign(scripts, { [`server-${step.id}-create`]: step.create, [`server-${step.id}-delete`]: step.delete });
    const join = spireJoinStep(s, h);
    Object.assign(scripts, { 'join-create': join.create, 'join-delete': join.delete });
    const plan = planHost('vm', agentHostProps(pki), mesh);
    for (const step of plan.steps) Object.assign(scripts, { [`vm-${step.id}-create`]: step.create, [`vm-${step.id}-delete`]: step.delete });
    scripts['vm-bundle'] = renderShellBundle(plan);
    scripts['server-bundle'] = renderShellBundle(spireServerHostPlan(s));
    expect(shellcheck(scripts)).toEqual([]);
  });
});
