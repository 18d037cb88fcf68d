/**
 * Internal: the app-wide checks of `MeshAuthorization` in cdk8s, run once per synthesis.
 *
 * Every `MeshAuthorization` registers with the registry of its app (the root construct). At the start
 * of the first validation pass of a synthesis (the root is validated first) the registry computes the
 * issues of all of them at once (their objects plus every policy `ApiObject` written by hand elsewhere
 * in the app, indexed by kind, namespace, name, port and labels), and attaches a validation to each
 * construct that has issues, returning its share, so cdk8s prefixes each message with the path of the
 * construct it belongs to. Constructs without issues carry no validation: cdk8s validates the whole
 * app once per chart, and thousands of validations returning nothing cost a call each, every time.
 * Issues about hand-written objects are reported by the first registered construct, naming the
 * object's own path.
 */
import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { PerApp, SynthesisMemo, SynthesisState } from './_synthesis';
import { isPolicyKind, PolicyObjectIndex, type PolicyRecord } from '../core/authorization/checks';
import { describeValue, type ValidationIssue } from '../core/errors';
import type { KubeObject } from '../core/k8s';

/** What a registered construct contributes to the app-wide checks. */
export interface AuthorizationMember {
  /** The construct (its path scopes its issues). */
  readonly construct: IConstruct;
  /** The registry's bookkeeping: whether a validation returning this member's messages is attached. */
  attached?: boolean;
  /**
   * Its objects (as built: trusted), what is known about its workload, and issues only it can know
   * (computed at synthesis).
   */
  contribution(): { objects: readonly KubeObject[]; workload?: PolicyRecord['workload']; issues: ValidationIssue[] };
}

/** Renders an issue for `node.addValidation` (cdk8s adds the construct path itself). */
export function validationMessage(issue: ValidationIssue, ownScope?: string): string {
  const prefix = ownScope !== undefined && issue.scope !== ownScope ? `[${issue.scope}] ` : '';
  return `${prefix}${issue.field}: received ${describeValue(issue.value)}; ${issue.allowed}`;
}

/** The registry of the app `scope` belongs to. */
export class AuthorizationRegistry {
  /** The registry of the app of `scope` (created on first use). */
  public static of(scope: IConstruct): AuthorizationRegistry {
    return AuthorizationRegistry.apps.of(scope);
  }

  private static readonly apps = new PerApp((root) => new AuthorizationRegistry(root));

  private readonly members: AuthorizationMember[] = [];
  private readonly state: SynthesisState;
  private readonly memo: SynthesisMemo<Map<AuthorizationMember, string[]>>;
  /** The messages of the current validation pass, of the members that have any. */
  private current?: Map<AuthorizationMember, string[]>;

  private constructor(private readonly root: IConstruct) {
    this.state = SynthesisState.of(root);
    this.memo = new SynthesisMemo(this.state);
    this.state.onPass(() => this.beforeValidation());
  }

  /** Registers a construct: its issues are reported by its own validation at synthesis. */
  public register(member: AuthorizationMember): void {
    this.members.push(member);
    this.current = undefined;
    this.memo.invalidate();
  }

  /**
   * At the start of a validation pass: every member's messages, computed in the first pass of a
   * synthesis and served to its later passes (cdk8s validates the app once per chart); a validation
   * attached to each member that has any.
   */
  private beforeValidation(): void {
    if (this.members.length === 0) return;
    const results = this.memo.get(() => this.compute());
    this.current = results;
    for (const member of results.keys()) {
      if (member.attached) continue;
      member.attached = true;
      // its messages of the current pass (none once fixed)
      member.construct.node.addValidation({ validate: () => this.current?.get(member) ?? [] });
    }
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
          foreign.push({ object: this.state.render(c) as KubeObject, owner: c.node.path });
        } catch {
          // an object that does not synthesize fails synthesis on its own
        }
      }
      stack.push(...c.node.children);
    }
    issues.push(...index.add(foreign), ...index.checkReferences());
    const results = new Map<AuthorizationMember, string[]>();
    for (const issue of issues) {
      if (issue.severity === 'warning') continue;
      const member = byScope.get(issue.scope) ?? this.members[0];
      let messages = results.get(member);
      if (!messages) results.set(member, (messages = []));
      messages.push(validationMessage(issue, member.construct.node.path));
    }
    return results;
  }
}
