/**
 * Readiness that follows the VM's health. Linkerd's destination controller routes only to an
 * `ExternalWorkload` whose status holds condition `Ready=True` (linkerd2
 * `controller/api/destination/external-workload/controller_util.go`: `IsEwReady`), and
 * `workload.linkerd.io/v1beta1` keeps `status` in a subresource that `kubectl apply` and Pulumi never
 * set. So the VM reports it itself: a small loop, run by systemd as the proxy user, probes the proxy's
 * admin `/ready` and PATCHes the status subresource with a JSON merge patch when the answer changes
 * (and every `resyncSeconds`, in case the object was re-created); it sets `Ready=False` when the proxy
 * stops answering and when it is stopped itself (host shutdown, removal).
 *
 * Its credential can do nothing else: a ServiceAccount bound to a Role that allows `get` and `patch`
 * on `externalworkloads/status` for this one workload (`resourceNames`). The token reaches the host on
 * standard input, lives in a 0600 file of the proxy user, and reaches curl on curl's standard input
 * (`--header @-`), never on a command line; the API server's certificate is verified against its CA.
 *
 * The reporter runs as the proxy user because that user's traffic is the only traffic the redirect
 * rules leave alone (`-m owner --uid-owner <proxy uid> -j RETURN`): it must reach the API server when
 * the proxy is down, which is exactly when Ready=False matters.
 */
import { X509Certificate } from 'crypto';
import type { Issues } from '../errors';
import type { ResolvedExternalWorkload } from '../external-workload/external-workload';
import { pemCertificates } from '../identity/certificates';
import { cleanMetadata, type KubeObject } from '../k8s';
import type { Late, Plain, ValueKind } from '../late';

/** The API group of `ExternalWorkload`. */
export const EXTERNAL_WORKLOAD_GROUP = 'workload.linkerd.io';
/** The version whose status the reporter patches. */
export const EXTERNAL_WORKLOAD_VERSION = 'v1beta1';
/** Plural resource name of `ExternalWorkload` (its CRD's `spec.names.plural`). */
export const EXTERNAL_WORKLOAD_PLURAL = 'externalworkloads';
/** Unit name of the reporter. */
export const READINESS_UNIT = 'linkerd-proxy-readiness.service';
/** Name of the secret input holding the ServiceAccount token. */
export const API_TOKEN_SECRET = 'api-token';
/** Environment variable naming the token file when the shell bundle runs. */
export const API_TOKEN_FILE_ENV = 'LINKERD_EW_API_TOKEN_FILE';

/** How the VM reports its readiness to the cluster. */
export interface ReadinessOptions<K extends ValueKind = Plain> {
  /**
   * HTTPS URL of the Kubernetes API server as the VM reaches it, e.g. `https://203.0.113.10:6443`
   * (the `server` of a kubeconfig).
   */
  readonly apiServerUrl: Late<K, string>;
  /** The API server's CA certificate(s), PEM (the kubeconfig's `certificate-authority-data`, decoded). */
  readonly apiServerCaPem: Late<K, string>;
  /** Seconds between two probes of the proxy's `/ready`. @default 5 */
  readonly intervalSeconds?: number;
  /** Seconds after which an unchanged status is sent again (the object may have been re-created). @default 300 */
  readonly resyncSeconds?: number;
}

/** Resolved readiness reporting. */
export interface ResolvedReadiness {
  /** API server URL, without a trailing `/`. */
  readonly apiServerUrl: string;
  /** Its CA, PEM (trimmed). */
  readonly apiServerCaPem: string;
  /** Probe interval in seconds. */
  readonly intervalSeconds: number;
  /** Resend interval in seconds. */
  readonly resyncSeconds: number;
  /** Name of the ServiceAccount, Role and RoleBinding (`<workload>-readiness`). */
  readonly serviceAccount: string;
  /** Name of the ServiceAccount's token Secret (`<workload>-readiness-token`). */
  readonly tokenSecret: string;
}

const HOST_RE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/;

/** True for `https://host[:port][/path]` whose every character is safe in a script and a unit. */
export function isApiServerUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = /^https:\/\/([^/:]+|\[[^\]]+\])(?::(\d{1,5}))?(\/[A-Za-z0-9._/-]*)?$/.exec(value);
  if (!m || !HOST_RE.test(m[1])) return false;
  return m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535);
}

/**
 * Validates the readiness props (`undefined` = not configured: the ExternalWorkload never becomes
 * Ready, which is warned; `false` = the user sets the status some other way).
 */
