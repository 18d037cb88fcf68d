/**
 * The trust domain's one SPIRE server, on a designated identity host that workload VMs do not run.
 * Its `UpstreamAuthority "disk"` signs with an intermediate CA that the mesh's trust anchor signed
 * (never the anchor key itself), and publishes the anchor as its trust bundle (`bundle_file_path`),
 * so proxies in the cluster verify the VMs' SVIDs as they verify each other. Workload VMs run only a
 * SPIRE agent (`spire: { kind: 'agent', server }`), attested with a one-time join token that this
 * host makes per deploy ({@link spireJoinStep}); they hold no key that signs for the mesh.
 *
 * Blast radius: root on this host can sign any identity of the trust domain (as the cluster's
 * identity controller can with the issuer key). Harden it like a CA.
 */
import * as path from 'path';
import type { Late, Plain, ValueKind } from '../late';
import { renderHcl, type HclBody } from './hcl';
import type { HostLayout } from './layout';
import { SPIRE_DEFAULT_VERSION, type ResolvedHost, type ResolvedSpireAgent, type SpireServerReference, type SpireUrlInstall } from './props';
import { resolveHostBase } from './resolve';
import { resolveSpireBinaryInstall, resolveSpireServerSettings } from './resolve-spire';
import { deleteScriptPruning, stepScript } from './shell';
import { spireInstallStepFor, spireServerConfigFor, spireServerStepFor, spireUnit, tokenGenerateShell, upstreamCaKeySecretAt, upstreamCaStepFor } from './spire';
import { workloadEntryId } from './spire-agent';
import type { HostPlan, HostSecret, HostStep } from './types';
import { checkUpstreamCa } from './upstream-ca';
import { Issues, type ValidationIssue } from '../errors';
import { defaultSpiffeTrustDomain } from '../external-workload/external-workload';
import type { MeshInfo } from '../mesh-info';
import { isDns1123Subdomain, isIp, isPortNumber, isTrustDomain, PORT_NUMBER_RULE } from '../validation';

/** Default port of the SPIRE server's agent API. */
export const SPIRE_SERVER_DEFAULT_PORT = 8081;

/** Use a `spire-server` binary already on the host. */
export interface SpireServerPathInstall {
  /** Use a binary already installed. */
  readonly kind: 'path';
  /** Absolute path of `spire-server` on the host (used as given, not under `root`). */
  readonly serverBinary: string;
}

/** Props of the SPIRE server host. */
/** The SPIRE server host's props; `K` types its late-bindable values (see `ExternalWorkloadHostProps`). */
export interface SpireServerHostProps<K extends ValueKind = Plain> {
  /** Machine name (the folder of its bundle, and messages). */
  readonly nodeName: string;
  /** Address (IP or DNS name) the workload VMs reach this host on. */
  readonly address: string;
  /** Port of the agent API, on every interface of the host. @default 8081 */
  readonly port?: number;
  /** The mesh's trust anchor certificate(s), PEM: the server's upstream root, published as its trust bundle. */
  readonly trustAnchorPem: Late<K, string>;
  /**
   * The upstream CA: an intermediate CA certificate signed by the trust anchor (then any further
   * intermediates up to it), PEM. Its key arrives on standard input (Pulumi: a secret; bundle: a 0600
   * file), never the anchor's. `linkerd-constructs certs` writes one (`spire-ca.crt`, `spire-ca.key`).
   */
  readonly upstreamCaPem: Late<K, string>;
  /**
   * SPIFFE trust domain.
   * @default `root.<control plane namespace>.<mesh trust domain>`, the default of external workloads
   */
  readonly trustDomain?: string;
  /** Where `spire-server` comes from. */
  readonly install: SpireUrlInstall<K> | SpireServerPathInstall;
  /** SPIRE version. @default {@link SPIRE_DEFAULT_VERSION} */
  readonly version?: string;
  /** Lifetime of the server's own CA (signed by the upstream CA). @default '168h' */
  readonly caTtl?: string;
  /** Lifetime of X.509 SVIDs (at most a sixth of `caTtl`, SPIRE's rule). @default '24h' */
  readonly svidTtl?: string;
  /** Lifetime of the join tokens made for agents, in seconds. @default 600 */
  readonly joinTokenTtlSeconds?: number;
  /** SPIRE log level. @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Directory every path is placed under (tests, image building). @default '/' */
  readonly root?: string;
  /** Service manager. @default systemctl, units in /etc/systemd/system */
  readonly serviceManager?: { readonly command?: string; readonly unitDir?: string };
}

/** The server host, resolved. */
export interface ResolvedSpireServerHost {
  readonly nodeName: string;
  readonly address: string;
  readonly port: number;
  readonly trustDomain: string;
  readonly trustAnchorPem: string;
  readonly upstreamCaPem: string;
  readonly version: string;
  readonly install: Required<SpireUrlInstall> | SpireServerPathInstall;
  readonly serverBinary: string;
  readonly caTtl: string;
  readonly svidTtl: string;
  readonly joinTokenTtlSeconds: number;
  readonly logLevel: string;
  readonly serviceManager: string;
  readonly layout: HostLayout;
  /** Printed at synthesis. */
  readonly warnings: readonly ValidationIssue[];
}


