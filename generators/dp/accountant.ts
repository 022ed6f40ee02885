/**
 * Rényi-DP accountant for the subsampled Gaussian mechanism (DP-SGD), as specified in
 * ../shared/docs/synthetic-data.md and implemented by Opacus / TF-Privacy:
 *   RDP(alpha) of one step (Mironov, Talwar & Zhang 2019): log(A_alpha) / (alpha - 1), A_alpha by the binomial
 *   sum for integer orders and by the erfc series for fractional ones; steps compose additively;
 *   epsilon = min over orders of RDP + log((alpha-1)/alpha) - (log delta + log alpha) / (alpha - 1)
 *   (Balle et al. 2020). All sums in log space.
 * And the inverse: the smallest noise multiplier that meets a target (epsilon, delta), optionally on top of
 * other mechanisms' RDP (composition is by adding RDP curves before the conversion).
 */
import erfc from '@stdlib/math-base-special-erfc';

/** Opacus's default orders: 1 + x/10 for x = 1..99, 12..63, 128, 256, 512. */
export const DEFAULT_ORDERS: readonly number[] = [
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 52 }, (_, x) => 12 + x),
  128,
  256,
  512,
];

function logAdd(a: number, b: number): number {
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  if (hi === -Infinity) return -Infinity;
  return hi + Math.log1p(Math.exp(lo - hi));
}

function logSub(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (a === b) return -Infinity;
  if (a < b) throw new RangeError('logSub: the result would be negative');
  return a + Math.log1p(-Math.exp(b - a));
}

/** log(erfc(x)), accurate where erfc underflows (asymptotic series for large x). */
export function logErfc(x: number): number {
  if (x < 25) return Math.log(erfc(x));
  const x2 = x * x;
  return -x2 - Math.log(x) - 0.5 * Math.log(Math.PI) + Math.log1p(-1 / (2 * x2) + 3 / (4 * x2 * x2) - 15 / (8 * x2 * x2 * x2));
}

/** log A_alpha for integer alpha: log sum_i C(alpha, i) (1-q)^(alpha-i) q^i exp((i^2 - i) / (2 sigma^2)). */
function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  let logBinom = 0; // log C(alpha, 0)
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log((alpha - i + 1) / i);
    const term = logBinom + i * Math.log(q) + (alpha - i) * Math.log1p(-q) + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, term);
  }
  return logA;
}

