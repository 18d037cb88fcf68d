/**
 * Services over pods and external workloads, as in the seed: `legacy-app` selects the application's
 * pods and VMs together; `legacy-app-cluster` only its pods (`location: cluster`).
 *
 * Kubernetes Services select pods; Linkerd's external workload controller makes the same selector
 * select `ExternalWorkload`s too (it writes their EndpointSlices). Telling them apart is a label:
 * {@link LOCATION_LABEL}.
 */
import { Issues } from '../errors';
import { kubeObject, type IntOrString, type L4Protocol, type Service, type ServicePort } from '../k8s';
import { checkDns1123Label, checkLabels, isIanaSvcName, isPort, isPortNumber, PORT_NUMBER_RULE, PORT_RULE } from '../validation';
import { LOCATION_CLUSTER, LOCATION_EXTERNAL, LOCATION_LABEL } from './external-workload';

/** Which backends a {@link MeshExpansionServiceProps Service} selects. */
export type MeshExpansionBackends = 'pods-and-external-workloads' | 'pods' | 'external-workloads';

/** A port of a {@link meshExpansionService}. */
export interface MeshExpansionServicePort {
  /** Port the Service listens on. */
  readonly port: number;
  /** Port name. @default no name (required when there are several ports) */
  readonly name?: string;
  /** Port (number or name) on the pods and external workloads. @default `port` */
  readonly targetPort?: IntOrString;
  /** L4 protocol. @default 'TCP' */
  readonly protocol?: L4Protocol;
}

/** Props of {@link meshExpansionService}. */
export interface MeshExpansionServiceProps {
  /** Service name (a DNS-1123 label). */
  readonly name: string;
  /** Namespace of the Service, the pods and the external workloads. */
  readonly namespace: string;
  /** Labels the application's pods and external workloads share, e.g. `{ app: 'legacy-app' }`. */
  readonly selector: Readonly<Record<string, string>>;
  /** Ports of the Service. */
  readonly ports: readonly MeshExpansionServicePort[];
  /**
   * Which backends to select: pods and external workloads together (the seed's `legacy-app`), only pods
   * (`legacy-app-cluster`, adds `location: cluster`), or only external workloads (adds `location: vm`).
   * Pods must carry `location: cluster` for `pods` to select them ({@link podLocationLabels}).
   * @default 'pods-and-external-workloads'
   */
  readonly backends?: MeshExpansionBackends;
  /** Labels of the Service object itself. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The labels pods need so that `backends: 'pods'` Services select them: `{ location: 'cluster' }`. */
export function podLocationLabels(): Record<string, string> {
  return { [LOCATION_LABEL]: LOCATION_CLUSTER };
}

/** The selector of a {@link meshExpansionService} for the given backends. */
export function meshExpansionSelector(selector: Readonly<Record<string, string>>, backends: MeshExpansionBackends = 'pods-and-external-workloads'): Record<string, string> {
  switch (backends) {
    case 'pods':
      return { ...selector, [LOCATION_LABEL]: LOCATION_CLUSTER };
    case 'external-workloads':
      return { ...selector, [LOCATION_LABEL]: LOCATION_EXTERNAL };
    default:
      return { ...selector };
  }
}

/** A ClusterIP Service over an application's pods, external workloads, or both. */
export function meshExpansionService(props: MeshExpansionServiceProps, scope = `Service ${props.namespace}/${props.name}`): Service {
  const issues = new Issues(scope);
  checkDns1123Label(issues, 'name', props.name);
  checkDns1123Label(issues, 'namespace', props.namespace);
  checkLabels(issues, 'labels', props.labels as Record<string, unknown> | undefined);
  const backends = props.backends ?? 'pods-and-external-workloads';
  issues.check(
    ['pods-and-external-workloads', 'pods', 'external-workloads'].includes(backends),
    'backends',
    backends,
    'expected one of "pods-and-external-workloads", "pods", "external-workloads"',
  );
  if (checkLabels(issues, 'selector', props.selector as Record<string, unknown>) && Object.keys(props.selector ?? {}).length === 0) {
    issues.error('selector', props.selector, 'expected at least one label, e.g. { app: "legacy-app" } (an empty selector would select every pod of the namespace)');
  }
  if (props.selector && LOCATION_LABEL in props.selector && backends !== 'pods-and-external-workloads') {
    issues.error(`selector["${LOCATION_LABEL}"]`, props.selector[LOCATION_LABEL], `expected no "${LOCATION_LABEL}" label: "backends" sets it`);
  }
  if (!Array.isArray(props.ports) || props.ports.length === 0) {
    issues.error('ports', props.ports, 'expected at least one port');
  } else {
    props.ports.forEach((p, i) => {
      issues.check(isPortNumber(p.port), `ports[${i}].port`, p.port, PORT_NUMBER_RULE);
      if (p.name !== undefined) issues.check(isIanaSvcName(p.name), `ports[${i}].name`, p.name, 'expected an IANA service name');
      if (p.targetPort !== undefined) issues.check(isPort(p.targetPort), `ports[${i}].targetPort`, p.targetPort, PORT_RULE);
      if (props.ports.length > 1 && p.name === undefined) issues.error(`ports[${i}].name`, undefined, 'expected a name: a Service with several ports names each');
    });
  }
  issues.throwIfErrors();
  const ports: ServicePort[] = props.ports.map((p) => ({
    ...(p.name !== undefined ? { name: p.name } : {}),
    port: p.port,
    ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
    protocol: p.protocol ?? 'TCP',
  }));
  return kubeObject<Service>('v1', 'Service', { name: props.name, namespace: props.namespace, labels: { ...(props.labels ?? {}) } }, {
    spec: { type: 'ClusterIP', selector: meshExpansionSelector(props.selector, backends), ports },
  });
}
