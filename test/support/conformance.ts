/**
 * The conformance suite every feature plugs into.
 *
 *  - Linkerd kinds are validated with ajv against the upstream CRD `openAPIV3Schema` from
 *    `../shared/fixtures/linkerd-edge-26.8.3/linkerd-crds.yaml`, made strict the way the API server
 *    is with `kubectl apply` (server-side field validation `Strict`): unknown fields are rejected
 *    unless the schema preserves them.
 *  - Core kinds are validated with `kubernetes-models`; cert-manager, trust-manager, Flux and Argo CD
 *    kinds with the `@kubernetes-models/*` packages.
 *  - Every object's metadata is checked (name, namespace, labels, annotations).
 *
 * Use `expectConformant(objects)` in any test that produces manifests.
 */
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { HAVE_FIXTURES, readFixtureDocs } from './fixtures';
import { isDns1123Label, isDns1123Subdomain, isLabelKey, isLabelValue } from '../../src/core/validation';

type Json = Record<string, any>;

/** One conformance failure. */
export interface ConformanceError {
  /** `Kind namespace/name` */
  readonly object: string;
  /** Readable field path, e.g. `spec.podSelector.matchExpressions[0].operator` */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
}

/** Renders a conformance error on one line. */
export function formatConformanceError(e: ConformanceError): string {
  return `${e.object}: ${e.path || '(root)'}: ${e.message}`;
}

// ---------------------------------------------------------------------------------------------
// Linkerd CRDs (ajv)

let crdValidators: Map<string, ValidateFunction> | undefined;

/** Converts a CRD structural schema to a strict JSON schema ajv can run. */
export function strictSchema(schema: Json, root = true): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description') continue;
    if (k === 'properties') {
      out.properties = Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, strictSchema(s as Json, false)]));
    } else if (k === 'items') {
      out.items = strictSchema(v as Json, false);
    } else if (k === 'additionalProperties' && typeof v === 'object') {
      out.additionalProperties = strictSchema(v as Json, false);
    } else if (k === 'oneOf' || k === 'anyOf' || k === 'allOf') {
      out[k] = (v as Json[]).map((s) => strictSchema(s, false));
    } else if (k === 'x-kubernetes-int-or-string') {
      if (v) out.type = ['integer', 'string'];
    } else if (k.startsWith('x-kubernetes-') || k === 'nullable') {
      // structural-schema extensions: handled below or irrelevant to validation
    } else {
      out[k] = v;
    }
  }
  if (schema.nullable && typeof out.type === 'string') out.type = [out.type, 'null'];
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (root) {
    out.properties = {
      ...(out.properties ?? {}),
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
    };
  }
  if (out.properties && !preserve && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function loadCrdValidators(): Map<string, ValidateFunction> {
  if (crdValidators) return crdValidators;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  crdValidators = new Map();
  for (const crd of readFixtureDocs('linkerd-edge-26.8.3/linkerd-crds.yaml')) {
    if (crd.kind !== 'CustomResourceDefinition') continue;
    for (const v of crd.spec.versions) {
      if (!v.served) continue;
      const key = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
      crdValidators.set(key, ajv.compile(strictSchema(v.schema.openAPIV3Schema)));
    }
  }
  return crdValidators;
}

/** ajv instance path (`/spec/ports/0/port`) as a readable path (`spec.ports[0].port`). */
export function readablePath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function ajvMessage(e: ErrorObject): { path: string; message: string } {
  const path = readablePath(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: path ? `${path}.${e.params.additionalProperty}` : e.params.additionalProperty, message: 'unknown field (the schema does not allow it)' };
    case 'required':
      return { path: path ? `${path}.${e.params.missingProperty}` : e.params.missingProperty, message: 'required field is missing' };
    case 'enum':
      return { path, message: `must be one of ${(e.params.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}` };
    default:
      return { path, message: e.message ?? e.keyword };
  }
}

// ---------------------------------------------------------------------------------------------
// Core and third-party kinds (kubernetes-models)

const MODEL_PACKAGES: Record<string, string> = {
  'cert-manager.io': '@kubernetes-models/cert-manager',
  'trust.cert-manager.io': '@kubernetes-models/cert-manager',
  'source.toolkit.fluxcd.io': '@kubernetes-models/flux-cd',
  'helm.toolkit.fluxcd.io': '@kubernetes-models/flux-cd',
  'kustomize.toolkit.fluxcd.io': '@kubernetes-models/flux-cd',
  'argoproj.io': '@kubernetes-models/argo-cd',
};

/**
 * Kinds at versions the model packages do not ship yet (`apiVersion/Kind`), validated against the
 * closest shipped version whose structure is the same for the fields we write: Flux `HelmRelease` v2
 * and `HelmRepository` v1 went GA unchanged from v2beta2 / v1beta2.
 */
const VERSION_FALLBACK: Record<string, string> = {
  'helm.toolkit.fluxcd.io/v2/HelmRelease': 'helm.toolkit.fluxcd.io/v2beta2',
  'source.toolkit.fluxcd.io/v1/HelmRepository': 'source.toolkit.fluxcd.io/v1beta2',
};

