/**
 * Building blocks of the generated host scripts: quoting, variable blocks, heredocs and the small
 * function library every step script starts with. Everything here is pure string building.
 */
import { ownedDirectories } from './layout';
import type { ResolvedHost } from './props';

/** Quotes a value for bash: single quotes, with embedded single quotes closed, escaped and reopened. */
export function shQuote(value: string | number): string {
  const s = String(value);
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/** `readonly NAME=value` lines (values quoted), one per entry, in the given order. */
export function shVars(vars: ReadonlyArray<readonly [string, string | number]>): string {
  return vars.map(([name, value]) => `readonly ${name}=${shQuote(value)}`).join('\n');
}

/**
 * A quoted heredoc (no expansion inside) feeding `command`; `suffix` continues the command's line
 * (e.g. `; then changed=1; fi`). The delimiter is chosen so that no line of the content equals it.
 * The content always ends with one newline.
 */
export function heredoc(command: string, content: string, suffix = '', base = 'LINKERD_EW_EOF'): string {
  const body = content.endsWith('\n') ? content : `${content}\n`;
  const lines = new Set(body.split('\n'));
  let delim = base;
  for (let i = 1; lines.has(delim); i++) delim = `${base}_${i}`;
  return `${command} <<'${delim}'${suffix}\n${body}${delim}`;
}

/** `if COMMAND <<heredoc; then changed=1; fi`: runs a `put_file`-style command and records a change. */
export function ifChanged(command: string, content: string): string {
  return heredoc(`if ${command}`, content, '; then changed=1; fi');
}

/**
 * `read`s a heredoc into a variable (no process, no expansion): `NAME` holds the content, ending
 * with one newline (write it with `printf '%s'`).
 */
export function heredocVar(name: string, content: string): string {
  return heredoc(`IFS= read -r -d '' ${name}`, content, ' || true');
}

/**
 * The shell functions step scripts may use, by name. {@link stepScript} includes exactly the ones a
 * script calls (and the ones those call), so every generated script is shellcheck-clean.
 */
export const SHELL_FUNCTIONS: Readonly<Record<string, string>> = {
  log: 'log() { printf \'[%s] %s\\n\' "$STEP" "$*"; }',
  fail: 'fail() { printf \'[%s] error: %s\\n\' "$STEP" "$*" >&2; exit 1; }',
  put_file: `# put_file MODE DEST: installs standard input at DEST with MODE, atomically, only when content or mode differ.
# Status 0 when the file was written, 1 when it already was so.
put_file() {
  local mode="$1" dest="$2" tmp
  mkdir -p -- "\${dest%/*}"
  tmp="$(mktemp -- "$dest.tmp.XXXXXX")"
  if ! cat >"$tmp"; then rm -f -- "$tmp"; fail "could not write $dest"; fi
  if [ -f "$dest" ] && cmp -s -- "$tmp" "$dest" && [ "$(stat -c '%a' -- "$dest")" = "\${mode#0}" ]; then
    rm -f -- "$tmp"
    log "unchanged: $dest"
    return 1
  fi
  chmod "$mode" -- "$tmp"
  mv -f -- "$tmp" "$dest"
  log "wrote: $dest (mode $mode)"
}`,
  remove_path: `# remove_path PATH...: removes the files or directories that exist, saying so.
remove_path() {
  local p
  for p in "$@"; do
    if [ -e "$p" ] || [ -L "$p" ]; then rm -rf -- "$p"; log "removed: $p"; fi
  done
}`,
  prune_dirs: `# prune_dirs DIR...: removes each directory that exists and is empty (list the deepest first).
prune_dirs() {
  local d
  for d in "$@"; do
    if [ -d "$d" ] && [ -z "$(ls -A -- "$d")" ]; then rmdir -- "$d"; log "removed empty directory: $d"; fi
  done
}`,
  wait_until: `# wait_until DESCRIPTION TRIES COMMAND...: runs COMMAND once a second until it succeeds.
wait_until() {
  local what="$1" tries="$2" i
  shift 2
  for ((i = 1; i <= tries; i++)); do
    if "$@" >/dev/null 2>&1; then log "$what: ok"; return 0; fi
    log "waiting for $what ($i/$tries)"
    sleep 1
  done
  fail "$what: no success after $tries attempts"
}`,
  install_unit: `# install_unit NAME: installs standard input as unit NAME; reloads the service manager when it changed.
install_unit() {
  if put_file 0644 "$UNIT_DIR/$1"; then "$SERVICE_MANAGER" daemon-reload; return 0; fi
  return 1
}`,
  ensure_service: `# ensure_service NAME CHANGED: enables the unit; restarts it when CHANGED is 1, starts it when not running.
ensure_service() {
  local unit="$1" changed="$2"
  if ! "$SERVICE_MANAGER" is-enabled --quiet "$unit"; then "$SERVICE_MANAGER" enable --quiet "$unit"; log "enabled: $unit"; fi
  if [ "$changed" = 1 ]; then
    "$SERVICE_MANAGER" restart "$unit"
    log "restarted: $unit"
  elif ! "$SERVICE_MANAGER" is-active --quiet "$unit"; then
    "$SERVICE_MANAGER" start "$unit"
    log "started: $unit"
  else
    log "running: $unit"
  fi
}`,
  remove_service: `# remove_service NAME: stops and disables the unit, removes its file.
remove_service() {
  local unit="$1"
  if [ -f "$UNIT_DIR/$unit" ]; then
    if "$SERVICE_MANAGER" is-active --quiet "$unit"; then "$SERVICE_MANAGER" stop "$unit"; log "stopped: $unit"; fi
    if "$SERVICE_MANAGER" is-enabled --quiet "$unit"; then "$SERVICE_MANAGER" disable --quiet "$unit"; log "disabled: $unit"; fi
    rm -f -- "$UNIT_DIR/$unit"
    "$SERVICE_MANAGER" daemon-reload
    log "removed: $UNIT_DIR/$unit"
  fi
}`,
  download: `# download URL DEST: fetches URL with curl or wget.
download() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" -- "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" -- "$1"
  else
    fail "neither curl nor wget is installed: install one to download $1"
  fi
}`,
  check_sha256: `# check_sha256 FILE EXPECTED WHAT: fails unless FILE has the expected sha256.
check_sha256() {
  local actual
  actual="$(sha256sum -- "$1")"
  actual="\${actual%% *}"
  [ "$actual" = "$2" ] || fail "$3: sha256 is $actual; expected $2"
  log "$3: sha256 verified"
}`,
};

/** Patterns by name, compiled once (a plan builds dozens of scripts from the same few names). */
const namePatterns = new Map<string, { readonly call: RegExp; readonly header: RegExp; readonly use: RegExp }>();

function patternsOf(name: string): { readonly call: RegExp; readonly header: RegExp; readonly use: RegExp } {
  let p = namePatterns.get(name);
  if (!p) {
    p = {
      // a call: the name in command position (line start, after ; & | ( or a keyword), then a separator
      call: new RegExp(`(^|[;&|(]|\\b(?:if|then|do|else|elif|while|until)\\s|!\\s)\\s*${name}(?=[\\s;)|&]|$)`, 'm'),
      // its definition's first line
      header: new RegExp(`^${name}\\(\\)`, 'm'),
      // a use of the variable of that name
      use: new RegExp(`\\$\\{?${name}(?![A-Za-z0-9_])`),
    };
    namePatterns.set(name, p);
  }
  return p;
}

/** The functions `code` calls, from `available`, with everything those call, in `available`'s order. */
export function usedFunctions(code: string, available: Readonly<Record<string, string>>): string[] {
  const names = Object.keys(available);
  const used = new Set<string>();
  const visit = (text: string) => {
    for (const n of names) {
      if (used.has(n) || !text.includes(n)) continue;
      const p = patternsOf(n);
      if (p.call.test(text)) {
        used.add(n);
        visit(available[n].replace(p.header, ''));
      }
    }
  };
  visit(code);
  return names.filter((n) => used.has(n));
}

/** Parts of one step script. */
export interface ScriptParts {
  /** Step id (shown in every log line). */
  readonly step: string;
  /** One-line comment under the shebang. */
  readonly title: string;
  /** `readonly` variables (those the script does not use are left out). */
  readonly vars?: ReadonlyArray<readonly [string, string | number]>;
  /** Functions besides {@link SHELL_FUNCTIONS} the body may call. */
  readonly functions?: Readonly<Record<string, string>>;
  /** The body. */
  readonly body: string;
}

/**
 * Assembles a self-contained step script: shebang, strict mode, the variables and functions the body
 * uses (and only those), body.
 */
export function stepScript(parts: ScriptParts): string {
  const available = { ...SHELL_FUNCTIONS, ...(parts.functions ?? {}) };
  const body = parts.body.trim();
  const functions = usedFunctions(body, available).map((n) => available[n]);
  const code = `${functions.join('\n')}\n${body}`;
  const vars = (parts.vars ?? []).filter(([name]) => patternsOf(name).use.test(code));
  const sections = [
    `#!/usr/bin/env bash\n# ${parts.title}\n# Generated by linkerd-constructs: idempotent, safe to run again.\nset -euo pipefail\numask 022\nreadonly STEP=${shQuote(parts.step)}`,
    shVars(vars),
    functions.join('\n\n'),
    body,
  ];
  return `${sections.filter((x) => x !== '').join('\n\n')}\n`;
}

/**
 * A delete script: the body, then the removal of the plan's directories left empty
 * ({@link ownedDirectories}), so a deleted plan leaves the host as it found it.
 */
export function deleteScript(h: ResolvedHost, parts: ScriptParts): string {
  return deleteScriptPruning(ownedDirectories(h), parts);
}

/** A delete script that removes `dirs` (deepest first) when they are left empty. */
export function deleteScriptPruning(dirs: readonly string[], parts: ScriptParts): string {
  return stepScript({ ...parts, body: `${parts.body.trim()}\nprune_dirs ${dirs.map(shQuote).join(' ')}` });
}
