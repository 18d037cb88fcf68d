import * as pulumi from '@pulumi/pulumi';
import { kubeResource, resourceName } from './_kube';
import type { MeshReference } from './mesh-reference';
import { PolicyObjectIndex } from '../core/authorization/checks';
import { meshAuthorizationObjects } from '../core/authorization/objects';
import type { AuthorizationWorkload, MeshAuthorizationOptions } from '../core/authorization/types';
import { formatIssue, ValidationError } from '../core/errors';

/** Arguments of {@link MeshAuthorization}: the shared options, the workload and the mesh. */
export interface MeshAuthorizationArgs extends MeshAuthorizationOptions {
  /**
   * The workload whose port is governed: `{ podSelector }` or `{ externalWorkloadSelector }`, an
   * `ExternalWorkloadHost` (or its `ExternalWorkloadInfo`), or a plain workload object (its named
   * ports are checked).
   */
  readonly workload: AuthorizationWorkload;
  /**
   * The mesh: its trust domain and control plane namespace build identities; every object depends
   * on its CRDs; and components given the same mesh are checked against each other (duplicate
   * names, two Servers governing the same pods and port).
   *
   * @default - trust domain `cluster.local`, control plane namespace `linkerd`, no dependency, no
   *   cross-component checks
   */
  readonly mesh?: MeshReference;
}

/** Policy objects of the components sharing one mesh (Pulumi programs have no app tree to walk). */
const INDEXES = new WeakMap<object, PolicyObjectIndex>();

/**
 * Linkerd authorization for one port of one workload, from intent: who may call it, optionally per
 * HTTP route, with an optional rate limit. Creates a `Server`, `HTTPRoute`s,
 * `AuthorizationPolicy`s with their `MeshTLSAuthentication`s and `NetworkAuthentication`s, and an
 * `HTTPLocalRateLimitPolicy` (or, with `legacyServerAuthorization`, a v1beta1 `Server` and
 * `ServerAuthorization`s), as Kubernetes custom resources.
 *
 * Everything is checked when the component is created, before any resource is registered. The
 * arguments are plain values: they decide which objects exist and what they are named.
 *
 * ```ts
 * new MeshAuthorization('legacy-app', {
 *   namespace: 'mixed-env',
 *   workload: { podSelector: { matchLabels: { app: 'legacy-app' } } },
 *   port: 'http',
 *   protocol: 'HTTP/1',
 *   allow: [{ identity: 'spiffe://root.linkerd.cluster.local/external-workload' }],
 *   mesh,
 * });
 * ```
 */
export class MeshAuthorization extends pulumi.ComponentResource {
  /** Name of the `Server`. */
  public readonly serverName: string;
  /** Namespace of every object. */
  public readonly namespace: string;
  /** The `Server` resource. */
  public readonly server: pulumi.CustomResource;
  /** Every resource, the `Server` first. */
  public readonly resources: pulumi.CustomResource[];

  public constructor(name: string, args: MeshAuthorizationArgs, opts?: pulumi.ComponentResourceOptions) {
    const scope = `MeshAuthorization ${name}`;
    const { mesh, ...options } = args;
    const manifest = meshAuthorizationObjects({ ...options, mesh: mesh?.info }, scope);
    if (mesh) {
      let index = INDEXES.get(mesh);
      if (!index) {
        index = new PolicyObjectIndex();
        INDEXES.set(mesh, index);
      }
      const workload = manifest.context.workload;
      const known = workload.ports || workload.labels ? workload : undefined;
      const errors = index.addObjects(manifest.objects, scope, known).filter((i) => i.severity !== 'warning');
      if (errors.length > 0) throw new ValidationError(errors);
    }
    super('linkerd-constructs:index:MeshAuthorization', name, {}, opts);
    for (const w of manifest.warnings) void pulumi.log.warn(formatIssue(w), this);
    this.serverName = manifest.context.serverName;
    this.namespace = manifest.context.namespace;
    const childOpts: pulumi.CustomResourceOptions = mesh ? { parent: this, dependsOn: [mesh.crds] } : { parent: this };
    this.resources = manifest.objects.map((obj) => kubeResource(resourceName(name, obj), obj, childOpts));
    this.server = this.resources[0];
    this.registerOutputs({ serverName: this.serverName, namespace: this.namespace });
  }
}
