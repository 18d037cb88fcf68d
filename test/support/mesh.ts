/** The mesh the tests assume unless they say otherwise. */
import { meshInfoWithDefaults, type MeshInfo } from '../../src/core/mesh-info';

/** A mesh as `linkerd install` makes it by default, with `overrides`. */
export function defaultMesh(overrides: Partial<MeshInfo> = {}): MeshInfo {
  return meshInfoWithDefaults(overrides);
}
