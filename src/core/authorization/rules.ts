/**
 * The objects that admit clients to a port: per group of sources, a `MeshTLSAuthentication` and/or
 * `NetworkAuthentication` and the `AuthorizationPolicy` requiring them (or one `ServerAuthorization`
 * with `legacyServerAuthorization`). Shared by the port-wide rules ({@link allowObjects}) and the
 * route rules (`routes.ts`).
 */
import type { DefaultInboundPolicy } from '../constants';
import { LINKERD_CRDS } from '../crds';
import type { AuthorizationPolicy } from '../crds/authorization-policy';
import type { MeshTLSAuthentication, MeshTLSAuthenticationSpecIdentityRefs } from '../crds/mesh-tls-authentication';
import type { NetworkAuthentication } from '../crds/network-authentication';
import type { ServerAuthorization, ServerAuthorizationSpecClient } from '../crds/server-authorization';
import type { Issues } from '../errors';
import { kubeObject, type KubeObject, type LabelSelector, type ObjectMeta } from '../k8s';
import { deriveName } from './names';
import { groupSources, normalizeSource, type NormalizedSource, type SourceContext, type SourceGroup } from './sources';
import type { AuthorizationSourceLike, ProxyProtocol } from './types';
import type { ResolvedWorkload } from './workload';

export interface LegacyServer {
  apiVersion: 'policy.linkerd.io/v1beta1';
  kind: 'Server';
  metadata: ObjectMeta;
  spec: { podSelector: LabelSelector; port: number | string; proxyProtocol?: string };
}

