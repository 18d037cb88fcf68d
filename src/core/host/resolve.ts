/**
 * The checks and defaults of a host's props (`props.ts`): {@link resolveHost} for a workload VM,
 * and what a `SpireServerHost` shares with it (the host base, the SPIRE server settings, paths).
 * Every value that reaches a script is checked here against an allow-list.
 */
import { X509Certificate } from 'crypto';
import * as path from 'path';
import { DEFAULT_IGNORE_INBOUND_PORTS, DEFAULT_IGNORE_OUTBOUND_PORTS, PROXY_PORTS } from '../constants';
import { Issues, memoizedCheck } from '../errors';
import { resolveExternalWorkload } from '../external-workload/external-workload';
import { hasPemPrivateKey, pemCertificates } from '../identity/certificates';
import { meshProxyImage, type MeshInfo } from '../mesh-info';
import { checkDns1123Label, checkDuration, durationMs, isDuration, checkSpiffeId, isDns1123Subdomain, isIp, isPortNumber, PORT_NUMBER_RULE } from '../validation';
import { hostLayout, type HostLayout } from './layout';
import {
  DEFAULT_PROXY_UID,
  DEFAULT_PROXY_USER,
  SPIRE_DEFAULT_VERSION,
  type ExternalWorkloadHostProps,
  type HostArch,
  type LocalSpireOptions,
  type ProxyBinary,
  type ProxyOptions,
  type ResolvedExistingAgent,
  type ResolvedHost,
  type ResolvedLocalSpire,
  type ResolvedSpireAgent,
  type ServiceManagerOptions,
  type SpireAgentOptions,
  type SpireInstall,
  type SpireOptions,
  type SpireServerReference,
  type SpirePathInstall,
  type SpireUrlInstall,
  type TrafficOptions,
} from './props';
import { resolveReadiness } from './readiness';
import { checkUpstreamCa } from './upstream-ca';

const SHA256_RE = /^[0-9a-f]{64}$/;
const COMMAND_RE = /^[A-Za-z0-9_./+-]+$/;
const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
const CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * Paths reach generated scripts, units and cloud-init: an allow-list, not a deny-list (no quotes,
 * `$`, backticks, `;`, spaces or newlines can appear), on top of quoting by `shQuote`.
 */
const SAFE_PATH_RE = /^\/[A-Za-z0-9._/-]*$/;

/** Records an issue unless `value` is an absolute path of safe characters without `..` segments. */
export function checkAbsolutePath(issues: Issues, field: string, value: unknown): boolean {
  return issues.check(
    typeof value === 'string' && SAFE_PATH_RE.test(value) && !value.split('/').includes('..'),
    field,
    value,
    'expected an absolute path of letters, digits, ".", "_", "-" and "/" (no spaces, quotes, "$", backticks or ".." segments)',
  );
}

function checkCommand(issues: Issues, field: string, value: unknown): boolean {
  return issues.check(typeof value === 'string' && COMMAND_RE.test(value), field, value, 'expected a command name or absolute path (letters, digits, "_", ".", "/", "+", "-")');
}

function checkPortList(issues: Issues, field: string, ports: readonly unknown[] | undefined): void {
  if (ports === undefined) return;
  if (!Array.isArray(ports)) {
    issues.error(field, ports, 'expected a list of port numbers');
    return;
  }
  ports.forEach((p, i) => issues.check(isPortNumber(p), `${field}[${i}]`, p, PORT_NUMBER_RULE));
}

/** A SPIRE release archive install, checked, its URL defaulted from the version and architecture. */
export function resolveSpireArchive(issues: Issues, field: string, install: SpireUrlInstall, version: string): Required<SpireUrlInstall> {
  const arch = install.arch ?? 'amd64';
  issues.check(arch === 'amd64' || arch === 'arm64', `${field}.arch`, arch, 'expected "amd64" or "arm64"');
  const url = install.url ?? spireReleaseUrl(version, arch);
  issues.check(/^(https?|file):\/\/\S+$/.test(url), `${field}.url`, url, 'expected an http(s):// or file:// URL');
  issues.check(SHA256_RE.test(String(install.sha256)), `${field}.sha256`, install.sha256, "expected the sha256 of the release archive: 64 lowercase hex digits (from SPIRE's release page)");
  return { kind: 'url', sha256: install.sha256, url, arch };
}

/** The default SPIRE release archive URL. */
export function spireReleaseUrl(version: string, arch: HostArch): string {
  return `https://github.com/spiffe/spire/releases/download/v${version}/spire-${version}-linux-${arch}-musl.tar.gz`;
}

