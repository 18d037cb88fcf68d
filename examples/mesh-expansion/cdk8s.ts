/**
 * Seed 000 ("Adding non-Kubernetes workloads to your mesh") as a cdk8s app: two VMs join the mesh
 * with SPIRE identities; `legacy-app` load-balances over its pods and the VMs, `legacy-app-cluster`
 * over its pods only; only the VMs' SPIFFE identities may call the pods' `http` port, and only the
 * `client` may call the VMs'; NetworkPolicies keep `mixed-env` default-deny while all this works.
 *
 * The mesh is the one installed by another app (e.g. `examples/aks-dgraph`): this app refers to it by
 * its facts. Synthesis writes the manifests to `<outdir>/mesh-expansion.k8s.yaml` and each VM's
 * provisioning bundle and cloud-init user-data to `<outdir>/hosts/<machine>/`, and the SPIRE server
 * host's to `<outdir>/hosts/spire-1/` with one join script per VM:
 *
 * ```sh
 * # on spire-1 (once): the upstream CA key from `linkerd-constructs certs` (spire-ca.key)
 * sudo LINKERD_SPIRE_UPSTREAM_CA_KEY_FILE=/root/spire-ca.key bash bundle.sh create
 * sudo bash join-my-vm.sh /root/my-vm.token          # the VM's entry and a one-time join token (0600)
 * # where kubectl runs: the readiness reporter's token
 * kubectl -n mixed-env get secret external-workload-readiness-token -o jsonpath='{.data.token}' | base64 -d > api-token
 * # on my-vm, with both files copied there (mode 0600)
 * sudo LINKERD_EW_JOIN_TOKEN_FILE=/root/my-vm.token LINKERD_EW_API_TOKEN_FILE=/root/api-token bash bundle.sh create
 * ```
 */
import * as path from 'path';
import { ApiObject, Chart, YamlOutputType } from 'cdk8s';
import type { Construct } from 'constructs';
import { API_SERVER, APP_LABELS, APP_PORT, HOSTS, NAMESPACE, seedWorkloads, SPIRE_CA_PEM, SPIRE_SERVER, TRUST_ANCHOR_PEM } from './workloads';
import { meshInfoWithDefaults } from 'linkerd-constructs';
import { LinkerdApp, ExternalWorkloadHost, LinkerdNetworkPolicies, MeshAuthorization, MeshExpansionService, SpireServerHost, type MeshReference } from 'linkerd-constructs/cdk8s';

/** The mesh, installed elsewhere with Linkerd's defaults (namespace `linkerd`, trust domain `cluster.local`). */
export function existingMesh(): MeshReference {
  return { info: meshInfoWithDefaults() };
}

/** Everything of the walkthrough in `scope`; returns the hosts. */
export function meshExpansion(scope: Construct, mesh: MeshReference): ExternalWorkloadHost[] {
  for (const obj of seedWorkloads()) new ApiObject(scope, `${obj.kind}-${obj.metadata.name}`, obj);

  // the trust domain's one SPIRE server, on its own host; its upstream CA is an intermediate the
  // trust anchor signed (the key goes to that host only, never into this output)
  const spire = new SpireServerHost(scope, 'spire', {
    mesh,
    trustAnchorPem: TRUST_ANCHOR_PEM,
    ...SPIRE_SERVER,
    upstreamCaPem: SPIRE_CA_PEM,
    install: { kind: 'path', serverBinary: '/opt/spire/bin/spire-server' },
  });

  // the VMs: spire-agent preinstalled in /opt/spire/bin (the seed copies SPIRE there), the proxy from its image
  const hosts = HOSTS.map(
    (h) =>
      new ExternalWorkloadHost(scope, h.name, {
        mesh,
        name: h.name,
        namespace: NAMESPACE,
        nodeName: h.nodeName,
        workloadIps: [h.ip],
        ports: [APP_PORT],
        labels: APP_LABELS,
        identity: h.identity,
        serverName: h.serverName,
        trustAnchorPem: TRUST_ANCHOR_PEM,
        // only a SPIRE agent: the VM holds no key that signs for the mesh
        spire: { kind: 'agent', server: spire, install: { kind: 'path', agentBinary: '/opt/spire/bin/spire-agent' } },
        proxy: { binary: { kind: 'image' } },
        // the VM keeps its ExternalWorkload's Ready condition in step with its proxy (Linkerd routes only to Ready ones)
        readiness: API_SERVER,
      }),
  );

  // Services: pods and VMs together, and pods only
  new MeshExpansionService(scope, 'legacy-app', { name: 'legacy-app', namespace: NAMESPACE, selector: APP_LABELS, ports: [{ name: 'one', port: 80 }] });
  new MeshExpansionService(scope, 'legacy-app-cluster', { name: 'legacy-app-cluster', namespace: NAMESPACE, selector: APP_LABELS, ports: [{ name: 'one', port: 80 }], backends: 'pods' });

  // policy: the pods' http port admits only the VMs (the seed's Server + AuthorizationPolicy + MeshTLSAuthentication)
  new MeshAuthorization(scope, 'in-cluster-endpoint', {
    mesh,
    namespace: NAMESPACE,
    name: 'in-cluster-endpoint',
    workload: { podSelector: { matchLabels: { ...APP_LABELS } } },
    port: APP_PORT.name,
    protocol: 'HTTP/1',
    accessPolicy: 'deny',
    allow: hosts.map((host) => ({ externalWorkload: host })),
  });
  // and the VMs' http port admits the client pod (a Server with externalWorkloadSelector)
  for (const host of hosts) {
    new MeshAuthorization(scope, `${host.node.id}-endpoint`, {
      mesh,
      namespace: NAMESPACE,
      name: `${host.externalWorkload.name}-endpoint`,
      workload: host.externalWorkload,
      port: APP_PORT.name,
      protocol: 'HTTP/1',
      accessPolicy: 'deny',
      allow: [{ serviceAccount: 'client' }],
    });
  }

  // NetworkPolicies: mixed-env default-deny, the mesh and the VMs still work
  // apiServerCidrs: the API server's endpoint addresses, which NetworkPolicies see after the Service's
  // DNAT; not the `kubernetes` Service ClusterIP (10.0.0.1 on many clusters). Find them with
  // `kubectl get endpoints kubernetes -o jsonpath='{.subsets[*].addresses[*].ip}'`.
  new LinkerdNetworkPolicies(scope, 'network-policies', { mesh, namespaces: [NAMESPACE], externalWorkloads: hosts, apiServerCidrs: ['172.20.0.0/28'] });
  return hosts;
}

/**
 * Synthesizes into `<outdir>/mesh-expansion.k8s.yaml` and `<outdir>/hosts/<machine>/{bundle.sh,cloud-init.yaml}`;
 * returns every file written.
 */
export function synth(outdir: string): string[] {
  const app = new LinkerdApp({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  meshExpansion(new Chart(app, 'mesh-expansion'), existingMesh());
  app.synth();
  return [path.join(outdir, 'mesh-expansion.k8s.yaml'), ...ExternalWorkloadHost.writeBundles(app, outdir)];
}
