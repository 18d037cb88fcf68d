/**
 * Namespaces of the mesh. The charts do not create their namespace (Helm installs into an existing
 * one), so the mesh creates them, with the labels and annotation `linkerd install` gives them.
 */
import { ANNOTATIONS, LABELS } from '../constants';
import type { Namespace } from '../k8s';

/**
 * The control plane namespace: `linkerd.io/is-control-plane: "true"`, webhooks disabled for it,
 * `linkerd.io/control-plane-ns`, privileged pod security (proxy-init needs NET_ADMIN) and
 * `linkerd.io/inject: disabled` (the control plane injects its own proxies).
 */
export function controlPlaneNamespace(name: string): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        [LABELS.isControlPlane]: 'true',
        [LABELS.admissionWebhooks]: 'disabled',
        [LABELS.controlPlaneNs]: name,
        [LABELS.podSecurityEnforce]: 'privileged',
      },
      annotations: { [ANNOTATIONS.inject]: 'disabled' },
    },
  };
}

/** An extension's namespace (`linkerd.io/extension: <name>`, privileged pod security). */
export function extensionNamespace(name: string, extension: 'viz' | 'jaeger'): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { [LABELS.extension]: extension, [LABELS.podSecurityEnforce]: 'privileged' } },
  };
}

/** The CNI plugin's namespace (no webhooks, privileged: the DaemonSet writes host files). */
export function cniNamespace(name: string): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        'linkerd.io/cni-resource': 'true',
        [LABELS.admissionWebhooks]: 'disabled',
        [LABELS.podSecurityEnforce]: 'privileged',
      },
    },
  };
}
