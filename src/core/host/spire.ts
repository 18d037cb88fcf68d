/**
 * SPIRE on the host: install (`spire-install.ts`), upstream CA (the mesh's trust anchor), server, agent (join token) and
 * the proxy's workload entry. Configs are built as HCL bodies ({@link spireServerConfig},
 * {@link spireAgentConfig}) so tests can check every key against SPIRE's reference configuration.
 */
import { hclAttr, hclBlock, renderHcl, type HclBody } from './hcl';
import type { HostLayout } from './layout';
import type { ResolvedHost, ResolvedLocalSpire, ResolvedSpireAgent } from './props';
import { deleteScript, ifChanged, stepScript, type ScriptParts } from './shell';
import type { HostSecret, HostStep } from './types';
import { systemdUnit } from './units';

export { spireInstallStep, spireInstallStepFor, type SpireInstallSpec } from './spire-install';

/** Unit name of the SPIRE server. */
export const SPIRE_SERVER_UNIT = 'spire-server.service';
/** Unit name of the SPIRE agent. */
export const SPIRE_AGENT_UNIT = 'spire-agent.service';
/** Name of the secret holding the SPIRE upstream (intermediate) CA's key. */
export const SPIRE_UPSTREAM_CA_KEY_SECRET = 'spire-upstream-ca-key';
/** Environment variable naming the upstream CA key file when the shell bundle runs. */
export const SPIRE_UPSTREAM_CA_KEY_FILE_ENV = 'LINKERD_SPIRE_UPSTREAM_CA_KEY_FILE';
/** Placeholder the agent step replaces with the join token in memory (never a literal token). */
export const JOIN_TOKEN_PLACEHOLDER = '__LINKERD_EW_JOIN_TOKEN__';

/** What a SPIRE server configuration varies by. */
export interface SpireServerSettings {
  /** 127.0.0.1 for a server on the VM itself, 0.0.0.0 for a server host the VMs reach. */
  readonly bindAddress: string;
  readonly port: number;
  readonly trustDomain: string;
  readonly logLevel: string;
  readonly caTtl: string;
  readonly svidTtl: string;
}

/**
 * A SPIRE server configuration (seed: sqlite datastore, disk key manager, join_token), whose
 * `UpstreamAuthority "disk"` signs with the intermediate at `cert_file_path` / `key_file_path` and
 * publishes the anchor (`bundle_file_path`) as its trust bundle.
 */
export function spireServerConfigFor(l: HostLayout, c: SpireServerSettings): HclBody {
  return [
    hclBlock('server', [
      hclAttr('bind_address', c.bindAddress),
      hclAttr('bind_port', String(c.port)),
      hclAttr('socket_path', l.serverSocket),
      hclAttr('trust_domain', c.trustDomain),
      hclAttr('data_dir', l.spireServerData),
      hclAttr('log_level', c.logLevel),
      hclAttr('ca_ttl', c.caTtl),
      hclAttr('default_x509_svid_ttl', c.svidTtl),
    ]),
    hclBlock('plugins', [
      hclBlock('DataStore', [hclBlock('plugin_data', [hclAttr('database_type', 'sqlite3'), hclAttr('connection_string', `${l.spireServerData}/datastore.sqlite3`)])], 'sql'),
      hclBlock('KeyManager', [hclBlock('plugin_data', [hclAttr('keys_path', `${l.spireServerData}/keys.json`)])], 'disk'),
      hclBlock('NodeAttestor', [hclBlock('plugin_data', [])], 'join_token'),
      hclBlock(
        'UpstreamAuthority',
        [hclBlock('plugin_data', [hclAttr('cert_file_path', l.caCert), hclAttr('key_file_path', l.caKey), hclAttr('bundle_file_path', upstreamBundlePath(l))])],
        'disk',
      ),
    ]),
  ];
}

/** The local-mode SPIRE server configuration (on the VM, listening on 127.0.0.1 only). */
export function spireServerConfig(h: ResolvedHost, s: ResolvedLocalSpire): HclBody {
  return spireServerConfigFor(h.layout, { bindAddress: '127.0.0.1', port: s.serverPort, trustDomain: s.trustDomain, logLevel: s.logLevel, caTtl: s.caTtl, svidTtl: s.svidTtl });
}

