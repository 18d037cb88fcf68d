import type { ArgoCdDeliveryOptions, FluxDeliveryOptions, HelmCliOptions, MeshDeliveryKind } from '../core/mesh';

/**
 * How `LinkerdMesh` (cdk8s) delivers its Helm charts:
 *
 *  - {@link MeshDelivery.helm}: rendered at synthesis by the `helm` CLI into plain manifests
 *    (needs helm on the machine that synthesizes);
 *  - {@link MeshDelivery.flux}: a Flux `HelmRepository` and one `HelmRelease` per chart, ordered with
 *    `dependsOn`; Flux renders in the cluster (no helm needed at synthesis);
 *  - {@link MeshDelivery.argoCd}: one Argo CD `Application` per chart, ordered with sync waves.
 */
export class MeshDelivery {
  /** Render the charts with `helm template` at synthesis. */
  public static helm(options: HelmCliOptions = {}): MeshDelivery {
    return new MeshDelivery('helm', options, undefined, undefined);
  }

  /** Declare Flux `HelmRepository` + `HelmRelease`s (Flux v2: `source.toolkit.fluxcd.io/v1`, `helm.toolkit.fluxcd.io/v2`). */
  public static flux(options: FluxDeliveryOptions = {}): MeshDelivery {
    return new MeshDelivery('flux', undefined, options, undefined);
  }

  /** Declare Argo CD `Application`s (`argoproj.io/v1alpha1`). */
  public static argoCd(options: ArgoCdDeliveryOptions = {}): MeshDelivery {
    return new MeshDelivery('argocd', undefined, undefined, options);
  }

  private constructor(
    /** Which delivery. */
    public readonly kind: Exclude<MeshDeliveryKind, 'pulumi'>,
    /** Options of helm CLI rendering. */
    public readonly helmOptions: HelmCliOptions | undefined,
    /** Options of Flux delivery. */
    public readonly fluxOptions: FluxDeliveryOptions | undefined,
    /** Options of Argo CD delivery. */
    public readonly argoCdOptions: ArgoCdDeliveryOptions | undefined,
  ) {}
}
