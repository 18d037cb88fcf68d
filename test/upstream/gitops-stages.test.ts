/**
 * GitOps output that applies in one go on an empty cluster. Each stage is played against a model of
 * an API server built here from upstream material, not from our code: the built-in kinds
 * (`kubernetes-models`), the controllers already running (Flux, Argo CD, cert-manager and
 * trust-manager kinds from their `@kubernetes-models` packages), and the CRDs each earlier stage
 * installs, rendered by a real Helm from the `linkerd-crds` chart with the values the stage carries.
 * Any object whose apiVersion/kind the model does not serve at its stage fails the test.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { GitOpsStages, LinkerdMesh, MeshAuthorization, MeshDelivery } from '../../src/cdk8s';
import { ARGO_CD_APPLICATION_HEALTH } from '../../src/core/gitops';
import { MeshIdentity } from '../../src/core/identity';
import type { KubeObject } from '../../src/core/k8s';
import { renderHelmRelease } from '../../src/core/mesh';
import { expectConformant } from '../support/conformance';
import { describeWithHelm, type HelmContext } from '../support/helm';

/** Served apiVersion/kind pairs, as an API server would answer discovery. */
class ApiServerModel {
  private static modelExists(pkg: string, apiVersion: string, kind: string): boolean {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return typeof require(group === '' ? `${pkg}/${version}` : `${pkg}/${group}/${version}`)[kind] === 'function';
    } catch {
      return false;
    }
  }

  private readonly crds = new Set<string>();
  public constructor(private readonly controllers: ReadonlyArray<'flux' | 'argo-cd' | 'cert-manager'>) {}

  public serves(apiVersion: string, kind: string): boolean {
    if (this.crds.has(`${apiVersion}/${kind}`)) return true;
    if (ApiServerModel.modelExists('kubernetes-models', apiVersion, kind)) return true;
    const packages = { 'flux': '@kubernetes-models/flux-cd', 'argo-cd': '@kubernetes-models/argo-cd', 'cert-manager': '@kubernetes-models/cert-manager' };
    // Flux v2's GA versions are newer than the models package knows: the same kinds, one version up
    const older: Record<string, string> = { 'helm.toolkit.fluxcd.io/v2': 'helm.toolkit.fluxcd.io/v2beta2', 'source.toolkit.fluxcd.io/v1': 'source.toolkit.fluxcd.io/v1beta2' };
    return this.controllers.some((c) => ApiServerModel.modelExists(packages[c], older[apiVersion] ?? apiVersion, kind));
  }

  /** Installs CRDs (every served version). */
  public install(crds: readonly KubeObject[]): void {
    for (const crd of crds as any[]) {
      if (crd.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions) if (v.served) this.crds.add(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`);
    }
  }
}

/** What reconciling a stage installs: its CRDs, and those of the linkerd-crds chart its HelmReleases or Applications install. */
function crdsOfStage(ctx: HelmContext, objects: readonly any[]): KubeObject[] {
  const out: KubeObject[] = objects.filter((o) => o.kind === 'CustomResourceDefinition');
  for (const o of objects) {
    const chart = o.kind === 'HelmRelease' ? o.spec.chart.spec : o.kind === 'Application' ? { chart: o.spec.source?.chart, version: o.spec.source?.targetRevision } : undefined;
    if (chart?.chart !== 'linkerd-crds') continue;
    const values = o.kind === 'HelmRelease' ? o.spec.values ?? {} : o.spec.source.helm?.valuesObject ?? {};
    out.push(...renderHelmRelease({ id: 'crds', releaseName: 'linkerd-crds', chart: 'linkerd-crds', repository: ctx.repository, version: chart.version, namespace: 'linkerd', values, dependsOn: [] }, { helmExecutable: ctx.helm, env: ctx.env }));
  }
  return out;
}

/** Plays the stages in order; returns every object the model does not serve at its stage. */
function play(ctx: HelmContext, model: ApiServerModel, stages: Array<{ name: string; objects: any[] }>): string[] {
  const unknown: string[] = [];
  for (const stage of stages) {
    for (const o of stage.objects) if (!model.serves(o.apiVersion, o.kind)) unknown.push(`${stage.name}: ${o.apiVersion} ${o.kind} ${o.metadata.name}`);
    model.install(crdsOfStage(ctx, stage.objects));
    // the control plane starts only with the Gateway API CRDs Linkerd reads (linkerd2 pkg/healthcheck/healthcheck.go)
    const controlPlane = stage.objects.some((o) => (o.kind === 'HelmRelease' ? o.spec.chart.spec.chart : o.spec?.source?.chart) === 'linkerd-control-plane');
    if (controlPlane && !['HTTPRoute', 'GRPCRoute'].every((k) => model.serves('gateway.networking.k8s.io/v1', k))) unknown.push(`${stage.name}: linkerd-control-plane before the Gateway API CRDs`);
  }
  return unknown;
}

/** An app: the mesh in one chart, a workload and its policy in another. */
function meshAndApps(delivery: MeshDelivery) {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lc-stages-')) });
  const linkerd = new Chart(app, 'linkerd');
  new LinkerdMesh(linkerd, 'mesh', { identity: MeshIdentity.certManager(), delivery, viz: true, gatewayApi: { managedBy: 'linkerd-crds-chart' } });
  const apps = new Chart(app, 'apps');
  new ApiObject(apps, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  new MeshAuthorization(apps, 'web', {
    namespace: 'shop',
    name: 'web',
    workload: { podSelector: { matchLabels: { app: 'web' } } },
    port: 8080,
    accessPolicy: 'deny',
    allow: [{ serviceAccount: 'client', namespace: 'shop' }],
  });
  return { app, linkerd, apps };
}

const objectsOf = (chart: Chart) => Testing.synth(chart) as any[];

describeWithHelm('GitOps stages apply in one go on an empty cluster (model API server, real linkerd-crds render)', (ctx) => {
  test('all in one Flux Kustomization: the Linkerd custom resources are unknown when it is dry-run', () => {
    const { linkerd, apps } = meshAndApps(MeshDelivery.flux());
    const unknown = play(ctx, new ApiServerModel(['flux', 'cert-manager']), [{ name: 'everything', objects: [...objectsOf(linkerd), ...objectsOf(apps)] }]);
    expect(unknown).toEqual(expect.arrayContaining(['everything: policy.linkerd.io/v1beta3 Server web', 'everything: policy.linkerd.io/v1alpha1 MeshTLSAuthentication web-client-mtls']));
  });

  test('Flux stages: every object is known at its stage; each Kustomization waits for the one before', () => {
    const { app, linkerd, apps } = meshAndApps(MeshDelivery.flux());
    const stages = new GitOpsStages(app, 'stages', {
      stages: [{ name: 'linkerd', charts: [linkerd] }, { name: 'apps', charts: [apps] }],
      flux: { sourceRef: { kind: 'GitRepository', name: 'platform' }, basePath: './clusters/prod' },
      prerequisites: ['flux', 'cert-manager', 'trust-manager'],
    });
    app.synth();
    const kustomizations = objectsOf(stages);
    expectConformant(kustomizations);
    expect(kustomizations.map((k) => [k.metadata.name, k.spec.path, k.spec.wait, k.spec.dependsOn])).toEqual([
      ['linkerd', './clusters/prod/linkerd', true, undefined],
      ['apps', './clusters/prod/apps', true, [{ name: 'linkerd' }]],
    ]);
    const model = new ApiServerModel(['flux', 'cert-manager']);
    expect(play(ctx, model, [{ name: 'linkerd', objects: objectsOf(linkerd) }, { name: 'apps', objects: objectsOf(apps) }])).toEqual([]);
    // the stage folders hold exactly the stage's objects
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-stages-out-'));
    const files = stages.writeStages(out);
    expect(files.map((f) => path.relative(out, f))).toEqual(['linkerd/linkerd.k8s.yaml', 'apps/apps.k8s.yaml']);
    const read = (f: string) => parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS());
    expect(read(files[1]).map((o: any) => o.kind).sort()).toEqual(objectsOf(apps).map((o) => o.kind).sort());
  });

  test('Argo CD stages: one Application per stage in ascending waves that skip the dry-run of unknown kinds', () => {
    const { app, linkerd, apps } = meshAndApps(MeshDelivery.argoCd());
    const stages = new GitOpsStages(app, 'stages', {
      stages: [{ name: 'linkerd', charts: [linkerd] }, { name: 'apps', charts: [apps] }],
      argoCd: { repoURL: 'https://git.example.com/platform.git', basePath: 'clusters/prod' },
      prerequisites: ['argo-cd', 'cert-manager', 'trust-manager'],
    });
    app.synth();
    const applications = objectsOf(stages);
    expectConformant(applications);
    expect(applications.map((a) => [a.metadata.name, a.metadata.annotations['argocd.argoproj.io/sync-wave'], a.spec.source.path])).toEqual([
      ['linkerd', '0', 'clusters/prod/linkerd'],
      ['apps', '1', 'clusters/prod/apps'],
    ]);
    for (const a of applications) expect(a.spec.syncPolicy.syncOptions).toContain('SkipDryRunOnMissingResource=true');
    expect(play(ctx, new ApiServerModel(['argo-cd', 'cert-manager']), [{ name: 'linkerd', objects: objectsOf(linkerd) }, { name: 'apps', objects: objectsOf(apps) }])).toEqual([]);
    expect(ARGO_CD_APPLICATION_HEALTH.key).toBe('resource.customizations.health.argoproj.io_Application');
  });

  test('a stage that holds a kind only a later stage installs fails synthesis, naming the object and the stage to move it after', () => {
    const { app, linkerd, apps } = meshAndApps(MeshDelivery.flux());
    new GitOpsStages(app, 'stages', {
      stages: [{ name: 'apps', charts: [apps] }, { name: 'linkerd', charts: [linkerd] }],
      flux: { sourceRef: { kind: 'GitRepository', name: 'platform' } },
      prerequisites: ['flux', 'cert-manager', 'trust-manager'],
    });
    expect(() => app.synth()).toThrow(/\[stages\] stages\[0\] \(apps\): received "Server shop\/web"; expected only kinds the cluster knows when this stage applies \(policy\.linkerd\.io\/v1beta3 Server is unknown: stage "linkerd" installs its CRD: move the object to a stage after it\)/);
  });

  test('without the Gateway API CRDs the control plane stage is refused, and the model agrees', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lc-stages-')) });
    const linkerd = new Chart(app, 'linkerd');
    new LinkerdMesh(linkerd, 'mesh', { identity: MeshIdentity.certManager(), delivery: MeshDelivery.flux(), gatewayApi: { managedBy: 'external', bundleVersion: 'v1.2.1' } });
    const stages = new GitOpsStages(app, 'stages', {
      stages: [{ name: 'linkerd', charts: [linkerd] }],
      flux: { sourceRef: { kind: 'GitRepository', name: 'platform' } },
      prerequisites: ['flux', 'cert-manager', 'trust-manager'],
    });
    expect(() => app.synth()).toThrow(/expected the Gateway API CRDs before the Linkerd control plane/);
    const unvalidated = linkerd.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
    expect(play(ctx, new ApiServerModel(['flux', 'cert-manager']), [{ name: 'linkerd', objects: unvalidated }])).toEqual(['linkerd: linkerd-control-plane before the Gateway API CRDs']);
    // declared as a prerequisite, it passes
    const ok = new App({ outdir: app.outdir });
    const linkerd2 = new Chart(ok, 'linkerd');
    new LinkerdMesh(linkerd2, 'mesh', { identity: MeshIdentity.certManager(), delivery: MeshDelivery.flux(), gatewayApi: { managedBy: 'external', bundleVersion: 'v1.2.1' } });
    new GitOpsStages(ok, 'stages', {
      stages: [{ name: 'linkerd', charts: [linkerd2] }],
      flux: { sourceRef: { kind: 'GitRepository', name: 'platform' } },
      prerequisites: ['flux', 'cert-manager', 'trust-manager', 'gateway-api'],
    });
    expect(() => ok.synth()).not.toThrow();
    void stages;
  });

  test('a missing prerequisite is named', () => {
    const { app, linkerd, apps } = meshAndApps(MeshDelivery.flux());
    new GitOpsStages(app, 'stages', { stages: [{ name: 'linkerd', charts: [linkerd] }, { name: 'apps', charts: [apps] }], flux: { sourceRef: { kind: 'GitRepository', name: 'platform' } } });
    expect(() => app.synth()).toThrow(/Certificate .*no stage installs its CRD: add the controller to prerequisites/);
  });
});
