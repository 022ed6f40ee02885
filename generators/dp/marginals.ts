/**
 * Column marginals as histograms on a PUBLIC grid, for differentially private preprocessing and for
 * federated training.
 *
 * The VAE maps each column to normal scores through its marginal CDF and maps samples back through the
 * quantile function. The empirical marginal (sorted training values) reads every row; under DP it is
 * replaced by a histogram whose cells depend only on public bounds (never on the data), released with
 * the Gaussian mechanism:
 * - cells: an atom (point mass) at each bound and at any declared public atoms, open intervals between grid
 *   points (linear, or geometric towards the low end for skewed columns); for integer columns every grid
 *   point is an atom and an interval holds the integers strictly between two points. Values outside the
 *   bounds are clamped to them.
 * - each record adds 1 to exactly one cell per column, so under add/remove-one neighbours the histograms of
 *   all d columns together have L2 sensitivity sqrt(d); adding N(0, (sigma sqrt(d))^2) to every count is the
 *   Gaussian mechanism with noise multiplier sigma, whose RDP is alpha / (2 sigma^2) at every order. That
 *   curve is added to DP-SGD's before converting to (epsilon, delta), so the total is one honest budget.
 * - post-processing (free under DP): counts below `threshold` noise stds are set to 0 (empty cells would
 *   otherwise collect spurious mass), and the CDF interpolates linearly inside intervals.
 * Federated holders share only such histograms (noisy under DP, exact counts on the public grid otherwise);
 * the server adds them into the common marginal, so no raw value leaves a holder.
 */
import { normal } from '../../lib/distributions.ts';
import type { Rng } from '../../lib/rng.ts';

export interface ColumnBounds {
  /** Public lower and upper bounds; values outside are clamped. */
  low: number;
  high: number;
  /** Integer-valued column: samples are integers, every grid point is an atom. */
  integer?: boolean;
  /** 'log': grid points crowd geometrically towards `low` (for right-skewed columns). */
  scale?: 'linear' | 'log';
  /** Public interior values that carry point masses (e.g. 0.5 for a rate of small counts). */
  atoms?: number[];
}

/**
 * Public bounds of the member feature columns (generators/import/features.ts), from what the columns mean,
 * not from any data: rates and timing lie in [0, 1]; log10(1 + tokens) of a token with supply under 1e10 is
 * under 10; a member casts at most one vote per proposal (no DAO here has 1,000); tenure is under 10 years.
 */
export const FEATURE_BOUNDS: Readonly<Record<string, ColumnBounds>> = {
  logVotingPower: { low: 0, high: 10, scale: 'log' },
  participation: { low: 0, high: 1, atoms: [0.5] },
  supportRate: { low: 0, high: 1, atoms: [0.5] },
  meanTiming: { low: 0, high: 1 },
  votes: { low: 0, high: 1000, integer: true, scale: 'log' },
  tenureDays: { low: 0, high: 3650, scale: 'log' },
};

export interface HistogramMarginal {
  kind: 'histogram';
  /** Cell c covers [lows[c], highs[c]] (an interval open at its ends for real columns); lows[c] === highs[c] is an atom. */
  lows: number[];
  highs: number[];
  /** Non-negative counts per cell (noisy and post-processed under DP). */
  counts: number[];
  integer: boolean;
}

function gridPoints(bounds: ColumnBounds, intervals: number): number[] {
  const { low, high } = bounds;
  if (!(high > low)) throw new RangeError(`bounds need low < high, got [${low}, ${high}]`);
  if (!Number.isInteger(intervals) || intervals < 1) throw new RangeError(`intervals must be a positive integer, got ${intervals}`);
  // Geometric spacing with ratio R between the first and the whole range: fine cells near `low`.
  const ratio = 1e5;
  const points = Array.from({ length: intervals + 1 }, (_, k) => {
    const t = k / intervals;
    return bounds.scale === 'log' ? low + ((high - low) * (Math.pow(ratio, t) - 1)) / (ratio - 1) : low + (high - low) * t;
  });
  points[intervals] = high;
  if (!bounds.integer) return points;
  const integers = new Set(points.map((p) => Math.round(p)));
  // Small counts are where integer columns concentrate: keep each of the first 16 integers a point of its own.
  for (let v = Math.ceil(low); v <= Math.min(Math.floor(high), Math.ceil(low) + 16); v++) integers.add(v);
  return [...integers].filter((v) => v >= low && v <= high).sort((a, b) => a - b);
}

/** The empty histogram (cells, zero counts) of a column with these public bounds. */
export function histogramCells(bounds: ColumnBounds, intervals: number): HistogramMarginal {
  const points = gridPoints(bounds, intervals);
  const lows: number[] = [];
  const highs: number[] = [];
  const push = (lo: number, hi: number) => {
    lows.push(lo);
    highs.push(hi);
  };
  if (bounds.integer) {
    points.forEach((p, k) => {
      push(p, p);
      const next = points[k + 1];
      if (next !== undefined && next - p > 1) push(p + 1, next - 1);
    });
  } else {
    const atoms = [...new Set([bounds.low, bounds.high, ...(bounds.atoms ?? [])])].filter((a) => a >= bounds.low && a <= bounds.high);
    const cuts = [...new Set([...points, ...atoms])].sort((a, b) => a - b);
    cuts.forEach((p, k) => {
      if (atoms.includes(p)) push(p, p);
      const next = cuts[k + 1];
      if (next !== undefined) push(p, next);
    });
  }
  return { kind: 'histogram', lows, highs, counts: lows.map(() => 0), integer: bounds.integer ?? false };
}

