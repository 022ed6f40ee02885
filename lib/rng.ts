/**
 * Seeded, splittable pseudorandom streams.
 *
 * The generator is xoshiro128** (Blackman & Vigna): four 32-bit words of state, 32-bit integer
 * operations only, which V8 compiles to plain machine instructions. Doubles take 53 random bits from
 * two outputs, so every double in [0, 1) of the form k / 2^53 can occur.
 *
 * Streams are identified by a key path. `Rng.create(seed).stream('env', 3)` is a pure function of
 * (seed, 'env', 3): it does not depend on how many numbers the parent has drawn, so adding a new
 * stream somewhere never shifts the numbers of another (the same idea as NumPy's SeedSequence.spawn).
 * `split()` is the dynamic alternative: it draws a fresh key from the parent's output.
 */

export type StreamKey = string | number;

const GOLDEN = 0x9e3779b9;

/** murmur3's 32-bit finaliser: a bijective avalanche mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Absorbs a word into a running 32-bit hash (murmur3 body step). */
function absorb(hash: number, word: number): number {
  let k = Math.imul(word >>> 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  hash ^= k;
  hash = (hash << 13) | (hash >>> 19);
  return (Math.imul(hash, 5) + 0xe6546b64) >>> 0;
}

/** Splits a key part into 32-bit words; strings are tagged so 'env' and a number never collide. */
function keyWords(part: StreamKey): number[] {
  if (typeof part === 'number') {
    if (!Number.isInteger(part) || part < 0 || part > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(`stream key must be a non-negative safe integer or a string, got ${part}`);
    }
    return [0x6e756d00, part >>> 0, Math.floor(part / 4294967296) >>> 0];
  }
  const words = [0x73747200, part.length];
  for (let i = 0; i < part.length; i++) words.push(part.charCodeAt(i));
  return words;
}

export function validateSeed(seed: number, name = 'seed'): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`${name} must be a non-negative integer up to 2^53-1, got ${seed}`);
  }
  return seed;
}

/** A fresh seed from the operating system's entropy, for callers that asked for no seed. */
export function entropySeed(): number {
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  return (words[0]! & 0x1fffff) * 4294967296 + words[1]!;
}

export class Rng {
  /** The 4-word xoshiro state. */
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Key words identifying this stream; children extend them. */
  readonly key: readonly number[];
  /** The root seed this stream descends from (for logs and reproduction). */
  readonly seed: number;
  /** The key path this stream was derived with, for display. */
  readonly path: readonly StreamKey[];

  private constructor(seed: number, key: readonly number[], path: readonly StreamKey[]) {
    this.seed = seed;
    this.key = key;
    this.path = path;
    this.seedState(key);
  }

  /** The root stream of a seed. */
  static create(seed: number): Rng {
    validateSeed(seed);
    return new Rng(seed, [seed >>> 0, Math.floor(seed / 4294967296) >>> 0], []);
  }

  /** An independent child stream named by `parts`; a pure function of this stream's key and `parts`. */
  stream(...parts: StreamKey[]): Rng {
    const key = this.key.slice();
    for (const part of parts) key.push(...keyWords(part));
    return new Rng(this.seed, key, [...this.path, ...parts]);
  }

  /** A child stream keyed by fresh output of this one (advances this stream). */
  split(): Rng {
    const a = this.nextUint32();
    const b = this.nextUint32();
    return new Rng(this.seed, [...this.key, 0x73706c74, a, b], [...this.path, `split:${a.toString(16)}${b.toString(16)}`]);
  }

  private seedState(key: readonly number[]): void {
    // Four independently salted hashes of the key; an all-zero state is impossible to reach in
    // practice, and is patched anyway because xoshiro would be stuck at zero.
    const words = [0, 0, 0, 0];
    for (let lane = 0; lane < 4; lane++) {
      let h = Math.imul(lane + 1, GOLDEN) >>> 0;
      for (const word of key) h = absorb(h, word);
      words[lane] = fmix32(h ^ key.length);
    }
    this.s0 = words[0]!;
    this.s1 = words[1]!;
    this.s2 = words[2]!;
    this.s3 = words[3]!;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = GOLDEN;
    // Discard a few outputs so that nearby keys decorrelate fully.
    for (let i = 0; i < 8; i++) this.nextUint32();
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const m = Math.imul(s1, 5);
    const rot = (m << 7) | (m >>> 25);
    const result = Math.imul(rot, 9) >>> 0;
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = (n3 << 11) | (n3 >>> 21);
    this.s0 = n0;
    this.s1 = n1;
    this.s2 = n2;
    this.s3 = n3;
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. An arrow so it can be handed out as a plain function. */
  readonly random = (): number => {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  };

  /** Uniform double in [0, 1) with 32 random bits: half the cost of random(), for coin flips in hot loops. */
  random32(): number {
    return this.nextUint32() * 2.3283064365386963e-10;
  }

  /** Uniform double in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** Uniform integer in [0, n) without modulo bias: 32-bit rejection sampling for n <= 2^32. */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`int(n) needs a positive integer, got ${n}`);
    if (n > 4294967296) return Math.floor(this.random() * n);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform integer in [low, high] inclusive. */
  integer(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  /** Fills `out` with uniform doubles in [0, 1). */
  fill(out: Float64Array | Float32Array): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = this.random();
    return out;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[] | Int32Array | Uint32Array | Float64Array): typeof items {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      (items as T[])[j] = tmp as T;
    }
    return items;
  }

  /** The full generator state, for checkpoints. */
  getState(): Uint32Array {
    return Uint32Array.of(this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0);
  }

  setState(state: ArrayLike<number>): void {
    if (state.length !== 4) throw new RangeError('Rng state is 4 words');
    this.s0 = state[0]! | 0;
    this.s1 = state[1]! | 0;
    this.s2 = state[2]! | 0;
    this.s3 = state[3]! | 0;
  }

  /** A copy that continues from the same state (for lookahead without disturbing this stream). */
  clone(): Rng {
    const copy = new Rng(this.seed, this.key, this.path);
    copy.setState(this.getState());
    return copy;
  }
}

/**
 * The seeded stream an env owns (Gymnasium's `np_random`): created on first use from OS entropy if never
 * seeded, recreated by `reseed`, and remembering its seed so an unseeded run can be reproduced.
 */
export class SeededStream {
  private stream: Rng | undefined;
  private seedValue: number | undefined;

  get rng(): Rng {
    if (this.stream === undefined) this.reseed(entropySeed());
    return this.stream!;
  }

  get seed(): number | undefined {
    return this.seedValue;
  }

  reseed(seed: number): void {
    this.seedValue = validateSeed(seed);
    this.stream = Rng.create(seed);
  }
}
