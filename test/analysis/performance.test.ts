/**
 * The analyzer stays near-linear: classes are evaluated with bit sets and indexes, never every pod
 * against every policy. A synthetic platform (workloads spread over namespaces, each with a Server,
 * an AuthorizationPolicy, a MeshTLSAuthentication, the namespace's NetworkPolicies, one external
 * workload per 50 workloads) is analyzed at 1,000 and 10,000 workloads.
 */
import { analyzeMesh } from '../../src/core/analysis';
import type { KubeObject } from '../../src/core/k8s';
import type { ExternalWorkloadInfo } from '../../src/core/mesh-info';
import { linkerdNetworkPolicies } from '../../src/core/network-policies';

function platform(workloads: number, perNamespace = 100): KubeObject[] {
  const objects: KubeObject[] = [];
  const namespaces: string[] = [];
  const vms: ExternalWorkloadInfo[] = [];
  for (let i = 0; i < workloads; i++) {
    const ns = `team-${Math.floor(i / perNamespace)}`;
    if (i % perNamespace === 0) {
      namespaces.push(ns);
      objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, annotations: { 'linkerd.io/inject': 'enabled' } } });
    }
    const name = `svc-${i}`;
    objects.push(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns }, spec: { template: { metadata: { labels: { app: name } }, spec: { serviceAccountName: name, containers: [{ name, image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] } } } },
      { apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: { name, namespace: ns }, spec: { podSelector: { matchLabels: { app: name } }, port: 'http' } },
      { apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec: { targetRef: { kind: 'Server', name }, requiredAuthenticationRefs: [{ kind: 'MeshTLSAuthentication', name }] } },
      { apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'MeshTLSAuthentication', metadata: { name, namespace: ns }, spec: { identityRefs: [{ kind: 'ServiceAccount', name: `svc-${(i + 1) % workloads}` }] } },
    );
    if (i % 50 === 0) {
      const ip = `192.168.${Math.floor(i / 200)}.${(i % 200) + 1}`;
      vms.push({ name: `vm-${i}`, namespace: ns, identity: `spiffe://example.org/vm-${i}`, labels: { app: `vm-${i}` }, ports: [{ port: 8080 }], workloadIps: [ip] });
      objects.push({ apiVersion: 'workload.linkerd.io/v1beta1', kind: 'ExternalWorkload', metadata: { name: `vm-${i}`, namespace: ns }, spec: { meshTLS: { identity: `spiffe://example.org/vm-${i}`, serverName: 'vm' }, workloadIPs: [{ ip }], ports: [{ port: 8080 }] } });
    }
  }
  const plan = linkerdNetworkPolicies({ namespaces, externalWorkloads: vms });
  return [...objects, ...plan.policies];
}

function time(objects: KubeObject[]): { ms: number; ok: boolean; classes: number } {
  const started = process.hrtime.bigint();
  const r = analyzeMesh(objects, { apiServerCidrs: ['0.0.0.0/0', '::/0'] });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, ok: r.ok, classes: r.summary.podClasses };
}

test('10,000 meshed workloads are analyzed in under 10 s, with near-linear growth from 1,000', () => {
  const small = platform(1000);
  const large = platform(10000);
  time(small); // warm up the JIT
  const t1 = Math.min(time(small).ms, time(small).ms);
  const r10 = time(large);
  const t10 = Math.min(r10.ms, time(large).ms);
  expect(r10.ok).toBe(true);
  expect(r10.classes).toBeGreaterThan(10000);
  const exponent = Math.log(t10 / t1) / Math.log(10);
  // eslint-disable-next-line no-console
  console.log(`analyzer: 1,000 workloads ${t1.toFixed(0)} ms, 10,000 workloads ${t10.toFixed(0)} ms, growth exponent ${exponent.toFixed(2)}`);
  expect(t10).toBeLessThan(10_000);
  expect(exponent).toBeLessThanOrEqual(1.3);
}, 120_000);