/** Validates the props and applies the defaults. Throws one `ValidationError` naming each bad prop. */
export function resolveSpireServerHost(
  scope: string,
  props: SpireServerHostProps,
  mesh: MeshInfo,
  opts: { readonly checkCertificates?: boolean } = {},
): ResolvedSpireServerHost {
  const issues = new Issues(scope);
  issues.check(isDns1123Subdomain(props.nodeName), 'nodeName', props.nodeName, 'expected a host name: a DNS-1123 subdomain');
  issues.check(isDns1123Subdomain(props.address) || isIp(props.address), 'address', props.address, 'expected the IP address or DNS name the VMs reach this host on');
  const port = props.port ?? SPIRE_SERVER_DEFAULT_PORT;
  issues.check(isPortNumber(port), 'port', port, PORT_NUMBER_RULE);
  const trustDomain = props.trustDomain ?? defaultSpiffeTrustDomain(mesh);
  issues.check(isTrustDomain(trustDomain), 'trustDomain', trustDomain, 'expected a SPIFFE trust domain: a DNS-1123 subdomain');
  if (opts.checkCertificates !== false) checkUpstreamCa(issues, props.upstreamCaPem, props.trustAnchorPem);
  const { serviceManager, layout } = resolveHostBase(issues, props);
  const { version, caTtl, svidTtl, joinTokenTtlSeconds, logLevel } = resolveSpireServerSettings(issues, props, '');
  const { install, binaryPath: serverBinary } = resolveSpireBinaryInstall(
    issues,
    'install',
    props.install as ResolvedSpireServerHost['install'] | SpireUrlInstall | undefined,
    version,
    'serverBinary',
    path.posix.join(layout.spireBinDir, 'spire-server'),
  );
  issues.throwIfErrors();
  return {
    nodeName: props.nodeName,
    address: props.address,
    port,
    trustDomain,
    trustAnchorPem: props.trustAnchorPem.trim(),
    upstreamCaPem: props.upstreamCaPem.trim(),
    version,
    install,
    serverBinary,
    caTtl,
    svidTtl,
    joinTokenTtlSeconds,
    logLevel,
    serviceManager,
    layout,
    warnings: issues.warnings,
  };
}

/** What agents need to join this server. */
export function spireServerReference(s: ResolvedSpireServerHost): SpireServerReference {
  return { address: s.address, port: s.port, trustDomain: s.trustDomain, nodeName: s.nodeName };
}

function serverDirectories(s: ResolvedSpireServerHost): string[] {
  const l = s.layout;
  const socketDir = path.posix.dirname(l.serverSocket);
  const socketParents = [socketDir, path.posix.dirname(socketDir), path.posix.dirname(path.posix.dirname(socketDir))];
  const spire = [l.spireBinDir, l.spireConfDir, l.spireCertsDir, l.spireServerData, path.posix.dirname(l.spireServerData), l.spireDir];
  return [...spire, ...socketParents, l.stateDir];
}

/** The server configuration: listens for agents on every interface; the upstream is the intermediate, its root the anchor. */
export function spireServerHostConfig(s: ResolvedSpireServerHost): HclBody {
  return spireServerConfigFor(s.layout, { bindAddress: '0.0.0.0', port: s.port, trustDomain: s.trustDomain, logLevel: s.logLevel, caTtl: s.caTtl, svidTtl: s.svidTtl });
}

/** The secret the server host reads: the upstream CA's key. */
export function upstreamCaKeySecret(s: ResolvedSpireServerHost): HostSecret {
  return upstreamCaKeySecretAt(s.layout);
}

function upstreamCaStep(s: ResolvedSpireServerHost): HostStep {
  return upstreamCaStepFor({
    layout: s.layout,
    serviceManager: s.serviceManager,
    upstreamCaPem: s.upstreamCaPem,
    trustAnchorPem: s.trustAnchorPem,
    del: (parts) => deleteScriptPruning(serverDirectories(s), parts),
  });
}

function serverStep(s: ResolvedSpireServerHost): HostStep {
  return spireServerStepFor({
    layout: s.layout,
    serviceManager: s.serviceManager,
    serverBinary: s.serverBinary,
    conf: renderHcl(spireServerHostConfig(s)),
    unitText: spireUnit(`SPIRE server for trust domain ${s.trustDomain} (linkerd-constructs)`, `${s.serverBinary} run -config ${s.layout.serverConf}`),
    description: `configure and start the SPIRE server for ${s.trustDomain} on port ${s.port}`,
    trustDomain: s.trustDomain,
    saveBundle: false,
    del: (parts) => deleteScriptPruning(serverDirectories(s), parts),
  });
}

