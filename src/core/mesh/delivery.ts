/**
 * How a mesh's Helm releases reach a cluster from cdk8s: rendered by the `helm` CLI at synthesis,
 * or declared for a GitOps controller (Flux `HelmRepository` + `HelmRelease`, Argo CD `Application`)
 * that renders them in the cluster. Plain objects and plain functions; the cdk8s construct wraps them.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { Issues } from '../errors';
import type { KubeObject } from '../k8s';
import type { MeshRelease, MeshReleaseId } from './plan';

/** Environment variable naming the helm executable when `helmExecutable` is not given. */
export const HELM_EXECUTABLE_ENV = 'LINKERD_CONSTRUCTS_HELM';

/** Options of helm CLI rendering. */
export interface HelmCliOptions {
  /**
   * The helm executable.
   * @default the `LINKERD_CONSTRUCTS_HELM` environment variable, else 'helm' (from PATH)
   */
  readonly helmExecutable?: string;
  /** Extra flags for `helm template` (e.g. `--kube-version`). @default none */
  readonly helmFlags?: readonly string[];
  /**
   * Render from this chart repository instead of the mesh's `repository` (a mirror, or a local
   * repository such as `http://127.0.0.1:8879` served from `helm repo index`): the same chart and
   * version, fetched from elsewhere. The rendered objects do not name the repository.
   * @default the mesh's `repository`
   */
  readonly repository?: string;
  /** Extra environment for helm (e.g. `HELM_CACHE_HOME`, `HELM_REPOSITORY_CONFIG`). @default none */
  readonly env?: Readonly<Record<string, string>>;
}

/** Options of Flux delivery. */
export interface FluxDeliveryOptions {
  /** Reconciliation interval of the `HelmRepository` and `HelmRelease`s. @default '1h' */
  readonly interval?: string;
  /** Name of the `HelmRepository` (created in the control plane namespace). @default 'linkerd' */
  readonly repositoryName?: string;
}

/** Options of Argo CD delivery. */
export interface ArgoCdDeliveryOptions {
  /** Namespace of Argo CD, where the `Application`s go. @default 'argocd' */
  readonly namespace?: string;
  /** Argo CD project. @default 'default' */
  readonly project?: string;
  /** Destination cluster API server. @default 'https://kubernetes.default.svc' */
  readonly server?: string;
  /** Sync automatically (prune and self-heal). @default true */
  readonly automated?: boolean;
}

/** Sync waves of the Argo CD `Application`s, dependencies first. */
export const ARGO_SYNC_WAVES: Record<MeshReleaseId, number> = { 'cni': 1, 'crds': 1, 'control-plane': 2, 'viz': 3, 'jaeger': 3 };

/** Sync wave of the mesh's own objects (namespaces, certificates) under Argo CD: before every release. */
export const ARGO_OBJECTS_SYNC_WAVE = 0;

function isOci(repository: string): boolean {
  return repository.startsWith('oci://');
}

/** The `helm template` arguments for a release (the values file path last-but-flags). */
export function helmTemplateArgs(release: MeshRelease, valuesFile: string, flags: readonly string[] = []): string[] {
  const chartRef = isOci(release.repository) ? `${release.repository.replace(/\/+$/, '')}/${release.chart}` : release.chart;
  const args = ['template', release.releaseName, chartRef];
  if (!isOci(release.repository)) args.push('--repo', release.repository);
  args.push('--version', release.version, '--namespace', release.namespace, '--values', valuesFile, ...flags);
  return args;
}

/**
 * Renders a release with `helm template`. The values go through a temporary file that is removed
 * afterwards (they hold certificates, never keys). A missing helm binary is a clear error naming
 * the deliveries that need none.
 */
