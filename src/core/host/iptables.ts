/**
 * Traffic redirection through the proxy: the `nat` chains `PROXY_INIT_REDIRECT` (inbound, to the
 * proxy's inbound port) and `PROXY_INIT_OUTPUT` (outbound, to its outbound port), exactly the rules of
 * the seed, with configurable ports. Created idempotently (rules are compared and only rebuilt when
 * they differ) and removed cleanly (the `nat` table is left as it was).
 */
import type { ResolvedHost } from './props';
import { IPTABLES_UNIT, PROXY_UNIT } from './proxy';
import { deleteScript, ifChanged, shQuote, stepScript } from './shell';
import type { HostStep } from './types';
import { systemdUnit } from './units';

/** Chain of the inbound rules. */
export const REDIRECT_CHAIN = 'PROXY_INIT_REDIRECT';
/** Chain of the outbound rules. */
export const OUTPUT_CHAIN = 'PROXY_INIT_OUTPUT';

/** The rules of each chain (arguments after `-A <chain>`), and the jumps into them. */
export interface TrafficRules {
  /** Rules of {@link REDIRECT_CHAIN}, in order. */
  readonly redirect: readonly string[];
  /** Rules of {@link OUTPUT_CHAIN}, in order. */
  readonly output: readonly string[];
  /** `[from chain, to chain, match]` jumps (match: extra arguments before `-j`, may be empty). */
  readonly jumps: ReadonlyArray<readonly [string, string, string]>;
}

/**
 * Only traffic addressed to this host is redirected inbound: without it PREROUTING would also capture
 * traffic the VM forwards (a container bridge, a VPN), which is not the workload's. (Inside a pod
 * proxy-init needs no such match: nothing is forwarded through a pod.)
 */
export const INBOUND_JUMP_MATCH = '-m addrtype --dst-type LOCAL';

/** The seed's rules for the resolved ports and proxy uid. */
export function trafficRules(h: ResolvedHost): TrafficRules {
  const t = h.traffic;
  const redirect = [
    ...(t.ignoreInboundPorts.length > 0 ? [`-p tcp --match multiport --dports ${t.ignoreInboundPorts.join(',')} -j RETURN`] : []),
    `-p tcp -j REDIRECT --to-port ${h.proxy.inboundPort}`,
  ];
  const output = [
    `-m owner --uid-owner ${h.proxy.uid} -j RETURN`,
    '-o lo -j RETURN',
    ...(t.ignoreOutboundPorts.length > 0 ? [`-p tcp --match multiport --dports ${t.ignoreOutboundPorts.join(',')} -j RETURN`] : []),
    `-p tcp -j REDIRECT --to-port ${h.proxy.outboundPort}`,
  ];
  return { redirect, output, jumps: [['PREROUTING', REDIRECT_CHAIN, INBOUND_JUMP_MATCH], ['OUTPUT', OUTPUT_CHAIN, '']] };
}

const IPTABLES_FUNCTIONS: Readonly<Record<string, string>> = {
  ipt: 'ipt() { "$IPTABLES" -w 10 "$@"; }',
  sync_chain: `# sync_chain CHAIN RULE...: makes CHAIN in the nat table hold exactly these rules, in order.
sync_chain() {
  local chain="$1" ok=1 rule count
  local -a args
  shift
  if ! ipt -t nat -S "$chain" >/dev/null 2>&1; then
    ipt -t nat -N "$chain"
    log "created chain $chain"
    ok=0
  else
    for rule in "$@"; do
      read -r -a args <<<"$rule"
      if ! ipt -t nat -C "$chain" "\${args[@]}" >/dev/null 2>&1; then ok=0; break; fi
    done
    count="$(ipt -t nat -S "$chain" | grep -c '^-A ' || true)"
    if [ "$count" != "$#" ]; then ok=0; fi
  fi
  if [ "$ok" = 1 ]; then
    log "unchanged: chain $chain ($# rules)"
    return 0
  fi
  ipt -t nat -F "$chain"
  for rule in "$@"; do
    read -r -a args <<<"$rule"
    ipt -t nat -A "$chain" "\${args[@]}"
    log "$chain: $rule"
  done
}`,
  ensure_jump: `# ensure_jump FROM TO [MATCH]: exactly one jump from the built-in chain FROM to TO, with MATCH
# (other jumps from FROM to TO, e.g. an unrestricted one of an older version, are removed).
ensure_jump() {
  local from="$1" to="$2" rule
  local -a match=() args=()
  read -r -a match <<<"\${3:-}"
  if ipt -t nat -C "$from" "\${match[@]}" -j "$to" >/dev/null 2>&1 \
    && [ "$(ipt -t nat -S "$from" | grep -c -- "-j $to\$" || true)" = 1 ]; then
    log "unchanged: $from -> $to"
    return 0
  fi
  while read -r rule; do
    [ -n "$rule" ] || continue
    read -r -a args <<<"\${rule#-A }"
    ipt -t nat -D "\${args[@]}"
  done < <(ipt -t nat -S "$from" | grep -- "-j $to\$" || true)
  ipt -t nat -A "$from" "\${match[@]}" -j "$to"
  log "added jump $from -> $to\${3:+ ($3)}"
}`,
  remove_jump: `# remove_jump FROM TO: removes every jump from FROM to TO, whatever its match.
remove_jump() {
  local rule
  local -a args=()
  while read -r rule; do
    [ -n "$rule" ] || continue
    read -r -a args <<<"\${rule#-A }"
    ipt -t nat -D "\${args[@]}"
    log "removed jump $1 -> $2"
  done < <(ipt -t nat -S "$1" | grep -- "-j $2\$" || true)
}`,
  remove_chain: `# remove_chain CHAIN: flushes and deletes CHAIN when it exists.
remove_chain() {
  if ipt -t nat -S "$1" >/dev/null 2>&1; then
    ipt -t nat -F "$1"
    ipt -t nat -X "$1"
    log "removed chain $1"
  fi
}`,
};

