/**
 * Kubernetes label selectors, one engine for the whole core:
 *  - matching: {@link compileSelector} compiles once and evaluates many times (the analyzer's hot path,
 *    the Server overlap check's known pods);
 *  - reasoning: {@link normalizeSelector} turns a selector into one constraint per key, for
 *    satisfiability and implication ("every object this selector matches is matched by that one"),
 *    which the Server overlap check is built on;
 *  - validity ({@link checkLabelSelector}) and messages ({@link formatLabelSelector}).
 *
 * Semantics (as the API server implements them): `matchLabels` and `matchExpressions` are ANDed;
 * an empty selector `{}` matches everything; `In` needs the key with one of the values; `NotIn`
 * matches when the key is absent or its value is not listed; `Exists` / `DoesNotExist` test the key.
 */
import type { Issues } from './errors';
import type { LabelSelector } from './k8s';
import { isLabelKey, isLabelValue, LABEL_KEY_RULE, LABEL_VALUE_RULE } from './validation';

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

/** Renders a selector for messages: `app=web,tier in (a,b)`, or `whenEmpty` for one that selects everything. */
export function formatLabelSelector(sel: LabelSelector | undefined | null, whenEmpty = '(all)'): string {
  if (!sel) return whenEmpty;
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
  return parts.length > 0 ? parts.join(',') : whenEmpty;
}

/** What a selector requires of one label key. */
interface KeyConstraint {
  /** Allowed values (intersection of `In` sets and `matchLabels`), when any `In`/`matchLabels` applies. */
  in?: Set<string>;
  /** Forbidden values. */
  readonly notIn: Set<string>;
  /** The key must be present. */
  exists: boolean;
  /** The key must be absent. */
  notExists: boolean;
}

/** A selector as a map from label key to its constraint. */
export type NormalizedSelector = ReadonlyMap<string, KeyConstraint>;

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** Records an issue for every malformed part of a label selector. Returns true when it is well formed. */
export function checkLabelSelector(issues: Issues, field: string, selector: LabelSelector | undefined): boolean {
  if (selector === null || typeof selector !== 'object' || Array.isArray(selector)) {
    issues.error(field, selector, 'expected a label selector { matchLabels?, matchExpressions? }');
    return false;
  }
  let ok = true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    ok = issues.check(isLabelKey(key), `${field}.matchLabels key`, key, LABEL_KEY_RULE) && ok;
    ok = issues.check(isLabelValue(value), `${field}.matchLabels["${key}"]`, value, LABEL_VALUE_RULE) && ok;
  }
  (selector.matchExpressions ?? []).forEach((req, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    ok = issues.check(isLabelKey(req?.key), `${at}.key`, req?.key, LABEL_KEY_RULE) && ok;
    if (!issues.check(OPERATORS.includes(req?.operator), `${at}.operator`, req?.operator, `expected one of ${OPERATORS.map((o) => `"${o}"`).join(', ')}`)) {
      ok = false;
      return;
    }
    const needsValues = req.operator === 'In' || req.operator === 'NotIn';
    const values = req.values ?? [];
    if (needsValues) {
      ok = issues.check(values.length > 0, `${at}.values`, req.values, `expected at least one value for operator ${req.operator}`) && ok;
    } else {
      ok = issues.check(values.length === 0, `${at}.values`, req.values, `expected no values for operator ${req.operator}`) && ok;
    }
    values.forEach((v, j) => {
      ok = issues.check(isLabelValue(v), `${at}.values[${j}]`, v, LABEL_VALUE_RULE) && ok;
    });
  });
  return ok;
}

/** Normalizes a selector to one constraint per key (requirements are ANDed). */
export function normalizeSelector(selector: LabelSelector): NormalizedSelector {
  const out = new Map<string, KeyConstraint>();
  const get = (key: string): KeyConstraint => {
    let c = out.get(key);
    if (!c) {
      c = { notIn: new Set(), exists: false, notExists: false };
      out.set(key, c);
    }
    return c;
  };
  const restrict = (c: KeyConstraint, values: readonly string[]) => {
    const next = new Set(values);
    c.in = c.in ? new Set([...c.in].filter((v) => next.has(v))) : next;
  };
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) restrict(get(key), [value]);
  for (const req of selector.matchExpressions ?? []) {
    const c = get(req.key);
    if (req.operator === 'In') restrict(c, req.values ?? []);
    else if (req.operator === 'NotIn') for (const v of req.values ?? []) c.notIn.add(v);
    else if (req.operator === 'Exists') c.exists = true;
    else c.notExists = true;
  }
  return out;
}

function allowed(c: KeyConstraint): string[] | undefined {
  return c.in ? [...c.in].filter((v) => !c.notIn.has(v)) : undefined;
}

/** True when some label set satisfies the selector (it is not self-contradictory). */
export function isSatisfiable(selector: NormalizedSelector): boolean {
  for (const c of selector.values()) {
    if (c.notExists && (c.in !== undefined || c.exists)) return false;
    const values = allowed(c);
    if (values !== undefined && values.length === 0) return false;
  }
  return true;
}

/**
 * True when every label set matching `a` also matches `b` (a is at least as narrow as b). Exact for
 * the four operators; an unsatisfiable `a` implies anything (callers check satisfiability).
 */
export function selectorImplies(a: NormalizedSelector, b: NormalizedSelector): boolean {
  for (const [key, cb] of b) {
    const ca = a.get(key);
    const aAllowed = ca ? allowed(ca) : undefined;
    const aAbsent = ca?.notExists === true;
    const aPresent = ca !== undefined && (ca.exists || ca.in !== undefined);
    if (cb.notExists && !aAbsent) return false;
    if (cb.exists && !aPresent) return false;
    if (cb.in) {
      if (aAllowed === undefined) return false;
      if (!aAllowed.every((v) => cb.in!.has(v))) return false;
    }
    if (cb.notIn.size > 0 && !aAbsent) {
      const excluded = aAllowed !== undefined ? aAllowed.every((v) => !cb.notIn.has(v)) : [...cb.notIn].every((v) => ca?.notIn.has(v));
      if (!excluded) return false;
    }
  }
  return true;
}

/**
 * The `key=value` pairs a selector pins (from `matchLabels`, or `In` with one value), sorted: an
 * index key for finding selectors that may be broader or narrower than another.
 */
export function pinnedPairs(selector: NormalizedSelector): string[] {
  const pairs: string[] = [];
  for (const [key, c] of selector) {
    const values = allowed(c);
    if (values && values.length === 1 && !c.notExists) pairs.push(`${key}=${values[0]}`);
  }
  return pairs.sort();
}
