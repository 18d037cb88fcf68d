/**
 * The SPIRE part of a host's props, checked and defaulted: the topology (`spire.kind`: an agent of a
 * SpireServerHost, an agent you run, or a local server), the release archive, and the settings every
 * SPIRE server has (shared with `SpireServerHost`).
 */
import * as path from 'path';
import type { Issues } from '../errors';
import { checkDuration, checkOneOf, checkSpiffeId, durationMs, isDns1123Subdomain, isDuration, isIp, isPortNumber, PORT_NUMBER_RULE } from '../validation';
import type { HostLayout } from './layout';
import {
  SPIRE_DEFAULT_VERSION,
  type ExternalWorkloadHostProps,
  type HostArch,
  type LocalSpireOptions,
  type ResolvedExistingAgent,
  type ResolvedLocalSpire,
  type ResolvedSpireAgent,
  type SpireAgentOptions,
  type SpireInstall,
  type SpireOptions,
  type SpirePathInstall,
  type SpireServerReference,
  type SpireUrlInstall,
} from './props';
import { checkAbsolutePath } from './safe-path';
import { checkUpstreamCa } from './upstream-ca';

const SHA256_RE = /^[0-9a-f]{64}$/;

/** SPIRE's log levels (agent and server). */
const SPIRE_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

/** A SPIRE release archive install, checked, its URL defaulted from the version and architecture. */
export function resolveSpireArchive(issues: Issues, field: string, install: SpireUrlInstall, version: string): Required<SpireUrlInstall> {
  const arch = install.arch ?? 'amd64';
  issues.check(arch === 'amd64' || arch === 'arm64', `${field}.arch`, arch, 'expected "amd64" or "arm64"');
  const url = install.url ?? spireReleaseUrl(version, arch);
  issues.check(/^(https?|file):\/\/\S+$/.test(url), `${field}.url`, url, 'expected an http(s):// or file:// URL');
  issues.check(SHA256_RE.test(String(install.sha256)), `${field}.sha256`, install.sha256, "expected the sha256 of the release archive: 64 lowercase hex digits (from SPIRE's release page)");
  return { kind: 'url', sha256: install.sha256, url, arch };
}

/**
 * The install of one SPIRE binary (`agentBinary` or `serverBinary`): a release archive, checked, or
 * the binary already on the host at a checked path. Returns the install and where the binary is
 * (`defaultPath` for an archive, or when the path is bad).
 */
export function resolveSpireBinaryInstall<B extends 'agentBinary' | 'serverBinary', P extends { readonly kind: 'path' } & { readonly [K in B]: string }>(
  issues: Issues,
  field: string,
  install: SpireUrlInstall | P | undefined,
  version: string,
  binary: B,
  defaultPath: string,
): { install: Required<SpireUrlInstall> | P; binaryPath: string } {
  if (install?.kind === 'url') return { install: resolveSpireArchive(issues, field, install, version), binaryPath: defaultPath };
  if (install?.kind === 'path') {
    const at = (install as P)[binary];
    return { install: install as P, binaryPath: checkAbsolutePath(issues, `${field}.${binary}`, at) ? at : defaultPath };
  }
  issues.error(field, install, `expected { kind: "url", sha256, url?, arch? } or { kind: "path", ${binary} }`);
  return { install: { kind: 'path', [binary]: '/' } as P, binaryPath: defaultPath };
}

/** The default SPIRE release archive URL. */
export function spireReleaseUrl(version: string, arch: HostArch): string {
  return `https://github.com/spiffe/spire/releases/download/v${version}/spire-${version}-linux-${arch}-musl.tar.gz`;
}

/** The SPIRE topology of the host (`spire.kind`): an agent of a SpireServerHost, an agent you run, or a local server. */
export function resolveSpire(
  issues: Issues,
  props: ExternalWorkloadHostProps,
  trustDomain: string,
  nodeName: string,
  layout: HostLayout,
  checkTrustAnchor: boolean,
): ResolvedLocalSpire | ResolvedExistingAgent | ResolvedSpireAgent {
  const s = props.spire as SpireOptions | undefined;
  if (s === undefined || s === null || (s as { kind?: unknown }).kind === undefined) {
    issues.error(
      'spire.kind',
      s === undefined || s === null ? s : (s as { kind?: unknown }).kind,
      'expected "agent" (join a SpireServerHost: the VM holds no key that signs for the mesh), "existing-agent" (a SPIRE agent you run), ' +
        'or "local" (opt-in: a SPIRE server on the VM signing with the trust anchor key)',
    );
    return { kind: 'existing-agent', socketPath: '/', trustDomain: trustDomain };
  } else if (s.kind === 'agent') {
    return resolveSpireAgent(issues, s, trustDomain, nodeName, layout);
  } else if (s.kind === 'existing-agent') {
    checkAbsolutePath(issues, 'spire.socketPath', s.socketPath);
    return { kind: 'existing-agent', socketPath: s.socketPath, trustDomain: trustDomain };
  } else if (s.kind === 'local') {
    return resolveLocalSpire(issues, s, props.trustAnchorPem, trustDomain, layout, checkTrustAnchor);
  } else {
    issues.error('spire.kind', (s as { kind?: unknown }).kind, 'expected one of "agent", "existing-agent", "local"');
    return { kind: 'existing-agent', socketPath: '/', trustDomain: trustDomain };
  }

}

