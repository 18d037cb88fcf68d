/**
 * Extensions of the mesh: viz (metrics, dashboard, tap; a debugging tool) and linkerd-jaeger
 * (distributed tracing; no longer published).
 */
import { LINKERD_STABLE_HELM_REPO } from '../constants';

/** Default namespace of viz. */
export const DEFAULT_VIZ_NAMESPACE = 'linkerd-viz';
/** Default namespace of jaeger. */
export const DEFAULT_JAEGER_NAMESPACE = 'linkerd-jaeger';
/** Default namespace of the CNI plugin. */
export const DEFAULT_CNI_NAMESPACE = 'linkerd-cni';

/**
 * Linkerd removed the linkerd-jaeger extension in linkerd/linkerd2#14558 (merged 2025-09-30): edge
 * releases from edge-25.10.1 on (Linkerd 2.19 and later) publish no `linkerd-jaeger` chart. The edge
 * charts are versioned `<year>.<month>.<n>`, so the last chart is a `2025.9.x`.
 */
export const JAEGER_REMOVED_IN = { year: 2025, month: 10, release: 'edge-25.10.1' } as const;

const CALENDAR_VERSION = /^[~^=v ]*(\d{4})\.(\d{1,2})(?:\.|$)/;

/** Why jaeger is unavailable for a chart version, or `undefined` when it is available. */
export function jaegerUnavailableReason(version: string, repository: string): string | undefined {
  if (repository.replace(/\/+$/, '') === LINKERD_STABLE_HELM_REPO) return undefined; // stable-2.x releases shipped it
  const m = CALENDAR_VERSION.exec(version);
  if (!m) return undefined; // not an edge calendar version: cannot tell, let Helm decide
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (year < JAEGER_REMOVED_IN.year || (year === JAEGER_REMOVED_IN.year && month < JAEGER_REMOVED_IN.month)) return undefined;
  return (
    `the linkerd-jaeger chart is not published for ${version}: Linkerd removed the extension in ${JAEGER_REMOVED_IN.release} ` +
    '(Linkerd 2.19); pin jaeger.version to a 2025.9.x chart or earlier, or drop `jaeger` and configure tracing with ' +
    'extraValues.controlPlane.proxy.tracing and your own OpenTelemetry collector'
  );
}
