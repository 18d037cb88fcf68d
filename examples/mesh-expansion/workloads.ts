/**
 * The seed's (000) in-cluster side and its two VMs, as plain data shared by the cdk8s app and the
 * Pulumi program: the `mixed-env` namespace, the `client` pod, the `legacy-app` Deployment (its pods
 * labelled `location: cluster`), and the hosts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ANNOTATIONS, kubeObject, podLocationLabels, type KubeObject, type Namespace } from 'linkerd-constructs';

/** The namespace of the seed. */
export const NAMESPACE = 'mixed-env';
/** Labels the application's pods and VMs share. */
export const APP_LABELS = { app: 'legacy-app' };
/** The trust anchor certificate of the mesh (public; the seed's `ca.crt`). Its key never enters this repository. */
export const TRUST_ANCHOR_PEM = fs.readFileSync(path.join(__dirname, 'trust-anchor.crt'), 'utf8');
/**
 * The SPIRE upstream CA (public): an intermediate the trust anchor signed (`linkerd-constructs certs`
 * writes `spire-ca.crt`). Its key goes to the SPIRE server host only, never to a workload VM.
 */
export const SPIRE_CA_PEM = fs.readFileSync(path.join(__dirname, 'spire-ca.crt'), 'utf8');
/** The trust domain's SPIRE server host: the VMs join it; they run only a SPIRE agent. */
export const SPIRE_SERVER = { nodeName: 'spire-1', address: '192.0.2.50' };
/**
 * The Kubernetes API server as the VMs reach it, and its CA (the kubeconfig's `server` and decoded
 * `certificate-authority-data`): each VM reports its readiness there. Replace both with your cluster's.
 */
export const API_SERVER = {
  apiServerUrl: 'https://203.0.113.1:6443',
  apiServerCaPem: fs.readFileSync(path.join(__dirname, 'api-server-ca.crt'), 'utf8'),
};

/** One VM of the walkthrough. */
export interface ExampleHost {
  /** Name of its ExternalWorkload. */
  readonly name: string;
  /** Machine name. */
  readonly nodeName: string;
  /** Its IP address, reachable from the pods. */
  readonly ip: string;
  /** SPIFFE identity (the seed's for the first VM; derived from the mesh for the second). */
  readonly identity?: string;
  /** TLS server name (the seed's for the first VM). */
  readonly serverName?: string;
}

/** The seed's VM, and a second one joining the same Service. */
export const HOSTS: readonly ExampleHost[] = [
  {
    name: 'external-workload',
    nodeName: 'my-vm',
    ip: '192.0.2.10',
    identity: 'spiffe://root.linkerd.cluster.local/external-workload',
    serverName: 'external-workload.cluster.local',
  },
  { name: 'external-workload-2', nodeName: 'my-vm-2', ip: '192.0.2.11' },
];

/** The application port on the VMs and in the pods. */
export const APP_PORT = { name: 'http', port: 80 };

/**
 * The seed's in-cluster objects: the namespace, the `client` ServiceAccount and Pod (meshed), and the
 * `legacy-app` Deployment (meshed, pods labelled `location: cluster` so `legacy-app-cluster` selects
 * only them). The seed named the container port `http-port` while its Server refers to `http`; here
 * both are `http`.
 */
export function seedWorkloads(): KubeObject[] {
  const inject = { [ANNOTATIONS.inject]: 'enabled' };
  return [
    kubeObject<Namespace>('v1', 'Namespace', { name: NAMESPACE }, {}),
    kubeObject('v1', 'ServiceAccount', { name: 'client', namespace: NAMESPACE }, {}),
    kubeObject('v1', 'Pod', { name: 'client', namespace: NAMESPACE, annotations: inject }, {
      spec: {
        serviceAccountName: 'client',
        volumes: [{ name: 'shared-data', emptyDir: {} }],
        containers: [{ name: 'client', image: 'cr.l5d.io/linkerd/client:current', command: ['sh', '-c', 'while true; do sleep 3600; done'] }],
      },
    }),
    kubeObject('apps/v1', 'Deployment', { name: 'legacy-app', namespace: NAMESPACE }, {
      spec: {
        replicas: 1,
        selector: { matchLabels: { ...APP_LABELS } },
        template: {
          metadata: { labels: { ...APP_LABELS, ...podLocationLabels() }, annotations: inject },
          spec: {
            containers: [
              {
                name: 'legacy-app',
                image: 'buoyantio/bb:v0.0.5',
                command: ['sh', '-c'],
                args: ['/out/bb terminus --h1-server-port 80 --response-text hello-from-$POD_NAME --fire-and-forget'],
                ports: [{ name: APP_PORT.name, containerPort: APP_PORT.port }],
                env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              },
            ],
          },
        },
      },
    }),
  ];
}