/** Everything the object builders need about the governed port, resolved and validated once. */
export interface ServerContext extends SourceContext {
  /** Construct path or component name, for messages. */
  readonly scope: string;
  /** Name of the `Server`. */
  readonly serverName: string;
  /** The governed workload. */
  readonly workload: ResolvedWorkload;
  /** The port (number or name). */
  readonly port: number | string;
  /** The protocol, when set. */
  readonly protocol?: ProxyProtocol;
  /** What the Server does with connections no rule admits. */
  readonly accessPolicy: DefaultInboundPolicy;
  /** Emit `ServerAuthorization` (and a `v1beta1` Server) instead of `AuthorizationPolicy`. */
  readonly legacy: boolean;
  /** Labels of every emitted object. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** What {@link meshAuthorizationObjects} returns. */

/** The API group of Linkerd's policy kinds. */
export const POLICY_GROUP = LINKERD_CRDS.Server.group;
const LEGACY_IDENTITY_RE = /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function policyObject<T extends KubeObject>(apiVersion: string, kind: string, metadata: ObjectMeta, spec: unknown): T {
  return { apiVersion, kind, metadata, spec } as unknown as T;
}

/** The metadata of an object of the port: its name, the namespace and the labels of every object. */
export function meta(ctx: ServerContext, name: string): ObjectMeta {
  return ctx.labels ? { name, namespace: ctx.namespace, labels: { ...ctx.labels } } : { name, namespace: ctx.namespace };
}

export function sourceGroups(
  ctx: ServerContext,
  sources: readonly AuthorizationSourceLike[] | undefined,
  field: string,
  issues: Issues,
): SourceGroup[] {
  if (!Array.isArray(sources) || sources.length === 0) {
    issues.error(field, sources, 'expected at least one source: an empty rule admits no one, so Linkerd would deny every request it covers');
    return [];
  }
  const normalized = sources
    .map((s, i) => normalizeSource(s, `${field}[${i}]`, ctx, issues))
    .filter((s): s is NormalizedSource => s !== undefined);
  return normalized.length === sources.length ? groupSources(normalized) : [];
}

function identityRefsOf(ctx: ServerContext, group: SourceGroup): MeshTLSAuthenticationSpecIdentityRefs[] | undefined {
  if (group.identities.length === 0 || !group.identities.every((i) => i.ref)) return undefined;
  return group.identities.map((i) => {
    const ref = i.ref!;
    if (ref.kind === 'Namespace') return { kind: 'Namespace', name: ref.name };
    return ref.namespace === ctx.namespace ? { kind: 'ServiceAccount', name: ref.name } : { kind: 'ServiceAccount', name: ref.name, namespace: ref.namespace };
  });
}

export type TargetRef = { group: string; kind: 'Server' | 'HTTPRoute'; name: string };

/** Per group of sources: its authentications and the `AuthorizationPolicy` targeting `target`. */
export function authorizationObjects(ctx: ServerContext, group: SourceGroup, base: string, target: TargetRef): KubeObject[] {
  const objects: KubeObject[] = [];
  const refs: AuthorizationPolicy['spec']['requiredAuthenticationRefs'] = [];
  if (group.identities.length > 0) {
    const name = deriveName(base, 'mtls');
    const identityRefs = identityRefsOf(ctx, group);
    const spec = identityRefs ? { identityRefs } : { identities: group.identities.map((i) => i.text) };
    objects.push(policyObject<MeshTLSAuthentication & KubeObject>(LINKERD_CRDS.MeshTLSAuthentication.apiVersion, 'MeshTLSAuthentication', meta(ctx, name), spec));
    refs.push({ group: POLICY_GROUP, kind: 'MeshTLSAuthentication', name });
  }
  if (group.networks) {
    const name = deriveName(base, 'net');
    objects.push(
      policyObject<NetworkAuthentication & KubeObject>(LINKERD_CRDS.NetworkAuthentication.apiVersion, 'NetworkAuthentication', meta(ctx, name), {
        networks: group.networks.map((n) => (n.except ? { cidr: n.cidr, except: [...n.except] } : { cidr: n.cidr })),
      }),
    );
    refs.push({ group: POLICY_GROUP, kind: 'NetworkAuthentication', name });
  }
  objects.push(
    policyObject<AuthorizationPolicy & KubeObject>(LINKERD_CRDS.AuthorizationPolicy.apiVersion, 'AuthorizationPolicy', meta(ctx, base), {
      targetRef: { group: target.group, kind: target.kind, name: target.name },
      requiredAuthenticationRefs: refs,
    }),
  );
  return objects;
}

function legacyAuthorizationObject(ctx: ServerContext, group: SourceGroup, base: string, field: string, issues: Issues): KubeObject | undefined {
  const client: ServerAuthorizationSpecClient = {};
  if (group.identities.length === 0) {
    client.unauthenticated = true;
  } else if (group.identities.every((i) => i.ref?.kind === 'ServiceAccount')) {
    client.meshTLS = {
      serviceAccounts: group.identities.map((i) => {
        const ref = i.ref as { name: string; namespace: string };
        return ref.namespace === ctx.namespace ? { name: ref.name } : { name: ref.name, namespace: ref.namespace };
      }),
    };
  } else {
    const bad = group.identities.find((i) => !LEGACY_IDENTITY_RE.test(i.text));
    if (bad) {
      issues.error(field, bad.text, 'expected a Linkerd identity (ServerAuthorization cannot express SPIFFE ids): drop legacyServerAuthorization to admit it with a MeshTLSAuthentication');
      return undefined;
    }
    client.meshTLS = { identities: group.identities.map((i) => i.text) };
  }
  if (group.networks) client.networks = group.networks.map((n) => (n.except ? { cidr: n.cidr, except: [...n.except] } : { cidr: n.cidr }));
  return kubeObject<ServerAuthorization & KubeObject>(LINKERD_CRDS.ServerAuthorization.apiVersion, 'ServerAuthorization', meta(ctx, base), {
    spec: { server: { name: ctx.serverName }, client },
  });
}

/**
 * The objects admitting `sources` to every request on the port: per group of sources, an
 * `AuthorizationPolicy` targeting the Server with its `MeshTLSAuthentication` and/or
 * `NetworkAuthentication` (or one `ServerAuthorization` with `legacyServerAuthorization`).
 */
export function allowObjects(
  ctx: ServerContext,
  sources: readonly AuthorizationSourceLike[] | undefined,
  field: string,
  issues: Issues,
): KubeObject[] {
  const groups = sourceGroups(ctx, sources, field, issues);
  const out: KubeObject[] = [];
  for (const g of groups) {
    const base = deriveName(ctx.serverName, g.label);
    if (ctx.legacy) {
      const obj = legacyAuthorizationObject(ctx, g, base, field, issues);
      if (obj) out.push(obj);
    } else {
      out.push(...authorizationObjects(ctx, g, base, { group: POLICY_GROUP, kind: 'Server', name: ctx.serverName }));
    }
  }
  return out;
}
