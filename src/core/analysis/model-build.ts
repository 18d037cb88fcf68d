/**
 * Builds the analyzer's model of the cluster (`model.ts`) from manifests, step by step: the
 * components found, the built-in models of what is missing, namespaces, pod classes, addresses,
 * Services, webhooks, NetworkPolicies and Linkerd's policy objects.
 */
import { ANNOTATIONS, LABELS } from '../constants';
import type { KubeObject } from '../k8s';
import { meshInfoWithDefaults, type MeshInfo } from '../mesh-info';
import { compareText, compileSelector, type CompiledSelector, type Labels } from '../selectors';
import { linkerdControlPlaneModel, clusterDnsModel, linkerdVizModel } from './builtin';
import type {
  ClusterModel,
  ModelOptions,
  ModelSource,
  NamespaceInfo,
  PodClass,
  WorkloadOrigin,
  WorkloadRef,
} from './model';
import {
  apiServerEndpoint,
  compilePolicies,
  readByKind,
  readExternalWorkloads,
  readLinkerdPolicies,
  readServices,
  readWebhooks,
  type ObjectsByKind,
} from './model-read';
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

