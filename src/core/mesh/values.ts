/**
 * Chart values of the mesh: one small function per prop, each writing the value paths of the
 * `linkerd-crds`, `linkerd-control-plane`, `linkerd2-cni` and `linkerd-viz` charts it owns, merged in
 * a fixed order, with `extraValues` deep-merged last. Both frameworks call {@link meshChartValues}.
 *
 * Every path written here exists in the chart's values.yaml (or values-ha.yaml); a test proves it.
 */
import { createHash } from 'crypto';
import { DEFAULT_CONTROL_PLANE_NAMESPACE, DEFAULT_TRUST_DOMAIN, type DefaultInboundPolicy } from '../constants';
import { installsGatewayApi } from './gateway-api';
import type { ControllerLogLevel, LinkerdMeshProps, ProxyResources } from './props';
import { CONTROL_PLANE_WEBHOOKS, VIZ_WEBHOOKS, type WebhookTarget } from '../identity/objects';

/** A chart values tree. */
export type HelmValues = Record<string, unknown>;

/** True for a plain object (not an array, not null). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep-merges `sources` into a new object, later sources winning; objects merge key by key, arrays
 * and scalars are replaced. Inputs are not modified.
 */
export function deepMergeValues(...sources: ReadonlyArray<HelmValues | undefined>): HelmValues {
  const out: HelmValues = {};
  for (const src of sources) {
    if (!src) continue;
    for (const [k, v] of Object.entries(src)) {
      const cur = out[k];
      out[k] = isPlainObject(v) && isPlainObject(cur) ? deepMergeValues(cur, v) : isPlainObject(v) ? deepMergeValues(v) : v;
    }
  }
  return out;
}

/** Identity as the values need it. */
export interface IdentityValuesInput {
  /** `supplied` (issuer Secret provided by the mesh) or `cert-manager`. */
  readonly mode: 'supplied' | 'cert-manager';
  /** Trust anchor(s), PEM (mode `supplied`). */
  readonly trustAnchorPem?: string;
}

/** Webhook certificates as the values need them. */
export interface WebhookValuesInput {
  /** How the webhook certificates are provided. */
  readonly mode: 'supplied' | 'cert-manager' | 'chart';
  /** CA bundle, PEM (mode `supplied`). */
  readonly caBundlePem?: string;
}

/** Everything {@link meshChartValues} needs besides the props. */
export interface MeshValuesInput {
  /** Identity mode and anchor. */
  readonly identity: IdentityValuesInput;
  /** Webhook certificate mode and CA. */
  readonly webhooks: WebhookValuesInput;
}

/** Values of every chart of the mesh. */
export interface MeshChartValues {
  /** `linkerd-crds` values. */
  readonly crds: HelmValues;
  /** `linkerd-control-plane` values. */
  readonly controlPlane: HelmValues;
  /** `linkerd2-cni` values (with `cni: true`). */
  readonly cni: HelmValues;
  /** `linkerd-viz` values (with `viz`). */
  readonly viz: HelmValues;
  /** `linkerd-jaeger` values (with `jaeger`). */
  readonly jaeger: HelmValues;
}

// ------------------------------------------------------------------------------------------------
// one function per prop

/** `trustDomain` → `identityTrustDomain`. */
export function trustDomainValues(trustDomain: string): HelmValues {
  return { identityTrustDomain: trustDomain };
}

/** `clusterDomain` → `clusterDomain` (only when not the default). */
export function clusterDomainValues(clusterDomain: string | undefined): HelmValues {
  return clusterDomain === undefined ? {} : { clusterDomain };
}

/**
 * `identity` → the issuer in the `kubernetes.io/tls` scheme (its Secret is provided by the mesh or
 * cert-manager, so the key never sits in values); the anchor in `identityTrustAnchorsPEM` (supplied)
 * or in the ConfigMap trust-manager writes (`identity.externalCA`, cert-manager).
 */
export function identityValues(identity: IdentityValuesInput): HelmValues {
  if (identity.mode === 'cert-manager') {
    return { identity: { externalCA: true, issuer: { scheme: 'kubernetes.io/tls' } } };
  }
  return { identityTrustAnchorsPEM: identity.trustAnchorPem ?? '', identity: { externalCA: false, issuer: { scheme: 'kubernetes.io/tls' } } };
}

function webhookValuesFor(targets: readonly WebhookTarget[], namespace: string, webhooks: WebhookValuesInput): HelmValues {
  if (webhooks.mode === 'chart') return {};
  const out: HelmValues = {};
  for (const w of targets) {
    out[w.valuesKey] =
      webhooks.mode === 'cert-manager'
        ? { externalSecret: true, injectCaFrom: `${namespace}/${w.service}` }
        : { externalSecret: true, caBundle: webhooks.caBundlePem ?? '' };
  }
  return out;
}

