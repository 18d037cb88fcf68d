/**
 * Props of an external workload host (a VM meshed with SPIRE) and their resolution: defaults,
 * validation, and the file layout on the host.
 *
 * The same props drive the cluster objects (`ExternalWorkload`), the provisioning plan, the shell
 * bundle and the cloud-init user-data, for cdk8s and Pulumi alike.
 */
import { X509Certificate } from 'crypto';
import * as path from 'path';
import { DEFAULT_IGNORE_INBOUND_PORTS, DEFAULT_IGNORE_OUTBOUND_PORTS, LINKERD_DEFAULT_VERSION, PROXY_PORTS } from '../constants';
import { Issues, type ValidationIssue } from '../errors';
import { resolveExternalWorkload, type ExternalWorkloadProps, type ResolvedExternalWorkload } from '../external-workload/external-workload';
import { hasPemPrivateKey, pemCertificates } from '../identity/certificates';
import { meshProxyImage, type MeshInfo } from '../mesh-info';
import { resolveReadiness, type ReadinessOptions, type ResolvedReadiness } from './readiness';
import { checkUpstreamCa } from './upstream-ca';
import { checkDns1123Label, checkDuration, durationMs, isDuration, checkSpiffeId, isDns1123Subdomain, isIp, isPortNumber, PORT_NUMBER_RULE } from '../validation';

/** SPIRE release installed by default (the release whose reference configuration the tests check against). */
export const SPIRE_DEFAULT_VERSION = '1.15.3';
/** The proxy image the binary is extracted from when the mesh says nothing else (see `meshProxyImage`). */
export const PROXY_DEFAULT_IMAGE = `cr.l5d.io/linkerd/proxy:${LINKERD_DEFAULT_VERSION}`;
/** Path of the proxy binary inside the proxy image. */
export const PROXY_IMAGE_BINARY_PATH = '/usr/lib/linkerd/linkerd2-proxy';
/** uid (and gid) of the dedicated proxy user: the uid Linkerd's proxy runs as in pods. */
export const DEFAULT_PROXY_UID = 2102;
/** Name of the dedicated proxy user. */
export const DEFAULT_PROXY_USER = 'linkerd-proxy';

/** CPU architectures SPIRE publishes release archives for. */
export type HostArch = 'amd64' | 'arm64';

/** Install SPIRE from its release archive. */
export interface SpireUrlInstall {
  /** Install from a downloaded release archive. */
  readonly kind: 'url';
  /** sha256 of the archive (hex). Required: nothing unverified is installed. */
  readonly sha256: string;
  /**
   * Archive URL.
   * @default `https://github.com/spiffe/spire/releases/download/v<version>/spire-<version>-linux-<arch>-musl.tar.gz`
   */
  readonly url?: string;
  /** CPU architecture of the host (checked by preflight). @default 'amd64' */
  readonly arch?: HostArch;
}

/** Use SPIRE binaries already on the host. */
export interface SpirePathInstall {
  /** Use binaries already installed. */
  readonly kind: 'path';
  /** Absolute path of `spire-server` on the host (used as given, not under `root`). */
  readonly serverBinary: string;
  /** Absolute path of `spire-agent` on the host (used as given, not under `root`). */
  readonly agentBinary: string;
}

/** How SPIRE gets onto the host. */
export type SpireInstall = SpireUrlInstall | SpirePathInstall;

/** Use a `spire-agent` binary already on the host. */
export interface SpireAgentPathInstall {
  /** Use a binary already installed. */
  readonly kind: 'path';
  /** Absolute path of `spire-agent` on the host (used as given, not under `root`). */
  readonly agentBinary: string;
}

/**
 * The SPIRE server a workload VM's agent joins: what a `SpireServerHost` exposes (cdk8s and Pulumi),
 * or the facts of a server you run.
 */
export interface SpireServerReference {
  /** Address (IP or DNS name) the VMs reach the server on. */
  readonly address: string;
  /** Port of the server's agent API. */
  readonly port: number;
  /** SPIFFE trust domain the server issues identities in. */
  readonly trustDomain: string;
  /** Machine name of the server host (for messages and the bundle's join scripts). */
  readonly nodeName: string;
}

/**
 * Only a SPIRE agent on the VM (the default to choose): it joins the trust domain's one SPIRE server
 * (a `SpireServerHost`) with a one-time join token made per deploy on that server, and bootstraps
 * with the server's trust bundle, which is the mesh's trust anchor (the server's upstream root). The
 * VM holds no key that can sign for the mesh.
 */