/**
 * Validates host props and applies every default. Throws one {@link ValidationError} naming each bad prop.
 *
 * @param scope construct path for messages
 * @param opts.ipsKnown false when workload IPs are not plain values yet (Pulumi Outputs)
 * @param opts.meshTrustAnchorsPem the mesh's trust anchors when known (the host's must be one of them)
 */
export function resolveHost(
  scope: string,
  props: ExternalWorkloadHostProps,
  mesh: MeshInfo,
  opts: {
    readonly ipsKnown?: boolean;
    /** The mesh's trust anchors, when known: the host's must be among them. */
    readonly meshTrustAnchorsPem?: string;
    /** false while the anchor is a stand-in (a Pulumi Output not known yet); it is checked once known. */
    readonly checkTrustAnchor?: boolean;
    /** false while the API server's CA is a stand-in; it is checked once known. */
    readonly checkReadinessCa?: boolean;
  } = {},
): ResolvedHost {
  const workload = resolveExternalWorkload(scope, props, mesh, opts);
  const issues = new Issues(scope);
  const nodeName = props.nodeName ?? props.name;
  issues.check(isDns1123Subdomain(nodeName), 'nodeName', nodeName, 'expected a host name: a DNS-1123 subdomain');
  checkHostTrustAnchorProp(issues, props, mesh, opts);

  const { serviceManager, layout } = resolveHostBase(issues, props);

  const proxy = resolveProxy(issues, props.proxy ?? {}, mesh, layout);
  const spire = resolveSpire(issues, props, workload.spiffeTrustDomain, nodeName, layout, opts.checkTrustAnchor !== false);
  const traffic = resolveTraffic(issues, props.traffic ?? {}, spire, proxy.inboundPort);

  const pf = props.preflight ?? {};
  const connectTimeoutSeconds = pf.connectTimeoutSeconds ?? 5;
  issues.check(Number.isInteger(connectTimeoutSeconds) && connectTimeoutSeconds >= 1 && connectTimeoutSeconds <= 120, 'preflight.connectTimeoutSeconds', connectTimeoutSeconds, 'expected whole seconds from 1 to 120');
  checkDns1123Label(issues, 'mesh.namespace', mesh.namespace);
  const readiness = resolveReadiness(issues, props.readiness, workload, opts.checkReadinessCa !== false);

  issues.throwIfErrors();
  return {
    // the destination controller reads a non-default inbound port from a port named linkerd-proxy
    workload: proxy.inboundPort === PROXY_PORTS.inbound ? workload : { ...workload, proxyInboundPort: proxy.inboundPort },
    mesh,
    nodeName,
    trustAnchorPem: props.trustAnchorPem.trim(),
    spire,
    proxy,
    traffic,
    serviceManager,
    preflight: { checkControlPlane: pf.checkControlPlane ?? true, connectTimeoutSeconds },
    layout,
    ...(readiness ? { readiness } : {}),
    warnings: issues.warnings,
  };
}

/** The host's trust anchor: present (with the command that reads it from a cert-manager mesh), certificates only, one of the mesh's. */
function checkHostTrustAnchorProp(
  issues: Issues,
  props: ExternalWorkloadHostProps,
  mesh: MeshInfo,
  opts: { readonly meshTrustAnchorsPem?: string; readonly checkTrustAnchor?: boolean },
): void {
  if (props.trustAnchorPem === undefined) {
    issues.error(
      'trustAnchorPem',
      undefined,
      "expected the mesh's trust anchor certificate in PEM; a mesh with a cert-manager identity publishes it in a ConfigMap: " +
        `kubectl -n ${mesh.namespace} get configmap linkerd-identity-trust-roots -o jsonpath='{.data.ca-bundle\\.crt}' > trust-anchor.crt ` +
        '(docs/mesh-expansion.md, "With a cert-manager identity")',
    );
  } else if (typeof props.trustAnchorPem !== 'string' || !CERT_RE.test(props.trustAnchorPem)) {
    issues.error('trustAnchorPem', props.trustAnchorPem, 'expected the trust anchor certificate in PEM ("-----BEGIN CERTIFICATE-----...")');
  } else if (hasPemPrivateKey(props.trustAnchorPem)) {
    issues.error('trustAnchorPem', props.trustAnchorPem, 'expected only certificates: no VM needs the trust anchor key');
  } else if (opts.checkTrustAnchor !== false) {
    checkHostTrustAnchor(issues, props.trustAnchorPem, opts.meshTrustAnchorsPem);
  }

}

