/**
 * The built-in models the analyzer uses when the manifests lack the control plane (a Helm chart
 * delivered by Flux) or viz must match what Linkerd edge-26.8.3 really renders: pod labels,
 * container ports (native sidecars included), service accounts, Services and webhooks.
 */
import { linkerdControlPlaneModel, linkerdVizModel } from '../../src/core/analysis/builtin';
import type { KubeObject } from '../../src/core/k8s';
import { describeWithFixtures, readFixtureDocs } from '../support/fixtures';
import { services, webhooks, workloads } from '../support/network-facts';

describeWithFixtures('built-in control plane model matches Linkerd edge-26.8.3', () => {
  test.each([
    ['control-plane-default.yaml', false],
    ['control-plane-ha.yaml', true],
  ])('%s: Deployments and CronJob (labels, ports, service accounts), Services, webhooks, namespace', (file, ha) => {
    const fixture = readFixtureDocs(`linkerd-edge-26.8.3/${file}`) as KubeObject[];
    const model = linkerdControlPlaneModel({ namespace: 'linkerd', highAvailability: ha });
    expect(workloads(fixture).map((w) => w.name)).toEqual(['linkerd-destination', 'linkerd-heartbeat', 'linkerd-identity', 'linkerd-proxy-injector']);
    expect(workloads(model)).toEqual(workloads(fixture));
    expect(services(model)).toEqual(services(fixture));
    expect(webhooks(model)).toEqual(webhooks(fixture));
    const ns = (objs: readonly KubeObject[]) => objs.find((o) => o.kind === 'Namespace')!.metadata;
    expect(ns(model).labels).toEqual(ns(fixture).labels);
    expect(ns(model).annotations).toEqual(ns(fixture).annotations);
    const replicas = (objs: readonly KubeObject[]) => objs.filter((o) => o.kind === 'Deployment').map((d: any) => d.spec.replicas);
    expect(replicas(model)).toEqual(replicas(fixture));
  });

  test('in another namespace every namespace-bound label and reference follows it', () => {
    const model = linkerdControlPlaneModel({ namespace: 'mesh-system', highAvailability: false });
    for (const w of workloads(model).filter((x) => x.kind === 'Deployment')) {
      expect(w.namespace).toBe('mesh-system');
      expect(w.labels['linkerd.io/control-plane-ns']).toBe('mesh-system');
      expect(w.labels['linkerd.io/workload-ns']).toBe('mesh-system');
    }
    expect(webhooks(model).every((w) => w.includes('-> mesh-system/'))).toBe(true);
  });
});

describeWithFixtures('built-in viz model matches the viz extension of edge-26.8.3', () => {
  test('Deployments (labels, ports), Services, webhooks and namespace labels', () => {
    const fixture = readFixtureDocs('linkerd-edge-26.8.3/viz-default.yaml') as KubeObject[];
    const model = linkerdVizModel('linkerd-viz');
    const strip = (ws: ReturnType<typeof workloads>) => ws.map(({ serviceAccount: _sa, opaquePorts: _o, ...rest }) => rest);
    expect(workloads(fixture)).toHaveLength(5);
    expect(strip(workloads(model))).toEqual(strip(workloads(fixture)));
    expect(services(model)).toEqual(services(fixture));
    expect(webhooks(model)).toEqual(webhooks(fixture));
    const ns = (objs: readonly KubeObject[]) => objs.find((o) => o.kind === 'Namespace')!.metadata.labels;
    expect(ns(model)).toEqual(ns(fixture));
    // every viz workload is meshed by annotation, as in the fixture
    const inject = (objs: readonly KubeObject[]) => objs.filter((o) => o.kind === 'Deployment').map((d: any) => d.spec.template.metadata.annotations['linkerd.io/inject']);
    expect(inject(model)).toEqual(inject(fixture));
  });
});