/** Path of the upstream root bundle (the trust anchor) for `bundle_file_path`. */
export function upstreamBundlePath(l: HostLayout): string {
  return `${l.spireCertsDir}/upstream-bundle.crt`;
}

/**
 * The SPIRE agent configuration: join_token attestation, unix workload attestor, and the server's
 * trust bundle (`trust_bundle_path`) instead of `insecure_bootstrap`.
 *
 * @param joinToken a value for `join_token` (the plan passes {@link JOIN_TOKEN_PLACEHOLDER}, replaced on the host)
 */
export function spireAgentConfig(h: ResolvedHost, s: ResolvedLocalSpire | ResolvedSpireAgent, joinToken?: string): HclBody {
  const l = h.layout;
  const [address, port] = s.kind === 'agent' ? [s.server.address, s.server.port] : ['127.0.0.1', s.serverPort];
  return [
    hclBlock('agent', [
      hclAttr('data_dir', l.spireAgentData),
      hclAttr('log_level', s.logLevel),
      hclAttr('trust_domain', s.trustDomain),
      hclAttr('server_address', address),
      hclAttr('server_port', String(port)),
      hclAttr('socket_path', l.agentSocket),
      hclAttr('trust_bundle_path', l.bundlePem),
      ...(joinToken !== undefined ? [hclAttr('join_token', joinToken)] : []),
    ]),
    hclBlock('plugins', [
      hclBlock('KeyManager', [hclBlock('plugin_data', [hclAttr('directory', l.spireAgentData)])], 'disk'),
      hclBlock('NodeAttestor', [hclBlock('plugin_data', [])], 'join_token'),
      hclBlock('WorkloadAttestor', [hclBlock('plugin_data', [])], 'unix'),
    ]),
  ];
}

/** The secret a SPIRE server's plan reads: its upstream (intermediate) CA's key, never the anchor's. */
export function upstreamCaKeySecretAt(l: HostLayout): HostSecret {
  return {
    name: SPIRE_UPSTREAM_CA_KEY_SECRET,
    description: "the SPIRE upstream (intermediate) CA's private key (PEM), signed by the trust anchor; never the anchor's key",
    bundleEnv: SPIRE_UPSTREAM_CA_KEY_FILE_ENV,
    bundleDefaultPath: l.upstreamCaKeyDefault,
  };
}

/** A SPIRE service unit (restart on failure, after the network). */
export function spireUnit(description: string, execStart: string, extra: { after?: string; requires?: string } = {}): string {
  return systemdUnit({
    description,
    after: ['network-online.target', ...(extra.after ? [extra.after] : [])],
    wants: ['network-online.target'],
    requires: extra.requires ? [extra.requires] : [],
    execStart,
    restart: 'on-failure',
    service: ['LimitNOFILE=65536'],
  });
}

/** The SPIRE server unit. */
export function spireServerUnit(h: ResolvedHost, s: ResolvedLocalSpire): string {
  return spireUnit(`SPIRE server for external workload ${h.workload.namespace}/${h.workload.name} (linkerd-constructs)`, `${s.serverBinary} run -config ${h.layout.serverConf}`);
}

/** The SPIRE agent unit. */
export function spireAgentUnit(h: ResolvedHost, s: ResolvedLocalSpire): string {
  return spireUnit(`SPIRE agent for external workload ${h.workload.namespace}/${h.workload.name} (linkerd-constructs)`, `${s.agentBinary} run -config ${h.layout.agentConf}`, {
    after: SPIRE_SERVER_UNIT,
    requires: SPIRE_SERVER_UNIT,
  });
}

/**
 * Shell lines that make a one-time join token for `$AGENT_ID` with the server at `$SERVER_SOCKET`
 * (lifetime `$TOKEN_TTL`) and leave it in `$token`, never on a command line or in a file.
 */
export function tokenGenerateShell(indent = ''): string {
  return [
    'out="$("$SERVER_BIN" token generate -socketPath "$SERVER_SOCKET" -spiffeID "$AGENT_ID" -ttl "$TOKEN_TTL" -output json)"',
    'if [[ $out =~ \\"value\\"[[:space:]]*:[[:space:]]*\\"([A-Za-z0-9-]+)\\" ]]; then',
    '  token="${BASH_REMATCH[1]}"',
    'else',
    '  fail "spire-server token generate printed no token value"',
    'fi',
    'unset out',
  ]
    .map((line) => indent + line)
    .join('\n');
}

