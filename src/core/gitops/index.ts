/** GitOps stages: ordered Flux Kustomizations or Argo CD Applications, and the check that plays them. */
export * from './stages';
