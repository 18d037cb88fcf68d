/**
 * Reading manifests into the analyzer's model: Lists, helm output, meshing decisions as the proxy
 * injector makes them, the injector's labels and ports, pod classes, duplicates from kubectl output.
 */
import { deployment, namespace, pod } from './helpers';
import { parseManifests } from '../../src/core/analysis/manifests';
import { parsePortRanges, inPortRanges } from '../../src/core/analysis/model';
import { buildModel } from '../../src/core/analysis/model-build';

describe('reading manifests', () => {
  test('multi-document YAML with helm "# Source:" comments, empty documents and JSON', () => {
    const text = `---
# Source: chart/templates/ns.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
---
# Source: chart/templates/deploy.yaml
{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}, "spec": {}}
`;
    const parsed = parseManifests(text, 'rendered.yaml');
    expect(parsed.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/shop', 'Deployment/web']);
    expect(parsed.documents).toBe(2);
    expect(parsed.problems).toEqual([]);
  });

  test('kubectl get -o yaml Lists are flattened, nested too', () => {
    const text = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a, namespace: x}
- apiVersion: v1
  kind: PodList
  items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: b, namespace: x}
`;
    expect(parseManifests(text).objects.map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });

  test('documents that are not Kubernetes objects are reported with where they are', () => {
    const parsed = parseManifests('just: a map\n---\n- a list\n---\nkind: [unclosed\n', 'in.yaml');
    expect(parsed.objects).toEqual([]);
    expect(parsed.problems.map((p) => p.where)).toEqual(['in.yaml document 1', 'in.yaml document 2', 'in.yaml document 3']);
    expect(parsed.problems[0].message).toMatch(/missing apiVersion or kind/);
    expect(parsed.problems[2].message).toMatch(/invalid YAML/);
  });
});

describe('meshing decisions (as the proxy injector makes them)', () => {
  const model = buildModel(
    [
      namespace('meshed', { inject: 'enabled' }),
      namespace('plain'),
      namespace('optout', { labels: { 'config.linkerd.io/admission-webhooks': 'disabled' } }),
      deployment('meshed', 'web'),
      deployment('meshed', 'legacy', { annotations: { 'linkerd.io/inject': 'disabled' } }),
      deployment('plain', 'opted-in', { annotations: { 'linkerd.io/inject': 'enabled' } }),
      deployment('plain', 'gateway', { annotations: { 'linkerd.io/inject': 'ingress' } }),
      deployment('plain', 'unmeshed'),
      deployment('optout', 'blocked', { annotations: { 'linkerd.io/inject': 'enabled' } }),
      deployment('kube-system', 'never', { annotations: { 'linkerd.io/inject': 'enabled' } }),
      deployment('meshed', 'batch', { kind: 'StatefulSet' }),
      {
        ...deployment('plain', 'hostnet', { annotations: { 'linkerd.io/inject': 'enabled' } }),
        spec: { template: { metadata: { labels: { app: 'hostnet' }, annotations: { 'linkerd.io/inject': 'enabled' } }, spec: { hostNetwork: true, containers: [{ name: 'x', image: 'x' }] } } },
      },
      {
        ...pod('plain', 'already'),
        spec: { containers: [{ name: 'main', image: 'x' }, { name: 'linkerd-proxy', image: 'p', ports: [{ name: 'linkerd-proxy', containerPort: 4143 }] }] },
      },
    ],
    { builtInModels: false },
  );
  const cls = (ref: string) => {
    const c = model.classes.find((x) => x.ref === ref);
    if (!c) throw new Error(`no ${ref}: ${model.classes.map((x) => x.ref).join(', ')}`);
    return c;
  };

  test.each([
    ['meshed/web', true, 'namespace annotation'],
    ['meshed/legacy', false, 'template disabled overrides the namespace'],
    ['plain/opted-in', true, 'template enabled'],
    ['plain/gateway', true, 'ingress mode is meshed'],
    ['plain/unmeshed', false, 'no annotation'],
    ['optout/blocked', false, 'namespace labelled admission-webhooks: disabled'],
    ['kube-system/never', false, 'kube-system is never injected'],
    ['meshed/batch', true, 'StatefulSet in a meshed namespace'],
    ['plain/hostnet', false, 'host-network pods are not injected'],
    ['plain/already', true, 'already injected (linkerd-proxy container)'],
  ])('%s meshed=%s (%s)', (ref, meshed) => {
    expect(cls(ref).meshed).toBe(meshed);
  });

  test("injection adds the injector's labels and the proxy's ports", () => {
    const web = cls('meshed/web');
    expect(web.labels).toEqual({ 'app': 'web', 'linkerd.io/control-plane-ns': 'linkerd', 'linkerd.io/proxy-deployment': 'web', 'linkerd.io/workload-ns': 'meshed' });
    expect(web.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`)).toEqual(['linkerd-proxy:4143/TCP', 'linkerd-admin:4191/TCP', 'http:8080/TCP']);
    expect(web.appPorts).toEqual([8080]);
    expect(cls('meshed/batch').labels['linkerd.io/proxy-statefulset']).toBe('batch');
    // an already injected pod is taken as it is
    expect(cls('plain/already').labels).toEqual({ app: 'already' });
    expect(cls('plain/unmeshed').labels).toEqual({ app: 'unmeshed' });
  });

  test('workloads with identical pods share one class; namespaces get the automatic name label', () => {
    const m = buildModel([deployment('x', 'a', { labels: { app: 'same' } }), deployment('x', 'b', { labels: { app: 'same' } }), deployment('x', 'c')], { builtInModels: false });
    expect(m.classes.map((c) => [c.ref, c.workloads.map((w) => w.name)])).toEqual([
      ['x/a', ['a', 'b']],
      ['x/c', ['c']],
    ]);
    expect(m.namespaceLabels('x')).toEqual({ 'kubernetes.io/metadata.name': 'x' });
  });

  test('pods share a class only when every fact is equal: no two different sets of facts make one class key', () => {
    const web = (labels: Record<string, string>, opts: { ips?: string[]; annotations?: Record<string, string>; ports?: any[] } = {}) =>
      pod('x', `p${Object.keys(labels).length}`, { labels, ...opts });
    const classesOf = (...pods: ReturnType<typeof pod>[]) => buildModel(pods, { builtInModels: false }).classes.length;
    // the same facts, labels written in another order: one class
    expect(classesOf(web({ a: '1', b: '2' }), web({ b: '2', a: '1' }))).toBe(1);
    // texts that run together when joined: a key/value split elsewhere, a value holding a separator
    expect(classesOf(web({ a: 'b:c' }), web({ 'a:b': 'c' }))).toBe(2);
    expect(classesOf(web({ a: '1', b: '2' }), web({ a: '1;b', b: '2' }))).toBe(2);
    expect(classesOf(web({ a: '~' }), web({ a: '' }))).toBe(2);
    // an IP, a port name absent or empty, a protocol that is not a string (bad input)
    expect(classesOf(web({ a: '1' }, { ips: ['10.0.0.1'] }), web({ a: '1' }, { ips: ['10.0.0.2'] }))).toBe(2);
    expect(classesOf(web({ a: '1' }, { ports: [{ containerPort: 80 }] }), web({ a: '1' }, { ports: [{ name: '', containerPort: 80 }] }))).toBe(2);
    expect(classesOf(web({ a: '1' }, { ports: [{ containerPort: 80, protocol: 6 }] }), web({ a: '1' }, { ports: [{ containerPort: 80, protocol: '6' }] }))).toBe(2);
    // an annotation the classes keep (skipped inbound ports) against none
    expect(classesOf(web({ a: '1' }, { annotations: { 'config.linkerd.io/skip-inbound-ports': '80' } }), web({ a: '1' }))).toBe(2);
  });

  test('pods are read from the kinds that hold them, in their API groups; native sidecars serve ports, other init containers do not', () => {
    const w = (apiVersion: string, kind: string, name: string) => ({ ...deployment('x', name), apiVersion, kind });
    const template = (deployment('x', 'nightly').spec as Record<string, unknown>).template;
    const cron = { ...deployment('x', 'nightly'), apiVersion: 'batch/v1', kind: 'CronJob', spec: { jobTemplate: { spec: { template } } } };
    const objects = [
      w('apps/v1', 'Deployment', 'web'),
      w('extensions/v1beta1', 'Deployment', 'legacy'),
      w('v1', 'Deployment', 'core-group'),
      w('apps/v1', 'Pod', 'apps-pod'),
      w('apps/v1', 'Job', 'apps-job'),
      w('batch/v1', 'Job', 'migrate'),
      w('v1', 'ReplicationController', 'rc'),
      w('apps/v1', 'Service', 'not-a-workload'),
      cron,
    ];
    const refs = buildModel(objects, { builtInModels: false }).classes.map((c) => c.ref);
    expect(refs).toEqual(['x/legacy', 'x/migrate', 'x/nightly', 'x/rc', 'x/web']);

    const sidecar = pod('y', 'proxyish', { labels: { app: 'p' } });
    (sidecar.spec as any).initContainers = [
      { name: 'log-shipper', restartPolicy: 'Always', ports: [{ name: 'metrics', containerPort: 9100 }] },
      { name: 'migrate', ports: [{ name: 'debug', containerPort: 9999 }] },
    ];
    const [c] = buildModel([sidecar], { builtInModels: false }).classes;
    expect(c.ports.map((p) => `${p.container}:${p.port}`)).toEqual(['main:8080', 'log-shipper:9100']);
  });

  test('kubectl get deploy,rs,pods output: ReplicaSets and Pods of a Deployment in the input are not counted twice', () => {
    const d = deployment('x', 'web');
    const rs = { ...deployment('x', 'web-5d8f', { kind: 'ReplicaSet' }), metadata: { name: 'web-5d8f', namespace: 'x', ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }] } };
    const p = { ...pod('x', 'web-5d8f-abcde', { labels: { 'app': 'web', 'pod-template-hash': '5d8f' }, ips: ['10.0.0.9'] }) };
    (p.metadata as any).ownerReferences = [{ kind: 'ReplicaSet', name: 'web-5d8f', controller: true }];
    const orphan = pod('x', 'solo', { ips: ['10.0.0.10'] });
    const m = buildModel([d, rs, p, orphan], { builtInModels: false });
    expect(m.classes.map((c) => c.ref)).toEqual(['x/solo', 'x/web']);
    expect(m.classes[0].ips).toEqual(['10.0.0.10']);
  });

  test('skip-inbound-ports and default inbound policy come from the pod or its namespace', () => {
    const m = buildModel(
      [
        namespace('n', { inject: 'enabled', annotations: { 'config.linkerd.io/default-inbound-policy': 'deny', 'config.linkerd.io/skip-inbound-ports': '25' } }),
        deployment('n', 'a'),
        deployment('n', 'b', { annotations: { 'config.linkerd.io/skip-inbound-ports': '3306,8000-8100', 'config.linkerd.io/default-inbound-policy': 'all-authenticated' } }),
      ],
      { builtInModels: false },
    );
    const [a, b] = m.classes;
    expect(a.defaultInboundPolicy).toBe('deny');
    expect(inPortRanges(a.skipInboundPorts, 25)).toBe(true);
    expect(inPortRanges(a.skipInboundPorts, 4191)).toBe(true);
    expect(b.defaultInboundPolicy).toBe('all-authenticated');
    expect(inPortRanges(b.skipInboundPorts, 8050)).toBe(true);
    expect(inPortRanges(b.skipInboundPorts, 25)).toBe(false);
    expect(parsePortRanges('1-3, x, 70000, 9').ranges).toEqual([
      [1, 3],
      [9, 9],
    ]);
  });

  test('built-in models fill in what the manifests lack, and say so', () => {
    const m = buildModel([namespace('shop', { inject: 'enabled' }), deployment('shop', 'web')], { mesh: { namespace: 'mesh-system', vizNamespace: 'viz' } });
    expect(m.controlPlaneSource).toBe('built-in');
    expect(m.vizSource).toBe('built-in');
    expect(m.dnsSource).toBe('built-in');
    expect(m.classes.filter((c) => c.role === 'destination').map((c) => c.ref)).toEqual(['mesh-system/linkerd-destination']);
    expect(m.classes.filter((c) => c.role === 'prometheus').map((c) => c.ref)).toEqual(['viz/prometheus']);
    expect(m.classes.filter((c) => c.role === 'dns').map((c) => c.ref)).toEqual(['kube-system/coredns']);
    expect(m.workloadCount).toBe(1);
    expect(m.notes.join('\n')).toMatch(/control plane is not in the manifests: using the built-in model .* "mesh-system"/);
    // meshed pods are labelled for the control plane namespace of the model
    expect(m.classes.find((c) => c.ref === 'shop/web')!.labels['linkerd.io/control-plane-ns']).toBe('mesh-system');
  });

  test('representative workloads stand for namespaces without meshed workloads', () => {
    const m = buildModel([namespace('empty', { inject: 'enabled' })], { builtInModels: false, assumeMeshedWorkloadsIn: ['empty'], monitoringNamespaces: ['monitoring'] });
    expect(m.classes.map((c) => [c.ref, c.meshed, c.role, c.workloads[0].origin])).toEqual([
      ['empty/any-meshed-pod', true, 'app', 'assumed'],
      ['monitoring/prometheus', false, 'prometheus', 'assumed'],
    ]);
  });
});
