/**
 * Seed 000 ("Adding non-Kubernetes workloads to your mesh") as ONE Pulumi program: Linkerd
 * (`LinkerdMesh`), the seed's workloads, two VMs provisioned over SSH (`ExternalWorkloadHost`: SPIRE,
 * the proxy, iptables, the `ExternalWorkload`), the Services over pods and VMs, the policy
 * (`MeshAuthorization`) and the NetworkPolicies (`LinkerdNetworkPolicies`), ordered by dependencies:
 * the CRDs before every Linkerd object, the control plane before the VMs' proxies.
 *
 * `index.ts` of a Pulumi project: `export = programFromStackConfig();` (see docs/mesh-expansion.md);
 * `npm run graph` prints its dependency graph.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { APP_LABELS, APP_PORT, HOSTS, NAMESPACE, seedWorkloads, SPIRE_SERVER } from './workloads';
import type { KubeObject } from 'linkerd-constructs';
import {
  ExternalWorkloadHost,
  LinkerdMesh,
  LinkerdNetworkPolicies,
  MeshAuthorization,
  MeshExpansionService,
  MeshIdentity,
  SpireServerHost,
} from 'linkerd-constructs/pulumi';

/** What the program needs: the mesh identity (the trust anchor key also signs the VMs' identities) and the VMs. */
export interface MeshExpansionConfig {
  /** Trust anchor certificate, PEM (the seed's `ca.crt`). */
  readonly trustAnchorPem: pulumi.Input<string>;
  /** SPIRE upstream CA, PEM: an intermediate the trust anchor signed (`linkerd-constructs certs`: spire-ca.crt). */
  readonly spireCaPem: pulumi.Input<string>;
  /** Its key, PEM (spire-ca.key). Kept secret; reaches the SPIRE server host only. */
  readonly spireCaKeyPem: pulumi.Input<string>;
  /** SSH address of the SPIRE server host. */
  readonly spireServerAddress: pulumi.Input<string>;
  /** Issuer certificate, PEM, signed by the trust anchor. */
  readonly issuerCertificatePem: pulumi.Input<string>;
  /** Issuer key, PEM. Kept secret. */
  readonly issuerKeyPem: pulumi.Input<string>;
  /** SSH addresses of the two VMs (in the order of `HOSTS`). */
  readonly vmAddresses: readonly pulumi.Input<string>[];
  /** SSH private key for root on the VMs. Kept secret. */
  readonly sshPrivateKey: pulumi.Input<string>;
  /** sha256 of the SPIRE release archive the VMs install (from SPIRE's release page). */
  readonly spireSha256: pulumi.Input<string>;
  /** HTTPS URL of the Kubernetes API server as the VMs reach it: each reports its readiness there. */
  readonly apiServerUrl: pulumi.Input<string>;
}

/** What the program creates. */
export interface MeshExpansionOutputs {
  readonly mesh: LinkerdMesh;
  readonly hosts: ExternalWorkloadHost[];
  readonly services: MeshExpansionService[];
  readonly policies: MeshAuthorization[];
  readonly networkPolicies: LinkerdNetworkPolicies;
  /** The SPIFFE identities of the VMs. */
  readonly identities: string[];
}

function workloadResource(obj: KubeObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const name = `${obj.kind.toLowerCase()}-${obj.metadata.name}`;
  const { apiVersion: _a, kind: _k, ...body } = obj as KubeObject & Record<string, unknown>;
  switch (obj.kind) {
    case 'Namespace':
      return new k8s.core.v1.Namespace(name, body as k8s.core.v1.NamespaceArgs, opts);
    case 'ServiceAccount':
      return new k8s.core.v1.ServiceAccount(name, body as k8s.core.v1.ServiceAccountArgs, opts);
    case 'Pod':
      return new k8s.core.v1.Pod(name, body as k8s.core.v1.PodArgs, opts);
    case 'Deployment':
      return new k8s.apps.v1.Deployment(name, body as unknown as k8s.apps.v1.DeploymentArgs, opts);
    default:
      throw new Error(`unexpected ${obj.kind}`);
  }
}

/**
 * The program.
 * @param options resource options for every top-level resource (e.g. `{ provider }`, or `{ transformations }` to record the graph)
 */
