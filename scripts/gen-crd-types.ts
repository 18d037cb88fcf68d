/**
 * Generates `src/core/crds/*.ts`: TypeScript models of the Linkerd CRDs, from the structure of their
 * `openAPIV3Schema` in `../shared/fixtures/linkerd-edge-26.8.3/linkerd-crds.yaml`.
 *
 * Only structure is taken (field names, types, required fields, enums, bounds); upstream description
 * text is never copied: the doc comments are written here from the structure.
 *
 *   ts-node scripts/gen-crd-types.ts           write the files
 *   ts-node scripts/gen-crd-types.ts --check   fail when they differ from what would be written
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const FIXTURE = path.resolve(ROOT, '..', 'shared', 'fixtures', 'linkerd-edge-26.8.3', 'linkerd-crds.yaml');
const OUT_DIR = path.join(ROOT, 'src', 'core', 'crds');

/** The served version we model for each kind. */
export const CRD_TARGETS: ReadonlyArray<{ kind: string; version: string }> = [
  { kind: 'Server', version: 'v1beta3' },
  { kind: 'ServerAuthorization', version: 'v1beta1' },
  { kind: 'AuthorizationPolicy', version: 'v1alpha1' },
  { kind: 'MeshTLSAuthentication', version: 'v1alpha1' },
  { kind: 'NetworkAuthentication', version: 'v1alpha1' },
  { kind: 'HTTPRoute', version: 'v1beta3' },
  { kind: 'HTTPLocalRateLimitPolicy', version: 'v1alpha1' },
  { kind: 'EgressNetwork', version: 'v1alpha1' },
  { kind: 'ServiceProfile', version: 'v1alpha2' },
  { kind: 'ExternalWorkload', version: 'v1beta1' },
];

interface Schema {
  'type'?: string;
  'properties'?: Record<string, Schema>;
  'required'?: string[];
  'items'?: Schema;
  'enum'?: unknown[];
  'additionalProperties'?: boolean | Schema;
  'oneOf'?: Schema[];
  'anyOf'?: Schema[];
  'minimum'?: number;
  'maximum'?: number;
  'minLength'?: number;
  'maxLength'?: number;
  'minItems'?: number;
  'maxItems'?: number;
  'format'?: string;
  'default'?: unknown;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** A TS string literal in the project's quote style. */
const q = (v: unknown) => (typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : JSON.stringify(v));

const pascal = (s: string) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();

function isLabelSelector(s: Schema): boolean {
  const keys = Object.keys(s.properties ?? {});
  return s.type === 'object' && keys.length === 2 && keys.includes('matchLabels') && keys.includes('matchExpressions');
}

class Emitter {
  private readonly blocks: string[] = [];
  public usesLabelSelector = false;

  public constructor(private readonly kind: string, private readonly apiVersion: string) {}

  /** Returns the TS type of `s`, emitting interfaces for nested objects under `name`. */
  public typeOf(s: Schema, name: string, fieldPath: string): string {
    if (s['x-kubernetes-int-or-string']) return 'number | string';
    if (s.enum && s.enum.length > 0) return s.enum.map(q).join(' | ');
    switch (s.type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array': {
        const item = this.typeOf(s.items ?? {}, name, `${fieldPath}[]`);
        return item.includes('|') ? `Array<${item}>` : `${item}[]`;
      }
      case 'object': {
        if (isLabelSelector(s)) {
          this.usesLabelSelector = true;
          return 'LabelSelector';
        }
        if (s.properties && Object.keys(s.properties).length > 0) {
          this.emitInterface(s, name, fieldPath);
          return name;
        }
        if (typeof s.additionalProperties === 'object') {
          return `Record<string, ${this.typeOf(s.additionalProperties, `${name}Value`, `${fieldPath}.*`)}>`;
        }
        if (fieldPath.endsWith('matchLabels')) return 'Record<string, string>';
        return 'Record<string, unknown>';
      }
      default:
        return 'unknown';
    }
  }

  public emitInterface(s: Schema, name: string, fieldPath: string, extraHead: string[] = []): void {
    const required = new Set(s.required ?? []);
    const lines: string[] = [];
    const what = fieldPath ? `\`${fieldPath}\` of ${this.kind}` : `A ${this.kind} object`;
    lines.push(`/** ${what} (\`${this.apiVersion}\`).${oneOfNote(s)} */`);
    lines.push(`export interface ${name} {`);
    lines.push(...extraHead);
    for (const [prop, sub] of Object.entries(s.properties ?? {})) {
      if (fieldPath === '' && (prop === 'apiVersion' || prop === 'kind' || prop === 'metadata')) continue;
      const type = this.typeOf(sub, `${name}${pascal(prop)}`, fieldPath ? `${fieldPath}.${prop}` : prop);
      const doc = constraintDoc(sub);
      if (doc) lines.push(`  /** ${doc} */`);
      const key = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(prop) ? prop : q(prop);
      lines.push(`  ${key}${required.has(prop) ? '' : '?'}: ${type};`);
    }
    lines.push('}');
    this.blocks.push(lines.join('\n'));
  }

