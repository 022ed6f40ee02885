import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { binomial, normal } from '../../lib/distributions.ts';
import { Rng } from '../../lib/rng.ts';
import {
  bootstrapMean,
  breakingPoint,
  isotonicRegression,
  pairedDifference,
  pairTrials,
  quantileSorted,
  thresholdCrossing,
  wilsonInterval,
  type StressPoint,
} from '../../runner/stats.ts';
import type { TrialResult } from '../../runner/types.ts';

const close = (actual: number | null, expected: number, tolerance: number, label: string): void => {
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `${label}: got ${actual}, expected ${expected} +- ${tolerance}`);
};

test('quantileSorted interpolates like R type 7 and takes the infinite side next to a censored value', () => {
  const sorted = [1, 2, 3, 4];
  assert.is(quantileSorted(sorted, 0), 1);
  assert.is(quantileSorted(sorted, 1), 4);
  close(quantileSorted(sorted, 0.5), 2.5, 1e-12, 'median');
  close(quantileSorted(sorted, 0.25), 1.75, 1e-12, 'q25');
  assert.is(quantileSorted([-Infinity, 2, 3], 0.25), -Infinity);
  assert.is(quantileSorted([1, 2, Infinity], 0.75), Infinity);
  assert.is(quantileSorted([1, 2, Infinity], 0.5), 2);
});

test('bootstrapMean: exact mean and sd, hand-computed percentile interval for [0, 1], degenerate for a constant sample', () => {
  const estimate = bootstrapMean([1, 2, 3, 4, 10], Rng.create(1).stream('bootstrap'));
  close(estimate.mean, 4, 1e-12, 'mean');
  close(estimate.sd, Math.sqrt(50 / 4), 1e-12, 'sd');
  assert.is(estimate.n, 5);
  assert.is(estimate.method, 'percentile');
  assert.is(estimate.resamples, 2000);
  assert.ok(estimate.lo < 4 && estimate.hi > 4 && estimate.lo >= 1 && estimate.hi <= 10);
  // Resample means of [0, 1] are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4: the 2.5 % and 97.5 %
  // percentiles are 0 and 1.
  const twoPoint = bootstrapMean([0, 1], Rng.create(2).stream('bootstrap'));
  assert.is(twoPoint.lo, 0);
  assert.is(twoPoint.hi, 1);
  const constant = bootstrapMean([3, 3, 3], Rng.create(3).stream('bootstrap'));
  assert.equal([constant.lo, constant.hi, constant.sd], [3, 3, 0]);
  const single = bootstrapMean([7], Rng.create(3).stream('bootstrap'));
  assert.equal([single.mean, single.lo, single.hi, single.sd], [7, 7, 7, null]);
  assert.throws(() => bootstrapMean([], Rng.create(1)), /at least one value/);
  assert.throws(() => bootstrapMean([1, 2], Rng.create(1), { level: 1.5 }), /confidence level/);
});

test('bootstrapMean is a pure function of the stream: same seed same interval, another seed another', () => {
  const values = [0.3, 1.2, -0.4, 2.2, 0.9, 1.7, 0.1, -1.1];
  const a = bootstrapMean(values, Rng.create(5).stream('bootstrap'));
  const b = bootstrapMean(values, Rng.create(5).stream('bootstrap'));
  const c = bootstrapMean(values, Rng.create(6).stream('bootstrap'));
  assert.equal(a, b);
  assert.not.equal([a.lo, a.hi], [c.lo, c.hi]);
});

test('bootstrapMean: the percentile interval is close to mean +- 1.96 s / sqrt(n) for a large normal sample', () => {
  const rng = Rng.create(7).stream('data');
  const values = Array.from({ length: 400 }, () => normal(rng, 10, 2));
  const estimate = bootstrapMean(values, Rng.create(7).stream('bootstrap'));
  const halfWidth = (1.959964 * estimate.sd!) / Math.sqrt(400);
  close(estimate.lo, estimate.mean - halfWidth, 0.12 * halfWidth, 'lo');
  close(estimate.hi, estimate.mean + halfWidth, 0.12 * halfWidth, 'hi');
});

