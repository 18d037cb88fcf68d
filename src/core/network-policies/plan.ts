/**
 * The plan of `LinkerdNetworkPolicies`: props in, checked, policies out. Values may be known only
 * at deployment (Pulumi Outputs): the API server CIDRs and the external workloads' IPs.
 * {@link networkPoliciesShape} decides from the plain props which policies exist (their names,
 * namespaces and order never depend on a late value), checks them, and returns a function from the
 * late values to the final policies. The cdk8s construct, whose values are all plain, calls
 * {@link linkerdNetworkPolicies}: the same shape, with nothing late.
 */
import type { AnalysisOptions } from '../analysis';
import { Issues } from '../errors';
import type { NetworkPolicy } from '../k8s';
import {
  analysisOptionsFor,
  checkApiServerCidrs,
  checkExternalWorkloadIps,
  checkNetworkPoliciesProps,
  policiesOf,
  resolveNetworkPoliciesProps,
} from './linkerd-network-policies';
import type { LinkerdNetworkPoliciesProps } from './props';

/** What {@link linkerdNetworkPolicies} returns. */
export interface LinkerdNetworkPoliciesPlan {
  /** The policies, control plane namespace first, then each application namespace in the given order. */
  readonly policies: NetworkPolicy[];
  /** The control plane namespace. */
  readonly controlPlaneNamespace: string;
  /** Analyzer options describing the cluster these policies assume (API server, DNS, monitoring, namespaces). */
  readonly analysisOptions: AnalysisOptions;
  /** Warnings (printed, never thrown). */
  readonly warnings: readonly string[];
}

/**
 * Validates the props and computes the policies.
 *
 * @param props the construct's props, every value plain (values known later: {@link networkPoliciesShape})
 * @param scope construct path used in error messages
 * @throws ValidationError naming every bad prop
 */
export function linkerdNetworkPolicies(props: LinkerdNetworkPoliciesProps = {}, scope = 'LinkerdNetworkPolicies'): LinkerdNetworkPoliciesPlan {
  const { complete: _complete, ...plan } = networkPoliciesShape(props, scope);
  return plan;
}

/**
 * What the shape's policies and analysis use for API server CIDRs that are not known yet: RFC 5737's
 * documentation range, which no cluster uses. It never reaches an emitted object: {@link
 * NetworkPoliciesShape.complete} replaces it with the real CIDRs, checked.
 */
export const LATE_API_SERVER_CIDR = '192.0.2.0/24';

/** Which values of the props are not known yet. */
export interface NetworkPoliciesLateKeys {
  /** The API server CIDRs are known only at deployment. @default false */
  readonly apiServerCidrs?: boolean;
}

/** The late values, once known. */
export interface NetworkPoliciesLateValues {
  /** The API server CIDRs (when late). */
  readonly apiServerCidrs?: readonly string[];
  /** Per external workload, in the order of the props, its IPs (`undefined`: those of its facts). */
  readonly workloadIps?: ReadonlyArray<readonly string[] | undefined>;
}

/** The policies of the plain props, and how to complete them with the late values. */
export interface NetworkPoliciesShape extends LinkerdNetworkPoliciesPlan {
  /**
   * The final policies: the same names, namespaces and order as {@link LinkerdNetworkPoliciesPlan.policies},
   * with the late values. Checks them (a bad CIDR or IP throws a `ValidationError` naming it).
   */
  complete(values: NetworkPoliciesLateValues): NetworkPolicy[];
}

/**
 * Checks the plain props and decides the policies; late API server CIDRs stand as
 * {@link LATE_API_SERVER_CIDR} in the shape (and its analysis options) until completed.
 *
 * @param props the props, external workloads as facts (IPs as known now, or none)
 * @param scope construct path or component name for messages
 * @throws ValidationError naming every bad prop
 */
export function networkPoliciesShape(props: LinkerdNetworkPoliciesProps, scope: string, late: NetworkPoliciesLateKeys = {}): NetworkPoliciesShape {
  const shapeProps: LinkerdNetworkPoliciesProps = late.apiServerCidrs ? { ...props, apiServerCidrs: [LATE_API_SERVER_CIDR] } : props;
  const issues = new Issues(scope);
  const r = resolveNetworkPoliciesProps(shapeProps);
  const warnings = checkNetworkPoliciesProps(r, shapeProps, issues);
  issues.throwIfErrors();
  const policies = policiesOf(r);
  const names = policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  return {
    policies,
    controlPlaneNamespace: r.cpNs,
    analysisOptions: analysisOptionsFor(r, shapeProps),
    warnings,
    complete(values: NetworkPoliciesLateValues): NetworkPolicy[] {
      const lateIssues = new Issues(scope);
      const cidrs = late.apiServerCidrs ? (values.apiServerCidrs ?? []) : r.apiServerCidrs;
      if (late.apiServerCidrs) checkApiServerCidrs(lateIssues, cidrs);
      const workloads = r.workloads.map((w, i) => {
        const ips = values.workloadIps?.[i];
        if (ips === undefined) return w;
        checkExternalWorkloadIps(lateIssues, i, ips);
        return { ...w, workloadIps: [...ips] };
      });
      lateIssues.throwIfErrors();
      if (!late.apiServerCidrs && values.workloadIps === undefined) return policies;
      const final = policiesOf({ ...r, apiServerCidrs: cidrs, workloads });
      const finalNames = final.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
      // the resources were registered from the shape: a late value must never change which exist
      if (finalNames.join('\n') !== names.join('\n')) {
        throw new Error(`${scope}: the late values changed which policies exist (${names.join(', ')} became ${finalNames.join(', ')}); this is a bug of linkerd-constructs`);
      }
      return final;
    },
  };
}
