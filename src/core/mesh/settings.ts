/**
 * The settings of a mesh (its props without the certificates), their checks (namespaces, domains,
 * versions, repository, resources, HA, extensions), and what follows from them alone: the namespaces
 * the mesh creates and the facts other constructs read. The plan (`plan.ts`) starts from them.
 */
import { checkGatewayApiProps } from './gateway-api';
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_CONTROL_PLANE_NAMESPACE, DEFAULT_INBOUND_POLICIES, LINKERD_DEFAULT_CHART_VERSION, LINKERD_EDGE_HELM_REPO } from '../constants';
import type { Issues } from '../errors';
import type { Namespace } from '../k8s';
import { linkerdVersionOfChart, meshInfoWithDefaults, type MeshInfo } from '../mesh-info';
import { checkCidr, checkMatches, compareVersionParts, checkDns1123Label, checkDns1123Subdomain, checkOneOf, checkTrustDomain, NO_SPACE_RE, QUANTITY_RE } from '../validation';
import { DEFAULT_CNI_NAMESPACE, DEFAULT_JAEGER_NAMESPACE, DEFAULT_VIZ_NAMESPACE, jaegerUnavailableReason } from './extensions';
import { cniNamespace, controlPlaneNamespace, extensionNamespace } from './namespace';
import { CONTROLLER_LOG_LEVELS, type LinkerdMeshProps, type ProxyResources } from './props';

/** The props of a mesh without its certificates (what {@link planLinkerdMesh} plans from). */
export type MeshSettings = Omit<LinkerdMeshProps, 'identity' | 'webhookCertificates'>;

const QUANTITY_RULE = 'expected a Kubernetes quantity such as "100m", "1", "20Mi" or "1Gi"';
const REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/;
const REPOSITORY = /^(https?|oci):\/\/\S+$/;

function checkResources(issues: Issues, field: string, r: ProxyResources | undefined): void {
  if (!r) return;
  for (const [k, v] of Object.entries(r)) {
    if (v !== undefined) checkMatches(issues, `${field}.${k}`, v, QUANTITY_RE, QUANTITY_RULE);
  }
}

/** Namespace of viz (when enabled). */
export function vizNamespaceOf(props: Pick<LinkerdMeshProps, 'viz'>): string | undefined {
  if (!props.viz) return undefined;
  return (typeof props.viz === 'object' && props.viz.namespace) || DEFAULT_VIZ_NAMESPACE;
}

/** Namespace of jaeger (when enabled). */
export function jaegerNamespaceOf(props: Pick<LinkerdMeshProps, 'jaeger'>): string | undefined {
  if (!props.jaeger) return undefined;
  return (typeof props.jaeger === 'object' && props.jaeger.namespace) || DEFAULT_JAEGER_NAMESPACE;
}

/** Chart versions of the edge repository (`YYYY.M.P`) and of any other (semver, optional pre-release). */
const EDGE_CHART_VERSION = /^(\d{4})\.(\d{1,2})\.(\d+)$/;
const SEMVER_CHART_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/**
 * A chart version must be one the repository could have released: the edge repository numbers
 * `YYYY.M.P` (2026.8.3 is edge-26.8.3), others semver. A well-formed edge version newer than the one
 * this library is tested with is a warning.
 */
function checkChartVersion(issues: Issues, version: unknown, repository: string): void {
  const edge = repository.replace(/\/+$/, '') === LINKERD_EDGE_HELM_REPO;
  const ok = typeof version === 'string' && (edge ? EDGE_CHART_VERSION.test(version) : SEMVER_CHART_VERSION.test(version));
  if (!issues.check(ok, 'version', version, edge ? 'expected an edge chart version "YYYY.M.P" such as "2026.8.3" (the release edge-26.8.3)' : 'expected a chart version such as "1.16.11"')) return;
  if (edge) {
    if (compareVersionParts((version as string).split('.').map(Number), LINKERD_DEFAULT_CHART_VERSION.split('.').map(Number)) > 0) {
      issues.warn('version', version, `expected a release this library is tested with (up to ${LINKERD_DEFAULT_CHART_VERSION}); newer ones may change chart values`);
    }
  }
}

/** Five cron fields of digits, `*`, `/`, `,` and `-` (what the CronJob's schedule takes, without macros). */
const CRON_SCHEDULE = /^[0-9*/,-]+( [0-9*/,-]+){4}$/;

/** Validates the props every framework shares; records issues on `issues`. */

