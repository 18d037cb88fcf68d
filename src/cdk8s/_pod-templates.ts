/**
 * Internal: the one way this entry point annotates where the proxy reads an annotation: a cdk8s-plus
 * workload's pod metadata, a Namespace's or Pod's own metadata, or the pod template of an
 * `ApiObject` workload (through JSON patches: its body is not otherwise reachable). Used by
 * `MeshInjection` and `annotateDefaultInboundPolicy`.
 */
import { ApiObject, ApiObjectMetadataDefinition, JsonPatch } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { Issues } from '../core/errors';
import { podTemplatePath } from '../core/mesh/injection';

/** What to say when the target holds no pod template. */
export interface NotAPodTemplate {
  /** The field named in the message (`kind`, `target`). */
  readonly field: string;
  /** What was expected. */
  readonly expected: string;
}

function pointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** True for a cdk8s-plus workload (anything with pod metadata). */
export function hasPodMetadata(x: unknown): x is { readonly podMetadata: ApiObjectMetadataDefinition } {
  return typeof x === 'object' && x !== null && 'podMetadata' in x && (x as { podMetadata?: unknown }).podMetadata instanceof ApiObjectMetadataDefinition;
}

/**
 * Adds `annotations` where Linkerd reads them for `target`; throws a `ValidationError` naming
 * `notTemplate.field` when `target` is none of the kinds that have one.
 */
export function annotatePodTemplateOf(target: IConstruct, annotations: Record<string, string>, notTemplate: NotAPodTemplate): void {
  if (hasPodMetadata(target)) {
    for (const [k, v] of Object.entries(annotations)) target.podMetadata.addAnnotation(k, v);
    return;
  }
  const api = target instanceof ApiObject ? target : ApiObject.of(target);
  const path = podTemplatePath(api.kind);
  if (!path) {
    const issues = new Issues(target.node.path);
    issues.error(notTemplate.field, api.kind, notTemplate.expected);
    issues.throwIfErrors();
  }
  if (path!.length === 0) {
    for (const [k, v] of Object.entries(annotations)) api.metadata.addAnnotation(k, v);
    return;
  }
  let node: any = api.toJson();
  for (const seg of path!) node = node?.[seg];
  const base = '/' + path!.join('/');
  if (!node?.metadata) {
    api.addJsonPatch(JsonPatch.add(`${base}/metadata`, { annotations }));
  } else if (!node.metadata.annotations) {
    api.addJsonPatch(JsonPatch.add(`${base}/metadata/annotations`, annotations));
  } else {
    api.addJsonPatch(...Object.entries(annotations).map(([k, v]) => JsonPatch.add(`${base}/metadata/annotations/${pointer(k)}`, v)));
  }
}
