/**
 * The Gateway API CRDs Linkerd needs before its control plane: where they come from is explicit
 * (`gatewayApi`), a declared version is checked against upstream's rule (linkerd2 edge-26.8.3
 * `pkg/healthcheck/healthcheck.go`: httproutes and grpcroutes must serve v1, "Gateway API v1.1.1 or
 * later"), the version the `linkerd-crds` chart bundles is read from the chart tarball, and
 * `linkerd-constructs check` reports manifests that install Linkerd without them.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { LinkerdMesh, MeshDelivery } from '../../src/cdk8s';
import { main } from '../../src/cli/main';
import { Issues } from '../../src/core/errors';
import { MeshIdentity } from '../../src/core/identity';
import type { KubeObject } from '../../src/core/k8s';
import {
  checkGatewayApiProps,
  GATEWAY_API_MIN_VERSION,
  gatewayApiFindings,
  LINKERD_CRDS_CHART_GATEWAY_API_VERSION,
  meshChartValues,
} from '../../src/core/mesh';
import { fixturePath } from '../support/fixtures';
import { describeWithHelm } from '../support/helm';

function issuesOf(gatewayApi: any, install?: boolean) {
  const issues = new Issues('mesh');
  checkGatewayApiProps(issues, gatewayApi, install);
  return { errors: issues.errors.map((e) => `${e.field}: ${e.allowed}`), warnings: issues.warnings.map((w) => `${w.field}: ${w.allowed}`) };
}

describe('gatewayApi: an explicit choice, checked', () => {
  test('unset warns with both choices; each choice is silent', () => {
    expect(issuesOf(undefined).warnings).toEqual([expect.stringMatching(/^gatewayApi: expected where the Gateway API CRDs come from: .*managedBy: 'linkerd-crds-chart'.*managedBy: 'external', bundleVersion: 'v1\.5\.1'/)]);
    expect(issuesOf({ managedBy: 'linkerd-crds-chart' })).toEqual({ errors: [], warnings: [] });
    expect(issuesOf({ managedBy: 'external', bundleVersion: 'v1.2.1' })).toEqual({ errors: [], warnings: [] });
    expect(issuesOf(undefined, true)).toEqual({ errors: [], warnings: [] }); // the older prop still counts as a choice
  });

  test('versions outside the range are refused, newer than known ones warned, malformed ones refused', () => {
    expect(issuesOf({ managedBy: 'external', bundleVersion: 'v1.0.0' }).errors).toEqual([expect.stringMatching(/^gatewayApi\.bundleVersion: expected Gateway API v1\.1\.1 or later/)]);
    expect(issuesOf({ managedBy: 'external', bundleVersion: 'banana' }).errors).toEqual([expect.stringMatching(/^gatewayApi\.bundleVersion: expected a Gateway API bundle version/)]);
    expect(issuesOf({ managedBy: 'external' }).errors).toHaveLength(1);
    expect(issuesOf({ managedBy: 'external', bundleVersion: 'v2.0.0' })).toMatchObject({ errors: [], warnings: [expect.stringMatching(/untested/)] });
    expect(issuesOf({ managedBy: 'linkerd-crds-chart', bundleVersion: 'v1.2.1' }).errors).toHaveLength(1);
    expect(issuesOf({ managedBy: 'external', bundleVersion: 'v1.2.1' }, true).errors).toEqual([expect.stringMatching(/^installGatewayApiCrds: expected it unset/)]);
  });

  test('a cdk8s mesh refuses an old declared version before anything is synthesized', () => {
    const chart = new Chart(Testing.app(), 'app');
    expect(() => new LinkerdMesh(chart, 'mesh', { identity: MeshIdentity.certManager(), delivery: MeshDelivery.flux(), gatewayApi: { managedBy: 'external', bundleVersion: 'v0.8.1' } })).toThrow(
      /\[app\/mesh\] gatewayApi\.bundleVersion: received "v0\.8\.1"; expected Gateway API v1\.1\.1 or later/,
    );
  });

  test('managedBy chooses the crds chart value', () => {
    const v = (gatewayApi: any) => meshChartValues({ gatewayApi }, { identity: { mode: 'cert-manager' }, webhooks: { mode: 'cert-manager' } }).crds;
    expect(v({ managedBy: 'linkerd-crds-chart' })).toEqual({ installGatewayAPI: true });
    expect(v({ managedBy: 'external', bundleVersion: 'v1.2.1' })).toEqual({ installGatewayAPI: false });
  });
});

describeWithHelm('the linkerd-crds chart and the Gateway API (real Helm, real chart)', (ctx) => {
  const crdsOf = (gatewayApi: any): KubeObject[] => {
    const chart = new Chart(Testing.app(), 'app');
    new LinkerdMesh(chart, 'mesh', { identity: MeshIdentity.certManager(), gatewayApi, delivery: MeshDelivery.helm({ helmExecutable: ctx.helm, repository: ctx.repository, env: ctx.env }) });
    return (Testing.synth(chart) as KubeObject[]).filter((o) => o.kind === 'CustomResourceDefinition');
  };

  test('the version the chart bundles is the one we state, read from the chart tarball', () => {
    const text = execFileSync('tar', ['-xzOf', fixturePath('linkerd-edge-26.8.3/charts/linkerd-crds-2026.8.3.tgz')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const versions = new Set([...text.matchAll(/gateway\.networking\.k8s\.io\/bundle-version: (\S+)/g)].map((m) => m[1]));
    expect([...versions]).toEqual([LINKERD_CRDS_CHART_GATEWAY_API_VERSION]);
  });

  test("managedBy 'linkerd-crds-chart': the render holds httproutes and grpcroutes serving v1, and check finds nothing", () => {
    const crds = crdsOf({ managedBy: 'linkerd-crds-chart' });
    const names = crds.map((c) => c.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['httproutes.gateway.networking.k8s.io', 'grpcroutes.gateway.networking.k8s.io']));
    expect(gatewayApiFindings(crds)).toEqual([]);
  });

  test("managedBy 'external' (or unset): the render lacks them, and check says so unless accepted", async () => {
    const crds = crdsOf({ managedBy: 'external', bundleVersion: GATEWAY_API_MIN_VERSION });
    expect(crds.some((c) => c.metadata.name!.endsWith('.gateway.networking.k8s.io'))).toBe(false);
    expect(gatewayApiFindings(crds).map((f) => f.kind)).toEqual(['missing']);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-gwapi-'));
    const file = path.join(dir, 'crds.yaml');
    fs.writeFileSync(file, crds.map((c) => stringify(c)).join('---\n'));
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const code = await main(['check', file, ...args], { stdout: (t) => out.push(t), stderr: (t) => out.push(t), readStdin: async () => '', cwd: dir });
      return { code, out: out.join('') };
    };
    const blocked = await run();
    expect(blocked.code).toBe(1);
    expect(blocked.out).toMatch(/BLOCKED gateway-api:missing: the input installs Linkerd's CRDs but not httproutes\.gateway\.networking\.k8s\.io, grpcroutes\.gateway\.networking\.k8s\.io/);
    const accepted = await run('--accept', 'gateway-api:missing=installed by the platform');
    expect(accepted.out).toMatch(/accepted gateway-api:missing/);
    expect(accepted.code).toBe(0);
  });

  test('Gateway API CRDs of an old bundle (no v1) are a version finding', () => {
    const [http] = crdsOf({ managedBy: 'linkerd-crds-chart' }).filter((c) => c.metadata.name === 'httproutes.gateway.networking.k8s.io') as any[];
    const old = JSON.parse(JSON.stringify(http));
    old.metadata.annotations['gateway.networking.k8s.io/bundle-version'] = 'v0.8.1';
    old.spec.versions = old.spec.versions.filter((v: any) => v.name !== 'v1');
    expect(gatewayApiFindings([old]).map((f) => f.message)).toEqual([expect.stringMatching(/httproutes\.gateway\.networking\.k8s\.io: bundle v0\.8\.1, v1 not served; Linkerd needs v1\.1\.1 or later/)]);
  });
});
