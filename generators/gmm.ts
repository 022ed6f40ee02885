/**
 * CTGAN's mode-specific normalisation (Xu et al. 2019), seeded.
 *
 * Per continuous column a one-dimensional Gaussian mixture of up to 10 modes. CTGAN fits sklearn's
 * BayesianGaussianMixture (Dirichlet-process prior, weight concentration 0.001) and keeps modes of weight
 * > 0.005; here EM is run for K = 1..maxModes components (k-means++ starts from our stream), the K with the
 * lowest BIC wins, and modes lighter than the same 0.005 threshold are dropped. Both prune a 3-mode mixture
 * to its 3 modes; BIC is deterministic given the seed.
 *
 * Point masses: real governance features pile up on exact values (participation 1, support rate 1, zero
 * voting power, one vote). A Bayesian GMM would collapse a component onto such a value with a vanishing
 * sigma; here values holding at least `pointShare` of the rows are made explicit "point modes" of sigma 0
 * that decode to the exact value (so a KS test sees the atom), and the mixture is fitted to the rest.
 *
 * A value c becomes one-hot(mode k) + alpha = (c - mu_k) / (4 sigma_k) clipped to [-1, 1], with k drawn
 * from the posterior over modes (as CTGAN does); decoding is mu_k + 4 sigma_k alpha, clipped to the
 * column's bounds and rounded for integer columns.
 */
import type { Rng } from '../lib/rng.ts';

export interface Mixture {
  weights: number[];
  means: number[];
  stds: number[];
}

export interface MixtureOptions {
  maxModes?: number;
  /** Modes lighter than this are dropped (CTGAN: 0.005). */
  weightThreshold?: number;
  iterations?: number;
  /** At most this many points enter EM (a seeded subsample beyond it). */
  maxPoints?: number;
  /** Lower bound on every sigma (default 1e-3 of the data's range). */
  minStd?: number;
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

function logNormal(x: number, mean: number, std: number): number {
  const z = (x - mean) / std;
  return -0.5 * z * z - Math.log(std) - LOG_SQRT_2PI;
}

/** EM for a K-component mixture on weighted points; returns the mixture and its log-likelihood. */
function em(x: Float64Array, w: Float64Array, k: number, rng: Rng, iterations: number, minStd: number): { mixture: Mixture; logLikelihood: number } {
  const n = x.length;
  const total = w.reduce((a, b) => a + b, 0);
  // k-means++ starts: the first centre by weight, then proportional to weight x squared distance.
  const means: number[] = [];
  const pick = (score: (i: number) => number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += score(i);
    let u = rng.random() * sum;
    for (let i = 0; i < n; i++) {
      u -= score(i);
      if (u <= 0) return x[i]!;
    }
    return x[n - 1]!;
  };
  means.push(pick((i) => w[i]!));
  while (means.length < k) {
    const next = pick((i) => {
      let best = Infinity;
      for (const m of means) best = Math.min(best, (x[i]! - m) ** 2);
      return w[i]! * best;
    });
    means.push(next);
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += w[i]! * x[i]!;
  mean /= total;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += w[i]! * (x[i]! - mean) ** 2;
  const spread = Math.max(minStd, Math.sqrt(variance / total) / k);
  const stds = new Array<number>(k).fill(spread);
  const weights = new Array<number>(k).fill(1 / k);
  const resp = new Float64Array(n * k);
  let logLikelihood = -Infinity;
  for (let iteration = 0; iteration < iterations; iteration++) {
    let ll = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let j = 0; j < k; j++) {
        const v = weights[j]! > 0 ? Math.log(weights[j]!) + logNormal(x[i]!, means[j]!, stds[j]!) : -Infinity;
        resp[i * k + j] = v;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let j = 0; j < k; j++) sum += (resp[i * k + j] = Math.exp(resp[i * k + j]! - max));
      for (let j = 0; j < k; j++) resp[i * k + j]! /= sum;
      ll += w[i]! * (max + Math.log(sum));
    }
    for (let j = 0; j < k; j++) {
      let nj = 0;
      let mj = 0;
      for (let i = 0; i < n; i++) {
        const r = w[i]! * resp[i * k + j]!;
        nj += r;
        mj += r * x[i]!;
      }
      if (nj < 1e-9) {
        weights[j] = 0;
        continue;
      }
      mj /= nj;
      let vj = 0;
      for (let i = 0; i < n; i++) vj += w[i]! * resp[i * k + j]! * (x[i]! - mj) ** 2;
      weights[j] = nj / total;
      means[j] = mj;
      stds[j] = Math.max(minStd, Math.sqrt(vj / nj));
    }
    const improved = ll - logLikelihood;
    logLikelihood = ll;
    if (improved >= 0 && improved < 1e-6 * Math.abs(ll)) break;
  }
  return { mixture: { weights, means, stds }, logLikelihood };
}

