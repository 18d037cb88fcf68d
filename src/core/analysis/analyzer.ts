/**
 * The mesh connectivity analyzer: proves that NetworkPolicies keep Linkerd working.
 *
 * ```ts
 * const result = analyzeMesh(objects, { mesh: { namespace: 'linkerd' } });
 * if (!result.ok) console.log(formatReport(result));
 * ```
 *
 * It reads any manifests, builds a model of the cluster (the control plane, meshed workloads, DNS,
 * the API server; built-in models where the manifests lack them), derives the flows Linkerd needs
 * and evaluates NetworkPolicy on both ends of each. Findings name the blocked flow, the side and the
 * policies that block it, and a fix. A finding can be accepted on purpose, by id, with a reason.
 */
import type { KubeObject } from '../k8s';
import type { MeshInfo } from '../mesh-info';
import { PolicyEngine } from './engine';
import { AnalysisFinding, checkRequiredFlows, FlowEdge, MeshedTrafficScope } from './flows';
import type { ClusterModel, ModelSource } from './model';
import { buildModel } from './model-build';
import { answerFlowQuestion, FlowAnswer } from './question';
import { compareText } from '../selectors';


/** A finding accepted on purpose. */
export interface AcceptedFinding {
  /** The finding id, or a pattern where `*` matches any characters (e.g. `metrics:ingress:batch/*`). */
  readonly id: string;
  /** Why it is acceptable (shown in reports; required). */
  readonly reason: string;
}

/** Options of {@link analyzeMesh}. */
export interface AnalysisOptions {
  /** Mesh facts: namespace, cluster networks, default inbound policy, viz namespace, HA. @default Linkerd's defaults; the namespace found in the manifests */
  readonly mesh?: Partial<MeshInfo>;
  /** Namespace of objects that have none. @default 'default' */
  readonly defaultNamespace?: string;
  /**
   * Addresses of the Kubernetes API server (CIDRs or IPs). An `ipBlock` admits the API server only
   * when it covers all of them.
   * @default ['0.0.0.0/0'] (unknown: only rules admitting every IPv4 address admit it)
   */
  readonly apiServerCidrs?: readonly string[];
  /** API server port as NetworkPolicy sees it (the endpoint behind the `kubernetes` Service). @default 443 */
  readonly apiServerPort?: number;
  /** Namespace of the cluster DNS. @default 'kube-system' */
  readonly dnsNamespace?: string;
  /** Labels of the cluster DNS pods. @default { 'k8s-app': 'kube-dns' } */
  readonly dnsPodLabels?: Readonly<Record<string, string>>;
  /** Which meshed pairs must connect on 4143. @default 'namespace' */
  readonly meshedTraffic?: MeshedTrafficScope;
  /** Namespaces assumed to run some meshed workload even when the manifests show none there. */
  readonly assumeMeshedWorkloadsIn?: readonly string[];
  /**
   * Namespaces running a Prometheus that scrapes the proxies (besides viz's own), found by
   * `monitoringPodLabels`; a representative one is assumed when none is in the manifests.
   */
  readonly monitoringNamespaces?: readonly string[];
  /** Labels of those Prometheus pods. @default { 'app.kubernetes.io/name': 'prometheus' } */
  readonly monitoringPodLabels?: Readonly<Record<string, string>>;
  /** Findings accepted on purpose. */
  readonly acceptedFindings?: readonly AcceptedFinding[];
  /** Questions to answer (`ns/a -> ns/b:port`). */
  readonly flows?: readonly string[];
  /** Use built-in models of the control plane, viz and DNS when the manifests lack them. @default true */
  readonly builtInModels?: boolean;
}

/** What the analyzer read. */
export interface AnalysisSummary {
  /** Objects read (after flattening Lists). */
  readonly objects: number;
  /** Workloads read from the manifests (not built-in). */
  readonly workloads: number;
  /** Pod classes evaluated. */
  readonly podClasses: number;
  /** Pod classes running a proxy. */
  readonly meshedPodClasses: number;
  /** Namespaces seen. */
  readonly namespaces: number;
  /** NetworkPolicies read. */
  readonly networkPolicies: number;
  /** Control plane namespace. */
  readonly controlPlaneNamespace: string;
  /** Where the control plane came from. */
  readonly controlPlane: ModelSource;
  /** Where viz came from. */
  readonly viz: ModelSource;
  /** Where the DNS came from. */
  readonly dns: ModelSource;
  /** API server addresses assumed. */
  readonly apiServer: readonly string[];
  /** Flow checks run (per class and side). */
  readonly checks: number;
}

