import * as pulumi from '@pulumi/pulumi';
import { kubeResource, resourceName } from './_kube';
import type { MeshReference } from './mesh-reference';
import { PolicyObjectIndex } from '../core/authorization/checks';
import { addedRuleObjects, meshAuthorizationObjects, type AddedRule, type ServerContext } from '../core/authorization/objects';
import type { AuthorizationSourceLike, MeshAuthorizationProps, RouteAuthorization } from '../core/authorization/types';
import { formatIssue, ValidationError } from '../core/errors';
import type { KubeObject } from '../core/k8s';

/** Arguments of {@link MeshAuthorization}: the core's {@link MeshAuthorizationProps} with a Pulumi `MeshReference`. */
export type MeshAuthorizationArgs = MeshAuthorizationProps<MeshReference>;

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
  /** Every resource, the `Server` first (`allowFrom` and `addRoute` append theirs). */
  public readonly resources: pulumi.CustomResource[];
  private readonly componentName: string;
  private readonly scope: string;
  private readonly context: ServerContext;
  private readonly objects: KubeObject[];
  private readonly childOpts: pulumi.CustomResourceOptions;
  private readonly index?: PolicyObjectIndex;
  private added = 0;

  public constructor(name: string, args: MeshAuthorizationArgs, opts?: pulumi.ComponentResourceOptions) {
    const scope = `MeshAuthorization ${name}`;
    const mesh = args.mesh;
    const manifest = meshAuthorizationObjects(args, scope);
    let index: PolicyObjectIndex | undefined;
    if (mesh) {
      index = INDEXES.get(mesh);
      if (!index) {
        index = new PolicyObjectIndex();
        INDEXES.set(mesh, index);
      }
      indexObjects(index, manifest.objects, scope, manifest.context);
    }
    super('linkerd-constructs:index:MeshAuthorization', name, {}, opts);
    for (const w of manifest.warnings) void pulumi.log.warn(formatIssue(w), this);
    this.componentName = name;
    this.scope = scope;
    this.index = index;
    this.context = manifest.context;
    this.objects = [...manifest.objects];
    this.serverName = manifest.context.serverName;
    this.namespace = manifest.context.namespace;
    this.childOpts = mesh ? { parent: this, dependsOn: [mesh.crds] } : { parent: this };
    this.resources = manifest.objects.map((obj) => kubeResource(resourceName(name, obj), obj, this.childOpts));
    this.server = this.resources[0];
    this.registerOutputs({ serverName: this.serverName, namespace: this.namespace });
  }

  /**
   * Admits more clients to every request on the port (one more rule, as if appended to `allow`).
   * Returns the resources added. Checked now, like the arguments.
   */
  public allowFrom(...sources: AuthorizationSourceLike[]): pulumi.CustomResource[] {
    return this.addRule({ allowFrom: sources });
  }

  /** Adds a route rule (as if appended to `routes`). Returns the resources added. */
  public addRoute(route: RouteAuthorization): pulumi.CustomResource[] {
    return this.addRule({ addRoute: route });
  }

  private addRule(rule: AddedRule): pulumi.CustomResource[] {
    const { objects, warnings } = addedRuleObjects(this.context, this.objects, rule, this.added, this.scope);
    if (this.index) indexObjects(this.index, objects, this.scope, this.context);
    for (const w of warnings) void pulumi.log.warn(formatIssue(w), this);
    this.added += 1;
    this.objects.push(...objects);
    const added = objects.map((obj) => kubeResource(resourceName(this.componentName, obj), obj, this.childOpts));
    this.resources.push(...added);
    return added;
  }
}

/** Adds objects to the mesh's index of policy objects; throws on a clash with another component's. */
function indexObjects(index: PolicyObjectIndex, objects: readonly KubeObject[], scope: string, context: ServerContext): void {
  const workload = context.workload;
  const known = workload.ports || workload.labels ? workload : undefined;
  const errors = index.addObjects(objects, scope, known).filter((i) => i.severity !== 'warning');
  if (errors.length > 0) throw new ValidationError(errors);
}
