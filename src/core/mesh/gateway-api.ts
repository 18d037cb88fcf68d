/**
 * The Gateway API CRDs Linkerd needs in the cluster before its control plane (Linkerd 2.18 and
 * later read `httproutes` and `grpcroutes` of `gateway.networking.k8s.io`): installed by the
 * `linkerd-crds` chart (`installGatewayAPI`, which bundles one version), or managed elsewhere at a
 * declared version. Plain data and pure functions, shared by the mesh (values, checks) and the
 * `check` CLI (what a set of manifests holds).
 *
 * The version rule is upstream's, linkerd2 edge-26.8.3 `pkg/healthcheck/healthcheck.go`:
 * `CheckGatewayAPICRDs` requires `httproutes` and `grpcroutes` to serve `v1` ("please upgrade to
 * Gateway API v1.1.1 or later"), and `GatewayAPICRDsMissingError` installs v1.5.1.
 */
import { Issues } from '../errors';
import type { KubeObject } from '../k8s';
import { compareVersionParts } from '../validation';

/** The oldest Gateway API bundle whose `httproutes` and `grpcroutes` serve `v1`. */
export const GATEWAY_API_MIN_VERSION = 'v1.1.1';
/** The bundle upstream's `linkerd check` tells users to install (and the newest one we know works). */
export const GATEWAY_API_RECOMMENDED_VERSION = 'v1.5.1';
/** The CRDs Linkerd reads. */
export const GATEWAY_API_REQUIRED_CRDS = ['httproutes.gateway.networking.k8s.io', 'grpcroutes.gateway.networking.k8s.io'] as const;
/** Annotation of every Gateway API CRD with its bundle's version. */
export const GATEWAY_API_BUNDLE_VERSION_ANNOTATION = 'gateway.networking.k8s.io/bundle-version';
/**
 * The version the `linkerd-crds` chart of edge-26.8.3 bundles (`installGatewayAPI: true`); read
 * from the chart's `templates/gateway.networking.k8s.io_*.yaml` (a test compares it with the tarball).
 */
export const LINKERD_CRDS_CHART_GATEWAY_API_VERSION = 'v1.1.1';

/** Where the Gateway API CRDs come from. */
export interface GatewayApiProps {
  /**
   * `linkerd-crds-chart`: the `linkerd-crds` chart installs them (its bundled version); choose this
   * on a cluster where nothing else installs Gateway API. `external`: something else does (a cloud
   * add-on, an ingress controller, `kubectl apply`), at `bundleVersion`.
   */
  readonly managedBy: 'linkerd-crds-chart' | 'external';
  /** The installed bundle version (`external` only), e.g. `v1.2.1`. Checked against Linkerd's range. */
  readonly bundleVersion?: string;
}

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)$/;

