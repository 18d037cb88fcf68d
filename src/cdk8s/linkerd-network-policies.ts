/**
 * `LinkerdNetworkPolicies` for cdk8s: NetworkPolicies for a default-deny cluster that keep Linkerd
 * working, checked at synthesis by the mesh connectivity analyzer over every object of the app.
 */
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { addApiObjects } from './_objects';
import { PerApp, SynthesisMemo, SynthesisState } from './_synthesis';
import { AcceptedFinding, AnalysisOptions, AnalysisResult, analyzeMesh } from '../core/analysis';
import type { KubeObject } from '../core/k8s';
import type { MeshInfo } from '../core/mesh-info';
import { LinkerdNetworkPoliciesProps, linkerdNetworkPolicies } from '../core/network-policies';

/**
 * Kinds the analyzer's checks read; other objects of the app are never rendered for it (rendering
 * is most of the cost at synthesis). Linkerd policy kinds only matter to flow questions, which a
 * synthesis does not ask.
 */
const ANALYZED_KINDS = new Set([
  'Namespace',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
  'Pod',
  'NetworkPolicy',
  'Service',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'APIService',
  'ExternalWorkload',
]);

function looksLikeMeshInfo(v: unknown): v is MeshInfo {
  const i = v as Partial<MeshInfo> | undefined;
  return !!i && typeof i === 'object' && typeof i.namespace === 'string' && typeof i.trustDomain === 'string' && typeof i.endpoints === 'object' && Array.isArray(i.clusterNetworks);
}

/** What one `LinkerdNetworkPolicies` contributes to the app's analysis. */
interface Member {
  readonly path: string;
  readonly options: AnalysisOptions;
  readonly meshGiven: boolean;
  readonly vizGiven: boolean;
  readonly manifests: readonly KubeObject[];
}

/**
 * One analysis per app: every `LinkerdNetworkPolicies` of the app shares it. It runs once per
 * synthesis: cdk8s validates the app once per chart, and the later passes get the first one's result.
 */
class AppAnalysis {
  public readonly members: Member[] = [];
  public last?: AnalysisResult;
  private readonly state: SynthesisState;
  private readonly memo: SynthesisMemo<string[]>;

  public constructor(private readonly root: IConstruct) {
    this.state = SynthesisState.of(root);
    this.memo = new SynthesisMemo(this.state);
  }

  /** Adds a member (the analysis changes). */
  public add(member: Member): void {
    this.members.push(member);
    this.memo.invalidate();
  }

  /** The messages of the analysis of this synthesis (see {@link analyze}). */
  public validate(): string[] {
    return this.memo.get(() => this.analyze());
  }

  /** Runs the analyzer over the app's objects and returns one message per blocked mesh flow. */
  private analyze(): string[] {
    const all = this.root.node.findAll();
    const objects: KubeObject[] = [];
    for (const c of all) {
      if (c instanceof ApiObject && ANALYZED_KINDS.has(c.kind)) objects.push(this.state.render(c) as KubeObject);
    }
    const first = this.members[0];
    let mesh: Partial<MeshInfo> = { ...first.options.mesh };
    if (!first.meshGiven) {
      // a mesh construct of the app (LinkerdMesh, or anything exposing `info: MeshInfo`), found by its shape
      const found = all.find((c) => !(c instanceof LinkerdNetworkPolicies) && looksLikeMeshInfo((c as unknown as { info?: unknown }).info));
      if (found) {
        const info = (found as unknown as { info: MeshInfo }).info;
        mesh = { ...info, ...(first.vizGiven ? { vizNamespace: first.options.mesh?.vizNamespace } : {}) };
      }
    }
    const union = <T>(pick: (o: AnalysisOptions) => readonly T[] | undefined) =>
      [...new Set(this.members.flatMap((m) => [...(pick(m.options) ?? [])]))];
    const accepted: AcceptedFinding[] = this.members.flatMap((m) => [...(m.options.acceptedFindings ?? [])]);
    const options: AnalysisOptions = {
      ...first.options,
      mesh,
      apiServerCidrs: union((o) => o.apiServerCidrs),
      assumeMeshedWorkloadsIn: union((o) => o.assumeMeshedWorkloadsIn),
      monitoringNamespaces: union((o) => o.monitoringNamespaces),
      acceptedFindings: accepted,
    };
    const result = analyzeMesh([...objects, ...this.members.flatMap((m) => m.manifests)], options);
    this.last = result;
    for (const a of result.unusedAcceptances) {
      // eslint-disable-next-line no-console
      console.warn(`warning: [${first.path}] acceptedFindings: "${a.id}" matched no finding (stale?)`);
    }
    for (const p of result.policyProblems) {
      // eslint-disable-next-line no-console
      console.warn(`warning: NetworkPolicy ${p.policy} ${p.field}: ${p.message}`);
    }
    return result.blocking.map(
      (f) => `mesh flow blocked (${f.id}): ${f.message}. Fix: ${f.fix}. To accept it on purpose: acceptedFindings: [{ id: '${f.id}', reason: '...' }]`,
    );
  }
}

