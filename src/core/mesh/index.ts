/** The mesh: props, chart values, namespaces, extensions, the plan, and workload meshing. */
export * from './props';
export * from './values';
export * from './gateway-api';
export * from './namespace';
export * from './extensions';
export * from './plan';
export * from './injection';
export * from './delivery';
