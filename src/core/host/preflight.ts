/**
 * Step 1: checks before anything changes: Linux, root with CAP_NET_ADMIN, the tools the plan uses,
 * and the control plane's destination and policy services resolve and accept connections (probed as
 * the proxy's uid, which the outbound rules never redirect).
 */
import type { ResolvedHost } from './props';
import { deleteScript, shQuote, stepScript } from './shell';
import type { HostStep } from './types';

/** `[tool, why]` pairs the plan needs on the host. */
export function requiredTools(h: ResolvedHost): Array<[string, string]> {
  const tools: Array<[string, string]> = [
    [h.traffic.iptablesCommand, 'redirects traffic through the proxy'],
    [h.serviceManager, 'runs SPIRE and the proxy as services'],
    ['awk', 'reads users and capabilities'],
    ['getent', 'resolves the control plane'],
    ['timeout', 'bounds connection checks'],
    ['cmp', 'compares files before replacing them'],
    ['stat', 'checks file modes'],
    ['mktemp', 'writes files atomically'],
    ['install', 'installs binaries'],
    ['useradd', 'creates the proxy user'],
    ['groupadd', 'creates the proxy group'],
  ];
  const b = h.proxy.binary;
  const spireUrl = h.spire.kind !== 'existing-agent' && h.spire.install.kind === 'url';
  if (spireUrl) tools.push(['tar', 'unpacks the SPIRE archive']);
  if (spireUrl || b.kind === 'url' || b.kind === 'upload') tools.push(['sha256sum', 'verifies downloads']);
  if (b.kind === 'image') tools.push([b.containerTool ?? 'docker', 'extracts the proxy binary from its image']);
  if (h.readiness) tools.push(['curl', "reports the proxy's readiness to the API server"], ['chown', 'gives the readiness token to the proxy user']);
  return tools;
}

function hostPort(address: string): [string, string] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i).replace(/\.$/, ''), address.slice(i + 1)];
}

/** The checks that depend on the host's settings (architecture, downloads, SPIRE, control plane), with their variables. */
function settingChecks(h: ResolvedHost): { vars: Array<[string, string | number]>; checks: string[] } {
  const spireArchive = h.spire.kind !== 'existing-agent' && h.spire.install.kind === 'url' ? h.spire.install : undefined;
  const needsDownload = spireArchive !== undefined || h.proxy.binary.kind === 'url';
  const arch = spireArchive?.arch;
  const [dstHost, dstPort] = hostPort(h.mesh.endpoints.destinationAddress);
  const [polHost, polPort] = hostPort(h.mesh.endpoints.policyAddress);
  const vars: Array<[string, string | number]> = [
    ['NODE_NAME', h.nodeName],
    ['PROXY_UID', h.proxy.uid],
    ['IPTABLES', h.traffic.iptablesCommand],
    ['TIMEOUT', h.preflight.connectTimeoutSeconds],
  ];
  const checks: string[] = [];
  if (arch) {
    vars.push(['ARCH', arch]);
    checks.push(`machine="$(uname -m)"
case "$machine" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) arch="$machine" ;;
esac
[ "$arch" = "$ARCH" ] || fail "this host is $machine, but spire.install.arch is $ARCH"
log "architecture: $arch"`);
  }
  if (needsDownload) {
    checks.push(`if ! command -v curl >/dev/null 2>&1 && ! command -v wget >/dev/null 2>&1; then
  fail "neither curl nor wget is installed: one is needed to download binaries"
fi`);
  }
  if (h.spire.kind === 'agent') {
    vars.push(['SPIRE_SERVER', h.spire.server.address], ['SPIRE_PORT', h.spire.server.port]);
    checks.push(`# the trust domain's SPIRE server (the agent attests there), reached like the control plane
# shellcheck disable=SC2016 # $1 and $2 expand in the probing shell
if ! timeout "$TIMEOUT" bash -c 'exec 3<>"/dev/tcp/$1/$2"' probe "$SPIRE_SERVER" "$SPIRE_PORT" 2>/dev/null; then
  fail "cannot connect to the SPIRE server $SPIRE_SERVER:$SPIRE_PORT within $TIMEOUT s (spire.server)"
fi
log "SPIRE server: $SPIRE_SERVER:$SPIRE_PORT accepts connections"`);
  }
  if (h.spire.kind === 'existing-agent') {
    vars.push(['AGENT_SOCKET', h.spire.socketPath]);
    checks.push(`[ -S "$AGENT_SOCKET" ] || fail "no SPIRE agent socket at $AGENT_SOCKET (spire.socketPath): start the SPIRE agent first"
log "SPIRE agent socket: $AGENT_SOCKET"`);
  }
  if (h.preflight.checkControlPlane) {
    checks.push(`check_endpoint() {
  local name="$1" host="$2" port="$3"
  local -a as_proxy=()
  getent hosts "$host" >/dev/null 2>&1 || fail "cannot resolve $host ($name): the host must resolve the cluster's service names (point its DNS at the cluster)"
  if command -v setpriv >/dev/null 2>&1; then as_proxy=(setpriv "--reuid=$PROXY_UID" "--regid=$PROXY_UID" --clear-groups --); fi
  # shellcheck disable=SC2016 # $1 and $2 expand in the probing shell
  if ! "\${as_proxy[@]}" timeout "$TIMEOUT" bash -c 'exec 3<>"/dev/tcp/$1/$2"' probe "$host" "$port" 2>/dev/null; then
    fail "cannot connect to $host:$port ($name) within $TIMEOUT s: the host needs IP connectivity to the cluster's pods"
  fi
  log "$name: $host:$port resolves and accepts connections"
}
check_endpoint ${shQuote('destination service')} ${shQuote(dstHost)} ${shQuote(dstPort)}
check_endpoint ${shQuote('policy service')} ${shQuote(polHost)} ${shQuote(polPort)}`);
  }
  return { vars, checks };
}