const ANALYSES = new PerApp((root) => new AppAnalysis(root));

/**
 * NetworkPolicies for a default-deny cluster that keep Linkerd working: the control plane namespace
 * (ingress to destination 8086/8090 and identity 8080 from meshed pods, webhooks 8443/9443 from the
 * API server, monitoring; egress to the API server, DNS and the control plane) and each application
 * namespace (deny-all baseline, DNS, control plane, meshed traffic on 4143 both ways, metrics 4191,
 * tap 4190, external workloads).
 *
 * At synthesis the mesh connectivity analyzer runs once over every object of the app (plus a
 * built-in model of the control plane when it is delivered outside the app, e.g. by Flux) and fails
 * synthesis on a blocked mesh flow, unless `acceptedFindings` accepts it with a reason. A mesh
 * construct of the app (`LinkerdMesh`, or anything exposing `info: MeshInfo`) supplies the mesh facts
 * when `mesh` is not given.
 *
 * ```ts
 * new LinkerdNetworkPolicies(chart, 'netpol', { mesh, namespaces: ['shop'], apiServerCidrs: ['172.20.0.0/28'] });
 * ```
 */
export class LinkerdNetworkPolicies extends Construct {
  /** The NetworkPolicies, control plane namespace first (the first is `node.defaultChild`). */
  public readonly policies: ApiObject[];
  /** The control plane namespace the policies assume. */
  public readonly controlPlaneNamespace: string;
  private readonly analysis?: AppAnalysis;

  public constructor(scope: Construct, id: string, props: LinkerdNetworkPoliciesProps = {}) {
    super(scope, id);
    const plan = linkerdNetworkPolicies(props, this.node.path);
    for (const w of plan.warnings) {
      // eslint-disable-next-line no-console
      console.warn(`warning: [${this.node.path}] ${w}`);
    }
    this.controlPlaneNamespace = plan.controlPlaneNamespace;
    this.policies = addApiObjects(this, plan.policies, 0);

    if (props.analyze ?? true) {
      const first = !ANALYSES.has(this);
      const analysis = ANALYSES.of(this);
      // one validation per app, on the first LinkerdNetworkPolicies: the analysis covers the whole app
      if (first) this.node.addValidation({ validate: () => analysis.validate() });
      analysis.add({
        path: this.node.path,
        options: plan.analysisOptions,
        meshGiven: props.mesh !== undefined,
        vizGiven: props.vizNamespace !== undefined,
        manifests: [...(props.analysisManifests ?? [])],
      });
      this.analysis = analysis;
    }
  }

  /** The analysis of the app's last validation (undefined before synthesis, or with `analyze: false`). */
  public get lastAnalysis(): AnalysisResult | undefined {
    return this.analysis?.last;
  }
}
