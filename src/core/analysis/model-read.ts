/**
 * The parts of the analyzer's model read straight from the objects: the objects by kind (one pass),
 * the API server, external workloads, Services, webhooks, NetworkPolicies (compiled) and Linkerd's
 * policy objects. `model-build.ts` assembles them with the pod classes.
 */
import type { KubeObject, L4Protocol, NetworkPolicy } from '../k8s';
import { compareText } from '../selectors';
import { IpRange, parseRange } from './ip';
import type { AddressEndpoint, ClusterModel, ModelOptions, ServiceInfo, WebhookBackend } from './model';
import { CompiledPolicy, compileNetworkPolicy, PolicyProblem } from './netpol';
import { asRecord, stringMap } from './pod-templates';

/** The objects each later part of the model reads (kind and API group checked), in input order, from one pass. */
export interface ObjectsByKind {
  readonly namespaces: KubeObject[];
  readonly externalWorkloads: KubeObject[];
  readonly services: KubeObject[];
  /** Webhook configurations and APIServices. */
  readonly webhooks: KubeObject[];
  readonly networkPolicies: KubeObject[];
  /** Linkerd policy objects and Gateway API routes. */
  readonly policies: KubeObject[];
}

const WEBHOOK_KINDS = new Set(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);

export function readByKind(objects: readonly KubeObject[]): ObjectsByKind {
  const by: ObjectsByKind = { namespaces: [], externalWorkloads: [], services: [], webhooks: [], networkPolicies: [], policies: [] };
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i];
    const kind = o.kind;
    const api = o.apiVersion;
    if (kind === 'Namespace') {
      if (api === 'v1') by.namespaces.push(o);
    } else if (kind === 'ExternalWorkload') {
      if (api.startsWith('workload.linkerd.io/')) by.externalWorkloads.push(o);
    } else if (kind === 'Service') {
      if (api === 'v1') by.services.push(o);
    } else if (kind === 'NetworkPolicy') {
      if (api.startsWith('networking.k8s.io/')) by.networkPolicies.push(o);
    } else if (kind === 'APIService') {
      if (api.startsWith('apiregistration.k8s.io/')) by.webhooks.push(o);
    } else if (WEBHOOK_KINDS.has(kind)) {
      if (api.startsWith('admissionregistration.k8s.io/')) by.webhooks.push(o);
    } else if (api.startsWith('policy.linkerd.io/') || (api.startsWith('gateway.networking.k8s.io/') && (kind === 'HTTPRoute' || kind === 'GRPCRoute'))) {
      by.policies.push(o);
    }
  }
  return by;
}

/** The API server as an address endpoint (every address when its CIDRs are not given). */
export function apiServerEndpoint(options: ModelOptions): AddressEndpoint {
  const apiCidrs = options.apiServerCidrs && options.apiServerCidrs.length > 0 ? options.apiServerCidrs : ['0.0.0.0/0'];
  return {
    kind: 'api-server',
    ref: 'kube-apiserver',
    ranges: apiCidrs.map((c) => parseRange(c)).filter((r): r is IpRange => r !== undefined),
    addresses: [...apiCidrs],
    meshed: false,
    labels: {},
    ports: [],
    isPod: false,
  };
}

/** The ExternalWorkloads as address endpoints (meshed, with their identity and ports), sorted. */
export function readExternalWorkloads(read: ObjectsByKind, defaultNamespace: string, notes: string[]): AddressEndpoint[] {
  const externalWorkloads: AddressEndpoint[] = [];
  for (const o of read.externalWorkloads) {
    const spec = asRecord(o.spec);
    const ips = (Array.isArray(spec.workloadIPs) ? spec.workloadIPs : []).map((w: any) => asRecord(w).ip).filter((ip: unknown): ip is string => typeof ip === 'string');
    const ns = o.metadata.namespace ?? defaultNamespace;
    externalWorkloads.push({
      kind: 'external-workload',
      ref: `${ns}/${o.metadata.name}`,
      namespace: ns,
      ranges: ips.map((ip: string) => parseRange(ip)).filter((r: IpRange | undefined): r is IpRange => r !== undefined),
      addresses: ips,
      meshed: true,
      identity: typeof asRecord(spec.meshTLS).identity === 'string' ? asRecord(spec.meshTLS).identity : undefined,
      labels: stringMap(o.metadata.labels),
      ports: (Array.isArray(spec.ports) ? spec.ports : []).map((p: any) => ({
        ...(typeof asRecord(p).name === 'string' ? { name: asRecord(p).name } : {}),
        port: Number(asRecord(p).port),
        protocol: (asRecord(p).protocol ?? 'TCP') as L4Protocol,
      })),
      isPod: false,
    });
    if (ips.length === 0) notes.push(`ExternalWorkload ${ns}/${o.metadata.name} has no workloadIPs: its flows cannot be checked`);
  }
  externalWorkloads.sort((a, b) => compareText(a.ref, b.ref));
  return externalWorkloads;
}

