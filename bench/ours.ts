/**
 * The platform with this library's cdk8s constructs: per namespace (a chart, or a scope of the one
 * chart) the Namespace and the Deployments (written by hand, as users do), a `MeshAuthorization` per
 * workload (Server, AuthorizationPolicy, MeshTLSAuthentication), an `ExternalWorkloadHost` per 50
 * workloads; and in the platform chart the `LinkerdNetworkPolicies` of every namespace (whose
 * validation runs the mesh connectivity analyzer over the whole app at synthesis).
 */
import { ApiObject, Chart, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import { allowedSources, API_SERVER_CIDRS, deploymentManifest, hostWorkloadProps, MESH_INFO, namespaceManifest, SPIRE_BINARIES, SPIRE_CA_PEM, TRUST_ANCHOR_PEM, type BenchMesh, type Layout } from './mesh';
import { LinkerdApp, ExternalWorkloadHost, LinkerdNetworkPolicies, MeshAuthorization, type MeshReference } from '../src/cdk8s';

/** Builds the app (construction only; `app.synth()` validates and writes the YAML). */
export function buildOurs(mesh: BenchMesh, outdir: string, layout: Layout = 'chart-per-namespace'): LinkerdApp {
  const app = new LinkerdApp({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  const reference: MeshReference = { info: MESH_INFO };
  const allHosts: ExternalWorkloadHost[] = [];
  const platform = new Chart(app, 'platform');
  for (const ns of mesh.namespaces) {
    const chart = layout === 'single-chart' ? new Construct(platform, ns.name) : new Chart(app, ns.name);
    new ApiObject(chart, 'namespace', namespaceManifest(ns));
    const hosts = new Map<string, ExternalWorkloadHost>();
    for (const h of ns.hosts) {
      const host = new ExternalWorkloadHost(chart, h.name, {
        mesh: reference,
        ...hostWorkloadProps(h),
        trustAnchorPem: TRUST_ANCHOR_PEM,
        spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'path', ...SPIRE_BINARIES } },
        proxy: { binary: { kind: 'image' } },
      });
      hosts.set(h.name, host);
      allHosts.push(host);
    }
    for (const w of ns.workloads) {
      const deployment = new ApiObject(chart, w.name, deploymentManifest(w));
      const allow = allowedSources(w, (vm) => ({ externalWorkload: hosts.get(vm)! }));
      new MeshAuthorization(chart, `${w.name}-authz`, { mesh: reference, workload: deployment, port: 'http', protocol: 'HTTP/1', allow });
    }
  }
  new LinkerdNetworkPolicies(platform, 'network-policies', {
    mesh: reference,
    namespaces: mesh.namespaces.map((ns) => ns.name),
    externalWorkloads: allHosts,
    apiServerCidrs: API_SERVER_CIDRS,
  });
  return app;
}
