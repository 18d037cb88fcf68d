/**
 * Stand-in executables for spire-server, spire-agent, linkerd2-proxy and the service manager
 * (systemctl). Each records how it was called (argv, uid, bytes received on standard input) and
 * behaves just enough like the real one for the plan to run:
 *
 *  - spire-server: `healthcheck`, `bundle show`, `token generate -output json` (a fresh token each
 *    time, remembered), `entry show|create|update|delete -entryID` (kept in a state directory);
 *  - spire-agent: `run` records the config's mode and join token, creates the Workload API socket;
 *  - linkerd2-proxy: records its uid and every `LINKERD2_PROXY_*` variable (JSON);
 *  - systemctl: `daemon-reload`, `enable`, `disable`, `is-enabled`, `is-active`, `start`, `restart`,
 *    `stop`; `start`/`restart` run the unit's `ExecStart` as its `User=` (resolved in the isolated
 *    root's /etc/passwd) and record the exit code; a `Restart=always` unit runs in the background
 *    until `stop`, which sends it SIGTERM and waits for it, as systemd does.
 */
import * as fs from 'fs';
import * as path from 'path';

/** One recorded call. */
export interface StandinCall {
  readonly name: string;
  readonly uid: number;
  readonly stdinBytes: number;
  readonly argv: string[];
}

/** Paths of the stand-ins and their records. */
export interface Standins {
  readonly binDir: string;
  readonly stateDir: string;
  readonly spireServer: string;
  readonly spireAgent: string;
  readonly proxy: string;
  readonly systemctl: string;
  /** Every call so far, in order. */
  calls(): StandinCall[];
  /** Tokens spire-server generated. */
  tokens(): string[];
  /** What spire-agent saw at each `run`: `mode=600 token=<token or none>`. */
  agentRuns(): string[];
  /** `unit rc=N` for every ExecStart run. */
  execResults(): string[];
  /** The proxy's recorded environment of its last run, and its uid. */
  proxyRun(): { uid: number; env: Record<string, string> } | undefined;
}

// builtins only (read, printf, $EUID): process creation is slow in sandboxes
const RECORD = `record() {
  local data="" IFS=$'\\x1f'
  if [ ! -t 0 ]; then IFS= read -r -d '' -t 2 data || true; fi
  printf '%s\\x1e%s\\x1e%s\\x1e%s\\n' "$NAME" "$EUID" "\${#data}" "$*" >>"$STATE/calls.log"
}`;