test('bootstrapMean covers the true mean in about 95 % of repetitions (percentile and BCa)', () => {
  const data = Rng.create(8).stream('data');
  const repetitions = 200;
  const covered = { percentile: 0, bca: 0 };
  for (let r = 0; r < repetitions; r++) {
    // Skewed data (lognormal-ish) so that BCa has something to correct.
    const values = Array.from({ length: 30 }, () => Math.exp(normal(data, 0, 0.75)));
    const trueMean = Math.exp(0.75 ** 2 / 2);
    for (const method of ['percentile', 'bca'] as const) {
      const estimate = bootstrapMean(values, Rng.create(r).stream('bootstrap'), { method, resamples: 1000 });
      if (estimate.lo <= trueMean && trueMean <= estimate.hi) covered[method]++;
    }
  }
  assert.ok(covered.percentile / repetitions > 0.85, `percentile coverage ${covered.percentile / repetitions}`);
  assert.ok(covered.bca / repetitions > 0.85, `BCa coverage ${covered.bca / repetitions}`);
  assert.ok(covered.bca >= covered.percentile - 6, 'BCa does not do markedly worse on skewed data');
});

test('bootstrapMean with clusters: distinct labels change nothing; correlated clusters widen the interval', () => {
  const data = Rng.create(10).stream('data');
  const values = Array.from({ length: 40 }, () => normal(data, 0, 1));
  const plain = bootstrapMean(values, Rng.create(10).stream('bootstrap'));
  const labelled = bootstrapMean(values, Rng.create(10).stream('bootstrap'), { clusters: values.map((_, i) => i) });
  assert.equal(labelled, plain, 'one value per cluster is the ordinary bootstrap, draw for draw');
  assert.is(plain.clusters, 40);
  // 10 seeds x 5 identical values: 10 independent observations, not 50.
  const seedValues = Array.from({ length: 10 }, () => normal(data, 0, 1));
  const repeated = seedValues.flatMap((v) => [v, v, v, v, v]);
  const seeds = seedValues.flatMap((_, seed) => [seed, seed, seed, seed, seed]);
  const naive = bootstrapMean(repeated, Rng.create(11).stream('bootstrap'));
  const clustered = bootstrapMean(repeated, Rng.create(11).stream('bootstrap'), { clusters: seeds });
  assert.is(clustered.clusters, 10);
  const ratio = (clustered.hi - clustered.lo) / (naive.hi - naive.lo);
  assert.ok(ratio > 1.8 && ratio < 2.7, `width ratio ${ratio} ~ sqrt(5)`);
  const bca = bootstrapMean(repeated, Rng.create(11).stream('bootstrap'), { clusters: seeds, method: 'bca' });
  assert.ok(bca.lo < bca.mean && bca.mean < bca.hi);
  assert.equal([bootstrapMean([1, 2, 3], Rng.create(1), { clusters: [0, 0, 0] }).lo, bootstrapMean([1, 2, 3], Rng.create(1), { clusters: [0, 0, 0] }).hi], [2, 2], 'one cluster: nothing to resample');
  assert.throws(() => bootstrapMean([1, 2], Rng.create(1), { clusters: [0] }), /labels/);
});

test('BCa on skewed data shifts the interval right of the percentile one', () => {
  const values = [0.1, 0.2, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.5, 4.0, 9.0];
  const percentile = bootstrapMean(values, Rng.create(9).stream('bootstrap'));
  const bca = bootstrapMean(values, Rng.create(9).stream('bootstrap'), { method: 'bca' });
  assert.is(bca.method, 'bca');
  assert.ok(bca.hi > percentile.hi && bca.lo > percentile.lo, `percentile [${percentile.lo}, ${percentile.hi}] bca [${bca.lo}, ${bca.hi}]`);
});

function trial(variant: string, seedIndex: number, params: Record<string, string | number>, metrics: Record<string, number>): TrialResult {
  const key = [`variant=${variant}`, ...Object.entries(params).map(([k, v]) => `${k}=${v}`)].join('|');
  return { key, seedIndex, seed: 1000 + seedIndex, variant, params, metrics, durationMs: 1 };
}

