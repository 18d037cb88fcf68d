/**
 * Sources (who may call): validation, normalization to identities and networks, and grouping into
 * the fewest Linkerd objects that say the same thing.
 *
 * Linkerd ANDs the authentications one `AuthorizationPolicy` requires and allows at most one
 * `MeshTLSAuthentication` and one `NetworkAuthentication` per policy, while the identities of one
 * `MeshTLSAuthentication` and the networks of one `NetworkAuthentication` are alternatives. So the
 * sources of a rule (alternatives) become one group per distinct network restriction: identity
 * sources without networks share one `MeshTLSAuthentication`; sources with only networks share one
 * `NetworkAuthentication`; identity sources restricted to the same networks share a pair.
 */
import { DEFAULT_CONTROL_PLANE_NAMESPACE, DEFAULT_TRUST_DOMAIN } from '../constants';
import type { Issues } from '../errors';
import type { MeshInfo } from '../mesh-info';
import {
  DNS1123_LABEL_RULE,
  DNS1123_SUBDOMAIN_RULE,
  isDns1123Label,
  isDns1123Subdomain,
  isMeshIdentity,
  isSpiffeId,
  linkerdIdentity,
  MESH_IDENTITY_RULE,
} from '../validation';
import { deriveName, slug } from './names';
import { checkNetworks, networksKey } from './networks';
import type { AuthorizationSource, AuthorizationSourceLike, NetworkBlock } from './types';
import { externalWorkloadInfoOf, isExternalWorkloadInfo } from './workload';

/** A reference Linkerd resolves to identities itself (`identityRefs`). */
export type IdentityRef = { readonly kind: 'ServiceAccount'; readonly name: string; readonly namespace: string } | { readonly kind: 'Namespace'; readonly name: string };

/** One admitted identity: its text, and the reference it came from (service accounts, namespaces). */
export interface SourceIdentity {
  /** The identity string (`*` for any authenticated client). */
  readonly text: string;
  /** The ServiceAccount or Namespace it came from, when it came from one. */
  readonly ref?: IdentityRef;
  /** Readable label for names. */
  readonly label: string;
}

/** A validated source. */
export interface NormalizedSource {
  /** The identity admitted, or none (network-only source). */
  readonly identity?: SourceIdentity;
  /** The networks the client must connect from, or none. */
  readonly networks?: NetworkBlock[];
}

/** Sources that become one `AuthorizationPolicy` (or one `ServerAuthorization`). */
export interface SourceGroup {
  /** Readable label, unique among the groups of one rule. */
  readonly label: string;
  /** Identities admitted (alternatives); empty for a network-only group. */
  readonly identities: SourceIdentity[];
  /** Networks required (alternatives), if any. */
  readonly networks?: NetworkBlock[];
}

/** Facts sources need to become identities. */
export interface SourceContext {
  /** Namespace of the authorization (default namespace of service accounts). */
  readonly namespace: string;
  /** Identity trust domain. */
  readonly trustDomain: string;
  /** Control plane namespace (part of Linkerd identities). */
  readonly controlPlaneNamespace: string;
}

/** The source context of a mesh (defaults: `cluster.local`, `linkerd`). */
export function sourceContext(namespace: string, mesh?: MeshInfo): SourceContext {
  return {
    namespace,
    trustDomain: mesh?.trustDomain ?? DEFAULT_TRUST_DOMAIN,
    controlPlaneNamespace: mesh?.namespace ?? DEFAULT_CONTROL_PLANE_NAMESPACE,
  };
}

const SOURCE_KEYS: ReadonlySet<string> = new Set(['serviceAccount', 'namespace', 'identity', 'externalWorkload', 'anyAuthenticated', 'networks']);
const SOURCE_RULE =
  'expected a source: { serviceAccount[, namespace] }, { namespace }, { identity }, { externalWorkload }, { anyAuthenticated: true }, optionally with networks; or { networks } alone';

