/**
 * The statistics behind a run's verdict: means with bootstrap intervals, paired differences between
 * variants on common seeds, Wilson intervals for success rates, and breaking points of a success curve
 * over a stressor grid (isotonic fit, threshold crossing, bootstrap interval, censoring at the grid edges).
 *
 * Every random draw comes from the `Rng` passed in, so a report is a pure function of its trials and seed.
 * Results are plain JSON: no Infinity or NaN leaves this module (censoring is said in words instead).
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { binomial } from '../lib/distributions.ts';
import { zForLevel } from '../lib/intervals.ts';
import type { Rng } from '../lib/rng.ts';
import type { TrialResult } from './types.ts';

export const DEFAULT_RESAMPLES = 2000;
export const DEFAULT_LEVEL = 0.95;

export type BootstrapMethod = 'percentile' | 'bca';

export interface BootstrapOptions {
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  /** 'percentile' (default) or 'bca' (bias-corrected and accelerated, Efron 1987). */
  method?: BootstrapMethod;
  /** One cluster label per value (e.g. the seed index): resample whole clusters instead of single values. */
  clusters?: ArrayLike<number | string>;
}

export interface MeanEstimate {
  n: number;
  /** The resampling units: n without clusters, else the number of distinct cluster labels. */
  clusters: number;
  mean: number;
  /** Sample standard deviation (n - 1 denominator); null when n < 2. */
  sd: number | null;
  lo: number;
  hi: number;
  level: number;
  method: BootstrapMethod;
  resamples: number;
}

