/**
 * Samplers for the distributions daogym draws from, each taking an explicit stream.
 *
 * The scalar continuous and discrete samplers are stdlib's (`@stdlib/random-base-*`), driven by the
 * stream's own uniform source through their `prng` option, so the algorithms are the library's
 * (ziggurat normals, Marsaglia-Tsang gammas, PTRS Poisson) and every draw is still reproducible from
 * our seed. Dirichlet and categorical are composed here from those. Normal and lognormal run stdlib's
 * ziggurat and lognormal modules on a lean MT19937 of ours, draw for draw what stdlib's factories give
 * (see zigguratNormal): the simulator makes a stream per proposal, and stdlib's factory setup cost more
 * than the draws.
 *
 * Binomial is written here: stdlib's `random-base-binomial` 0.2.2 is biased by about +0.5 whenever
 * n * p >= 10 (binomial(50, 0.3) averages 15.5 over 2e5 draws, with its own PRNG), so we use
 * Hörmann's BTRS for that range and inversion below it, as NumPy, TensorFlow and PyTorch do.
 */
import betaPkg from '@stdlib/random-base-beta';
import gammaln from '@stdlib/math-base-special-gammaln';
import gammaPkg from '@stdlib/random-base-gamma';
import paretoPkg from '@stdlib/random-base-pareto-type1';
import poissonPkg from '@stdlib/random-base-poisson';
// stdlib's own improved-ziggurat algorithm and lognormal transform (modules inside those packages, typed in
// lib/stdlib-internal.d.ts), driven by the lean per-stream generator below: see zigguratNormal.
import improvedZiggurat from '@stdlib/random-base-improved-ziggurat/lib/improved_ziggurat.js';
import lognormalOf from '@stdlib/random-base-lognormal/lib/lognormal.js';
import type { Rng } from './rng.ts';

type Binary = (a: number, b: number) => number;
type Unary = (a: number) => number;

/**
 * MT19937 (Matsumoto & Nishimura, init_genrand seeding), the word source stdlib's improved ziggurat takes
 * its box index from. Written here because stdlib builds its generator behind a dozen validated,
 * non-enumerable properties, which cost more than the draws when a stream makes only a few normals.
 */
class Mt19937 {
  private readonly state = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    const state = this.state;
    state[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const s = state[i - 1]! ^ (state[i - 1]! >>> 30);
      state[i] = (Math.imul(s, 1812433253) + i) >>> 0;
    }
  }

  readonly next = (): number => {
    if (this.index >= 624) this.twist();
    let r = this.state[this.index++]!;
    r ^= r >>> 11;
    r ^= (r << 7) & 0x9d2c5680;
    r ^= (r << 15) & 0xefc60000;
    r ^= r >>> 18;
    return r >>> 0;
  };

  private twist(): void {
    const state = this.state;
    let i = 0;
    for (; i < 227; i++) {
      const w = (state[i]! & 0x80000000) | (state[i + 1]! & 0x7fffffff);
      state[i] = state[i + 397]! ^ (w >>> 1) ^ (w & 1 ? 0x9908b0df : 0);
    }
    for (; i < 623; i++) {
      const w = (state[i]! & 0x80000000) | (state[i + 1]! & 0x7fffffff);
      state[i] = state[i - 227]! ^ (w >>> 1) ^ (w & 1 ? 0x9908b0df : 0);
    }
    const w = (state[623]! & 0x80000000) | (state[0]! & 0x7fffffff);
    state[623] = state[396]! ^ (w >>> 1) ^ (w & 1 ? 0x9908b0df : 0);
    this.index = 0;
  }
}

/**
 * stdlib's `random-base-improved-ziggurat` factory with a `prng` option, draw for draw: the factory seeds
 * an MT19937 with floor(1 + (2^32 - 1) u) from one uniform of the stream (the box indices), and the
 * ziggurat takes its uniforms from the stream. Same algorithm, same numbers (tested against stdlib's
 * factory), without the factory's per-instance setup.
 */