/** `spire.kind: 'local'` (opt-in, warned): a SPIRE server and agent on the VM, signing with an intermediate. */
function resolveLocalSpire(
  issues: Issues,
  s: LocalSpireOptions,
  trustAnchorPem: unknown,
  trustDomain: string,
  layout: HostLayout,
  checkTrustAnchor: boolean,
): ResolvedLocalSpire {
  issues.warn(
    'spire.kind',
    'local',
    'expected "agent": with a local SPIRE server this VM holds the SPIRE upstream CA\'s key (an intermediate the anchor signed), and root on it ' +
      'can sign a certificate for every identity of the mesh, in the cluster too; use a SpireServerHost and spire: { kind: "agent", server } ' +
      '(docs/mesh-expansion.md, "SPIRE topology")',
  );
  const { version, caTtl, svidTtl, joinTokenTtlSeconds, logLevel } = resolveSpireServerSettings(issues, s, 'spire.');
  const agentId = s.agentId ?? `spiffe://${trustDomain}/agent`;
  if (checkSpiffeId(issues, 'spire.agentId', agentId) && !agentId.startsWith(`spiffe://${trustDomain}/`)) {
    issues.error('spire.agentId', agentId, `expected a SPIFFE id in the trust domain "${trustDomain}"`);
  }
  const serverPort = s.serverPort ?? 8081;
  issues.check(isPortNumber(serverPort), 'spire.serverPort', serverPort, PORT_NUMBER_RULE);
  const install = s.install as SpireInstall | undefined;
  let resolvedInstall: Required<SpireUrlInstall> | SpirePathInstall = { kind: 'path', serverBinary: '/', agentBinary: '/' };
  let serverBinary = path.posix.join(layout.spireBinDir, 'spire-server');
  let agentBinary = path.posix.join(layout.spireBinDir, 'spire-agent');
  if (install?.kind === 'url') {
    resolvedInstall = resolveSpireArchive(issues, 'spire.install', install, version);
  } else if (install?.kind === 'path') {
    if (checkAbsolutePath(issues, 'spire.install.serverBinary', install.serverBinary)) serverBinary = install.serverBinary;
    if (checkAbsolutePath(issues, 'spire.install.agentBinary', install.agentBinary)) agentBinary = install.agentBinary;
    resolvedInstall = install;
  } else {
    issues.error('spire.install', install, 'expected { kind: "url", sha256, url?, arch? } or { kind: "path", serverBinary, agentBinary }');
  }
  if (checkTrustAnchor && typeof trustAnchorPem === 'string') checkUpstreamCa(issues, s.upstreamCaPem, trustAnchorPem, 'spire.upstreamCaPem');
  const upstreamCaPem = typeof s.upstreamCaPem === 'string' ? s.upstreamCaPem.trim() : '';
  return { kind: 'local', version, install: resolvedInstall, serverBinary, agentBinary, trustDomain, agentId, serverPort, caTtl, svidTtl, joinTokenTtlSeconds, logLevel, upstreamCaPem };
}

