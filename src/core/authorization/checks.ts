/**
 * Checks across policy objects, wherever they come from (several `MeshAuthorization`s, hand-written
 * objects in the same app): names are unique, references resolve, identities are well formed, and no
 * two Servers govern the same pods and port (`server-overlaps.ts`).
 */
import { type ValidationIssue } from '../errors';
import { objectRef, type KubeObject } from '../k8s';
import { isMeshIdentity, MESH_IDENTITY_RULE } from '../validation';
import { overlapIssue, ServerOverlapIndex, type KnownWorkload } from './server-overlaps';

export { overlapIssue, ServerOverlapIndex, type KnownWorkload, type ServerEntry, type ServerOverlap } from './server-overlaps';

/** A policy object and who emits it. */
export interface PolicyRecord {
  /** The object. */
  readonly object: KubeObject;
  /** Construct path (or component name) that emits it: issues about it are scoped here. */
  readonly owner: string;
  /**
   * Built by this library from checked props: indexed (names, overlaps, rate-limit targets) but its
   * references are not re-checked.
   *
   * @default false
   */
  readonly trusted?: boolean;
  /** For a Server: what is known about the workload it governs (ports resolve names; labels prove overlaps). */
  readonly workload?: KnownWorkload;
}

const POLICY_GROUP = 'policy.linkerd.io';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';

function groupOf(obj: KubeObject): string {
  const slash = obj.apiVersion.indexOf('/');
  return slash === -1 ? '' : obj.apiVersion.slice(0, slash);
}

/** The kind as the name index keys it: Gateway API routes are distinct from Linkerd's. */
function kindKey(kind: string, group: string): string {
  return group === GATEWAY_GROUP ? `${kind}.${GATEWAY_GROUP}` : kind;
}

type Json = Record<string, any>;

/** The kinds {@link PolicyObjectIndex} keeps (others are ignored). */
export const POLICY_KINDS = [
  'Server',
  'ServerAuthorization',
  'AuthorizationPolicy',
  'MeshTLSAuthentication',
  'NetworkAuthentication',
  'HTTPRoute',
  'GRPCRoute',
  'HTTPLocalRateLimitPolicy',
  'EgressNetwork',
  'ServiceProfile',
] as const;

const POLICY_KIND_SET: ReadonlySet<string> = new Set(POLICY_KINDS);

/** True for a kind {@link PolicyObjectIndex} keeps. */
export function isPolicyKind(kind: string): boolean {
  return POLICY_KIND_SET.has(kind);
}

/**
 * Policy objects from several emitters: detects duplicate names and overlapping Servers as they are
 * added, and checks references once everything is in.
 */
export class PolicyObjectIndex {
  /** kind (with the Gateway API group for its routes) -> namespace -> name -> owner */
  private readonly owners = new Map<string, Map<string, Map<string, string>>>();
  /** Records whose references are checked (untrusted ones, and every rate limit). */
  private readonly records: PolicyRecord[] = [];
  private readonly servers = new ServerOverlapIndex();

