import { ApiObject, App } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { protectKeyFiles } from './_key-files';
import { addApiObjects } from './_objects';
import { PerApp, SynthesisState } from './_synthesis';
import { LinkerdApp } from './linkerd-app';
import { MeshDelivery } from './mesh-delivery';
import type { MeshReference } from './mesh-reference';
import { formatIssue } from '../core/errors';
import { issuerFollowsControlPlane } from '../core/identity/rotation';
import type { KubeObject } from '../core/k8s';
import {
  ARGO_OBJECTS_SYNC_WAVE,
  ARGO_SYNC_WAVES,
  argoApplication,
  fluxHelmRelease,
  fluxHelmRepository,
  planLinkerdMesh,
  renderHelmRelease,
  resolveMeshCertificates,
  type LinkerdMeshProps,
  type MeshPlan,
  type MeshReleaseId,
} from '../core/mesh';
import type { MeshInfo } from '../core/mesh-info';

/** Props of the cdk8s `LinkerdMesh`: the shared {@link LinkerdMeshProps} plus how the charts are delivered. */
export interface LinkerdMeshConstructProps extends LinkerdMeshProps {
  /**
   * How the Helm charts reach the cluster.
   * @default MeshDelivery.helm() (rendered by the helm CLI at synthesis)
   */
  readonly delivery?: MeshDelivery;
}

const RELEASE_IDS: Record<MeshReleaseId, string> = {
  'cni': 'Cni',
  'crds': 'Crds',
  'control-plane': 'ControlPlane',
  'viz': 'Viz',
  'jaeger': 'Jaeger',
};

const MESHES = Symbol.for('linkerd-constructs.LinkerdMesh');

/**
 * Once per app: after a `LinkerdApp`'s `synth()` wrote the files, protect and name the ones that hold
 * private keys. A plain `App` tells no one when it writes: say so once, with the fix.
 */
class KeyFileGuard {
  private watching = false;

  public watch(mesh: Construct): void {
    const root = mesh.node.root;
    if (this.watching || !(root instanceof App)) return;
    this.watching = true;
    if (!LinkerdApp.isLinkerdApp(root)) {
      // eslint-disable-next-line no-console
      console.warn(
        `warning: [${mesh.node.path}] private keys are inline (a supplied identity or webhook keys) and the app is a plain cdk8s App: ` +
          'the files app.synth() writes keep the default mode and no warning names them. Create the app with new LinkerdApp() (linkerd-constructs/cdk8s) ' +
          'to have them written 0600, and keep them out of Git (docs/linkerd-mesh.md, "Keys and Git")',
      );
      return;
    }
    SynthesisState.of(mesh).afterWrite(() => {
      for (const message of protectKeyFiles(root.outdir, root.outputFileExtension, mesh.node.path)) {
        // eslint-disable-next-line no-console
        console.warn(message);
      }
    });
  }
}

const KEY_FILE_GUARD = new PerApp(() => new KeyFileGuard());

/**
 * Linkerd, installed and secured: the `linkerd` namespace, the identity (trust anchor and issuer),
 * the webhook certificates, the `linkerd-crds` chart, then `linkerd-control-plane`, and optionally
 * the CNI plugin, viz and jaeger, in dependency order.
 *
 * ```ts
 * const mesh = new LinkerdMesh(chart, 'mesh', {
 *   identity: MeshIdentity.fromDirectory('certs'),   // written once by `linkerd-constructs certs`
 *   delivery: MeshDelivery.flux(),
 *   imageRegistry: 'myregistry.azurecr.io/linkerd',
 *   viz: true,
 * });
 * ```
 *
 * The main child (`node.defaultChild`, id `Resource`) is the control plane Namespace.
 */
export class LinkerdMesh extends Construct implements MeshReference {
  /** Facts about the installation (namespace, trust domain, endpoints...) for other constructs. */
  public readonly info: MeshInfo;
  /** The construct holding the CRDs release: objects creating Linkerd resources depend on it. */
  public readonly crds: IConstruct;
  /** The construct holding the control plane release. */
  public readonly controlPlane: IConstruct;
  /** The construct holding the viz release, when installed. */
  public readonly viz?: IConstruct;
  /** The construct holding the jaeger release, when installed. */
  public readonly jaeger?: IConstruct;
  /** The control plane namespace. */
  public readonly namespace: string;
  /** The identity trust domain. */
  public readonly trustDomain: string;
  /** The trust anchor PEM (modes 1/2; with cert-manager it exists only in the cluster). */
  public readonly trustAnchorPem?: string;
  /** The plan this construct synthesized (objects, releases and values). */
  public readonly plan: MeshPlan;

