import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normal } from '../../lib/distributions.ts';
import { Rng } from '../../lib/rng.ts';
import { ksStatistic } from '../../generators/metrics.ts';
import { addGaussianNoise, cellOf, countColumn, FEATURE_BOUNDS, histogramCdf, histogramCells, histogramQuantile, mergeHistograms } from '../../generators/dp/marginals.ts';
import { composeRdp, computeRdp, gaussianMechanismRdp, noiseMultiplierFor, privacySpent } from '../../generators/dp/accountant.ts';
import { planBudget, resolveDp } from '../../generators/vae.ts';

test('histogram cells come from the public bounds alone: atoms at the bounds and declared values, every integer point an atom', () => {
  const rate = histogramCells({ low: 0, high: 1, atoms: [0.5] }, 4);
  assert.equal(rate.lows, [0, 0, 0.25, 0.5, 0.5, 0.75, 1]);
  assert.equal(rate.highs, [0, 0.25, 0.5, 0.5, 0.75, 1, 1]);
  assert.equal([cellOf(rate, 0), cellOf(rate, 0.1), cellOf(rate, 0.5), cellOf(rate, 0.6), cellOf(rate, 1), cellOf(rate, 7), cellOf(rate, -3)], [0, 1, 3, 4, 6, 6, 0]);
  const counts = histogramCells({ low: 0, high: 100, integer: true, scale: 'log' }, 8);
  // 0..16 are points of their own; beyond, integer ranges between log-spaced points.
  for (let v = 0; v <= 16; v++) assert.is(counts.lows[cellOf(counts, v)], v);
  const wide = cellOf(counts, 60);
  assert.ok(counts.lows[wide]! <= 60 && counts.highs[wide]! >= 60 && counts.highs[wide]! > counts.lows[wide]!);
  assert.throws(() => histogramCells({ low: 1, high: 1 }, 4), /low < high/);
});

test('exact histograms: CDF and quantile invert each other on integer columns; a fine grid reproduces a continuous column', () => {
  const rng = Rng.create(1);
  const votes = Float64Array.from({ length: 3000 }, () => 1 + Math.floor(-Math.log(1 - rng.random()) * 6));
  const histogram = countColumn(histogramCells(FEATURE_BOUNDS.votes!, 32), votes);
  assert.is(histogram.counts.reduce((a, b) => a + b, 0), 3000);
  const quantile = histogramQuantile(histogram);
  for (const v of new Set(votes)) if (v <= 16) assert.is(quantile(histogramCdf(histogram, v)), v, `value ${v}`);
  const timing = Float64Array.from({ length: 3000 }, () => Math.min(1, Math.max(0, 0.5 + 0.2 * normal(rng))));
  const fine = histogramQuantile(countColumn(histogramCells(FEATURE_BOUNDS.meanTiming!, 256), timing));
  const draws = Rng.create(2);
  const sample = Float64Array.from({ length: 3000 }, () => fine(draws.random()));
  assert.ok(ksStatistic(timing, sample) < 0.04, `KS ${ksStatistic(timing, sample)}`);
  // Point masses at the bounds survive (a clamped column has them).
  const atZero = timing.filter((v) => v === 0).length / 3000;
  const sampledAtZero = sample.filter((v) => v === 0).length / 3000;
  assert.ok(Math.abs(atZero - sampledAtZero) < 0.01, `${atZero} vs ${sampledAtZero}`);
});

test('Gaussian noise on counts has the stated std; thresholding zeroes small counts; holders merge by adding counts', () => {
  const empty = histogramCells({ low: 0, high: 1 }, 2000);
  const noisy = addGaussianNoise(empty, 3, Rng.create(5), -Infinity);
  const values = noisy.counts;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  assert.ok(Math.abs(mean) < 0.3 && Math.abs(std - 3) < 0.2, `mean ${mean}, std ${std}`);
  const thresholded = addGaussianNoise(empty, 3, Rng.create(5), 1);
  assert.ok(thresholded.counts.every((c, k) => (c === 0 ? values[k]! < 3 : c === values[k] && c >= 3)));
  const a = countColumn(histogramCells({ low: 0, high: 1 }, 4), [0.1, 0.2, 1]);
  const b = countColumn(histogramCells({ low: 0, high: 1 }, 4), [0.1, 0.9]);
  assert.equal(mergeHistograms([a, b]).counts, [0, 3, 0, 0, 1, 1]);
  assert.throws(() => mergeHistograms([a, histogramCells({ low: 0, high: 2 }, 4)]), /different cells/);
});

test('the budget plan: the marginals spend their share alone; the composition of both meets the target; more steps need more noise', () => {
  const columns = ['logVotingPower', 'participation', 'supportRate', 'meanTiming', 'votes', 'tenureDays'];
  const dp = resolveDp({ epsilon: 8, delta: 1e-5 }, columns);
  const plan = planBudget(dp, 2168, 500, 40);
  assert.ok(Math.abs(plan.preprocessing.epsilon - 2) < 0.002, `preprocessing ${plan.preprocessing.epsilon}`);
  assert.ok(plan.epsilon <= 8 && 8 - plan.epsilon <= 0.01, `total ${plan.epsilon}`);
  // Composition by RDP is tighter than adding epsilons, and looser than either part.
  assert.ok(plan.epsilon < plan.dpSgdEpsilon + plan.preprocessing.epsilon && plan.epsilon > plan.dpSgdEpsilon);
  const direct = privacySpent(composeRdp(gaussianMechanismRdp(plan.preprocessing.noiseMultiplier), computeRdp(plan.sampleRate, plan.noiseMultiplier, plan.steps)), 1e-5);
  assert.is(direct.epsilon, plan.epsilon);
  // Ignoring the histograms would have picked less noise: the accountant composes everything that touches data.
  assert.ok(noiseMultiplierFor(8, 1e-5, plan.sampleRate, plan.steps) < plan.noiseMultiplier);
  assert.ok(planBudget(dp, 2168, 500, 80).noiseMultiplier > plan.noiseMultiplier);
  assert.throws(() => noiseMultiplierFor(1, 1e-5, 0.1, 100, 0.01, gaussianMechanismRdp(0.5)), /nothing is left/);
  assert.throws(() => resolveDp({ epsilon: 8, delta: 1e-5 }, ['unknown']), /public bounds for column 'unknown'/);
});

test.run();