export interface SpireAgentOptions {
  /** A SPIRE agent joining a server elsewhere. */
  readonly kind: 'agent';
  /** The server to join. */
  readonly server: SpireServerReference;
  /** SPIRE version (pinned). @default {@link SPIRE_DEFAULT_VERSION} */
  readonly version?: string;
  /** Where `spire-agent` comes from: the release archive (URL + sha256) or a path. */
  readonly install: SpireUrlInstall | SpireAgentPathInstall;
  /** SPIRE log level. @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * A SPIRE server and agent on the VM itself, as in seed 000's tutorial, but signing with an
 * intermediate CA (`upstreamCaPem`, its key on standard input), never the anchor key. Root on this
 * VM can still mint any identity of the mesh with that intermediate: an explicit opt-in
 * (`kind: 'local'`) for labs; synthesis warns with that blast radius. Use `kind: 'agent'`.
 */
export interface LocalSpireOptions {
  /** A local SPIRE server and agent (opt-in: the VM holds a key that signs for the mesh). */
  readonly kind: 'local';
  /**
   * The SPIRE upstream CA: an intermediate the trust anchor signed, PEM (`linkerd-constructs certs`
   * writes `spire-ca.crt`). Its key arrives on standard input (Pulumi: `upstreamCaKeyPem`, a secret;
   * bundle: the file `LINKERD_SPIRE_UPSTREAM_CA_KEY_FILE` names).
   */
  readonly upstreamCaPem: string;
  /** SPIRE version (pinned). @default {@link SPIRE_DEFAULT_VERSION} */
  readonly version?: string;
  /** Where the binaries come from. Required unless given per host: a URL + sha256, or paths. */
  readonly install: SpireInstall;
  /** SPIFFE id of the agent (the parent of the workload entry). @default `spiffe://<spiffeTrustDomain>/agent` */
  readonly agentId?: string;
  /** Port of the SPIRE server on 127.0.0.1. @default 8081 */
  readonly serverPort?: number;
  /** Lifetime of the SPIRE server's CA. @default '168h' */
  readonly caTtl?: string;
  /**
   * Lifetime of the X.509 SVIDs the proxy gets. SPIRE guarantees an SVID's full lifetime only when it
   * is at most a sixth of `caTtl` (and at most 7 days); longer ones are cut short at CA rotation, and
   * synthesis warns.
   * @default '24h' (a sixth of the default `caTtl` is 28h)
   */
  readonly svidTtl?: string;
  /** Lifetime of the one-time join token, in seconds. @default 600 */
  readonly joinTokenTtlSeconds?: number;
  /** SPIRE log level. @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** A SPIRE agent the user already runs on the host (its workload entry is theirs to register). */
export interface ExistingSpireAgentOptions {
  /** Use an existing SPIRE agent. */
  readonly kind: 'existing-agent';
  /** Absolute path of the agent's Workload API socket (used as given, not under `root`). */
  readonly socketPath: string;
}

/** Where the proxy's identity comes from. */
export type SpireOptions = SpireAgentOptions | ExistingSpireAgentOptions | LocalSpireOptions;

/** Download the proxy binary. */
export interface ProxyUrlBinary {
  /** Download the binary. */
  readonly kind: 'url';
  /** URL of the linkerd2-proxy binary. */
  readonly url: string;
  /** sha256 of the binary (hex). */
  readonly sha256: string;
}

/** Use a proxy binary already on the host. */
export interface ProxyPathBinary {
  /** Use an installed binary. */
  readonly kind: 'path';
  /** Absolute path of linkerd2-proxy on the host (used as given, not under `root`). */
  readonly path: string;
}

/** Extract the binary from the proxy image with the host's container tool (as the seed does with docker). */
export interface ProxyImageBinary {
  /** Extract from the image. */
  readonly kind: 'image';
  /** Image reference. @default {@link PROXY_DEFAULT_IMAGE} */
  readonly image?: string;
  /** Container tool on the host. @default 'docker' */
  readonly containerTool?: 'docker' | 'podman';
}

/** A binary the deployer copies to the host (Pulumi uploads `localPath` with `remote.CopyToRemote`). */
export interface ProxyUploadBinary {
  /** Upload from the deploying machine. */
  readonly kind: 'upload';
  /** Path of the binary on the deploying machine. */
  readonly localPath: string;
  /** sha256 of the binary (hex), checked on the host. @default not checked */
  readonly sha256?: string;
}

/** Where the linkerd2-proxy binary comes from. */
export type ProxyBinary = ProxyUrlBinary | ProxyPathBinary | ProxyImageBinary | ProxyUploadBinary;

/** The proxy on the host. */
export interface ProxyOptions {
  /** Where the binary comes from. @default { kind: 'image' } (extracted from {@link PROXY_DEFAULT_IMAGE} with docker) */
  readonly binary?: ProxyBinary;
  /** Dedicated user the proxy runs as (the application must run as another user). @default 'linkerd-proxy' */
  readonly user?: string;
  /** uid and gid of that user. @default 2102 */
  readonly uid?: number;
  /** Inbound port. @default 4143 */
  readonly inboundPort?: number;
  /** Outbound port (loopback). @default 4140 */
  readonly outboundPort?: number;
  /** Admin port (metrics, readiness). @default 4191 */
  readonly adminPort?: number;
  /** Control (tap) port. @default 4190 */
  readonly controlPort?: number;
}

/** Traffic redirection through the proxy (iptables `nat` chains `PROXY_INIT_REDIRECT` and `PROXY_INIT_OUTPUT`). */
export interface TrafficOptions {
  /** Inbound ports not redirected to the proxy. @default [4190, 4191, 4567, 4568] */
  readonly ignoreInboundPorts?: readonly number[];
  /** Outbound ports not redirected to the proxy. @default [4567, 4568] */
  readonly ignoreOutboundPorts?: readonly number[];
  /**
   * Inbound ports used to manage the host (SSH), added to `ignoreInboundPorts` so that a stopped proxy
   * never locks the operator out. Use `[]` for the seed's exact port list.
   * @default [22]
   */
  readonly managementPorts?: readonly number[];
  /** The iptables command. @default 'iptables' */
  readonly iptablesCommand?: string;
}

/** The service manager that runs SPIRE and the proxy. */
export interface ServiceManagerOptions {
  /** systemctl-compatible command (`daemon-reload`, `enable`, `start`, `restart`, `is-active`...). @default 'systemctl' */
  readonly command?: string;
  /** Directory of unit files (under `root`). @default '/etc/systemd/system' */
  readonly unitDir?: string;
}

/** Checks the host makes before changing anything. */
export interface PreflightOptions {
  /**
   * Resolve the control plane's destination and policy service names and open a TCP connection to each.
   * @default true
   */
  readonly checkControlPlane?: boolean;
  /** Seconds to wait for each connection. @default 5 */
  readonly connectTimeoutSeconds?: number;
}

/** Everything about one meshed VM: its `ExternalWorkload` and how to provision the machine. */
export interface ExternalWorkloadHostProps extends ExternalWorkloadProps {
  /**
   * Name of the machine: the proxy's destination context `nodeName`, and the folder of its bundle.
   * @default `name`
   */
  readonly nodeName?: string;
  /** The mesh's trust anchor certificate(s), PEM: the proxy trusts it, SPIRE signs with it. */
  readonly trustAnchorPem: string;
  /** Where the proxy's identity comes from. Required: a local SPIRE (with an install source) or an existing agent. */
  readonly spire: SpireOptions;
  /** The proxy. @default binary from the image, user `linkerd-proxy` (uid 2102), default ports */
  readonly proxy?: ProxyOptions;
  /** iptables redirection. @default the seed's ports, plus 22 kept reachable */
  readonly traffic?: TrafficOptions;
  /** Service manager. @default systemctl with units in /etc/systemd/system */
  readonly serviceManager?: ServiceManagerOptions;
  /** Checks before anything changes. @default all checks */
  readonly preflight?: PreflightOptions;
  /**
   * How the VM reports its readiness: a reporter on the VM keeps the `ExternalWorkload`'s `Ready`
   * condition in step with the proxy's `/ready` (Linkerd routes only to Ready workloads), with a
   * ServiceAccount that may only read and patch this workload's status. `false`: the status is set
   * some other way.
   * @default not configured: synthesis warns that the workload never becomes Ready
   */
  readonly readiness?: ReadinessOptions | false;
  /**
   * Directory every path of the plan is placed under (for tests or image building).
   * @default '/'
   */
  readonly root?: string;
}

/** Paths of everything the plan writes, under `root`. */
export interface HostLayout {
  /** Root prefix every path is under. */
  readonly root: string;
  /** SPIRE install directory. */
  readonly spireDir: string;
  /** SPIRE binaries (when installed from the archive). */
  readonly spireBinDir: string;
  /** SPIRE configuration directory. */
  readonly spireConfDir: string;
  /** Upstream CA (trust anchor copy and key), mode 0700. */
  readonly spireCertsDir: string;
  /** SPIRE server data (datastore, keys). */
  readonly spireServerData: string;
  /** SPIRE agent data (its SVID and key). */
  readonly spireAgentData: string;
  /** SPIRE server configuration. */
  readonly serverConf: string;
  /** SPIRE agent configuration (mode 0600: holds the join token until the agent is attested). */
  readonly agentConf: string;
  /** The SPIRE server's trust bundle the agent bootstraps with. */
  readonly bundlePem: string;
  /** Trust anchor certificate for UpstreamAuthority "disk". */
  readonly caCert: string;
  /** Trust anchor key for UpstreamAuthority "disk" (mode 0600). */
  readonly caKey: string;
  /** SPIRE server API socket. */
  readonly serverSocket: string;
  /** SPIRE agent Workload API socket. */
  readonly agentSocket: string;
  /** Proxy install directory. */
  readonly proxyDir: string;
  /** Proxy binaries. */
  readonly proxyBinDir: string;
  /** Wrapper the proxy unit runs (loads the environment). */
  readonly proxyWrapper: string;
  /** The script that (re)applies the redirect rules; the iptables unit runs it at every boot. */
  readonly iptablesScript: string;
  /** Configuration of this library on the host. */
  readonly configDir: string;
  /** The proxy's environment file. */
  readonly proxyEnv: string;
  /** State of the plan (markers). */
  readonly stateDir: string;
  /** Where uploaded binaries are staged. */
  readonly uploadDir: string;
  /** Service unit directory. */
  readonly unitDir: string;
  /** `/etc` (passwd, group) under the root. */
  readonly etcDir: string;
  /** Default path of the SPIRE upstream CA key file the bundle reads (SPIRE server hosts and the local mode). */
  readonly upstreamCaKeyDefault: string;
  /** The readiness reporter. */
  readonly readinessScript: string;
  /** The reporter's directory (proxy user, 0700): its token and its state. */
  readonly readinessDir: string;
  /** The API server's CA, for the reporter. */
  readonly apiServerCa: string;
  /** Default path of the ServiceAccount token file the bundle reads. */
  readonly apiTokenDefault: string;
}

/** Paths of the plan for a root prefix. */
export function hostLayout(root = '/', unitDir = '/etc/systemd/system'): HostLayout {
  const p = (x: string) => (root === '/' ? x : path.posix.join(root, x));
  return {
    root,
    spireDir: p('/opt/spire'),
    spireBinDir: p('/opt/spire/bin'),
    spireConfDir: p('/opt/spire/conf'),
    spireCertsDir: p('/opt/spire/certs'),
    spireServerData: p('/opt/spire/data/server'),
    spireAgentData: p('/opt/spire/data/agent'),
    serverConf: p('/opt/spire/conf/server.conf'),
    agentConf: p('/opt/spire/conf/agent.conf'),
    bundlePem: p('/opt/spire/conf/bundle.pem'),
    caCert: p('/opt/spire/certs/ca.crt'),
    caKey: p('/opt/spire/certs/ca.key'),
    // sockets in root-owned directories the plan creates (never /tmp, where any user could create
    // the directory first and own the socket path)
    serverSocket: p('/var/lib/spire/server/private/api.sock'),
    agentSocket: p('/var/lib/spire/agent/public/api.sock'),
    proxyDir: p('/opt/linkerd-proxy'),
    proxyBinDir: p('/opt/linkerd-proxy/bin'),
    proxyWrapper: p('/opt/linkerd-proxy/bin/run-proxy'),
    iptablesScript: p('/opt/linkerd-proxy/bin/apply-iptables'),
    configDir: p('/etc/linkerd-external-workload'),
    proxyEnv: p('/etc/linkerd-external-workload/proxy.env'),
    stateDir: p('/var/lib/linkerd-external-workload'),
    uploadDir: p('/var/lib/linkerd-external-workload/upload'),
    unitDir: p(unitDir),
    etcDir: p('/etc'),
    upstreamCaKeyDefault: p('/etc/linkerd-external-workload/secrets/spire-ca.key'),
    readinessScript: p('/opt/linkerd-proxy/bin/report-readiness'),
    readinessDir: p('/var/lib/linkerd-external-workload/readiness'),
    apiServerCa: p('/etc/linkerd-external-workload/api-server-ca.crt'),
    apiTokenDefault: p('/etc/linkerd-external-workload/secrets/api-token'),
  };
}

/**
 * Directories the plan creates (deepest first). Delete scripts remove those left empty, so a deleted
 * plan leaves the host as it found it.
 */
export function ownedDirectories(h: ResolvedHost): string[] {
  const l = h.layout;
  const dirs = [
    l.spireBinDir,
    l.spireConfDir,
    l.spireCertsDir,
    l.spireServerData,
    l.spireAgentData,
    path.posix.dirname(l.spireServerData),
    l.spireDir,
    l.proxyBinDir,
    l.proxyDir,
    path.posix.dirname(l.upstreamCaKeyDefault),
    l.configDir,
    l.uploadDir,
    l.readinessDir,
    l.stateDir,
  ];
  if (h.spire.kind !== 'existing-agent') {
    const sockets = h.spire.kind === 'local' ? [l.serverSocket, l.agentSocket] : [l.agentSocket];
    for (const socket of sockets) dirs.push(path.posix.dirname(socket), path.posix.dirname(path.posix.dirname(socket)));
    dirs.push(path.posix.dirname(path.posix.dirname(path.posix.dirname(l.agentSocket))));
  }
  return dirs;
}

/** Resolved local SPIRE settings. */
export interface ResolvedLocalSpire {
  /** A local SPIRE server and agent. */
  readonly kind: 'local';
  /** SPIRE version. */
  readonly version: string;
  /** Where the binaries come from. */
  readonly install: Required<SpireUrlInstall> | SpirePathInstall;
  /** Path of spire-server. */
  readonly serverBinary: string;
  /** Path of spire-agent. */
  readonly agentBinary: string;
  /** SPIFFE trust domain. */
  readonly trustDomain: string;
  /** SPIFFE id of the agent (parent of the workload entry). */
  readonly agentId: string;
  /** Server port on 127.0.0.1. */
  readonly serverPort: number;
  /** Server CA lifetime. */
  readonly caTtl: string;
  /** X.509 SVID lifetime. */
  readonly svidTtl: string;
  /** Join token lifetime in seconds. */
  readonly joinTokenTtlSeconds: number;
  /** The upstream (intermediate) CA chain, PEM (trimmed). */
  readonly upstreamCaPem: string;
  /** SPIRE log level. */
  readonly logLevel: string;
}

/** Resolved agent-only settings. */
export interface ResolvedSpireAgent {
  /** Only an agent, joining a server elsewhere. */
  readonly kind: 'agent';
  /** SPIRE version. */
  readonly version: string;
  /** Where `spire-agent` comes from. */
  readonly install: Required<SpireUrlInstall> | SpireAgentPathInstall;
  /** Path of spire-agent. */
  readonly agentBinary: string;
  /** SPIFFE trust domain. */
  readonly trustDomain: string;
  /** SPIFFE id the agent is attested as (`spiffe://<trust domain>/agent/<nodeName>`). */
  readonly agentId: string;
  /** The server. */
  readonly server: SpireServerReference;
  /** SPIRE log level. */
  readonly logLevel: string;
}

/** Resolved existing-agent settings. */
export interface ResolvedExistingAgent {
  /** An agent the user runs. */
  readonly kind: 'existing-agent';
  /** Its Workload API socket. */
  readonly socketPath: string;
  /** SPIFFE trust domain of the identity. */
  readonly trustDomain: string;
}

/** Resolved proxy settings. */
export interface ResolvedProxy {
  /** Where the binary comes from. */
  readonly binary: ProxyBinary;
  /** Path the service runs. */
  /** Path the service runs. */
  readonly binaryPath: string;
  /** Proxy user. */
  readonly user: string;
  /** Its uid and gid. */
  readonly uid: number;
  /** Inbound port. */
  readonly inboundPort: number;
  /** Outbound port. */
  readonly outboundPort: number;
  /** Admin port. */
  readonly adminPort: number;
  /** Control (tap) port. */
  readonly controlPort: number;
}

/** Every host prop resolved, validated, with defaults applied. */
export interface ResolvedHost {
  /** What the props allow but should not be (printed at synthesis; never errors). */
  readonly warnings: readonly ValidationIssue[];
  /** The external workload. */
  readonly workload: ResolvedExternalWorkload;
  /** The mesh. */
  readonly mesh: MeshInfo;
  /** Machine name. */
  readonly nodeName: string;
  /** Trust anchor PEM (trimmed). */
  readonly trustAnchorPem: string;
  /** Identity source. */
  readonly spire: ResolvedLocalSpire | ResolvedExistingAgent | ResolvedSpireAgent;
  /** The proxy. */
  readonly proxy: ResolvedProxy;
  /** Redirection settings (management ports merged into the inbound list). */
  readonly traffic: {
    readonly ignoreInboundPorts: readonly number[];
    readonly ignoreOutboundPorts: readonly number[];
    readonly iptablesCommand: string;
  };
  /** Service manager command. */
  readonly serviceManager: string;
  /** Preflight settings. */
  readonly preflight: Required<PreflightOptions>;
  /** Paths on the host. */
  readonly layout: HostLayout;
  /** Readiness reporting, when configured. */
  readonly readiness?: ResolvedReadiness;
}

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
