/**
 * Spaces, after Gymnasium 1.x (`gymnasium/spaces/`): Box, Discrete, MultiDiscrete, MultiBinary, Dict,
 * Tuple, with `sample`, `contains`, `seed`, and `flatten` / `unflatten` / `flatDim` / `flattenSpace`.
 *
 * Values: Box -> a typed array (row-major over `shape`), Discrete -> a number, MultiDiscrete ->
 * Int32Array, MultiBinary -> Int8Array, Dict -> a plain object, Tuple -> an array.
 * Flattening follows Gymnasium: Discrete and MultiDiscrete become one-hot blocks, Dict keys are sorted.
 */
import { entropySeed, Rng } from '../../lib/rng.ts';

export type BoxDtype = 'float32' | 'float64' | 'int32';
export type BoxValue = Float32Array | Float64Array | Int32Array;

const FLOAT32_MAX = 3.4028234663852886e38;

export abstract class Space<T = unknown> {
  private ownRng: Rng | undefined;

  /** Seeds the space's own stream, used by `sample()` when no stream is passed. Returns the seed. */
  seed(seed?: number): number {
    const chosen = seed ?? entropySeed();
    this.ownRng = Rng.create(chosen);
    return chosen;
  }

  protected streamFor(rng?: Rng): Rng {
    if (rng !== undefined) return rng;
    if (this.ownRng === undefined) this.seed();
    return this.ownRng!;
  }

  abstract sample(rng?: Rng): T;
  abstract contains(x: unknown): boolean;
  /** Human-readable description in Gymnasium's repr style. */
  abstract toString(): string;
  /** Size of the flat vector `flatten` produces. */
  abstract get flatDim(): number;
  /** Writes the flat encoding of `x` into `out` at `offset`; returns the next offset. */
  abstract flattenInto(x: T, out: Float32Array | Float64Array, offset: number): number;
  /** Reads a value back from a flat encoding at `offset`. */
  abstract unflattenFrom(flat: ArrayLike<number>, offset: number): T;
  /** The Box that holds flattened values. */
  abstract flattenSpace(): Box;
  /** Structural equality of spaces. */
  abstract equals(other: Space): boolean;
  /** A plain-JSON description (also used to ship spaces to worker threads). */
  abstract toJSON(): SpaceJSON;
  /** True when samples are fixed-size numbers (every space here is). */
  get isNpFlattenable(): boolean {
    return true;
  }
}

export type SpaceJSON =
  | { type: 'Box'; low: number[]; high: number[]; shape: number[]; dtype: BoxDtype }
  | { type: 'Discrete'; n: number; start: number }
  | { type: 'MultiDiscrete'; nvec: number[]; start: number[] }
  | { type: 'MultiBinary'; n: number }
  | { type: 'Dict'; spaces: Record<string, SpaceJSON> }
  | { type: 'Tuple'; spaces: SpaceJSON[] };

