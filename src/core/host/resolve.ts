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
import { checkDns1123Label, checkMatches, isDns1123Subdomain, isPortNumber, PORT_NUMBER_RULE } from '../validation';
import { hostLayout, type HostLayout } from './layout';
import {
  DEFAULT_PROXY_UID,
  DEFAULT_PROXY_USER,
  type ExternalWorkloadHostProps,
  type ProxyBinary,
  type ProxyOptions,
  type ResolvedHost,
  type ServiceManagerOptions,
  type TrafficOptions,
} from './props';
import { resolveReadiness } from './readiness';
import { resolveSpire } from './resolve-spire';
import { checkAbsolutePath } from './safe-path';

export { checkSvidTtl, resolveSpireArchive, resolveSpireServerSettings, spireReleaseUrl, type SpireServerSettingsProps } from './resolve-spire';
export { checkAbsolutePath } from './safe-path';

const SHA256_RE = /^[0-9a-f]{64}$/;
const COMMAND_RE = /^[A-Za-z0-9_./+-]+$/;
const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
const CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

function checkCommand(issues: Issues, field: string, value: unknown): boolean {
  return checkMatches(issues, field, value, COMMAND_RE, 'expected a command name or absolute path (letters, digits, "_", ".", "/", "+", "-")');
}

function checkPortList(issues: Issues, field: string, ports: readonly unknown[] | undefined): void {
  if (ports === undefined) return;
  if (!Array.isArray(ports)) {
    issues.error(field, ports, 'expected a list of port numbers');
    return;
  }
  ports.forEach((p, i) => issues.check(isPortNumber(p), `${field}[${i}]`, p, PORT_NUMBER_RULE));
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

function uniq(list: readonly number[]): number[] {
  return [...new Set(list)];
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
