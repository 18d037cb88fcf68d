/**
 * `LinkerdNetworkPolicies` for Pulumi: NetworkPolicies for a default-deny cluster that keep Linkerd
 * working, checked at construction by the mesh connectivity analyzer.
 */
import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { kubeResource, resourceName } from './_kube';
import type { ExternalWorkloadReference, MeshReference } from './mesh-reference';
import { AnalysisResult, analyzeMesh } from '../core/analysis';
import { Issues } from '../core/errors';
import type { ExternalWorkloadInfo } from '../core/mesh-info';
import { LinkerdNetworkPoliciesProps, linkerdNetworkPolicies, MeshInfoSource } from '../core/network-policies';

/**
 * Stand-in for API server CIDRs only known at deployment (Outputs): the analysis at construction
 * checks the policies' structure with it (RFC 5737 documentation range, never emitted).
 */
const UNKNOWN_API_SERVER_CIDR = '192.0.2.0/24';

/** Arguments of {@link LinkerdNetworkPolicies}: the shared props, with Inputs where values may come from other resources. */
export interface LinkerdNetworkPoliciesArgs extends Omit<LinkerdNetworkPoliciesProps, 'mesh' | 'apiServerCidrs' | 'externalWorkloads'> {
  /**
   * The mesh: a `LinkerdMesh` (or any `MeshReference`: the policies then wait for its CRDs, hence its
   * namespace) or just its facts `{ info }`.
   * @default Linkerd's defaults: control plane in `linkerd`, no viz
   */
  readonly mesh?: MeshReference | MeshInfoSource;
  /**
   * API server addresses (CIDRs), possibly Outputs.
   * @default ['0.0.0.0/0', '::/0']
   */
  readonly apiServerCidrs?: pulumi.Input<string>[];
  /**
   * External workloads: their facts, or `ExternalWorkloadHost`s / `ExternalWorkloadReference`s whose
   * `workloadIps` may be known only at deployment. Which policies exist never depends on the IPs.
   * @default []
   */
  readonly externalWorkloads?: ReadonlyArray<ExternalWorkloadInfo | ExternalWorkloadReference | { readonly externalWorkload: ExternalWorkloadInfo }>;
}

function isReference(v: unknown): v is ExternalWorkloadReference {
  return typeof v === 'object' && v !== null && 'externalWorkload' in v && 'workloadIps' in v;
}

function infoOf(v: ExternalWorkloadInfo | { readonly externalWorkload: ExternalWorkloadInfo }): ExternalWorkloadInfo {
  return 'externalWorkload' in v ? v.externalWorkload : v;
}

/**
 * NetworkPolicies for a default-deny cluster that keep Linkerd working (same props and policies as
 * the cdk8s construct). At construction, the mesh connectivity analyzer checks the policies (with
 * the built-in model of the control plane, a representative meshed workload in each application
 * namespace and `analysisManifests`) and throws a `ValidationError` naming every blocked mesh flow
 * that `acceptedFindings` does not accept. Values only known at deployment (IPs, CIDRs) do not
 * change which policies exist.
 */
export class LinkerdNetworkPolicies extends pulumi.ComponentResource {
  /** The NetworkPolicy resources, control plane namespace first. */
  public readonly policies: k8s.networking.v1.NetworkPolicy[];
  /** `namespace/name` of every policy. */
  public readonly policyNames: readonly string[];
  /** The control plane namespace the policies assume. */
  public readonly controlPlaneNamespace: string;
  /** The analysis run at construction (undefined with `analyze: false`). */
  public readonly analysis?: AnalysisResult;

  public constructor(name: string, args: LinkerdNetworkPoliciesArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super('linkerd-constructs:index:LinkerdNetworkPolicies', name, {}, opts);
    const scope = `LinkerdNetworkPolicies ${name}`;
    const { mesh, apiServerCidrs, externalWorkloads = [], ...rest } = args;

    // which policies exist, and their content as far as it is known now
    const cidrsPlain = apiServerCidrs?.every((c): c is string => typeof c === 'string') ? (apiServerCidrs as string[]) : undefined;
    const shapeCidrs = apiServerCidrs === undefined ? undefined : (cidrsPlain ?? [UNKNOWN_API_SERVER_CIDR]);
    const plainWorkloads = externalWorkloads.map((w) =>
      isReference(w) ? { ...w.externalWorkload, workloadIps: w.externalWorkload.workloadIps ?? [] } : infoOf(w),
    );
    const baseProps: LinkerdNetworkPoliciesProps = { ...rest, ...(mesh ? { mesh: { info: mesh.info } } : {}) };
    const shape = linkerdNetworkPolicies(
      { ...baseProps, ...(shapeCidrs ? { apiServerCidrs: shapeCidrs } : {}), externalWorkloads: plainWorkloads },
      scope,
    );
    for (const w of shape.warnings) void pulumi.log.warn(w, this);
    this.controlPlaneNamespace = shape.controlPlaneNamespace;

    if (args.analyze ?? true) {
      const result = analyzeMesh([...shape.policies, ...(args.analysisManifests ?? [])], shape.analysisOptions);
      const issues = new Issues(scope);
      for (const f of result.blocking) {
        issues.error(`mesh flow ${f.id}`, f.policies, `${f.message}. Fix: ${f.fix}; or accept it with acceptedFindings: [{ id: '${f.id}', reason: '...' }]`);
      }
      issues.throwIfErrors();
      for (const a of result.unusedAcceptances) void pulumi.log.warn(`acceptedFindings: "${a.id}" matched no finding (stale?)`, this);
      this.analysis = result;
    }

    // the full objects, once every Input is known
    const ipInputs: Array<pulumi.Input<readonly string[]>> = externalWorkloads.map((w) =>
      isReference(w) ? w.workloadIps : (infoOf(w).workloadIps ?? []),
    );
    const full = pulumi.all([pulumi.all(apiServerCidrs ?? []), pulumi.all(ipInputs)]).apply(([cidrs, ipLists]) =>
      linkerdNetworkPolicies(
        {
          ...baseProps,
          ...(apiServerCidrs !== undefined ? { apiServerCidrs: cidrs } : {}),
          externalWorkloads: externalWorkloads.map((w, i) => ({ ...infoOf(w), workloadIps: [...(ipLists[i] ?? [])] })),
        },
        scope,
      ).policies,
    );
    const dependsOn = mesh && 'crds' in mesh ? [mesh.crds] : [];
    this.policies = shape.policies.map(
      (p, i) =>
        kubeResource(
          resourceName(name, p),
          p,
          { parent: this, ...(dependsOn.length > 0 ? { dependsOn } : {}) },
          full.apply((list) => list[i]),
        ) as k8s.networking.v1.NetworkPolicy,
    );
    this.policyNames = shape.policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    this.registerOutputs({ policyNames: this.policyNames, controlPlaneNamespace: this.controlPlaneNamespace });
  }
}
