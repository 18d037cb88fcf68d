/**
 * Where a host plan puts things: every path under the host's `root`, and the directories the plan
 * owns (which its delete removes when left empty).
 */
import * as path from 'path';
import type { ResolvedHost } from './props';

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
