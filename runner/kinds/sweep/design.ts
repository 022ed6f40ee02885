/**
 * Where a sweep looks: a full grid of listed values, or a space-filling design of n points over ranges (a Latin
 * hypercube, seeded; or a Sobol sequence). Designs produce points in the unit cube; `placePoint` maps a unit
 * coordinate to a parameter's value (a range, linear or log, or a list of values picked by stratum).
 */
import type { Rng } from '../../../lib/rng.ts';

/** Every combination of the listed values, the first parameter varying slowest. */
export function gridPoints(values: ReadonlyArray<readonly number[]>): number[][] {
  let points: number[][] = [[]];
  for (const list of values) points = points.flatMap((point) => list.map((value) => [...point, value]));
  return points;
}

/**
 * A Latin hypercube of n points in [0, 1)^d: in every dimension each of the n equal strata holds exactly one
 * point, placed uniformly inside it; strata are matched across dimensions by independent permutations.
 */
export function latinHypercube(n: number, d: number, rng: Rng): number[][] {
  const points = Array.from({ length: n }, () => new Array<number>(d).fill(0));
  for (let j = 0; j < d; j++) {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const k = rng.int(i + 1);
      [order[i], order[k]] = [order[k]!, order[i]!];
    }
    for (let i = 0; i < n; i++) points[i]![j] = (order[i]! + rng.random()) / n;
  }
  return points;
}

/**
 * Joe and Kuo's primitive polynomials and initial direction numbers (new-joe-kuo-6.21201, dimensions 2-10):
 * degree s, coefficients a, and m_1..m_s. Dimension 1 is van der Corput's sequence in base 2.
 */
const JOE_KUO: ReadonlyArray<{ s: number; a: number; m: readonly number[] }> = [
  { s: 1, a: 0, m: [1] },
  { s: 2, a: 1, m: [1, 3] },
  { s: 3, a: 1, m: [1, 3, 1] },
  { s: 3, a: 2, m: [1, 1, 1] },
  { s: 4, a: 1, m: [1, 1, 3, 3] },
  { s: 4, a: 4, m: [1, 3, 5, 13] },
  { s: 5, a: 2, m: [1, 1, 5, 5, 17] },
  { s: 5, a: 4, m: [1, 1, 5, 5, 5] },
  { s: 5, a: 7, m: [1, 1, 7, 11, 19] },
];
export const SOBOL_MAX_DIMENSIONS = JOE_KUO.length + 1;
const BITS = 32;

function directionNumbers(dimension: number): Uint32Array {
  const v = new Uint32Array(BITS + 1);
  if (dimension === 0) {
    for (let i = 1; i <= BITS; i++) v[i] = 2 ** (BITS - i);
    return v;
  }
  const { s, a, m } = JOE_KUO[dimension - 1]!;
  for (let i = 1; i <= Math.min(s, BITS); i++) v[i] = (m[i - 1]! * 2 ** (BITS - i)) >>> 0;
  for (let i = s + 1; i <= BITS; i++) {
    let value = (v[i - s]! ^ (v[i - s]! >>> s)) >>> 0;
    for (let k = 1; k < s; k++) if ((a >>> (s - 1 - k)) & 1) value = (value ^ v[i - k]!) >>> 0;
    v[i] = value;
  }
  return v;
}

/**
 * The first n points of the (unscrambled) Sobol sequence in [0, 1)^d, from the origin, in Gray-code order
 * (Antonov and Saleev). Its first 2^k points put one point in each of 2^k equal strata of every dimension.
 */
export function sobolPoints(n: number, d: number): number[][] {
  if (d > SOBOL_MAX_DIMENSIONS) throw new RangeError(`a Sobol design here has at most ${SOBOL_MAX_DIMENSIONS} dimensions, got ${d}`);
  const directions = Array.from({ length: d }, (_, j) => directionNumbers(j));
  const x = new Uint32Array(d);
  const points: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      // The position (1-based) of the rightmost zero bit of i - 1.
      let c = 1;
      let value = i - 1;
      while (value & 1) {
        value >>>= 1;
        c++;
      }
      for (let j = 0; j < d; j++) x[j] = (x[j]! ^ directions[j]![c]!) >>> 0;
    }
    points.push(Array.from(x, (word) => word / 2 ** BITS));
  }
  return points;
}

export type Placement = { kind: 'range'; low: number; high: number; scale: 'linear' | 'log' } | { kind: 'list'; values: readonly number[] };

/** A unit coordinate u in [0, 1) as a value: along a range, or the list's value whose stratum holds u. */
export function placePoint(u: number, placement: Placement): number {
  if (placement.kind === 'list') return placement.values[Math.min(placement.values.length - 1, Math.floor(u * placement.values.length))]!;
  const { low, high, scale } = placement;
  return scale === 'log' ? Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low))) : low + u * (high - low);
}