test('pairTrials pairs by seed index and every param except the variant; unmatched trials are left out', () => {
  const trials = [
    trial('a', 0, { attack: 'buy' }, { loss: 5 }),
    trial('a', 1, { attack: 'buy' }, { loss: 7 }),
    trial('a', 0, { attack: 'bribe' }, { loss: 9 }),
    trial('a', 2, { attack: 'buy' }, { loss: 1 }), // no partner
    trial('b', 1, { attack: 'buy' }, { loss: 4 }),
    trial('b', 0, { attack: 'buy' }, { loss: 6 }),
    trial('b', 0, { attack: 'bribe' }, { loss: 9 }),
    trial('c', 0, { attack: 'buy' }, { loss: 0 }),
  ];
  const pairs = pairTrials(trials, 'a', 'b');
  assert.is(pairs.length, 3);
  assert.equal(
    pairs.map((p) => [p.a.metrics.loss, p.b.metrics.loss]),
    [
      [5, 6],
      [7, 4],
      [9, 9],
    ],
  );
  // Differences a - b: -1, 3, 0 -> mean 2/3; with lower-is-better, a beats b in 1 of 3 pairs, 1 tie.
  const diff = pairedDifference(trials, 'loss', 'a', 'b', Rng.create(1).stream('bootstrap'), { higherIsBetter: false });
  assert.is(diff.pairs, 3);
  close(diff.meanDifference, 2 / 3, 1e-12, 'mean difference');
  close(diff.shareABetter, 1 / 3, 1e-12, 'a better');
  close(diff.shareTies, 1 / 3, 1e-12, 'ties');
  assert.ok(diff.lo! >= -1 && diff.hi! <= 3 && diff.lo! < diff.hi!);
  const higher = pairedDifference(trials, 'loss', 'a', 'b', Rng.create(1).stream('bootstrap'));
  close(higher.shareABetter, 1 / 3, 1e-12, 'a better (higher is better: only the 7 vs 4 pair)');
  assert.equal([diff.resampleBy, diff.units], ['seed', 2], 'pairs 0|buy and 0|bribe share seed 0');
  const byPair = pairedDifference(trials, 'loss', 'a', 'b', Rng.create(1).stream('bootstrap'), { resampleBy: 'pair' });
  assert.equal([byPair.resampleBy, byPair.units], ['pair', 3]);
  const none = pairedDifference(trials, 'missing', 'a', 'b', Rng.create(1));
  assert.equal([none.pairs, none.meanDifference, none.lo, none.hi], [0, null, null, null]);
});

test('pairTrials: ignoreParams lets variant-specific params pair up', () => {
  const trials = [trial('a', 0, { quorum: 0.04 }, { x: 1 }), trial('b', 0, { quorum: 0.1 }, { x: 3 })];
  assert.is(pairTrials(trials, 'a', 'b').length, 0);
  assert.is(pairTrials(trials, 'a', 'b', { ignoreParams: ['quorum'] }).length, 1);
});

test('paired differences on common random numbers: tight interval around the true effect', () => {
  const rng = Rng.create(11).stream('data');
  const trials: TrialResult[] = [];
  for (let seed = 0; seed < 40; seed++) {
    const seedEffect = normal(rng, 0, 10); // large, shared by both variants
    trials.push(trial('base', seed, {}, { m: seedEffect + normal(rng, 0, 0.5) }));
    trials.push(trial('better', seed, {}, { m: seedEffect + 1 + normal(rng, 0, 0.5) }));
  }
  const diff = pairedDifference(trials, 'm', 'better', 'base', Rng.create(11).stream('bootstrap'));
  assert.is(diff.pairs, 40);
  assert.ok(diff.lo! < 1 && 1 < diff.hi!, `[${diff.lo}, ${diff.hi}] covers 1`);
  assert.ok(diff.hi! - diff.lo! < 0.8, 'common seeds cancel the seed effect');
  assert.ok(diff.shareABetter! > 0.8);
});

test('Wilson interval matches published values', () => {
  // Brief / standard tables: 8/10 and 0/10 at 95 %.
  const eight = wilsonInterval(8, 10);
  close(eight.lo, 0.49, 0.0005, '8/10 lo');
  close(eight.hi, 0.943, 0.0005, '8/10 hi');
  const zero = wilsonInterval(0, 10);
  assert.is(zero.lo, 0);
  close(zero.hi, 0.278, 0.0005, '0/10 hi');
  const all = wilsonInterval(10, 10);
  assert.is(all.hi, 1);
  close(all.lo, 0.722, 0.0005, '10/10 lo');
  // Newcombe (1998), Statistics in Medicine 17:857, table II, method 3 (Wilson score without continuity correction).
  const newcombe: Array<[number, number, number, number]> = [
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ];
  for (const [successes, n, lo, hi] of newcombe) {
    const interval = wilsonInterval(successes, n);
    close(interval.lo, lo, 0.00006, `${successes}/${n} lo`);
    close(interval.hi, hi, 0.00006, `${successes}/${n} hi`);
  }
  const ninety = wilsonInterval(8, 10, 0.9);
  assert.ok(ninety.lo > eight.lo && ninety.hi < eight.hi, 'a lower level gives a narrower interval');
  assert.equal(wilsonInterval(0, 0), { successes: 0, n: 0, rate: null, lo: 0, hi: 1, level: 0.95 });
  assert.throws(() => wilsonInterval(11, 10), /successes/);
});

