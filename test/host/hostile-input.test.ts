/**
 * Hostile values in every string prop of `ExternalWorkloadHost`: `$(...)`, backticks, quotes, `;`
 * and newlines. Each is rejected at construction (on both sides: the cdk8s construct and the Pulumi
 * component build on the same core resolver), or the generated bundle runs (`list`, then `create`,
 * which stops at its read-only preflight here) without the payload ever executing: a marker file the
 * payload would create must not appear.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { seedHostProps, SPIRE_CA_PEM } from './support/mesh';
import { ValidationError } from '../../src/core/errors';
import { planHost, renderShellBundle, resolveSpireServerHost, spireServerHostPlan, type ExternalWorkloadHostProps, type SpireServerHostProps } from '../../src/core/host';
import { defaultMesh } from '../support/mesh';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-hostile-'));
const marker = path.join(work, 'PWNED');
const RAW = [`x$(touch ${marker})`, `x\`touch ${marker}\``, `x'; touch ${marker}; '`, `x"; touch ${marker}; "`, `x;touch ${marker}`, `x\ntouch ${marker}\n`];
// each also as an absolute path, so path checks are tested beyond "starts with /"
const PAYLOADS = [...RAW, ...RAW.map((p) => `/tmp/${p}`)];

/** Sets `value` at a dotted path of a copy of `props`. */
function withValue(props: any, dotted: string, value: string): any {
  const copy = JSON.parse(JSON.stringify(props));
  const keys = dotted.split('.');
  let node = copy;
  for (const k of keys.slice(0, -1)) node = node[k] ??= {};
  const last = keys[keys.length - 1];
  if (last === '<label-key>') node[value] = 'v';
  else node[last] = value;
  return copy;
}

const root = path.join(work, 'root');
const SERVER = { address: '192.0.2.50', port: 8081, trustDomain: 'root.linkerd.cluster.local', nodeName: 'spire-1' };
const base = (): ExternalWorkloadHostProps => ({ ...seedHostProps(), root, preflight: { checkControlPlane: true } } as ExternalWorkloadHostProps);
const VARIANTS: Array<[string, Partial<ExternalWorkloadHostProps>]> = [
  ['name', {}], ['namespace', {}], ['nodeName', {}], ['identity', {}], ['serverName', {}], ['root', {}],
  ['labels.app', {}], ['labels.<label-key>', {}], ['ports.0.name', {}], ['workloadIps.0', {}],
  ['serviceManager.unitDir', {}], ['serviceManager.command', {}], ['traffic.iptablesCommand', {}], ['proxy.user', {}],
  ['spire.version', {}], ['spire.agentId', {}], ['spire.caTtl', {}], ['spire.svidTtl', {}],
  ['spire.install.url', {}], ['spire.install.sha256', {}],
  ['spire.install.serverBinary', { spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'path', serverBinary: '/opt/spire/bin/spire-server', agentBinary: '/opt/spire/bin/spire-agent' } } }],
  ['spire.install.agentBinary', { spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'path', serverBinary: '/opt/spire/bin/spire-server', agentBinary: '/opt/spire/bin/spire-agent' } } }],
  ['spire.socketPath', { spire: { kind: 'existing-agent', socketPath: '/run/spire/agent.sock' } }],
  ['proxy.binary.url', {}], ['proxy.binary.sha256', {}],
  ['proxy.binary.path', { proxy: { binary: { kind: 'path', path: '/usr/local/bin/linkerd2-proxy' } } }],
  ['proxy.binary.image', { proxy: { binary: { kind: 'image' } } }],
  ['proxy.binary.containerTool', { proxy: { binary: { kind: 'image' } } }],
  ['trustAnchorPem', {}],
  ['readiness.apiServerUrl', {}], ['readiness.apiServerCaPem', {}],
  ...(['spire.server.address', 'spire.server.trustDomain', 'spire.server.nodeName', 'spire.install.agentBinary', 'spire.version'] as const).map(
    (f) => [f, { spire: { kind: 'agent', server: SERVER, install: { kind: 'path', agentBinary: '/opt/spire/bin/spire-agent' } } }] as [string, Partial<ExternalWorkloadHostProps>],
  ),
];

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test.each(VARIANTS)('%s: every payload is rejected before a script exists, or never runs', (field, variant) => {
  const outcomes: string[] = [];
  for (const payload of PAYLOADS) {
    const props = withValue({ ...base(), ...variant }, field.replace(/\.(\d+)(?=\.|$)/g, '.$1'), payload);
    let bundle: string;
    try {
      bundle = renderShellBundle(planHost('vm', props, defaultMesh()));
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      outcomes.push('rejected');
      continue;
    }
    // accepted: the value is data; run the bundle and prove the payload did not execute
    const file = path.join(work, 'bundle.sh');
    fs.writeFileSync(file, bundle, { mode: 0o700 });
    expect(spawnSync('bash', ['-n', file]).status).toBe(0);
    const list = spawnSync('bash', [file, 'list'], { encoding: 'utf8', timeout: 20_000 });
    expect(list.status).toBe(0);
    spawnSync('bash', [file, 'create'], { encoding: 'utf8', timeout: 30_000, env: { PATH: '/usr/bin:/bin', LINKERD_SPIRE_UPSTREAM_CA_KEY_FILE: '/nonexistent' } });
    expect(fs.existsSync(marker)).toBe(false);
    outcomes.push('ran harmlessly');
  }
  expect(outcomes).toHaveLength(PAYLOADS.length);
});

