/**
 * Dgraph (seed 001): three Zero and three Alpha members in the `dgraph` namespace, as plain
 * Kubernetes objects both example programs use. Alpha serves HTTP/GraphQL on 8080 and gRPC on 9080.
 * Images come from the same private registry as Linkerd's mirrored images.
 */
import { NetworkPolicyPresets, type KubeObject, type NetworkPolicy } from 'linkerd-constructs';

/** The private registry images are mirrored to (the seed republished them to ACR). */
export const REGISTRY = 'myregistry.azurecr.io';
/** Namespace of Dgraph. */
export const DGRAPH_NAMESPACE = 'dgraph';
/** Dgraph image (mirrored). */
export const DGRAPH_IMAGE = `${REGISTRY}/dgraph/dgraph:v21.03.2`;
/** The gRPC methods of `api.Dgraph` that clients call (the seed's ServiceProfile). */
export const DGRAPH_GRPC_METHODS = ['Login', 'Query', 'Alter', 'CommitOrAbort', 'CheckVersion'];

/** Labels of a Dgraph component's pods. */
export const dgraphLabels = (component: string): Record<string, string> => ({ 'app.kubernetes.io/name': 'dgraph', 'app.kubernetes.io/component': component });

function service(name: string, component: string, ports: Array<[string, number]>, headless: boolean): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: DGRAPH_NAMESPACE, labels: dgraphLabels(component) },
    spec: {
      ...(headless ? { clusterIP: 'None', publishNotReadyAddresses: true } : { type: 'ClusterIP' }),
      selector: dgraphLabels(component),
      ports: ports.map(([portName, port]) => ({ name: portName, port, targetPort: port, protocol: 'TCP' })),
    },
  };
}

function statefulSet(name: string, component: string, headless: string, ports: Array<[string, number]>, command: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: DGRAPH_NAMESPACE, labels: dgraphLabels(component) },
    spec: {
      serviceName: headless,
      replicas: 3,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: dgraphLabels(component) },
      template: {
        metadata: { labels: dgraphLabels(component) },
        spec: {
          containers: [
            {
              name: component,
              image: DGRAPH_IMAGE,
              command: ['bash', '-c', command],
              ports: ports.map(([portName, containerPort]) => ({ name: portName, containerPort, protocol: 'TCP' })),
              env: [{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
              volumeMounts: [{ name: 'data', mountPath: '/dgraph' }],
              resources: { requests: { cpu: '250m', memory: '1Gi' } },
            },
          ],
          terminationGracePeriodSeconds: 60,
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
        },
      ],
    },
  };
}

const zeroPeer = `dgraph-zero-0.dgraph-zero-headless.${DGRAPH_NAMESPACE}.svc.cluster.local:5080`;

/** Every Dgraph object, the Namespace first. */
export function dgraphObjects(): KubeObject[] {
  const zeroPorts: Array<[string, number]> = [['grpc-zero', 5080], ['http-zero', 6080]];
  const alphaPorts: Array<[string, number]> = [['grpc-alpha-int', 7080], ['http-alpha', 8080], ['grpc-alpha', 9080]];
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DGRAPH_NAMESPACE } },
    service('dgraph-zero-headless', 'zero', zeroPorts, true),
    statefulSet(
      'dgraph-zero',
      'zero',
      'dgraph-zero-headless',
      zeroPorts,
      'ordinal=${HOSTNAME##*-}; idx=$((ordinal + 1)); ' +
        'if [ "$ordinal" -eq 0 ]; then exec dgraph zero --my=$(hostname -f):5080 --raft="idx=$idx" --replicas 3; ' +
        `else exec dgraph zero --my=$(hostname -f):5080 --peer ${zeroPeer} --raft="idx=$idx" --replicas 3; fi`,
    ),
    service('dgraph-alpha-headless', 'alpha', alphaPorts, true),
    service('dgraph-alpha', 'alpha', [['http-alpha', 8080], ['grpc-alpha', 9080]], false),
    statefulSet('dgraph-alpha', 'alpha', 'dgraph-alpha-headless', alphaPorts, `exec dgraph alpha --my=$(hostname -f):7080 --zero ${zeroPeer}`),
  ];
}

/**
 * The seed's NetworkPolicy (Dgraph Alpha admits meshed clients only), as corrected for current
 * Linkerd: meshed clients arrive on the proxy's port 4143, and viz's Prometheus (4191) and tap (4190)
 * must still reach the proxies. `NetworkPolicyPresets.meshedClientsOnlyAsPublished` is the seed's
 * version, which the analyzer shows blocks the very clients it meant to admit.
 */
export function dgraphNetworkPolicies(): NetworkPolicy[] {
  return NetworkPolicyPresets.meshedClientsOnly({ namespace: DGRAPH_NAMESPACE, podLabels: dgraphLabels('alpha'), ports: [8080, 9080] });
}
