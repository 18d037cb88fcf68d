import { ApiObject, Lazy } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import { AuthorizationRegistry } from './_authorization-checks';
import { addApiObjects } from './_objects';
import { SynthesisState } from './_synthesis';
import type { MeshReference } from './mesh-reference';
import type { PolicyRecord } from '../core/authorization/checks';
import { addedRuleObjects, admitsNothingIssue, meshAuthorizationObjects, type AddedRule, type ServerContext } from '../core/authorization/objects';
import type {
  AuthorizationSourceLike,
  AuthorizationWorkload,
  MeshAuthorizationProps as MeshAuthorizationCoreProps,
  RouteAuthorization,
  WorkloadSelector,
} from '../core/authorization/types';
import { checkWorkloadKind, checkWorkloadPort, externalWorkloadInfoOf, resolveWorkloadObject, type ResolvedWorkload } from '../core/authorization/workload';
import { formatIssue, Issues, type ValidationIssue } from '../core/errors';
import type { KubeObject, LabelSelector } from '../core/k8s';

/**
 * Props of {@link MeshAuthorization}: the core's `MeshAuthorizationProps` with a cdk8s
 * {@link MeshReference}, and a workload that may also be a workload construct of this app.
 */
export type MeshAuthorizationProps = MeshAuthorizationCoreProps<MeshReference, AuthorizationWorkload | IConstruct>;

interface WorkloadPodsConstruct extends IConstruct {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

function isConstruct(value: unknown): value is IConstruct {
  return typeof value === 'object' && value !== null && Construct.isConstruct(value);
}

/**
 * Label of the stand-in selector a plain `ApiObject` workload's Server is built with; the Server
 * writes the workload's real selector, read from its render at synthesis.
 */
const PENDING_SELECTOR_LABEL = 'linkerd-constructs.io/pending-selector';
let pendingSelectors = 0;

/**
 * The selector and name of a workload construct, read at construction (its pods may get containers
 * later). A cdk8s-plus workload knows its selector now. A plain `ApiObject` (`KubeDeployment`, ...)
 * is checked now by kind; its selector is read from its render at synthesis (`deferred`), so it is
 * never rendered twice, and a selector set after the authorization is the one the Server gets.
 */
function constructWorkload(c: IConstruct, scope: string): { workload: AuthorizationWorkload; namespace?: string; deferred: boolean } {
  const api = ApiObject.of(c);
  const pods = c as WorkloadPodsConstruct;
  if (pods.matchLabels !== undefined && typeof pods.matchLabels === 'object') {
    // a cdk8s-plus workload: its selector is known now, its pod spec only at synthesis
    const selector: LabelSelector = { matchLabels: { ...pods.matchLabels } };
    const expressions = pods.matchExpressions ?? [];
    if (expressions.length > 0) selector.matchExpressions = expressions.map((e) => ({ key: e.key, operator: e.operator as 'In', values: e.values }));
    const workload: WorkloadSelector = { podSelector: selector, name: api.name };
    return { workload, namespace: api.metadata.namespace, deferred: false };
  }
  const issues = new Issues(scope);
  checkWorkloadKind(api.kind, issues, 'workload');
  issues.throwIfErrors();
  // unique per authorization: two stand-ins never look alike to the overlap checks
  const podSelector: LabelSelector = { matchLabels: { [PENDING_SELECTOR_LABEL]: `w${++pendingSelectors}` } };
  return { workload: { podSelector, name: api.name }, namespace: api.metadata.namespace, deferred: true };
}

/**
 * Linkerd authorization for one port of one workload, from intent: who may call it, optionally per
 * HTTP route, with an optional rate limit. Emits a `Server` (the construct's default child, id
 * `Resource`), `HTTPRoute`s, `AuthorizationPolicy`s with their `MeshTLSAuthentication`s and
 * `NetworkAuthentication`s, and an `HTTPLocalRateLimitPolicy` (or, with
 * `legacyServerAuthorization`, a v1beta1 `Server` and `ServerAuthorization`s).
 *
 * The other objects are children named by kind: the first of a kind has the kind as its id (for
 * example `node.findChild('AuthorizationPolicy')`), later ones `Kind-name`. Ids that repeat from one
 * authorization to the next keep synthesis of thousands of them fast (cdk8s walks the whole app
 * once per chart).
 *
 * Checked when the construct is created: identities, networks, names, selectors, routes, rate
 * limits, empty rules. Checked at synthesis, across the app: a named port the workload construct
 * does not expose, a Server that admits no one, two Servers governing the same pods and port,
 * duplicate object names, and every reference of every policy object in the app (including
 * hand-written `ApiObject`s).
 *
 * ```ts
 * new MeshAuthorization(chart, 'legacy-app', {
 *   namespace: 'mixed-env',
 *   workload: { podSelector: { matchLabels: { app: 'legacy-app' } } },
 *   port: 'http',
 *   protocol: 'HTTP/1',
 *   allow: [{ identity: 'spiffe://root.linkerd.cluster.local/external-workload' }],
 * });
 * ```
 */
export class MeshAuthorization extends Construct {
  /** Name of the `Server`. */
  public readonly serverName: string;
  /** Namespace of every object. */
  public readonly namespace: string;
  /** The `Server` object (also `node.defaultChild`). */
  public readonly server: ApiObject;

  private readonly context: ServerContext;
  private readonly objects: KubeObject[];
  private readonly workloadConstruct?: IConstruct;
  /** A plain `ApiObject` workload: the Server's selector is read from its render at synthesis. */
  private readonly deferredSelector: boolean = false;
  /** That selector, as the checks of a synthesis read it (the Server written in that synthesis reuses it). */
  private selectorSeen?: { readonly synthesis: number; readonly selector: LabelSelector };
  private ruleCount: number;
  private added = 0;

