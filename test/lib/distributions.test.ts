import { test } from 'uvu';
import * as assert from 'uvu/assert';
import lognormalPkg from '@stdlib/random-base-lognormal';
import mt19937Pkg from '@stdlib/random-base-mt19937';
import normalPkg from '@stdlib/random-base-normal';
import * as D from '../../lib/distributions.ts';
import { Rng } from '../../lib/rng.ts';

const N = 100_000;

/** Sample mean and variance of n draws. */
function moments(draw: () => number, n = N): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sumSq / n - mean * mean };
}

/** Asserts the sample mean is within 4.5 standard errors and the variance within a relative tolerance. */
function checkMoments(name: string, draw: () => number, mean: number, variance: number, varianceTolerance = 0.03): void {
  const observed = moments(draw);
  const standardError = Math.sqrt(variance / N);
  assert.ok(Math.abs(observed.mean - mean) < 4.5 * standardError, `${name}: mean ${observed.mean} expected ${mean}`);
  assert.ok(Math.abs(observed.variance / variance - 1) < varianceTolerance, `${name}: variance ${observed.variance} expected ${variance}`);
}

test('uniform, normal and lognormal match their moments over 1e5 draws', () => {
  const rng = Rng.create(1);
  checkMoments('uniform(2, 5)', () => D.uniform(rng, 2, 5), 3.5, 9 / 12);
  checkMoments('normal(3, 2)', () => D.normal(rng, 3, 2), 3, 4);
  const mu = 0.5;
  const sigma = 0.4;
  checkMoments('lognormal(0.5, 0.4)', () => D.lognormal(rng, mu, sigma), Math.exp(mu + sigma ** 2 / 2), (Math.exp(sigma ** 2) - 1) * Math.exp(2 * mu + sigma ** 2), 0.05);
});

test('Pareto type I: mean alpha xm / (alpha - 1), and P(X > x) = (xm / x)^alpha', () => {
  const rng = Rng.create(2);
  const alpha = 4.5;
  const xm = 2;
  checkMoments('pareto(4.5, 2)', () => D.pareto(rng, alpha, xm), (alpha * xm) / (alpha - 1), (xm * xm * alpha) / ((alpha - 1) ** 2 * (alpha - 2)), 0.1);
  let above = 0;
  for (let i = 0; i < N; i++) {
    const x = D.pareto(rng, 1.16, 1);
    assert.ok(x >= 1);
    if (x > 4) above++;
  }
  const expected = 4 ** -1.16;
  assert.ok(Math.abs(above / N - expected) < 0.005, `tail ${above / N} expected ${expected}`);
});

test('gamma (shape, scale) and beta match their moments', () => {
  const rng = Rng.create(3);
  checkMoments('gamma(2.5, 2)', () => D.gamma(rng, 2.5, 2), 5, 10);
  checkMoments('gamma(0.3, 1)', () => D.gamma(rng, 0.3, 1), 0.3, 0.3, 0.06);
  const a = 2;
  const b = 5;
  checkMoments('beta(2, 5)', () => D.beta(rng, a, b), a / (a + b), (a * b) / ((a + b) ** 2 * (a + b + 1)));
});

test('Poisson and binomial match their moments and are integers', () => {
  const rng = Rng.create(4);
  checkMoments('poisson(3.2)', () => D.poisson(rng, 3.2), 3.2, 3.2);
  checkMoments('poisson(250)', () => D.poisson(rng, 250), 250, 250);
  checkMoments('binomial(20, 0.3)', () => D.binomial(rng, 20, 0.3), 6, 4.2);
  checkMoments('binomial(1000, 0.02)', () => D.binomial(rng, 1000, 0.02), 20, 19.6);
  for (let i = 0; i < 1000; i++) {
    const k = D.binomial(rng, 7, 0.5);
    assert.ok(Number.isInteger(k) && k >= 0 && k <= 7);
  }
  assert.is(D.binomial(rng, 5, 1), 5);
  assert.is(D.poisson(rng, 0), 0);
});

