/**
 * Fixed-size bit sets over the analysis' pod classes. Whole sets of sources or destinations are
 * combined with word operations, which keeps "every meshed workload to every meshed workload"
 * checks near-linear in practice instead of comparing pairs one by one.
 */
/* eslint-disable no-bitwise -- bit sets are word operations */
export class Bitset {
  /** An empty set of `size` bits. */
  public static empty(size: number): Bitset {
    return new Bitset(size, new Uint32Array((size + 31) >>> 5));
  }

  /** The set of all `size` bits. */
  public static full(size: number): Bitset {
    const b = Bitset.empty(size);
    b.words.fill(0xffffffff);
    b.trim();
    return b;
  }

  /** A set holding the given indices. */
  public static of(size: number, indices: Iterable<number>): Bitset {
    const b = Bitset.empty(size);
    for (const i of indices) b.add(i);
    return b;
  }

  private constructor(
    /** Number of bits. */
    public readonly size: number,
    private readonly words: Uint32Array,
  ) {}

  /** Adds one index. */
  public add(i: number): this {
    this.words[i >>> 5] |= 1 << (i & 31);
    return this;
  }

  /** Removes one index. */
  public delete(i: number): this {
    this.words[i >>> 5] &= ~(1 << (i & 31));
    return this;
  }

  /** True when the index is in the set. */
  public has(i: number): boolean {
    return (this.words[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  /** A copy. */
  public clone(): Bitset {
    return new Bitset(this.size, this.words.slice());
  }

  /** In place: this |= other. */
  public orWith(other: Bitset): this {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) w[i] |= o[i];
    return this;
  }

  /** In place: this &= other. */
  public andWith(other: Bitset): this {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) w[i] &= o[i];
    return this;
  }

  /** In place: this &= ~other. */
  public andNotWith(other: Bitset): this {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) w[i] &= ~o[i];
    return this;
  }

  /** A new set: this & ~other. */
  public minus(other: Bitset): Bitset {
    return this.clone().andNotWith(other);
  }

  /** A new set: this & other. */
  public and(other: Bitset): Bitset {
    return this.clone().andWith(other);
  }

  /** True when no bit is set. */
  public isEmpty(): boolean {
    for (let i = 0; i < this.words.length; i++) if (this.words[i] !== 0) return false;
    return true;
  }

  /** True when every bit of this set is also in `other`. */
  public subsetOf(other: Bitset): boolean {
    for (let i = 0; i < this.words.length; i++) if ((this.words[i] & ~other.words[i]) !== 0) return false;
    return true;
  }

  /** Number of bits set. */
  public count(): number {
    let n = 0;
    for (let i = 0; i < this.words.length; i++) {
      let v = this.words[i];
      v -= (v >>> 1) & 0x55555555;
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return n;
  }

  /** The indices set, ascending (one result object reused per iteration: nothing allocated per index). */
  public [Symbol.iterator](): IterableIterator<number> {
    return new BitsetIterator(this.words);
  }

  /** Calls `fn` with every index set, ascending. */
  public forEach(fn: (i: number) => void): void {
    const words = this.words;
    for (let wi = 0; wi < words.length; wi++) {
      let v = words[wi];
      while (v !== 0) {
        const low = v & -v;
        fn((wi << 5) + 31 - Math.clz32(low));
        v ^= low;
      }
    }
  }

  /** The indices set, ascending, as an array. */
  public toArray(): number[] {
    return [...this];
  }

  private trim(): void {
    const extra = this.words.length * 32 - this.size;
    if (extra > 0 && this.words.length > 0) this.words[this.words.length - 1] >>>= extra;
  }
}

/** Iterates the bits of a word array; its result object is reused for every index. */
class BitsetIterator implements IterableIterator<number> {
  private wi = 0;
  private word: number;
  private readonly result: { done: boolean; value: number } = { done: false, value: 0 };

  public constructor(private readonly words: Uint32Array) {
    this.word = words.length > 0 ? words[0] : 0;
  }

  public next(): IteratorResult<number> {
    const words = this.words;
    while (this.word === 0) {
      if (++this.wi >= words.length) {
        this.result.done = true;
        this.result.value = 0;
        return this.result as IteratorResult<number>;
      }
      this.word = words[this.wi];
    }
    const low = this.word & -this.word;
    this.word ^= low;
    this.result.value = (this.wi << 5) + 31 - Math.clz32(low);
    return this.result as IteratorResult<number>;
  }

  public [Symbol.iterator](): IterableIterator<number> {
    return this;
  }
}