function modelFor(apiVersion: string, kind: string): any {
  const effective = VERSION_FALLBACK[`${apiVersion}/${kind}`] ?? apiVersion;
  const [group, version] = effective.includes('/') ? effective.split('/') : ['', effective];
  const pkg = group === '' || group.endsWith('.k8s.io') || ['apps', 'batch', 'policy', 'autoscaling'].includes(group) ? 'kubernetes-models' : MODEL_PACKAGES[group];
  if (!pkg) return undefined;
  const modPath = group === '' ? `${pkg}/${version}/${kind}` : `${pkg}/${group}/${version}/${kind}`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(modPath);
    return mod[kind];
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ClusterIssuer',
  'Bundle',
]);

function metadataErrors(obj: Json, object: string): ConformanceError[] {
  const errors: ConformanceError[] = [];
  const md = obj.metadata;
  if (!md || typeof md !== 'object') return [{ object, path: 'metadata', message: 'required field is missing' }];
  if (!isDns1123Subdomain(md.name)) errors.push({ object, path: 'metadata.name', message: `must be a DNS-1123 subdomain, got ${JSON.stringify(md.name)}` });
  if (md.namespace !== undefined && !isDns1123Label(md.namespace)) {
    errors.push({ object, path: 'metadata.namespace', message: `must be a DNS-1123 label, got ${JSON.stringify(md.namespace)}` });
  }
  if (md.namespace !== undefined && CLUSTER_SCOPED.has(obj.kind)) {
    errors.push({ object, path: 'metadata.namespace', message: `${obj.kind} is cluster-scoped and takes no namespace` });
  }
  for (const [k, v] of Object.entries((md.labels ?? {}) as Json)) {
    if (!isLabelKey(k)) errors.push({ object, path: `metadata.labels["${k}"]`, message: 'invalid label key' });
    if (!isLabelValue(v)) errors.push({ object, path: `metadata.labels["${k}"]`, message: `invalid label value ${JSON.stringify(v)}` });
  }
  for (const [k, v] of Object.entries((md.annotations ?? {}) as Json)) {
    if (!isLabelKey(k)) errors.push({ object, path: `metadata.annotations["${k}"]`, message: 'invalid annotation key' });
    if (typeof v !== 'string') errors.push({ object, path: `metadata.annotations["${k}"]`, message: `must be a string, got ${JSON.stringify(v)}` });
  }
  const known = new Set(['name', 'namespace', 'labels', 'annotations', 'generateName', 'finalizers', 'ownerReferences', 'uid', 'resourceVersion', 'creationTimestamp']);
  for (const k of Object.keys(md)) {
    if (!known.has(k)) errors.push({ object, path: `metadata.${k}`, message: 'unknown field (the schema does not allow it)' });
  }
  return errors;
}

/** Every conformance error of one object (empty when it conforms). */
export function conformanceErrors(input: unknown): ConformanceError[] {
  const obj = JSON.parse(JSON.stringify(input)) as Json;
  const object = `${obj?.kind ?? '<no kind>'} ${obj?.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj?.metadata?.name ?? '<no name>'}`;
  if (typeof obj?.apiVersion !== 'string' || typeof obj?.kind !== 'string') {
    return [{ object, path: 'apiVersion', message: 'apiVersion and kind are required strings' }];
  }
  const errors = metadataErrors(obj, object);
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  if (group.endsWith('linkerd.io')) {
    if (!HAVE_FIXTURES) return errors;
    const validate = loadCrdValidators().get(`${group}/${version}/${obj.kind}`);
    if (!validate) return [...errors, { object, path: 'apiVersion', message: `${obj.apiVersion} ${obj.kind} is not served by the Linkerd CRDs` }];
    if (!validate(obj)) {
      for (const e of validate.errors ?? []) {
        if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') {
          if (e.keyword === 'oneOf') errors.push({ object, path: readablePath(e.instancePath), message: 'must match exactly one of the alternatives the schema allows (oneOf)' });
          continue;
        }
        errors.push({ object, ...ajvMessage(e) });
      }
    }
    return errors;
  }
  const Model = modelFor(obj.apiVersion, obj.kind);
  if (!Model) return [...errors, { object, path: 'apiVersion', message: `no schema for ${obj.apiVersion} ${obj.kind} in the conformance suite` }];
  try {
    const effective = VERSION_FALLBACK[`${obj.apiVersion}/${obj.kind}`];
    new Model(effective ? { ...obj, apiVersion: effective } : obj).validate();
  } catch (e: any) {
    const list: ErrorObject[] = e?.errors ?? [];
    if (list.length === 0) errors.push({ object, path: '', message: String(e?.message ?? e) });
    for (const err of list) errors.push({ object, ...ajvMessage(err) });
  }
  return errors;
}

/** Asserts every object conforms; the failure lists every error with its path. */
export function expectConformant(objects: unknown | unknown[]): void {
  const list = Array.isArray(objects) ? objects : [objects];
  if (list.length === 0) throw new Error('expectConformant: no objects given (a test must check something)');
  const errors = list.flatMap((o) => conformanceErrors(o));
  if (errors.length > 0) {
    throw new Error(`${errors.length} conformance error(s):\n  ${errors.map(formatConformanceError).join('\n  ')}`);
  }
}
