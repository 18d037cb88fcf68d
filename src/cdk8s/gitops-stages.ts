import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import { addApiObjects } from './_objects';
import { formatIssue } from '../core/errors';
import {
  argoCdStageApplications,
  checkStageOrder,
  fluxStageKustomizations,
  type ArgoCdStagesOptions,
  type FluxStagesOptions,
  type GitOpsStage,
  type Prerequisite,
} from '../core/gitops';
import type { KubeObject } from '../core/k8s';

/** One stage: its name (also its folder) and the charts whose objects it applies. */
export interface GitOpsStageProps {
  /** DNS label, unique among the stages; the folder `writeStages` writes the stage into. */
  readonly name: string;
  /** The charts of this stage. */
  readonly charts: readonly Chart[];
}

/** Props of {@link GitOpsStages}. */
export interface GitOpsStagesProps extends ChartProps {
  /** The stages, in the order they must apply (e.g. Linkerd, then policy and workloads). */
  readonly stages: readonly GitOpsStageProps[];
  /** Flux: one `Kustomization` per stage, `dependsOn` the previous one, `wait: true`. Give this or `argoCd`. */
  readonly flux?: FluxStagesOptions;
  /** Argo CD: one `Application` per stage, sync waves ascending. Give this or `flux`. */
  readonly argoCd?: ArgoCdStagesOptions;
  /**
   * Controllers the cluster runs before the first stage (their CRDs are known from the start).
   * @default ['flux'] with `flux`, ['argo-cd'] with `argoCd`
   */
  readonly prerequisites?: readonly Prerequisite[];
}

/**
 * GitOps output that applies in one go on an empty cluster: a chart of its own holding one Flux
 * `Kustomization` (or Argo CD `Application`) per stage, ordered so that each stage applies only once
 * the previous one is ready (the Linkerd CRDs installed before any Linkerd custom resource, the
 * control plane up before workloads).
 *
 * At synthesis the stages are played against a model of an API server (built-in kinds,
 * `prerequisites`, the CRDs each earlier stage installs): an object whose kind is unknown at its
 * stage fails the synthesis with the stage that installs it. After `app.synth()`,
 * `stages.writeStages(outdir)` writes each stage's objects into `<outdir>/<stage>/`, the folders the
 * Kustomizations or Applications point at (`basePath/<stage>`).
 *
 * ```ts
 * const linkerd = new Chart(app, 'linkerd');   // LinkerdMesh with MeshDelivery.flux()
 * const apps = new Chart(app, 'apps');         // MeshAuthorization, workloads, ...
 * const stages = new GitOpsStages(app, 'stages', {
 *   stages: [{ name: 'linkerd', charts: [linkerd] }, { name: 'apps', charts: [apps] }],
 *   flux: { sourceRef: { kind: 'GitRepository', name: 'platform' }, basePath: './clusters/prod' },
 *   prerequisites: ['flux', 'cert-manager'],
 * });
 * app.synth();
 * stages.writeStages('clusters/prod');
 * ```
 *
 * With Argo CD, sync waves order the stage Applications only when Argo CD assesses the health of
 * `Application`s: add `ARGO_CD_APPLICATION_HEALTH` to `argocd-cm` (docs/linkerd-mesh.md).
 */
export class GitOpsStages extends Chart {
  /** The Kustomizations or Applications, one per stage, in order. */
  public readonly stageObjects: ApiObject[];
  private readonly stageProps: readonly GitOpsStageProps[];

  public constructor(scope: Construct, id: string, props: GitOpsStagesProps) {
    super(scope, id, props);
    const where = this.node.path;
    if ((props.flux === undefined) === (props.argoCd === undefined)) {
      throw new Error(`[${where}] flux, argoCd: received ${props.flux ? 'both' : 'neither'}; expected exactly one of them`);
    }
    if (props.stages.length === 0) throw new Error(`[${where}] stages: received []; expected at least one stage`);
    props.stages.forEach((s, i) => {
      if (s.charts.includes(this)) throw new Error(`[${where}] stages[${i}].charts: received the GitOpsStages chart itself; expected the charts of the stage`);
    });
    this.stageProps = props.stages;
    const names = props.stages.map((s) => s.name);
    const objects = props.flux ? fluxStageKustomizations(names, props.flux) : argoCdStageApplications(names, props.argoCd!);
    this.stageObjects = addApiObjects(this, objects);
    const prerequisites = props.prerequisites ?? (props.flux ? ['flux'] : ['argo-cd']);
    this.node.addValidation({
      validate: () => checkStageOrder(this.stages(), { prerequisites }, where).errors.map((e) => formatIssue(e).replace(`[${where}] `, '')),
    });
  }

  /**
   * The stages with what the order check needs of their objects: kind and name of each, and the whole
   * object only for those that install CRDs (CRDs, HelmReleases, Applications). Other objects are not
   * resolved, so values other constructs fill at synthesis are not read early.
   */
  public stages(): GitOpsStage[] {
    const installs = new Set(['CustomResourceDefinition', 'HelmRelease', 'Application']);
    return this.stageProps.map((s) => ({
      name: s.name,
      objects: s.charts.flatMap((chart) =>
        chartApiObjects(chart).map((o) =>
          installs.has(o.kind)
            ? (o.toJson() as KubeObject)
            : ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.name, namespace: o.metadata.namespace } } as KubeObject),
        ),
      ),
    }));
  }

  /**
   * Writes each stage's objects into `<outdir>/<stage>/<chart>.k8s.yaml` (call after `app.synth()`);
   * returns the files written.
   */
  public writeStages(outdir: string): string[] {
    const files: string[] = [];
    for (const stage of this.stageProps) {
      const dir = path.join(outdir, stage.name);
      fs.mkdirSync(dir, { recursive: true });
      for (const chart of stage.charts) {
        const file = path.join(dir, `${chart.node.id}.k8s.yaml`);
        fs.writeFileSync(file, chartObjects(chart).map((o) => stringify(o)).join('---\n'));
        files.push(file);
      }
    }
    return files;
  }
}

/** A chart's own ApiObjects (not those of nested charts). */
function chartApiObjects(chart: Chart): ApiObject[] {
  return chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart);
}

/** A chart's objects, resolved (after synthesis). */
function chartObjects(chart: Chart): KubeObject[] {
  return chartApiObjects(chart).map((o) => o.toJson() as KubeObject);
}
