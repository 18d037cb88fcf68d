/**
 * Kubernetes label selectors, compiled once and evaluated many times.
 *
 * Semantics (as the API server implements them): `matchLabels` and `matchExpressions` are ANDed;
 * an empty selector `{}` matches everything; `In` needs the key with one of the values; `NotIn`
 * matches when the key is absent or its value is not listed; `Exists` / `DoesNotExist` test the key.
 */
import type { LabelSelector } from '../k8s';

/** Labels of a pod or namespace. */
export type Labels = Readonly<Record<string, string>>;

/** A selector compiled for repeated evaluation. */
export interface CompiledSelector {
  /** True for `{}` (matches everything). */
  readonly matchesAll: boolean;
  /** `key=value` pairs every match carries (from `matchLabels` and single-value `In`); used for indexing. */
  readonly requiredPairs: readonly string[];
  /** Canonical text (stable key order), for caching and messages. */
  readonly key: string;
  /** Evaluates the selector. */
  matches(labels: Labels): boolean;
}

/** Code-point order: deterministic and locale-independent (used for every sort of the analyzer). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A label pair as an index key. */
export function pairKey(key: string, value: string): string {
  return `${key}=${value}`;
}

/** Canonical JSON of a selector (sorted keys and values), usable as a cache key. */
export function selectorKey(sel: LabelSelector | undefined | null): string {
  if (!sel) return '<none>';
  const ml = Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const me = (sel.matchExpressions ?? [])
    .map((e) => `${e.key} ${e.operator} ${[...(e.values ?? [])].sort().join(',')}`)
    .sort();
  return JSON.stringify([ml, me]);
}

/** Compiles a selector. `undefined`/`null` compile to "matches everything" (callers decide what absence means). */
export function compileSelector(sel: LabelSelector | undefined | null): CompiledSelector {
  const matchLabels = Object.entries(sel?.matchLabels ?? {});
  const exprs = (sel?.matchExpressions ?? []).map((e) => ({ key: e.key, operator: e.operator, values: new Set(e.values ?? []) }));
  const requiredPairs = matchLabels.map(([k, v]) => pairKey(k, String(v)));
  for (const e of exprs) {
    if (e.operator === 'In' && e.values.size === 1) requiredPairs.push(pairKey(e.key, [...e.values][0]));
  }
  const matchesAll = matchLabels.length === 0 && exprs.length === 0;
  const key = selectorKey(sel);
  const matches = (labels: Labels): boolean => {
    for (const [k, v] of matchLabels) if (labels[k] !== String(v)) return false;
    for (const e of exprs) {
      const has = Object.prototype.hasOwnProperty.call(labels, e.key);
      switch (e.operator) {
        case 'In':
          if (!has || !e.values.has(labels[e.key])) return false;
          break;
        case 'NotIn':
          if (has && e.values.has(labels[e.key])) return false;
          break;
        case 'Exists':
          if (!has) return false;
          break;
        case 'DoesNotExist':
          if (has) return false;
          break;
        default:
          // an unknown operator is rejected by the API server; it matches nothing here
          return false;
      }
    }
    return true;
  };
  return { matchesAll, requiredPairs, matches, key };
}

/** Evaluates a selector once (convenience for single checks and tests). */
export function labelSelectorMatches(sel: LabelSelector | undefined | null, labels: Labels): boolean {
  return compileSelector(sel).matches(labels);
}

/** Renders a selector for messages: `app=web,tier in (a,b)` or `(all)`. */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  if (!sel) return '(all)';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    switch (e.operator) {
      case 'Exists':
        parts.push(e.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
      default:
        parts.push(`${e.key} ${e.operator.toLowerCase() === 'in' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`);
    }
  }
  return parts.length > 0 ? parts.join(',') : '(all)';
}