/** Writes the stand-ins into `dir/bin` with their state in `dir/state` (world-writable: the proxy runs as another user). */
export function writeStandins(dir: string, root: string, unitDir: string): Standins {
  const binDir = path.join(dir, 'bin');
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(binDir, { recursive: true, mode: 0o755 });
  fs.mkdirSync(path.join(stateDir, 'entries'), { recursive: true });
  fs.mkdirSync(path.join(stateDir, 'units'), { recursive: true });
  for (const d of [stateDir, path.join(stateDir, 'entries'), path.join(stateDir, 'units')]) fs.chmodSync(d, 0o777);
  const header = (name: string) => `#!/usr/bin/env bash
set -uo pipefail
umask 000
NAME=${name}
STATE=${stateDir}
${RECORD}
record "$@"
`;
  const write = (name: string, body: string) => {
    const file = path.join(binDir, name);
    fs.writeFileSync(file, `${header(name)}${body}`, { mode: 0o755 });
    return file;
  };

  const spireServer = write('spire-server', `flag() { local want="$1"; shift; while [ $# -gt 0 ]; do if [ "$1" = "$want" ]; then printf '%s' "$2"; return; fi; shift; done; }
case "$1" in
  run) [ -r "$3" ] || { echo "no config $3" >&2; exit 1; }; exit 0 ;;
  healthcheck) echo "Server is healthy."; exit 0 ;;
  bundle) printf -- '-----BEGIN CERTIFICATE-----\\nc3RhbmQtaW4gc3BpcmUgYnVuZGxl\\n-----END CERTIFICATE-----\\n' ;;
  token)
    token="$(cat /proc/sys/kernel/random/uuid)"
    printf '%s\\n' "$token" >>"$STATE/tokens"
    printf '{"value":"%s","expires_at":"4102444800"}\\n' "$token" ;;
  entry)
    id="$(flag -entryID "$@")"
    f="$STATE/entries/$id"
    case "$2" in
      show) [ -f "$f" ] || { echo "Error: rpc error: code = NotFound" >&2; exit 1; }; cat "$f" ;;
      create) [ -f "$f" ] && { echo "Error: entry exists" >&2; exit 1; }; printf '%s\\n' "$*" >"$f"; echo "Entry ID : $id" ;;
      update) [ -f "$f" ] || exit 1; printf '%s\\n' "$*" >"$f" ;;
      delete) rm -f "$f" ;;
    esac ;;
  *) echo "spire-server stand-in: unknown command $1" >&2; exit 2 ;;
esac
`);

  const spireAgent = write('spire-agent', `case "$1" in
  run)
    conf="$3"
    token="$(sed -n 's/^ *join_token = "\\(.*\\)"$/\\1/p' "$conf")"
    printf 'mode=%s token=%s\\n' "$(stat -c %a "$conf")" "\${token:-none}" >>"$STATE/agent-runs"
    sock="$(sed -n 's/^ *socket_path = "\\(.*\\)"$/\\1/p' "$conf")"
    mkdir -p "\${sock%/*}"
    chmod 755 "\${sock%/*}" "\${sock%/*/*}"
    rm -f "$sock"
    ${process.execPath} -e "require('net').createServer().listen(process.argv[1], () => process.exit(0))" "$sock"
    chmod 777 "$sock"
    exit 0 ;;
  healthcheck) echo "Agent is healthy."; exit 0 ;;
  *) echo "spire-agent stand-in: unknown command $1" >&2; exit 2 ;;
esac
`);

  const proxy = write('linkerd2-proxy', `id -u >"$STATE/proxy-uid"
${process.execPath} -e 'const e = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("LINKERD2_PROXY_"))); require("fs").writeFileSync(process.argv[1], JSON.stringify(e))' "$STATE/proxy-env.json"
exit 0
`);

  const systemctl = write('systemctl', `UNIT_DIR=${unitDir}
PASSWD=${path.join(root, 'etc/passwd')}
args=()
for a in "$@"; do case "$a" in --quiet | --now | -q) ;; *) args+=("$a") ;; esac; done
verb="\${args[0]}"
unit="\${args[1]:-}"
now=0
for a in "$@"; do [ "$a" = --now ] && now=1; done
run_unit() {
  [ -f "$UNIT_DIR/$unit" ] || { echo "Unit $unit not found." >&2; exit 5; }
  local exec user uid gid rc
  local -a as=()
  exec="$(sed -n 's/^ExecStart=//p' "$UNIT_DIR/$unit")"
  user="$(sed -n 's/^User=//p' "$UNIT_DIR/$unit")"
  read -r -a cmd <<<"$exec"
  if [ -n "$user" ]; then
    uid="$(awk -F: -v u="$user" '$1 == u { print $3 }' "$PASSWD")"
    gid="$(awk -F: -v u="$user" '$1 == u { print $4 }' "$PASSWD")"
    [ -n "$uid" ] || { echo "user $user unknown" >&2; exit 1; }
    as=(setpriv --reuid="$uid" --regid="$gid" --clear-groups --)
  fi
  if grep -q '^Restart=always$' "$UNIT_DIR/$unit"; then
    # a long-running service: started in the background, stopped with SIGTERM (as systemd does)
    stop_unit
    setsid "\${as[@]}" "\${cmd[@]}" </dev/null >>"$STATE/exec.log" 2>&1 &
    printf '%s\n' "$!" >"$STATE/units/$unit.pid"
    touch "$STATE/units/$unit.active"
    printf '%s started\n' "$unit" >>"$STATE/exec-results"
    return
  fi
  touch "$STATE/units/$unit.active"
  timeout 20 "\${as[@]}" "\${cmd[@]}" </dev/null >>"$STATE/exec.log" 2>&1
  rc=$?
  printf '%s rc=%s\n' "$unit" "$rc" >>"$STATE/exec-results"
}
stop_unit() {
  local pidf="$STATE/units/$unit.pid" pid i
  if [ -f "$pidf" ]; then
    pid="$(cat "$pidf")"
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$pidf"
    printf '%s stopped\n' "$unit" >>"$STATE/exec-results"
  fi
  rm -f "$STATE/units/$unit.active"
}
case "$verb" in
  daemon-reload) ;;
  enable) touch "$STATE/units/$unit.enabled"; [ "$now" = 1 ] && run_unit ;;
  disable) rm -f "$STATE/units/$unit.enabled"; [ "$now" = 1 ] && stop_unit ;;
  is-enabled) [ -f "$STATE/units/$unit.enabled" ]; exit $? ;;
  is-active) [ -f "$STATE/units/$unit.active" ]; exit $? ;;
  start | restart) run_unit ;;
  stop) stop_unit ;;
  *) echo "systemctl stand-in: unknown verb $verb" >&2; exit 2 ;;
esac
exit 0
`);

  const read = (f: string) => (fs.existsSync(path.join(stateDir, f)) ? fs.readFileSync(path.join(stateDir, f), 'utf8') : '');
  const lines = (f: string) => read(f).split('\n').filter(Boolean);
  return {
    binDir,
    stateDir,
    spireServer,
    spireAgent,
    proxy,
    systemctl,
    calls: () =>
      lines('calls.log').map((l) => {
        const [name, uid, stdinBytes, argv] = l.split('\x1e');
        return { name, uid: Number(uid), stdinBytes: Number(stdinBytes), argv: argv ? argv.split('\x1f') : [] };
      }),
    tokens: () => lines('tokens'),
    agentRuns: () => lines('agent-runs'),
    execResults: () => lines('exec-results'),
    proxyRun: () => (read('proxy-env.json') ? { uid: Number(read('proxy-uid').trim()), env: JSON.parse(read('proxy-env.json')) } : undefined),
  };
}
