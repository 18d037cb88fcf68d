/**
 * The overlap check of Servers: two Servers in the same namespace, both selecting pods (or both
 * external workloads), on the same port (the same number or the same name; on a workload known to
 * either side, a port name and its number are the same port), such that
 *  - one selector implies the other (every label set the narrower one matches, the broader one
 *    matches too; identical selectors and select-everything selectors included), or
 *  - a workload known to either side (passed as the workload of a `MeshAuthorization`) has pod labels
 *    both selectors match.
 * Selectors that could only overlap on pods nobody declared (e.g. `app=web` and `tier=front`) are not
 * reported: whether such pods exist is not knowable at synthesis. Everything is indexed by namespace,
 * port and pinned labels, so checking N Servers costs about N lookups, not N² comparisons.
 */
import type { ValidationIssue } from '../errors';
import type { LabelSelector } from '../k8s';
import { compileSelector, formatLabelSelector, isSatisfiable, normalizeSelector, pinnedPairs, selectorImplies, type NormalizedSelector } from '../selectors';
import type { WorkloadPort } from './workload';

/** What is known about the workload a Server governs: ports resolve names, labels prove overlaps. */
export interface KnownWorkload {
  readonly ports?: readonly WorkloadPort[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly description?: string;
}

/** A Server as the overlap index sees it. */
export interface ServerEntry {
  /** Who emits it. */
  readonly owner: string;
  /** Namespace. */
  readonly namespace: string;
  /** Name. */
  readonly name: string;
  /** Pods or external workloads. */
  readonly selectorKind: 'pod' | 'externalWorkload';
  /** Its selector. */
  readonly selector: LabelSelector;
  /** Its port. */
  readonly port: number | string;
  /** What is known about the governed workload. */
  readonly workload?: KnownWorkload;
}

/** Two Servers governing the same pods and port. */
export interface ServerOverlap {
  /** The Server added first. */
  readonly first: ServerEntry;
  /** The Server added later. */
  readonly second: ServerEntry;
  /** Why they overlap, as a sentence fragment. */
  readonly reason: string;
}

interface Indexed {
  readonly entry: ServerEntry;
  readonly pairs: string[];
  readonly knownPairs?: string[];
  /** The normalized selector, computed when a candidate needs it. */
  norm?: NormalizedSelector;
  satisfiable?: boolean;
}

interface Bucket {
  readonly all: Indexed[];
  readonly byPairSet: Map<string, Indexed[]>;
  readonly byPair: Map<string, Indexed[]>;
  readonly byKnownPair: Map<string, Indexed[]>;
  readonly withKnown: Indexed[];
}

const MAX_SUBSET_PAIRS = 12;
const NO_INDEXED: readonly Indexed[] = [];

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Calls `fn` with the key of every subset of the (sorted) pairs, in sorted order. */
function forEachSubsetKey(pairs: readonly string[], fn: (key: string) => void, start = 0, prefix = ''): void {
  fn(prefix);
  for (let i = start; i < pairs.length; i++) forEachSubsetKey(pairs, fn, i + 1, prefix === '' ? pairs[i] : `${prefix}\u0000${pairs[i]}`);
}

function smallest(map: Map<string, Indexed[]>, keys: readonly string[]): readonly Indexed[] {
  let best: readonly Indexed[] | undefined;
  for (const k of keys) {
    const list = map.get(k) ?? NO_INDEXED;
    if (!best || list.length < best.length) best = list;
  }
  return best ?? NO_INDEXED;
}

function sortedPairs(labels: Readonly<Record<string, string>>): string[] {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`);
}

function normalized(i: Indexed): NormalizedSelector {
  if (!i.norm) {
    i.norm = normalizeSelector(i.entry.selector);
    i.satisfiable = isSatisfiable(i.norm);
  }
  return i.norm;
}

function serverLabel(e: ServerEntry): string {
  return `Server ${e.namespace}/${e.name}${e.owner ? ` (${e.owner})` : ''}`;
}

/** Finds overlapping Servers, one at a time (see the module documentation for what counts). */
export class ServerOverlapIndex {
  private readonly buckets = new Map<string, Bucket>();

  /** Adds a Server; returns its overlaps with the Servers added before. */
  public add(entry: ServerEntry): ServerOverlap[] {
    const sel = entry.selector;
    const labels = entry.workload?.labels;
    const knownPairs = labels && Object.keys(labels).length > 0 ? sortedPairs(labels) : undefined;
    // matchLabels-only selectors (the common case) pin exactly their labels
    const simple = !sel.matchExpressions || sel.matchExpressions.length === 0;
    const pairs = simple ? sortedPairs(sel.matchLabels ?? {}) : pinnedPairs(normalizeSelector(sel));
    const me: Indexed = { entry, pairs, knownPairs };
    const overlaps: ServerOverlap[] = [];
    let seen: Set<Indexed> | undefined;
    const consider = (other: Indexed) => {
      if (other.entry === entry) return;
      seen ??= new Set();
      if (seen.has(other)) return;
      seen.add(other);
      const reason = overlapReason(other, me);
      if (reason) overlaps.push({ first: other.entry, second: entry, reason });
    };
    for (const key of this.portKeys(entry)) {
      let bucket = this.buckets.get(key);
      if (!bucket) {
        bucket = { all: [], byPairSet: new Map(), byPair: new Map(), byKnownPair: new Map(), withKnown: [] };
        this.buckets.set(key, bucket);
      }
      this.candidates(bucket, me, consider);
      bucket.all.push(me);
      push(bucket.byPairSet, me.pairs.join('\u0000'), me);
      for (const p of me.pairs) push(bucket.byPair, p, me);
      if (me.knownPairs) {
        bucket.withKnown.push(me);
        for (const p of me.knownPairs) push(bucket.byKnownPair, p, me);
      }
    }
    return overlaps;
  }

  private portKeys(entry: ServerEntry): string[] {
    const base = `${entry.namespace}|${entry.selectorKind}|`;
    const first = `${base}${entry.port}`;
    const ports = entry.workload?.ports;
    if (!ports || ports.length === 0) return [first];
    // on a known workload, a port name and its number are the same port
    const keys = new Set([first]);
    const n = typeof entry.port === 'number' ? entry.port : ports.find((p) => p.name === entry.port)?.port;
    if (n !== undefined) {
      keys.add(`${base}${n}`);
      for (const p of ports) if (p.port === n && p.name) keys.add(`${base}${p.name}`);
    }
    return [...keys];
  }

  private candidates(bucket: Bucket, me: Indexed, consider: (other: Indexed) => void): void {
    const bySubsets = (pairs: readonly string[]) => {
      if (pairs.length > MAX_SUBSET_PAIRS) bucket.all.forEach(consider);
      else forEachSubsetKey(pairs, (key) => bucket.byPairSet.get(key)?.forEach(consider));
    };
    // Servers at least as broad as me: their pinned pairs are a subset of mine
    bySubsets(me.pairs);
    // Servers at least as narrow as me: they pin every pair I pin
    (me.pairs.length === 0 ? bucket.all : smallest(bucket.byPair, me.pairs)).forEach(consider);
    // Servers matching my known pods
    if (me.knownPairs) bySubsets(me.knownPairs);
    // Servers whose known pods I match
    (me.pairs.length === 0 ? bucket.withKnown : smallest(bucket.byKnownPair, me.pairs)).forEach(consider);
  }
}

function overlapReason(a: Indexed, b: Indexed): string | undefined {
  const an = normalized(a);
  const bn = normalized(b);
  const aImpliesB = a.satisfiable === true && selectorImplies(an, bn);
  const bImpliesA = b.satisfiable === true && selectorImplies(bn, an);
  if (aImpliesB && bImpliesA) return `selects the same ${a.entry.selectorKind === 'pod' ? 'pods' : 'external workloads'} (${describeSelector(a.entry.selector)})`;
  if (bImpliesA) return `selects every pod this one selects (its selector ${describeSelector(a.entry.selector)} is broader than ${describeSelector(b.entry.selector)})`;
  if (aImpliesB) return `selects only pods this one selects too (this selector ${describeSelector(b.entry.selector)} is broader than its ${describeSelector(a.entry.selector)})`;
  const [aSelector, bSelector] = [compileSelector(a.entry.selector), compileSelector(b.entry.selector)];
  for (const known of [b, a]) {
    const labels = known.entry.workload?.labels;
    if (labels && Object.keys(labels).length > 0 && aSelector.matches(labels) && bSelector.matches(labels)) {
      return `also selects the pods of ${known.entry.workload?.description ?? `the workload labelled ${JSON.stringify(labels)}`}`;
    }
  }
  return undefined;
}

/** The issue reported on the later of two overlapping Servers. */
export function overlapIssue(o: ServerOverlap): ValidationIssue {
  return {
    scope: o.second.owner,
    field: 'workload',
    value: describeSelector(o.second.selector),
    allowed:
      `expected pods no other Server governs on port ${o.second.port}: ${serverLabel(o.first)} ${o.reason}. ` +
      'Linkerd requires Servers not to overlap on a pod and port (its admission webhook rejects identical and select-everything selectors)',
    severity: 'error',
  };
}

// ---------------------------------------------------------------------------------------------

/** A Server's selector in messages (`<everything>` when it selects every pod). */
function describeSelector(selector: LabelSelector): string {
  return formatLabelSelector(selector, '<everything>');
}
