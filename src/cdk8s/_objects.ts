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
 * How the objects of a construct get their construct ids:
 * - `qualified`: `Kind-namespace-name` (constructs whose objects span namespaces);
 * - `by-kind`: the kind alone for the first object of a kind in the scope, `Kind-name` for the later
 *   ones (constructs whose objects share one namespace, built once per workload). Ids that repeat
 *   from one instance to the next keep synthesis fast: cdk8s walks the whole construct tree once per
 *   chart, and children stored under ids unique to each instance make every walk slower.
 */
export type ObjectIds = 'qualified' | 'by-kind';

/**
 * Adds one `ApiObject` per plain object under `scope`, with the name and namespace the core chose
 * (cdk8s's generated names are never used). Returns them in order.
 *
 * @param primary when given, the object at this index gets the id `Resource` (the escape hatch
 *   users reach with `construct.node.defaultChild`).
 * @param ids how the other objects get their ids.
 */
export function addApiObjects(scope: Construct, objects: readonly KubeObject[], primary?: number, ids: ObjectIds = 'qualified'): ApiObject[] {
  return objects.map((obj, i) => {
    const { apiVersion, kind, metadata, ...body } = obj;
    return new ApiObject(scope, i === primary ? 'Resource' : childId(scope, obj, ids), { apiVersion, kind, metadata, ...body });
  });
}

/** The id the next object added under `scope` gets (other than the primary). */
export function childId(scope: Construct, obj: KubeObject, ids: ObjectIds): string {
  if (ids === 'qualified') return objectId(obj);
  return scope.node.tryFindChild(obj.kind) ? `${obj.kind}-${obj.metadata.name}` : obj.kind;
}
