/**
 * examples/default-deny: the cdk8s app synthesizes (its analysis passes), every object conforms,
 * the output passes `linkerd-constructs check`, and the Pulumi program builds the same policies.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { API_SERVER_CIDRS, NAMESPACES, synth } from '../../examples/default-deny/cdk8s';
import { defaultDenyProgram } from '../../examples/default-deny/pulumi';
import { main } from '../../src/cli/main';
import { expectConformant } from '../support/conformance';
import { PROJECT_ROOT } from '../support/fixtures';
import { pulumiTestEnv, resolveOutput } from '../support/pulumi';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-default-deny-'));
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('examples/default-deny', () => {
  let files: string[];
  let objects: any[];
  beforeAll(() => {
    files = synth(outdir);
    objects = files.flatMap((f) => parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS()));
  });

  test('writes default-deny.k8s.yaml with the workloads and the policies; every object conforms', () => {
    expect(files).toEqual([path.join(outdir, 'default-deny.k8s.yaml')]);
    expect(fs.existsSync(files[0])).toBe(true);
    expectConformant(objects);
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(new Set(policies.map((p) => p.metadata.namespace))).toEqual(new Set(['linkerd', ...NAMESPACES]));
    expect(policies.find((p) => p.metadata.name === 'linkerd-allow-webhook-ingress').spec.ingress[0].from).toEqual([{ ipBlock: { cidr: API_SERVER_CIDRS[0] } }]);
  });

  test('the synthesized output passes linkerd-constructs check (exit 0)', async () => {
    let stdout = '';
    const code = await main(['check', files[0], '--api-server-cidr', API_SERVER_CIDRS[0], '--viz-namespace', 'linkerd-viz'], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stdout += t),
      readStdin: async () => '',
      cwd: PROJECT_ROOT,
    });
    expect(stdout).toMatch(/OK: every required flow is allowed/);
    expect(stdout).toMatch(/3 workload\(s\)/);
    expect(code).toBe(0);
  });

  test('the Pulumi program creates the same policies, the API server CIDR coming from an Input', async () => {
    const env = await pulumiTestEnv();
    const component = defaultDenyProgram(Promise.resolve(API_SERVER_CIDRS[0]) as any);
    await env.settle();
    expect([...component.policyNames].sort()).toEqual(objects.filter((o) => o.kind === 'NetworkPolicy').map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort());
    const spec = await resolveOutput(component.policies[component.policyNames.indexOf('linkerd/linkerd-allow-webhook-ingress')].spec);
    expect(spec.ingress![0].from).toEqual([{ ipBlock: { cidr: API_SERVER_CIDRS[0] } }]);
  });
});