function identityLabel(identity: string, ctx: SourceContext): string {
  if (identity === '*') return 'authenticated';
  if (identity.startsWith('spiffe://')) {
    const path = identity.slice('spiffe://'.length).split('/').slice(1);
    return slug(path.length > 0 ? path.join('-') : identity.slice('spiffe://'.length));
  }
  const m = /^(\*|[^.]+)\.([^.]+)\.serviceaccount\.identity\./.exec(identity);
  if (m) return m[1] === '*' ? `ns-${m[2]}` : m[2] === ctx.namespace ? m[1] : `${m[2]}-${m[1]}`;
  return slug(identity.replace(/^\*\./, '').split('.')[0]);
}

function isPlainObject(value: unknown): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Validates one source and resolves its identity. Records issues under `field` and returns
 * `undefined` when invalid.
 */
export function normalizeSource(source: AuthorizationSourceLike, field: string, ctx: SourceContext, issues: Issues): NormalizedSource | undefined {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    issues.error(field, source, SOURCE_RULE);
    return undefined;
  }
  // an external workload given directly (its info, or an ExternalWorkloadHost)
  const direct = isExternalWorkloadInfo(source) ? source : !isPlainObject(source) ? externalWorkloadInfoOf(source) : undefined;
  const src: AuthorizationSource = direct ? { externalWorkload: direct } : (source as AuthorizationSource);
  if (!direct) {
    for (const k in src) {
      if (!SOURCE_KEYS.has(k)) {
        issues.error(`${field}.${k}`, (src as Record<string, unknown>)[k], `unknown field; ${SOURCE_RULE}`);
        return undefined;
      }
    }
  }
  let kind: string | undefined;
  let second: string | undefined;
  const see = (k: string) => {
    if (kind === undefined) kind = k;
    else second ??= k;
  };
  if (src.serviceAccount !== undefined) see('serviceAccount');
  else if (src.namespace !== undefined) see('namespace');
  if (src.identity !== undefined) see('identity');
  if (src.externalWorkload !== undefined) see('externalWorkload');
  if (src.anyAuthenticated !== undefined && src.anyAuthenticated !== false) see('anyAuthenticated');
  if (second !== undefined) {
    issues.error(field, source, `expected one identity field, got ${kind} and ${second}: list them as separate sources (sources of a rule are alternatives)`);
    return undefined;
  }
  let networks: NetworkBlock[] | undefined;
  if (src.networks !== undefined) {
    networks = checkNetworks(issues, `${field}.networks`, src.networks);
    if (!networks) return undefined;
  }
  if (kind === undefined) {
    if (!networks) {
      issues.error(field, source, `${SOURCE_RULE} (an empty source admits no one)`);
      return undefined;
    }
    return { networks };
  }
  const identity = sourceIdentity(src, kind, field, ctx, issues);
  if (!identity) return undefined;
  return networks ? { identity, networks } : { identity };
}