  public constructor(scope: Construct, id: string, props: LinkerdMeshConstructProps) {
    super(scope, id);
    const delivery = props.delivery ?? MeshDelivery.helm();
    const { delivery: _d, identity, webhookCertificates, ...settings } = props;
    const plan = planLinkerdMesh(settings, resolveMeshCertificates({ identity, webhookCertificates }), {
      scope: this.node.path,
      delivery: delivery.kind,
    });
    for (const w of plan.warnings) {
      // eslint-disable-next-line no-console
      console.warn(formatIssue(w));
    }
    this.plan = plan;
    this.info = plan.info;
    this.namespace = plan.info.namespace;
    this.trustDomain = plan.info.trustDomain;
    this.trustAnchorPem = plan.identity.mode === 'cert-manager' ? undefined : plan.identity.trustAnchorPem;
    // keys inline (a supplied issuer or webhook keys): the files that hold them become 0600, with a warning
    if (plan.identity.mode === 'supplied' || plan.webhooks.mode === 'supplied') KEY_FILE_GUARD.of(this).watch(this);

    const argo = delivery.kind === 'argocd';
    const wave = (objs: readonly KubeObject[]) => (argo ? objs.map((o) => withSyncWave(o)) : objs);
    const namespaces = addApiObjects(this, wave(plan.namespaces), 0);
    // the issuer before the control plane, except in rotation stage `issuer` (issuerFollowsControlPlane)
    const issuerAfterControlPlane = identity.mode === 'supplied' && issuerFollowsControlPlane(identity.rotationStage);
    const identityScope = new Construct(this, 'Identity');
    addApiObjects(identityScope, argo ? plan.identityObjects.map((o) => withSyncWave(o, issuerAfterControlPlane ? ARGO_SYNC_WAVES['control-plane'] + 1 : ARGO_OBJECTS_SYNC_WAVE)) : plan.identityObjects);
    identityScope.node.addDependency(...namespaces);
    const webhookScope = new Construct(this, 'WebhookCertificates');
    addApiObjects(webhookScope, wave(plan.webhookObjects));
    webhookScope.node.addDependency(...namespaces);

    let repository: ApiObject | undefined;
    if (delivery.kind === 'flux') {
      [repository] = addApiObjects(this, [fluxHelmRepository(this.namespace, plan.releases[0].repository, delivery.fluxOptions)]);
      repository.node.addDependency(...namespaces);
    }
    const releases = new Map<MeshReleaseId, Construct>();
    for (const release of plan.releases) {
      const c = new Construct(this, RELEASE_IDS[release.id]);
      let objects: KubeObject[];
      switch (delivery.kind) {
        case 'helm':
          objects = renderHelmRelease(release, delivery.helmOptions, this.node.path);
          break;
        case 'flux':
          objects = [fluxHelmRelease(release, this.namespace, delivery.fluxOptions)];
          break;
        case 'argocd':
          objects = [argoApplication(release, delivery.argoCdOptions, plan.webhooks.mode === 'cert-manager')];
          break;
      }
      addApiObjects(c, objects);
      c.node.addDependency(...namespaces);
      if (repository) c.node.addDependency(repository);
      for (const dep of release.dependsOn) c.node.addDependency(releases.get(dep)!);
      if (release.id === 'control-plane') c.node.addDependency(...(issuerAfterControlPlane ? [] : [identityScope]), webhookScope);
      if (release.id === 'viz') c.node.addDependency(webhookScope);
      releases.set(release.id, c);
    }
    this.crds = releases.get('crds')!;
    this.controlPlane = releases.get('control-plane')!;
    if (issuerAfterControlPlane) identityScope.node.addDependency(this.controlPlane);
    this.viz = releases.get('viz');
    this.jaeger = releases.get('jaeger');

    // whole-app check: two meshes may not share a control plane namespace
    const root = this.node.root as unknown as { [MESHES]?: LinkerdMesh[] };
    const all = (root[MESHES] ??= []);
    all.push(this);
    this.node.addValidation({
      validate: () => {
        const clash = all.filter((m) => m !== this && m.namespace === this.namespace);
        return clash.length === 0
          ? []
          : [`[${this.node.path}] namespace: received "${this.namespace}", also used by ${clash.map((m) => m.node.path).join(', ')}; expected one LinkerdMesh per control plane namespace`];
      },
    });
  }
}

function withSyncWave(obj: KubeObject, syncWave: number = ARGO_OBJECTS_SYNC_WAVE): KubeObject {
  return {
    ...obj,
    metadata: { ...obj.metadata, annotations: { ...(obj.metadata.annotations ?? {}), 'argocd.argoproj.io/sync-wave': String(syncWave) } },
  };
}