/** The proxy: its binary (image of the mesh's release by default), user, uid and four distinct ports. */
function resolveProxy(issues: Issues, p: ProxyOptions, mesh: MeshInfo, layout: HostLayout): ResolvedHost['proxy'] {
  // the image follows the mesh: its registry (imageRegistry) and its release
  const requested: ProxyBinary = p.binary ?? { kind: 'image' };
  const binary: ProxyBinary = requested.kind === 'image' && requested.image === undefined ? { ...requested, image: meshProxyImage(mesh) } : requested;
  const uid = p.uid ?? DEFAULT_PROXY_UID;
  issues.check(Number.isInteger(uid) && uid > 0 && uid < 65534, 'proxy.uid', uid, 'expected a uid from 1 to 65533: the proxy runs as a dedicated non-root user, so its own traffic is told apart from the application\'s');
  const user = p.user ?? DEFAULT_PROXY_USER;
  issues.check(typeof user === 'string' && USER_RE.test(user) && user !== 'root', 'proxy.user', user, 'expected a user name (lowercase letters, digits, "_", "-", at most 32 characters), not root');
  const ports = {
    inboundPort: p.inboundPort ?? PROXY_PORTS.inbound,
    outboundPort: p.outboundPort ?? PROXY_PORTS.outbound,
    adminPort: p.adminPort ?? PROXY_PORTS.admin,
    controlPort: p.controlPort ?? PROXY_PORTS.control,
  };
  for (const [k, v] of Object.entries(ports)) issues.check(isPortNumber(v), `proxy.${k}`, v, PORT_NUMBER_RULE);
  if (new Set(Object.values(ports)).size !== 4) issues.error('proxy', ports, 'expected four different ports for inbound, outbound, admin and control');
  let binaryPath = path.posix.join(layout.proxyBinDir, 'linkerd2-proxy');
  switch (binary.kind) {
    case 'url':
      issues.check(typeof binary.url === 'string' && /^(https?|file):\/\/\S+$/.test(binary.url), 'proxy.binary.url', binary.url, 'expected an http(s):// or file:// URL');
      issues.check(SHA256_RE.test(String(binary.sha256)), 'proxy.binary.sha256', binary.sha256, 'expected a sha256 of 64 lowercase hex digits');
      break;
    case 'path':
      if (checkAbsolutePath(issues, 'proxy.binary.path', binary.path)) binaryPath = binary.path;
      break;
    case 'image':
      issues.check(
        binary.image === undefined || (typeof binary.image === 'string' && /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(binary.image)),
        'proxy.binary.image',
        binary.image,
        'expected an image reference such as "cr.l5d.io/linkerd/proxy:edge-26.8.3"',
      );
      issues.check(
        binary.containerTool === undefined || binary.containerTool === 'docker' || binary.containerTool === 'podman',
        'proxy.binary.containerTool',
        binary.containerTool,
        'expected "docker" or "podman"',
      );
      break;
    case 'upload':
      issues.check(typeof binary.localPath === 'string' && binary.localPath.length > 0, 'proxy.binary.localPath', binary.localPath, 'expected the path of the binary on the deploying machine');
      issues.check(binary.sha256 === undefined || SHA256_RE.test(binary.sha256), 'proxy.binary.sha256', binary.sha256, 'expected a sha256 of 64 lowercase hex digits');
      break;
    default:
      issues.error('proxy.binary.kind', (binary as { kind?: unknown }).kind, 'expected one of "url", "path", "image", "upload"');
  }

  return { binary, binaryPath, user, uid, ...ports };
}

