/**
 * The VM side of readiness (see `readiness.ts`): the reporter script, its unit, and the plan step
 * that installs them with the API server's CA and the ServiceAccount token.
 */
import type { ResolvedHost } from './props';
import { PROXY_UNIT } from './proxy';
import { API_TOKEN_FILE_ENV, API_TOKEN_SECRET, externalWorkloadStatusPath, READINESS_UNIT, tokenExportCommand, type ResolvedReadiness } from './readiness';
import { deleteScript, ifChanged, shVars, stepScript } from './shell';
import type { HostSecret, HostStep } from './types';
import { systemdUnit } from './units';

/** The secret the readiness step reads: the ServiceAccount token. */
export function apiTokenSecret(h: ResolvedHost, r: ResolvedReadiness): HostSecret {
  return {
    name: API_TOKEN_SECRET,
    description: `the token of ServiceAccount ${h.workload.namespace}/${r.serviceAccount} (${tokenExportCommand(h.workload, r, h.layout.apiTokenDefault)})`,
    bundleEnv: API_TOKEN_FILE_ENV,
    bundleDefaultPath: h.layout.apiTokenDefault,
  };
}

/**
 * The reporter itself (no value is interpolated: every setting comes from the variables above it):
 * the helpers, the state kept across restarts, the SIGTERM handler and the probe loop.
 */
const REPORTER_LOOP = `log() { printf 'linkerd-readiness: %s\\n' "$*" >&2; }
now() { printf '%(%Y-%m-%dT%H:%M:%SZ)T' -1; }
epoch() { printf '%(%s)T' -1; }

# patch STATUS SINCE REASON MESSAGE: one JSON merge patch of the status subresource. The token goes to
# curl on its standard input (--header @-), never on a command line; the server is verified with CA_FILE.
patch() {
  local token="" body code
  if ! IFS= read -r token <"$TOKEN_FILE" && [ -z "$token" ]; then
    log "cannot read the token file $TOKEN_FILE"
    return 1
  fi
  body="$(printf '{"status":{"conditions":[{"type":"Ready","status":"%s","lastTransitionTime":"%s","reason":"%s","message":"%s"}]}}' "$1" "$2" "$3" "$4")"
  code="$(printf 'Authorization: Bearer %s\\n' "$token" | curl --silent --show-error --max-time 10 --cacert "$CA_FILE" \\
    --request PATCH --header 'Content-Type: application/merge-patch+json' --header @- \\
    --data-binary "$body" --output /dev/null --write-out '%{http_code}' -- "$STATUS_URL")" || code="\${code:-000}"
  unset token
  if [ "$code" = 200 ]; then
    log "Ready=$1 ($3) since $2"
    return 0
  fi
  log "could not set Ready=$1: HTTP status $code"
  return 1
}

save() { printf '%s %s\\n' "$status" "$since" >"$STATE_FILE.tmp" && mv -f -- "$STATE_FILE.tmp" "$STATE_FILE"; }

status=""
since=""
if [ -f "$STATE_FILE" ]; then read -r status since <"$STATE_FILE" || true; fi
case "$status" in True | False) ;; *) status="" since="" ;; esac
dirty=1
sent=0
sleeper=""

stop() {
  trap - TERM INT
  if [ -n "$sleeper" ]; then kill "$sleeper" 2>/dev/null || true; fi
  if [ "$status" != False ]; then
    status=False
    since="$(now)"
    save
  fi
  patch False "$since" HostShutdown "the readiness reporter on $NODE stopped (host shutdown or removal)" || true
  exit 0
}
trap stop TERM INT

while :; do
  if curl --silent --output /dev/null --fail --max-time 2 -- "$READY_URL"; then
    want=True reason=ProxyReady message="linkerd2-proxy on $NODE answers /ready"
  else
    want=False reason=ProxyNotReady message="linkerd2-proxy on $NODE does not answer /ready"
  fi
  if [ "$want" != "$status" ]; then
    status="$want"
    since="$(now)"
    save
    dirty=1
  fi
  t="$(epoch)"
  if [ "$dirty" = 1 ] || [ $((t - sent)) -ge "$RESYNC" ]; then
    if patch "$status" "$since" "$reason" "$message"; then
      dirty=0
      sent="$t"
    fi
  fi
  sleep "$INTERVAL" &
  sleeper=$!
  wait "$sleeper" || true
  sleeper=""
done
`;

/**
 * The reporter: a bash loop (builtins, `date` and `curl`). Every `intervalSeconds` it asks the proxy's
 * admin server for `/ready` (linkerd2-proxy answers 200 once it has its identity and is serving);
 * when the answer changes it records the transition time and PATCHes the status subresource; an
 * unchanged status is sent again every `resyncSeconds`. A failed PATCH is retried at the next probe.
 * On SIGTERM (systemd stopping it: shutdown, removal) it sends `Ready=False` before it exits.
 * The last status and its transition time are kept in a state file, so a restart keeps
 * `lastTransitionTime` when nothing changed.
 */