/**
 * The script that makes the nat table hold exactly the redirect rules (idempotent: applied twice, the
 * same rule set). The step installs it and runs it; {@link IPTABLES_UNIT} runs it at every boot.
 */
export function iptablesApplyScript(h: ResolvedHost): string {
  const r = trafficRules(h);
  const list = (name: string, rules: readonly string[]) => `${name}=(\n${rules.map((x) => `  ${shQuote(x)}`).join('\n')}\n)`;
  return stepScript({
    step: 'iptables',
    title: `iptables nat chains ${REDIRECT_CHAIN} and ${OUTPUT_CHAIN} (traffic through the proxy)`,
    vars: [['IPTABLES', h.traffic.iptablesCommand]],
    functions: IPTABLES_FUNCTIONS,
    body: `${list('redirect_rules', r.redirect)}
${list('output_rules', r.output)}
sync_chain ${REDIRECT_CHAIN} "\${redirect_rules[@]}"
sync_chain ${OUTPUT_CHAIN} "\${output_rules[@]}"
${r.jumps.map(([from, to, match]) => `ensure_jump ${from} ${to}${match ? ` ${shQuote(match)}` : ''}`).join('\n')}`,
  });
}

/** The oneshot unit ordered before the proxy: the rules come back after a reboot. */
export function iptablesUnit(h: ResolvedHost): string {
  return systemdUnit({
    description: `Linkerd proxy traffic redirection for external workload ${h.workload.namespace}/${h.workload.name} (linkerd-constructs)`,
    after: ['network-pre.target'],
    wants: ['network-pre.target'],
    before: [PROXY_UNIT],
    oneshot: true,
    execStart: h.layout.iptablesScript,
  });
}

/** Step: the iptables rules, applied now and at every boot. */
export function iptablesStep(h: ResolvedHost): HostStep {
  const r = trafficRules(h);
  const l = h.layout;
  const script = iptablesApplyScript(h);
  const unitText = iptablesUnit(h);
  const vars: Array<[string, string]> = [
    ['SCRIPT', l.iptablesScript],
    ['SERVICE_MANAGER', h.serviceManager],
    ['UNIT_DIR', l.unitDir],
    ['UNIT', IPTABLES_UNIT],
  ];
  return {
    id: 'iptables',
    description: `redirect inbound TCP to ${h.proxy.inboundPort} (except ${h.traffic.ignoreInboundPorts.join(',') || 'none'}) and outbound TCP to ${h.proxy.outboundPort} (except uid ${h.proxy.uid}, loopback, ${h.traffic.ignoreOutboundPorts.join(',') || 'no ports'}), now and at every boot (${IPTABLES_UNIT})`,
    create: stepScript({
      step: 'iptables',
      title: `iptables nat chains ${REDIRECT_CHAIN} and ${OUTPUT_CHAIN}, and ${IPTABLES_UNIT} that restores them at boot`,
      vars,
      body: `changed=0
${ifChanged('put_file 0755 "$SCRIPT"', script)}
${ifChanged('install_unit "$UNIT"', unitText)}
# converge now (also after someone flushed the table), then keep the unit enabled for every boot
"$SCRIPT"
ensure_service "$UNIT" "$changed"`,
    }),
    delete: deleteScript(h, {
      step: 'iptables',
      title: `iptables: remove ${IPTABLES_UNIT}, ${REDIRECT_CHAIN} and ${OUTPUT_CHAIN} and the jumps into them`,
      vars: [['IPTABLES', h.traffic.iptablesCommand], ...vars],
      functions: IPTABLES_FUNCTIONS,
      body: `remove_service "$UNIT"
remove_path "$SCRIPT"
${r.jumps.map(([from, to]) => `remove_jump ${from} ${to}`).join('\n')}
remove_chain ${REDIRECT_CHAIN}
remove_chain ${OUTPUT_CHAIN}`,
    }),
    triggers: [
      `iptables=${h.traffic.iptablesCommand}`,
      ...r.redirect.map((x) => `${REDIRECT_CHAIN}:${x}`),
      ...r.output.map((x) => `${OUTPUT_CHAIN}:${x}`),
      ...r.jumps.map(([from, to, match]) => `jump:${from}:${to}:${match}`),
    ],
    files: [
      { path: l.iptablesScript, mode: '0755', content: script },
      { path: `${l.unitDir}/${IPTABLES_UNIT}`, mode: '0644', content: unitText },
    ],
    secrets: [],
  };
}
