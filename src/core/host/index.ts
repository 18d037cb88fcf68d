/** The host side of mesh expansion: a provisioning plan for a VM, and its shell bundle and cloud-init. */
export * from './types';
export * from './props';
export * from './layout';
export * from './resolve';
export * from './hcl';
export { shQuote } from './shell';
export * from './spire';
export * from './spire-agent';
export * from './proxy';
export * from './iptables';
export * from './readiness';
export * from './readiness-reporter';
export * from './preflight';
export * from './plan';
export * from './bundle';
export * from './remote';
export * from './spire-server-host';