/**
 * A Gaussian mixture of up to `maxModes` modes fitted to `values` (optionally weighted, e.g. histogram bin
 * centres with counts): EM per K, lowest BIC, then modes below `weightThreshold` dropped; sorted by mean.
 */
export function fitMixture(values: ArrayLike<number>, rng: Rng, options: MixtureOptions = {}, pointWeights?: ArrayLike<number>): Mixture {
  const maxModes = options.maxModes ?? 10;
  const threshold = options.weightThreshold ?? 0.005;
  const iterations = options.iterations ?? 200;
  const maxPoints = options.maxPoints ?? 4000;
  let x = Float64Array.from(values);
  let w = pointWeights === undefined ? new Float64Array(x.length).fill(1) : Float64Array.from(pointWeights);
  if (x.length === 0) throw new RangeError('fitMixture needs at least one value');
  if (x.length > maxPoints) {
    const chosen = Int32Array.from({ length: x.length }, (_, i) => i);
    rng.shuffle(chosen);
    const keep = chosen.subarray(0, maxPoints);
    x = Float64Array.from(keep, (i) => x[i]!);
    w = Float64Array.from(keep, (i) => w[i]!);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const minStd = options.minStd ?? (hi > lo ? 1e-3 * (hi - lo) : 1e-6 * Math.max(1, Math.abs(lo)));
  if (hi === lo) return { weights: [1], means: [lo], stds: [minStd] };
  const effective = w.reduce((a, b) => a + b, 0);
  const distinct = new Set(x).size;
  let best: Mixture | undefined;
  let bestBic = Infinity;
  for (let k = 1; k <= Math.min(maxModes, distinct); k++) {
    const { mixture, logLikelihood } = em(x, w, k, rng.stream('k', k), iterations, minStd);
    const bic = -2 * logLikelihood + (3 * k - 1) * Math.log(effective);
    if (bic < bestBic) {
      bestBic = bic;
      best = mixture;
    }
  }
  const kept = best!.weights.map((weight, j) => ({ weight, mean: best!.means[j]!, std: best!.stds[j]! })).filter((m) => m.weight > threshold);
  const sum = kept.reduce((a, m) => a + m.weight, 0);
  kept.sort((a, b) => a.mean - b.mean);
  return { weights: kept.map((m) => m.weight / sum), means: kept.map((m) => m.mean), stds: kept.map((m) => m.std) };
}

/** The mode-specific normaliser of one continuous column. Modes are the point modes, then the mixture's. */
export interface ContinuousTransform {
  kind: 'continuous';
  /** Exact values that hold many rows: modes with sigma 0. */
  points: number[];
  mixture: Mixture;
  min: number;
  max: number;
  integer: boolean;
}

export function modeCount(t: ContinuousTransform): number {
  return t.points.length + t.mixture.means.length;
}

export interface TransformOptions extends MixtureOptions {
  /** A value holding at least this share of the rows becomes a point mode (default 0.01; 0 disables). */
  pointShare?: number;
  maxPoints?: number;
}

/** Fits the normaliser of a continuous column to its values. */
export function fitContinuousTransform(values: ArrayLike<number>, rng: Rng, options: TransformOptions = {}): ContinuousTransform {
  const n = values.length;
  if (n === 0) throw new RangeError('cannot fit a column with no values');
  const counts = new Map<number, number>();
  let min = Infinity;
  let max = -Infinity;
  let integer = true;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`column values must be finite, got ${v} at row ${i}`);
    counts.set(v, (counts.get(v) ?? 0) + 1);
    min = Math.min(min, v);
    max = Math.max(max, v);
    if (!Number.isInteger(v)) integer = false;
  }
  const share = options.pointShare ?? 0.01;
  const points =
    share > 0
      ? [...counts.entries()]
          .filter(([, c]) => c >= share * n && c >= 2)
          .sort((a, b) => b[1] - a[1] || a[0] - b[0])
          .slice(0, 10)
          .map(([v]) => v)
          .sort((a, b) => a - b)
      : [];
  const pointSet = new Set(points);
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (!pointSet.has(values[i]!)) rest.push(values[i]!);
  const mixture = rest.length === 0 ? { weights: [], means: [], stds: [] } : fitMixture(rest, rng, { ...options, minStd: options.minStd ?? (max > min ? 1e-3 * (max - min) : 1e-6) });
  return { kind: 'continuous', points, mixture, min, max, integer };
}