/** Step: the preflight checks. */
export function preflightStep(h: ResolvedHost): HostStep {
  const { vars, checks } = settingChecks(h);
  const tools = requiredTools(h).map(([t, why]) => `${t}|${why}`);
  return {
    id: 'preflight',
    description: `check ${h.nodeName}: Linux, root with CAP_NET_ADMIN, tools, ${h.preflight.checkControlPlane ? 'the control plane is resolvable and reachable' : 'control plane checks skipped'}`,
    create: stepScript({
      step: 'preflight',
      title: `preflight checks for host ${h.nodeName}; changes nothing`,
      vars,
      body: `log "checking host $NODE_NAME before any change"
kernel="$(uname -s)"
[ "$kernel" = Linux ] || fail "expected a Linux host, found $kernel"
if [ -r /etc/os-release ]; then
  os="$(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d '"')"
  log "os: \${os:-unknown}"
fi
[ "$(id -u)" = 0 ] || fail "must run as root (uid 0): the plan installs files, a user and services (connect as root, or use sudo)"
capeff="$(awk '/^CapEff:/ { print $2 }' /proc/self/status)"
if (( (16#$capeff >> 12 & 1) == 0 )); then
  fail "CAP_NET_ADMIN is missing: iptables rules cannot be changed (the host needs NET_CAP privileges)"
fi
log "privileges: root with CAP_NET_ADMIN"
tools=(
${tools.map((t) => `  ${shQuote(t)}`).join('\n')}
)
for entry in "\${tools[@]}"; do
  tool="\${entry%%|*}"
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (it \${entry#*|})"
done
log "tools: all present"
"$IPTABLES" -w 10 -t nat -S >/dev/null 2>&1 || fail "$IPTABLES cannot read the nat table (is the iptables kernel support loaded?)"
${checks.join('\n')}
log "preflight passed"`,
    }),
    delete: deleteScript(h, { step: 'preflight', title: 'preflight: nothing to undo', body: 'log "preflight changed nothing; nothing to undo"' }),
    triggers: [`nodeName=${h.nodeName}`, `destination=${h.mesh.endpoints.destinationAddress}`, `policy=${h.mesh.endpoints.policyAddress}`],
    files: [],
    secrets: [],
  };
}