export function resolveReadiness(
  issues: Issues,
  value: ReadinessOptions | false | undefined,
  workload: ResolvedExternalWorkload,
  /** false while the CA is a stand-in (a Pulumi Output not known yet); it is checked once known. */
  checkCa = true,
): ResolvedReadiness | undefined {
  if (value === false) return undefined;
  if (value === undefined || value === null) {
    issues.warn(
      'readiness',
      undefined,
      `expected { apiServerUrl, apiServerCaPem }: without them nothing sets the Ready condition of ExternalWorkload ${workload.namespace}/${workload.name}, ` +
        'and Linkerd routes no traffic to it (use readiness: false when something else sets its status)',
    );
    return undefined;
  }
  issues.check(isApiServerUrl(value.apiServerUrl), 'readiness.apiServerUrl', value.apiServerUrl, 'expected an https:// URL of the API server such as "https://203.0.113.10:6443" (host, optional port and path; no query)');
  if (checkCa) checkCaPem(issues, value.apiServerCaPem);
  const intervalSeconds = value.intervalSeconds ?? 5;
  issues.check(Number.isInteger(intervalSeconds) && intervalSeconds >= 1 && intervalSeconds <= 300, 'readiness.intervalSeconds', intervalSeconds, 'expected whole seconds from 1 to 300');
  const resyncSeconds = value.resyncSeconds ?? 300;
  issues.check(
    Number.isInteger(resyncSeconds) && resyncSeconds >= intervalSeconds && resyncSeconds <= 86400,
    'readiness.resyncSeconds',
    resyncSeconds,
    `expected whole seconds from intervalSeconds (${intervalSeconds}) to 86400`,
  );
  return {
    apiServerUrl: String(value.apiServerUrl).replace(/\/+$/, ''),
    apiServerCaPem: typeof value.apiServerCaPem === 'string' ? value.apiServerCaPem.trim() : '',
    intervalSeconds,
    resyncSeconds,
    serviceAccount: `${workload.name}-readiness`,
    tokenSecret: `${workload.name}-readiness-token`,
  };
}

function checkCaPem(issues: Issues, pem: unknown): void {
  const certs = typeof pem === 'string' ? pemCertificates(pem) : [];
  let ok = certs.length > 0 && !/PRIVATE KEY/.test(String(pem));
  if (ok) {
    try {
      for (const c of certs) if (!new X509Certificate(c).ca) ok = false;
    } catch {
      ok = false;
    }
  }
  // the value itself is not echoed when it holds a key
  issues.check(ok, 'readiness.apiServerCaPem', /PRIVATE KEY/.test(String(pem)) ? '(a private key)' : pem, "expected the API server's CA certificate(s) in PEM, nothing else");
}

/** The status subresource path the reporter PATCHes. */
export function externalWorkloadStatusPath(namespace: string, name: string): string {
  return `/apis/${EXTERNAL_WORKLOAD_GROUP}/${EXTERNAL_WORKLOAD_VERSION}/namespaces/${namespace}/${EXTERNAL_WORKLOAD_PLURAL}/${name}/status`;
}

/**
 * The cluster objects of the reporter's credential: a ServiceAccount, a Role that allows only `get`
 * and `patch` on this workload's status, their RoleBinding, and a token Secret the token controller
 * fills (`kubernetes.io/service-account-token`; it holds no secret in the manifest).
 */
export function readinessRbacManifests(workload: ResolvedExternalWorkload, r: ResolvedReadiness): KubeObject[] {
  const labels = { 'app.kubernetes.io/managed-by': 'linkerd-constructs', 'app.kubernetes.io/component': 'external-workload-readiness' };
  const meta = (name: string, extra: Record<string, unknown> = {}) => cleanMetadata({ name, namespace: workload.namespace, labels, ...extra });
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(r.serviceAccount), automountServiceAccountToken: false } as KubeObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(r.serviceAccount),
      rules: [{ apiGroups: [EXTERNAL_WORKLOAD_GROUP], resources: [`${EXTERNAL_WORKLOAD_PLURAL}/status`], resourceNames: [workload.name], verbs: ['get', 'patch'] }],
    } as KubeObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(r.serviceAccount),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: r.serviceAccount },
      subjects: [{ kind: 'ServiceAccount', name: r.serviceAccount, namespace: workload.namespace }],
    } as KubeObject,
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(r.tokenSecret, { annotations: { 'kubernetes.io/service-account.name': r.serviceAccount } }),
      type: 'kubernetes.io/service-account-token',
    } as KubeObject,
  ];
}

/** The command that writes the token to the file the bundle reads (for docs and the bundle's header). */
export function tokenExportCommand(workload: ResolvedExternalWorkload, r: ResolvedReadiness, file: string): string {
  return `kubectl -n ${workload.namespace} get secret ${r.tokenSecret} -o jsonpath='{.data.token}' | base64 -d > ${file}`;
}
