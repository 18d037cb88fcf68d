import * as pulumi from '@pulumi/pulumi';
import {
  annotatePodTemplate,
  linkerdAwaitCommands,
  meshAnnotations,
  meshJobAnnotations,
  podTemplatePath,
  type CommandContainer,
  type MeshJobOptions,
  type MeshWorkloadOptions,
} from '../core/mesh';

/** Kinds {@link MeshInjection} meshes. */
export type MeshableKind = 'Namespace' | 'Pod' | 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job' | 'CronJob';

/** The part of `@pulumi/kubernetes` resource args meshing touches. */
export interface MeshableArgs {
  /** Object metadata (Namespace, Pod). */
  readonly metadata?: pulumi.Input<any>;
  /** Spec holding the pod template (workloads). */
  readonly spec?: pulumi.Input<any>;
}

/** Options of {@link MeshInjection.transformation}. */
export interface MeshTransformationOptions {
  /** How to mesh Deployments, StatefulSets, DaemonSets, ReplicaSets and Pods. @default `{}` (inject enabled) */
  readonly workloads?: MeshWorkloadOptions;
  /** How to mesh Jobs and CronJobs (they must finish). @default `{ strategy: 'native-sidecar' }` */
  readonly jobs?: MeshJobOptions;
  /** How to annotate Namespaces; `false` leaves them alone. @default false */
  readonly namespaces?: MeshWorkloadOptions | false;
  /** Only resources for which this returns true are meshed. @default every matching resource */
  readonly filter?: (args: pulumi.ResourceTransformationArgs) => boolean;
}

const TYPE_KINDS: Record<string, MeshableKind> = {
  'kubernetes:core/v1:Namespace': 'Namespace',
  'kubernetes:core/v1:Pod': 'Pod',
  'kubernetes:apps/v1:Deployment': 'Deployment',
  'kubernetes:apps/v1:StatefulSet': 'StatefulSet',
  'kubernetes:apps/v1:DaemonSet': 'DaemonSet',
  'kubernetes:apps/v1:ReplicaSet': 'ReplicaSet',
  'kubernetes:batch/v1:Job': 'Job',
  'kubernetes:batch/v1:CronJob': 'CronJob',
};

function isPlain(v: unknown): boolean {
  if (pulumi.Output.isInstance(v) || v instanceof Promise) return false;
  if (Array.isArray(v)) return v.every(isPlain);
  if (typeof v === 'object' && v !== null) return Object.values(v).every(isPlain);
  return true;
}

/** Applies `fn` to the field holding the pod template (metadata for Namespace/Pod, else spec), keeping plain args plain. */
type TemplateHolder = { kind: string; metadata?: any; spec?: any };

function update<T extends MeshableArgs>(kind: MeshableKind, args: T, fn: (obj: TemplateHolder) => TemplateHolder): T {
  const field = podTemplatePath(kind)!.length === 0 ? 'metadata' : 'spec';
  const current = args[field];
  if (isPlain(current)) return { ...args, [field]: fn({ kind, [field]: current ?? {} })[field] };
  return { ...args, [field]: pulumi.output(current).apply((v) => fn({ kind, [field]: v ?? {} })[field]) };
}

/**
 * Meshing workloads in Pulumi: pure functions returning new resource args, and a resource
 * transformation. The annotations come from the core's `meshAnnotations` / `meshJobAnnotations`.
 *
 * ```ts
 * new k8s.apps.v1.StatefulSet('alpha', MeshInjection.workloadArgs('StatefulSet', { metadata, spec }));
 * new k8s.batch.v1.Job('load', MeshInjection.jobArgs('Job', jobArgs, { strategy: 'native-sidecar' }));
 * // or mesh everything a component creates:
 * new MyApp('app', {}, { transformations: [MeshInjection.transformation()] });
 * ```
 */
export class MeshInjection {
  /** New args with the mesh annotations on the pod template (or on the Namespace/Pod metadata). */
  public static workloadArgs<T extends MeshableArgs>(kind: MeshableKind, args: T, options: MeshWorkloadOptions = {}): T {
    const annotations = meshAnnotations(options, `MeshInjection ${kind}`);
    return update(kind, args, (obj) => annotatePodTemplate(obj, annotations));
  }

  /** New Job/CronJob args that mesh the pods and make them finish (native sidecar or `linkerd-await`). */
  public static jobArgs<T extends MeshableArgs>(kind: 'Job' | 'CronJob', args: T, options: MeshJobOptions = {}): T {
    const scope = `MeshInjection ${kind}`;
    const annotations = meshJobAnnotations(options, scope);
    const wrap = (options.strategy ?? 'native-sidecar') === 'linkerd-await';
    return update(kind, args, (obj) => {
      const annotated = annotatePodTemplate(obj, annotations);
      if (!wrap) return annotated;
      const path = podTemplatePath(kind)!;
      let tpl: any = annotated;
      for (const seg of path) tpl = tpl[seg];
      const containers: CommandContainer[] = tpl.spec?.containers ?? [];
      const commands = linkerdAwaitCommands(containers, options, scope);
      tpl.spec = { ...tpl.spec, containers: containers.map((c, i) => (commands[i] ? { ...c, command: commands[i] } : c)) };
      return annotated;
    });
  }

  /**
   * A transformation that meshes every Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod, Job and
   * CronJob created under the resource it is given to (and Namespaces when asked).
   */
  public static transformation(options: MeshTransformationOptions = {}): pulumi.ResourceTransformation {
    // validate once, up front
    meshAnnotations(options.workloads ?? {}, 'MeshInjection.transformation workloads');
    meshJobAnnotations(options.jobs ?? {}, 'MeshInjection.transformation jobs');
    if (options.namespaces) meshAnnotations(options.namespaces, 'MeshInjection.transformation namespaces');
    return (args) => {
      const kind = TYPE_KINDS[args.type];
      if (!kind || (options.filter && !options.filter(args))) return undefined;
      let props: Record<string, any>;
      if (kind === 'Job' || kind === 'CronJob') {
        props = MeshInjection.jobArgs(kind, args.props, options.jobs ?? {});
      } else if (kind === 'Namespace') {
        if (!options.namespaces) return undefined;
        props = MeshInjection.workloadArgs(kind, args.props, options.namespaces);
      } else {
        props = MeshInjection.workloadArgs(kind, args.props, options.workloads ?? {});
      }
      return { props, opts: args.opts };
    };
  }
}