/** The agent-only SPIRE settings: one agent per VM, attested as `spiffe://<trust domain>/agent/<nodeName>`. */
function resolveSpireAgent(
  issues: Issues,
  s: SpireAgentOptions,
  workloadTrustDomain: string,
  nodeName: string,
  layout: HostLayout,
): ResolvedSpireAgent {
  const version = s.version ?? SPIRE_DEFAULT_VERSION;
  issues.check(typeof version === 'string' && /^\d+\.\d+\.\d+$/.test(version), 'spire.version', version, 'expected a SPIRE release version such as "1.15.3"');
  const server = s.server as SpireServerReference | undefined;
  let trustDomain = workloadTrustDomain;
  if (!server || typeof server !== 'object') {
    issues.error('spire.server', server, 'expected the SPIRE server to join: a SpireServerHost, or { address, port, trustDomain, nodeName }');
  } else {
    issues.check(isDns1123Subdomain(server.address) || isIp(server.address), 'spire.server.address', server.address, 'expected an IP address or a DNS name');
    issues.check(isPortNumber(server.port), 'spire.server.port', server.port, PORT_NUMBER_RULE);
    issues.check(isDns1123Subdomain(server.nodeName), 'spire.server.nodeName', server.nodeName, 'expected the SPIRE server host\'s machine name: a DNS-1123 subdomain');
    issues.check(
      server.trustDomain === workloadTrustDomain,
      'spire.server.trustDomain',
      server.trustDomain,
      `expected the workload's SPIFFE trust domain "${workloadTrustDomain}": the server issues identities in its own trust domain only`,
    );
    trustDomain = server.trustDomain;
  }
  const logLevel = s.logLevel ?? 'INFO';
  checkOneOf(issues, 'spire.logLevel', logLevel, SPIRE_LOG_LEVELS);
  const { install: resolvedInstall, binaryPath: agentBinary } = resolveSpireBinaryInstall(
    issues,
    'spire.install',
    s.install as SpireAgentOptions['install'] | undefined,
    version,
    'agentBinary',
    path.posix.join(layout.spireBinDir, 'spire-agent'),
  );
  return {
    kind: 'agent',
    version,
    install: resolvedInstall,
    agentBinary,
    trustDomain,
    agentId: `spiffe://${trustDomain}/agent/${nodeName}`,
    server: server ?? { address: '', port: 0, trustDomain, nodeName: '' },
    logLevel,
  };
}

/**
 * SPIRE's own rule (spiffe/spire `pkg/server/ca/manager/manager.go`: `MaxSVIDTTLForCATTL` =
 * min(ca_ttl / 6, 7 days); `cmd/spire-server/cli/run/run.go` warns past it): a longer SVID TTL is cut
 * short when the CA rotates, so proxies would renew sooner than configured.
 */
export function checkSvidTtl(issues: Issues, caTtl: string, svidTtl: string): void {
  const max = Math.min(durationMs(caTtl) / 6, 7 * 24 * 3_600_000);
  if (durationMs(svidTtl) > max) {
    issues.warn(
      'spire.svidTtl',
      svidTtl,
      `expected at most ${Math.floor(max / 3_600_000)}h (a sixth of spire.caTtl ${caTtl}, at most 168h): SPIRE cuts longer SVIDs short at CA rotation; lower svidTtl or raise caTtl`,
    );
  }
}

/** The settings every SPIRE server has (the local mode's and a SpireServerHost's), checked under `prefix`. */
export interface SpireServerSettingsProps {
  readonly version?: string;
  readonly caTtl?: string;
  readonly svidTtl?: string;
  readonly joinTokenTtlSeconds?: number;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** Checks and defaults a SPIRE server's version, CA and SVID lifetimes, join token lifetime and log level. */
export function resolveSpireServerSettings(issues: Issues, s: SpireServerSettingsProps, prefix: string): Required<SpireServerSettingsProps> {
  const version = s.version ?? SPIRE_DEFAULT_VERSION;
  issues.check(typeof version === 'string' && /^\d+\.\d+\.\d+$/.test(version), `${prefix}version`, version, 'expected a SPIRE release version such as "1.15.3"');
  const caTtl = s.caTtl ?? '168h';
  checkDuration(issues, `${prefix}caTtl`, caTtl);
  const svidTtl = s.svidTtl ?? '24h';
  if (checkDuration(issues, `${prefix}svidTtl`, svidTtl) && isDuration(caTtl)) checkSvidTtl(issues, caTtl, svidTtl);
  const joinTokenTtlSeconds = s.joinTokenTtlSeconds ?? 600;
  issues.check(
    Number.isInteger(joinTokenTtlSeconds) && joinTokenTtlSeconds >= 30 && joinTokenTtlSeconds <= 86400,
    `${prefix}joinTokenTtlSeconds`,
    joinTokenTtlSeconds,
    'expected whole seconds from 30 to 86400',
  );
  const logLevel = s.logLevel ?? 'INFO';
  checkOneOf(issues, `${prefix}logLevel`, logLevel, SPIRE_LOG_LEVELS);
  return { version, caTtl, svidTtl, joinTokenTtlSeconds, logLevel };
}