test('binomial frequencies match the exact pmf (both the inversion and the BTRS ranges)', () => {
  // Regression: stdlib's binomial averaged n * p + 0.5 for n * p >= 10.
  const logChoose = (n: number, k: number) => {
    let s = 0;
    for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
    return s;
  };
  for (const [n, p] of [
    [50, 0.3],
    [1000, 0.02],
    [12, 0.9],
    [400, 0.5],
  ] as const) {
    const rng = Rng.create(n);
    const counts = new Map<number, number>();
    for (let i = 0; i < N; i++) {
      const k = D.binomial(rng, n, p);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    // Chi-square over the cells with expected count >= 20, the rest pooled.
    let chi = 0;
    let cells = 0;
    let pooledObserved = N;
    let pooledExpected = N;
    for (let k = 0; k <= n; k++) {
      const expected = N * Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
      if (expected < 20) continue;
      const observed = counts.get(k) ?? 0;
      chi += (observed - expected) ** 2 / expected;
      pooledObserved -= observed;
      pooledExpected -= expected;
      cells++;
    }
    if (pooledExpected >= 5) {
      chi += (pooledObserved - pooledExpected) ** 2 / pooledExpected;
      cells++;
    }
    // Wilson-Hilferty 99.9 % quantile of chi-square with cells - 1 degrees of freedom.
    const df = cells - 1;
    const limit = df * (1 - 2 / (9 * df) + 3.09 * Math.sqrt(2 / (9 * df))) ** 3;
    assert.ok(chi < limit, `binomial(${n}, ${p}): chi-square ${chi.toFixed(1)} over ${df} df, limit ${limit.toFixed(1)}`);
  }
});

test('Dirichlet draws lie on the simplex with mean alpha_i / sum(alpha)', () => {
  const rng = Rng.create(5);
  const alpha = [1, 2, 7];
  const total = 10;
  const sums = new Float64Array(3);
  const sumSq = new Float64Array(3);
  const n = N / 2;
  for (let i = 0; i < n; i++) {
    const x = D.dirichlet(rng, alpha);
    let s = 0;
    x.forEach((v, j) => {
      assert.ok(v >= 0);
      s += v;
      sums[j]! += v;
      sumSq[j]! += v * v;
    });
    assert.ok(Math.abs(s - 1) < 1e-12);
  }
  alpha.forEach((a, j) => {
    const mean = sums[j]! / n;
    const variance = sumSq[j]! / n - mean * mean;
    const expectedMean = a / total;
    const expectedVariance = (expectedMean * (1 - expectedMean)) / (total + 1);
    assert.ok(Math.abs(mean - expectedMean) < 0.003, `component ${j} mean ${mean}`);
    assert.ok(Math.abs(variance / expectedVariance - 1) < 0.05, `component ${j} variance ${variance}`);
  });
});

test('categorical and the alias table draw in proportion to the weights', () => {
  const weights = [0.1, 0, 0.6, 0.3];
  for (const [name, draw] of [
    ['categorical', (rng: Rng) => D.categorical(rng, weights)],
    ['alias', ((table) => (rng: Rng) => table.sample(rng))(new D.AliasTable(weights))],
  ] as const) {
    const rng = Rng.create(6);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < N; i++) counts[draw(rng)]!++;
    weights.forEach((w, j) => assert.ok(Math.abs(counts[j]! / N - w) < 0.006, `${name} index ${j}: ${counts[j]! / N} vs ${w}`));
    assert.is(counts[1], 0, `${name} never draws a zero weight`);
  }
  assert.throws(() => D.categorical(Rng.create(0), [0, 0]), /positive total/);
  assert.throws(() => D.categorical(Rng.create(0), [1, -1]), /finite and >= 0/);
});

test('samplers are reproducible per stream and reject bad parameters', () => {
  const seq = (seed: number) => {
    const rng = Rng.create(seed);
    return [D.normal(rng), D.gamma(rng, 2), D.beta(rng, 2, 3), D.poisson(rng, 4), D.binomial(rng, 10, 0.4), D.pareto(rng, 2, 1)];
  };
  assert.equal(seq(10), seq(10));
  assert.not.equal(seq(10), seq(11));
  assert.throws(() => D.gamma(Rng.create(0), -1), /gamma shape/);
  assert.throws(() => D.binomial(Rng.create(0), 3, 1.5), /binomial p/);
  assert.throws(() => D.lognormal(Rng.create(0), 0, 0), /lognormal sigma/);
});

test("normal and lognormal are stdlib's factories draw for draw (the lean ziggurat's MT19937 and seeding match)", () => {
  // stdlib's own MT19937 seeded with 5489 (the reference C code's default): the first words of mt19937ar.out.
  const mt = mt19937Pkg.factory({ seed: 5489 });
  assert.equal([mt(), mt(), mt()], [3499211612, 581869302, 3890346734]);
  for (const seed of [1, 7, 2026]) {
    // Many short streams, as the simulator makes them (one per proposal), and one long one (MT19937 twists).
    for (let k = 0; k < 50; k++) {
      const ours = Rng.create(seed).stream('s', k);
      const theirs = Rng.create(seed).stream('s', k);
      // Samplers are made at a stream's first draw of their kind (each factory takes one uniform to seed it).
      let normal: ((mu: number, sigma: number) => number) | undefined;
      let lognormal: ((mu: number, sigma: number) => number) | undefined;
      const draws = k === 0 ? 3000 : 5;
      for (let i = 0; i < draws; i++) {
        const n = D.normal(ours, 0.5, 2);
        normal ??= normalPkg.factory({ prng: theirs.random });
        assert.is(n, normal(0.5, 2), `seed ${seed} stream ${k} draw ${i}`);
        const l = D.lognormal(ours, 1, 0.8);
        lognormal ??= lognormalPkg.factory({ prng: theirs.random });
        assert.is(l, lognormal(1, 0.8), `seed ${seed} stream ${k} draw ${i}`);
      }
      assert.is(ours.random(), theirs.random(), 'both streams consumed the same uniforms');
    }
  }
});

test.run();
