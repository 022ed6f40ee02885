import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normal } from '../../lib/distributions.ts';
import { Rng } from '../../lib/rng.ts';
import { aucMannWhitney, dcrBreakdown, dcrOverfittingProtection, distanceToClosestRecord, ksStatistic, membershipInferenceAuc, pearson, qualityReport, type Table } from '../../generators/metrics.ts';

function correlated(n: number, rho: number, rng: Rng): Table {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = normal(rng);
    y[i] = rho * x[i]! + Math.sqrt(1 - rho * rho) * normal(rng);
  }
  return { x, y };
}

test('KS statistic, Pearson and Mann-Whitney AUC against hand-computed values', () => {
  assert.is(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6]), 0.5);
  assert.is(ksStatistic([1, 2], [1, 2]), 0);
  assert.ok(Math.abs(pearson([1, 2, 3], [2, 4, 6]) - 1) < 1e-12);
  assert.ok(Math.abs(pearson([1, 2, 3], [3, 2, 1]) + 1) < 1e-12);
  assert.is(aucMannWhitney([3, 4], [1, 2]), 1);
  assert.is(aucMannWhitney([1, 2], [1, 2]), 0.5);
  assert.is(aucMannWhitney([2], [1, 2, 3]), 0.5);
});

test('quality score: high for a fresh sample of the same distribution, lower when correlations or shapes break', () => {
  const real = correlated(2000, 0.8, Rng.create(1));
  const same = correlated(2000, 0.8, Rng.create(2));
  const good = qualityReport(real, same);
  assert.ok(good.overall > 0.95 && good.columnShapes > 0.95 && good.columnPairTrends > 0.98, JSON.stringify(good));
  const independent = correlated(2000, 0, Rng.create(3));
  const broken = qualityReport(real, independent);
  assert.ok(Math.abs(broken.columnPairTrends - (1 - 0.8 / 2)) < 0.03, `pair trends ${broken.columnPairTrends}`);
  const shifted = qualityReport(real, { x: same.x!.map((v) => v + 1), y: same.y! });
  assert.ok(shifted.perColumn.x! < 0.7 && shifted.boundaryAdherence < 1);
});

test('DCR, overfitting protection and membership inference tell copying from generalising', () => {
  const rng = Rng.create(4);
  const train = correlated(300, 0.5, rng);
  const holdout = correlated(300, 0.5, rng);
  const fresh = correlated(300, 0.5, rng);
  const copy: Table = { x: Float64Array.from(train.x!), y: Float64Array.from(train.y!) };
  assert.ok(distanceToClosestRecord(copy, train).every((d) => d === 0));
  assert.is(dcrOverfittingProtection(copy, train, holdout), 0, 'a copy is always closer to train');
  assert.ok(dcrOverfittingProtection(fresh, train, holdout) > 0.85);
  assert.ok(membershipInferenceAuc(copy, train, holdout) > 0.95);
  const auc = membershipInferenceAuc(fresh, train, holdout);
  assert.ok(Math.abs(auc - 0.5) < 0.08, `AUC ${auc}`);
});

test('DCR overfitting protection with an 80/20 split: a perfect copy near 0, an independent sample near 1; equal sizes give SDMetrics\' formula', () => {
  const rng = Rng.create(5);
  const train = correlated(1600, 0.5, rng);
  const holdout = correlated(400, 0.5, rng);
  const copy: Table = { x: Float64Array.from(train.x!), y: Float64Array.from(train.y!) };
  const copied = dcrBreakdown(copy, train, holdout);
  assert.is(copied.score, 0, 'every copied row sits on a training row');
  assert.is(copied.expectedIfIndependent, 0.8);
  const independent = dcrBreakdown(correlated(2000, 0.5, rng), train, holdout);
  assert.ok(Math.abs(independent.closerToTrain - 0.8) < 0.03, `closer to train ${independent.closerToTrain}`);
  assert.ok(independent.score > 0.85, `an independent sample scores ${independent.score}`);
  assert.ok(independent.interval[0] <= independent.score && independent.score <= independent.interval[1]);
  // SDMetrics' min(2 (1 - share), 1) would read 0.4 here for a generator that copies nothing.
  assert.ok(Math.min(2 * (1 - independent.closerToTrain), 1) < 0.5);
  // Half the rows copied, half fresh: a share of 0.5 + 0.5 x 0.8 = 0.9 closer to train, protection about 0.5.
  const fresh = correlated(1000, 0.5, rng);
  const half: Table = { x: Float64Array.from([...train.x!.subarray(0, 1000), ...fresh.x!]), y: Float64Array.from([...train.y!.subarray(0, 1000), ...fresh.y!]) };
  const halfCopied = dcrBreakdown(half, train, holdout);
  assert.ok(Math.abs(halfCopied.score - 0.5) < 0.12, `half copied scores ${halfCopied.score}`);
  const equal = dcrBreakdown(correlated(500, 0.5, rng), correlated(400, 0.5, rng), holdout);
  assert.is(equal.expectedIfIndependent, 0.5);
  assert.ok(Math.abs(equal.score - Math.min(2 * (1 - equal.closerToTrain), 1)) < 1e-12, 'equal sizes: SDMetrics\' formula');
});

test.run();
