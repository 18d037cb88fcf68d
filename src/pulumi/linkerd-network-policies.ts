/**
 * `LinkerdNetworkPolicies` for Pulumi: NetworkPolicies for a default-deny cluster that keep Linkerd
 * working, checked at construction by the mesh connectivity analyzer.
 */
import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { kubeResource, resourceName } from './_kube';
import { resolveLate, type LateInputs } from './_late';
import type { InputKind } from './external-workload-host';
import type { ExternalWorkloadReference, MeshReference } from './mesh-reference';
import { AnalysisResult, analyzeMesh } from '../core/analysis';
import type { ExternalWorkloadSource } from '../core/authorization/types';
import { Issues } from '../core/errors';
import type { ExternalWorkloadInfo, MeshInfoSource } from '../core/mesh-info';
import { LinkerdNetworkPoliciesProps, networkPoliciesShape, type NetworkPoliciesLateValues } from '../core/network-policies';

/**
 * Arguments of {@link LinkerdNetworkPolicies}: the core props with Inputs for the API server CIDRs, a
 * `MeshReference` (the policies then wait for its CRDs, hence its namespace) or just `{ info }` for the
 * mesh, and external workloads whose `workloadIps` may be known only at deployment
 * (`ExternalWorkloadHost`s, `ExternalWorkloadReference`s). Which policies exist never depends on them.
 */
export type LinkerdNetworkPoliciesArgs = LinkerdNetworkPoliciesProps<
  InputKind,
  MeshReference | MeshInfoSource,
  ExternalWorkloadInfo | ExternalWorkloadReference | ExternalWorkloadSource
>;

function isReference(v: unknown): v is ExternalWorkloadReference {
  return typeof v === 'object' && v !== null && 'externalWorkload' in v && 'workloadIps' in v;
}

function infoOf(v: ExternalWorkloadInfo | ExternalWorkloadSource): ExternalWorkloadInfo {
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

    // which policies exist, decided by the core from the plain values (late CIDRs and IPs complete them)
    const lateCidrs = apiServerCidrs !== undefined && !apiServerCidrs.every((c) => typeof c === 'string');
    const shape = networkPoliciesShape(
      {
        ...rest,
        ...(mesh ? { mesh: { info: mesh.info } } : {}),
        ...(apiServerCidrs !== undefined && !lateCidrs ? { apiServerCidrs: apiServerCidrs as string[] } : {}),
        externalWorkloads: externalWorkloads.map((w) =>
          isReference(w) ? { ...w.externalWorkload, workloadIps: w.externalWorkload.workloadIps ?? [] } : infoOf(w),
        ),
      },
      scope,
      { apiServerCidrs: lateCidrs },
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

    // the final objects, once every Input is known
    const ipInputs = externalWorkloads.map((w): pulumi.Input<readonly string[]> | undefined => (isReference(w) ? w.workloadIps : undefined));
    // per external workload, its IPs when they come from a reference (else those of its facts)
    const workloadIps = pulumi.all(ipInputs.map((i) => (i === undefined ? undefined : pulumi.output(i))));
    const late: LateInputs<NetworkPoliciesLateValues> = {
      ...(lateCidrs ? { apiServerCidrs: pulumi.all([...apiServerCidrs]) } : {}),
      ...(ipInputs.some((i) => i !== undefined) ? { workloadIps } : {}),
    };
    const full = resolveLate(late, undefined, (values) => shape.complete(values));
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
