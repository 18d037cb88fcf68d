/**
 * Meshing workloads: the annotations (core), applied to plain objects, cdk8s-plus workloads and
 * ApiObjects (cdk8s) and Pulumi args; the Job helper that makes meshed Jobs finish (seed 003).
 */
import { ApiObject, Chart, Cron, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { expectMeshConformant } from './support';
import { MeshInjection } from '../../src/cdk8s';
import { ANNOTATIONS } from '../../src/core/constants';
import { ValidationError } from '../../src/core/errors';
import type { KubeObject } from '../../src/core/k8s';
import { meshAnnotations, meshJob, meshWorkload } from '../../src/core/mesh';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' }, annotations: { keep: 'me' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
  },
});

const job = (command?: string[]) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'load', namespace: 'shop' },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'load', image: 'loader', ...(command ? { command } : {}) }, { name: 'side', image: 'x', command: ['sleep', '1'] }] } } },
});

describe('core', () => {
  test('every option becomes its annotation, ports and ranges in Linkerd\'s comma syntax', () => {
    expect(
      meshAnnotations({
        skipInboundPorts: [8080, { from: 9000, to: 9010 }],
        skipOutboundPorts: [{ from: 443, to: 443 }],
        opaquePorts: [7080],
        skipSubnets: ['10.0.0.0/8'],
        defaultInboundPolicy: 'all-authenticated',
        debugSidecar: true,
        proxyResources: { cpuRequest: '10m', memoryLimit: '64Mi', ephemeralStorageLimit: '1Gi' },
        proxyLogLevel: 'warn,linkerd=debug',
        nativeSidecar: true,
        enableShutdownEndpoint: false,
      }),
    ).toEqual({
      'linkerd.io/inject': 'enabled',
      'config.linkerd.io/skip-inbound-ports': '8080,9000-9010',
      'config.linkerd.io/skip-outbound-ports': '443',
      'config.linkerd.io/opaque-ports': '7080',
      'config.linkerd.io/skip-subnets': '10.0.0.0/8',
      'config.linkerd.io/default-inbound-policy': 'all-authenticated',
      'config.linkerd.io/enable-debug-sidecar': 'true',
      'config.linkerd.io/proxy-cpu-request': '10m',
      'config.linkerd.io/proxy-memory-limit': '64Mi',
      'config.linkerd.io/proxy-ephemeral-storage-limit': '1Gi',
      'config.linkerd.io/proxy-log-level': 'warn,linkerd=debug',
      [ANNOTATIONS.nativeSidecar]: 'true',
      [ANNOTATIONS.proxyAdminShutdown]: 'disabled',
    });
    expect(meshAnnotations({ inject: 'disabled' })).toEqual({ 'linkerd.io/inject': 'disabled' });
    expect(meshAnnotations({ inject: 'ingress' })).toEqual({ 'linkerd.io/inject': 'ingress' });
  });

  test('bad options are rejected, naming the option', () => {
    expect(() => meshAnnotations({ skipInboundPorts: [70000, { from: 10, to: 5 }] }, 'app/web')).toThrow(ValidationError);
    expect(() => meshAnnotations({ skipInboundPorts: [70000] }, 'app/web')).toThrow('[app/web] skipInboundPorts[0]: received 70000; expected port numbers from 1 to 65535');
    expect(() => meshAnnotations({ inject: 'yes' as any })).toThrow('inject: received "yes"; expected one of "enabled", "disabled", "ingress"');
    expect(() => meshAnnotations({ skipSubnets: ['10.0.0.0'] })).toThrow('skipSubnets[0]: received "10.0.0.0"; expected a CIDR');
    expect(() => meshAnnotations({ proxyResources: { cpuLimit: 'fast' } })).toThrow('proxyResources.cpuLimit: received "fast"');
  });

  test('meshWorkload annotates the pod template, keeps existing annotations and leaves the input untouched', () => {
    const input = deployment();
    const out = meshWorkload(input, { opaquePorts: [7080] });
    expect(out.spec.template.metadata.annotations).toEqual({ 'keep': 'me', 'linkerd.io/inject': 'enabled', 'config.linkerd.io/opaque-ports': '7080' });
    expect(input.spec.template.metadata.annotations).toEqual({ keep: 'me' });
    expect(out.spec.template.spec).toBe(input.spec.template.spec); // no deep copy of what does not change
    expect(out.metadata).toBe(input.metadata);
    expectMeshConformant([out]);
  });

  test('namespaces, pods and CronJobs are annotated where the injector reads them; other kinds are rejected', () => {
    const ns = meshWorkload<KubeObject>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    expect(ns.metadata.annotations).toEqual({ 'linkerd.io/inject': 'enabled' });
    const cron = meshWorkload({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [] } } } } },
    } as any);
    expect((cron as any).spec.jobTemplate.spec.template.metadata.annotations['linkerd.io/inject']).toBe('enabled');
    expect(() => meshWorkload({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } })).toThrow('kind: received "Service"; expected a Namespace, Pod, Deployment');
  });

  test('meshJob with native sidecar: the proxy runs as a native sidecar so the Job completes', () => {
    const out = meshJob(job());
    expect((out as any).spec.template.metadata.annotations).toEqual({ 'linkerd.io/inject': 'enabled', 'config.linkerd.io/proxy-enable-native-sidecar': 'true' });
    expectMeshConformant([out]);
  });

  test('meshJob with linkerd-await wraps each command and enables the shutdown endpoint', () => {
    const out = meshJob(job(['/bin/load', '--all']), { strategy: 'linkerd-await', containers: ['load'] }) as any;
    expect(out.spec.template.metadata.annotations[ANNOTATIONS.proxyAdminShutdown]).toBe('enabled');
    expect(out.spec.template.spec.containers[0].command).toEqual(['linkerd-await', '--shutdown', '--', '/bin/load', '--all']);
    expect(out.spec.template.spec.containers[1].command).toEqual(['sleep', '1']);
    // idempotent
    expect(meshJob(out, { strategy: 'linkerd-await' }).spec.template.spec.containers[0].command).toEqual(out.spec.template.spec.containers[0].command);
    expectMeshConformant([out]);
  });

  test('meshJob with linkerd-await refuses a container without command, and a non-Job', () => {
    expect(() => meshJob(job(), { strategy: 'linkerd-await' })).toThrow(/containers\[0\] \(load\)\.command: received undefined; expected an explicit command to wrap with linkerd-await/);
    expect(() => meshJob(deployment() as any)).toThrow('kind: received "Deployment"; expected a Job or CronJob');
    expect(() => meshJob(job(), { strategy: 'native-sidecar', nativeSidecar: false })).toThrow('nativeSidecar');
  });
});