/**
 * Fits the normaliser from a histogram (the differentially private path): `low` and `high` counts of
 * values exactly at the public bounds, and `bins` counts of equal-width interior bins. The bounds become
 * point modes when they hold `pointShare` of the (noisy) total; the mixture is fitted to the bin centres
 * weighted by their counts (negative noisy counts read as 0).
 */
export function fitContinuousFromHistogram(
  histogram: { low: number; high: number; bins: ArrayLike<number> },
  bounds: [number, number],
  integer: boolean,
  rng: Rng,
  options: TransformOptions = {},
): ContinuousTransform {
  const [min, max] = bounds;
  const bins = Array.from(histogram.bins, (c) => Math.max(0, c));
  const low = Math.max(0, histogram.low);
  const high = Math.max(0, histogram.high);
  const total = low + high + bins.reduce((a, b) => a + b, 0);
  const share = options.pointShare ?? 0.01;
  const points: number[] = [];
  if (total > 0 && low >= share * total) points.push(min);
  if (total > 0 && max > min && high >= share * total) points.push(max);
  const width = (max - min) / bins.length;
  const centres = bins.map((_, b) => min + (b + 0.5) * width);
  const inner = bins.reduce((a, b) => a + b, 0);
  const mixture =
    inner <= 0 || max <= min
      ? points.length > 0
        ? { weights: [], means: [], stds: [] }
        : { weights: [1], means: [(min + max) / 2], stds: [Math.max(1e-6, (max - min) / 4)] }
      : fitMixture(centres, rng, { ...options, minStd: options.minStd ?? width / 2 }, bins);
  return { kind: 'continuous', points, mixture, min, max, integer };
}

/** Encodes one value: its mode (drawn from the posterior over modes, as CTGAN) and alpha in [-1, 1]. */
export function encodeValue(t: ContinuousTransform, value: number, rng: Rng, posterior: Float64Array = new Float64Array(modeCount(t))): { mode: number; alpha: number } {
  const pointIndex = t.points.indexOf(value);
  if (pointIndex >= 0) return { mode: pointIndex, alpha: 0 };
  const { weights, means, stds } = t.mixture;
  const k = means.length;
  if (k === 0) {
    // Only point modes: the nearest one (values off the points do not occur in the fitted data).
    let best = 0;
    for (let j = 1; j < t.points.length; j++) if (Math.abs(t.points[j]! - value) < Math.abs(t.points[best]! - value)) best = j;
    return { mode: best, alpha: 0 };
  }
  let max = -Infinity;
  for (let j = 0; j < k; j++) {
    posterior[j] = Math.log(weights[j]!) + logNormal(value, means[j]!, stds[j]!);
    if (posterior[j]! > max) max = posterior[j]!;
  }
  let sum = 0;
  for (let j = 0; j < k; j++) sum += posterior[j] = Math.exp(posterior[j]! - max);
  let u = rng.random() * sum;
  let mode = k - 1;
  for (let j = 0; j < k; j++) {
    u -= posterior[j]!;
    if (u <= 0) {
      mode = j;
      break;
    }
  }
  const alpha = Math.min(1, Math.max(-1, (value - means[mode]!) / (4 * stds[mode]!)));
  return { mode: t.points.length + mode, alpha };
}

/** Decodes (mode, alpha) back to a value within the column's bounds (rounded for integer columns). */
export function decodeValue(t: ContinuousTransform, mode: number, alpha: number): number {
  const p = t.points.length;
  let value: number;
  if (mode < p) value = t.points[mode]!;
  else {
    const a = Math.min(1, Math.max(-1, alpha));
    value = t.mixture.means[mode - p]! + 4 * t.mixture.stds[mode - p]! * a;
  }
  value = Math.min(t.max, Math.max(t.min, value));
  return t.integer ? Math.round(value) : value;
}