/** The Services (selector and ports). */
export function readServices(read: ObjectsByKind, defaultNamespace: string): ServiceInfo[] {
  const services: ServiceInfo[] = [];
  for (const o of read.services) {
    const spec = asRecord(o.spec);
    services.push({
      namespace: o.metadata.namespace ?? defaultNamespace,
      name: o.metadata.name ?? '<unnamed>',
      ...(spec.selector ? { selector: stringMap(spec.selector) } : {}),
      ports: (Array.isArray(spec.ports) ? spec.ports : []).map((p: any) => {
        const port = asRecord(p);
        return {
          ...(typeof port.name === 'string' ? { name: port.name } : {}),
          port: Number(port.port),
          targetPort: port.targetPort ?? Number(port.port),
          protocol: (port.protocol ?? 'TCP') as L4Protocol,
        };
      }),
    });
  }
  return services;
}

/** The Services admission webhooks and API services call. */
export function readWebhooks(read: ObjectsByKind, defaultNamespace: string): WebhookBackend[] {
  const webhooks: WebhookBackend[] = [];
  for (const o of read.webhooks) {
    if (o.kind !== 'APIService') {
      for (const w of Array.isArray(o.webhooks) ? (o.webhooks as any[]) : []) {
        const svc = asRecord(asRecord(asRecord(w).clientConfig).service);
        if (!svc.name) continue;
        webhooks.push({
          owner: `${o.kind} ${o.metadata.name}`,
          name: String(asRecord(w).name ?? ''),
          serviceNamespace: String(svc.namespace ?? defaultNamespace),
          serviceName: String(svc.name),
          servicePort: Number(svc.port ?? 443),
        });
      }
    } else {
      const svc = asRecord(asRecord(o.spec).service);
      if (!svc.name) continue;
      webhooks.push({
        owner: `APIService ${o.metadata.name}`,
        name: String(o.metadata.name),
        serviceNamespace: String(svc.namespace ?? defaultNamespace),
        serviceName: String(svc.name),
        servicePort: Number(svc.port ?? 443),
      });
    }
  }

  return webhooks;
}

/** The NetworkPolicies, compiled, with their problems and a note on egress-only policies without policyTypes. */
export function compilePolicies(
  read: ObjectsByKind,
  defaultNamespace: string,
  notes: string[],
): { policies: CompiledPolicy[]; policyProblems: PolicyProblem[] } {
  const policyProblems: PolicyProblem[] = [];
  const policies: CompiledPolicy[] = [];
  for (const o of read.networkPolicies) {
    const compiled = compileNetworkPolicy(o as NetworkPolicy, policies.length, defaultNamespace, policyProblems);
    policies.push(compiled);
    const spec = asRecord(o.spec);
    const nonEmpty = (v: unknown) => Array.isArray(v) && v.length > 0;
    if (!nonEmpty(spec.policyTypes) && nonEmpty(spec.egress) && !nonEmpty(spec.ingress)) {
      notes.push(
        `NetworkPolicy ${compiled.ref} has egress rules but no policyTypes: Kubernetes makes it an Ingress policy too, so it denies all ingress to the pods it selects; set policyTypes: [Egress] if that is not intended`,
      );
    }
  }

  return { policies, policyProblems };
}

/** Linkerd's policy objects and the Gateway API routes, each with its namespace. */
export function readLinkerdPolicies(read: ObjectsByKind, defaultNamespace: string): ClusterModel['linkerd'] {
  const linkerd = {
    servers: [] as KubeObject[],
    authorizationPolicies: [] as KubeObject[],
    meshTLSAuthentications: [] as KubeObject[],
    networkAuthentications: [] as KubeObject[],
    httpRoutes: [] as KubeObject[],
  };
  const withNs = (o: KubeObject): KubeObject =>
    o.metadata.namespace !== undefined ? o : { ...o, metadata: { ...o.metadata, namespace: defaultNamespace } };
  for (const o of read.policies) {
    // Linkerd's policy kinds, and the Gateway API routes
    if (o.kind === 'Server') linkerd.servers.push(withNs(o));
    else if (o.kind === 'AuthorizationPolicy') linkerd.authorizationPolicies.push(withNs(o));
    else if (o.kind === 'MeshTLSAuthentication') linkerd.meshTLSAuthentications.push(withNs(o));
    else if (o.kind === 'NetworkAuthentication') linkerd.networkAuthentications.push(withNs(o));
    else if (o.kind === 'HTTPRoute' || (o.kind === 'GRPCRoute' && o.apiVersion.startsWith('gateway.networking.k8s.io/'))) linkerd.httpRoutes.push(withNs(o));
  }

  return linkerd;
}
