/**
 * The built-in models the analyzer uses when the manifests lack the control plane (a Helm chart
 * delivered by Flux) or viz must match what Linkerd edge-26.8.3 really renders: pod labels,
 * container ports (native sidecars included), service accounts, Services and webhooks.
 */
import { linkerdControlPlaneModel, linkerdVizModel } from '../../src/core/analysis/builtin';
import type { KubeObject } from '../../src/core/k8s';
import { describeWithFixtures, readFixtureDocs } from '../support/fixtures';

function podTemplate(d: any): any {
  return d.kind === 'CronJob' ? d.spec.jobTemplate.spec.template : d.spec.template;
}

/** Everything about a workload the network cares about. */
function networkFacts(d: any) {
  const t = podTemplate(d);
  const containers = [...(t.spec.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always'), ...t.spec.containers];
  return {
    kind: d.kind,
    name: d.metadata.name,
    namespace: d.metadata.namespace,
    labels: t.metadata.labels,
    serviceAccount: t.spec.serviceAccountName,
    nativeSidecars: (t.spec.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always').map((c: any) => c.name),
    ports: containers
      .flatMap((c: any) => (c.ports ?? []).map((p: any) => `${c.name}/${p.name}:${p.containerPort}/${p.protocol ?? 'TCP'}`))
      .sort(),
    opaquePorts: t.metadata.annotations?.['config.linkerd.io/opaque-ports'],
  };
}

function workloads(objects: readonly KubeObject[]) {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'CronJob')
    .map(networkFacts)
    .sort((a, b) => a.name.localeCompare(b.name));
}

function services(objects: readonly KubeObject[]) {
  return objects
    .filter((o) => o.kind === 'Service')
    .map((s: any) => ({ name: s.metadata.name, selector: s.spec.selector, headless: s.spec.clusterIP === 'None', ports: s.spec.ports.map((p: any) => `${p.port}->${p.targetPort}`) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function webhooks(objects: readonly KubeObject[]) {
  return objects
    .filter((o) => o.kind.endsWith('WebhookConfiguration') || o.kind === 'APIService')
    .flatMap((o: any) =>
      o.kind === 'APIService'
        ? [`${o.kind} ${o.metadata.name} -> ${o.spec.service.namespace}/${o.spec.service.name}:${o.spec.service.port ?? 443}`]
        : o.webhooks.map((w: any) => `${o.kind} ${o.metadata.name} ${w.name} -> ${w.clientConfig.service.namespace}/${w.clientConfig.service.name}:${w.clientConfig.service.port ?? 443}`),
    )
    .sort();
}

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