/** log A_alpha for fractional alpha: the two-sided erfc series (Opacus `_compute_log_a_frac`). */
function logAFractional(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  let logAbsCoef = 0; // log |C(alpha, 0)|
  let coefSign = 1;
  for (let i = 0; ; i++) {
    if (i > 0) {
      // Generalised binomial: C(alpha, i) = C(alpha, i - 1) (alpha - i + 1) / i, which may change sign.
      const factor = (alpha - i + 1) / i;
      logAbsCoef += Math.log(Math.abs(factor));
      if (factor < 0) coefSign = -coefSign;
    }
    const j = alpha - i;
    const logT0 = logAbsCoef + i * Math.log(q) + j * Math.log1p(-q);
    const logT1 = logAbsCoef + j * Math.log(q) + i * Math.log1p(-q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (coefSign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) break;
  }
  return logAdd(logA0, logA1);
}

/** RDP of `steps` compositions of the Poisson-subsampled Gaussian with rate q and noise multiplier sigma. */
export function computeRdp(q: number, sigma: number, steps: number, orders: readonly number[] = DEFAULT_ORDERS): Float64Array {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`sampling rate q must be in [0, 1], got ${q}`);
  if (!(sigma > 0)) throw new RangeError(`noise multiplier must be > 0, got ${sigma}`);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be a non-negative integer, got ${steps}`);
  return Float64Array.from(orders, (alpha) => {
    if (!(alpha > 1)) throw new RangeError(`RDP orders must be > 1, got ${alpha}`);
    if (q === 0) return 0;
    if (q === 1) return (steps * alpha) / (2 * sigma * sigma);
    const logA = Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha);
    return (steps * logA) / (alpha - 1);
  });
}

/** (epsilon, best order) for a target delta from RDP values (Balle et al. 2020 conversion). */
export function privacySpent(rdp: ArrayLike<number>, delta: number, orders: readonly number[] = DEFAULT_ORDERS): { epsilon: number; bestOrder: number } {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
  let epsilon = Infinity;
  let bestOrder = NaN;
  orders.forEach((alpha, k) => {
    const value = rdp[k]! - (Math.log(delta) + Math.log(alpha)) / (alpha - 1) + Math.log((alpha - 1) / alpha);
    if (Number.isFinite(value) && value < epsilon) {
      epsilon = value;
      bestOrder = alpha;
    }
  });
  return { epsilon: Math.max(0, epsilon), bestOrder };
}

/**
 * RDP of the (full-batch) Gaussian mechanism with noise multiplier sigma = noise std / L2 sensitivity:
 * alpha / (2 sigma^2) at every order. Used for the DP preprocessing that releases noisy histograms.
 */
export function gaussianMechanismRdp(sigma: number, orders: readonly number[] = DEFAULT_ORDERS): Float64Array {
  return computeRdp(1, sigma, 1, orders);
}

/** Adds RDP curves (over the same orders): the composition of the mechanisms they describe. */
export function composeRdp(...curves: ArrayLike<number>[]): Float64Array {
  const length = curves[0]?.length ?? DEFAULT_ORDERS.length;
  const total = new Float64Array(length);
  for (const curve of curves) {
    if (curve.length !== length) throw new RangeError('RDP curves over different orders cannot be added');
    for (let k = 0; k < length; k++) total[k] = total[k]! + curve[k]!;
  }
  return total;
}

/** The Gaussian-mechanism noise multiplier whose own (epsilon, delta) is at most `targetEpsilon` (within `accuracy`). */
export function gaussianNoiseFor(targetEpsilon: number, delta: number, accuracy = 0.001): number {
  return noiseMultiplierFor(targetEpsilon, delta, 1, 1, accuracy);
}

/** epsilon spent by DP-SGD with sampling rate q, noise multiplier sigma, `steps` steps, at delta. */
export function dpSgdEpsilon(q: number, sigma: number, steps: number, delta: number): { epsilon: number; bestOrder: number } {
  return privacySpent(computeRdp(q, sigma, steps), delta);
}

/**
 * The smallest noise multiplier whose epsilon after `steps` steps at rate q is at most `targetEpsilon`
 * (Opacus's get_noise_multiplier: grow an upper bracket, then bisect to `accuracy` in epsilon).
 */
export function noiseMultiplierFor(targetEpsilon: number, delta: number, q: number, steps: number, accuracy = 0.01, baseRdp?: ArrayLike<number>): number {
  if (!(targetEpsilon > 0)) throw new RangeError(`target epsilon must be > 0, got ${targetEpsilon}`);
  // With `baseRdp` (other mechanisms on the same data), the total composed with DP-SGD must meet the target.
  const spent = (sigma: number) => (baseRdp === undefined ? dpSgdEpsilon(q, sigma, steps, delta).epsilon : privacySpent(composeRdp(baseRdp, computeRdp(q, sigma, steps)), delta).epsilon);
  if (baseRdp !== undefined && privacySpent(baseRdp, delta).epsilon >= targetEpsilon) {
    throw new RangeError(`the other mechanisms already spend epsilon >= ${targetEpsilon}; nothing is left for DP-SGD`);
  }
  let low = 0;
  let high = 10;
  let epsHigh = spent(high);
  for (let guard = 0; epsHigh > targetEpsilon; guard++) {
    if (guard > 60) throw new RangeError(`no noise multiplier reaches epsilon ${targetEpsilon}`);
    low = high;
    high *= 2;
    epsHigh = spent(high);
  }
  while (targetEpsilon - epsHigh > accuracy && high - low > 1e-9 * high) {
    const mid = (low + high) / 2;
    const eps = spent(mid);
    if (eps < targetEpsilon) {
      high = mid;
      epsHigh = eps;
    } else {
      low = mid;
    }
  }
  return high;
}
