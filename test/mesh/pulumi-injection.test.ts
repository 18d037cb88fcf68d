/**
 * Meshing Pulumi resources: pure functions returning new args (plain stays plain, Outputs stay
 * Outputs) and a transformation that meshes what a component creates, Jobs included.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ANNOTATIONS } from '../../src/core/constants';
import { MeshInjection } from '../../src/pulumi';
import { pulumiTestEnv, resolveOutput, type PulumiTestEnv } from '../support/pulumi';

let env: PulumiTestEnv;
beforeAll(async () => {
  env = await pulumiTestEnv();
});
beforeEach(() => env.reset());

const podSpec = { containers: [{ name: 'app', image: 'app:1', command: ['/app'] }] };

test('workloadArgs on plain args returns plain args with the annotations, without touching the input', () => {
  const args = { metadata: { name: 'alpha' }, spec: { selector: { matchLabels: { app: 'a' } }, serviceName: 'alpha', template: { metadata: { labels: { app: 'a' } }, spec: podSpec } } };
  const out = MeshInjection.workloadArgs('StatefulSet', args, { opaquePorts: [7080] });
  expect(pulumi.Output.isInstance(out.spec)).toBe(false);
  expect((out.spec as any).template.metadata.annotations).toEqual({ 'linkerd.io/inject': 'enabled', 'config.linkerd.io/opaque-ports': '7080' });
  expect((args.spec.template.metadata as any).annotations).toBeUndefined();
  expect(out.metadata).toBe(args.metadata);
});

test('workloadArgs on Output specs returns an Output; Namespace args are annotated on metadata', async () => {
  const out = MeshInjection.workloadArgs('Deployment', { spec: pulumi.output({ selector: {}, template: { spec: podSpec } }) });
  expect(pulumi.Output.isInstance(out.spec)).toBe(true);
  expect((await resolveOutput<any>(out.spec)).template.metadata.annotations['linkerd.io/inject']).toBe('enabled');
  const ns = MeshInjection.workloadArgs('Namespace', { metadata: { name: 'shop' } }, { inject: 'enabled', defaultInboundPolicy: 'all-authenticated' });
  expect(ns.metadata).toEqual({ name: 'shop', annotations: { 'linkerd.io/inject': 'enabled', 'config.linkerd.io/default-inbound-policy': 'all-authenticated' } });
});

test('jobArgs: native sidecar by default; linkerd-await wraps commands of CronJobs', () => {
  const job = MeshInjection.jobArgs('Job', { spec: { template: { spec: podSpec } } });
  expect((job.spec as any).template.metadata.annotations[ANNOTATIONS.nativeSidecar]).toBe('true');
  const cron = MeshInjection.jobArgs('CronJob', { spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { spec: podSpec } } } } }, { strategy: 'linkerd-await' });
  const tpl = (cron.spec as any).jobTemplate.spec.template;
  expect(tpl.metadata.annotations[ANNOTATIONS.proxyAdminShutdown]).toBe('enabled');
  expect(tpl.spec.containers[0].command).toEqual(['linkerd-await', '--shutdown', '--', '/app']);
  expect(podSpec.containers[0].command).toEqual(['/app']);
  expect(() => MeshInjection.jobArgs('Job', { spec: { template: { spec: { containers: [{ name: 'x', image: 'x' }] } } } }, { strategy: 'linkerd-await' })).toThrow(
    /containers\[0\] \(x\)\.command: received undefined/,
  );
});

test('the transformation meshes the workloads and Jobs a component creates, and leaves other kinds alone', async () => {
  class App extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
      super('test:index:App', name, {}, opts);
      new k8s.apps.v1.Deployment(`${name}-web`, { spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: podSpec } } }, { parent: this });
      new k8s.batch.v1.Job(`${name}-migrate`, { spec: { template: { spec: podSpec } } }, { parent: this });
      new k8s.core.v1.Service(`${name}-svc`, { spec: { ports: [{ port: 80 }] } }, { parent: this });
      new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: 'shop' } }, { parent: this });
      this.registerOutputs({});
    }
  }
  new App('app', { transformations: [MeshInjection.transformation({ workloads: { skipOutboundPorts: [5432] }, jobs: { strategy: 'linkerd-await' } })] });
  await env.settle();
  expect(env.byName('app-web').inputs.spec.template.metadata.annotations).toEqual({ 'linkerd.io/inject': 'enabled', 'config.linkerd.io/skip-outbound-ports': '5432' });
  const job = env.byName('app-migrate').inputs.spec.template;
  expect(job.metadata.annotations[ANNOTATIONS.proxyAdminShutdown]).toBe('enabled');
  expect(job.spec.containers[0].command).toEqual(['linkerd-await', '--shutdown', '--', '/app']);
  expect(env.byName('app-svc').inputs.metadata?.annotations).toBeUndefined();
  expect(env.byName('app-ns').inputs.metadata.annotations).toBeUndefined();
});

test('the transformation validates its options up front and honours a filter', async () => {
  expect(() => MeshInjection.transformation({ workloads: { opaquePorts: [0] } })).toThrow('opaquePorts[0]: received 0');
  new k8s.apps.v1.Deployment('skipped', { metadata: { namespace: 'linkerd' }, spec: { selector: {}, template: { spec: podSpec } } }, {
    transformations: [MeshInjection.transformation({ filter: (a) => a.props.metadata?.namespace !== 'linkerd' })],
  });
  await env.settle();
  expect(env.byName('skipped').inputs.spec.template.metadata).toBeUndefined();
});
