/**
 * SPIRE agents on the host: the local mode's agent (attested with a join token from its own server)
 * and the proxy's workload entry, and the agent-only mode's agent (bootstrapped with the trust
 * anchor, attested with a one-time token from the SpireServerHost).
 */
import { renderHcl } from './hcl';
import type { HostLayout } from './layout';
import type { ResolvedHost, ResolvedLocalSpire, ResolvedSpireAgent } from './props';
import { deleteScript, heredocVar, ifChanged, stepScript } from './shell';
import {
  JOIN_TOKEN_PLACEHOLDER,
  SPIRE_AGENT_UNIT,
  spireAgentConfig,
  spireAgentUnit,
  spireInstallStepFor,
  tokenGenerateShell,
  spireUnit,
} from './spire';
import type { HostSecret, HostStep } from './types';

/**
 * Shell lines (indented for the first-run branch of an agent step) that attest the agent with the
 * join token in `$token`: the token goes only into the 0600 config, the agent starts, and once it is
 * healthy the token is removed from the config. Shared by the local mode and the agent-only mode.
 */
const ATTEST_WITH_TOKEN = [
  'if ! printf \'%s\' "${AGENT_CONF_JOIN/"$PLACEHOLDER"/"$token"}" | put_file 0600 "$AGENT_CONF_PATH"; then :; fi',
  'unset token',
  '"$SERVICE_MANAGER" enable --quiet "$UNIT"',
  '"$SERVICE_MANAGER" restart "$UNIT"',
  'log "started $UNIT with the join token"',
  'wait_until "spire-agent health" 60 "$AGENT_BIN" healthcheck -socketPath "$AGENT_SOCKET"',
  ': >"$JOINED_MARKER"',
  'if printf \'%s\' "$AGENT_CONF" | put_file 0600 "$AGENT_CONF_PATH"; then log "removed the used join token from $AGENT_CONF_PATH"; fi',
]
  .map((line) => `  ${line}`)
  .join('\n');

/** The script variables of an agent's files and identity (both agent steps). */
function agentPathVars(l: HostLayout, agentId: string): Array<[string, string]> {
  return [
    ['AGENT_SOCKET', l.agentSocket],
    ['AGENT_CONF_PATH', l.agentConf],
    ['AGENT_DATA', l.spireAgentData],
    ['AGENT_ID', agentId],
  ];
}

/** The script variables of an agent's first-run join and its unit (both agent steps). */
function agentServiceVars(h: ResolvedHost): Array<[string, string]> {
  return [
    ['JOINED_MARKER', `${h.layout.spireAgentData}/.linkerd-ew-joined`],
    ['PLACEHOLDER', JOIN_TOKEN_PLACEHOLDER],
    ['SERVICE_MANAGER', h.serviceManager],
    ['UNIT_DIR', h.layout.unitDir],
    ['UNIT', SPIRE_AGENT_UNIT],
  ];
}

/**
 * Step: the SPIRE agent. The first run generates a one-time join token with `spire-server token
 * generate`, keeps it in a shell variable and in the agent config (mode 0600), never on a command line;
 * once the agent is healthy (attested) the token is removed from the config.
 */
export function spireAgentStep(h: ResolvedHost, s: ResolvedLocalSpire): HostStep {
  const l = h.layout;
  const conf = renderHcl(spireAgentConfig(h, s));
  const joinConf = renderHcl(spireAgentConfig(h, s, JOIN_TOKEN_PLACEHOLDER));
  const unitText = spireAgentUnit(h, s);
  const vars: Array<[string, string | number]> = [
    ['SERVER_BIN', s.serverBinary],
    ['AGENT_BIN', s.agentBinary],
    ['SERVER_SOCKET', l.serverSocket],
    ...agentPathVars(l, s.agentId),
    ['TOKEN_TTL', s.joinTokenTtlSeconds],
    ...agentServiceVars(h),
  ];
  return {
    id: 'spire-agent',
    description: `attest the SPIRE agent as ${s.agentId} with a one-time join token (never on a command line) and start it`,
    create: stepScript({
      step: 'spire-agent',
      title: `SPIRE agent ${s.agentId}: join token attestation, unix workload attestor`,
      vars,
      body: `${heredocVar('AGENT_CONF', conf)}
${heredocVar('AGENT_CONF_JOIN', joinConf)}
mkdir -p -- "$AGENT_DATA"
chmod 0700 -- "$AGENT_DATA"
# the agent's socket: root-owned directories the proxy user can traverse but not write
install -d -o root -g root -m 0755 -- "$(dirname -- "$(dirname -- "$AGENT_SOCKET")")" "$(dirname -- "$AGENT_SOCKET")"
changed=0
${ifChanged('install_unit "$UNIT"', unitText)}
unit_changed="$changed"
if [ -f "$JOINED_MARKER" ]; then
  log "the agent is already attested"
  changed="$unit_changed"
  if printf '%s' "$AGENT_CONF" | put_file 0600 "$AGENT_CONF_PATH"; then changed=1; fi
  ensure_service "$UNIT" "$changed"
else
  log "generating a one-time join token for $AGENT_ID (kept in memory and in $AGENT_CONF_PATH, mode 0600)"
${tokenGenerateShell('  ')}
${ATTEST_WITH_TOKEN}
fi
wait_until "spire-agent health" 60 "$AGENT_BIN" healthcheck -socketPath "$AGENT_SOCKET"`,
    }),
    delete: deleteScript(h, {
      step: 'spire-agent',
      title: 'SPIRE agent: stop, remove unit, config and data',
      vars,
      body: `remove_service "$UNIT"
remove_path "$AGENT_CONF_PATH" "$AGENT_DATA" "$AGENT_SOCKET"`,
    }),
    triggers: [`spire.agent.conf=${conf}`, `spire.agent.unit=${unitText}`],
    files: [
      { path: l.agentConf, mode: '0600', content: conf },
      { path: `${l.unitDir}/${SPIRE_AGENT_UNIT}`, mode: '0644', content: unitText },
    ],
    secrets: [],
  };
}

