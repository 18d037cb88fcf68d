import { ApiObject, JsonPatch } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { defaultInboundPolicyAnnotations } from '../core/authorization/default-policy';
import { ANNOTATIONS, type DefaultInboundPolicy } from '../core/constants';
import { Issues } from '../core/errors';
import { podTemplatePath } from '../core/mesh/injection';

interface PodMetadataHolder {
  readonly podMetadata?: { addAnnotation?: (key: string, value: string) => void };
}

/**
 * Sets Linkerd's default inbound policy (annotation `config.linkerd.io/default-inbound-policy`) on a
 * namespace or a workload of this app: a cdk8s-plus `Namespace` or workload (`Deployment`,
 * `StatefulSet`, ...), or an `ApiObject` of kind `Namespace`, `Pod` or a workload kind. On a
 * workload the annotation goes on the pod template, where the proxy reads it.
 *
 * It governs ports no `Server` selects; a `MeshAuthorization`'s `accessPolicy` governs its own port.
 */
export function annotateDefaultInboundPolicy(target: IConstruct, policy: DefaultInboundPolicy): void {
  const [key, value] = Object.entries(defaultInboundPolicyAnnotations(policy))[0];
  const holder = target as PodMetadataHolder;
  if (typeof holder.podMetadata?.addAnnotation === 'function') {
    holder.podMetadata.addAnnotation(key, value);
    return;
  }
  const api = ApiObject.of(target);
  if (api.kind === 'Namespace' || api.kind === 'Pod') {
    api.metadata.addAnnotation(key, value);
    return;
  }
  const path = podTemplatePath(api.kind);
  if (path && path.length > 0) {
    const template = `/${path.join('/')}`;
    let node: any = api.toJson();
    for (const seg of path) node = node?.[seg];
    const metadata = node?.metadata;
    if (metadata?.annotations) {
      api.addJsonPatch(JsonPatch.add(`${template}/metadata/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, value));
    } else if (metadata) {
      api.addJsonPatch(JsonPatch.add(`${template}/metadata/annotations`, { [key]: value }));
    } else {
      api.addJsonPatch(JsonPatch.add(`${template}/metadata`, { annotations: { [key]: value } }));
    }
    return;
  }
  const issues = new Issues(target.node.path);
  issues.error('target', api.kind, `expected a Namespace, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job or CronJob: Linkerd reads ${ANNOTATIONS.defaultInboundPolicy} only there`);
  issues.throwIfErrors();
}