/** What {@link upstreamCaStepFor} installs. */
export interface UpstreamCaContext {
  readonly layout: HostLayout;
  readonly serviceManager: string;
  /** The intermediate chain, PEM. */
  readonly upstreamCaPem: string;
  /** The trust anchor(s), PEM: `bundle_file_path`. */
  readonly trustAnchorPem: string;
  /** The plan's delete script builder. */
  readonly del: (parts: ScriptParts) => string;
}

/**
 * Step: the SPIRE server's upstream CA for UpstreamAuthority "disk": the intermediate chain (0644),
 * the trust anchor as its root bundle (0644), and the intermediate's key read from standard input
 * (0600). Never the anchor's key.
 */
export function upstreamCaStepFor(c: UpstreamCaContext): HostStep {
  const l = c.layout;
  const vars: Array<[string, string]> = [
    ['CERTS_DIR', l.spireCertsDir],
    ['CA_CRT', l.caCert],
    ['CA_KEY', l.caKey],
    ['UPSTREAM_BUNDLE', upstreamBundlePath(l)],
    ['SERVICE_MANAGER', c.serviceManager],
    ['UNIT_DIR', l.unitDir],
    ['SERVER_UNIT', SPIRE_SERVER_UNIT],
  ];
  return {
    id: 'spire-upstream-ca',
    description: `install the upstream CA chain and root bundle (0644) and the upstream CA key from standard input (0600) in ${l.spireCertsDir}`,
    create: stepScript({
      step: 'spire-upstream-ca',
      title: 'SPIRE upstream CA: an intermediate signed by the trust anchor; its key arrives on standard input and is written with mode 0600',
      vars,
      body: `# the key stays in this shell's memory until put_file writes it (mode 0600); no command line sees it
key="$(cat)"
if [[ $key != *"-----BEGIN "*"PRIVATE KEY-----"* ]]; then
  fail "expected the upstream CA's private key (PEM) on standard input (bundle: set ${SPIRE_UPSTREAM_CA_KEY_FILE_ENV} to its file)"
fi
mkdir -p -- "$CERTS_DIR"
chmod 0700 -- "$CERTS_DIR"
changed=0
if printf '%s\\n' "$key" | put_file 0600 "$CA_KEY"; then changed=1; fi
unset key
${ifChanged('put_file 0644 "$CA_CRT"', `${c.upstreamCaPem}\n`)}
${ifChanged('put_file 0644 "$UPSTREAM_BUNDLE"', `${c.trustAnchorPem}\n`)}
if [ "$changed" = 1 ] && [ -f "$UNIT_DIR/$SERVER_UNIT" ] && "$SERVICE_MANAGER" is-active --quiet "$SERVER_UNIT"; then
  "$SERVICE_MANAGER" restart "$SERVER_UNIT"
  log "restarted $SERVER_UNIT: its upstream CA changed"
fi`,
    }),
    delete: c.del({
      step: 'spire-upstream-ca',
      title: 'SPIRE upstream CA: remove the chain, root bundle and key',
      vars,
      body: `remove_path "$CA_KEY" "$CA_CRT" "$UPSTREAM_BUNDLE"
if [ -d "$CERTS_DIR" ]; then rmdir --ignore-fail-on-non-empty -- "$CERTS_DIR"; fi`,
    }),
    triggers: [`upstreamCaPem=${c.upstreamCaPem}`, `trustAnchorPem=${c.trustAnchorPem}`],
    files: [
      { path: l.caCert, mode: '0644', content: `${c.upstreamCaPem}\n` },
      { path: upstreamBundlePath(l), mode: '0644', content: `${c.trustAnchorPem}\n` },
      { path: l.caKey, mode: '0600', secret: SPIRE_UPSTREAM_CA_KEY_SECRET },
    ],
    secrets: [SPIRE_UPSTREAM_CA_KEY_SECRET],
  };
}

/** Step (local mode): the upstream CA of the SPIRE server on this VM. */
export function spireUpstreamCaStep(h: ResolvedHost, s: ResolvedLocalSpire): HostStep {
  return upstreamCaStepFor({
    layout: h.layout,
    serviceManager: h.serviceManager,
    upstreamCaPem: s.upstreamCaPem,
    trustAnchorPem: h.trustAnchorPem,
    del: (parts) => deleteScript(h, parts),
  });
}

