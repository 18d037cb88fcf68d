/** The cluster side of mesh expansion: `ExternalWorkload` objects and Services over pods and VMs. */
export * from './external-workload';
export * from './services';
