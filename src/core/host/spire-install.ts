/**
 * The SPIRE install step: a release archive downloaded and checked against its sha256, or binaries
 * already on the host checked. Shared by workload VMs (server and agent, or the agent alone) and
 * `SpireServerHost`.
 */
import type { ResolvedHost, ResolvedLocalSpire } from './props';
import { deleteScript, stepScript, type ScriptParts } from './shell';
import type { HostStep } from './types';

/** What {@link spireInstallStepFor} installs or checks. */
export interface SpireInstallSpec {
  /** SPIRE version. */
  readonly version: string;
  /** Archive (URL + sha256), or binaries already on the host. */
  readonly install: { readonly kind: 'url'; readonly url: string; readonly sha256: string } | { readonly kind: 'path' };
  /** The binaries: name in the archive's `bin/` and path on the host. */
  readonly binaries: ReadonlyArray<{ readonly name: 'spire-server' | 'spire-agent'; readonly path: string }>;
  /** Directory the archive's binaries go to. */
  readonly binDir: string;
  /** Marker file recording the installed archive's sha256. */
  readonly marker: string;
}

/** Step: install SPIRE (verified archive) or check the given binaries (the plan's delete script builder). */
export function spireInstallStepFor(spec: SpireInstallSpec, del: (parts: ScriptParts) => string): HostStep {
  const paths = spec.binaries.map((b) => b.path);
  const names = spec.binaries.map((b) => b.name).join(' and ');
  const binVars: Array<[string, string]> = spec.binaries.map((b, i) => [`BIN_${i}`, b.path]);
  const binList = binVars.map(([v]) => `"$${v}"`).join(' ');
  if (spec.install.kind === 'path') {
    return {
      id: 'spire-install',
      description: `check the SPIRE binaries ${paths.join(' and ')}`,
      create: stepScript({
        step: 'spire-install',
        title: `SPIRE: use the ${names} binaries already installed on the host`,
        vars: binVars,
        body: binVars.map(([v]) => `[ -x "$${v}" ] || fail "$${v} is not an executable file (spire.install)"\nlog "using $${v}"`).join('\n'),
      }),
      delete: del({ step: 'spire-install', title: 'SPIRE: binaries were given; nothing to remove', vars: binVars, body: 'log "the SPIRE binaries were installed by someone else: left in place"' }),
      triggers: spec.binaries.map((b) => `spire.${b.name}=${b.path}`),
      files: [],
      secrets: [],
    };
  }
  const vars: Array<[string, string]> = [
    ['SPIRE_VERSION', spec.version],
    ['URL', spec.install.url],
    ['SHA256', spec.install.sha256],
    ['BIN_DIR', spec.binDir],
    ['MARKER', spec.marker],
    ...binVars,
  ];
  const installs = spec.binaries.map((b, i) => `install -m 0755 -- "$work/x/bin/${b.name}" "$BIN_${i}"`).join('\n');
  const present = binVars.map(([v]) => `[ -x "$${v}" ]`).join(' && ');
  return {
    id: 'spire-install',
    description: `install SPIRE ${spec.version} (${names}) from ${spec.install.url} (sha256 verified)`,
    create: stepScript({
      step: 'spire-install',
      title: `SPIRE ${spec.version}: download, verify, install ${names}`,
      vars,
      body: `if ${present} && [ -f "$MARKER" ] && [ "$(cat -- "$MARKER")" = "$SHA256" ]; then
  log "unchanged: SPIRE $SPIRE_VERSION is installed"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf -- "$work"' EXIT
log "downloading SPIRE $SPIRE_VERSION from $URL"
download "$URL" "$work/spire.tar.gz"
check_sha256 "$work/spire.tar.gz" "$SHA256" "$URL"
mkdir -p -- "$work/x"
tar -xzf "$work/spire.tar.gz" -C "$work/x" --strip-components=1
${spec.binaries.map((b) => `[ -x "$work/x/bin/${b.name}" ] || fail "the archive has no bin/${b.name}"`).join('\n')}
mkdir -p -- "$BIN_DIR"
${installs}
printf '%s\\n' "$SHA256" >"$MARKER"
log "installed SPIRE $SPIRE_VERSION in $BIN_DIR"`,
    }),
    delete: del({
      step: 'spire-install',
      title: `SPIRE ${spec.version}: remove the installed binaries`,
      vars,
      body: `remove_path ${binList} "$MARKER"
if [ -d "$BIN_DIR" ]; then rmdir --ignore-fail-on-non-empty -- "$BIN_DIR"; fi`,
    }),
    triggers: [`spire.version=${spec.version}`, `spire.url=${spec.install.url}`, `spire.sha256=${spec.install.sha256}`],
    files: spec.binaries.map((b) => ({ path: b.path, mode: '0755' })),
    secrets: [],
  };
}

/** Step: install SPIRE's server and agent (verified archive) or check the given binaries. */
export function spireInstallStep(h: ResolvedHost, s: ResolvedLocalSpire): HostStep {
  return spireInstallStepFor(
    {
      version: s.version,
      install: s.install.kind === 'url' ? s.install : { kind: 'path' },
      binaries: [{ name: 'spire-server', path: s.serverBinary }, { name: 'spire-agent', path: s.agentBinary }],
      binDir: h.layout.spireBinDir,
      marker: `${h.layout.spireDir}/.linkerd-ew-installed`,
    },
    (parts) => deleteScript(h, parts),
  );
}