export function renderHelmRelease(release: MeshRelease, options: HelmCliOptions = {}, scope = 'LinkerdMesh'): KubeObject[] {
  const exe = options.helmExecutable ?? process.env[HELM_EXECUTABLE_ENV] ?? 'helm';
  const source = options.repository !== undefined ? { ...release, repository: options.repository } : release;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linkerd-constructs-helm-'));
  try {
    const valuesFile = path.join(dir, 'values.yaml');
    fs.writeFileSync(valuesFile, stringify(release.values), { mode: 0o600 });
    const res = spawnSync(exe, helmTemplateArgs(source, valuesFile, options.helmFlags), {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: options.env ? { ...process.env, ...options.env } : process.env,
    });
    const issues = new Issues(scope);
    if (res.error) {
      const notFound = (res.error as NodeJS.ErrnoException).code === 'ENOENT';
      issues.error(
        'delivery',
        `MeshDelivery.helm() with helm executable ${JSON.stringify(exe)}${notFound ? ' (not found)' : ` (${res.error.message})`}`,
        'expected a helm binary (install helm, or set helmExecutable), or a delivery that renders in the cluster and needs no helm at synthesis: ' +
          'MeshDelivery.flux() (Flux HelmRepository + HelmRelease) or MeshDelivery.argoCd() (Argo CD Application)',
      );
      issues.throwIfErrors();
    }
    if (res.status !== 0) {
      issues.error('delivery', `helm template ${release.chart} ${release.version} exited with ${res.status}: ${(res.stderr || '').trim().slice(0, 500)}`, 'expected helm to render the chart');
      issues.throwIfErrors();
    }
    return parseAllDocuments(res.stdout)
      .map((d) => d.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => o !== null && typeof o === 'object' && typeof o.kind === 'string');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The Flux `HelmRepository` of the mesh's charts. */
export function fluxHelmRepository(namespace: string, url: string, options: FluxDeliveryOptions = {}): KubeObject {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    metadata: { name: options.repositoryName ?? 'linkerd', namespace },
    spec: { interval: options.interval ?? '1h', url, ...(isOci(url) ? { type: 'oci' } : {}) },
  };
}

/**
 * A Flux `HelmRelease` (`helm.toolkit.fluxcd.io/v2`) for one release, in the control plane namespace
 * (next to its `HelmRepository`), installing into the release's namespace, `dependsOn` its
 * dependencies.
 */
export function fluxHelmRelease(release: MeshRelease, controlPlaneNamespace: string, options: FluxDeliveryOptions = {}): KubeObject {
  const spec: Record<string, unknown> = {
    interval: options.interval ?? '1h',
    releaseName: release.releaseName,
    chart: {
      spec: {
        chart: release.chart,
        version: release.version,
        sourceRef: { kind: 'HelmRepository', name: options.repositoryName ?? 'linkerd' },
      },
    },
  };
  if (release.namespace !== controlPlaneNamespace) spec.targetNamespace = release.namespace;
  if (release.dependsOn.length > 0) spec.dependsOn = release.dependsOn.map((id) => ({ name: releaseObjectName(id) }));
  spec.install = { remediation: { retries: 3 } };
  spec.upgrade = { remediation: { retries: 3 } };
  if (Object.keys(release.values).length > 0) spec.values = release.values;
  return {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: releaseObjectName(release.id), namespace: controlPlaneNamespace },
    spec,
  };
}

/** Name of the `HelmRelease` / `Application` of a release. */
export function releaseObjectName(id: MeshReleaseId): string {
  return id === 'cni' ? 'linkerd2-cni' : `linkerd-${id}`;
}

/**
 * An Argo CD `Application` for one release, ordered by sync wave. The CRDs use server-side apply
 * (they exceed the client-side annotation size); with cert-manager webhook certificates the
 * injected `caBundle` is ignored in diffs.
 */
export function argoApplication(release: MeshRelease, options: ArgoCdDeliveryOptions = {}, certManagerWebhooks = false): KubeObject {
  const syncOptions = ['CreateNamespace=false'];
  if (release.id === 'crds') syncOptions.push('ServerSideApply=true');
  const spec: Record<string, unknown> = {
    project: options.project ?? 'default',
    source: {
      repoURL: release.repository,
      chart: release.chart,
      targetRevision: release.version,
      helm: { releaseName: release.releaseName, ...(Object.keys(release.values).length > 0 ? { valuesObject: release.values } : {}) },
    },
    destination: { server: options.server ?? 'https://kubernetes.default.svc', namespace: release.namespace },
    syncPolicy: {
      ...(options.automated === false ? {} : { automated: { prune: true, selfHeal: true } }),
      syncOptions,
    },
  };
  if (certManagerWebhooks && (release.id === 'control-plane' || release.id === 'viz')) {
    spec.ignoreDifferences = [
      { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[].clientConfig.caBundle'] },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[].clientConfig.caBundle'] },
      ...(release.id === 'viz' ? [{ group: 'apiregistration.k8s.io', kind: 'APIService', jqPathExpressions: ['.spec.caBundle'] }] : []),
    ];
  }
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: releaseObjectName(release.id),
      namespace: options.namespace ?? 'argocd',
      annotations: { 'argocd.argoproj.io/sync-wave': String(ARGO_SYNC_WAVES[release.id]) },
    },
    spec,
  };
}
