/**
 * Label selector reasoning: validity, matching a label set, and implication ("every object this
 * selector matches is matched by that one"), which the Server overlap check is built on.
 */
import type { Issues } from '../errors';
import type { LabelSelector } from '../k8s';
import { isLabelKey, isLabelValue, LABEL_KEY_RULE, LABEL_VALUE_RULE } from '../validation';

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

/** True when the labels satisfy the selector. An empty selector matches everything. */
export function selectorMatches(selector: NormalizedSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, c] of selector) {
    const present = Object.prototype.hasOwnProperty.call(labels, key);
    const value = labels[key];
    if (c.notExists) {
      if (present) return false;
      continue;
    }
    if ((c.exists || c.in) && !present) return false;
    if (c.in && !c.in.has(value)) return false;
    if (present && c.notIn.has(value)) return false;
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

/** Renders a selector compactly for messages, e.g. `app=web,tier in (a,b)`. */
export function describeSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions ?? []) {
    if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
    else parts.push(`${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${(r.values ?? []).join(',')})`);
  }
  return parts.length === 0 ? '<everything>' : parts.join(',');
}
