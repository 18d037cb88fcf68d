/**
 * The one props interface of `LinkerdMesh`, shared by the cdk8s construct and the Pulumi component
 * (whose args widen PEMs and versions to `pulumi.Input`).
 */
import type { GatewayApiProps } from './gateway-api';
import type { DefaultInboundPolicy } from '../constants';
import type { MeshIdentity } from '../identity/mesh-identity';
import type { WebhookCertificates } from '../identity/webhook-certificates';
import type { Late, Plain, ValueKind } from '../late';

/** CPU, memory and ephemeral storage requests and limits of the proxy (Kubernetes quantities). */
export interface ProxyResources {
  /** CPU request, e.g. `100m`. @default the chart's (none) */
  readonly cpuRequest?: string;
  /** CPU limit, e.g. `1`. @default the chart's (none) */
  readonly cpuLimit?: string;
  /** Memory request, e.g. `20Mi`. @default the chart's (none) */
  readonly memoryRequest?: string;
  /** Memory limit, e.g. `250Mi`. @default the chart's (none) */
  readonly memoryLimit?: string;
  /** Ephemeral storage request. @default the chart's (none) */
  readonly ephemeralStorageRequest?: string;
  /** Ephemeral storage limit. @default the chart's (none) */
  readonly ephemeralStorageLimit?: string;
}

