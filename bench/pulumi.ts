/**
 * The platform as one Pulumi program, constructed under mocks: per namespace a Namespace and the
 * Deployments (plain `@pulumi/kubernetes` resources), a `MeshAuthorization` per workload (the
 * components share the mesh, so they are checked against each other), an `ExternalWorkloadHost` per
 * 50 workloads (provisioned over SSH: one `remote.Command` per step), and the `LinkerdNetworkPolicies`
 * of every namespace (analyzed at construction).
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { allowedSources, API_SERVER_CIDRS, deploymentManifest, hostWorkloadProps, MESH_INFO, namespaceManifest, SPIRE_CA_PEM, TRUST_ANCHOR_PEM, type BenchMesh } from './mesh';
import { ExternalWorkloadHost, LinkerdNetworkPolicies, MeshAuthorization, type MeshReference } from '../src/pulumi';

/** A stand-in for resources the program only depends on (the mesh's CRDs and control plane). */
class Placeholder extends pulumi.ComponentResource {
  public constructor(name: string) {
    super('bench:index:Placeholder', name, {}, {});
    this.registerOutputs({});
  }
}

/** Resources the mocks saw. */
export interface MockCounter {
  /** Resources registered so far. */
  readonly registered: () => number;
  /** Forgets the count. */
  readonly reset: () => void;
}

/** Installs Pulumi mocks that echo inputs back and count registrations. */
export async function installMocks(): Promise<MockCounter> {
  let count = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        count += 1;
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call() {
        return {};
      },
    },
    'linkerd-constructs-bench',
    'bench',
    false,
  );
  return { registered: () => count, reset: () => (count = 0) };
}

/** Waits until registrations stop arriving (they are asynchronous). */
export async function settle(counter: MockCounter): Promise<void> {
  let last = -1;
  let quiet = 0;
  while (quiet < 20) {
    await new Promise((r) => setImmediate(r));
    const now = counter.registered();
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
}

/** Constructs the program's resources (registration continues asynchronously). */
export function buildPulumi(mesh: BenchMesh, prefix = 'bench'): { components: number } {
  const crds = new Placeholder(`${prefix}-linkerd-crds`);
  const controlPlane = new Placeholder(`${prefix}-linkerd-control-plane`);
  const reference: MeshReference = { info: MESH_INFO, crds, controlPlane, trustAnchorPem: pulumi.output(TRUST_ANCHOR_PEM) };
  const hosts: ExternalWorkloadHost[] = [];
  let components = 0;
  for (const ns of mesh.namespaces) {
    const nsObj = namespaceManifest(ns);
    const namespace = new k8s.core.v1.Namespace(`${prefix}-${ns.name}`, { metadata: nsObj.metadata });
    const byName = new Map<string, ExternalWorkloadHost>();
    for (const h of ns.hosts) {
      const host = new ExternalWorkloadHost(
        `${prefix}-${h.name}`,
        {
          mesh: reference,
          ...hostWorkloadProps(h),
          connection: { host: h.ip, user: 'root', privateKey: pulumi.secret('bench-ssh-key') },
          spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, upstreamCaKeyPem: pulumi.secret('bench-spire-ca-key'), install: { kind: 'url', sha256: '0'.repeat(64) } },
          proxy: { binary: { kind: 'image' } },
        },
        { dependsOn: [namespace] },
      );
      byName.set(h.name, host);
      hosts.push(host);
      components += 1;
    }
    for (const w of ns.workloads) {
      const obj = deploymentManifest(w);
      const { apiVersion: _a, kind: _k, ...body } = obj as unknown as Record<string, unknown>;
      new k8s.apps.v1.Deployment(`${prefix}-${ns.name}-${w.name}`, body as unknown as k8s.apps.v1.DeploymentArgs, { dependsOn: [namespace, controlPlane] });
      const allow = allowedSources(w, (vm) => ({ externalWorkload: byName.get(vm)!.externalWorkload }));
      new MeshAuthorization(`${prefix}-${w.name}`, { mesh: reference, workload: obj, port: 'http', protocol: 'HTTP/1', allow }, { dependsOn: [namespace] });
      components += 1;
    }
  }
  new LinkerdNetworkPolicies(`${prefix}-network-policies`, {
    mesh: reference,
    namespaces: mesh.namespaces.map((ns) => ns.name),
    externalWorkloads: hosts,
    apiServerCidrs: [...API_SERVER_CIDRS],
  });
  return { components: components + 1 };
}