/** `webhookCertificates` → `proxyInjector/profileValidator/policyValidator.externalSecret` + `caBundle` or `injectCaFrom`. */
export function webhookValues(namespace: string, webhooks: WebhookValuesInput): HelmValues {
  return webhookValuesFor(CONTROL_PLANE_WEBHOOKS, namespace, webhooks);
}

/** `highAvailability` → the overrides of the chart's values-ha.yaml. */
export function highAvailabilityValues(ha: boolean | undefined): HelmValues {
  if (!ha) return {};
  const controllerCpu = { limit: '', request: '100m' };
  const controllerResources = { cpu: controllerCpu, memory: { limit: '250Mi', request: '50Mi' } };
  return {
    highAvailability: true,
    enablePodDisruptionBudget: true,
    controller: { podDisruptionBudget: { maxUnavailable: 1 } },
    deploymentStrategy: { rollingUpdate: { maxUnavailable: 1, maxSurge: '25%' } },
    enablePodAntiAffinity: true,
    proxy: { resources: { cpu: { request: '100m' }, memory: { limit: '250Mi', request: '20Mi' } } },
    controllerReplicas: 3,
    controllerResources,
    destinationResources: controllerResources,
    identityResources: { cpu: controllerCpu, memory: { limit: '250Mi', request: '10Mi' } },
    heartbeatResources: controllerResources,
    proxyInjectorResources: controllerResources,
    spValidatorResources: controllerResources,
    webhookFailurePolicy: 'Fail',
  };
}

/** `cni` → `cniEnabled`. */
export function cniValues(cni: boolean | undefined): HelmValues {
  return cni === undefined ? {} : { cniEnabled: cni };
}

/** `defaultInboundPolicy` → `proxy.defaultInboundPolicy`. */
export function defaultInboundPolicyValues(policy: DefaultInboundPolicy | undefined): HelmValues {
  return policy === undefined ? {} : { proxy: { defaultInboundPolicy: policy } };
}

/** `clusterNetworks` → `clusterNetworks` (comma-separated). */
export function clusterNetworksValues(networks: readonly string[] | undefined): HelmValues {
  return networks === undefined ? {} : { clusterNetworks: networks.join(',') };
}

/** `imageRegistry` → the proxy, controller and debug image names. */
export function imageRegistryValues(registry: string | undefined): HelmValues {
  if (registry === undefined) return {};
  return {
    proxy: { image: { name: `${registry}/proxy` } },
    controllerImage: `${registry}/controller`,
    debugContainer: { image: { name: `${registry}/debug` } },
  };
}

/** `imagePullSecrets` → `imagePullSecrets` (any chart). */
export function imagePullSecretsValues(secrets: readonly string[] | undefined): HelmValues {
  return secrets === undefined ? {} : { imagePullSecrets: secrets.map((name) => ({ name })) };
}