/** Log levels of the control plane's controllers. */
export const CONTROLLER_LOG_LEVELS = ['panic', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
/** One of {@link CONTROLLER_LOG_LEVELS}. */
export type ControllerLogLevel = (typeof CONTROLLER_LOG_LEVELS)[number];

/**
 * The viz extension (Prometheus, dashboard, tap) in its own namespace.
 *
 * Viz is a debugging tool: it runs an in-cluster Prometheus and taps live traffic, which costs
 * resources. Install it while investigating, not as a permanent production component (a platform
 * team's advice in seed 003); production metrics belong in your own Prometheus.
 */
export interface VizOptions {
  /** Namespace of the extension. @default 'linkerd-viz' */
  readonly namespace?: string;
  /** Chart version. @default the mesh's chart version */
  readonly version?: string;
  /** Values deep-merged last into the viz chart values. @default none */
  readonly extraValues?: Record<string, unknown>;
}

/**
 * The linkerd-jaeger extension. Linkerd stopped publishing it with edge-25.10.1 (Linkerd 2.19);
 * the last chart is from the 2025.9 edge releases. Pin `version` to such a chart, or configure
 * tracing through the control plane values (`proxy.tracing`) and your own collector.
 */
export interface JaegerOptions {
  /** Namespace of the extension. @default 'linkerd-jaeger' */
  readonly namespace?: string;
  /** Chart version. @default the mesh's chart version (rejected when that chart no longer ships jaeger) */
  readonly version?: string;
  /** Values deep-merged last into the jaeger chart values. @default none */
  readonly extraValues?: Record<string, unknown>;
}

/** Values deep-merged last into each chart's values (the escape hatch). */
export interface MeshExtraValues {
  /** Into the `linkerd-crds` chart. @default none */
  readonly crds?: Record<string, unknown>;
  /** Into the `linkerd-control-plane` chart. @default none */
  readonly controlPlane?: Record<string, unknown>;
  /** Into the `linkerd2-cni` chart (with `cni: true`). @default none */
  readonly cni?: Record<string, unknown>;
}

/**
 * Props of `LinkerdMesh`, one type for both front ends: `K` types the late-bindable values
 * (`version`; `pulumi.Input` under the Pulumi entry's `InputKind`), `I` and `W` the identity and
 * webhook certificate classes of the front end (the Pulumi ones take PEMs as Inputs and can generate
 * them with `@pulumi/tls`).
 */
export interface LinkerdMeshProps<K extends ValueKind = Plain, I = MeshIdentity, W = WebhookCertificates> {
  /** Where the identity (trust anchor + issuer) comes from. */
  readonly identity: I;
  /**
   * Serving certificates of the admission webhooks. Supplied or cert-manager-managed certificates
   * make every render identical; the chart would otherwise generate new ones on each render.
   * @default cert-manager when the identity is cert-manager; the directory's `webhook.crt` when the
   *   identity was read with `MeshIdentity.fromDirectory` and the file is there; otherwise
   *   chart-generated, which only Flux delivery accepts
   */
  readonly webhookCertificates?: W;
  /** Control plane namespace (created with the labels `linkerd install` gives it). @default 'linkerd' */
  readonly namespace?: string;
  /** Version of the `linkerd-crds` and `linkerd-control-plane` charts. @default '2026.8.3' (edge-26.8.3) */
  readonly version?: Late<K, string>;
  /** Helm repository of the charts. @default 'https://helm.linkerd.io/edge' */
  readonly repository?: string;
  /** Identity trust domain. @default 'cluster.local' */
  readonly trustDomain?: string;
  /** Cluster DNS domain. @default 'cluster.local' */
  readonly clusterDomain?: string;
  /**
   * High availability: 3 replicas, PodDisruptionBudgets, anti-affinity, resource requests and
   * `webhookFailurePolicy: Fail` (the overrides of the chart's values-ha.yaml).
   * @default false
   */
  readonly highAvailability?: boolean;
  /** Use the Linkerd CNI plugin (installs the `linkerd2-cni` chart) instead of the proxy-init container. @default false */
  readonly cni?: boolean;
  /** Cluster-wide default inbound policy. @default 'all-unauthenticated' */
  readonly defaultInboundPolicy?: DefaultInboundPolicy;
  /** CIDRs the proxies treat as in-cluster. @default the chart's: 10.0.0.0/8, 100.64.0.0/10, 172.16.0.0/12, 192.168.0.0/16, fd00::/8 */
  readonly clusterNetworks?: readonly string[];
  /**
   * Registry mirroring Linkerd's images (`cr.l5d.io/linkerd/*` becomes `<imageRegistry>/*`): proxy,
   * controller (which also runs the policy controller), debug, CNI and viz images.
   * @example 'myregistry.azurecr.io/linkerd'
   * @default 'cr.l5d.io/linkerd'
   */
  readonly imageRegistry?: string;
  /** Image pull secrets (names) for the control plane's service accounts. @default none */
  readonly imagePullSecrets?: readonly string[];
  /** Proxy resources, for every injected proxy. @default the chart's (with HA: 100m CPU, 20Mi/250Mi memory) */
  readonly proxyResources?: ProxyResources;
  /** Proxy log level (`proxy.logLevel`), e.g. `warn,linkerd=info`. @default the chart's ('warn,linkerd=info,hickory=error') */
  readonly proxyLogLevel?: string;
  /** Log level of the controllers (destination, identity, injector, policy). @default 'info' */
  readonly controllerLogLevel?: ControllerLogLevel;
  /** Run proxies as Kubernetes native sidecars (needs Kubernetes >= 1.29): meshed Jobs then finish. @default the chart's (true) */
  readonly nativeSidecar?: boolean;
  /** Enable the proxy's `/shutdown` admin endpoint mesh-wide (`linkerd-await --shutdown`). @default false */
  readonly enableShutdownEndpoint?: boolean;
  /**
   * Run the chart's heartbeat CronJob (a daily anonymous usage report to Linkerd's maintainers).
   * `false` sets the chart's `disableHeartBeat`.
   * @default true
   */
  readonly heartbeat?: boolean;
  /**
   * Cron schedule of the heartbeat. Unset, the chart derives it from the time of the render, so two
   * renders differ and every GitOps sync shows drift; this library sets a schedule derived from the
   * mesh's namespace and trust domain instead (the same on every render, spread across meshes).
   * @default a daily schedule derived from namespace and trust domain (`heartbeatScheduleFor`)
   */
  readonly heartbeatSchedule?: string;
  /**
   * Where the Gateway API CRDs come from. Linkerd needs `httproutes` and `grpcroutes`
   * (`gateway.networking.k8s.io`, serving v1) in the cluster before its control plane:
   * `{ managedBy: 'linkerd-crds-chart' }` installs them with the `linkerd-crds` chart (v1.1.1);
   * `{ managedBy: 'external', bundleVersion: 'v1.2.1' }` declares that something else does, at a
   * version checked against Linkerd's range (v1.1.1 or later).
   * @default unset: the chart does not install them, and synthesis warns
   */
  readonly gatewayApi?: GatewayApiProps;
  /**
   * Install the Gateway API CRDs with the `linkerd-crds` chart.
   * @deprecated use `gatewayApi`, which also declares a version managed elsewhere
   * @default false
   */
  readonly installGatewayApiCrds?: boolean;
  /** Install viz (`true` or options). A debugging tool: see {@link VizOptions}. @default false */
  readonly viz?: boolean | VizOptions;
  /** Install linkerd-jaeger (`true` or options); only where the chart version still ships it. @default false */
  readonly jaeger?: boolean | JaegerOptions;
  /** Values deep-merged last into the charts' values. @default none */
  readonly extraValues?: MeshExtraValues;
}
