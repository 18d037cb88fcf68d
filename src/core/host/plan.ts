/**
 * The host provisioning plan: the ordered steps that mesh one VM, each with an idempotent create
 * script, a delete script, and the inputs that should re-run it.
 *
 * ```ts
 * const plan = planHost('vm-1', props, mesh);   // validate, resolve, plan
 * plan.steps.map((s) => s.id);
 * // preflight, spire-install, spire-upstream-ca, spire-server, spire-agent, spire-workload-entry,
 * // proxy-user, proxy-install, proxy-service, iptables, readiness (when configured)
 * ```
 *
 * The iptables rules come after the proxy (and go before it on delete), so inbound traffic is only
 * redirected while a proxy is there to take it; the readiness reporter comes last and goes first, so
 * the workload is marked Ready=False before anything it needs is removed.
 */
import type { MeshInfo } from '../mesh-info';
import { iptablesStep } from './iptables';
import { preflightStep } from './preflight';
import type { ExternalWorkloadHostProps, ResolvedHost } from './props';
import { proxyInstallStep, proxyServiceStep, proxyUserStep } from './proxy';
import { apiTokenSecret, readinessStep } from './readiness-reporter';
import { resolveHost } from './resolve';
import { spireInstallStep, spireServerStep, spireUpstreamCaStep, upstreamCaKeySecretAt } from './spire';
import { joinTokenSecret, spireAgentInstallStep, spireAgentStep, spireRemoteAgentStep, spireWorkloadEntryStep } from './spire-agent';
import type { HostPlan, HostStep } from './types';

/** Largest script the plan emits: a single command-line argument is limited to 128 KiB on Linux. */
export const MAX_SCRIPT_BYTES = 120 * 1024;

/** The ordered steps for a resolved host. */
export function hostProvisioningPlan(h: ResolvedHost): HostPlan {
  const steps: HostStep[] = [preflightStep(h)];
  const secrets = [];
  if (h.spire.kind === 'local') {
    const s = h.spire;
    steps.push(spireInstallStep(h, s), spireUpstreamCaStep(h, s), spireServerStep(h, s), spireAgentStep(h, s), spireWorkloadEntryStep(h, s));
    secrets.push(upstreamCaKeySecretAt(h.layout));
  } else if (h.spire.kind === 'agent') {
    // agent only: the VM holds no key that signs for the mesh; its entry lives on the server host
    steps.push(spireAgentInstallStep(h, h.spire), spireRemoteAgentStep(h, h.spire));
    secrets.push(joinTokenSecret(h, h.spire));
  }
  steps.push(proxyUserStep(h), proxyInstallStep(h), proxyServiceStep(h), iptablesStep(h));
  if (h.readiness) {
    steps.push(readinessStep(h, h.readiness));
    secrets.push(apiTokenSecret(h, h.readiness));
  }
  for (const s of steps) {
    for (const [kind, script] of [['create', s.create], ['delete', s.delete]] as const) {
      const bytes = Buffer.byteLength(script);
      if (bytes > MAX_SCRIPT_BYTES) throw new Error(`host plan ${h.workload.namespace}/${h.workload.name}: the ${kind} script of step ${s.id} is ${bytes} bytes; at most ${MAX_SCRIPT_BYTES} fit on a command line`);
    }
  }
  return {
    workload: `${h.workload.namespace}/${h.workload.name}`,
    nodeName: h.nodeName,
    root: h.layout.root,
    steps,
    secrets,
  };
}

/** Validates the props, applies defaults and returns the plan (one call for the common case). */
export function planHost(scope: string, props: ExternalWorkloadHostProps, mesh: MeshInfo): HostPlan {
  return hostProvisioningPlan(resolveHost(scope, props, mesh));
}