/** The registration entry id the plan uses for the proxy (deterministic, so runs are idempotent). */
export function workloadEntryId(h: ResolvedHost): string {
  return `linkerd-ew-${h.workload.namespace}-${h.workload.name}`;
}

/** Step: the registration entry giving the proxy's uid the workload's SPIFFE id. */
export function spireWorkloadEntryStep(h: ResolvedHost, s: ResolvedLocalSpire): HostStep {
  const l = h.layout;
  const selector = `unix:uid:${h.proxy.uid}`;
  const vars: Array<[string, string]> = [
    ['SERVER_BIN', s.serverBinary],
    ['SERVER_SOCKET', l.serverSocket],
    ['ENTRY_ID', workloadEntryId(h)],
    ['SPIFFE_ID', h.workload.identity],
    ['PARENT_ID', s.agentId],
    ['SELECTOR', selector],
    ['STATE', `${l.stateDir}/spire-entry`],
  ];
  return {
    id: 'spire-workload-entry',
    description: `register ${h.workload.identity} for ${selector} (the proxy's user) under ${s.agentId}`,
    create: stepScript({
      step: 'spire-workload-entry',
      title: `SPIRE registration entry: ${h.workload.identity} for ${selector}`,
      vars,
      body: `desired="$ENTRY_ID $SPIFFE_ID $PARENT_ID $SELECTOR"
mkdir -p -- "\${STATE%/*}"
if "$SERVER_BIN" entry show -socketPath "$SERVER_SOCKET" -entryID "$ENTRY_ID" >/dev/null 2>&1; then
  if [ -f "$STATE" ] && [ "$(cat -- "$STATE")" = "$desired" ]; then
    log "unchanged: entry $ENTRY_ID ($SPIFFE_ID, $SELECTOR)"
    exit 0
  fi
  "$SERVER_BIN" entry update -socketPath "$SERVER_SOCKET" -entryID "$ENTRY_ID" -parentID "$PARENT_ID" -spiffeID "$SPIFFE_ID" -selector "$SELECTOR" >/dev/null
  log "updated entry $ENTRY_ID: $SPIFFE_ID for $SELECTOR"
else
  "$SERVER_BIN" entry create -socketPath "$SERVER_SOCKET" -entryID "$ENTRY_ID" -parentID "$PARENT_ID" -spiffeID "$SPIFFE_ID" -selector "$SELECTOR" >/dev/null
  log "created entry $ENTRY_ID: $SPIFFE_ID for $SELECTOR"
fi
printf '%s\\n' "$desired" >"$STATE"`,
    }),
    delete: deleteScript(h, {
      step: 'spire-workload-entry',
      title: `SPIRE registration entry: delete ${workloadEntryId(h)}`,
      vars,
      body: `if [ -x "$SERVER_BIN" ] && "$SERVER_BIN" entry show -socketPath "$SERVER_SOCKET" -entryID "$ENTRY_ID" >/dev/null 2>&1; then
  "$SERVER_BIN" entry delete -socketPath "$SERVER_SOCKET" -entryID "$ENTRY_ID" >/dev/null
  log "deleted entry $ENTRY_ID"
fi
remove_path "$STATE"`,
    }),
    triggers: [`identity=${h.workload.identity}`, `spire.agentId=${s.agentId}`, `selector=${selector}`],
    files: [],
    secrets: [],
  };
}

/** Name of the secret holding the one-time join token (agent-only VMs). */
export const JOIN_TOKEN_SECRET = 'join-token';
/** Environment variable naming the join token file when the shell bundle runs. */
export const JOIN_TOKEN_FILE_ENV = 'LINKERD_EW_JOIN_TOKEN_FILE';