function product(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

function isNumericArray(x: unknown): x is ArrayLike<number> {
  return (ArrayBuffer.isView(x) && !(x instanceof DataView)) || (Array.isArray(x) && x.every((v) => typeof v === 'number'));
}

function makeArray(dtype: BoxDtype, length: number): BoxValue {
  if (dtype === 'float32') return new Float32Array(length);
  if (dtype === 'float64') return new Float64Array(length);
  return new Int32Array(length);
}

function boundArray(bound: number | ArrayLike<number>, size: number, name: string): Float64Array {
  const out = new Float64Array(size);
  if (typeof bound === 'number') {
    out.fill(bound);
  } else {
    if (bound.length !== size) throw new RangeError(`Box ${name} has ${bound.length} values, shape needs ${size}`);
    for (let i = 0; i < size; i++) out[i] = bound[i]!;
  }
  return out;
}

/** Exponential(1) draw, for Box dimensions bounded on one side (as Gymnasium samples them). */
function exponential(rng: Rng): number {
  return -Math.log(1 - rng.random());
}

function standardNormal(rng: Rng): number {
  // Box-Muller; the second variate is dropped to keep sampling stateless.
  const u = 1 - rng.random();
  const v = rng.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** The array type of a Box's values for a dtype. */
export type BoxValueOf<D extends BoxDtype> = D extends 'float32' ? Float32Array : D extends 'float64' ? Float64Array : Int32Array;

/** Pass `dtype` explicitly to get a precisely typed Box (`new Box(0, 1, [2], 'float32')` is a Box<'float32'>). */
export class Box<D extends BoxDtype = BoxDtype> extends Space<BoxValueOf<D>> {
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly shape: readonly number[];
  readonly dtype: D;
  readonly size: number;
  private readonly boundedBelow: Uint8Array;
  private readonly boundedAbove: Uint8Array;

  constructor(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape?: readonly number[], dtype: D = 'float32' as D) {
    super();
    const inferred = shape ?? (typeof low !== 'number' ? [low.length] : typeof high !== 'number' ? [high.length] : undefined);
    if (inferred === undefined) throw new TypeError('Box needs a shape when low and high are both scalars');
    for (const d of inferred) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`Box shape entries must be non-negative integers, got [${inferred.join(', ')}]`);
    }
    this.shape = [...inferred];
    this.size = product(this.shape);
    this.dtype = dtype;
    this.low = boundArray(low, this.size, 'low');
    this.high = boundArray(high, this.size, 'high');
    if (dtype === 'float32') {
      // Bounds are stored at the precision values will have, so float32 observations at a bound fit.
      for (let i = 0; i < this.size; i++) {
        this.low[i] = Math.fround(this.low[i]!);
        this.high[i] = Math.fround(this.high[i]!);
      }
    }
    this.boundedBelow = new Uint8Array(this.size);
    this.boundedAbove = new Uint8Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i]!;
      const hi = this.high[i]!;
      if (Number.isNaN(lo) || Number.isNaN(hi)) throw new RangeError(`Box bound ${i} is NaN`);
      if (lo > hi) throw new RangeError(`Box low[${i}] = ${lo} is above high[${i}] = ${hi}`);
      this.boundedBelow[i] = lo > -Infinity ? 1 : 0;
      this.boundedAbove[i] = hi < Infinity ? 1 : 0;
    }
  }

  isBounded(manner: 'both' | 'below' | 'above' = 'both'): boolean {
    const below = this.boundedBelow.every((b) => b === 1);
    const above = this.boundedAbove.every((b) => b === 1);
    return manner === 'both' ? below && above : manner === 'below' ? below : above;
  }

  /**
   * Gymnasium's rule per dimension: uniform when bounded on both sides, shifted exponential when on
   * one side, standard normal when unbounded; integer boxes take the floor (upper bound inclusive).
   */
  sample(rng?: Rng): BoxValueOf<D> {
    const stream = this.streamFor(rng);
    const out = makeArray(this.dtype, this.size) as BoxValueOf<D>;
    const isInt = this.dtype === 'int32';
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i]!;
      const hi = isInt && this.boundedAbove[i] ? this.high[i]! + 1 : this.high[i]!;
      let value: number;
      if (this.boundedBelow[i] && this.boundedAbove[i]) value = lo + (hi - lo) * stream.random();
      else if (this.boundedBelow[i]) value = lo + exponential(stream);
      else if (this.boundedAbove[i]) value = hi - exponential(stream);
      else value = standardNormal(stream);
      if (isInt) value = Math.min(Math.floor(value), this.high[i]!);
      else if (this.dtype === 'float32') value = Math.min(Math.max(Math.fround(value), lo), this.high[i]!);
      out[i] = value;
    }
    return out;
  }

  contains(x: unknown): boolean {
    if (typeof x === 'number' && this.size === 1) return this.containsValue(0, x);
    if (!isNumericArray(x) || x.length !== this.size) return false;
    if (this.dtype === 'int32' && (x instanceof Float32Array || x instanceof Float64Array)) {
      for (let i = 0; i < x.length; i++) if (!Number.isInteger(x[i])) return false;
    }
    for (let i = 0; i < this.size; i++) if (!this.containsValue(i, x[i]!)) return false;
    return true;
  }

  private containsValue(i: number, v: number): boolean {
    return v >= this.low[i]! && v <= this.high[i]!;
  }

  /** Clips `x` into the box, in place when possible; returns the clipped array. */
  clip(x: ArrayLike<number>): BoxValueOf<D> {
    const out = makeArray(this.dtype, this.size) as BoxValueOf<D>;
    for (let i = 0; i < this.size; i++) out[i] = Math.min(Math.max(x[i]!, this.low[i]!), this.high[i]!);
    return out;
  }

  get flatDim(): number {
    return this.size;
  }

  flattenInto(x: BoxValueOf<D>, out: Float32Array | Float64Array, offset: number): number {
    for (let i = 0; i < this.size; i++) out[offset + i] = x[i]!;
    return offset + this.size;
  }

  unflattenFrom(flat: ArrayLike<number>, offset: number): BoxValueOf<D> {
    const out = makeArray(this.dtype, this.size) as BoxValueOf<D>;
    for (let i = 0; i < this.size; i++) out[i] = flat[offset + i]!;
    return out;
  }

  flattenSpace(): Box {
    return new Box(this.low, this.high, [this.size], this.dtype);
  }

  equals(other: Space): boolean {
    return (
      other instanceof Box &&
      other.dtype === this.dtype &&
      other.shape.length === this.shape.length &&
      other.shape.every((d, i) => d === this.shape[i]) &&
      other.low.every((v, i) => v === this.low[i]) &&
      other.high.every((v, i) => v === this.high[i])
    );
  }

  toJSON(): SpaceJSON {
    return { type: 'Box', low: Array.from(this.low), high: Array.from(this.high), shape: [...this.shape], dtype: this.dtype };
  }

  toString(): string {
    const bound = (b: Float64Array) => {
      const first = b[0];
      return b.every((v) => v === first) ? String(first) : `[${Array.from(b).join(', ')}]`;
    };
    return `Box(${bound(this.low)}, ${bound(this.high)}, (${this.shape.join(', ')}${this.shape.length === 1 ? ',' : ''}), ${this.dtype})`;
  }
}

