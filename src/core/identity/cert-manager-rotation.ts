/**
 * The trust anchor rotation of a cert-manager identity (mode 3) as a runbook: the steps of Linkerd's
 * "Automatically Rotating Control Plane TLS Credentials" guide, section "Rotating the trust anchor"
 * (linkerd/website `linkerd.io/content/2-edge/tasks/automatically-rotating-control-plane-tls-credentials.md`),
 * with the names {@link certManagerIdentityObjects} emits and the program change that replaces the
 * guide's copying of Secrets (`previousTrustAnchorPem`).
 *
 * cert-manager renews; it cannot restart anything. The restarts are the steps a person (or a
 * pipeline) runs, so the sequence is data here and printed by `linkerd-constructs certs
 * cert-manager-runbook`.
 */
import { CONTROL_PLANE } from '../constants';
import { Issues } from '../errors';
import { isDns1123Label } from '../validation';
import type { CertManagerIdentityProps } from './mesh-identity';
import { certManagerIdentityNames } from './objects';

/** One step of the runbook. */
export interface RunbookStep {
  /** What the step does and why, one sentence or two. */
  readonly title: string;
  /** Shell commands (bash), when the step runs any; a program change otherwise. */
  readonly commands: readonly string[];
  /** A change to the program (then deploy it), when the step needs one. */
  readonly programChange?: string;
}

/** Options of {@link certManagerAnchorRotationRunbook}. */
export interface RunbookOptions {
  /** The control plane namespace. @default 'linkerd' */
  readonly namespace?: string;
  /** The cert-manager options of the mesh (its trust namespace). */
  readonly certManager?: CertManagerIdentityProps;
  /** File the current anchor is saved to, for `previousTrustAnchorPem`. @default 'previous-anchor.crt' */
  readonly previousAnchorFile?: string;
}

/** Shell-quotes one word (single quotes; a `'` becomes `'\''`). */
function sh(word: string): string {
  return /^[A-Za-z0-9_./:=-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * The steps of a cert-manager trust anchor rotation for this mesh. Throws a `ValidationError` when a
 * namespace is not a DNS label (the steps are meant to be pasted into a shell).
 */
export function certManagerAnchorRotationRunbook(options: RunbookOptions = {}): RunbookStep[] {
  const namespace = options.namespace ?? 'linkerd';
  const issues = new Issues('certs cert-manager-runbook');
  issues.check(isDns1123Label(namespace), 'namespace', namespace, 'expected a namespace name (a DNS-1123 label)');
  const n = certManagerIdentityNames(namespace, options.certManager);
  issues.check(isDns1123Label(n.trustNamespace), 'trustNamespace', n.trustNamespace, 'expected a namespace name (a DNS-1123 label)');
  issues.throwIfErrors();
  const file = sh(options.previousAnchorFile ?? 'previous-anchor.crt');
  const ns = sh(namespace);
  const tns = sh(n.trustNamespace);
  const bundleCount = `kubectl -n ${ns} get configmap ${CONTROL_PLANE.trustRootsConfigMap} -o jsonpath='{.data.ca-bundle\\.crt}' | grep -c 'BEGIN CERTIFICATE'`;
  const restartControlPlane = [`kubectl rollout restart -n ${ns} deploy`, `kubectl rollout status -n ${ns} deploy`];
  const restartDataPlane = '# and in every meshed namespace: kubectl rollout restart -n <namespace> deploy,statefulset,daemonset';
  return [
    {
      title: 'Pin the current trust anchor as the previous one, so the bundle keeps it after the renewal.',
      commands: [`kubectl -n ${tns} get secret ${n.trustAnchor} -o jsonpath='{.data.tls\\.crt}' | base64 -d > ${file}`],
      programChange:
        `set certManager.previousTrustAnchorPem to the contents of ${options.previousAnchorFile ?? 'previous-anchor.crt'} ` +
        `(commit the file; it is public), deploy, then check that the Secret ${n.previousAnchor} exists in ${n.trustNamespace}`,
    },
    {
      title: 'Renew (rotate) the trust anchor; trust-manager publishes the old and the new anchor (expect 2).',
      commands: [`cmctl renew -n ${tns} ${n.trustAnchor}`, bundleCount],
    },
    { title: 'Restart the control plane and the data plane: every proxy now trusts both anchors.', commands: [...restartControlPlane, restartDataPlane] },
    {
      title: 'Renew the identity issuer: cert-manager signs it with the new anchor (it does not on its own when the anchor changes).',
      commands: [`cmctl renew -n ${ns} ${n.issuerCertificate}`, `kubectl get events -n ${ns} --field-selector reason=IssuerUpdated`],
    },
    { title: 'Restart the control plane and the data plane: every workload certificate now chains to the new anchor.', commands: [...restartControlPlane, restartDataPlane] },
    {
      title: 'Drop the old anchor from the bundle (expect 1).',
      commands: [bundleCount],
      programChange: `remove certManager.previousTrustAnchorPem and deploy; the Secret ${n.previousAnchor} goes with it`,
    },
    { title: 'Restart the data plane once more, so that no proxy trusts the old anchor.', commands: [restartDataPlane] },
  ];
}

/** The runbook as text: numbered steps, commands indented. */
export function formatRunbook(steps: readonly RunbookStep[]): string {
  const lines: string[] = [];
  steps.forEach((s, i) => {
    lines.push(`${i + 1}. ${s.title}`);
    for (const c of s.commands) lines.push(`     ${c}`);
    if (s.programChange) lines.push(`   program: ${s.programChange}`);
  });
  return `${lines.join('\n')}\n`;
}