function zigguratNormal(rng: Rng): () => number {
  const mt = new Mt19937(Math.floor(1 + 4294967295 * rng.random()));
  return improvedZiggurat(rng.random, mt.next);
}

interface Samplers {
  normal: Binary;
  lognormal: Binary;
  pareto: Binary;
  gamma: Binary;
  beta: Binary;
  poisson: Unary;
}

// Samplers bound to a stream, created on first use of each kind (streams are often short-lived, so
// building all of them up front would cost more than the draws). A WeakMap keeps Rng free of
// knowledge about distributions and lets streams be collected.
const boundSamplers = new WeakMap<Rng, Partial<Samplers>>();

const factories: { [K in keyof Samplers]: (rng: Rng) => Samplers[K] } = {
  // stdlib's normal and lognormal (mu + sigma x z, exp(mu + sigma x z)) over the lean ziggurat.
  normal: (rng) => {
    const z = zigguratNormal(rng);
    return (mu, sigma) => mu + sigma * z();
  },
  lognormal: (rng) => {
    const z = zigguratNormal(rng);
    return (mu, sigma) => lognormalOf(z, mu, sigma);
  },
  pareto: (rng) => paretoPkg.factory({ prng: rng.random }) as Binary,
  gamma: (rng) => gammaPkg.factory({ prng: rng.random }) as Binary,
  beta: (rng) => betaPkg.factory({ prng: rng.random }) as Binary,
  poisson: (rng) => poissonPkg.factory({ prng: rng.random }) as Unary,
};

function sampler<K extends keyof Samplers>(rng: Rng, kind: K): Samplers[K] {
  let bound = boundSamplers.get(rng);
  if (bound === undefined) {
    bound = {};
    boundSamplers.set(rng, bound);
  }
  let draw = bound[kind];
  if (draw === undefined) {
    draw = factories[kind](rng);
    bound[kind] = draw;
  }
  return draw as Samplers[K];
}

function requirePositive(value: number, name: string): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive finite number, got ${value}`);
}

export function uniform(rng: Rng, low = 0, high = 1): number {
  if (!(high >= low)) throw new RangeError(`uniform needs low <= high, got [${low}, ${high})`);
  return rng.uniform(low, high);
}

/** Normal with the given mean and standard deviation. */
export function normal(rng: Rng, mean = 0, std = 1): number {
  if (!(std >= 0)) throw new RangeError(`normal std must be >= 0, got ${std}`);
  if (std === 0) return mean;
  return sampler(rng, 'normal')(mean, std);
}

/**
 * The stream's normal sampler itself, `(mean, std) => draw`, for hot loops: the same draws as `normal`
 * without its per-call lookup and checks (std must be > 0). Made at the first call on a stream, like
 * `normal`'s, so take it where the first normal would be drawn, not earlier.
 */
export function normalSampler(rng: Rng): (mean: number, std: number) => number {
  return sampler(rng, 'normal');
}

/** Lognormal: exp(N(mu, sigma^2)). */
export function lognormal(rng: Rng, mu: number, sigma: number): number {
  requirePositive(sigma, 'lognormal sigma');
  return sampler(rng, 'lognormal')(mu, sigma);
}

/** Pareto type I with shape alpha and scale (minimum) xm: P(X > x) = (xm / x)^alpha for x >= xm. */
export function pareto(rng: Rng, alpha: number, xm: number): number {
  requirePositive(alpha, 'pareto alpha');
  requirePositive(xm, 'pareto xm');
  return sampler(rng, 'pareto')(alpha, xm);
}

/** Gamma with shape k and scale theta (mean k * theta), the NumPy parametrisation. */
export function gamma(rng: Rng, shape: number, scale = 1): number {
  requirePositive(shape, 'gamma shape');
  requirePositive(scale, 'gamma scale');
  return sampler(rng, 'gamma')(shape, 1 / scale);
}

export function beta(rng: Rng, a: number, b: number): number {
  requirePositive(a, 'beta a');
  requirePositive(b, 'beta b');
  return sampler(rng, 'beta')(a, b);
}

export function poisson(rng: Rng, lambda: number): number {
  if (lambda === 0) return 0;
  requirePositive(lambda, 'poisson lambda');
  return sampler(rng, 'poisson')(lambda);
}

export function binomial(rng: Rng, n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomial n must be a non-negative integer, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial p must be in [0, 1], got ${p}`);
  if (n === 0 || p === 0) return 0;
  if (p === 1) return n;
  // Sample the count of the rarer outcome and mirror, so both algorithms see p <= 0.5.
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  return n * p < 10 ? binomialInversion(rng, n, p) : binomialBtrs(rng, n, p);
}

