/**
 * Builds the analyzer's model of the cluster (`model.ts`) from manifests, step by step: the
 * components found, the built-in models of what is missing, namespaces, pod classes, addresses,
 * Services, webhooks, NetworkPolicies and Linkerd's policy objects.
 */
import { ANNOTATIONS, LABELS } from '../constants';
import type { KubeObject, L4Protocol, NetworkPolicy } from '../k8s';
import { meshInfoWithDefaults, type MeshInfo } from '../mesh-info';
import { compareText, compileSelector, type CompiledSelector, type Labels } from '../selectors';
import { linkerdControlPlaneModel, clusterDnsModel, linkerdVizModel } from './builtin';
import { IpRange, parseRange } from './ip';
import type {
  AddressEndpoint,
  ClusterModel,
  ModelOptions,
  ModelSource,
  NamespaceInfo,
  PodClass,
  ServiceInfo,
  WebhookBackend,
  WorkloadOrigin,
  WorkloadRef,
} from './model';
import { CompiledPolicy, compileNetworkPolicy, PolicyProblem } from './netpol';
import {
  asRecord,
  classDraft,
  extractTemplates,
  isMeshedTemplate,
  podTemplateOf,
  stringMap,
  templateFacts,
  type ClassContext,
  type ClassDraft,
  type PodTemplate,
} from './pod-templates';


