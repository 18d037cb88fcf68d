/**
 * Late-bound values of a host: what a program may know only at deploy time (the VM's IPs from the
 * resource that created it, the trust anchor from the mesh, a pinned version or checksum from
 * configuration). The core decides the shape of a host's plan from the props it knows (which steps,
 * which secrets, which files: never a late value) and completes it once the late values are known,
 * checking them then. A front end names the values it leaves for later; it never invents stand-ins.
 */
import type { MeshInfo } from '../mesh-info';
import { hostProvisioningPlan } from './plan';
import type { ExternalWorkloadHostProps, ProxyBinary, ResolvedHost, SpireOptions } from './props';
import { resolveHost } from './resolve';
import { resolveSpireServerHost, spireServerHostPlan, type ResolvedSpireServerHost, type SpireServerHostProps } from './spire-server-host';
import type { HostPlan } from './types';

/** The values of a host that may be late, by where they go in {@link ExternalWorkloadHostProps}. */
export interface HostLateValues {
  /** `trustAnchorPem`. */
  readonly trustAnchorPem?: string;
  /** `workloadIps`. */
  readonly workloadIps?: readonly string[];
  /** `spire.version`. */
  readonly spireVersion?: string;
  /** `spire.install.url` (a `url` install). */
  readonly spireUrl?: string;
  /** `spire.install.sha256` (a `url` install). */
  readonly spireSha256?: string;
  /** `spire.upstreamCaPem` (a local SPIRE server). */
  readonly upstreamCaPem?: string;
  /** `proxy.binary.url`. */
  readonly proxyUrl?: string;
  /** `proxy.binary.sha256`. */
  readonly proxySha256?: string;
  /** `proxy.binary.image`. */
  readonly proxyImage?: string;
  /** `readiness.apiServerUrl`. */
  readonly apiServerUrl?: string;
  /** `readiness.apiServerCaPem`. */
  readonly apiServerCaPem?: string;
}

/** A late value's name. */
export type HostLateKey = keyof HostLateValues;

/** Stand-ins that pass the shape's checks; only the shape reads them, nothing emits them. */
const STAND_IN: Required<HostLateValues> = {
  trustAnchorPem: '-----BEGIN CERTIFICATE-----\nlate\n-----END CERTIFICATE-----',
  workloadIps: ['192.0.2.1'],
  spireVersion: '0.0.0',
  spireUrl: 'https://late.invalid/spire.tar.gz',
  spireSha256: '0'.repeat(64),
  upstreamCaPem: '-----BEGIN CERTIFICATE-----\nlate\n-----END CERTIFICATE-----',
  proxyUrl: 'https://late.invalid/linkerd2-proxy',
  proxySha256: '0'.repeat(64),
  proxyImage: 'late.invalid/proxy:late',
  apiServerUrl: 'https://late.invalid',
  apiServerCaPem: '-----BEGIN CERTIFICATE-----\nlate\n-----END CERTIFICATE-----',
};

/** The props with these values at their places (absent ones left as they are). */
export function withLateValues(props: ExternalWorkloadHostProps, v: HostLateValues): ExternalWorkloadHostProps {
  const has = (k: HostLateKey) => v[k] !== undefined;
  let spire = props.spire as SpireOptions | undefined;
  if (spire && spire.kind !== 'existing-agent') {
    const install = spire.install?.kind === 'url' ? { ...spire.install, ...(has('spireUrl') ? { url: v.spireUrl } : {}), ...(has('spireSha256') ? { sha256: v.spireSha256! } : {}) } : spire.install;
    spire = { ...spire, install, ...(has('spireVersion') ? { version: v.spireVersion } : {}) } as SpireOptions;
    if (spire.kind === 'local' && has('upstreamCaPem')) spire = { ...spire, upstreamCaPem: v.upstreamCaPem! };
  }
  const b = props.proxy?.binary;
  let binary: ProxyBinary | undefined = b;
  if (b?.kind === 'url') binary = { ...b, ...(has('proxyUrl') ? { url: v.proxyUrl! } : {}), ...(has('proxySha256') ? { sha256: v.proxySha256! } : {}) };
  else if (b?.kind === 'upload' && has('proxySha256')) binary = { ...b, sha256: v.proxySha256 };
  else if (b?.kind === 'image' && has('proxyImage')) binary = { ...b, image: v.proxyImage };
  const readiness = props.readiness
    ? { ...props.readiness, ...(has('apiServerUrl') ? { apiServerUrl: v.apiServerUrl! } : {}), ...(has('apiServerCaPem') ? { apiServerCaPem: v.apiServerCaPem! } : {}) }
    : props.readiness;
  return {
    ...props,
    ...(has('trustAnchorPem') ? { trustAnchorPem: v.trustAnchorPem } : {}),
    ...(has('workloadIps') ? { workloadIps: [...v.workloadIps!] } : {}),
    ...(spire ? { spire } : {}),
    ...(props.proxy ? { proxy: { ...props.proxy, binary } } : {}),
    ...(readiness !== undefined ? { readiness } : {}),
  };
}