/** The cell holding x (clamped to the bounds). Atoms win over the interval that starts at the same value. */
export function cellOf(m: HistogramMarginal, x: number): number {
  const { lows, highs } = m;
  const last = lows.length - 1;
  const v = Math.min(highs[last]!, Math.max(lows[0]!, m.integer ? Math.round(x) : x));
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lows[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  // `lo` is the last cell starting at or below v; an atom at the same value sits just before its interval.
  if (lo > 0 && lows[lo - 1] === v && highs[lo - 1] === v) return lo - 1;
  return lo;
}

/** Exact counts of a column on the cells of `empty` (a new histogram; `empty` is not modified). */
export function countColumn(empty: HistogramMarginal, column: ArrayLike<number>): HistogramMarginal {
  const counts = new Array<number>(empty.lows.length).fill(0);
  for (let i = 0; i < column.length; i++) {
    const cell = cellOf(empty, column[i]!);
    counts[cell] = counts[cell]! + 1;
  }
  return { ...empty, counts };
}

/** Adds N(0, std^2) to every count from `rng`, then zeroes counts under `threshold` x std (post-processing). */
export function addGaussianNoise(histogram: HistogramMarginal, std: number, rng: Rng, threshold = 1): HistogramMarginal {
  const counts = histogram.counts.map((c) => {
    const noisy = c + normal(rng, 0, std);
    return noisy < threshold * std ? 0 : noisy;
  });
  return { ...histogram, counts };
}

/** The histogram of several holders' histograms on the same cells (their counts added). */
export function mergeHistograms(parts: HistogramMarginal[]): HistogramMarginal {
  const first = parts[0];
  if (first === undefined) throw new RangeError('no histograms to merge');
  for (const part of parts) {
    if (part.lows.length !== first.lows.length || part.lows.some((v, c) => v !== first.lows[c] || part.highs[c] !== first.highs[c])) {
      throw new RangeError('histograms on different cells cannot be merged');
    }
  }
  return { ...first, counts: first.counts.map((_, c) => parts.reduce((sum, p) => sum + p.counts[c]!, 0)) };
}

function total(m: HistogramMarginal): number {
  return m.counts.reduce((a, b) => a + b, 0);
}

/** CDF position of x: mass below its cell plus its share of the cell (half of an atom; linear within an interval). */
export function histogramCdf(m: HistogramMarginal, x: number): number {
  const sum = total(m);
  if (!(sum > 0)) return 0.5;
  const cell = cellOf(m, x);
  let below = 0;
  for (let c = 0; c < cell; c++) below += m.counts[c]!;
  const lo = m.lows[cell]!;
  const hi = m.highs[cell]!;
  let fraction: number;
  if (lo === hi) fraction = 0.5;
  else if (m.integer) fraction = (Math.round(x) - lo + 0.5) / (hi - lo + 1);
  else fraction = (Math.min(hi, Math.max(lo, x)) - lo) / (hi - lo);
  return (below + m.counts[cell]! * fraction) / sum;
}

/** A quantile function over a histogram, with cumulative counts precomputed (for sampling many rows). */
export function histogramQuantile(m: HistogramMarginal): (u: number) => number {
  const cells = m.counts.map((_, c) => c).filter((c) => m.counts[c]! > 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const c of cells) cumulative.push((running += m.counts[c]!));
  const sum = running;
  if (cells.length === 0) {
    const middle = (m.lows[0]! + m.highs.at(-1)!) / 2;
    return () => (m.integer ? Math.round(middle) : middle);
  }
  return (u: number) => {
    const target = Math.min(1, Math.max(0, u)) * sum;
    let lo = 0;
    let hi = cells.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    const cell = cells[lo]!;
    const start = cumulative[lo]! - m.counts[cell]!;
    const fraction = Math.min(1, Math.max(0, (target - start) / m.counts[cell]!));
    const low = m.lows[cell]!;
    const high = m.highs[cell]!;
    if (m.integer) return Math.min(high, low + Math.floor(fraction * (high - low + 1)));
    return low + fraction * (high - low);
  };
}

/** Public bounds for `columns`: `given` first, then FEATURE_BOUNDS; a column with neither is an error. */
export function boundsFor(columns: string[], given: Record<string, ColumnBounds> = {}): ColumnBounds[] {
  return columns.map((c) => {
    const bounds = given[c] ?? FEATURE_BOUNDS[c];
    if (bounds === undefined) throw new RangeError(`differential privacy needs public bounds for column '${c}' (give dp.bounds.${c} = { low, high })`);
    return bounds;
  });
}
