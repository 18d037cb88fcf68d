/**
 * Checks against upstream material that several suites share: the `linkerd.io` annotation and label
 * names upstream defines (`annotations-and-labels.txt` of the fixtures, from linkerd2
 * `pkg/k8s/labels.go` and the charts), the images objects pull, and the form of private keys in
 * Secrets.
 */
import { readFixture } from './fixtures';

/** Upstream's names: name → deprecated? */
export function upstreamLinkerdNames(): Map<string, boolean> {
  const names = new Map<string, boolean>();
  for (const raw of readFixture('linkerd-edge-26.8.3/annotations-and-labels.txt').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [name, flag] = line.split(/\s+/);
    names.set(name, flag === 'deprecated');
  }
  return names;
}

/** True for a name in a Linkerd-owned prefix (`linkerd.io/...`, `config.linkerd.io/...`, ...). */
export function isLinkerdName(name: string): boolean {
  const prefix = name.split('/')[0];
  return name.includes('/') && (prefix === 'linkerd.io' || prefix.endsWith('.linkerd.io'));
}

/** Every metadata map (labels, annotations) of an object, its pod template and its job template. */
function metadataMaps(obj: any): Array<{ where: string; map: Record<string, string> }> {
  const out: Array<{ where: string; map: Record<string, string> }> = [];
  const visit = (meta: any, where: string) => {
    if (!meta) return;
    if (meta.labels) out.push({ where: `${where} label`, map: meta.labels });
    if (meta.annotations) out.push({ where: `${where} annotation`, map: meta.annotations });
  };
  const id = `${obj.kind}/${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}`;
  visit(obj.metadata, id);
  visit(obj.spec?.template?.metadata, `${id} pod template`);
  visit(obj.spec?.jobTemplate?.metadata, `${id} job template`);
  visit(obj.spec?.jobTemplate?.spec?.template?.metadata, `${id} job pod template`);
  return out;
}

/** Annotation and label names under `linkerd.io` that upstream does not define, or deprecates. */
export function linkerdNameProblems(objects: readonly unknown[]): string[] {
  const known = upstreamLinkerdNames();
  const problems = new Set<string>();
  for (const obj of objects) {
    for (const { where, map } of metadataMaps(obj)) {
      for (const name of Object.keys(map)) {
        if (!isLinkerdName(name)) continue;
        if (!known.has(name)) problems.add(`${where} ${name}: not an upstream name`);
        else if (known.get(name)) problems.add(`${where} ${name}: deprecated upstream`);
      }
    }
  }
  return [...problems];
}

/** Every container image of every pod spec (containers, init containers, ephemeral containers). */
export function imagesOf(objects: readonly unknown[]): Array<{ object: string; image: string }> {
  const out: Array<{ object: string; image: string }> = [];
  const walk = (node: unknown, object: string) => {
    if (Array.isArray(node)) {
      node.forEach((n) => walk(n, object));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'containers' || k === 'initContainers' || k === 'ephemeralContainers') && Array.isArray(v)) {
        for (const c of v) if (typeof c?.image === 'string') out.push({ object, image: c.image });
      }
      walk(v, object);
    }
  };
  for (const o of objects as any[]) walk(o.spec, `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`);
  // the proxy the injector adds to every meshed pod: its image name in the control plane's config
  for (const o of objects as any[]) {
    if (o.kind === 'ConfigMap' && o.metadata?.name === 'linkerd-config' && typeof o.data?.values === 'string') {
      for (const m of o.data.values.matchAll(/^\s+name: (\S+\/(?:proxy|debug|controller))$/gm)) out.push({ object: 'ConfigMap linkerd-config values', image: m[1] });
    }
  }
  return out;
}

/** Secrets (or ConfigMaps) holding a SEC1 `EC PRIVATE KEY`, which the policy controller cannot load. */
export function sec1Keys(objects: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const o of objects as any[]) {
    const data: Record<string, string> = { ...(o.stringData ?? {}) };
    for (const [k, v] of Object.entries<string>(o.kind === 'Secret' ? o.data ?? {} : {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
    for (const [k, v] of Object.entries(data)) if (v.includes('BEGIN EC PRIVATE KEY')) out.push(`${o.kind}/${o.metadata?.namespace}/${o.metadata?.name} ${k}`);
  }
  return out;
}
