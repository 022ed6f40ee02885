import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../lib/rng.ts';
import { normal } from '../../lib/distributions.ts';
import { GaussianCopula } from '../../generators/copula.ts';
import { BRAVO, bravoSplit, haveBravo } from '../helpers/bravo.ts';
import { dcrOverfittingProtection, membershipInferenceAuc, pearson, qualityReport, type Table } from '../../generators/metrics.ts';

const haveData = haveBravo;
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
  const { train, holdout } = bravoSplit();
  const size = holdout.votes!.length;
  const model = GaussianCopula.fit(train);
  const quality = qualityReport(holdout, model.sample(holdout.votes!.length * 4, Rng.create(7)));
  assert.ok(quality.overall >= 0.85, `quality ${quality.overall}`);
  // Against the full training set: the score allows for the 80/20 sizes (generators/metrics.ts, dcrBreakdown).
  const protection = dcrOverfittingProtection(model.sample(2000, Rng.create(8)), train, holdout);
  assert.ok(protection >= 0.9, `DCR overfitting protection ${protection}`);
  const auc = membershipInferenceAuc(model.sample(size, Rng.create(9)), train, holdout);
  assert.ok(auc < 0.6, `membership-inference AUC ${auc}`);
});

test.run();
