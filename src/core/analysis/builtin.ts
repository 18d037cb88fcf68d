/**
 * Built-in models of what the analyzer needs but the manifests often lack: the Linkerd control plane
 * (delivered by a Helm chart through Flux or Argo CD, or installed by another team), the viz
 * extension, and the cluster DNS.
 *
 * The models are plain objects, shaped like the real ones as far as the network is concerned: pod
 * labels, container ports (with names, since NetworkPolicies and Services may use them), the
 * webhook Services and configurations, and the namespace labels. A test compares them with the
 * Deployments Linkerd edge-26.8.3 renders (default and HA), so they cannot drift silently.
 */
import { CONTROL_PLANE, CONTROL_PLANE_PORTS, LABELS, LINKERD_DEFAULT_VERSION, PROXY_PORTS, ANNOTATIONS } from '../constants';
import type { KubeObject } from '../k8s';
import { controlPlaneNamespace } from '../mesh/namespace';
import type { MeshInfo } from '../mesh-info';

interface PortSpec {
  readonly name: string;
  readonly containerPort: number;
  readonly protocol?: 'TCP' | 'UDP';
}

interface ContainerSpec {
  readonly name: string;
  readonly ports: readonly PortSpec[];
  readonly image: string;
  /** `Always` for a native sidecar in `initContainers`. */
  readonly restartPolicy?: 'Always';
}

const CONTROLLER_IMAGE = `cr.l5d.io/linkerd/controller:${LINKERD_DEFAULT_VERSION}`;
const POLICY_IMAGE = `cr.l5d.io/linkerd/policy-controller:${LINKERD_DEFAULT_VERSION}`;
const PROXY_IMAGE = `cr.l5d.io/linkerd/proxy:${LINKERD_DEFAULT_VERSION}`;

function proxyContainer(nativeSidecar: boolean): ContainerSpec {
  return {
    name: 'linkerd-proxy',
    image: PROXY_IMAGE,
    ports: [
      { name: 'linkerd-proxy', containerPort: PROXY_PORTS.inbound },
      { name: 'linkerd-admin', containerPort: PROXY_PORTS.admin },
    ],
    ...(nativeSidecar ? { restartPolicy: 'Always' as const } : {}),
  };
}

function container(c: ContainerSpec): Record<string, unknown> {
  return {
    name: c.name,
    image: c.image,
    ports: c.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, ...(p.protocol && p.protocol !== 'TCP' ? { protocol: p.protocol } : {}) })),
    ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}),
  };
}

function deployment(
  name: string,
  namespace: string,
  replicas: number,
  podLabels: Record<string, string>,
  podAnnotations: Record<string, string>,
  serviceAccountName: string,
  containers: readonly ContainerSpec[],
  initContainers: readonly ContainerSpec[] = [],
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { ...podLabels } },
      template: {
        metadata: { labels: { ...podLabels }, ...(Object.keys(podAnnotations).length > 0 ? { annotations: { ...podAnnotations } } : {}) },
        spec: {
          serviceAccountName,
          ...(initContainers.length > 0 ? { initContainers: initContainers.map(container) } : {}),
          containers: containers.map(container),
        },
      },
    },
  };
}

function service(
  name: string,
  namespace: string,
  selector: Record<string, string>,
  ports: ReadonlyArray<{ name: string; port: number; targetPort: number | string }>,
  headless = false,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: {
      ...(headless ? { clusterIP: 'None' } : {}),
      selector: { ...selector },
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort })),
    },
  };
}

function webhookConfiguration(kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration', name: string, webhook: string, svc: { name: string; namespace: string }): KubeObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name },
    webhooks: [{ name: webhook, clientConfig: { service: { name: svc.name, namespace: svc.namespace, path: '/' } }, admissionReviewVersions: ['v1'], sideEffects: 'None' }],
  };
}

/**
 * The Linkerd control plane of edge-26.8.3 as the analyzer needs it: namespace, the identity,
 * destination (with sp-validator and policy containers) and proxy-injector Deployments, the
 * heartbeat CronJob, their Services and the three webhook configurations.
 */
