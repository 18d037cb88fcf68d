/**
 * What the network cares about in a control plane's objects (workloads' labels, ports and service
 * accounts; Services; webhooks), to compare the analyzer's built-in models with real renders.
 */
import type { KubeObject } from '../../src/core/k8s';

function podTemplate(d: any): any {
  return d.kind === 'CronJob' ? d.spec.jobTemplate.spec.template : d.spec.template;
}

/** Everything about a workload the network cares about. */
export function networkFacts(d: any) {
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

export function workloads(objects: readonly KubeObject[]) {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'CronJob')
    .map(networkFacts)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function services(objects: readonly KubeObject[]) {
  return objects
    .filter((o) => o.kind === 'Service')
    .map((s: any) => ({ name: s.metadata.name, selector: s.spec.selector, headless: s.spec.clusterIP === 'None', ports: s.spec.ports.map((p: any) => `${p.port}->${p.targetPort}`) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function webhooks(objects: readonly KubeObject[]) {
  return objects
    .filter((o) => o.kind.endsWith('WebhookConfiguration') || o.kind === 'APIService')
    .flatMap((o: any) =>
      o.kind === 'APIService'
        ? [`${o.kind} ${o.metadata.name} -> ${o.spec.service.namespace}/${o.spec.service.name}:${o.spec.service.port ?? 443}`]
        : o.webhooks.map((w: any) => `${o.kind} ${o.metadata.name} ${w.name} -> ${w.clientConfig.service.namespace}/${w.clientConfig.service.name}:${w.clientConfig.service.port ?? 443}`),
    )
    .sort();
}

