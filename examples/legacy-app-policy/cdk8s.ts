/**
 * Seed 000 ("Adding non-Kubernetes workloads to your mesh"): only the VM's SPIFFE identity may call
 * the `http` port (HTTP/1) of `legacy-app` in `mixed-env`; every other connection is denied.
 *
 * The seed wrote a Server, an AuthorizationPolicy and a MeshTLSAuthentication by hand; here one
 * construct emits the same three objects (current apiVersions, `accessPolicy: deny` on the Server).
 */
import * as path from 'path';
import { Chart, YamlOutputType } from 'cdk8s';
import type { Construct } from 'constructs';
import { LinkerdApp, MeshAuthorization } from 'linkerd-constructs/cdk8s';

/** The policy of the seed scenario, in `scope`. */
export function legacyAppPolicy(scope: Construct): MeshAuthorization {
  return new MeshAuthorization(scope, 'legacy-app', {
    namespace: 'mixed-env',
    name: 'in-cluster-endpoint',
    workload: { podSelector: { matchLabels: { app: 'legacy-app' } } },
    port: 'http',
    protocol: 'HTTP/1',
    accessPolicy: 'deny',
    allow: [{ identity: 'spiffe://root.linkerd.cluster.local/external-workload' }],
  });
}

/** Synthesizes the example into `<outdir>/legacy-app-policy.k8s.yaml`; returns the files written. */
export function synth(outdir: string): string[] {
  const app = new LinkerdApp({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  legacyAppPolicy(new Chart(app, 'legacy-app-policy'));
  app.synth();
  return [path.join(outdir, 'legacy-app-policy.k8s.yaml')];
}