/** The objects each later part of the model reads (kind and API group checked), in input order, from one pass. */
interface ObjectsByKind {
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

function readByKind(objects: readonly KubeObject[]): ObjectsByKind {
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

/** The options of {@link buildModel} with their defaults, and what is derived from them once. */
interface ModelSettings {
  readonly defaultNamespace: string;
  readonly dnsNamespace: string;
  readonly dnsPodLabels: Labels;
  readonly dnsSelector: CompiledSelector;
  readonly builtIns: boolean;
  readonly monitoringNamespaces: ReadonlySet<string>;
  readonly monitoringPodLabels: Labels;
  readonly isMonitoring: (ns: string, labels: Labels) => boolean;
}

function modelSettings(options: ModelOptions): ModelSettings {
  const dnsPodLabels = options.dnsPodLabels ?? { 'k8s-app': 'kube-dns' };
  const monitoringNamespaces = new Set(options.monitoringNamespaces ?? []);
  const monitoringPodLabels = options.monitoringPodLabels ?? { 'app.kubernetes.io/name': 'prometheus' };
  const monitoringSelector = compileSelector({ matchLabels: { ...monitoringPodLabels } });
  return {
    defaultNamespace: options.defaultNamespace ?? 'default',
    dnsNamespace: options.dnsNamespace ?? 'kube-system',
    dnsPodLabels,
    dnsSelector: compileSelector({ matchLabels: { ...dnsPodLabels } }),
    builtIns: options.builtInModels ?? true,
    monitoringNamespaces,
    monitoringPodLabels,
    isMonitoring: (ns, l) => monitoringNamespaces.has(ns) && monitoringSelector.matches(l),
  };
}

/** What the manifests hold of the control plane (its components and namespace), viz and the cluster DNS. */
/** What the manifests hold of the components the analysis needs. */
interface FoundComponents {
  readonly components: Set<string>;
  readonly detectedNs?: string;
  readonly vizPods: KubeObject[];
  readonly dnsPresent: boolean;
}

function locateComponents(input: readonly KubeObject[], set: ModelSettings): FoundComponents {
  const components = new Set<string>();
  let detectedNs: string | undefined;
  const vizPods: KubeObject[] = [];
  let dnsPresent = false;
  for (const o of input) {
    const t = podTemplateOf(o);
    if (!t) continue;
    const labels = asRecord(asRecord(t.template.metadata).labels);
    const component = labels[LABELS.controlPlaneComponent];
    if (component !== undefined && component !== null) {
      components.add(String(component));
      detectedNs ??= o.metadata.namespace;
    }
    const extension = labels[LABELS.extension];
    if (extension !== undefined && extension !== null && String(extension) === 'viz') vizPods.push(o);
    if (!dnsPresent && (o.metadata.namespace ?? set.defaultNamespace) === set.dnsNamespace) dnsPresent = set.dnsSelector.matches(stringMap(labels));
  }
  return { components, detectedNs, vizPods, dnsPresent };
}

/** The input objects plus the built-in models of what they lack; a built-in object never shadows one of the manifests. */
class ObjectsWithBuiltIns {
  public readonly objects: KubeObject[];
  public readonly builtIn = new Set<KubeObject>();
  // keys of the input objects in the namespaces (or cluster scope, '') built-in objects were added to
  private readonly present = new Set<string>();
  private readonly indexed = new Set<string>();

  public constructor(private readonly input: readonly KubeObject[]) {
    this.objects = [...input];
  }

  public add(objs: readonly KubeObject[]): void {
    const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const fresh = new Set(objs.map((o) => o.metadata.namespace ?? '').filter((ns) => !this.indexed.has(ns)));
    if (fresh.size > 0) {
      for (const o of this.input) if (fresh.has(o.metadata.namespace ?? '')) this.present.add(key(o));
      for (const ns of fresh) this.indexed.add(ns);
    }
    for (const o of objs) {
      const k = key(o);
      if (this.present.has(k)) continue;
      this.present.add(k);
      this.objects.push(o);
      this.builtIn.add(o);
    }
  }
}

/** Where the control plane, viz and DNS come from: the manifests, or the built-in models (with a note each). */
function addBuiltInModels(
  found: FoundComponents,
  mesh: MeshInfo,
  set: ModelSettings,
  objects: ObjectsWithBuiltIns,
  notes: string[],
): Pick<ClusterModel, 'controlPlaneSource' | 'vizSource' | 'dnsSource' | 'vizNamespace'> {
  let controlPlaneSource: ModelSource = found.components.has('destination') && found.components.has('identity') ? 'manifests' : 'absent';
  if (controlPlaneSource === 'absent' && set.builtIns) {
    objects.add(linkerdControlPlaneModel(mesh));
    controlPlaneSource = 'built-in';
    notes.push(`the control plane is not in the manifests: using the built-in model of Linkerd's control plane in namespace "${mesh.namespace}"`);
  }
  let vizNamespace = found.vizPods.find((o) => o.metadata.namespace)?.metadata.namespace;
  let vizSource: ModelSource = found.vizPods.length > 0 ? 'manifests' : 'absent';
  if (vizSource === 'absent' && mesh.vizNamespace && set.builtIns) {
    vizNamespace = mesh.vizNamespace;
    objects.add(linkerdVizModel(mesh.vizNamespace));
    vizSource = 'built-in';
    notes.push(`viz is not in the manifests: using the built-in model of the viz extension in namespace "${mesh.vizNamespace}"`);
  }
  let dnsSource: ModelSource = found.dnsPresent ? 'manifests' : 'absent';
  if (!found.dnsPresent && set.builtIns) {
    objects.add(clusterDnsModel(set.dnsNamespace, set.dnsPodLabels));
    dnsSource = 'built-in';
  }
  return { controlPlaneSource, vizSource, dnsSource, ...(vizNamespace !== undefined ? { vizNamespace } : {}) };
}

/** The declared namespaces (a manifest's wins over a built-in's), and the labels of any namespace. */
function readNamespaces(
  read: ObjectsByKind,
  builtIn: ReadonlySet<KubeObject>,
): { namespaces: Map<string, NamespaceInfo>; namespaceLabels: (ns: string) => Labels } {
  const namespaces = new Map<string, NamespaceInfo>();
  for (const o of read.namespaces) {
    if (!o.metadata.name) continue;
    const prev = namespaces.get(o.metadata.name);
    if (prev?.declared && builtIn.has(o)) continue;
    namespaces.set(o.metadata.name, {
      name: o.metadata.name,
      labels: { ...stringMap(o.metadata.labels), [LABELS.namespaceName]: o.metadata.name },
      annotations: stringMap(o.metadata.annotations),
      declared: true,
    });
  }
  const autoLabels = new Map<string, Labels>();
  const namespaceLabels = (ns: string): Labels => {
    const known = namespaces.get(ns);
    if (known) return known.labels;
    let l = autoLabels.get(ns);
    if (!l) {
      l = { [LABELS.namespaceName]: ns };
      autoLabels.set(ns, l);
    }
    return l;
  };
  return { namespaces, namespaceLabels };
}

/** Representative pods where none is declared: a meshed pod in each namespace assumed meshed, a Prometheus in each monitoring namespace. */
function addAssumedTemplates(
  templates: PodTemplate[],
  namespaces: ReadonlyMap<string, NamespaceInfo>,
  mesh: MeshInfo,
  options: ModelOptions,
  set: ModelSettings,
  notes: string[],
): void {
  const assumeIn = options.assumeMeshedWorkloadsIn ?? [];
  const meshedNamespaces = new Set(
    assumeIn.length === 0
      ? []
      : templates.filter((t) => isMeshedTemplate(t, namespaces.get(t.workload.namespace), mesh).meshed).map((t) => t.workload.namespace),
  );
  for (const ns of assumeIn) {
    if (meshedNamespaces.has(ns)) continue;
    templates.push({
      workload: { kind: 'Pod', name: 'any-meshed-pod', namespace: ns, origin: 'assumed' },
      labels: {},
      annotations: { [ANNOTATIONS.inject]: 'enabled' },
      spec: { containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }] }] },
      ips: [],
    });
    notes.push(`no meshed workload in namespace "${ns}": checking a representative meshed pod (port 8080) there`);
  }
  for (const ns of [...set.monitoringNamespaces].sort()) {
    if (templates.some((t) => t.workload.namespace === ns && set.isMonitoring(ns, t.labels))) continue;
    templates.push({
      workload: { kind: 'Pod', name: 'prometheus', namespace: ns, origin: 'assumed' },
      labels: { ...set.monitoringPodLabels },
      annotations: {},
      spec: { containers: [{ name: 'prometheus', ports: [{ name: 'web', containerPort: 9090 }] }] },
      ips: [],
    });
    const labels = Object.entries(set.monitoringPodLabels).map(([k, v]) => `${k}=${v}`).join(',');
    notes.push(`no Prometheus (${labels}) in monitoring namespace "${ns}": checking a representative one there`);
  }
}

