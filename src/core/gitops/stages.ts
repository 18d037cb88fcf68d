/**
 * GitOps output that applies in one go on an empty cluster: the objects of a program split into
 * ordered stages (e.g. Linkerd → policy and workloads), each applied only once the ones before it are
 * ready, so no stage holds an object whose kind the cluster does not know yet.
 *
 *  - Flux: one `Kustomization` per stage (`kustomize.toolkit.fluxcd.io/v1`) with `dependsOn` the
 *    previous stage and `wait: true`, so a stage is Ready only once everything it applied (the
 *    HelmReleases that install Linkerd's CRDs and control plane included) is Ready. Within one
 *    Kustomization Flux dry-runs every object server-side first, which fails for a custom resource
 *    whose CRD a HelmRelease of the same Kustomization would install: hence the stages.
 *  - Argo CD: one `Application` per stage with ascending `argocd.argoproj.io/sync-wave`s, in an
 *    app-of-apps. Argo CD waits for a wave to be healthy before the next only if it can assess the
 *    health of `Application`s, which it stopped doing in 1.8: add {@link ARGO_CD_APPLICATION_HEALTH}
 *    to `argocd-cm` (the docs say how). Stage Applications also set
 *    `SkipDryRunOnMissingResource=true`, so a first sync does not fail on a kind an earlier wave is
 *    still installing.
 *
 * {@link checkStageOrder} is the model of an API server the stages are played against: the built-in
 * kinds, the prerequisites the cluster already has (Flux, Argo CD, cert-manager, trust-manager), and
 * the CRDs each stage installs (directly, or through the `linkerd-crds` chart of a HelmRelease or
 * Application).
 */
import { LINKERD_CRDS } from '../crds';
import { Issues } from '../errors';
import type { KubeObject } from '../k8s';
import { isDns1123Label } from '../validation';

/** API groups of the built-in kinds (Kubernetes 1.31+). */
export const BUILT_IN_API_GROUPS = [
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'rbac.authorization.k8s.io',
  'networking.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'node.k8s.io',
  'certificates.k8s.io',
  'flowcontrol.apiserver.k8s.io',
] as const;

/** Controllers a cluster may already run, by the API groups of their CRDs. */
export const PREREQUISITE_API_GROUPS = {
  'flux': ['source.toolkit.fluxcd.io', 'helm.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io', 'notification.toolkit.fluxcd.io'],
  'argo-cd': ['argoproj.io'],
  'cert-manager': ['cert-manager.io', 'acme.cert-manager.io'],
  'trust-manager': ['trust.cert-manager.io'],
  'gateway-api': ['gateway.networking.k8s.io'],
} as const;

/** A controller the cluster already runs before the first stage. */
export type Prerequisite = keyof typeof PREREQUISITE_API_GROUPS;

/** One stage: a name and its objects. */
export interface GitOpsStage {
  /** DNS label; also the folder of its manifests. */
  readonly name: string;
  /** Its objects. */
  readonly objects: readonly KubeObject[];
}

/**
 * Health assessment of Argo CD `Application`s, restored so that sync waves of an app-of-apps wait for
 * the Applications of earlier waves (Argo CD's documented `resource.customizations.health.argoproj.io_Application`).
 * Key and value for the `argocd-cm` ConfigMap.
 */
export const ARGO_CD_APPLICATION_HEALTH = {
  key: 'resource.customizations.health.argoproj.io_Application',
  value: [
    'hs = {}',
    'hs.status = "Progressing"',
    'hs.message = ""',
    'if obj.status ~= nil then',
    '  if obj.status.health ~= nil then',
    '    hs.status = obj.status.health.status',
    '    if obj.status.health.message ~= nil then',
    '      hs.message = obj.status.health.message',
    '    end',
    '  end',
    'end',
    'return hs',
    '',
  ].join('\n'),
} as const;

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** `group/Kind` of the CRDs an object installs when applied and reconciled. */
export function kindsInstalledBy(obj: KubeObject): string[] {
  const spec = (obj as unknown as { spec?: Record<string, any> }).spec ?? {};
  if (obj.kind === 'CustomResourceDefinition' && groupOf(obj.apiVersion) === 'apiextensions.k8s.io') {
    return spec.group && spec.names?.kind ? [`${spec.group}/${spec.names.kind}`] : [];
  }
  if (releasedChart(obj) !== 'linkerd-crds') return [];
  const values = obj.kind === 'HelmRelease' ? spec.values : spec.source?.helm?.valuesObject;
  const kinds: string[] = Object.values(LINKERD_CRDS).map((c) => `${c.group}/${c.kind}`);
  if (values?.installGatewayAPI === true) kinds.push(...['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute'].map((k) => `gateway.networking.k8s.io/${k}`));
  return kinds;
}

/** Options of {@link checkStageOrder}. */
export interface StageOrderOptions {
  /** Controllers the cluster runs before the first stage. @default none */
  readonly prerequisites?: readonly Prerequisite[];
}

/**
 * Plays the stages in order against a model of an API server: an error for every object whose kind
 * is neither built in, nor of a prerequisite, nor installed by an earlier stage (a kind installed in
 * the same stage does not count: within a stage everything is dry-run together).
 */
