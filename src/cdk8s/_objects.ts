/**
 * Internal: turns the core's plain objects into cdk8s `ApiObject`s. Every construct of this entry
 * point goes through here, so ids and names are assigned one way.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { KubeObject } from '../core/k8s';

/** A construct id for an object: `Kind-namespace-name` (cdk8s ids may not contain `/`). */
export function objectId(obj: KubeObject): string {
  const ns = obj.metadata.namespace ? `${obj.metadata.namespace}-` : '';
  return `${obj.kind}-${ns}${obj.metadata.name}`;
}

/**
 * Adds one `ApiObject` per plain object under `scope`, with the name and namespace the core chose
 * (cdk8s's generated names are never used). Returns them in order.
 *
 * @param primary when given, the object at this index gets the id `Resource` (the escape hatch
 *   users reach with `construct.node.defaultChild`).
 */
export function addApiObjects(scope: Construct, objects: readonly KubeObject[], primary?: number): ApiObject[] {
  return objects.map((obj, i) => {
    const { apiVersion, kind, metadata, ...body } = obj;
    return new ApiObject(scope, i === primary ? 'Resource' : objectId(obj), { apiVersion, kind, metadata, ...body });
  });
}
