/**
 * A default-deny cluster that keeps Linkerd working (seeds 003 and 004, done right): two meshed
 * application namespaces under `LinkerdNetworkPolicies`, with the control plane installed
 * elsewhere (a Flux HelmRelease, say) and viz for debugging.
 *
 * Synthesis runs the mesh connectivity analyzer over the app (with the built-in model of the
 * control plane, since it is not in this app): a NetworkPolicy that blocked a flow Linkerd needs
 * would fail `npm run synth`. The output can be checked again with
 * `linkerd-constructs check dist/default-deny.k8s.yaml --api-server-cidr 172.20.0.0/28 --viz-namespace linkerd-viz`.
 */
import * as path from 'path';
import { ApiObject, Chart, YamlOutputType } from 'cdk8s';
import type { Construct } from 'constructs';
import type { KubeObject } from 'linkerd-constructs';
import { LinkerdApp, LinkerdNetworkPolicies } from 'linkerd-constructs/cdk8s';

/**
 * Where the API server is (the example's cluster): the webhooks and the control plane's API access.
 * These are the API server's endpoint addresses (NetworkPolicies see them after the `kubernetes`
 * Service's DNAT), not its ClusterIP: `kubectl get endpoints kubernetes -o jsonpath='{.subsets[*].addresses[*].ip}'`.
 */
export const API_SERVER_CIDRS = ['172.20.0.0/28'];

/** The application namespaces. */
export const NAMESPACES = ['shop', 'books'];

function app(namespace: string, name: string, port: number, kind: 'Deployment' | 'StatefulSet' = 'Deployment'): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': name };
  return [
    {
      apiVersion: 'apps/v1',
      kind,
      metadata: { name, namespace },
      spec: {
        ...(kind === 'StatefulSet' ? { serviceName: name } : {}),
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { serviceAccountName: name, containers: [{ name, image: `registry.example.com/${name}:1.0.0`, ports: [{ name: 'http', containerPort: port }] }] },
        },
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
  ];
}

/** The workloads: meshed by their namespace's `linkerd.io/inject: enabled`. */
export function workloads(scope: Construct): ApiObject[] {
  const objects: KubeObject[] = [
    ...NAMESPACES.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, annotations: { 'linkerd.io/inject': 'enabled' } } })),
    ...app('shop', 'web', 8080),
    ...app('shop', 'cart', 9000),
    ...app('books', 'catalog', 7000, 'StatefulSet'),
  ];
  return objects.map((o) => new ApiObject(scope, `${o.kind}-${o.metadata.namespace ?? ''}-${o.metadata.name}`, o));
}

/** The policies: the control plane namespace and the two application namespaces. */
export function defaultDenyPolicies(scope: Construct): LinkerdNetworkPolicies {
  return new LinkerdNetworkPolicies(scope, 'network-policies', {
    namespaces: NAMESPACES,
    apiServerCidrs: API_SERVER_CIDRS,
    vizNamespace: 'linkerd-viz',
  });
}

/** Synthesizes into `<outdir>/default-deny.k8s.yaml`; returns the files written. */
export function synth(outdir: string): string[] {
  const application = new LinkerdApp({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  const chart = new Chart(application, 'default-deny');
  workloads(chart);
  defaultDenyPolicies(chart);
  application.synth();
  return [path.join(outdir, 'default-deny.k8s.yaml')];
}