export function validateMeshProps(props: MeshSettings, issues: Issues, checkJaegerVersion = true): void {
  const ns = props.namespace ?? DEFAULT_CONTROL_PLANE_NAMESPACE;
  if (props.namespace !== undefined) checkDns1123Label(issues, 'namespace', props.namespace);
  if (props.trustDomain !== undefined) checkTrustDomain(issues, 'trustDomain', props.trustDomain);
  if (props.clusterDomain !== undefined) checkDns1123Subdomain(issues, 'clusterDomain', props.clusterDomain);
  if (props.version !== undefined) checkChartVersion(issues, props.version, props.repository ?? LINKERD_EDGE_HELM_REPO);
  if (typeof props.repository === 'string' && props.repository.startsWith('http://')) {
    issues.warn('repository', props.repository, 'expected an https:// (or oci://) repository: over plain HTTP anyone on the path can swap the charts');
  }
  if (props.repository !== undefined) {
    checkMatches(issues, 'repository', props.repository, REPOSITORY, 'expected a Helm repository URL such as "https://helm.linkerd.io/edge" (http, https or oci)');
  }
  if (props.defaultInboundPolicy !== undefined) checkOneOf(issues, 'defaultInboundPolicy', props.defaultInboundPolicy, DEFAULT_INBOUND_POLICIES);
  if (props.controllerLogLevel !== undefined) checkOneOf(issues, 'controllerLogLevel', props.controllerLogLevel, CONTROLLER_LOG_LEVELS);
  if (props.clusterNetworks !== undefined) {
    if (issues.check(Array.isArray(props.clusterNetworks) && props.clusterNetworks.length > 0, 'clusterNetworks', props.clusterNetworks, 'expected at least one CIDR')) {
      props.clusterNetworks.forEach((c, i) => checkCidr(issues, `clusterNetworks[${i}]`, c));
    }
  }
  if (props.imageRegistry !== undefined) {
    checkMatches(issues, 'imageRegistry', props.imageRegistry, REGISTRY, 'expected a registry and path without scheme or trailing "/", such as "myregistry.azurecr.io/linkerd"');
  }
  props.imagePullSecrets?.forEach((s, i) => checkDns1123Subdomain(issues, `imagePullSecrets[${i}]`, s));
  if (props.heartbeatSchedule !== undefined) {
    checkMatches(issues, 'heartbeatSchedule', props.heartbeatSchedule, CRON_SCHEDULE, 'expected a cron schedule of five fields such as "17 3 * * *"');
    issues.check(props.heartbeat !== false, 'heartbeatSchedule', props.heartbeatSchedule, 'expected no schedule with heartbeat: false');
  }
  checkGatewayApiProps(issues, props.gatewayApi, props.installGatewayApiCrds);
  checkResources(issues, 'proxyResources', props.proxyResources);
  if (props.proxyLogLevel !== undefined) {
    checkMatches(issues, 'proxyLogLevel', props.proxyLogLevel, NO_SPACE_RE, 'expected a proxy log filter such as "warn,linkerd=info" (no spaces)');
  }
  const taken = new Set([ns]);
  for (const [field, extNs] of [
    ['viz.namespace', vizNamespaceOf(props)],
    ['jaeger.namespace', jaegerNamespaceOf(props)],
  ] as const) {
    if (extNs === undefined) continue;
    if (checkDns1123Label(issues, field, extNs)) {
      issues.check(!taken.has(extNs), field, extNs, `expected a namespace of its own, not one of ${[...taken].map((t) => `"${t}"`).join(', ')}`);
      taken.add(extNs);
    }
  }
  if (props.jaeger && checkJaegerVersion) {
    const version = (typeof props.jaeger === 'object' && props.jaeger.version) || props.version || LINKERD_DEFAULT_CHART_VERSION;
    const reason = jaegerUnavailableReason(version, props.repository ?? LINKERD_EDGE_HELM_REPO);
    if (reason) issues.error(typeof props.jaeger === 'object' && props.jaeger.version ? 'jaeger.version' : 'jaeger', version, `expected a chart version that ships linkerd-jaeger: ${reason}`);
  }
}

/** The namespaces the mesh creates: the control plane's, then CNI's and the extensions' when enabled. */
export function meshNamespaces(props: MeshSettings, namespace: string, vizNs: string | undefined, jaegerNs: string | undefined): Namespace[] {
  const namespaces: Namespace[] = [controlPlaneNamespace(namespace)];
  if (props.cni) namespaces.push(cniNamespace(DEFAULT_CNI_NAMESPACE));
  if (vizNs) namespaces.push(extensionNamespace(vizNs, 'viz'));
  if (jaegerNs) namespaces.push(extensionNamespace(jaegerNs, 'jaeger'));
  return namespaces;
}

/** The facts other constructs read from the mesh. */
export function meshInfoOf(props: MeshSettings, namespace: string, trustDomain: string, vizNs: string | undefined, version: string): MeshInfo {
  return meshInfoWithDefaults({
    namespace,
    trustDomain,
    clusterDomain: props.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    defaultInboundPolicy: props.defaultInboundPolicy,
    clusterNetworks: props.clusterNetworks,
    highAvailability: props.highAvailability,
    cniEnabled: props.cni,
    vizNamespace: vizNs,
    imageRegistry: props.imageRegistry,
    linkerdVersion: linkerdVersionOfChart(version),
  });
}