/** The server host's provisioning plan: install, upstream CA, server. */
export function spireServerHostPlan(s: ResolvedSpireServerHost): HostPlan {
  const install = spireInstallStepFor(
    {
      version: s.version,
      install: s.install.kind === 'url' ? s.install : { kind: 'path' },
      binaries: [{ name: 'spire-server', path: s.serverBinary }],
      binDir: s.layout.spireBinDir,
      marker: `${s.layout.spireDir}/.linkerd-ew-installed`,
    },
    (parts) => deleteScriptPruning(serverDirectories(s), parts),
  );
  return {
    workload: `SPIRE server ${s.trustDomain}`,
    nodeName: s.nodeName,
    root: s.layout.root,
    steps: [install, upstreamCaStep(s), serverStep(s)],
    secrets: [upstreamCaKeySecret(s)],
  };
}

/** The line of the join step's standard output that carries the token (when no file is given). */
export const JOIN_TOKEN_OUTPUT_PREFIX = 'join-token: ';

/**
 * Step, on the server host, for one workload VM: registers (or updates) the VM's workload entry
 * under its agent's SPIFFE id and makes a one-time join token for that agent. With a file argument
 * (`bash join-<vm>.sh /root/<vm>.token`) the token goes to that file (0600); without one (Pulumi) it
 * is the last line of standard output, `join-token: <token>`, which Pulumi keeps as a secret. Delete
 * removes the entry and the agent's alias entries.
 */
export function spireJoinStep(s: ResolvedSpireServerHost, h: ResolvedHost): HostStep {
  const agent = h.spire as ResolvedSpireAgent;
  const selector = `unix:uid:${h.proxy.uid}`;
  const vars: Array<[string, string | number]> = [
    ['SERVER_BIN', s.serverBinary],
    ['SERVER_SOCKET', s.layout.serverSocket],
    ['ENTRY_ID', workloadEntryId(h)],
    ['SPIFFE_ID', h.workload.identity],
    ['AGENT_ID', agent.agentId],
    ['SELECTOR', selector],
    ['TOKEN_TTL', s.joinTokenTtlSeconds],
  ];
  return {
    id: `join-${h.nodeName}`,
    description: `on ${s.nodeName}: register ${h.workload.identity} for ${selector} under ${agent.agentId} and make a one-time join token for ${h.nodeName}`,
    create: stepScript({
      step: `join-${h.nodeName}`,
      title: `SPIRE server ${s.nodeName}: entry and one-time join token for ${h.nodeName}`,
      vars,
      body: `out_file="\${1:-}"
if "$SERVER_BIN" entry show -socketPath "$SERVER_SOCKET" -entryID "$ENTRY_ID" >/dev/null 2>&1; then
  "$SERVER_BIN" entry update -socketPath "$SERVER_SOCKET" -entryID "$ENTRY_ID" -parentID "$AGENT_ID" -spiffeID "$SPIFFE_ID" -selector "$SELECTOR" >/dev/null
  log "entry $ENTRY_ID: $SPIFFE_ID for $SELECTOR under $AGENT_ID" >&2
else
  "$SERVER_BIN" entry create -socketPath "$SERVER_SOCKET" -entryID "$ENTRY_ID" -parentID "$AGENT_ID" -spiffeID "$SPIFFE_ID" -selector "$SELECTOR" >/dev/null
  log "created entry $ENTRY_ID: $SPIFFE_ID for $SELECTOR under $AGENT_ID" >&2
fi
${tokenGenerateShell()}
if [ -n "$out_file" ]; then
  ( umask 077; printf '%s\\n' "$token" >"$out_file" )
  log "wrote a one-time join token for $AGENT_ID to $out_file (mode 0600, valid $TOKEN_TTL s)" >&2
else
  printf '${JOIN_TOKEN_OUTPUT_PREFIX}%s\\n' "$token"
fi
unset token`,
    }),
    delete: stepScript({
      step: `join-${h.nodeName}`,
      title: `SPIRE server ${s.nodeName}: remove ${h.nodeName}'s entries`,
      vars,
      body: `if [ -x "$SERVER_BIN" ] && "$SERVER_BIN" entry show -socketPath "$SERVER_SOCKET" -entryID "$ENTRY_ID" >/dev/null 2>&1; then
  "$SERVER_BIN" entry delete -socketPath "$SERVER_SOCKET" -entryID "$ENTRY_ID" >/dev/null
  log "deleted entry $ENTRY_ID"
fi
if [ -x "$SERVER_BIN" ]; then
  # the agent's alias entries (made by token generate -spiffeID): the VM can no longer attest as it
  while read -r id; do
    [ -n "$id" ] || continue
    "$SERVER_BIN" entry delete -socketPath "$SERVER_SOCKET" -entryID "$id" >/dev/null && log "deleted alias entry $id"
  done < <("$SERVER_BIN" entry show -socketPath "$SERVER_SOCKET" -spiffeID "$AGENT_ID" 2>/dev/null | sed -n 's/^Entry ID *: *//p')
fi`,
    }),
    triggers: [`identity=${h.workload.identity}`, `agentId=${agent.agentId}`, `selector=${selector}`],
    files: [],
    secrets: [],
  };
}
