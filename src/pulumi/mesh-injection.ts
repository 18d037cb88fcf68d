import * as pulumi from '@pulumi/pulumi';
import { POD_TEMPLATE_RESOURCE_KINDS, updatePodTemplateArgs, type TemplateArgs } from './_pod-templates';
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
export interface MeshableArgs extends TemplateArgs {
  /** Object metadata (Namespace, Pod). */
  readonly metadata?: pulumi.Input<any>;
  /** Spec holding the pod template (workloads). */
  readonly spec?: pulumi.Input<any>;
}

const MESHABLE_KINDS = new Set<string>(['Namespace', 'Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'] satisfies MeshableKind[]);

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
    return updatePodTemplateArgs(kind, args, (obj) => annotatePodTemplate(obj, annotations));
  }

  /** New Job/CronJob args that mesh the pods and make them finish (native sidecar or `linkerd-await`). */
  public static jobArgs<T extends MeshableArgs>(kind: 'Job' | 'CronJob', args: T, options: MeshJobOptions = {}): T {
    const scope = `MeshInjection ${kind}`;
    const annotations = meshJobAnnotations(options, scope);
    const wrap = (options.strategy ?? 'native-sidecar') === 'linkerd-await';
    return updatePodTemplateArgs(kind, args, (obj) => {
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
      const kind = POD_TEMPLATE_RESOURCE_KINDS[args.type] as MeshableKind | undefined;
      if (!kind || !MESHABLE_KINDS.has(kind) || (options.filter && !options.filter(args))) return undefined;
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