  public render(header: string): string {
    const imports = ['ObjectMeta', ...(this.usesLabelSelector ? ['LabelSelector'] : [])].sort();
    return `${header}\nimport type { ${imports.join(', ')} } from '../k8s';\n\n${this.blocks.reverse().join('\n\n')}\n`;
  }
}

function oneOfNote(s: Schema): string {
  const alts = (s.oneOf ?? []).map((o) => o.required ?? []).filter((r) => r.length > 0);
  if (alts.length === 0) return '';
  return ` Exactly one of ${alts.map((r) => r.map((x) => `\`${x}\``).join(' + ')).join(', ')} must be set.`;
}

function constraintDoc(s: Schema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined || s.maximum !== undefined) parts.push(`range ${s.minimum ?? '-∞'}..${s.maximum ?? '∞'}`);
  if (s.minLength !== undefined || s.maxLength !== undefined) parts.push(`length ${s.minLength ?? 0}..${s.maxLength ?? '∞'}`);
  if (s.minItems !== undefined || s.maxItems !== undefined) parts.push(`${s.minItems ?? 0}..${s.maxItems ?? '∞'} items`);
  if (s.format) parts.push(`format ${s.format}`);
  if (s.default !== undefined) parts.push(`@default ${JSON.stringify(s.default)}`);
  return parts.join('; ');
}

export function generate(): Map<string, string> {
  const text = fs.readFileSync(FIXTURE, 'utf8');
  const crds = parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((d) => d && d.kind === 'CustomResourceDefinition');
  const files = new Map<string, string>();
  const index: string[] = [];
  const table: string[] = [];
  for (const { kind, version } of CRD_TARGETS) {
    const crd = crds.find((c) => c.spec.names.kind === kind);
    if (!crd) throw new Error(`CRD for ${kind} not found in ${FIXTURE}`);
    const v = crd.spec.versions.find((x: { name: string }) => x.name === version);
    if (!v) throw new Error(`${kind} has no version ${version}`);
    const group: string = crd.spec.group;
    const apiVersion = `${group}/${version}`;
    const schema: Schema = v.schema.openAPIV3Schema;
    const e = new Emitter(kind, apiVersion);
    e.emitInterface(schema, kind, '', [
      `  apiVersion: ${q(apiVersion)};`,
      `  kind: ${q(kind)};`,
      '  metadata: ObjectMeta;',
    ]);
    const header = `// Generated by scripts/gen-crd-types.ts from the structure of the ${kind} CRD (${apiVersion}, Linkerd edge-26.8.3). Do not edit.`;
    const file = `${kebab(kind)}.ts`;
    files.set(file, e.render(header));
    index.push(`export * from './${kebab(kind)}';`);
    table.push(
      `  ${kind}: { group: ${q(group)}, version: ${q(version)}, apiVersion: ${q(apiVersion)}, kind: ${q(kind)}, plural: ${q(crd.spec.names.plural)}, namespaced: ${crd.spec.scope === 'Namespaced'} },`,
    );
  }
  files.set(
    'index.ts',
    [
      '// Generated by scripts/gen-crd-types.ts. Do not edit.',
      '/** Typed models of the Linkerd CRDs (edge-26.8.3), one module per kind. */',
      ...index,
      '',
      '/** Group, version and plural of each Linkerd kind this library writes. */',
      'export const LINKERD_CRDS = {',
      ...table,
      '} as const;',
      '',
      '/** A Linkerd kind this library has a model for. */',
      'export type LinkerdKind = keyof typeof LINKERD_CRDS;',
      '',
    ].join('\n'),
  );
  return files;
}

function main() {
  const check = process.argv.includes('--check');
  if (!fs.existsSync(FIXTURE)) {
    console.log(`skip: ${FIXTURE} is absent; the committed models in src/core/crds are kept`);
    return;
  }
  const files = generate();
  let stale = 0;
  for (const [name, content] of files) {
    const target = path.join(OUT_DIR, name);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (current === content) continue;
    if (check) {
      console.error(`stale: src/core/crds/${name} (run: ts-node scripts/gen-crd-types.ts)`);
      stale++;
    } else {
      fs.mkdirSync(OUT_DIR, { recursive: true });
      fs.writeFileSync(target, content);
      console.log(`wrote src/core/crds/${name}`);
    }
  }
  if (stale > 0) process.exit(1);
}

if (require.main === module) main();
