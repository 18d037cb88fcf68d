/**
 * Props of an external workload host (a VM meshed with SPIRE) and their resolution: defaults,
 * validation, and the file layout on the host.
 *
 * The same props drive the cluster objects (`ExternalWorkload`), the provisioning plan, the shell
 * bundle and the cloud-init user-data, for cdk8s and Pulumi alike.
 */
import { LINKERD_DEFAULT_VERSION } from '../constants';
import type { ValidationIssue } from '../errors';
import type { ExternalWorkloadProps, ResolvedExternalWorkload } from '../external-workload/external-workload';
import type { MeshInfo } from '../mesh-info';
import type { HostLayout } from './layout';
import type { ReadinessOptions, ResolvedReadiness } from './readiness';
import type { Late, Plain, ValueKind } from '../late';

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
export interface SpireUrlInstall<K extends ValueKind = Plain> {
  /** Install from a downloaded release archive. */
  readonly kind: 'url';
  /** sha256 of the archive (hex). Required: nothing unverified is installed. */
  readonly sha256: Late<K, string>;
  /**
   * Archive URL.
   * @default `https://github.com/spiffe/spire/releases/download/v<version>/spire-<version>-linux-<arch>-musl.tar.gz`
   */
  readonly url?: Late<K, string>;
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
export type SpireInstall<K extends ValueKind = Plain> = SpireUrlInstall<K> | SpirePathInstall;

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
export interface SpireAgentOptions<K extends ValueKind = Plain, S = SpireServerReference> {
  /** A SPIRE agent joining a server elsewhere. */
  readonly kind: 'agent';
  /** The server to join (Pulumi: the `SpireServerHost` itself). */
  readonly server: S;
  /** SPIRE version (pinned). @default {@link SPIRE_DEFAULT_VERSION} */
  readonly version?: Late<K, string>;
  /** Where `spire-agent` comes from: the release archive (URL + sha256) or a path. */
  readonly install: SpireUrlInstall<K> | SpireAgentPathInstall;
  /** SPIRE log level. @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * A SPIRE server and agent on the VM itself, as in seed 000's tutorial, but signing with an
 * intermediate CA (`upstreamCaPem`, its key on standard input), never the anchor key. Root on this
 * VM can still mint any identity of the mesh with that intermediate: an explicit opt-in
 * (`kind: 'local'`) for labs; synthesis warns with that blast radius. Use `kind: 'agent'`.
 */
export interface LocalSpireOptions<K extends ValueKind = Plain> {
  /** A local SPIRE server and agent (opt-in: the VM holds a key that signs for the mesh). */
  readonly kind: 'local';
  /**
   * The SPIRE upstream CA: an intermediate the trust anchor signed, PEM (`linkerd-constructs certs`
   * writes `spire-ca.crt`). Its key arrives on standard input (Pulumi: `upstreamCaKeyPem`, a secret;
   * bundle: the file `LINKERD_SPIRE_UPSTREAM_CA_KEY_FILE` names).
   */
  readonly upstreamCaPem: Late<K, string>;
  /** SPIRE version (pinned). @default {@link SPIRE_DEFAULT_VERSION} */
  readonly version?: Late<K, string>;
  /** Where the binaries come from. Required unless given per host: a URL + sha256, or paths. */
  readonly install: SpireInstall<K>;
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
export type SpireOptions<K extends ValueKind = Plain> = SpireAgentOptions<K> | ExistingSpireAgentOptions | LocalSpireOptions<K>;

/** Download the proxy binary. */
export interface ProxyUrlBinary<K extends ValueKind = Plain> {
  /** Download the binary. */
  readonly kind: 'url';
  /** URL of the linkerd2-proxy binary. */
  readonly url: Late<K, string>;
  /** sha256 of the binary (hex). */
  readonly sha256: Late<K, string>;
}

/** Use a proxy binary already on the host. */
export interface ProxyPathBinary {
  /** Use an installed binary. */
  readonly kind: 'path';
  /** Absolute path of linkerd2-proxy on the host (used as given, not under `root`). */
  readonly path: string;
}

/** Extract the binary from the proxy image with the host's container tool (as the seed does with docker). */
export interface ProxyImageBinary<K extends ValueKind = Plain> {
  /** Extract from the image. */
  readonly kind: 'image';
  /** Image reference. @default {@link PROXY_DEFAULT_IMAGE} */
  readonly image?: Late<K, string>;
  /** Container tool on the host. @default 'docker' */
  readonly containerTool?: 'docker' | 'podman';
}

/** A binary the deployer copies to the host (Pulumi uploads `localPath` with `remote.CopyToRemote`). */
export interface ProxyUploadBinary<K extends ValueKind = Plain> {
  /** Upload from the deploying machine. */
  readonly kind: 'upload';
  /** Path of the binary on the deploying machine. */
  readonly localPath: string;
  /** sha256 of the binary (hex), checked on the host. @default not checked */
  readonly sha256?: Late<K, string>;
}

/** Where the linkerd2-proxy binary comes from. */
export type ProxyBinary<K extends ValueKind = Plain> = ProxyUrlBinary<K> | ProxyPathBinary | ProxyImageBinary<K> | ProxyUploadBinary<K>;

/** The proxy on the host. */
export interface ProxyOptions<K extends ValueKind = Plain> {
  /** Where the binary comes from. @default { kind: 'image' } (extracted from {@link PROXY_DEFAULT_IMAGE} with docker) */
  readonly binary?: ProxyBinary<K>;
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
/**
 * Everything about one meshed VM: its `ExternalWorkload` and how to provision the machine. `K` types
 * the values a program may learn at deploy time ({@link Late}): themselves here and in cdk8s,
 * `pulumi.Input` in the Pulumi component's args.
 */
export interface ExternalWorkloadHostProps<K extends ValueKind = Plain> extends ExternalWorkloadProps<K> {
  /**
   * Name of the machine: the proxy's destination context `nodeName`, and the folder of its bundle.
   * @default `name`
   */
  readonly nodeName?: string;
  /** The mesh's trust anchor certificate(s), PEM: the proxy trusts it, SPIRE signs with it. */
  readonly trustAnchorPem: Late<K, string>;
  /** Where the proxy's identity comes from. Required: a local SPIRE (with an install source) or an existing agent. */
  readonly spire: SpireOptions<K>;
  /** The proxy. @default binary from the image, user `linkerd-proxy` (uid 2102), default ports */
  readonly proxy?: ProxyOptions<K>;
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
  readonly readiness?: ReadinessOptions<K> | false;
  /**
   * Directory every path of the plan is placed under (for tests or image building).
   * @default '/'
   */
  readonly root?: string;
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
