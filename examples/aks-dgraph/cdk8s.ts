/**
 * Seed 001 ("AKS with Linkerd Service Mesh") as a cdk8s app: Linkerd with its identity, the viz
 * extension, images mirrored to a private registry, and Dgraph's StatefulSets meshed, with a
 * ServiceProfile for Dgraph's gRPC API.
 *
 * The seed generated the trust anchor and issuer with `step`; synthesis never generates keys, so this
 * app lets cert-manager issue and rotate them (nothing secret in the output, identical output on every
 * run). To use certificates made once instead, run `linkerd-constructs certs --out certs` and pass
 * `MeshIdentity.fromDirectory('certs')` (see README.md). Argo CD delivers the charts: no helm binary
 * is needed to synthesize.
 */
import * as path from 'path';
import { ApiObject, Chart, YamlOutputType } from 'cdk8s';
import type { Construct } from 'constructs';
import { DGRAPH_GRPC_METHODS, DGRAPH_NAMESPACE, dgraphNetworkPolicies, dgraphObjects, REGISTRY } from './dgraph';
import { ARGO_SYNC_WAVES, grpcRoutes, MeshIdentity } from 'linkerd-constructs';
import { LinkerdApp, LinkerdMesh, MeshDelivery, MeshInjection, ServiceProfile } from 'linkerd-constructs/cdk8s';

/** The mesh of the seed: mirrored images, viz (for debugging), cert-manager identity. */
export function aksMesh(scope: Construct): LinkerdMesh {
  return new LinkerdMesh(scope, 'linkerd', {
    identity: MeshIdentity.certManager(),
    delivery: MeshDelivery.argoCd(),
    imageRegistry: `${REGISTRY}/linkerd`,
    viz: true,
    // Linkerd needs the Gateway API CRDs before its control plane; AKS has none by default
    gatewayApi: { managedBy: 'linkerd-crds-chart' },
  });
}

/** Dgraph, meshed: the StatefulSets' pods get the proxy; the ServiceProfile gives per-method gRPC metrics. */
export function meshedDgraph(scope: Construct, mesh: LinkerdMesh): ApiObject[] {
  const objects = [...dgraphObjects(), ...dgraphNetworkPolicies()].map((obj) => new ApiObject(scope, `${obj.kind}-${obj.metadata.name}`, obj));
  for (const o of objects) {
    if (o.kind === 'StatefulSet') MeshInjection.workload(o);
    // pods must be created once the proxy injector runs: after the control plane, in a later Argo CD wave
    o.node.addDependency(mesh.controlPlane);
    o.metadata.addAnnotation('argocd.argoproj.io/sync-wave', String(ARGO_SYNC_WAVES['control-plane'] + 1));
  }
  const profile = new ServiceProfile(scope, 'alpha-profile', {
    mesh,
    service: 'dgraph-alpha',
    namespace: DGRAPH_NAMESPACE,
    routes: grpcRoutes('api.Dgraph', DGRAPH_GRPC_METHODS),
  });
  profile.resource.metadata.addAnnotation('argocd.argoproj.io/sync-wave', String(ARGO_SYNC_WAVES['control-plane'] + 1));
  return objects;
}

/**
 * Synthesizes into `<outdir>/aks-dgraph-cluster.k8s.yaml` (one chart, so cdk8s orders every object by
 * its dependencies: namespaces and certificates, CRDs, control plane, viz, then Dgraph); returns the
 * files written.
 */
export function synth(outdir: string): string[] {
  const app = new LinkerdApp({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  const chart = new Chart(app, 'aks-dgraph-cluster');
  const mesh = aksMesh(chart);
  meshedDgraph(chart, mesh);
  app.synth();
  return [path.join(outdir, 'aks-dgraph-cluster.k8s.yaml')];
}
