/**
 * Internal: the app-wide checks of `MeshAuthorization` in cdk8s, run once per synthesis.
 *
 * Every `MeshAuthorization` registers with the registry of its app (the root construct). The first
 * of them to be validated in a synthesis computes the issues of all of them in one pass (their
 * objects plus every policy `ApiObject` written by hand elsewhere in the app, indexed by kind,
 * namespace, name, port and labels) and each construct's validation returns its share, so cdk8s
 * prefixes each message with the path of the construct it belongs to. Issues about hand-written
 * objects are reported by the first registered construct, naming the object's own path.
 */
import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { isPolicyKind, PolicyObjectIndex, type PolicyRecord } from '../core/authorization/checks';
import { describeValue, type ValidationIssue } from '../core/errors';
import type { KubeObject } from '../core/k8s';

/** What a registered construct contributes to the app-wide checks. */
export interface AuthorizationMember {
  /** The construct (its path scopes its issues). */
  readonly construct: IConstruct;
  /**
   * Its objects (as built: trusted), what is known about its workload, and issues only it can know
   * (computed at synthesis).
   */
  contribution(): { objects: readonly KubeObject[]; workload?: PolicyRecord['workload']; issues: ValidationIssue[] };
}

const REGISTRIES = new WeakMap<IConstruct, AuthorizationRegistry>();

/** Renders an issue for `node.addValidation` (cdk8s adds the construct path itself). */
export function validationMessage(issue: ValidationIssue, ownScope?: string): string {
  const prefix = ownScope !== undefined && issue.scope !== ownScope ? `[${issue.scope}] ` : '';
  return `${prefix}${issue.field}: received ${describeValue(issue.value)}; ${issue.allowed}`;
}

/** The registry of the app `scope` belongs to. */
export class AuthorizationRegistry {
  /** The registry of the app of `scope` (created on first use). */
  public static of(scope: IConstruct): AuthorizationRegistry {
    const root = scope.node.root;
    let registry = REGISTRIES.get(root);
    if (!registry) {
      registry = new AuthorizationRegistry(root);
      REGISTRIES.set(root, registry);
    }
    return registry;
  }

  private readonly members: AuthorizationMember[] = [];
  private results?: Map<AuthorizationMember, string[]>;
  private pending = 0;

  private constructor(private readonly root: IConstruct) {}

  /** Registers a construct; its validation should return {@link messagesFor}. */
  public register(member: AuthorizationMember): void {
    this.members.push(member);
    this.results = undefined;
  }

  /** The messages of one member (computing every member's at the first call of a synthesis). */
  public messagesFor(member: AuthorizationMember): string[] {
    if (!this.results) {
      this.results = this.compute();
      this.pending = this.members.length;
      // the results serve one synthesis: dropped once every member has read its share, or at the end
      // of this (synchronous) synthesis at the latest
      const results = this.results;
      queueMicrotask(() => {
        if (this.results === results) this.results = undefined;
      });
    }
    const out = this.results.get(member) ?? [];
    this.pending -= 1;
    if (this.pending <= 0) this.results = undefined;
    return out;
  }

  private compute(): Map<AuthorizationMember, string[]> {
    const index = new PolicyObjectIndex();
    const issues: ValidationIssue[] = [];
    const byScope = new Map<string, AuthorizationMember>();
    for (const m of this.members) {
      const path = m.construct.node.path;
      byScope.set(path, m);
      const c = m.contribution();
      issues.push(...c.issues, ...index.addObjects(c.objects, path, c.workload));
    }
    // hand-written policy objects elsewhere in the app (members' own subtrees are not walked: their
    // objects are known as plain objects, never read back with toJson())
    const members = new Set<IConstruct>(this.members.map((m) => m.construct));
    const foreign: PolicyRecord[] = [];
    const stack: IConstruct[] = [...this.root.node.children];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (members.has(c)) continue;
      if (ApiObject.isApiObject(c) && isPolicyKind(c.kind)) {
        try {
          foreign.push({ object: c.toJson() as KubeObject, owner: c.node.path });
        } catch {
          // an object that does not synthesize fails synthesis on its own
        }
      }
      stack.push(...c.node.children);
    }
    issues.push(...index.add(foreign), ...index.checkReferences());
    const results = new Map<AuthorizationMember, string[]>(this.members.map((m) => [m, []]));
    for (const issue of issues) {
      if (issue.severity === 'warning') continue;
      const member = byScope.get(issue.scope) ?? this.members[0];
      results.get(member)!.push(validationMessage(issue, member.construct.node.path));
    }
    return results;
  }
}