/** The largest finite float32, Gymnasium's stand-in for an unbounded float32 dimension. */
export const FLOAT32_LIMIT = FLOAT32_MAX;

export class Discrete extends Space<number> {
  constructor(
    readonly n: number,
    readonly start = 0,
  ) {
    super();
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Discrete n must be a positive integer, got ${n}`);
    if (!Number.isInteger(start)) throw new RangeError(`Discrete start must be an integer, got ${start}`);
  }

  /** `mask` (length n, 1 = allowed) restricts the draw, as in Gymnasium; no allowed action returns `start`. */
  sample(rng?: Rng, mask?: ArrayLike<number>): number {
    const stream = this.streamFor(rng);
    if (mask === undefined) return this.start + stream.int(this.n);
    if (mask.length !== this.n) throw new RangeError(`Discrete mask needs ${this.n} entries, got ${mask.length}`);
    let allowed = 0;
    for (let i = 0; i < this.n; i++) {
      if (mask[i] !== 0 && mask[i] !== 1) throw new RangeError(`Discrete mask entries must be 0 or 1, got ${mask[i]}`);
      allowed += mask[i]!;
    }
    if (allowed === 0) return this.start;
    let pick = stream.int(allowed);
    for (let i = 0; i < this.n; i++) {
      if (mask[i] === 1 && pick-- === 0) return this.start + i;
    }
    return this.start;
  }

  contains(x: unknown): boolean {
    let v: unknown = x;
    if (isNumericArray(x) && x.length === 1 && !Array.isArray(x)) v = x[0];
    return typeof v === 'number' && Number.isInteger(v) && v >= this.start && v < this.start + this.n;
  }

  get flatDim(): number {
    return this.n;
  }

  flattenInto(x: number, out: Float32Array | Float64Array, offset: number): number {
    out.fill(0, offset, offset + this.n);
    out[offset + x - this.start] = 1;
    return offset + this.n;
  }

  unflattenFrom(flat: ArrayLike<number>, offset: number): number {
    for (let i = 0; i < this.n; i++) if (flat[offset + i] !== 0) return this.start + i;
    throw new RangeError('Discrete unflatten: the one-hot block has no non-zero entry');
  }

  flattenSpace(): Box {
    return new Box(0, 1, [this.n], 'int32');
  }

  equals(other: Space): boolean {
    return other instanceof Discrete && other.n === this.n && other.start === this.start;
  }

  toJSON(): SpaceJSON {
    return { type: 'Discrete', n: this.n, start: this.start };
  }

  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}

export class MultiDiscrete extends Space<Int32Array> {
  readonly nvec: Int32Array;
  readonly start: Int32Array;

  constructor(nvec: ArrayLike<number>, start?: ArrayLike<number>) {
    super();
    if (nvec.length === 0) throw new RangeError('MultiDiscrete needs at least one dimension');
    this.nvec = Int32Array.from(nvec);
    for (let i = 0; i < nvec.length; i++) {
      if (!Number.isInteger(nvec[i]) || nvec[i]! <= 0) throw new RangeError(`MultiDiscrete nvec[${i}] must be a positive integer, got ${nvec[i]}`);
    }
    this.start = start === undefined ? new Int32Array(nvec.length) : Int32Array.from(start);
    if (this.start.length !== this.nvec.length) throw new RangeError('MultiDiscrete start must match nvec in length');
  }

  sample(rng?: Rng): Int32Array {
    const stream = this.streamFor(rng);
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) out[i] = this.start[i]! + stream.int(this.nvec[i]!);
    return out;
  }

  contains(x: unknown): boolean {
    if (!isNumericArray(x) || x.length !== this.nvec.length) return false;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (!Number.isInteger(v) || v < this.start[i]! || v >= this.start[i]! + this.nvec[i]!) return false;
    }
    return true;
  }

  get flatDim(): number {
    let total = 0;
    for (const n of this.nvec) total += n;
    return total;
  }

  flattenInto(x: Int32Array, out: Float32Array | Float64Array, offset: number): number {
    for (let i = 0; i < this.nvec.length; i++) {
      const n = this.nvec[i]!;
      out.fill(0, offset, offset + n);
      out[offset + x[i]! - this.start[i]!] = 1;
      offset += n;
    }
    return offset;
  }

  unflattenFrom(flat: ArrayLike<number>, offset: number): Int32Array {
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < this.nvec.length; i++) {
      const n = this.nvec[i]!;
      let found = -1;
      for (let j = 0; j < n; j++) {
        if (flat[offset + j] !== 0) {
          found = j;
          break;
        }
      }
      if (found < 0) throw new RangeError(`MultiDiscrete unflatten: one-hot block ${i} has no non-zero entry`);
      out[i] = this.start[i]! + found;
      offset += n;
    }
    return out;
  }

  flattenSpace(): Box {
    return new Box(0, 1, [this.flatDim], 'int32');
  }

  equals(other: Space): boolean {
    return (
      other instanceof MultiDiscrete &&
      other.nvec.length === this.nvec.length &&
      other.nvec.every((v, i) => v === this.nvec[i]) &&
      other.start.every((v, i) => v === this.start[i])
    );
  }

  toJSON(): SpaceJSON {
    return { type: 'MultiDiscrete', nvec: Array.from(this.nvec), start: Array.from(this.start) };
  }

  toString(): string {
    return `MultiDiscrete([${Array.from(this.nvec).join(' ')}])`;
  }
}

export class MultiBinary extends Space<Int8Array> {
  constructor(readonly n: number) {
    super();
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`MultiBinary n must be a positive integer, got ${n}`);
  }

  sample(rng?: Rng): Int8Array {
    const stream = this.streamFor(rng);
    const out = new Int8Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = stream.nextUint32() >>> 31;
    return out;
  }

  contains(x: unknown): boolean {
    if (!isNumericArray(x) || x.length !== this.n) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== 0 && x[i] !== 1) return false;
    return true;
  }

  get flatDim(): number {
    return this.n;
  }

  flattenInto(x: Int8Array, out: Float32Array | Float64Array, offset: number): number {
    for (let i = 0; i < this.n; i++) out[offset + i] = x[i]!;
    return offset + this.n;
  }

  unflattenFrom(flat: ArrayLike<number>, offset: number): Int8Array {
    const out = new Int8Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = flat[offset + i]! !== 0 ? 1 : 0;
    return out;
  }

  flattenSpace(): Box {
    return new Box(0, 1, [this.n], 'int32');
  }

  equals(other: Space): boolean {
    return other instanceof MultiBinary && other.n === this.n;
  }

  toJSON(): SpaceJSON {
    return { type: 'MultiBinary', n: this.n };
  }

  toString(): string {
    return `MultiBinary(${this.n})`;
  }
}

type DictValue<S extends Record<string, Space>> = { [K in keyof S]: S[K] extends Space<infer V> ? V : never };

/** Streams for children: a pure function of the parent stream, so seeding a Dict seeds every child. */
function childStreams(parent: Rng, count: number): Rng[] {
  const children: Rng[] = [];
  for (let i = 0; i < count; i++) children.push(parent.stream(i));
  return children;
}

export class Dict<S extends Record<string, Space> = Record<string, Space>> extends Space<DictValue<S>> {
  readonly spaces: S;
  readonly keys: readonly (keyof S & string)[];

  /** Keys are sorted, as Gymnasium sorts a plain dict, so flat layouts do not depend on insertion order. */
  constructor(spaces: S) {
    super();
    const keys = Object.keys(spaces).sort();
    if (keys.length === 0) throw new RangeError('Dict needs at least one subspace');
    for (const key of keys) {
      if (!(spaces[key] instanceof Space)) throw new TypeError(`Dict entry '${key}' is not a Space`);
    }
    this.keys = keys as (keyof S & string)[];
    this.spaces = Object.fromEntries(keys.map((k) => [k, spaces[k]])) as S;
  }

  override seed(seed?: number): number {
    const chosen = super.seed(seed);
    const root = Rng.create(chosen);
    this.keys.forEach((key, i) => this.spaces[key]!.seed(root.stream(i).nextUint32()));
    return chosen;
  }

  sample(rng?: Rng): DictValue<S> {
    const stream = this.streamFor(rng);
    const out: Record<string, unknown> = {};
    const children = rng === undefined ? undefined : childStreams(stream.split(), this.keys.length);
    this.keys.forEach((key, i) => {
      out[key] = this.spaces[key]!.sample(children?.[i]);
    });
    return out as DictValue<S>;
  }

  contains(x: unknown): boolean {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
    const record = x as Record<string, unknown>;
    if (Object.keys(record).length !== this.keys.length) return false;
    return this.keys.every((key) => key in record && this.spaces[key]!.contains(record[key]));
  }

  get flatDim(): number {
    let total = 0;
    for (const key of this.keys) total += this.spaces[key]!.flatDim;
    return total;
  }

  flattenInto(x: DictValue<S>, out: Float32Array | Float64Array, offset: number): number {
    for (const key of this.keys) offset = (this.spaces[key] as Space<unknown>).flattenInto(x[key], out, offset);
    return offset;
  }

  unflattenFrom(flat: ArrayLike<number>, offset: number): DictValue<S> {
    const out: Record<string, unknown> = {};
    for (const key of this.keys) {
      const space = this.spaces[key]!;
      out[key] = space.unflattenFrom(flat, offset);
      offset += space.flatDim;
    }
    return out as DictValue<S>;
  }

  flattenSpace(): Box {
    return concatBoxes(this.keys.map((key) => this.spaces[key]!.flattenSpace()));
  }

  equals(other: Space): boolean {
    return (
      other instanceof Dict &&
      other.keys.length === this.keys.length &&
      this.keys.every((key, i) => other.keys[i] === key && this.spaces[key]!.equals(other.spaces[key]!))
    );
  }

  toJSON(): SpaceJSON {
    return { type: 'Dict', spaces: Object.fromEntries(this.keys.map((k) => [k, this.spaces[k]!.toJSON()])) };
  }

  toString(): string {
    return `Dict(${this.keys.map((k) => `'${k}': ${this.spaces[k]!.toString()}`).join(', ')})`;
  }
}

export class Tuple extends Space<unknown[]> {
  readonly spaces: readonly Space[];

  constructor(spaces: readonly Space[]) {
    super();
    if (spaces.length === 0) throw new RangeError('Tuple needs at least one subspace');
    spaces.forEach((s, i) => {
      if (!(s instanceof Space)) throw new TypeError(`Tuple entry ${i} is not a Space`);
    });
    this.spaces = [...spaces];
  }

  override seed(seed?: number): number {
    const chosen = super.seed(seed);
    const root = Rng.create(chosen);
    this.spaces.forEach((space, i) => space.seed(root.stream(i).nextUint32()));
    return chosen;
  }

  sample(rng?: Rng): unknown[] {
    const stream = this.streamFor(rng);
    const children = rng === undefined ? undefined : childStreams(stream.split(), this.spaces.length);
    return this.spaces.map((space, i) => space.sample(children?.[i]));
  }

  contains(x: unknown): boolean {
    return Array.isArray(x) && x.length === this.spaces.length && this.spaces.every((s, i) => s.contains(x[i]));
  }

  get flatDim(): number {
    return this.spaces.reduce((total, s) => total + s.flatDim, 0);
  }

  flattenInto(x: unknown[], out: Float32Array | Float64Array, offset: number): number {
    this.spaces.forEach((space, i) => {
      offset = (space as Space<unknown>).flattenInto(x[i], out, offset);
    });
    return offset;
  }

  unflattenFrom(flat: ArrayLike<number>, offset: number): unknown[] {
    return this.spaces.map((space) => {
      const value = space.unflattenFrom(flat, offset);
      offset += space.flatDim;
      return value;
    });
  }

  flattenSpace(): Box {
    return concatBoxes(this.spaces.map((s) => s.flattenSpace()));
  }

  equals(other: Space): boolean {
    return other instanceof Tuple && other.spaces.length === this.spaces.length && this.spaces.every((s, i) => s.equals(other.spaces[i]!));
  }

  toJSON(): SpaceJSON {
    return { type: 'Tuple', spaces: this.spaces.map((s) => s.toJSON()) };
  }

  toString(): string {
    return `Tuple(${this.spaces.map((s) => s.toString()).join(', ')})`;
  }
}

function concatBoxes(boxes: Box[]): Box {
  const size = boxes.reduce((total, b) => total + b.size, 0);
  const low = new Float64Array(size);
  const high = new Float64Array(size);
  let offset = 0;
  let dtype: BoxDtype = 'int32';
  for (const box of boxes) {
    low.set(box.low, offset);
    high.set(box.high, offset);
    offset += box.size;
    if (box.dtype === 'float64') dtype = 'float64';
    else if (box.dtype === 'float32' && dtype === 'int32') dtype = 'float32';
  }
  return new Box(low, high, [size], dtype);
}

/** Flat encoding of `x`: Float32 by default (what a network consumes); pass a Float64Array to keep float64 values exact. */
export function flatten<T>(space: Space<T>, x: T): Float32Array;
export function flatten<T, Out extends Float32Array | Float64Array>(space: Space<T>, x: T, out: Out): Out;
export function flatten<T>(space: Space<T>, x: T, out?: Float32Array | Float64Array): Float32Array | Float64Array {
  const target = out ?? new Float32Array(space.flatDim);
  if (target.length !== space.flatDim) throw new RangeError(`flatten: output has ${target.length} slots, space needs ${space.flatDim}`);
  space.flattenInto(x, target, 0);
  return target;
}

export function unflatten<T>(space: Space<T>, flat: ArrayLike<number>): T {
  if (flat.length !== space.flatDim) throw new RangeError(`unflatten: got ${flat.length} values, space needs ${space.flatDim}`);
  return space.unflattenFrom(flat, 0);
}

export function flatDim(space: Space): number {
  return space.flatDim;
}

export function flattenSpace(space: Space): Box {
  return space.flattenSpace();
}

/** Rebuilds a space from `toJSON()` output. */
export function spaceFromJSON(json: SpaceJSON): Space {
  switch (json.type) {
    case 'Box':
      return new Box(json.low.map(nullToInf(-1)), json.high.map(nullToInf(1)), json.shape, json.dtype);
    case 'Discrete':
      return new Discrete(json.n, json.start);
    case 'MultiDiscrete':
      return new MultiDiscrete(json.nvec, json.start);
    case 'MultiBinary':
      return new MultiBinary(json.n);
    case 'Dict':
      return new Dict(Object.fromEntries(Object.entries(json.spaces).map(([k, v]) => [k, spaceFromJSON(v)])));
    case 'Tuple':
      return new Tuple(json.spaces.map(spaceFromJSON));
  }
}

// JSON.stringify turns +-Infinity into null; read it back as the matching infinity.
function nullToInf(sign: 1 | -1) {
  return (v: number | null) => (v === null ? sign * Infinity : v);
}