/** One class per distinct pod template (labels, meshing, ports...), named after its first workload, in a stable order. */
function buildClasses(
  templates: readonly PodTemplate[],
  namespaces: ReadonlyMap<string, NamespaceInfo>,
  mesh: MeshInfo,
  set: ModelSettings,
): readonly PodClass[] {
  // the per-template work lives in small functions: hot, so the JIT optimizes them
  const isDns = (l: Labels) => set.dnsSelector.matches(l);
  const classContext: ClassContext = { mesh, dnsNamespace: set.dnsNamespace, isDns, isMonitoring: set.isMonitoring };
  const byKey = new Map<string, ClassDraft>();
  for (const t of templates) {
    const facts = templateFacts(t, namespaces.get(t.workload.namespace), mesh);
    const entry = byKey.get(facts.key);
    if (entry) entry.workloads.push(t.workload);
    else byKey.set(facts.key, classDraft(facts, t.workload, classContext));
  }
  const originRank = (o: WorkloadOrigin) => (o === 'manifests' ? 0 : o === 'built-in' ? 1 : 2);
  const byOrigin = (a: WorkloadRef, b: WorkloadRef) =>
    originRank(a.origin) - originRank(b.origin) || compareText(a.name, b.name) || compareText(a.kind, b.kind);
  const drafts = [...byKey.values()];
  for (const d of drafts) {
    if (d.workloads.length > 1) d.workloads.sort(byOrigin);
    d.ref = `${d.namespace}/${d.workloads[0].name}`;
  }
  drafts.sort(
    (a, b) => compareText(a.namespace, b.namespace) || compareText(a.ref, b.ref) || compareText(JSON.stringify(a.labels), JSON.stringify(b.labels)),
  );
  const refCount = new Map<string, number>();
  drafts.forEach((d, index) => {
    // two classes can share a first workload name (e.g. a Deployment and a Pod named alike)
    const n = (refCount.get(d.ref) ?? 0) + 1;
    refCount.set(d.ref, n);
    if (n > 1) d.ref = `${d.ref}#${n}`;
    d.index = index;
  });
  return drafts;
}

/** The API server as an address endpoint (every address when its CIDRs are not given). */
function apiServerEndpoint(options: ModelOptions): AddressEndpoint {
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
function readExternalWorkloads(read: ObjectsByKind, defaultNamespace: string, notes: string[]): AddressEndpoint[] {
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
function readServices(read: ObjectsByKind, defaultNamespace: string): ServiceInfo[] {
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
function readWebhooks(read: ObjectsByKind, defaultNamespace: string): WebhookBackend[] {
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
function compilePolicies(
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
function readLinkerdPolicies(read: ObjectsByKind, defaultNamespace: string): ClusterModel['linkerd'] {
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

/** Builds the model. */
export function buildModel(input: readonly KubeObject[], options: ModelOptions = {}): ClusterModel {
  const notes: string[] = [];
  const set = modelSettings(options);
  const found = locateComponents(input, set);
  const mesh = meshInfoWithDefaults({ ...options.mesh, namespace: options.mesh?.namespace ?? found.detectedNs });
  const all = new ObjectsWithBuiltIns(input);
  const sources = addBuiltInModels(found, mesh, set, all, notes);
  const read = readByKind(all.objects);
  const { namespaces, namespaceLabels } = readNamespaces(read, all.builtIn);
  // pod templates, with the assumed meshed workloads
  const templates = extractTemplates(all.objects, set.defaultNamespace, (o) => (all.builtIn.has(o) ? 'built-in' : 'manifests'));
  const workloadCount = templates.filter((t) => t.workload.origin === 'manifests').length;
  addAssumedTemplates(templates, namespaces, mesh, options, set, notes);
  const classes = buildClasses(templates, namespaces, mesh, set);
  const externalWorkloads = readExternalWorkloads(read, set.defaultNamespace, notes);
  const { policies, policyProblems } = compilePolicies(read, set.defaultNamespace, notes);
  return {
    mesh,
    namespaces,
    classes,
    apiServer: apiServerEndpoint(options),
    externalWorkloads,
    services: readServices(read, set.defaultNamespace),
    webhooks: readWebhooks(read, set.defaultNamespace),
    policies,
    policyProblems,
    linkerd: readLinkerdPolicies(read, set.defaultNamespace),
    ...sources,
    namespaceLabels,
    workloadCount,
    notes,
  };
}