export function program(config: MeshExpansionConfig, options: pulumi.ComponentResourceOptions = {}): MeshExpansionOutputs {
  const mesh = new LinkerdMesh(
    'linkerd',
    {
      identity: MeshIdentity.supplied({
        trustAnchorPem: config.trustAnchorPem,
        issuerCertificatePem: config.issuerCertificatePem,
        issuerKeyPem: pulumi.secret(config.issuerKeyPem),
      }),
      gatewayApi: { managedBy: 'linkerd-crds-chart' },
    },
    options,
  );

  // the seed's workloads: the namespace first; meshed pods after the control plane (the injector)
  const [nsObj, ...podObjects] = seedWorkloads();
  const namespace = workloadResource(nsObj, options);
  for (const obj of podObjects) workloadResource(obj, { ...options, dependsOn: [namespace, mesh.controlPlane] });

  // the trust domain's one SPIRE server, on its own host (the VMs run only an agent)
  const spire = new SpireServerHost(
    'spire',
    {
      mesh,
      ...SPIRE_SERVER,
      connection: { host: config.spireServerAddress, user: 'root', privateKey: config.sshPrivateKey },
      upstreamCaPem: config.spireCaPem,
      upstreamCaKeyPem: pulumi.secret(config.spireCaKeyPem),
      install: { kind: 'url', sha256: config.spireSha256 },
    },
    options,
  );

  // the VMs, over SSH
  const hosts = HOSTS.map(
    (h, i) =>
      new ExternalWorkloadHost(
        h.name,
        {
          mesh,
          name: h.name,
          namespace: NAMESPACE,
          nodeName: h.nodeName,
          workloadIps: [h.ip],
          ports: [APP_PORT],
          labels: APP_LABELS,
          identity: h.identity,
          serverName: h.serverName,
          connection: { host: config.vmAddresses[i], user: 'root', privateKey: config.sshPrivateKey },
          // only a SPIRE agent, joining the server with a one-time token: no key that signs for the mesh
          spire: { kind: 'agent', server: spire, install: { kind: 'url', sha256: config.spireSha256 } },
          proxy: { binary: { kind: 'image' } },
          // the VM keeps its ExternalWorkload's Ready condition in step with its proxy, with a token that
          // may only patch that status (its CA: the cluster CA in the token Secret)
          readiness: { apiServerUrl: config.apiServerUrl },
        },
        { ...options, dependsOn: [namespace] },
      ),
  );

  const services = [
    new MeshExpansionService('legacy-app', { name: 'legacy-app', namespace: NAMESPACE, selector: APP_LABELS, ports: [{ name: 'one', port: 80 }] }, { ...options, dependsOn: [namespace] }),
    new MeshExpansionService(
      'legacy-app-cluster',
      { name: 'legacy-app-cluster', namespace: NAMESPACE, selector: APP_LABELS, ports: [{ name: 'one', port: 80 }], backends: 'pods' },
      { ...options, dependsOn: [namespace] },
    ),
  ];

  // the pods' http port admits only the VMs; each VM's http port admits only the client
  const policies = [
    new MeshAuthorization(
      'in-cluster-endpoint',
      {
        mesh,
        namespace: NAMESPACE,
        name: 'in-cluster-endpoint',
        workload: { podSelector: { matchLabels: { ...APP_LABELS } } },
        port: APP_PORT.name,
        protocol: 'HTTP/1',
        accessPolicy: 'deny',
        allow: hosts.map((host) => ({ externalWorkload: host })),
      },
      { ...options, dependsOn: [namespace] },
    ),
    ...hosts.map(
      (host) =>
        new MeshAuthorization(
          `${host.externalWorkload.name}-endpoint`,
          {
            mesh,
            namespace: NAMESPACE,
            name: `${host.externalWorkload.name}-endpoint`,
            workload: host,
            port: APP_PORT.name,
            protocol: 'HTTP/1',
            accessPolicy: 'deny',
            allow: [{ serviceAccount: 'client' }],
          },
          { ...options, dependsOn: [namespace] },
        ),
    ),
  ];

  const networkPolicies = new LinkerdNetworkPolicies('network-policies', { mesh, namespaces: [NAMESPACE], externalWorkloads: hosts }, { ...options, dependsOn: [namespace] });

  return { mesh, hosts, services, policies, networkPolicies, identities: hosts.map((h) => h.externalWorkload.identity) };
}

/** The program with its inputs from the stack's configuration (see Pulumi.yaml). */
export function programFromStackConfig(): Record<string, unknown> {
  const c = new pulumi.Config();
  const out = program({
    trustAnchorPem: c.require('trustAnchorPem'),
    spireCaPem: c.require('spireCaPem'),
    spireCaKeyPem: c.requireSecret('spireCaKeyPem'),
    spireServerAddress: c.require('spireServerAddress'),
    issuerCertificatePem: c.require('issuerCertificatePem'),
    issuerKeyPem: c.requireSecret('issuerKeyPem'),
    vmAddresses: [c.require('vm1Address'), c.require('vm2Address')],
    sshPrivateKey: c.requireSecret('sshPrivateKey'),
    spireSha256: c.require('spireSha256'),
    apiServerUrl: c.require('apiServerUrl'),
  });
  return { identities: out.identities, workloadIps: out.hosts.map((h) => h.workloadIps) };
}
