/**
 * Reading Kubernetes manifests as the analyzer meets them: multi-document YAML written by cdk8s,
 * `helm template` output (with its `# Source:` comments), `kubectl get -o yaml` output (`kind: List`
 * with `items`), and JSON (which is YAML).
 */
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../k8s';

/** A problem met while reading manifests. */
export interface ManifestProblem {
  /** Where: the source name and document number (1-based). */
  readonly where: string;
  /** What is wrong. */
  readonly message: string;
}

/** Objects read from one or more sources, with what could not be read. */
export interface ParsedManifests {
  /** Every Kubernetes object, `List`s flattened, in reading order. */
  readonly objects: KubeObject[];
  /** Documents that were not Kubernetes objects or not valid YAML. */
  readonly problems: ManifestProblem[];
  /** Number of YAML documents read (non-empty). */
  readonly documents: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Flattens `List` kinds (`kind: List` and `*List` with `items`) recursively. */
export function flattenLists(doc: unknown, where: string, out: KubeObject[], problems: ManifestProblem[]): void {
  if (!isObject(doc)) {
    problems.push({ where, message: 'not a mapping (expected a Kubernetes object)' });
    return;
  }
  const kind = doc.kind;
  if (typeof kind === 'string' && (kind === 'List' || kind.endsWith('List')) && Array.isArray(doc.items)) {
    doc.items.forEach((item, i) => flattenLists(item, `${where} items[${i}]`, out, problems));
    return;
  }
  if (typeof doc.apiVersion !== 'string' || typeof kind !== 'string') {
    problems.push({ where, message: 'missing apiVersion or kind (not a Kubernetes object)' });
    return;
  }
  const metadata = isObject(doc.metadata) ? doc.metadata : {};
  out.push({ ...(doc as object), metadata } as unknown as KubeObject);
}

/**
 * Parses one source's text.
 *
 * @param text   YAML or JSON, one or more documents
 * @param source name used in problems (a file path, `-` for standard input)
 */
export function parseManifests(text: string, source = '<input>'): ParsedManifests {
  const objects: KubeObject[] = [];
  const problems: ManifestProblem[] = [];
  let documents = 0;
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((d, i) => {
    const where = `${source} document ${i + 1}`;
    if (d.errors && d.errors.length > 0) {
      problems.push({ where, message: `invalid YAML: ${d.errors[0].message.split('\n')[0]}` });
      return;
    }
    const value = d.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) return;
    documents++;
    flattenLists(value, where, objects, problems);
  });
  return { objects, problems, documents };
}

/** Merges several parsed sources (in order). */
export function mergeManifests(parts: readonly ParsedManifests[]): ParsedManifests {
  return {
    objects: parts.flatMap((p) => p.objects),
    problems: parts.flatMap((p) => p.problems),
    documents: parts.reduce((n, p) => n + p.documents, 0),
  };
}