test('isotonicRegression pools adjacent violators, weighted', () => {
  assert.equal([...isotonicRegression([1, 3, 2, 4, 3, 5])], [1, 2.5, 2.5, 3.5, 3.5, 5]);
  assert.equal([...isotonicRegression([3, 1], [1, 3])], [1.5, 1.5]);
  assert.equal([...isotonicRegression([4, 3, 2, 1])], [2.5, 2.5, 2.5, 2.5]);
  assert.equal([...isotonicRegression([0.1, 0.2, 0.9])], [0.1, 0.2, 0.9], 'already monotone: unchanged');
  // 0.6 (weight 30) and 0.4 (weight 10) pool to (18 + 4) / 40 = 0.55.
  const fitted = isotonicRegression([0.2, 0.6, 0.4, 0.8], [10, 30, 10, 10]);
  close(fitted[1]!, 0.55, 1e-12, 'pooled');
  close(fitted[2]!, 0.55, 1e-12, 'pooled');
  assert.throws(() => isotonicRegression([1, 2], [1, 0]), /positive/);
});

test('isotonicRegression is non-decreasing and no farther from the data than any other monotone fit tried', () => {
  const rng = Rng.create(12);
  for (let r = 0; r < 50; r++) {
    const values = Array.from({ length: 12 }, () => rng.random());
    const weights = Array.from({ length: 12 }, () => 1 + rng.int(20));
    const fitted = isotonicRegression(values, weights);
    for (let i = 1; i < fitted.length; i++) assert.ok(fitted[i]! >= fitted[i - 1]! - 1e-15);
    const loss = (fit: ArrayLike<number>) => values.reduce((sum, v, i) => sum + weights[i]! * (v - fit[i]!) ** 2, 0);
    const sortedValues = [...values].sort((a, b) => a - b);
    const runningMax = values.map((_, i) => Math.max(...values.slice(0, i + 1)));
    assert.ok(loss(fitted) <= loss(sortedValues) + 1e-12 && loss(fitted) <= loss(runningMax) + 1e-12);
  }
});

test('thresholdCrossing: hand-computed crossings, linear and log', () => {
  // 0.2 at x=2, 0.6 at x=3: 0.5 is 3/4 of the way -> 2.75.
  assert.equal(thresholdCrossing([1, 2, 3, 4], [0, 0.2, 0.6, 0.9], 0.5, 'linear'), { estimate: 2.75, censoring: 'none' });
  // 0.3 at 100, 0.9 at 1000: a third of the way in log10 -> 10^(2 + 1/3).
  close(thresholdCrossing([10, 100, 1000], [0.1, 0.3, 0.9], 0.5, 'log').estimate, 10 ** (2 + 1 / 3), 1e-9, 'log crossing');
  assert.equal(thresholdCrossing([1, 2], [0.5, 0.9], 0.5, 'linear'), { estimate: null, censoring: 'below-grid' });
  assert.equal(thresholdCrossing([1, 2], [0.1, 0.4], 0.5, 'linear'), { estimate: null, censoring: 'above-grid' });
  assert.equal(thresholdCrossing([1, 2, 3], [0.1, 0.5, 0.9], 0.5, 'linear').estimate, 2, 'reaching the threshold exactly at a grid point');
  assert.equal(thresholdCrossing([0, 10], [0, 1], 0.5, 'log').estimate, 5, 'a segment from x=0 falls back to linear');
});

