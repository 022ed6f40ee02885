/** Confidence intervals used across the project: the normal quantile of a level, and Wilson's interval for a proportion. */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

/** The two-sided standard normal quantile for a confidence level, e.g. 1.959964 for 0.95. */
export function zForLevel(level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  return normalQuantile(1 - (1 - level) / 2, 0, 1);
}

export interface RateInterval {
  successes: number;
  n: number;
  /** successes / n; null when n = 0. */
  rate: number | null;
  lo: number;
  hi: number;
  level: number;
}

/**
 * The Wilson score interval for a binomial proportion (Wilson 1927): it stays inside [0, 1], is not
 * degenerate at 0/n or n/n, and covers close to its nominal level even for small n. n = 0 gives [0, 1].
 */
export function wilsonInterval(successes: number, n: number, level = 0.95): RateInterval {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!(successes >= 0 && successes <= n)) throw new RangeError(`successes must be in [0, n], got ${successes} of ${n}`);
  if (n === 0) return { successes, n, rate: null, lo: 0, hi: 1, level };
  const z = zForLevel(level);
  const p = successes / n;
  const z2n = (z * z) / n;
  const denominator = 1 + z2n;
  const centre = (p + z2n / 2) / denominator;
  const halfWidth = (z * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))) / denominator;
  return {
    successes,
    n,
    rate: p,
    lo: successes === 0 ? 0 : Math.max(0, centre - halfWidth),
    hi: successes === n ? 1 : Math.min(1, centre + halfWidth),
    level,
  };
}