/** A host's plan as far as the known props decide it, and its completion. */
export interface HostShape {
  /** The resolved host (late values stood in for): its layout, workload, readiness, SPIRE mode. */
  readonly resolved: ResolvedHost;
  /** The plan's shape: its steps, their order, ids and secrets (their scripts hold stand-ins). */
  readonly plan: HostPlan;
  /** The values left for later. */
  readonly late: ReadonlySet<HostLateKey>;
  /**
   * The host and its plan with the late values, every check run (the anchor among the mesh's
   * anchors, when given). Throws one `ValidationError` naming each bad value.
   */
  complete(values: HostLateValues, meshTrustAnchorsPem?: string): { readonly resolved: ResolvedHost; readonly plan: HostPlan };
}

/**
 * Checks the known props and decides the plan's shape; the values named in `late` are checked when
 * {@link HostShape.complete} receives them. Throws one `ValidationError` naming each bad known prop.
 */
export function hostShape(scope: string, props: ExternalWorkloadHostProps, mesh: MeshInfo, late: ReadonlySet<HostLateKey>): HostShape {
  const standIns = Object.fromEntries([...late].map((k) => [k, STAND_IN[k]])) as HostLateValues;
  const resolved = resolveHost(scope, withLateValues(props, standIns), mesh, {
    ipsKnown: !late.has('workloadIps'),
    // a local server's upstream CA is checked against the anchor: both known, or both once known
    checkTrustAnchor: !late.has('trustAnchorPem') && !late.has('upstreamCaPem'),
    checkReadinessCa: !late.has('apiServerCaPem'),
  });
  return {
    resolved,
    plan: hostProvisioningPlan(resolved),
    late,
    complete: (values, meshTrustAnchorsPem) => {
      const r = resolveHost(scope, withLateValues(props, values), mesh, { meshTrustAnchorsPem });
      return { resolved: r, plan: hostProvisioningPlan(r) };
    },
  };
}

/** The values of a `SpireServerHost` that may be late. */
export interface SpireServerLateValues {
  /** `trustAnchorPem`. */
  readonly trustAnchorPem?: string;
  /** `upstreamCaPem`. */
  readonly upstreamCaPem?: string;
  /** `install.url` (a `url` install). */
  readonly spireUrl?: string;
  /** `install.sha256` (a `url` install). */
  readonly spireSha256?: string;
}

/** A late value's name. */
export type SpireServerLateKey = keyof SpireServerLateValues;

/** A SPIRE server host's plan as far as the known props decide it, and its completion. */
export interface SpireServerHostShape {
  /** The resolved server (late values stood in for). */
  readonly resolved: ResolvedSpireServerHost;
  /** The plan's shape: its steps, ids and secrets. */
  readonly plan: HostPlan;
  /** The server and its plan with the late values, every check run (the upstream CA against the anchor). */
  complete(values: SpireServerLateValues): { readonly resolved: ResolvedSpireServerHost; readonly plan: HostPlan };
}

/** The props with these values at their places. */
function serverWithLateValues(props: SpireServerHostProps, v: SpireServerLateValues): SpireServerHostProps {
  const i = props.install;
  const install = i?.kind === 'url' ? { ...i, ...(v.spireUrl !== undefined ? { url: v.spireUrl } : {}), ...(v.spireSha256 !== undefined ? { sha256: v.spireSha256 } : {}) } : i;
  return {
    ...props,
    install,
    ...(v.trustAnchorPem !== undefined ? { trustAnchorPem: v.trustAnchorPem } : {}),
    ...(v.upstreamCaPem !== undefined ? { upstreamCaPem: v.upstreamCaPem } : {}),
  };
}

/** {@link hostShape} for a `SpireServerHost`: the certificates are checked now when both are known, else at completion. */
export function spireServerHostShape(
  scope: string,
  props: SpireServerHostProps,
  mesh: MeshInfo,
  late: ReadonlySet<SpireServerLateKey>,
): SpireServerHostShape {
  const standIns: SpireServerLateValues = Object.fromEntries([...late].map((k) => [k, STAND_IN[k]]));
  const checkCertificates = !late.has('trustAnchorPem') && !late.has('upstreamCaPem');
  const resolved = resolveSpireServerHost(scope, serverWithLateValues(props, standIns), mesh, { checkCertificates });
  return {
    resolved,
    plan: spireServerHostPlan(resolved),
    complete: (values) => {
      const r = resolveSpireServerHost(scope, serverWithLateValues(props, values), mesh);
      return { resolved: r, plan: spireServerHostPlan(r) };
    },
  };
}