export function linkerdControlPlaneModel(info: Pick<MeshInfo, 'namespace' | 'highAvailability'>): KubeObject[] {
  const ns = info.namespace;
  const replicas = info.highAvailability ? 3 : 1;
  const podLabels = (component: string, deploy: string) => ({
    [LABELS.controlPlaneComponent]: component,
    [LABELS.controlPlaneNs]: ns,
    [LABELS.workloadNs]: ns,
    [LABELS.proxyDeployment]: deploy,
  });
  const sel = (component: string) => ({ [LABELS.controlPlaneComponent]: component });
  const svcRef = (name: string) => ({ name, namespace: ns });
  return [
    controlPlaneNamespace(ns),
    deployment('linkerd-identity', ns, replicas, podLabels('identity', 'linkerd-identity'), {}, CONTROL_PLANE.identityServiceAccount, [
      { name: 'identity', image: CONTROLLER_IMAGE, ports: [{ name: 'ident-grpc', containerPort: CONTROL_PLANE_PORTS.identity }, { name: 'ident-admin', containerPort: 9990 }] },
      proxyContainer(false),
    ]),
    deployment(
      'linkerd-destination',
      ns,
      replicas,
      podLabels('destination', 'linkerd-destination'),
      {},
      CONTROL_PLANE.destinationServiceAccount,
      [
        { name: 'destination', image: CONTROLLER_IMAGE, ports: [{ name: 'dest-grpc', containerPort: CONTROL_PLANE_PORTS.destination }, { name: 'dest-admin', containerPort: 9996 }] },
        { name: 'sp-validator', image: CONTROLLER_IMAGE, ports: [{ name: 'sp-validator', containerPort: CONTROL_PLANE_PORTS.spValidator }, { name: 'spval-admin', containerPort: 9997 }] },
        {
          name: 'policy',
          image: POLICY_IMAGE,
          ports: [
            { name: 'policy-grpc', containerPort: CONTROL_PLANE_PORTS.policy },
            { name: 'policy-admin', containerPort: 9990 },
            { name: 'policy-https', containerPort: CONTROL_PLANE_PORTS.policyValidator },
          ],
        },
      ],
      [proxyContainer(true)],
    ),
    deployment(
      'linkerd-proxy-injector',
      ns,
      replicas,
      podLabels('proxy-injector', 'linkerd-proxy-injector'),
      { [ANNOTATIONS.opaquePorts]: String(CONTROL_PLANE_PORTS.proxyInjector) },
      'linkerd-proxy-injector',
      [{ name: 'proxy-injector', image: CONTROLLER_IMAGE, ports: [{ name: 'proxy-injector', containerPort: CONTROL_PLANE_PORTS.proxyInjector }, { name: 'injector-admin', containerPort: 9995 }] }],
      [proxyContainer(true)],
    ),
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'linkerd-heartbeat', namespace: ns },
      spec: {
        schedule: '0 0 * * *',
        jobTemplate: {
          spec: {
            template: {
              metadata: { labels: { [LABELS.controlPlaneComponent]: 'heartbeat', [LABELS.workloadNs]: ns } },
              spec: { serviceAccountName: 'linkerd-heartbeat', restartPolicy: 'Never', containers: [{ name: 'heartbeat', image: CONTROLLER_IMAGE }] },
            },
          },
        },
      },
    },
    service(CONTROL_PLANE.identityService, ns, sel('identity'), [{ name: 'grpc', port: 8080, targetPort: 8080 }]),
    service(CONTROL_PLANE.identityHeadlessService, ns, sel('identity'), [{ name: 'grpc', port: 8080, targetPort: 8080 }], true),
    service(CONTROL_PLANE.destinationService, ns, sel('destination'), [{ name: 'grpc', port: 8086, targetPort: 8086 }]),
    service(CONTROL_PLANE.destinationHeadlessService, ns, sel('destination'), [{ name: 'grpc', port: 8086, targetPort: 8086 }], true),
    service('linkerd-sp-validator', ns, sel('destination'), [{ name: 'sp-validator', port: 443, targetPort: 'sp-validator' }]),
    service(CONTROL_PLANE.policyService, ns, sel('destination'), [{ name: 'grpc', port: 8090, targetPort: 8090 }], true),
    service('linkerd-policy-validator', ns, sel('destination'), [{ name: 'policy-https', port: 443, targetPort: 'policy-https' }]),
    service('linkerd-proxy-injector', ns, sel('proxy-injector'), [{ name: 'proxy-injector', port: 443, targetPort: 'proxy-injector' }]),
    webhookConfiguration('ValidatingWebhookConfiguration', 'linkerd-sp-validator-webhook-config', 'linkerd-sp-validator.linkerd.io', svcRef('linkerd-sp-validator')),
    webhookConfiguration('ValidatingWebhookConfiguration', 'linkerd-policy-validator-webhook-config', 'linkerd-policy-validator.linkerd.io', svcRef('linkerd-policy-validator')),
    webhookConfiguration('MutatingWebhookConfiguration', 'linkerd-proxy-injector-webhook-config', 'linkerd-proxy-injector.linkerd.io', svcRef('linkerd-proxy-injector')),
  ];
}