function resolveOptions(options: BootstrapOptions): { resamples: number; level: number; method: BootstrapMethod } {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? DEFAULT_LEVEL;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrap resamples must be a positive integer, got ${resamples}`);
  zForLevel(level);
  return { resamples, level, method: options.method ?? 'percentile' };
}

/**
 * The p-quantile of an ascending sample, interpolated linearly between order statistics (R's type 7).
 * Infinite entries (censored bootstrap replicates) are allowed: a quantile that would interpolate
 * between a finite and an infinite value returns the infinite one, the conservative side.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const count = sorted.length;
  if (count === 0) throw new RangeError('quantile of an empty sample');
  const position = Math.min(Math.max(p, 0), 1) * (count - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, count - 1);
  const fraction = position - below;
  const a = sorted[below]!;
  const b = sorted[above]!;
  if (fraction === 0 || a === b) return a;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Number.isFinite(a) ? b : a;
  return a + fraction * (b - a);
}

function sumOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum;
}

function sampleSd(values: ArrayLike<number>, mean: number): number | null {
  if (values.length < 2) return null;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - mean) ** 2;
  return Math.sqrt(squares / (values.length - 1));
}

/** Values summed by cluster (clusters numbered in order of first appearance); without labels every value is its own cluster. */
function clusterTotals(values: ArrayLike<number>, clusters: ArrayLike<number | string> | undefined): { sums: Float64Array; counts: Float64Array } {
  if (clusters === undefined) return { sums: Float64Array.from(values), counts: new Float64Array(values.length).fill(1) };
  if (clusters.length !== values.length) throw new RangeError(`clusters has ${clusters.length} labels for ${values.length} values`);
  const index = new Map<number | string, number>();
  const sums: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < values.length; i++) {
    let c = index.get(clusters[i]!);
    if (c === undefined) {
      index.set(clusters[i]!, (c = sums.length));
      sums.push(0);
      counts.push(0);
    }
    sums[c] = sums[c]! + values[i]!;
    counts[c] = counts[c]! + 1;
  }
  return { sums: Float64Array.from(sums), counts: Float64Array.from(counts) };
}

/** Bootstrap means, ascending: each resample draws as many clusters as there are, with replacement (ratio of sums). */
function bootstrapMeans(sums: Float64Array, counts: Float64Array, rng: Rng, resamples: number): Float64Array {
  const clusters = sums.length;
  const means = new Float64Array(resamples);
  // rng.int(clusters) inlined (the hot loop of every report): the same unbiased 32-bit rejection sampling.
  const limit = 4294967296 - (4294967296 % clusters);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < clusters; i++) {
      let x = rng.nextUint32();
      while (x >= limit) x = rng.nextUint32();
      const c = x % clusters;
      sum += sums[c]!;
      count += counts[c]!;
    }
    means[b] = sum / count;
  }
  return means.sort();
}

/**
 * The mean of `values` with a bootstrap confidence interval. Percentile by default; 'bca' adjusts the
 * percentiles for bias (the share of replicates below the estimate) and skewness (jackknife acceleration).
 * With `clusters` (one label per value, e.g. the seed index), whole clusters are resampled: values that
 * share a seed are correlated, and resampling them one by one would understate the uncertainty.
 * A constant sample, or a single cluster, gets the degenerate interval [mean, mean]; an empty one throws.
 */
export function bootstrapMean(values: ArrayLike<number>, rng: Rng, options: BootstrapOptions = {}): MeanEstimate {
  const { resamples, level, method } = resolveOptions(options);
  const n = values.length;
  if (n === 0) throw new RangeError('bootstrapMean needs at least one value');
  const sum = sumOf(values);
  const mean = sum / n;
  const sd = sampleSd(values, mean);
  const { sums, counts } = clusterTotals(values, options.clusters);
  const clusters = sums.length;
  const base = { n, clusters, mean, sd, level, method, resamples };
  if (sd === null || sd === 0 || clusters === 1) return { ...base, lo: mean, hi: mean };
  const means = bootstrapMeans(sums, counts, rng, resamples);
  const alpha = (1 - level) / 2;
  if (method === 'percentile') {
    return { ...base, lo: quantileSorted(means, alpha), hi: quantileSorted(means, 1 - alpha) };
  }
  // BCa. Bias correction from the share of replicates below the estimate (ties count half), clamped so
  // that it stays finite; acceleration from the leave-one-cluster-out means (sum - s_c) / (n - n_c).
  let below = 0;
  for (let b = 0; b < resamples; b++) below += means[b]! < mean ? 1 : means[b] === mean ? 0.5 : 0;
  const share = Math.min(Math.max(below / resamples, 0.5 / resamples), 1 - 0.5 / resamples);
  const z0 = normalQuantile(share, 0, 1);
  let num = 0;
  let den = 0;
  for (let c = 0; c < clusters; c++) {
    const jackknife = (sum - sums[c]!) / (n - counts[c]!);
    const d = mean - jackknife;
    num += d * d * d;
    den += d * d;
  }
  const acceleration = den > 0 ? num / (6 * den ** 1.5) : 0;
  const adjusted = (z: number): number => normalCdf(z0 + (z0 + z) / (1 - acceleration * (z0 + z)), 0, 1);
  const zAlpha = normalQuantile(alpha, 0, 1);
  return { ...base, lo: quantileSorted(means, adjusted(zAlpha)), hi: quantileSorted(means, adjusted(-zAlpha)) };
}

// ---------------------------------------------------------------------------------------------------
// Paired differences on common seeds

export interface PairingOptions {
  /** Params that differ by design between variants and must not split pairs (e.g. a variant's own protocol settings). */
  ignoreParams?: string[];
}

export interface TrialPair {
  /** seedIndex and the params other than the variant, e.g. "3|attack=\"buy\"|budget=1000". */
  key: string;
  a: TrialResult;
  b: TrialResult;
}

/** The identity of a trial apart from its variant: its seed index and every param except `variant` and the ignored ones. */
export function pairingKey(trial: Pick<TrialResult, 'seedIndex' | 'params'>, ignoreParams: readonly string[] = []): string {
  const names = Object.keys(trial.params)
    .filter((name) => name !== 'variant' && !ignoreParams.includes(name))
    .sort();
  return [String(trial.seedIndex), ...names.map((name) => `${name}=${JSON.stringify(trial.params[name])}`)].join('|');
}

/**
 * Pairs the trials of variant `a` with those of variant `b` that share seed index and params, in the order
 * of `a`'s trials. Trials without a partner are left out; when a key repeats within a variant the first wins.
 */
export function pairTrials(trials: readonly TrialResult[], a: string, b: string, options: PairingOptions = {}): TrialPair[] {
  const ignore = options.ignoreParams ?? [];
  const partners = new Map<string, TrialResult>();
  for (const trial of trials) {
    if (trial.variant !== b) continue;
    const key = pairingKey(trial, ignore);
    if (!partners.has(key)) partners.set(key, trial);
  }
  const pairs: TrialPair[] = [];
  const seen = new Set<string>();
  for (const trial of trials) {
    if (trial.variant !== a) continue;
    const key = pairingKey(trial, ignore);
    const partner = partners.get(key);
    if (partner === undefined || seen.has(key)) continue;
    seen.add(key);
    pairs.push({ key, a: trial, b: partner });
  }
  return pairs;
}

export interface PairedDifference {
  metric: string;
  /** The variant compared, and the one it is compared against (usually the baseline). */
  a: string;
  b: string;
  /** Pairs where both trials report the metric. */
  pairs: number;
  /** Resampling units: distinct seed indices of those pairs (resampleBy 'seed'), or the pairs themselves. */
  units: number;
  resampleBy: 'seed' | 'pair';
  /** Mean of (a - b) over pairs, with a bootstrap interval; null fields when there are no pairs. */
  meanDifference: number | null;
  lo: number | null;
  hi: number | null;
  /** Share of pairs where a is strictly better than b (higher or lower per `higherIsBetter`), and share of ties. */
  shareABetter: number | null;
  shareTies: number | null;
  higherIsBetter: boolean;
  level: number;
  method: BootstrapMethod;
  resamples: number;
}

export interface PairedDifferenceOptions extends Omit<BootstrapOptions, 'clusters'>, PairingOptions {
  higherIsBetter?: boolean;
  /**
   * 'seed' (default): resample seed indices, each with all its pairs, since pairs that share a seed (across
   * stressor values, attacks, populations) are correlated; 'pair': resample pairs independently.
   */
  resampleBy?: 'seed' | 'pair';
}

/** Paired difference a - b of `metric` over trials on common seeds (see pairTrials), bootstrapped over seeds or pairs. */
export function pairedDifference(
  trials: readonly TrialResult[],
  metric: string,
  a: string,
  b: string,
  rng: Rng,
  options: PairedDifferenceOptions = {},
): PairedDifference {
  const { resamples, level, method } = resolveOptions(options);
  const higherIsBetter = options.higherIsBetter ?? true;
  const resampleBy = options.resampleBy ?? 'seed';
  const differences: number[] = [];
  const seeds: number[] = [];
  for (const pair of pairTrials(trials, a, b, options)) {
    const valueA = pair.a.metrics[metric];
    const valueB = pair.b.metrics[metric];
    if (valueA === undefined || valueB === undefined || !Number.isFinite(valueA) || !Number.isFinite(valueB)) continue;
    differences.push(valueA - valueB);
    seeds.push(pair.a.seedIndex);
  }
  const base = { metric, a, b, pairs: differences.length, resampleBy, higherIsBetter, level, method, resamples };
  if (differences.length === 0) return { ...base, units: 0, meanDifference: null, lo: null, hi: null, shareABetter: null, shareTies: null };
  const estimate = bootstrapMean(differences, rng, { resamples, level, method, ...(resampleBy === 'seed' ? { clusters: seeds } : {}) });
  let better = 0;
  let ties = 0;
  for (const d of differences) {
    if (d === 0) ties++;
    else if (higherIsBetter ? d > 0 : d < 0) better++;
  }
  return {
    ...base,
    units: estimate.clusters,
    meanDifference: estimate.mean,
    lo: estimate.lo,
    hi: estimate.hi,
    shareABetter: better / differences.length,
    shareTies: ties / differences.length,
  };
}

// ---------------------------------------------------------------------------------------------------
// Success rates

export { wilsonInterval, zForLevel, type RateInterval } from '../lib/intervals.ts';

// ---------------------------------------------------------------------------------------------------
// Breaking points

/**
 * Weighted isotonic (non-decreasing) regression by pool-adjacent-violators: the non-decreasing sequence
 * closest to `values` in weighted least squares. Weights default to 1 and must be positive.
 */
export function isotonicRegression(values: ArrayLike<number>, weights?: ArrayLike<number>): Float64Array {
  const count = values.length;
  const blockMean = new Float64Array(count);
  const blockWeight = new Float64Array(count);
  const blockSize = new Int32Array(count);
  let blocks = 0;
  for (let i = 0; i < count; i++) {
    const w = weights === undefined ? 1 : weights[i]!;
    if (!(w > 0)) throw new RangeError(`isotonic weights must be positive, got ${w} at ${i}`);
    blockMean[blocks] = values[i]!;
    blockWeight[blocks] = w;
    blockSize[blocks] = 1;
    blocks++;
    while (blocks > 1 && blockMean[blocks - 2]! > blockMean[blocks - 1]!) {
      const merged = blockWeight[blocks - 2]! + blockWeight[blocks - 1]!;
      blockMean[blocks - 2] = (blockMean[blocks - 2]! * blockWeight[blocks - 2]! + blockMean[blocks - 1]! * blockWeight[blocks - 1]!) / merged;
      blockWeight[blocks - 2] = merged;
      blockSize[blocks - 2] = blockSize[blocks - 2]! + blockSize[blocks - 1]!;
      blocks--;
    }
  }
  const fitted = new Float64Array(count);
  let at = 0;
  for (let block = 0; block < blocks; block++) {
    for (let j = 0; j < blockSize[block]!; j++) fitted[at++] = blockMean[block]!;
  }
  return fitted;
}

export type StressorScale = 'linear' | 'log';
/** 'below-grid': even the smallest x reaches the threshold; 'above-grid': no x does; 'none': it crosses inside the grid. */
export type Censoring = 'none' | 'below-grid' | 'above-grid';

export interface StressPoint {
  x: number;
  successes: number;
  n: number;
}

export interface CrossingEstimate {
  estimate: number | null;
  censoring: Censoring;
}

/**
 * Where a non-decreasing curve, known at ascending `xs`, first reaches `threshold`: linear interpolation
 * between the last grid point below it and the first at or above it, in log x for a log scale (a segment
 * starting at x <= 0 falls back to linear, as log x is undefined there).
 */
export function thresholdCrossing(xs: ArrayLike<number>, fitted: ArrayLike<number>, threshold: number, scale: StressorScale): CrossingEstimate {
  const count = xs.length;
  if (count === 0) return { estimate: null, censoring: 'above-grid' };
  let first = -1;
  for (let i = 0; i < count; i++) {
    if (fitted[i]! >= threshold) {
      first = i;
      break;
    }
  }
  if (first === -1) return { estimate: null, censoring: 'above-grid' };
  if (first === 0) return { estimate: null, censoring: 'below-grid' };
  const x0 = xs[first - 1]!;
  const x1 = xs[first]!;
  const y0 = fitted[first - 1]!;
  const y1 = fitted[first]!;
  const t = (threshold - y0) / (y1 - y0);
  if (scale === 'log' && x0 > 0) return { estimate: Math.exp(Math.log(x0) + t * (Math.log(x1) - Math.log(x0))), censoring: 'none' };
  return { estimate: x0 + t * (x1 - x0), censoring: 'none' };
}

export interface BreakingPointOptions {
  /** Success rate that counts as broken (default 0.5). */
  threshold?: number;
  scale?: StressorScale;
  resamples?: number;
  level?: number;
}

export interface BreakingPoint {
  threshold: number;
  scale: StressorScale;
  level: number;
  resamples: number;
  /** The interpolated crossing; null when censored. */
  estimate: number | null;
  censoring: Censoring;
  /** above-grid: the breaking point is above this (the largest x); null otherwise. */
  lowerBound: number | null;
  /** below-grid: the breaking point is at or below this (the smallest x); null otherwise. */
  upperBound: number | null;
  /**
   * Percentile bootstrap interval. An end whose replicates were censored sits at the grid edge and says so:
   * loCensoring 'below-grid' means "at or below lo = min x"; hiCensoring 'above-grid' means "above hi = max x".
   */
  lo: number | null;
  hi: number | null;
  loCensoring: Censoring;
  hiCensoring: Censoring;
  /** Shares of bootstrap replicates censored below and above the grid. */
  replicatesBelowGrid: number;
  replicatesAboveGrid: number;
  /** The grid, ascending, with observed and isotonic-fitted rates. */
  points: Array<StressPoint & { rate: number; fitted: number }>;
}

/** Merges points at equal x, drops empty ones, sorts by x. */
function normaliseGrid(points: readonly StressPoint[]): StressPoint[] {
  const byX = new Map<number, StressPoint>();
  for (const point of points) {
    if (!Number.isFinite(point.x)) throw new RangeError(`stress point x must be finite, got ${point.x}`);
    if (!Number.isInteger(point.n) || point.n < 0 || !(point.successes >= 0 && point.successes <= point.n)) {
      throw new RangeError(`stress point at x=${point.x} needs 0 <= successes <= n, got ${point.successes} of ${point.n}`);
    }
    if (point.n === 0) continue;
    const merged = byX.get(point.x);
    if (merged === undefined) byX.set(point.x, { ...point });
    else {
      merged.successes += point.successes;
      merged.n += point.n;
    }
  }
  return [...byX.values()].sort((p, q) => p.x - q.x);
}

/**
 * The smallest stressor value at which the success rate reaches `threshold`: a monotone non-decreasing
 * curve is fitted to the per-x success rates (pool-adjacent-violators, weighted by n) and its crossing of
 * the threshold interpolated (thresholdCrossing). The interval resamples the Bernoulli outcomes within each
 * grid point (n_i draws at the observed rate, i.e. Binomial(n_i, rate_i)), refits and recrosses; censored
 * replicates count as below the smallest or above the largest x.
 */
export function breakingPoint(points: readonly StressPoint[], rng: Rng, options: BreakingPointOptions = {}): BreakingPoint {
  const threshold = options.threshold ?? 0.5;
  const scale = options.scale ?? 'linear';
  const { resamples, level } = resolveOptions(options);
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`breaking-point threshold must be in (0, 1], got ${threshold}`);
  const grid = normaliseGrid(points);
  const count = grid.length;
  const xs = Float64Array.from(grid, (p) => p.x);
  const ns = Float64Array.from(grid, (p) => p.n);
  const rates = Float64Array.from(grid, (p) => p.successes / p.n);
  const fitted = isotonicRegression(rates, ns);
  const crossing = thresholdCrossing(xs, fitted, threshold, scale);
  const minX = count > 0 ? xs[0]! : null;
  const maxX = count > 0 ? xs[count - 1]! : null;

  const replicates = new Float64Array(resamples);
  const resampledRates = new Float64Array(count);
  let belowGrid = 0;
  let aboveGrid = 0;
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < count; i++) resampledRates[i] = binomial(rng, grid[i]!.n, rates[i]!) / grid[i]!.n;
    const replicate = thresholdCrossing(xs, isotonicRegression(resampledRates, ns), threshold, scale);
    if (replicate.censoring === 'below-grid') {
      replicates[b] = -Infinity;
      belowGrid++;
    } else if (replicate.censoring === 'above-grid') {
      replicates[b] = Infinity;
      aboveGrid++;
    } else replicates[b] = replicate.estimate!;
  }
  replicates.sort();
  const alpha = (1 - level) / 2;
  const end = (p: number): { value: number | null; censoring: Censoring } => {
    if (count === 0) return { value: null, censoring: 'above-grid' };
    const q = quantileSorted(replicates, p);
    if (q === -Infinity) return { value: minX, censoring: 'below-grid' };
    if (q === Infinity) return { value: maxX, censoring: 'above-grid' };
    return { value: q, censoring: 'none' };
  };
  const lo = end(alpha);
  const hi = end(1 - alpha);
  return {
    threshold,
    scale,
    level,
    resamples,
    estimate: crossing.estimate,
    censoring: crossing.censoring,
    lowerBound: crossing.censoring === 'above-grid' ? maxX : null,
    upperBound: crossing.censoring === 'below-grid' ? minX : null,
    lo: lo.value,
    hi: hi.value,
    loCensoring: lo.censoring,
    hiCensoring: hi.censoring,
    replicatesBelowGrid: belowGrid / resamples,
    replicatesAboveGrid: aboveGrid / resamples,
    points: grid.map((p, i) => ({ ...p, rate: rates[i]!, fitted: fitted[i]! })),
  };
}
