/**
 * The mesh's identity: certificate checks, the identity modes, the webhook certificates and the
 * objects that carry them. (Key generation lives in `./generate`, used by the CLI only.)
 */
export * from './certificates';
export * from './files';
export * from './mesh-identity';
export * from './webhook-certificates';
export * from './objects';
export * from './cert-manager-rotation';
