/**
 * Small builders of manifests for the analyzer tests.
 */
/* eslint-disable no-bitwise -- a seeded PRNG (mulberry32) */
import type { KubeObject, NetworkPolicySpec } from '../../src/core/k8s';

/** A Namespace, optionally meshed by annotation. */
export function namespace(
  name: string,
  opts: { labels?: Record<string, string>; inject?: string; annotations?: Record<string, string> } = {},
): KubeObject {
  const annotations = { ...(opts.annotations ?? {}), ...(opts.inject ? { 'linkerd.io/inject': opts.inject } : {}) };
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
  };
}

/** A container port. */
export interface TestPort {
  name?: string;
  containerPort: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** A Deployment. */
export function deployment(
  ns: string,
  name: string,
  opts: { labels?: Record<string, string>; ports?: TestPort[]; annotations?: Record<string, string>; serviceAccount?: string; kind?: string } = {},
): KubeObject {
  const labels = opts.labels ?? { app: name };
  return {
    apiVersion: opts.kind === 'Job' || opts.kind === 'CronJob' ? 'batch/v1' : 'apps/v1',
    kind: opts.kind ?? 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
        spec: {
          ...(opts.serviceAccount ? { serviceAccountName: opts.serviceAccount } : {}),
          containers: [{ name: 'main', image: 'example/app', ports: opts.ports ?? [{ name: 'http', containerPort: 8080 }] }],
        },
      },
    },
  };
}

/** A bare Pod (with IPs when given, as `kubectl get pods -o yaml` shows them). */
export function pod(
  ns: string,
  name: string,
  opts: { labels?: Record<string, string>; ports?: TestPort[]; ips?: string[]; annotations?: Record<string, string> } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: opts.labels ?? { app: name }, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: { containers: [{ name: 'main', image: 'example/app', ports: opts.ports ?? [{ name: 'http', containerPort: 8080 }] }] },
    ...(opts.ips ? { status: { podIP: opts.ips[0], podIPs: opts.ips.map((ip) => ({ ip })) } } : {}),
  };
}

/** A NetworkPolicy. */
export function policy(ns: string, name: string, spec: Partial<NetworkPolicySpec> & Record<string, unknown>): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: {}, ...spec } };
}

/** A Service. */
export function service(
  ns: string,
  name: string,
  selector: Record<string, string>,
  ports: Array<{ name?: string; port: number; targetPort?: number | string }>,
): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector, ports } };
}

/** An ExternalWorkload (a VM in the mesh) with one IP. */
export function externalWorkload(
  ns: string,
  name: string,
  opts: { identity: string; ip: string; ports: Array<{ port: number; name?: string }>; serverName?: string },
): KubeObject {
  return {
    apiVersion: 'workload.linkerd.io/v1beta1',
    kind: 'ExternalWorkload',
    metadata: { name, namespace: ns },
    spec: { meshTLS: { identity: opts.identity, serverName: opts.serverName ?? name }, workloadIPs: [{ ip: opts.ip }], ports: opts.ports },
  };
}

/** A deterministic pseudo-random generator (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
