/**
 * Seed 000 ("Adding non-Kubernetes workloads to your mesh") as a Pulumi program: only the VM's SPIFFE
 * identity may call the `http` port (HTTP/1) of `legacy-app` in `mixed-env`; every other connection
 * is denied. Creates a Server, an AuthorizationPolicy and a MeshTLSAuthentication.
 */
import { MeshAuthorization, type MeshReference } from 'linkerd-constructs/pulumi';

/** The program: pass the `LinkerdMesh` (or any `MeshReference`) when the mesh is in the same stack. */
export function program(mesh?: MeshReference): { serverName: string; policy: MeshAuthorization } {
  const policy = new MeshAuthorization('legacy-app', {
    namespace: 'mixed-env',
    name: 'in-cluster-endpoint',
    workload: { podSelector: { matchLabels: { app: 'legacy-app' } } },
    port: 'http',
    protocol: 'HTTP/1',
    accessPolicy: 'deny',
    allow: [{ identity: 'spiffe://root.linkerd.cluster.local/external-workload' }],
    mesh,
  });
  return { serverName: policy.serverName, policy };
}