/** The result. */
export interface AnalysisResult {
  /** What was read and checked. */
  readonly summary: AnalysisSummary;
  /** Every finding, accepted ones included (with `accepted` set). */
  readonly findings: readonly AnalysisFinding[];
  /** Findings not accepted: each is a required flow NetworkPolicy blocks. */
  readonly blocking: readonly AnalysisFinding[];
  /** The flow graph (aggregated). */
  readonly edges: readonly FlowEdge[];
  /** Answers to the questions asked. */
  readonly answers: readonly FlowAnswer[];
  /** Assumptions and skipped objects. */
  readonly notes: readonly string[];
  /** NetworkPolicies the API server would reject (field and reason). */
  readonly policyProblems: ReadonlyArray<{ readonly policy: string; readonly field: string; readonly message: string }>;
  /** Accepted findings that matched nothing (probably stale). */
  readonly unusedAcceptances: readonly AcceptedFinding[];
  /** True when no finding blocks and every question's flow is allowed. */
  readonly ok: boolean;
}

/** Compiles an acceptance pattern (`*` matches anything). */
export function findingPattern(id: string): RegExp {
  return new RegExp(`^${id.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Builds the model and the engine (exposed for tools that ask many questions of one model). */
export function prepareAnalysis(objects: readonly KubeObject[], options: AnalysisOptions = {}): { model: ClusterModel; engine: PolicyEngine } {
  const model = buildModel(objects, {
    ...(options.mesh ? { mesh: options.mesh } : {}),
    ...(options.defaultNamespace ? { defaultNamespace: options.defaultNamespace } : {}),
    ...(options.apiServerCidrs ? { apiServerCidrs: options.apiServerCidrs } : {}),
    ...(options.dnsNamespace ? { dnsNamespace: options.dnsNamespace } : {}),
    ...(options.dnsPodLabels ? { dnsPodLabels: options.dnsPodLabels } : {}),
    ...(options.assumeMeshedWorkloadsIn ? { assumeMeshedWorkloadsIn: options.assumeMeshedWorkloadsIn } : {}),
    ...(options.monitoringNamespaces ? { monitoringNamespaces: options.monitoringNamespaces } : {}),
    ...(options.monitoringPodLabels ? { monitoringPodLabels: options.monitoringPodLabels } : {}),
    ...(options.builtInModels !== undefined ? { builtInModels: options.builtInModels } : {}),
  });
  return { model, engine: new PolicyEngine(model) };
}

/** Runs the analysis. */
export function analyzeMesh(objects: readonly KubeObject[], options: AnalysisOptions = {}): AnalysisResult {
  const { model, engine } = prepareAnalysis(objects, options);
  const { findings: raw, edges, checks } = checkRequiredFlows(model, engine, {
    ...(options.meshedTraffic ? { meshedTraffic: options.meshedTraffic } : {}),
    ...(options.apiServerPort ? { apiServerPort: options.apiServerPort } : {}),
  });
  const accepted = (options.acceptedFindings ?? []).map((a) => ({ a, re: findingPattern(a.id), used: false }));
  const findings = raw
    .map((f) => {
      const hits = accepted.filter((x) => x.re.test(f.id));
      if (hits.length === 0) return f;
      for (const h of hits) h.used = true;
      return { ...f, accepted: hits[0].a.reason };
    })
    .sort((a, b) => compareText(a.id, b.id));
  const answers = (options.flows ?? []).map((q) => answerFlowQuestion(model, q));
  const blocking = findings.filter((f) => f.accepted === undefined);
  return {
    summary: {
      objects: objects.length,
      workloads: model.workloadCount,
      podClasses: model.classes.length,
      meshedPodClasses: model.classes.filter((c) => c.meshed).length,
      namespaces: new Set([...model.namespaces.keys(), ...model.classes.map((c) => c.namespace)]).size,
      networkPolicies: model.policies.length,
      controlPlaneNamespace: model.mesh.namespace,
      controlPlane: model.controlPlaneSource,
      viz: model.vizSource,
      dns: model.dnsSource,
      apiServer: model.apiServer.addresses,
      checks,
    },
    findings,
    blocking,
    edges,
    answers,
    notes: model.notes,
    policyProblems: model.policyProblems,
    unusedAcceptances: accepted.filter((x) => !x.used).map((x) => x.a),
    ok: blocking.length === 0 && answers.every((a) => a.allowed),
  };
}