  /** Adds objects; returns the duplicate-name and Server-overlap issues they raise. */
  public add(records: readonly PolicyRecord[]): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    for (const r of records) this.addOne(r.object, r.owner, r.workload, r.trusted === true, r, issues);
    return issues;
  }

  /**
   * Adds the objects one emitter built (what {@link policyRecordsOf} describes, without building the
   * records): trusted, the Server carrying `workload`.
   */
  public addObjects(objects: readonly KubeObject[], owner: string, workload?: PolicyRecord['workload']): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    for (const object of objects) this.addOne(object, owner, workload, true, undefined, issues);
    return issues;
  }

  /** True when an object of this kind (and API group) exists. */
  public has(kind: string, namespace: string | undefined, name: string | undefined, group = ''): boolean {
    return this.owners.get(kindKey(kind, group))?.get(namespace ?? '')?.has(name ?? '') === true;
  }

  private addOne(
    obj: KubeObject,
    owner: string,
    workload: PolicyRecord['workload'],
    trusted: boolean,
    record: PolicyRecord | undefined,
    issues: ValidationIssue[],
  ): void {
    if (!POLICY_KIND_SET.has(obj.kind)) return;
    const group = groupOf(obj);
    const kk = kindKey(obj.kind, group);
    let byNs = this.owners.get(kk);
    if (!byNs) {
      byNs = new Map();
      this.owners.set(kk, byNs);
    }
    const ns = obj.metadata.namespace ?? '';
    let byName = byNs.get(ns);
    if (!byName) {
      byName = new Map();
      byNs.set(ns, byName);
    }
    const name = obj.metadata.name ?? '';
    const first = byName.get(name);
    if (first !== undefined) {
      issues.push({
        scope: owner,
        field: 'name',
        value: obj.metadata.name,
        allowed: `expected a unique ${obj.kind} name in namespace ${obj.metadata.namespace}: ${first} emits ${objectRef(obj)} too (the second would overwrite the first)`,
        severity: 'error',
      });
      return;
    }
    byName.set(name, owner);
    if (!trusted || obj.kind === 'HTTPLocalRateLimitPolicy') this.records.push(record ?? { object: obj, owner, trusted });
    if (obj.kind === 'Server' && group === POLICY_GROUP) {
      const spec = (obj as Json).spec ?? {};
      const selector = spec.externalWorkloadSelector ?? spec.podSelector;
      if (selector && spec.port !== undefined) {
        const overlaps = this.servers.add({
          owner,
          namespace: obj.metadata.namespace ?? 'default',
          name,
          selectorKind: spec.externalWorkloadSelector ? 'externalWorkload' : 'pod',
          selector,
          port: spec.port,
          workload,
        });
        for (const o of overlaps) issues.push(overlapIssue(o));
      }
    }
  }

  /**
   * Checks every reference among the objects added: `AuthorizationPolicy` targets and required
   * authentications, `HTTPRoute` parents, `HTTPLocalRateLimitPolicy` and `ServerAuthorization`
   * targets exist; identities are well formed; a Server has at most one rate limit.
   *
   * `ServiceAccount` references are not checked for existence (service accounts are usually created
   * with their workloads, elsewhere). Trusted records (built by this library from checked props) are
   * indexed but not re-checked.
   */
  public checkReferences(): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    const rateLimited = new Map<string, string>();
    for (const r of this.records) {
      const obj = r.object as Json;
      if (obj.kind === 'HTTPLocalRateLimitPolicy') this.checkRateLimit(r, rateLimited, out);
      if (r.trusted) continue;
      if (obj.kind === 'AuthorizationPolicy') {this.checkAuthorizationPolicy(r, out);} else if (obj.kind === 'HTTPRoute' || obj.kind === 'GRPCRoute') {
        (obj.spec?.parentRefs ?? []).forEach((p: Json, i: number) => {
          if (p.kind === 'Server') this.mustExist(r, out, `spec.parentRefs[${i}].name`, 'Server', POLICY_GROUP, p.namespace ?? obj.metadata?.namespace, p.name);
        });
      } else if (obj.kind === 'ServerAuthorization') {
        if (obj.spec?.server?.name !== undefined) this.mustExist(r, out, 'spec.server.name', 'Server', POLICY_GROUP, obj.metadata?.namespace, obj.spec.server.name);
      } else if (obj.kind === 'MeshTLSAuthentication') {
        (obj.spec?.identities ?? []).forEach((id: unknown, i: number) => {
          if (!isMeshIdentity(id)) issueAt(r, out, `spec.identities[${i}]`, id, MESH_IDENTITY_RULE);
        });
        (obj.spec?.identityRefs ?? []).forEach((x: Json, i: number) => {
          if (x.kind !== 'ServiceAccount' && x.kind !== 'Namespace') issueAt(r, out, `spec.identityRefs[${i}].kind`, x.kind, 'expected ServiceAccount or Namespace');
        });
      }
    }
    return out;
  }

  private mustExist(
    r: PolicyRecord,
    out: ValidationIssue[],
    field: string,
    kind: string,
    group: string,
    namespace: string | undefined,
    name: string,
  ): void {
    if (this.has(kind, namespace, name, group)) return;
    issueAt(
      r,
      out,
      field,
      name,
      `expected an existing ${kind} in namespace ${namespace}: none named "${name}" is in this app (a reference that does not resolve makes Linkerd ignore the policy, denying what it should admit)`,
    );
  }

  private checkAuthorizationPolicy(r: PolicyRecord, out: ValidationIssue[]): void {
    const obj = r.object as Json;
    const ns: string | undefined = obj.metadata?.namespace;
    const t = obj.spec?.targetRef ?? {};
    if (t.kind === 'Server') {
      this.mustExist(r, out, 'spec.targetRef.name', 'Server', POLICY_GROUP, ns, t.name);
    } else if (t.kind === 'HTTPRoute' || t.kind === 'GRPCRoute') {
      this.mustExist(r, out, 'spec.targetRef.name', t.kind, t.group ?? POLICY_GROUP, ns, t.name);
    } else if (t.kind === 'Namespace') {
      if (t.name !== ns) issueAt(r, out, 'spec.targetRef.name', t.name, `expected the policy's own namespace "${ns}" (an AuthorizationPolicy cannot target another namespace)`);
    } else {
      issueAt(r, out, 'spec.targetRef.kind', t.kind, 'expected Server, HTTPRoute, GRPCRoute or Namespace');
    }
    const refs: Json[] = obj.spec?.requiredAuthenticationRefs ?? [];
    const count = (k: string) => refs.filter((x) => x.kind === k).length;
    const listed = () => refs.map((x) => `${x.kind}/${x.name}`);
    if (count('MeshTLSAuthentication') + count('ServiceAccount') > 1) {
      issueAt(r, out, 'spec.requiredAuthenticationRefs', listed(), 'expected at most one MeshTLSAuthentication or ServiceAccount (Linkerd rejects more; list alternatives in one MeshTLSAuthentication)');
    }
    if (count('NetworkAuthentication') > 1) {
      issueAt(r, out, 'spec.requiredAuthenticationRefs', listed(), 'expected at most one NetworkAuthentication (Linkerd rejects more; list alternatives in one NetworkAuthentication)');
    }
    refs.forEach((x, i) => {
      const f = `spec.requiredAuthenticationRefs[${i}]`;
      if (x.kind === 'MeshTLSAuthentication' || x.kind === 'NetworkAuthentication') this.mustExist(r, out, `${f}.name`, x.kind, POLICY_GROUP, x.namespace ?? ns, x.name);
      else if (x.kind !== 'ServiceAccount') issueAt(r, out, `${f}.kind`, x.kind, 'expected MeshTLSAuthentication, NetworkAuthentication or ServiceAccount');
    });
  }

  private checkRateLimit(r: PolicyRecord, rateLimited: Map<string, string>, out: ValidationIssue[]): void {
    const obj = r.object as Json;
    const ns: string | undefined = obj.metadata?.namespace;
    const t = obj.spec?.targetRef ?? {};
    if (t.kind !== 'Server') {
      issueAt(r, out, 'spec.targetRef.kind', t.kind, 'expected Server (the only target of a rate limit)');
      return;
    }
    if (!r.trusted) this.mustExist(r, out, 'spec.targetRef.name', 'Server', POLICY_GROUP, ns, t.name);
    const k = `${ns}/${t.name}`;
    const other = rateLimited.get(k);
    if (other) issueAt(r, out, 'spec.targetRef.name', t.name, `expected one HTTPLocalRateLimitPolicy per Server: ${other} already limits Server ${k}`);
    else rateLimited.set(k, objectRef(r.object));
  }
}

function issueAt(r: PolicyRecord, out: ValidationIssue[], field: string, value: unknown, allowed: string): void {
  out.push({ scope: r.owner, field: `${objectRef(r.object)}: ${field}`, value, allowed, severity: 'error' });
}

/**
 * The records of the objects one `MeshAuthorization` built (trusted: their references were built
 * together); the Server among them carries what is known about the workload (ports, pod labels).
 */
export function policyRecordsOf(objects: readonly KubeObject[], owner: string, workload?: PolicyRecord['workload']): PolicyRecord[] {
  return objects.map((object) => (workload && object.kind === 'Server' ? { object, owner, workload, trusted: true } : { object, owner, trusted: true }));
}

/** Runs every cross-object check over `records` (duplicates, overlaps, references). */
export function checkPolicyObjects(records: readonly PolicyRecord[]): ValidationIssue[] {
  const index = new PolicyObjectIndex();
  const issues = index.add(records);
  return [...issues, ...index.checkReferences()];
}