/** Sequential inversion (Kachitvichyanukul & Schmeiser's BINV), for n * p < 10. */
function binomialInversion(rng: Rng, n: number, p: number): number {
  const q = 1 - p;
  const odds = p / q;
  const a = (n + 1) * odds;
  for (;;) {
    let probability = q ** n;
    let u = rng.random();
    let k = 0;
    while (u > probability) {
      u -= probability;
      k++;
      if (k > n) break;
      probability *= a / k - odds;
    }
    // Rounding can exhaust the mass before u does; redraw rather than return an impossible count.
    if (k <= n) return k;
  }
}

/** Hörmann (1993), "The generation of binomial random variates", algorithm BTRS, for n * p >= 10, p <= 0.5. */
function binomialBtrs(rng: Rng, n: number, p: number): number {
  const q = 1 - p;
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const alpha = (2.83 + 5.1 / b) * spq;
  const logOdds = Math.log(p / q);
  const mode = Math.floor((n + 1) * p);
  const h = gammaln(mode + 1) + gammaln(n - mode + 1);
  for (;;) {
    const u = rng.random() - 0.5;
    let v = rng.random();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    if (v <= h - gammaln(k + 1) - gammaln(n - k + 1) + (k - mode) * logOdds) return k;
  }
}

/** Dirichlet(alpha): independent Gamma(alpha_i, 1) draws normalised to sum to 1. */
export function dirichlet(rng: Rng, alpha: ArrayLike<number>, out = new Float64Array(alpha.length)): Float64Array {
  if (alpha.length === 0) throw new RangeError('dirichlet needs at least one concentration');
  let total = 0;
  for (let i = 0; i < alpha.length; i++) {
    const draw = gamma(rng, alpha[i]!, 1);
    out[i] = draw;
    total += draw;
  }
  if (total === 0) {
    // All gammas underflowed (tiny concentrations): the limit is a vertex chosen in proportion to alpha.
    out.fill(0);
    out[categorical(rng, alpha)] = 1;
    return out;
  }
  for (let i = 0; i < alpha.length; i++) out[i]! /= total;
  return out;
}

/**
 * Index drawn with probability proportional to `weights` (need not sum to 1; must be non-negative
 * with a positive total). Linear scan: for repeated draws from one table, build an AliasTable.
 */
export function categorical(rng: Rng, weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`categorical weight ${i} must be finite and >= 0, got ${w}`);
    total += w;
  }
  if (!(total > 0)) throw new RangeError('categorical weights must have a positive total');
  let target = rng.random() * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i]!;
    if (target < 0) return i;
  }
  // Rounding can leave target at a hair above zero: return the last index with positive weight.
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
  return weights.length - 1;
}

/** Walker/Vose alias table: O(1) categorical draws after O(n) setup. */
export class AliasTable {
  private readonly probability: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new RangeError('AliasTable needs at least one weight');
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`AliasTable weight ${i} must be finite and >= 0, got ${w}`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError('AliasTable weights must have a positive total');
    this.probability = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i]! * n) / total;
      (scaled[i]! < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.probability[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l]! < 1 ? small : large).push(l);
    }
    for (const i of large) this.probability[i] = 1;
    for (const i of small) this.probability[i] = 1;
  }

  sample(rng: Rng): number {
    const i = rng.int(this.probability.length);
    return rng.random() < this.probability[i]! ? i : this.alias[i]!;
  }
}