test('the payloads are real: unquoted, they would run', () => {
  spawnSync('bash', ['-c', `echo ${PAYLOADS[0]}`]);
  expect(fs.existsSync(marker)).toBe(true);
  fs.rmSync(marker);
});

// the SPIRE server host: every string prop, the same payloads, its bundle run the same way
const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'mesh-expansion');
const serverBase = (): SpireServerHostProps => ({
  nodeName: 'spire-1',
  address: '192.0.2.50',
  trustAnchorPem: fs.readFileSync(path.join(EXAMPLE, 'trust-anchor.crt'), 'utf8'),
  upstreamCaPem: fs.readFileSync(path.join(EXAMPLE, 'spire-ca.crt'), 'utf8'),
  install: { kind: 'url', sha256: 'c'.repeat(64) },
  root,
});
const SERVER_FIELDS: Array<[string, Partial<SpireServerHostProps>]> = [
  ['nodeName', {}], ['address', {}], ['trustDomain', {}], ['version', {}], ['caTtl', {}], ['svidTtl', {}], ['root', {}],
  ['serviceManager.unitDir', {}], ['serviceManager.command', {}], ['install.url', {}], ['install.sha256', {}],
  ['install.serverBinary', { install: { kind: 'path', serverBinary: '/opt/spire/bin/spire-server' } }],
  ['upstreamCaPem', {}], ['trustAnchorPem', {}],
];

test.each(SERVER_FIELDS)('SpireServerHost %s: every payload is rejected before a script exists, or never runs', (field, variant) => {
  for (const payload of PAYLOADS) {
    const props = withValue({ ...serverBase(), ...variant }, field, payload);
    let bundle: string;
    try {
      bundle = renderShellBundle(spireServerHostPlan(resolveSpireServerHost('spire', props, defaultMesh())));
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      continue;
    }
    const file = path.join(work, 'server-bundle.sh');
    fs.writeFileSync(file, bundle, { mode: 0o700 });
    expect(spawnSync('bash', [file, 'list'], { encoding: 'utf8', timeout: 20_000 }).status).toBe(0);
    spawnSync('bash', [file, 'create'], { encoding: 'utf8', timeout: 30_000, env: { PATH: '/usr/bin:/bin', LINKERD_SPIRE_UPSTREAM_CA_KEY_FILE: '/nonexistent' } });
    expect(fs.existsSync(marker)).toBe(false);
  }
});
