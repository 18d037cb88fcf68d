import { ApiObject, ApiObjectMetadataDefinition, JsonPatch } from 'cdk8s';
import { IConstruct } from 'constructs';
import { annotatePodTemplateOf, hasPodMetadata } from './_pod-templates';
import { Issues } from '../core/errors';
import {
  linkerdAwaitCommands,
  meshAnnotations,
  meshJobAnnotations,
  podTemplatePath,
  type CommandContainer,
  type MeshJobOptions,
  type MeshWorkloadOptions,
} from '../core/mesh';

/** A cdk8s-plus workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod): anything with pod metadata. */
export interface IPodMetadataWorkload extends IConstruct {
  /** Metadata of the pods it creates. */
  readonly podMetadata: ApiObjectMetadataDefinition;
}

/** Something with its own metadata: a cdk8s-plus `Namespace`, or any `ApiObject`. */
export interface IMetadataObject extends IConstruct {
  /** Its metadata. */
  readonly metadata: ApiObjectMetadataDefinition;
}

/** Workloads {@link MeshInjection} can mesh. */
export type MeshableWorkload = IPodMetadataWorkload | ApiObject;

/**
 * Meshing workloads in cdk8s: adds Linkerd's injection annotations to cdk8s-plus workloads, raw
 * `ApiObject`s (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod) and namespaces, and makes
 * meshed Jobs finish. The annotations come from the core's `meshAnnotations` / `meshJobAnnotations`.
 *
 * ```ts
 * MeshInjection.workload(statefulSet, { opaquePorts: [7080] });
 * MeshInjection.namespace(ns);                               // every pod of the namespace
 * MeshInjection.job(cronJob, { strategy: 'native-sidecar' });
 * ```
 */
export class MeshInjection {
  /** Meshes a workload's pods (or, with `inject: 'disabled'`, opts them out). */
  public static workload(workload: MeshableWorkload, options: MeshWorkloadOptions = {}): void {
    const annotations = meshAnnotations(options, workload.node.path);
    MeshInjection.annotate(workload, annotations);
  }

  /** Meshes every pod of a namespace (a cdk8s-plus `Namespace` or a Namespace `ApiObject`). */
  public static namespace(namespace: IMetadataObject, options: MeshWorkloadOptions = {}): void {
    for (const [k, v] of Object.entries(meshAnnotations(options, namespace.node.path))) namespace.metadata.addAnnotation(k, v);
  }

  /**
   * Meshes a Job or CronJob so that it completes: native sidecar, or `linkerd-await --shutdown`
   * around each container's command (which must be set: the image entrypoint is unknown here).
   */
  public static job(job: MeshableWorkload, options: MeshJobOptions = {}): void {
    const scope = job.node.path;
    const annotations = meshJobAnnotations(options, scope);
    const apiObject = job instanceof ApiObject ? job : ApiObject.of(job);
    if (apiObject.kind !== 'Job' && apiObject.kind !== 'CronJob') {
      const issues = new Issues(scope);
      issues.error('kind', apiObject.kind, 'expected a Job or CronJob (use MeshInjection.workload for other kinds)');
      issues.throwIfErrors();
    }
    MeshInjection.annotate(job, annotations);
    if ((options.strategy ?? 'native-sidecar') !== 'linkerd-await') return;
    const containersPath = `/${podTemplatePath(apiObject.kind)!.join('/')}/spec/containers`;
    let containers: CommandContainer[];
    if (job instanceof ApiObject) {
      let node: any = job.toJson();
      for (const seg of podTemplatePath(job.kind)!) node = node?.[seg];
      containers = node?.spec?.containers ?? [];
    } else {
      containers = ((job as unknown as { containers?: CommandContainer[] }).containers ?? []).map((c) => ({ name: c.name, command: c.command }));
    }
    const commands = linkerdAwaitCommands(containers, options, scope);
    commands.forEach((cmd, i) => {
      if (cmd) apiObject.addJsonPatch(JsonPatch.add(`${containersPath}/${i}/command`, cmd));
    });
  }

  private static annotate(workload: MeshableWorkload, annotations: Record<string, string>): void {
    if (!hasPodMetadata(workload) && !(workload instanceof ApiObject)) {
      const issues = new Issues((workload as IConstruct).node?.path ?? 'MeshInjection');
      issues.error('workload', 'a construct without pod metadata', 'expected a cdk8s-plus workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod) or an ApiObject');
      issues.throwIfErrors();
    }
    annotatePodTemplateOf(workload, annotations, { field: 'kind', expected: 'expected a Namespace, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob' });
  }
}