export function checkStageOrder(stages: readonly GitOpsStage[], options: StageOrderOptions = {}, scope = 'GitOpsStages'): Issues {
  const issues = new Issues(scope);
  const groups = new Set<string>([...BUILT_IN_API_GROUPS, ...(options.prerequisites ?? []).flatMap((p) => PREREQUISITE_API_GROUPS[p] ?? [])]);
  const installed = new Set<string>();
  const names = new Set<string>();
  stages.forEach((stage, i) => {
    issues.check(isDns1123Label(stage.name) && !names.has(stage.name), `stages[${i}].name`, stage.name, 'expected a DNS-1123 label, unique among the stages');
    names.add(stage.name);
    for (const obj of stage.objects) {
      const key = `${groupOf(obj.apiVersion)}/${obj.kind}`;
      if (groups.has(groupOf(obj.apiVersion)) || installed.has(key)) continue;
      const later = stages.slice(i).findIndex((s) => s.objects.some((o) => kindsInstalledBy(o).includes(key)));
      const where =
        later === -1
          ? 'no stage installs its CRD: add the controller to prerequisites, or a stage that installs it'
          : `stage "${stages[i + later].name}" installs its CRD: move the object to a stage after it`;
      issues.error(`stages[${i}] (${stage.name})`, `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}`, `expected only kinds the cluster knows when this stage applies (${obj.apiVersion} ${obj.kind} is unknown: ${where})`);
    }
    for (const obj of stage.objects) for (const k of kindsInstalledBy(obj)) installed.add(k);
    // Linkerd's control plane needs the Gateway API CRDs when it starts (they may come from this
    // stage's linkerd-crds release, which the control plane release depends on)
    const controlPlane = stage.objects.find((o) => releasedChart(o) === 'linkerd-control-plane');
    if (controlPlane && !groups.has('gateway.networking.k8s.io') && !installed.has('gateway.networking.k8s.io/HTTPRoute')) {
      issues.error(
        `stages[${i}] (${stage.name})`,
        `${controlPlane.kind} ${controlPlane.metadata?.name}`,
        "expected the Gateway API CRDs before the Linkerd control plane: gatewayApi { managedBy: 'linkerd-crds-chart' } on the mesh, a stage before it that installs them, or 'gateway-api' in prerequisites",
      );
    }
  });
  return issues;
}

/** The chart a Flux HelmRelease or Argo CD Application installs. */
function releasedChart(obj: KubeObject): string | undefined {
  const spec = (obj as unknown as { spec?: Record<string, any> }).spec ?? {};
  if (obj.kind === 'HelmRelease' && groupOf(obj.apiVersion) === 'helm.toolkit.fluxcd.io') return spec.chart?.spec?.chart;
  if (obj.kind === 'Application' && groupOf(obj.apiVersion) === 'argoproj.io') return spec.source?.chart;
  return undefined;
}

/** Where Flux reads the stages from. */
export interface FluxStagesOptions {
  /** The Flux source (`GitRepository`, `OCIRepository` or `Bucket`) holding the synthesized manifests. */
  readonly sourceRef: { readonly kind: 'GitRepository' | 'OCIRepository' | 'Bucket'; readonly name: string; readonly namespace?: string };
  /** Path of the folder that holds one sub-folder per stage, inside the source. @default './' */
  readonly basePath?: string;
  /** Namespace of the Kustomizations. @default 'flux-system' */
  readonly namespace?: string;
  /** Reconciliation interval. @default '10m' */
  readonly interval?: string;
  /** How long a stage may take to become Ready. @default '15m' */
  readonly timeout?: string;
}

function stagePath(basePath: string | undefined, stage: string): string {
  const base = (basePath ?? './').replace(/\/+$/, '');
  return `${base === '.' || base === '' ? '.' : base}/${stage}`;
}

/** One Flux `Kustomization` per stage, each `dependsOn` the one before and `wait: true`. */
export function fluxStageKustomizations(stageNames: readonly string[], options: FluxStagesOptions): KubeObject[] {
  return stageNames.map((name, i) => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: options.namespace ?? 'flux-system' },
    spec: {
      interval: options.interval ?? '10m',
      timeout: options.timeout ?? '15m',
      path: stagePath(options.basePath, name),
      prune: true,
      wait: true,
      sourceRef: {
        kind: options.sourceRef.kind,
        name: options.sourceRef.name,
        ...(options.sourceRef.namespace ? { namespace: options.sourceRef.namespace } : {}),
      },
      ...(i > 0 ? { dependsOn: [{ name: stageNames[i - 1] }] } : {}),
    },
  }));
}

/** Where Argo CD reads the stages from. */
export interface ArgoCdStagesOptions {
  /** Git repository URL holding the synthesized manifests. */
  readonly repoURL: string;
  /** Revision. @default 'HEAD' */
  readonly targetRevision?: string;
  /** Path of the folder that holds one sub-folder per stage. @default '.' */
  readonly basePath?: string;
  /** Namespace of Argo CD. @default 'argocd' */
  readonly namespace?: string;
  /** Argo CD project. @default 'default' */
  readonly project?: string;
  /** Destination API server. @default 'https://kubernetes.default.svc' */
  readonly server?: string;
}

/**
 * One Argo CD `Application` per stage, sync waves ascending (the first stage in wave 0). They order
 * only with {@link ARGO_CD_APPLICATION_HEALTH} in `argocd-cm`.
 */
export function argoCdStageApplications(stageNames: readonly string[], options: ArgoCdStagesOptions): KubeObject[] {
  return stageNames.map((name, i) => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: options.namespace ?? 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': String(i) } },
    spec: {
      project: options.project ?? 'default',
      source: { repoURL: options.repoURL, targetRevision: options.targetRevision ?? 'HEAD', path: stagePath(options.basePath ?? '.', name).replace(/^\.\//, '') },
      destination: { server: options.server ?? 'https://kubernetes.default.svc' },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['SkipDryRunOnMissingResource=true', 'ServerSideApply=true'],
        retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
      },
    },
  }));
}