/** What {@link spireServerStepFor} configures and starts. */
export interface SpireServerStepContext {
  readonly layout: HostLayout;
  readonly serviceManager: string;
  readonly serverBinary: string;
  /** Rendered server configuration. */
  readonly conf: string;
  /** Its unit. */
  readonly unitText: string;
  readonly description: string;
  readonly trustDomain: string;
  /** Save the server's trust bundle for an agent on the same host (the local mode). */
  readonly saveBundle: boolean;
  /** The plan's delete script builder. */
  readonly del: (parts: ScriptParts) => string;
}

/** Step: a SPIRE server's config, unit, start and health (and, on a local server, its bundle for the agent). */
export function spireServerStepFor(c: SpireServerStepContext): HostStep {
  const l = c.layout;
  const vars: Array<[string, string]> = [
    ['SERVER_BIN', c.serverBinary],
    ['SERVER_CONF', l.serverConf],
    ['SERVER_DATA', l.spireServerData],
    ['SERVER_SOCKET', l.serverSocket],
    ...(c.saveBundle ? ([['BUNDLE', l.bundlePem]] as Array<[string, string]>) : []),
    ['SERVICE_MANAGER', c.serviceManager],
    ['UNIT_DIR', l.unitDir],
    ['UNIT', SPIRE_SERVER_UNIT],
  ];
  const saveBundle = c.saveBundle
    ? '\nbundle="$("$SERVER_BIN" bundle show -socketPath "$SERVER_SOCKET" -format pem)"\nif ! printf \'%s\\n\' "$bundle" | put_file 0644 "$BUNDLE"; then :; fi'
    : '';
  return {
    id: 'spire-server',
    description: c.description,
    create: stepScript({
      step: 'spire-server',
      title: `SPIRE server for trust domain ${c.trustDomain}`,
      vars,
      body: `changed=0
mkdir -p -- "$SERVER_DATA"
chmod 0700 -- "$SERVER_DATA"
# the server's socket: a directory only root can enter
install -d -o root -g root -m 0755 -- "$(dirname -- "$(dirname -- "$SERVER_SOCKET")")"
install -d -o root -g root -m 0700 -- "$(dirname -- "$SERVER_SOCKET")"
${ifChanged('put_file 0644 "$SERVER_CONF"', c.conf)}
${ifChanged('install_unit "$UNIT"', c.unitText)}
ensure_service "$UNIT" "$changed"
wait_until "spire-server health" 60 "$SERVER_BIN" healthcheck -socketPath "$SERVER_SOCKET"${saveBundle}`,
    }),
    delete: c.del({
      step: 'spire-server',
      title: `SPIRE server: stop, remove unit, config, data${c.saveBundle ? ' and bundle' : ''}`,
      vars,
      body: `remove_service "$UNIT"
remove_path "$SERVER_CONF"${c.saveBundle ? ' "$BUNDLE"' : ''} "$SERVER_DATA" "$SERVER_SOCKET"`,
    }),
    triggers: [`spire.server.conf=${c.conf}`, `spire.server.unit=${c.unitText}`],
    files: [
      { path: l.serverConf, mode: '0644', content: c.conf },
      { path: `${l.unitDir}/${SPIRE_SERVER_UNIT}`, mode: '0644', content: c.unitText },
      ...(c.saveBundle ? [{ path: l.bundlePem, mode: '0644' }] : []),
    ],
    secrets: [],
  };
}

/** Step (local mode): the SPIRE server on the VM, and its trust bundle for the agent. */
export function spireServerStep(h: ResolvedHost, s: ResolvedLocalSpire): HostStep {
  return spireServerStepFor({
    layout: h.layout,
    serviceManager: h.serviceManager,
    serverBinary: s.serverBinary,
    conf: renderHcl(spireServerConfig(h, s)),
    unitText: spireServerUnit(h, s),
    description: `configure and start the SPIRE server (trust domain ${s.trustDomain}, 127.0.0.1:${s.serverPort}) and save its trust bundle`,
    trustDomain: s.trustDomain,
    saveBundle: true,
    del: (parts) => deleteScript(h, parts),
  });
}