/** `proxyResources` → `proxy.resources`. */
export function proxyResourcesValues(r: ProxyResources | undefined): HelmValues {
  if (!r) return {};
  const pair = (request?: string, limit?: string) => {
    const out: HelmValues = {};
    if (request !== undefined) out.request = request;
    if (limit !== undefined) out.limit = limit;
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const resources: HelmValues = {};
  const cpu = pair(r.cpuRequest, r.cpuLimit);
  const memory = pair(r.memoryRequest, r.memoryLimit);
  const storage = pair(r.ephemeralStorageRequest, r.ephemeralStorageLimit);
  if (cpu) resources.cpu = cpu;
  if (memory) resources.memory = memory;
  if (storage) resources['ephemeral-storage'] = storage;
  return { proxy: { resources } };
}

/** `proxyLogLevel` → `proxy.logLevel`. */
export function proxyLogLevelValues(level: string | undefined): HelmValues {
  return level === undefined ? {} : { proxy: { logLevel: level } };
}

/** `controllerLogLevel` → `controllerLogLevel` and `policyController.logLevel`. */
export function controllerLogLevelValues(level: ControllerLogLevel | undefined): HelmValues {
  return level === undefined ? {} : { controllerLogLevel: level, policyController: { logLevel: level } };
}

/** `nativeSidecar` → `proxy.nativeSidecar`. */
export function nativeSidecarValues(native: boolean | undefined): HelmValues {
  return native === undefined ? {} : { proxy: { nativeSidecar: native } };
}

/** `enableShutdownEndpoint` → `proxy.enableShutdownEndpoint`. */
export function shutdownEndpointValues(enabled: boolean | undefined): HelmValues {
  return enabled === undefined ? {} : { proxy: { enableShutdownEndpoint: enabled } };
}

/**
 * A daily cron schedule derived from the mesh (namespace and trust domain): the same on every
 * render, different across meshes so their heartbeats do not all fire at once.
 */
export function heartbeatScheduleFor(namespace: string, trustDomain: string): string {
  const digest = createHash('sha256').update(`${namespace}/${trustDomain}`).digest();
  return `${digest[0] % 60} ${digest[1] % 24} * * *`;
}

/**
 * `heartbeat` and `heartbeatSchedule` → `disableHeartBeat` or `heartbeatSchedule`. The chart's own
 * default (`templates/heartbeat.yaml`: `dateInZone "04 15 * * *" (now | mustDateModify "+10m")`)
 * reads the clock, so a schedule is always set.
 */
export function heartbeatValues(heartbeat: boolean | undefined, schedule: string | undefined, namespace: string, trustDomain: string): HelmValues {
  if (heartbeat === false) return { disableHeartBeat: true };
  return { heartbeatSchedule: schedule ?? heartbeatScheduleFor(namespace, trustDomain) };
}

/** `gatewayApi.managedBy` (or `installGatewayApiCrds`) → crds chart `installGatewayAPI`. */
export function gatewayApiValues(install: boolean | undefined): HelmValues {
  return install === undefined ? {} : { installGatewayAPI: install };
}

/** `imageRegistry` → CNI chart `image.name`. */
export function cniImageRegistryValues(registry: string | undefined): HelmValues {
  return registry === undefined ? {} : { image: { name: `${registry}/cni-plugin` } };
}

/** The viz chart: control plane coordinates, registry, pull secrets, tap certificates. */
export function vizValues(props: Omit<LinkerdMeshProps, 'identity' | 'webhookCertificates'>, vizNamespace: string, webhooks: WebhookValuesInput): HelmValues {
  const ns = props.namespace ?? DEFAULT_CONTROL_PLANE_NAMESPACE;
  return deepMergeValues(
    { linkerdNamespace: ns },
    clusterDomainValues(props.clusterDomain),
    props.trustDomain === undefined ? {} : { identityTrustDomain: props.trustDomain },
    // Prometheus does not follow defaultRegistry (chart templates/prometheus.yaml reads only prometheus.image.registry)
    props.imageRegistry === undefined ? {} : { defaultRegistry: props.imageRegistry, prometheus: { image: { registry: props.imageRegistry } } },
    imagePullSecretsValues(props.imagePullSecrets),
    webhookValuesFor(VIZ_WEBHOOKS, vizNamespace, webhooks),
  );
}

// ------------------------------------------------------------------------------------------------

/** Options of the extensions as {@link meshChartValues} sees them. */
function extensionExtra(ext: LinkerdMeshProps['viz'] | LinkerdMeshProps['jaeger']): HelmValues | undefined {
  return typeof ext === 'object' ? ext.extraValues : undefined;
}

/**
 * The values of every chart of the mesh. Order of the merge (later wins): identity, trust domain,
 * webhooks, HA, then each prop, then `extraValues`.
 */
export function meshChartValues(props: Omit<LinkerdMeshProps, 'identity' | 'webhookCertificates'>, input: MeshValuesInput): MeshChartValues {
  const namespace = props.namespace ?? DEFAULT_CONTROL_PLANE_NAMESPACE;
  const controlPlane = deepMergeValues(
    identityValues(input.identity),
    trustDomainValues(props.trustDomain ?? 'cluster.local'),
    clusterDomainValues(props.clusterDomain),
    webhookValues(namespace, input.webhooks),
    highAvailabilityValues(props.highAvailability),
    cniValues(props.cni),
    defaultInboundPolicyValues(props.defaultInboundPolicy),
    clusterNetworksValues(props.clusterNetworks),
    imageRegistryValues(props.imageRegistry),
    imagePullSecretsValues(props.imagePullSecrets),
    proxyResourcesValues(props.proxyResources),
    proxyLogLevelValues(props.proxyLogLevel),
    controllerLogLevelValues(props.controllerLogLevel),
    nativeSidecarValues(props.nativeSidecar),
    shutdownEndpointValues(props.enableShutdownEndpoint),
    heartbeatValues(props.heartbeat, props.heartbeatSchedule, namespace, props.trustDomain ?? DEFAULT_TRUST_DOMAIN),
    props.extraValues?.controlPlane,
  );
  const crds = deepMergeValues(gatewayApiValues(installsGatewayApi(props.gatewayApi, props.installGatewayApiCrds)), props.extraValues?.crds);
  const cni = deepMergeValues(cniImageRegistryValues(props.imageRegistry), imagePullSecretsValues(props.imagePullSecrets), props.extraValues?.cni);
  const vizNamespace = typeof props.viz === 'object' && props.viz.namespace ? props.viz.namespace : 'linkerd-viz';
  const viz = props.viz ? deepMergeValues(vizValues(props, vizNamespace, input.webhooks), extensionExtra(props.viz)) : {};
  const jaeger = props.jaeger
    ? deepMergeValues({ linkerdNamespace: namespace }, clusterDomainValues(props.clusterDomain), extensionExtra(props.jaeger))
    : {};
  return { crds, controlPlane, cni, viz, jaeger };
}