export function readinessReporterScript(h: ResolvedHost, r: ResolvedReadiness): string {
  const w = h.workload;
  const l = h.layout;
  const vars: Array<[string, string | number]> = [
    ['STATUS_URL', `${r.apiServerUrl}${externalWorkloadStatusPath(w.namespace, w.name)}`],
    ['READY_URL', `http://127.0.0.1:${h.proxy.adminPort}/ready`],
    ['CA_FILE', l.apiServerCa],
    ['TOKEN_FILE', `${l.readinessDir}/token`],
    ['STATE_FILE', `${l.readinessDir}/state`],
    ['INTERVAL', r.intervalSeconds],
    ['RESYNC', r.resyncSeconds],
    ['NODE', h.nodeName],
  ];
  return `#!/usr/bin/env bash
# Keeps the Ready condition of ExternalWorkload ${w.namespace}/${w.name} in step with its proxy's /ready.
# Generated by linkerd-constructs; run by ${READINESS_UNIT} as the proxy user.
set -uo pipefail
export TZ=UTC
${shVars(vars)}

${REPORTER_LOOP}`;
}

/**
 * The reporter's unit: after the proxy (so at shutdown it stops first and reports Ready=False while
 * the network is still up), as the proxy user, restarted whatever happens.
 */
export function readinessUnit(h: ResolvedHost): string {
  return systemdUnit({
    description: `Readiness of ExternalWorkload ${h.workload.namespace}/${h.workload.name} from its proxy (linkerd-constructs)`,
    after: ['network-online.target', PROXY_UNIT],
    wants: ['network-online.target'],
    user: h.proxy.user,
    execStart: h.layout.readinessScript,
    restart: 'always',
    service: ['TimeoutStopSec=20'],
    noNewPrivileges: true,
  });
}

/** Step: the API server's CA, the token (standard input, 0600, proxy user), the reporter and its unit. */
export function readinessStep(h: ResolvedHost, r: ResolvedReadiness): HostStep {
  const l = h.layout;
  const script = readinessReporterScript(h, r);
  const unitText = readinessUnit(h);
  const vars: Array<[string, string | number]> = [
    ['CA_FILE', l.apiServerCa],
    ['DIR', l.readinessDir],
    ['TOKEN_FILE', `${l.readinessDir}/token`],
    ['SCRIPT', l.readinessScript],
    ['PROXY_USER', h.proxy.user],
    ['PASSWD', `${l.etcDir}/passwd`],
    ['SERVICE_MANAGER', h.serviceManager],
    ['UNIT_DIR', l.unitDir],
    ['UNIT', READINESS_UNIT],
  ];
  return {
    id: 'readiness',
    description: `report the proxy's /ready as the Ready condition of ExternalWorkload ${h.workload.namespace}/${h.workload.name} to ${r.apiServerUrl}`,
    create: stepScript({
      step: 'readiness',
      title: 'readiness reporter: API server CA, ServiceAccount token (from standard input, mode 0600), script and unit',
      vars,
      body: `# the token stays in this shell's memory until put_file writes it (mode 0600); no command line sees it
token="$(cat)"
if [ -z "$token" ] || [[ $token == *[[:space:]]* ]]; then
  fail "expected the ServiceAccount token on standard input, one line (bundle: set ${API_TOKEN_FILE_ENV} to its file)"
fi
# numeric ids from the plan's passwd (the proxy-user step made the user), so this works under any root
owner="$(awk -F: -v u="$PROXY_USER" '$1 == u { print $3 ":" $4 }' "$PASSWD")"
[ -n "$owner" ] || fail "user $PROXY_USER does not exist: the proxy-user step creates it"
changed=0
mkdir -p -- "$DIR"
chown "$owner" -- "$DIR"
chmod 0700 -- "$DIR"
if printf '%s\\n' "$token" | put_file 0600 "$TOKEN_FILE"; then changed=1; fi
unset token
chown "$owner" -- "$TOKEN_FILE"
${ifChanged('put_file 0644 "$CA_FILE"', `${r.apiServerCaPem}\n`)}
${ifChanged('put_file 0755 "$SCRIPT"', script)}
${ifChanged('install_unit "$UNIT"', unitText)}
ensure_service "$UNIT" "$changed"`,
    }),
    delete: deleteScript(h, {
      step: 'readiness',
      title: 'readiness reporter: stop it (it reports Ready=False), remove unit, script, CA and token',
      vars,
      body: `remove_service "$UNIT"
remove_path "$SCRIPT" "$CA_FILE" "$DIR"`,
    }),
    triggers: [`readiness.script=${script}`, `readiness.unit=${unitText}`, `readiness.apiServerCaPem=${r.apiServerCaPem}`],
    files: [
      { path: l.apiServerCa, mode: '0644', content: `${r.apiServerCaPem}\n` },
      { path: `${l.readinessDir}/token`, mode: '0600', secret: API_TOKEN_SECRET },
      { path: l.readinessScript, mode: '0755', content: script },
      { path: `${l.unitDir}/${READINESS_UNIT}`, mode: '0644', content: unitText },
    ],
    secrets: [API_TOKEN_SECRET],
  };
}