/** The SPIRE topology of the host (`spire.kind`): an agent of a SpireServerHost, an agent you run, or a local server. */
function resolveSpire(
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

/** The redirect's exceptions: ignored and management ports (the agent's server port never redirected), the iptables command. */
function resolveTraffic(issues: Issues, t: TrafficOptions, spire: ResolvedHost['spire'], proxyInboundPort: number): ResolvedHost['traffic'] {
  checkPortList(issues, 'traffic.ignoreInboundPorts', t.ignoreInboundPorts);
  checkPortList(issues, 'traffic.ignoreOutboundPorts', t.ignoreOutboundPorts);
  checkPortList(issues, 'traffic.managementPorts', t.managementPorts);
  const inbound = uniq([...(t.ignoreInboundPorts ?? DEFAULT_IGNORE_INBOUND_PORTS), ...(t.managementPorts ?? [22])]);
  // an agent-only VM's SPIRE agent (root) reaches its server before the proxy has an identity, and
  // must when the proxy is down: its port is never redirected (as the proxy's own uid never is)
  const spirePort = spire.kind === 'agent' && isPortNumber(spire.server.port) ? [spire.server.port] : [];
  const outbound = uniq([...(t.ignoreOutboundPorts ?? DEFAULT_IGNORE_OUTBOUND_PORTS), ...spirePort]);
  // iptables multiport takes at most 15 ports
  issues.check(inbound.length <= 15, 'traffic.ignoreInboundPorts', inbound, 'expected at most 15 ports in total with managementPorts (the iptables multiport limit)');
  issues.check(outbound.length <= 15, 'traffic.ignoreOutboundPorts', outbound, 'expected at most 15 ports (the iptables multiport limit)');
  if (inbound.includes(proxyInboundPort)) issues.error('traffic.ignoreInboundPorts', inbound, `expected the proxy's inbound port ${proxyInboundPort} not to be ignored`);
  const iptablesCommand = t.iptablesCommand ?? 'iptables';
  checkCommand(issues, 'traffic.iptablesCommand', iptablesCommand);

  return { ignoreInboundPorts: inbound, ignoreOutboundPorts: outbound, iptablesCommand };
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
  issues.check(['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(logLevel), 'spire.logLevel', logLevel, 'expected one of "DEBUG", "INFO", "WARN", "ERROR"');
  const install = s.install as SpireAgentOptions['install'] | undefined;
  let agentBinary = path.posix.join(layout.spireBinDir, 'spire-agent');
  let resolvedInstall: ResolvedSpireAgent['install'] = { kind: 'path', agentBinary: '/' };
  if (install?.kind === 'url') {
    resolvedInstall = resolveSpireArchive(issues, 'spire.install', install, version);
  } else if (install?.kind === 'path') {
    if (checkAbsolutePath(issues, 'spire.install.agentBinary', install.agentBinary)) agentBinary = install.agentBinary;
    resolvedInstall = install;
  } else {
    issues.error('spire.install', install, 'expected { kind: "url", sha256, url?, arch? } or { kind: "path", agentBinary }');
  }
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

function uniq(list: readonly number[]): number[] {
  return [...new Set(list)];
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

/**
 * The trust anchor a host is given must be a root (a self-signed CA) and, when the mesh's anchors are
 * known, one of them: a VM that trusts another root cannot talk to the mesh, and one whose SPIRE signs
 * under another root hands out identities nobody in the cluster accepts.
 */
export function checkHostTrustAnchor(issues: Issues, hostAnchorPem: string, meshAnchorsPem?: string): void {
  // signature checks are costly, and every host of a program is given the same anchors
  memoizedCheck(issues, JSON.stringify(['checkHostTrustAnchor', hostAnchorPem, meshAnchorsPem ?? null]), (into) => hostTrustAnchorIssues(into, hostAnchorPem, meshAnchorsPem));
}

function hostTrustAnchorIssues(issues: Issues, hostAnchorPem: string, meshAnchorsPem?: string): void {
  const certs = pemCertificates(hostAnchorPem);
  let parsed: X509Certificate[];
  try {
    parsed = certs.map((c) => new X509Certificate(c));
  } catch {
    issues.error('trustAnchorPem', hostAnchorPem, 'expected PEM certificates that parse');
    return;
  }
  for (const cert of parsed) {
    const selfSigned = cert.ca && cert.subject === cert.issuer && cert.verify(cert.publicKey);
    issues.check(selfSigned, 'trustAnchorPem', `certificate ${cert.subject.replace(/\n/g, ', ')}`, 'expected a trust anchor: a self-signed CA certificate (not an issuer or a leaf)');
  }
  const meshCerts = meshAnchorsPem === undefined ? [] : pemCertificates(meshAnchorsPem);
  if (meshCerts.length === 0) return; // the mesh's anchors are not known (yet)
  const meshPrints = new Set(meshCerts.map((c) => new X509Certificate(c).fingerprint256));
  for (const cert of parsed) {
    issues.check(
      meshPrints.has(cert.fingerprint256),
      'trustAnchorPem',
      `certificate ${cert.subject.replace(/\n/g, ', ')} (SHA-256 ${cert.fingerprint256})`,
      "expected one of the mesh's trust anchors: this VM would not trust the cluster's proxies, nor they its identity",
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
  issues.check(['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(logLevel), `${prefix}logLevel`, logLevel, 'expected one of "DEBUG", "INFO", "WARN", "ERROR"');
  return { version, caTtl, svidTtl, joinTokenTtlSeconds, logLevel };
}

/** Where a host keeps things and how its services are managed: `root`, `serviceManager` (checked), and the layout under them. */
export function resolveHostBase(
  issues: Issues,
  props: { readonly root?: string; readonly serviceManager?: ServiceManagerOptions },
): { readonly root: string; readonly unitDir: string; readonly serviceManager: string; readonly layout: HostLayout } {
  const root = props.root ?? '/';
  checkAbsolutePath(issues, 'root', root);
  const unitDir = props.serviceManager?.unitDir ?? '/etc/systemd/system';
  checkAbsolutePath(issues, 'serviceManager.unitDir', unitDir);
  const serviceManager = props.serviceManager?.command ?? 'systemctl';
  checkCommand(issues, 'serviceManager.command', serviceManager);
  return { root, unitDir, serviceManager, layout: hostLayout(root, unitDir) };
}
