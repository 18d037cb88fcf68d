/**
 * A small writer for the HCL subset SPIRE's configuration files use: blocks (optionally labelled),
 * string / number / boolean attributes. The SPIRE configs are built as {@link HclBody} values first,
 * so tests can check every key against SPIRE's reference configuration.
 */

/** An attribute value. */
export type HclValue = string | number | boolean;

/** One entry of a body: an attribute or a (labelled) block. */
export type HclEntry =
  | { readonly kind: 'attr'; readonly key: string; readonly value: HclValue }
  | { readonly kind: 'block'; readonly key: string; readonly label?: string; readonly body: HclBody };

/** A block body: entries in order. */
export type HclBody = readonly HclEntry[];

/** An attribute entry. */
export function hclAttr(key: string, value: HclValue): HclEntry {
  return { kind: 'attr', key, value };
}

/** A block entry. */
export function hclBlock(key: string, body: HclBody, label?: string): HclEntry {
  return label === undefined ? { kind: 'block', key, body } : { kind: 'block', key, label, body };
}

/** Renders a body as HCL text (4-space indentation, strings JSON-quoted). */
export function renderHcl(body: HclBody, indent = 0): string {
  const pad = ' '.repeat(indent);
  return body
    .map((e) => {
      if (e.kind === 'attr') {
        const v = typeof e.value === 'string' ? JSON.stringify(e.value) : String(e.value);
        return `${pad}${e.key} = ${v}\n`;
      }
      const head = e.label === undefined ? e.key : `${e.key} ${JSON.stringify(e.label)}`;
      if (e.body.length === 0) return `${pad}${head} {}\n`;
      return `${pad}${head} {\n${renderHcl(e.body, indent + 4)}${pad}}\n`;
    })
    .join('');
}

/**
 * Every key path of a body: attributes as `a.b.key`, blocks as `a.b.Type "label"`, e.g.
 * `plugins.DataStore "sql".plugin_data.database_type`.
 */
export function hclKeyPaths(body: HclBody, prefix: string[] = []): string[] {
  const out: string[] = [];
  for (const e of body) {
    const name = e.kind === 'block' && e.label !== undefined ? `${e.key} "${e.label}"` : e.key;
    const p = [...prefix, name];
    out.push(p.join('.'));
    if (e.kind === 'block') out.push(...hclKeyPaths(e.body, p));
  }
  return out;
}
