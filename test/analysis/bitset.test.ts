/**
 * The analyzer's bit sets: iteration (a reused result object, no generator) and `forEach` agree with
 * a plain set of numbers, across word boundaries and at the edges.
 */
import { Bitset } from '../../src/core/analysis/bitset';

/** A deterministic pseudo-random sequence (no flaky inputs). */
function lcg(seed: number): () => number {
  let x = seed % 2 ** 32;
  return () => {
    x = (x * 1664525 + 1013904223) % 2 ** 32;
    return x / 2 ** 32;
  };
}

describe('Bitset', () => {
  test('iteration and forEach list exactly the indices added, ascending', () => {
    const random = lcg(7);
    for (const size of [0, 1, 31, 32, 33, 64, 65, 1000]) {
      for (const density of [0, 0.05, 0.5, 1]) {
        const expected = Array.from({ length: size }, (_, i) => i).filter(() => density === 1 || random() < density);
        const set = Bitset.of(size, expected);
        expect([...set]).toEqual(expected);
        expect(set.toArray()).toEqual(expected);
        const seen: number[] = [];
        set.forEach((i) => seen.push(i));
        expect(seen).toEqual(expected);
        expect(set.count()).toBe(expected.length);
        expect(set.isEmpty()).toBe(expected.length === 0);
      }
    }
  });

  test('an iterator is independent of others and ends for good', () => {
    const set = Bitset.of(70, [0, 31, 32, 69]);
    const a = set[Symbol.iterator]();
    const b = set[Symbol.iterator]();
    expect(a.next().value).toBe(0);
    expect(a.next().value).toBe(31);
    expect(b.next().value).toBe(0);
    expect([...a]).toEqual([32, 69]);
    expect(a.next().done).toBe(true);
    expect([...b]).toEqual([31, 32, 69]);
    expect(Bitset.full(70).toArray()).toHaveLength(70);
  });

  test('set operations', () => {
    const a = Bitset.of(100, [1, 2, 40, 99]);
    const b = Bitset.of(100, [2, 40, 50]);
    expect(a.and(b).toArray()).toEqual([2, 40]);
    expect(a.minus(b).toArray()).toEqual([1, 99]);
    expect(a.clone().orWith(b).toArray()).toEqual([1, 2, 40, 50, 99]);
    expect(Bitset.of(100, [2, 40]).subsetOf(a)).toBe(true);
    expect(b.subsetOf(a)).toBe(false);
    expect(a.has(99) && !a.has(98)).toBe(true);
  });
});
