/**
 * The host artifacts pass their own tools' validators: every systemd unit a plan writes passes
 * `systemd-analyze verify` (with no warning), and every cloud-init document passes
 * `cloud-init schema --config-file` (Debian's `systemd` and `cloud-init`, installed by
 * `npm run test:setup`). Units are written under a temporary root, with stand-in executables where
 * their `ExecStart=` points, since verify checks that the command exists.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { seedHostProps, SPIRE_CA_PEM } from './support/mesh';
import { planHost, renderCloudInit } from '../../src/core/host';
import type { ExternalWorkloadHostProps } from '../../src/core/host';
import { defaultMesh } from '../support/mesh';

function missingTools(): string | undefined {
  const missing = ['systemd-analyze', 'cloud-init'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  return missing.length > 0 ? `${missing.join(', ')} not installed (npm run test:setup installs them)` : undefined;
}

const why = missingTools();
if (why && process.env.CI) throw new Error(`host validators cannot run under CI=true: ${why}`);
// eslint-disable-next-line no-console
if (why) console.log(`skipped: host validators: ${why}`);
const withTools = why ? describe.skip : describe;

const HOSTS: Array<[string, Partial<ExternalWorkloadHostProps>]> = [
  ['SPIRE downloaded, proxy downloaded', {}],
  ['SPIRE binaries given, proxy from the image', { spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'path', serverBinary: '/opt/spire/bin/spire-server', agentBinary: '/opt/spire/bin/spire-agent' } }, proxy: { binary: { kind: 'image' } } }],
  ['an existing SPIRE agent', { spire: { kind: 'existing-agent', socketPath: '/run/spire/agent.sock' } }],
];

/** Writes the plan's files under a fresh root; returns the root and the unit files. */
function writePlan(props: Partial<ExternalWorkloadHostProps>): { root: string; units: string[]; cloudInit: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-units-'));
  const plan = planHost('vm', { ...seedHostProps(), ...props, root } as ExternalWorkloadHostProps, defaultMesh());
  const units: string[] = [];
  for (const file of plan.steps.flatMap((s) => s.files)) {
    if (file.content === undefined) continue;
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    fs.writeFileSync(file.path, file.content, { mode: parseInt(file.mode, 8) });
    if (file.path.endsWith('.service') || file.path.endsWith('.timer')) units.push(file.path);
  }
  // stand-ins for the commands the units run (the plan installs the real ones)
  for (const unit of units) {
    const exec = /^ExecStart=(\S+)/m.exec(fs.readFileSync(unit, 'utf8'))?.[1];
    if (exec && !fs.existsSync(exec)) {
      fs.mkdirSync(path.dirname(exec), { recursive: true });
      fs.writeFileSync(exec, '#!/bin/sh\n', { mode: 0o755 });
    }
  }
  return { root, units, cloudInit: renderCloudInit(plan) };
}

withTools('host artifacts pass systemd-analyze verify and cloud-init schema', () => {
  test.each(HOSTS)('%s: every unit verifies without a warning', (_name, props) => {
    const { units } = writePlan(props);
    expect(units.length).toBeGreaterThanOrEqual(1);
    const r = spawnSync('systemd-analyze', ['verify', ...units], { encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr.trim(), stdout: r.stdout.trim() }).toEqual({ status: 0, stderr: '', stdout: '' });
  });

  test.each(HOSTS)('%s: the cloud-init document is a valid cloud-config', (_name, props) => {
    const { root, cloudInit } = writePlan(props);
    const file = path.join(root, 'cloud-init.yaml');
    fs.writeFileSync(file, cloudInit);
    const r = spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' });
    expect({ status: r.status, out: r.stdout.trim() }).toEqual({ status: 0, out: `Valid cloud-config: ${file}` });
  });

  test('the validators do catch mistakes (a misspelt key, a bad cloud-config)', () => {
    const { root, units, cloudInit } = writePlan({});
    fs.writeFileSync(units[0], fs.readFileSync(units[0], 'utf8').replace('Restart=on-failure', 'Restrat=on-failure'));
    const r = spawnSync('systemd-analyze', ['verify', units[0]], { encoding: 'utf8' });
    expect(r.stderr).toMatch(/Unknown key( name)? 'Restrat'/);
    const file = path.join(root, 'bad.yaml');
    fs.writeFileSync(file, cloudInit.replace('runcmd:', 'runcmd: 7\nruncmd_bad:'));
    expect(spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' }).status).not.toBe(0);
  });
});