/**
 * The viz extension as far as the network is concerned: its namespace, the meshed Prometheus
 * (scrapes every proxy on 4191 and the control plane's admin ports), tap (connects to proxies on
 * 4190; the API server reaches it through an APIService), tap-injector (a webhook), metrics-api and
 * web.
 */
export function linkerdVizModel(namespace: string): KubeObject[] {
  const image = (n: string) => `cr.l5d.io/linkerd/${n}:${LINKERD_DEFAULT_VERSION}`;
  const labels = (component: string, withNs: boolean) => ({ [LABELS.extension]: 'viz', component, ...(withNs ? { namespace } : {}) });
  const injected = { [ANNOTATIONS.inject]: 'enabled' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { [LABELS.extension]: 'viz', [LABELS.podSecurityEnforce]: 'privileged' } } },
    deployment('metrics-api', namespace, 1, labels('metrics-api', false), injected, 'metrics-api', [
      { name: 'metrics-api', image: image('metrics-api'), ports: [{ name: 'http', containerPort: 8085 }, { name: 'admin', containerPort: 9995 }] },
    ]),
    deployment('prometheus', namespace, 1, labels('prometheus', true), injected, 'prometheus', [
      { name: 'prometheus', image: 'prom/prometheus', ports: [{ name: 'admin', containerPort: 9090 }] },
    ]),
    deployment('tap', namespace, 1, labels('tap', true), injected, 'tap', [
      { name: 'tap', image: image('tap'), ports: [{ name: 'grpc', containerPort: 8088 }, { name: 'apiserver', containerPort: 8089 }, { name: 'admin', containerPort: 9998 }] },
    ]),
    deployment('tap-injector', namespace, 1, labels('tap-injector', false), injected, 'tap-injector', [
      { name: 'tap-injector', image: image('tap'), ports: [{ name: 'tap-injector', containerPort: 8443 }, { name: 'admin', containerPort: 9995 }] },
    ]),
    deployment('web', namespace, 1, labels('web', true), injected, 'web', [
      { name: 'web', image: image('web'), ports: [{ name: 'http', containerPort: 8084 }, { name: 'admin', containerPort: 9994 }] },
    ]),
    service('metrics-api', namespace, labels('metrics-api', false), [{ name: 'http', port: 8085, targetPort: 8085 }]),
    service('prometheus', namespace, labels('prometheus', false), [{ name: 'admin', port: 9090, targetPort: 9090 }]),
    service('tap', namespace, labels('tap', false), [
      { name: 'grpc', port: 8088, targetPort: 8088 },
      { name: 'apiserver', port: 443, targetPort: 'apiserver' },
    ]),
    service('tap-injector', namespace, labels('tap-injector', false), [{ name: 'tap-injector', port: 443, targetPort: 'tap-injector' }]),
    service('web', namespace, labels('web', false), [
      { name: 'http', port: 8084, targetPort: 8084 },
      { name: 'admin', port: 9994, targetPort: 9994 },
    ]),
    webhookConfiguration('MutatingWebhookConfiguration', 'linkerd-tap-injector-webhook-config', 'tap-injector.linkerd.io', { name: 'tap-injector', namespace }),
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1alpha1.tap.linkerd.io' },
      spec: { group: 'tap.linkerd.io', version: 'v1alpha1', groupPriorityMinimum: 1000, versionPriority: 100, service: { name: 'tap', namespace } },
    },
  ];
}

/** The cluster DNS (CoreDNS answering as `kube-dns`): UDP and TCP 53. */
export function clusterDnsModel(namespace: string, podLabels: Readonly<Record<string, string>>): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    deployment('coredns', namespace, 2, { ...podLabels }, {}, 'coredns', [
      {
        name: 'coredns',
        image: 'registry.k8s.io/coredns/coredns',
        ports: [
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
          { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
          { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
        ],
      },
    ]),
  ];
}
