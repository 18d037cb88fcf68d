/**
 * Seed 001 ("AKS with Linkerd Service Mesh") as a Pulumi program: the trust anchor and issuer the seed
 * made with `step` are generated once with `@pulumi/tls` and kept in the stack (keys as secrets); the
 * control plane and viz come from the Helm charts with images mirrored to a private registry; Dgraph's
 * StatefulSets are meshed, with a ServiceProfile for its gRPC API.
 *
 * `index.ts` of a Pulumi project: `export = program();` (see README.md).
 */
import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import { DGRAPH_GRPC_METHODS, DGRAPH_NAMESPACE, dgraphNetworkPolicies, dgraphObjects, REGISTRY } from './dgraph';
import { grpcRoutes, type KubeObject } from 'linkerd-constructs';
import { LinkerdMesh, MeshIdentity, MeshInjection, ServiceProfile } from 'linkerd-constructs/pulumi';

/** What the program exports. */
export interface AksDgraphOutputs {
  /** The mesh (a `MeshReference` for other components). */
  readonly mesh: LinkerdMesh;
  /** The trust anchor, for proxies outside the cluster. */
  readonly trustAnchorPem: pulumi.Output<string>;
  /** The Dgraph resources. */
  readonly dgraph: pulumi.CustomResource[];
}

function dgraphResource(obj: KubeObject, mesh: LinkerdMesh, options: pulumi.ComponentResourceOptions): pulumi.CustomResource {
  const name = `${obj.kind.toLowerCase()}-${obj.metadata.name}`;
  // pods are created once the proxy injector runs, so they are meshed from the start
  const opts: pulumi.CustomResourceOptions = { ...options, dependsOn: [mesh.controlPlane] };
  const { metadata, spec } = obj as KubeObject & { spec?: any };
  switch (obj.kind) {
    case 'Namespace':
      return new k8s.core.v1.Namespace(name, { metadata }, opts);
    case 'Service':
      return new k8s.core.v1.Service(name, { metadata, spec }, opts);
    case 'StatefulSet':
      return new k8s.apps.v1.StatefulSet(name, MeshInjection.workloadArgs('StatefulSet', { metadata, spec }), opts);
    case 'NetworkPolicy':
      return new k8s.networking.v1.NetworkPolicy(name, { metadata, spec }, opts);
    default:
      throw new Error(`unexpected ${obj.kind}`);
  }
}

/**
 * The program.
 * @param options resource options for every top-level resource, e.g. `{ provider }` for the AKS cluster's kubeconfig
 */
export function program(options: pulumi.ComponentResourceOptions = {}): AksDgraphOutputs {
  const mesh = new LinkerdMesh(
    'linkerd',
    {
      identity: MeshIdentity.generated(),
      imageRegistry: `${REGISTRY}/linkerd`,
      viz: true,
      gatewayApi: { managedBy: 'linkerd-crds-chart' },
    },
    options,
  );
  const dgraph = [...dgraphObjects(), ...dgraphNetworkPolicies()].map((obj) => dgraphResource(obj, mesh, options));
  new ServiceProfile(
    'dgraph-alpha',
    { mesh, service: 'dgraph-alpha', namespace: DGRAPH_NAMESPACE, routes: grpcRoutes('api.Dgraph', DGRAPH_GRPC_METHODS) },
    { ...options, dependsOn: dgraph.filter((r) => r instanceof k8s.core.v1.Namespace) },
  );
  return { mesh, trustAnchorPem: mesh.trustAnchorPem, dgraph };
}