/** The secret an agent-only plan reads: the one-time join token made on the SPIRE server host. */
export function joinTokenSecret(h: ResolvedHost, s: ResolvedSpireAgent): HostSecret {
  return {
    name: JOIN_TOKEN_SECRET,
    description: `a one-time join token for ${s.agentId}, made on the SPIRE server host ${s.server.nodeName} by its join script for ${h.nodeName}`,
    bundleEnv: JOIN_TOKEN_FILE_ENV,
    bundleDefaultPath: `${h.layout.configDir}/secrets/join-token`,
  };
}

/** Step: install `spire-agent` only (agent-only VMs). */
export function spireAgentInstallStep(h: ResolvedHost, s: ResolvedSpireAgent): HostStep {
  return spireInstallStepFor(
    {
      version: s.version,
      install: s.install.kind === 'url' ? s.install : { kind: 'path' },
      binaries: [{ name: 'spire-agent', path: s.agentBinary }],
      binDir: h.layout.spireBinDir,
      marker: `${h.layout.spireDir}/.linkerd-ew-installed`,
    },
    (parts) => deleteScript(h, parts),
  );
}

/**
 * Step: the SPIRE agent of an agent-only VM. Its bootstrap bundle is the mesh's trust anchor (the
 * server's upstream root, which is what the server publishes as its trust bundle), never
 * `insecure_bootstrap`. The first run reads the one-time join token on standard input (Pulumi: from
 * the server host's join command, as a secret; bundle: from a 0600 file), writes it only into the
 * agent config (0600), and removes it once the agent is attested. Later runs ignore standard input.
 */
export function spireRemoteAgentStep(h: ResolvedHost, s: ResolvedSpireAgent): HostStep {
  const l = h.layout;
  const conf = renderHcl(spireAgentConfig(h, s));
  const joinConf = renderHcl(spireAgentConfig(h, s, JOIN_TOKEN_PLACEHOLDER));
  const unitText = spireUnit(`SPIRE agent for external workload ${h.workload.namespace}/${h.workload.name} (linkerd-constructs)`, `${s.agentBinary} run -config ${l.agentConf}`);
  const vars: Array<[string, string | number]> = [
    ['AGENT_BIN', s.agentBinary],
    ...agentPathVars(l, s.agentId),
    ['BUNDLE', l.bundlePem],
    ...agentServiceVars(h),
  ];
  return {
    id: 'spire-agent',
    description: `attest the SPIRE agent as ${s.agentId} at ${s.server.address}:${s.server.port} with a one-time join token (standard input, never a command line) and start it`,
    create: stepScript({
      step: 'spire-agent',
      title: `SPIRE agent ${s.agentId}: joins ${s.server.address}:${s.server.port}, unix workload attestor`,
      vars,
      body: `${heredocVar('AGENT_CONF', conf)}
${heredocVar('AGENT_CONF_JOIN', joinConf)}
# the token (first run only) stays in this shell's memory and the 0600 config; no command line sees it
token="$(cat)"
mkdir -p -- "$AGENT_DATA"
chmod 0700 -- "$AGENT_DATA"
install -d -o root -g root -m 0755 -- "$(dirname -- "$(dirname -- "$AGENT_SOCKET")")" "$(dirname -- "$AGENT_SOCKET")"
changed=0
# the bootstrap bundle: the mesh's trust anchor, the server's upstream root
${ifChanged('put_file 0644 "$BUNDLE"', `${h.trustAnchorPem}
`)}
${ifChanged('install_unit "$UNIT"', unitText)}
if [ -f "$JOINED_MARKER" ]; then
  unset token
  log "the agent is already attested"
  if printf '%s' "$AGENT_CONF" | put_file 0600 "$AGENT_CONF_PATH"; then changed=1; fi
  ensure_service "$UNIT" "$changed"
else
  [[ $token =~ ^[A-Za-z0-9-]+$ ]] || fail "expected the one-time join token for $AGENT_ID on standard input (bundle: set ${JOIN_TOKEN_FILE_ENV} to its file)"
${ATTEST_WITH_TOKEN}
fi
wait_until "spire-agent health" 60 "$AGENT_BIN" healthcheck -socketPath "$AGENT_SOCKET"`,
    }),
    delete: deleteScript(h, {
      step: 'spire-agent',
      title: 'SPIRE agent: stop, remove unit, config, bundle and data',
      vars,
      body: `remove_service "$UNIT"
remove_path "$AGENT_CONF_PATH" "$BUNDLE" "$AGENT_DATA" "$AGENT_SOCKET"`,
    }),
    triggers: [`spire.agent.conf=${conf}`, `spire.agent.unit=${unitText}`, `trustAnchorPem=${h.trustAnchorPem}`],
    files: [
      { path: l.bundlePem, mode: '0644', content: `${h.trustAnchorPem}\n` },
      { path: l.agentConf, mode: '0600', content: conf },
      { path: `${l.unitDir}/${SPIRE_AGENT_UNIT}`, mode: '0644', content: unitText },
    ],
    secrets: [JOIN_TOKEN_SECRET],
  };
}
