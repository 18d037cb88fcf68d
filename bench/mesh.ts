/**
 * The synthetic platform the benchmark builds: meshed workloads spread over namespaces, each
 * workload's `http` port admitting its neighbour (and, every tenth workload, a client of the previous
 * namespace; the first workload of a namespace, the namespace's VM), and one external workload host
 * per 50 workloads. Plain data, shared by every case so each builds the same mesh.
 */
import * as fs from 'fs';
import * as path from 'path';
import { meshInfoWithDefaults, type AuthorizationSourceLike, type KubeObject, type MeshInfo } from '../src/core';

/** Workloads per namespace (and per external workload host). */
export const WORKLOADS_PER_NAMESPACE = 50;
/** One external workload host (VM) per this many workloads. */
export const WORKLOADS_PER_HOST = 50;
/** The application port of every workload (named `http`) and VM. */
export const APP_PORT = 8080;
/** Where the API server is. */
export const API_SERVER_CIDRS: readonly string[] = ['172.20.0.0/28'];
/** The mesh the platform runs (installed elsewhere, Linkerd's defaults). */
export const MESH_INFO: MeshInfo = meshInfoWithDefaults();
const TRUST_ANCHOR_FILE = path.join('examples', 'mesh-expansion', 'trust-anchor.crt');

/** The project root: the first folder up from here holding the examples (this file also runs compiled, from `.bench/build/bench`). */
function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, TRUST_ANCHOR_FILE))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`${TRUST_ANCHOR_FILE} not found above ${__dirname}`);
  }
}

/** The trust anchor certificate of the mesh (public; the mesh-expansion example's). */
export const TRUST_ANCHOR_PEM = fs.readFileSync(path.join(projectRoot(), TRUST_ANCHOR_FILE), 'utf8');
/** The SPIRE upstream CA that anchor signed (the example's; its key discarded). */
export const SPIRE_CA_PEM = fs.readFileSync(path.join(projectRoot(), 'examples', 'mesh-expansion', 'spire-ca.crt'), 'utf8');
/** Where SPIRE is on the VMs. */
export const SPIRE_BINARIES = { serverBinary: '/opt/spire/bin/spire-server', agentBinary: '/opt/spire/bin/spire-agent' };

/**
 * How the cdk8s app is organised: a chart per namespace plus a platform chart (one manifest file
 * each, as a platform repository would), or one chart for everything. cdk8s validates the whole app
 * once per chart, so the layout changes what synthesis costs, with or without this library.
 */
export type Layout = 'chart-per-namespace' | 'single-chart';

/** Every layout, the first being the default. */
export const LAYOUTS: readonly Layout[] = ['chart-per-namespace', 'single-chart'];

/** A meshed workload: a Deployment whose `http` port is governed by one Server. */
export interface BenchWorkload {
  readonly name: string;
  readonly namespace: string;
  /** ServiceAccount of the same namespace admitted on its port. */
  readonly peer: string;
  /** A ServiceAccount of another namespace admitted too. */
  readonly remotePeer?: { readonly name: string; readonly namespace: string };
  /** The VM (a host of the same namespace) admitted too. */
  readonly host?: string;
}

/** An external workload host (a VM meshed with SPIRE). */
export interface BenchHost {
  readonly name: string;
  readonly namespace: string;
  readonly ip: string;
}

/** The cluster side of a VM (its `ExternalWorkload`), the same in every framework. */
export function hostWorkloadProps(h: BenchHost) {
  return {
    name: h.name,
    namespace: h.namespace,
    workloadIps: [h.ip],
    ports: [{ name: 'http', port: APP_PORT }],
    labels: { 'app.kubernetes.io/name': h.name, 'app.kubernetes.io/part-of': h.namespace },
  };
}

/** Who may call a workload: its neighbour, maybe a client of the previous namespace, maybe its VM (`vm` turns the VM's name into a source). */
export function allowedSources(w: BenchWorkload, vm: (name: string) => AuthorizationSourceLike): AuthorizationSourceLike[] {
  const allow: AuthorizationSourceLike[] = [{ serviceAccount: w.peer }];
  if (w.remotePeer) allow.push({ serviceAccount: w.remotePeer.name, namespace: w.remotePeer.namespace });
  if (w.host) allow.push(vm(w.host));
  return allow;
}

/** One application namespace. */
export interface BenchNamespace {
  readonly name: string;
  readonly workloads: readonly BenchWorkload[];
  readonly hosts: readonly BenchHost[];
}

/** The whole platform. */
export interface BenchMesh {
  readonly size: number;
  readonly namespaces: readonly BenchNamespace[];
  readonly hosts: readonly BenchHost[];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The platform with `size` workloads. */
export function syntheticMesh(size: number): BenchMesh {
  if (!Number.isInteger(size) || size < 1) throw new Error(`size: received ${size}; expected a positive integer`);
  const namespaceCount = Math.ceil(size / WORKLOADS_PER_NAMESPACE);
  const width = String(size).length;
  const namespaces: BenchNamespace[] = [];
  const hosts: BenchHost[] = [];
  let prevFirst: BenchWorkload | undefined;
  for (let n = 0; n < namespaceCount; n++) {
    const ns = `team-${pad(n, String(namespaceCount).length)}`;
    const first = n * WORKLOADS_PER_NAMESPACE;
    const count = Math.min(WORKLOADS_PER_NAMESPACE, size - first);
    const nsHosts: BenchHost[] = [];
    for (let i = first; i < first + count; i += WORKLOADS_PER_HOST) {
      const h = i / WORKLOADS_PER_HOST;
      nsHosts.push({ name: `vm-${pad(h, width)}`, namespace: ns, ip: `10.200.${Math.floor(h / 250)}.${(h % 250) + 1}` });
    }
    const names = Array.from({ length: count }, (_v, j) => `svc-${pad(first + j, width)}`);
    const workloads: BenchWorkload[] = names.map((name, j) => ({
      name,
      namespace: ns,
      peer: names[(j + 1) % count],
      ...(j % 10 === 5 && prevFirst ? { remotePeer: { name: prevFirst.name, namespace: prevFirst.namespace } } : {}),
      ...(j % WORKLOADS_PER_HOST === 0 ? { host: nsHosts[j / WORKLOADS_PER_HOST].name } : {}),
    }));
    prevFirst = workloads[0];
    namespaces.push({ name: ns, workloads, hosts: nsHosts });
    hosts.push(...nsHosts);
  }
  return { size, namespaces, hosts };
}

/** Labels of a workload's pods. */
export function podLabels(w: BenchWorkload): Record<string, string> {
  return { 'app.kubernetes.io/name': w.name, 'app.kubernetes.io/part-of': w.namespace };
}

/** The Namespace object (written by hand in every case: not one of this library's). */
export function namespaceManifest(ns: BenchNamespace): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.name, labels: { 'kubernetes.io/metadata.name': ns.name } } };
}

/** The meshed Deployment of a workload (written by hand in every case). */
export function deploymentManifest(w: BenchWorkload): KubeObject {
  const labels = podLabels(w);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: w.name, namespace: w.namespace, labels: { ...labels } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { ...labels } },
      template: {
        metadata: { labels: { ...labels }, annotations: { 'linkerd.io/inject': 'enabled' } },
        spec: {
          serviceAccountName: w.name,
          containers: [
            {
              name: 'app',
              image: `registry.example.com/${w.namespace}/${w.name}:1.0.0`,
              ports: [{ name: 'http', containerPort: APP_PORT }],
              resources: { requests: { cpu: '100m', memory: '128Mi' } },
            },
          ],
        },
      },
    },
  } as KubeObject;
}