test('breakingPoint: hand-computed estimate through the isotonic fit, with the points it used', () => {
  const points: StressPoint[] = [
    { x: 1, successes: 2, n: 10 },
    { x: 2, successes: 18, n: 30 },
    { x: 3, successes: 4, n: 10 },
    { x: 4, successes: 8, n: 10 },
  ];
  const result = breakingPoint(points, Rng.create(1).stream('bootstrap'), { resamples: 500 });
  // Fitted: 0.2, 0.55, 0.55, 0.8 -> crossing of 0.5 at 1 + (0.3 / 0.35) = 1.857...
  close(result.estimate, 1 + 0.3 / 0.35, 1e-12, 'estimate');
  assert.is(result.censoring, 'none');
  assert.equal([result.lowerBound, result.upperBound], [null, null]);
  assert.equal(
    result.points.map((p) => p.fitted.toFixed(2)),
    ['0.20', '0.55', '0.55', '0.80'],
  );
  assert.ok(result.lo! <= result.estimate! && result.estimate! <= result.hi!);
  assert.ok(result.lo! >= 1 && result.hi! <= 4);
  // Grid order and duplicate x do not matter.
  const shuffled = breakingPoint([points[3]!, points[1]!, { x: 1, successes: 1, n: 5 }, points[2]!, { x: 1, successes: 1, n: 5 }], Rng.create(1).stream('bootstrap'), { resamples: 500 });
  assert.is(shuffled.estimate, result.estimate);
  assert.equal(shuffled.points.map((p) => p.x), [1, 2, 3, 4]);
});

test('breakingPoint: censoring below and above the grid', () => {
  const above = breakingPoint(
    [
      { x: 10, successes: 0, n: 20 },
      { x: 100, successes: 2, n: 20 },
      { x: 1000, successes: 5, n: 20 },
    ],
    Rng.create(2).stream('bootstrap'),
    { scale: 'log', resamples: 500 },
  );
  assert.is(above.censoring, 'above-grid');
  assert.is(above.estimate, null);
  assert.is(above.lowerBound, 1000);
  assert.is(above.upperBound, null);
  assert.is(above.hiCensoring, 'above-grid');
  assert.is(above.hi, 1000);
  assert.ok(above.replicatesAboveGrid > 0.5);
  const below = breakingPoint(
    [
      { x: 10, successes: 15, n: 20 },
      { x: 100, successes: 19, n: 20 },
    ],
    Rng.create(3).stream('bootstrap'),
    { scale: 'log', resamples: 500 },
  );
  assert.is(below.censoring, 'below-grid');
  assert.is(below.estimate, null);
  assert.is(below.upperBound, 10);
  assert.is(below.loCensoring, 'below-grid');
  assert.is(below.lo, 10);
  const never = breakingPoint([{ x: 1, successes: 0, n: 20 }, { x: 2, successes: 0, n: 20 }], Rng.create(4), { resamples: 200 });
  assert.equal([never.lo, never.hi, never.loCensoring, never.hiCensoring, never.replicatesAboveGrid], [2, 2, 'above-grid', 'above-grid', 1]);
  const lower = breakingPoint([{ x: 1, successes: 5, n: 20 }, { x: 2, successes: 8, n: 20 }], Rng.create(5), { threshold: 0.3, resamples: 200 });
  assert.is(lower.censoring, 'none', 'the threshold is configurable');
});

test('breakingPoint: the interval covers the true crossing of a logistic curve in most repetitions', () => {
  // Success probability logistic in log budget, p(x) = 1 / (1 + exp(-(ln x - ln x50) / s)):
  // the true breaking point at threshold 0.5 is x50, here between grid points.
  const x50 = 20_000;
  const s = 0.8;
  const grid = [1e3, 3.16e3, 1e4, 3.16e4, 1e5, 3.16e5, 1e6];
  const data = Rng.create(13).stream('data');
  const repetitions = 60;
  let covered = 0;
  const logErrors: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    const points = grid.map((x) => ({ x, successes: binomial(data, 20, 1 / (1 + Math.exp(-(Math.log(x) - Math.log(x50)) / s))), n: 20 }));
    const result = breakingPoint(points, Rng.create(r).stream('bootstrap'), { scale: 'log', resamples: 400 });
    assert.is(result.censoring, 'none');
    for (let i = 1; i < result.points.length; i++) assert.ok(result.points[i]!.fitted >= result.points[i - 1]!.fitted, 'monotone fit');
    logErrors.push(Math.abs(Math.log10(result.estimate!) - Math.log10(x50)));
    if (result.lo! <= x50 && x50 <= result.hi!) covered++;
  }
  logErrors.sort((a, b) => a - b);
  assert.ok(covered / repetitions >= 0.8, `coverage ${covered}/${repetitions}`);
  assert.ok(logErrors[Math.floor(repetitions / 2)]! < 0.15, `median |log10 error| ${logErrors[Math.floor(repetitions / 2)]}`);
});

test.run();