function parse(version: string): [number, number, number] | undefined {
  const m = SEMVER.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/**
 * Checks a Gateway API bundle version: an error when it is not `vX.Y.Z` or older than
 * {@link GATEWAY_API_MIN_VERSION}; a warning when newer than {@link GATEWAY_API_RECOMMENDED_VERSION}.
 */
export function checkGatewayApiVersion(issues: Issues, field: string, version: unknown): void {
  const v = typeof version === 'string' ? parse(version) : undefined;
  if (!v) {
    issues.error(field, version, `expected a Gateway API bundle version such as "${GATEWAY_API_RECOMMENDED_VERSION}"`);
    return;
  }
  if (compareVersionParts(v, parse(GATEWAY_API_MIN_VERSION)!) < 0) {
    issues.error(
      field,
      version,
      `expected Gateway API ${GATEWAY_API_MIN_VERSION} or later: Linkerd reads httproutes and grpcroutes at v1 (upgrade to ${GATEWAY_API_RECOMMENDED_VERSION})`,
    );
  } else if (compareVersionParts(v, parse(GATEWAY_API_RECOMMENDED_VERSION)!) > 0) {
    issues.warn(field, version, `expected a Gateway API version known to work with this Linkerd release (${GATEWAY_API_MIN_VERSION} to ${GATEWAY_API_RECOMMENDED_VERSION}); newer ones are untested here`);
  }
}

/** Validates `gatewayApi` (and its relation to the older `installGatewayApiCrds`); warns when neither says where the CRDs come from. */
export function checkGatewayApiProps(issues: Issues, gatewayApi: GatewayApiProps | undefined, installGatewayApiCrds: boolean | undefined): void {
  if (gatewayApi === undefined) {
    if (installGatewayApiCrds === undefined) {
      issues.warn(
        'gatewayApi',
        undefined,
        'expected where the Gateway API CRDs come from: Linkerd needs them before its control plane, and an empty cluster has none. ' +
          `Set gatewayApi: { managedBy: 'linkerd-crds-chart' } (installs ${LINKERD_CRDS_CHART_GATEWAY_API_VERSION}) or ` +
          `{ managedBy: 'external', bundleVersion: '${GATEWAY_API_RECOMMENDED_VERSION}' }`,
      );
    }
    return;
  }
  if (!issues.check(gatewayApi.managedBy === 'linkerd-crds-chart' || gatewayApi.managedBy === 'external', 'gatewayApi.managedBy', gatewayApi.managedBy, 'expected "linkerd-crds-chart" or "external"')) return;
  if (installGatewayApiCrds !== undefined) {
    issues.check(
      installGatewayApiCrds === (gatewayApi.managedBy === 'linkerd-crds-chart'),
      'installGatewayApiCrds',
      installGatewayApiCrds,
      `expected it unset (gatewayApi says it all) or ${gatewayApi.managedBy === 'linkerd-crds-chart'} to agree with gatewayApi.managedBy "${gatewayApi.managedBy}"`,
    );
  }
  if (gatewayApi.managedBy === 'external') checkGatewayApiVersion(issues, 'gatewayApi.bundleVersion', gatewayApi.bundleVersion);
  else issues.check(gatewayApi.bundleVersion === undefined, 'gatewayApi.bundleVersion', gatewayApi.bundleVersion, `expected none with the linkerd-crds chart (it installs ${LINKERD_CRDS_CHART_GATEWAY_API_VERSION})`);
}

/** Whether the `linkerd-crds` chart installs the Gateway API CRDs (`installGatewayAPI`); undefined leaves the chart's default (false). */
export function installsGatewayApi(gatewayApi: GatewayApiProps | undefined, installGatewayApiCrds: boolean | undefined): boolean | undefined {
  return gatewayApi ? gatewayApi.managedBy === 'linkerd-crds-chart' : installGatewayApiCrds;
}

/** A problem with the Gateway API CRDs of a set of manifests. */
export interface GatewayApiFinding {
  /** `missing` (Linkerd is there, the CRDs are not) or `version` (present, outside the range). */
  readonly kind: 'missing' | 'version';
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/**
 * What a set of manifests says about the Gateway API: when it installs Linkerd's CRDs (any
 * `*.linkerd.io` CustomResourceDefinition) but not Gateway API's `httproutes` and `grpcroutes`, or
 * when the Gateway API CRDs it holds are of a bundle outside the range, a finding.
 */
export function gatewayApiFindings(objects: readonly KubeObject[]): GatewayApiFinding[] {
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition' && o.apiVersion?.startsWith('apiextensions.k8s.io/'));
  const hasLinkerd = crds.some((c) => /\.linkerd\.io$/.test(c.metadata?.name ?? ''));
  const findings: GatewayApiFinding[] = [];
  const present = new Map(crds.filter((c) => (GATEWAY_API_REQUIRED_CRDS as readonly string[]).includes(c.metadata?.name ?? '')).map((c) => [c.metadata.name!, c]));
  if (hasLinkerd) {
    const missing = GATEWAY_API_REQUIRED_CRDS.filter((n) => !present.has(n));
    if (missing.length > 0) {
      findings.push({
        kind: 'missing',
        message:
          `the input installs Linkerd's CRDs but not ${missing.join(', ')}: Linkerd needs the Gateway API CRDs before its control plane ` +
          `(install Gateway API ${GATEWAY_API_RECOMMENDED_VERSION}, or set installGatewayAPI on the linkerd-crds chart); if they are installed elsewhere, ignore this`,
      });
    }
  }
  for (const [name, crd] of present) {
    const version = crd.metadata.annotations?.[GATEWAY_API_BUNDLE_VERSION_ANNOTATION];
    const issues = new Issues(name);
    checkGatewayApiVersion(issues, GATEWAY_API_BUNDLE_VERSION_ANNOTATION, version ?? '<absent>');
    const servesV1 = ((crd as unknown as { spec?: { versions?: Array<{ name?: string; served?: boolean }> } }).spec?.versions ?? []).some((v) => v.name === 'v1' && v.served !== false);
    if (issues.errors.length > 0 || !servesV1) {
      findings.push({
        kind: 'version',
        message: `${name}: bundle ${version ?? '(no bundle-version annotation)'}${servesV1 ? '' : ', v1 not served'}; Linkerd needs ${GATEWAY_API_MIN_VERSION} or later (upgrade to ${GATEWAY_API_RECOMMENDED_VERSION})`,
      });
    }
  }
  return findings;
}
