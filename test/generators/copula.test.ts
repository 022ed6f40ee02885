import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../lib/rng.ts';
import { normal } from '../../lib/distributions.ts';
import { GaussianCopula } from '../../generators/copula.ts';
import { readGovernorEvents } from '../../generators/import/governor-events.ts';
import { FEATURE_COLUMNS, memberFeatures } from '../../generators/import/features.ts';
import { dcrOverfittingProtection, membershipInferenceAuc, pearson, qualityReport, type Table } from '../../generators/metrics.ts';

const BRAVO = new URL('../../../shared/data/governor-events/compound_governor_bravo.csv', import.meta.url).pathname;
const haveData = existsSync(BRAVO);
if (!haveData) console.log(`skipping the Compound Bravo copula test: ${BRAVO} is missing`);

test('the copula keeps marginals and rank correlation, samples reproducibly, and round-trips through disk', async () => {
  const rng = Rng.create(1);
  const n = 3000;
  const x = Float64Array.from({ length: n }, () => Math.exp(normal(rng)));
  const y = Float64Array.from(x, (v) => Math.log(v) * 0.7 + 0.3 * normal(rng));
  const k = Float64Array.from({ length: n }, () => rng.int(5));
  const table: Table = { x, y, k };
  const model = GaussianCopula.fit(table);
  const sample = model.sample(n, Rng.create(2));
  const report = qualityReport(table, sample);
  assert.ok(report.columnShapes > 0.95 && report.overall > 0.93, JSON.stringify(report));
  assert.ok(Math.abs(pearson(sample.x!.map(Math.log), sample.y!) - pearson(x.map(Math.log), y)) < 0.05);
  assert.ok(sample.k!.every((v) => Number.isInteger(v) && v >= 0 && v <= 4), 'integer columns stay integer and in range');
  assert.equal(Array.from(model.sample(5, Rng.create(3)).x!), Array.from(model.sample(5, Rng.create(3)).x!));
  const directory = mkdtempSync(join(tmpdir(), 'daogym-copula-'));
  try {
    await model.save(join(directory, 'model.json'));
    const loaded = await GaussianCopula.load(join(directory, 'model.json'));
    assert.equal(Array.from(loaded.sample(5, Rng.create(3)).y!), Array.from(model.sample(5, Rng.create(3)).y!));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

(haveData ? test : test.skip)('on the Compound Bravo voter table (80/20 split by member): quality >= 0.85, DCR overfitting protection >= 0.9', () => {
  const table = memberFeatures(readGovernorEvents(BRAVO));
  const order = Array.from({ length: table.members.length }, (_, i) => i);
  Rng.create(42).shuffle(order);
  const cut = Math.floor(order.length * 0.8);
  const pick = (indices: number[]): Table => Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, Float64Array.from(indices, (i) => table.columns[c][i]!)]));
  const train = pick(order.slice(0, cut));
  const holdout = pick(order.slice(cut));
  const model = GaussianCopula.fit(train);
  const quality = qualityReport(holdout, model.sample(holdout.votes!.length * 4, Rng.create(7)));
  assert.ok(quality.overall >= 0.85, `quality ${quality.overall}`);
  // Protection compares against a training subset the size of the holdout, as SDMetrics requires.
  const trainSubset = pick(order.slice(0, order.length - cut));
  const protection = dcrOverfittingProtection(model.sample(order.length - cut, Rng.create(8)), trainSubset, holdout);
  assert.ok(protection >= 0.9, `DCR overfitting protection ${protection}`);
  const auc = membershipInferenceAuc(model.sample(order.length - cut, Rng.create(9)), trainSubset, holdout);
  assert.ok(auc < 0.6, `membership-inference AUC ${auc}`);
});

test.run();