  public constructor(scope: Construct, id: string, props: MeshAuthorizationProps) {
    super(scope, id);
    const path = this.node.path;
    let workload = props.workload as AuthorizationWorkload;
    let namespace = props.namespace;
    // an ExternalWorkloadHost is a construct carrying its ExternalWorkloadInfo: the core resolves it
    if (isConstruct(props.workload) && !externalWorkloadInfoOf(props.workload)) {
      this.workloadConstruct = props.workload;
      const resolved = constructWorkload(props.workload, path);
      workload = resolved.workload;
      namespace = namespace ?? resolved.namespace;
      this.deferredSelector = resolved.deferred;
    }
    // the core props are the construct's, with a workload construct resolved
    const coreProps: MeshAuthorizationCoreProps = this.workloadConstruct ? { ...props, namespace, workload } : (props as MeshAuthorizationCoreProps);
    const manifest = meshAuthorizationObjects(coreProps, path, { deferEmptyCheck: true });
    printWarnings(manifest.warnings);
    this.context = manifest.context;
    this.objects = manifest.objects;
    this.ruleCount = manifest.ruleCount;
    this.serverName = this.context.serverName;
    this.namespace = this.context.namespace;
    const [server, ...rest] = manifest.objects;
    const written = this.deferredSelector ? withSelector(server, Lazy.any({ produce: () => this.renderedSelector() })) : server;
    this.server = addApiObjects(this, [written, ...rest], 0, 'by-kind')[0];
    if (props.mesh?.crds) this.node.addDependency(props.mesh.crds);
    const registry = AuthorizationRegistry.of(this);
    // checked at synthesis with every authorization of the app; a validation is attached when there is an issue
    registry.register({ construct: this, contribution: () => this.contribution() });
  }

  /**
   * Admits more clients to every request on the port (one more rule, as if appended to `allow`).
   * Returns the objects added.
   */
  public allowFrom(...sources: AuthorizationSourceLike[]): ApiObject[] {
    return this.addRule({ allowFrom: sources });
  }

  /** Adds a route rule (as if appended to `routes`). Returns the objects added. */
  public addRoute(route: RouteAuthorization): ApiObject[] {
    return this.addRule({ addRoute: route });
  }

  private contribution(): { objects: readonly KubeObject[]; workload?: PolicyRecord['workload']; issues: ValidationIssue[] } {
    let context = this.context;
    let objects: readonly KubeObject[] = this.objects;
    let issues: Issues | undefined;
    if (this.workloadConstruct) {
      issues = new Issues(this.node.path);
      const known = this.knownWorkload(issues);
      if (known) {
        const selector = this.deferredSelector ? known.selector : context.workload.selector;
        const { ports, labels, description } = known;
        context = { ...context, workload: { ...context.workload, selector, ports, labels, description } };
        if (this.deferredSelector) {
          objects = [withSelector(objects[0], selector), ...objects.slice(1)];
          this.selectorSeen = { synthesis: SynthesisState.of(this).currentSynthesis, selector };
        }
        checkWorkloadPort(context.workload, context.port, issues);
      }
    }
    const empty = admitsNothingIssue(context, this.ruleCount);
    const found = issues ? issues.errors : [];
    if (empty) found.push(empty);
    const workload = context.workload;
    return { objects, workload: workload.ports || workload.labels ? workload : undefined, issues: found };
  }

  /**
   * The selector of a plain `ApiObject` workload, from its render (resolved when the Server is
   * written). Not copied: what a `Lazy` produces is rendered into new objects (cdk8s's `resolve`,
   * or `CoreApiObject`'s own rendering), never written out as is.
   */
  private renderedSelector(): LabelSelector {
    const synthesis = SynthesisState.of(this).currentSynthesis;
    const seen = this.selectorSeen;
    if (seen && synthesis !== 0 && seen.synthesis === synthesis) return seen.selector;
    const issues = new Issues(this.node.path);
    const known = this.knownWorkload(issues);
    issues.throwIfErrors();
    return known!.selector;
  }

  private knownWorkload(issues: Issues): ResolvedWorkload | undefined {
    let json: KubeObject;
    try {
      // rendered once per validation pass, shared with the other app-wide checks
      json = SynthesisState.of(this).render(ApiObject.of(this.workloadConstruct!)) as KubeObject;
    } catch (e) {
      issues.error('workload', this.workloadConstruct!.node.path, `expected a workload construct that synthesizes (${e instanceof Error ? e.message : String(e)})`);
      return undefined;
    }
    return resolveWorkloadObject(json, issues, 'workload');
  }

  private addRule(rule: AddedRule): ApiObject[] {
    const { objects, rules, warnings } = addedRuleObjects(this.context, this.objects, rule, this.added, this.node.path);
    printWarnings(warnings);
    this.added += 1;
    this.objects.push(...objects);
    this.ruleCount += rules;
    return addApiObjects(this, objects, undefined, 'by-kind');
  }
}

/** The Server `server` selecting pods with `podSelector` instead (its other fields shared). */
function withSelector(server: KubeObject, podSelector: unknown): KubeObject {
  return { ...server, spec: { ...(server.spec as Record<string, unknown>), podSelector } } as KubeObject;
}

function printWarnings(warnings: readonly ValidationIssue[]): void {
  // eslint-disable-next-line no-console
  for (const w of warnings) console.warn(formatIssue(w));
}
