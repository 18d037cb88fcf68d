/**
 * Deterministic, readable object names derived from the intent (`<server>-<source>`), always valid
 * DNS-1123 labels: long names are shortened and given a short hash of the full name, so two long
 * names that differ only at the end stay distinct.
 */
import { createHash } from 'crypto';

/** Longest name this library derives (a DNS-1123 label, so it also fits every Linkerd ref field). */
export const MAX_DERIVED_NAME = 63;

const SLUG_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Lowercases and replaces every run of characters a DNS label does not allow with `-`. */
export function slug(text: string): string {
  if (SLUG_RE.test(text)) return text;
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Joins slugged parts with `-`, shortened to {@link MAX_DERIVED_NAME} with a hash suffix when longer. */
export function deriveName(...parts: string[]): string {
  const full = parts.map(slug).filter((p) => p.length > 0).join('-');
  if (full.length <= MAX_DERIVED_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  const head = full.slice(0, MAX_DERIVED_NAME - hash.length - 1).replace(/-+$/, '');
  return `${head}-${hash}`;
}