function sourceIdentity(src: AuthorizationSource, kind: string, field: string, ctx: SourceContext, issues: Issues): SourceIdentity | undefined {
  switch (kind) {
    case 'serviceAccount': {
      const namespace = src.namespace ?? ctx.namespace;
      let ok = issues.check(isDns1123Subdomain(src.serviceAccount), `${field}.serviceAccount`, src.serviceAccount, DNS1123_SUBDOMAIN_RULE);
      ok = issues.check(isDns1123Label(namespace), `${field}.namespace`, namespace, DNS1123_LABEL_RULE) && ok;
      if (!ok) return undefined;
      const name = src.serviceAccount!;
      return {
        text: linkerdIdentity(name, namespace, ctx.controlPlaneNamespace, ctx.trustDomain),
        ref: { kind: 'ServiceAccount', name, namespace },
        label: namespace === ctx.namespace ? slug(name) : slug(`${namespace}-${name}`),
      };
    }
    case 'namespace': {
      if (!issues.check(isDns1123Label(src.namespace), `${field}.namespace`, src.namespace, DNS1123_LABEL_RULE)) return undefined;
      const ns = src.namespace!;
      return {
        text: `*.${ns}.serviceaccount.identity.${ctx.controlPlaneNamespace}.${ctx.trustDomain}`,
        ref: { kind: 'Namespace', name: ns },
        label: `ns-${ns}`,
      };
    }
    case 'identity': {
      if (!issues.check(isMeshIdentity(src.identity), `${field}.identity`, src.identity, MESH_IDENTITY_RULE)) return undefined;
      return { text: src.identity!, label: identityLabel(src.identity!, ctx) };
    }
    case 'externalWorkload': {
      const info = externalWorkloadInfoOf(src.externalWorkload);
      if (!info) {
        issues.error(`${field}.externalWorkload`, src.externalWorkload, 'expected an ExternalWorkloadInfo { name, namespace, identity, labels, ports } or an object with externalWorkload (an ExternalWorkloadHost)');
        return undefined;
      }
      const ok = issues.check(
        isSpiffeId(info.identity) || isMeshIdentity(info.identity),
        `${field}.externalWorkload.identity`,
        info.identity,
        `${MESH_IDENTITY_RULE} (the identity ExternalWorkload ${info.namespace}/${info.name} presents)`,
      );
      return ok ? { text: info.identity, label: slug(info.name) } : undefined;
    }
    default: {
      if (!issues.check(src.anyAuthenticated === true, `${field}.anyAuthenticated`, src.anyAuthenticated, 'expected true (or leave it out)')) return undefined;
      return { text: '*', label: 'authenticated' };
    }
  }
}

/**
 * Groups validated sources (alternatives) into the fewest `AuthorizationPolicy`s: identities without
 * networks together, network-only sources together (their networks merged), and identities per
 * distinct network list. Duplicate identities are dropped; any-authenticated (`*`) absorbs the
 * other identities of its group.
 */
export function groupSources(sources: readonly NormalizedSource[]): SourceGroup[] {
  if (sources.length === 1 && sources[0].identity) {
    // the common case: one identity source
    const { identity, networks } = sources[0];
    const label = deriveName(identity.label, networks ? `from-${slug(networks[0].cidr)}` : '');
    return [networks ? { label, identities: [identity], networks } : { label, identities: [identity] }];
  }
  const groups = new Map<string, { identities: SourceIdentity[]; networks?: NetworkBlock[] }>();
  for (const s of sources) {
    const key = s.identity ? `id|${s.networks ? networksKey(s.networks) : ''}` : 'net';
    let g = groups.get(key);
    if (!g) {
      g = { identities: [], networks: s.networks ? [] : undefined };
      groups.set(key, g);
    }
    if (s.identity) {
      if (!g.identities.some((i) => i.text === s.identity!.text)) g.identities.push(s.identity);
      if (s.networks && g.networks!.length === 0) g.networks!.push(...s.networks);
    } else {
      const have = new Set(g.networks!.map((n) => networksKey([n])));
      for (const n of s.networks ?? []) {
        const k = networksKey([n]);
        if (!have.has(k)) {
          have.add(k);
          g.networks!.push(n);
        }
      }
    }
  }
  const out: SourceGroup[] = [];
  const used = new Set<string>();
  for (const [key, g] of groups) {
    const identities = g.identities.some((i) => i.text === '*') ? g.identities.filter((i) => i.text === '*') : g.identities;
    // network-only sources merge into one group per rule: "unauthenticated" (from these networks)
    let label =
      identities.length === 0 ? 'unauthenticated' : deriveName(identities.map((i) => i.label).join('-'), g.networks ? `from-${slug(g.networks[0].cidr)}` : '');
    if (used.has(label)) label = deriveName(label, key);
    used.add(label);
    out.push(g.networks ? { label, identities, networks: g.networks } : { label, identities });
  }
  return out;
}