describe('cdk8s', () => {
  test('cdk8s-plus StatefulSet, Deployment, Job and CronJob get the annotations on their pod metadata', () => {
    const chart = new Chart(Testing.app(), 'app');
    const sts = new kplus.StatefulSet(chart, 'alpha', { containers: [{ image: 'dgraph/dgraph', portNumber: 8080 }] });
    const dep = new kplus.Deployment(chart, 'web', { containers: [{ image: 'nginx', portNumber: 80 }] });
    const j = new kplus.Job(chart, 'load', { containers: [{ image: 'loader', command: ['/bin/load'] }] });
    const cj = new kplus.CronJob(chart, 'nightly', { schedule: Cron.daily(), containers: [{ image: 'loader', command: ['/bin/nightly', '-v'] }] });
    MeshInjection.workload(sts, { opaquePorts: [7080] });
    MeshInjection.workload(dep, { inject: 'disabled' });
    MeshInjection.job(j);
    MeshInjection.job(cj, { strategy: 'linkerd-await' });
    const objects = Testing.synth(chart);
    const get = (kind: string) => objects.find((o: any) => o.kind === kind);
    expect(get('StatefulSet').spec.template.metadata.annotations).toMatchObject({ 'linkerd.io/inject': 'enabled', 'config.linkerd.io/opaque-ports': '7080' });
    expect(get('Deployment').spec.template.metadata.annotations).toMatchObject({ 'linkerd.io/inject': 'disabled' });
    expect(get('Job').spec.template.metadata.annotations).toMatchObject({ 'config.linkerd.io/proxy-enable-native-sidecar': 'true' });
    const cron = get('CronJob').spec.jobTemplate.spec.template;
    expect(cron.metadata.annotations).toMatchObject({ [ANNOTATIONS.proxyAdminShutdown]: 'enabled' });
    expect(cron.spec.containers[0].command).toEqual(['linkerd-await', '--shutdown', '--', '/bin/nightly', '-v']);
    expectMeshConformant(objects);
  });

  test('raw ApiObjects: pod template patched whether or not metadata/annotations exist; namespaces annotated', () => {
    const chart = new Chart(Testing.app(), 'app');
    const withAnn = new ApiObject(chart, 'a', deployment());
    const bare = new ApiObject(chart, 'b', { ...deployment(), metadata: { name: 'bare' }, spec: { ...deployment().spec, template: { spec: deployment().spec.template.spec } } });
    const ns = new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    const rawJob = new ApiObject(chart, 'j', job(['/bin/load']));
    MeshInjection.workload(withAnn, { skipOutboundPorts: [5432] });
    MeshInjection.workload(bare);
    MeshInjection.namespace(ns, { defaultInboundPolicy: 'all-authenticated' });
    MeshInjection.job(rawJob, { strategy: 'linkerd-await', containers: ['load'] });
    const objects = Testing.synth(chart);
    expect(objects[0].spec.template.metadata.annotations).toEqual({ 'keep': 'me', 'linkerd.io/inject': 'enabled', 'config.linkerd.io/skip-outbound-ports': '5432' });
    expect(objects[1].spec.template.metadata.annotations).toEqual({ 'linkerd.io/inject': 'enabled' });
    expect(objects[2].metadata.annotations).toEqual({ 'linkerd.io/inject': 'enabled', 'config.linkerd.io/default-inbound-policy': 'all-authenticated' });
    expect(objects[3].spec.template.spec.containers.map((c: any) => c.command)).toEqual([['linkerd-await', '--shutdown', '--', '/bin/load'], ['sleep', '1']]);
    expectMeshConformant(objects);
  });

  test('a cdk8s-plus Job whose container has no command cannot use linkerd-await', () => {
    const chart = new Chart(Testing.app(), 'app');
    const j = new kplus.Job(chart, 'load', { containers: [{ image: 'loader' }] });
    expect(() => MeshInjection.job(j, { strategy: 'linkerd-await' })).toThrow(/\[app\/load\] containers\[0\] \(main\)\.command: received undefined/);
    const svc = new ApiObject(chart, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } });
    expect(() => MeshInjection.workload(svc)).toThrow('[app/svc] kind: received "Service"');
  });
});
