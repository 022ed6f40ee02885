import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../lib/rng.ts';
import { beta, gamma, normal } from '../../lib/distributions.ts';
import { fitMarginal, marginalQuantile, ParametricGenerator } from '../../generators/parametric.ts';
import { pearson, qualityReport, type Table } from '../../generators/metrics.ts';

test('marginal families are chosen by support and fitted by moments', () => {
  const rng = Rng.create(1);
  const rates = Float64Array.from({ length: 20_000 }, (_, i) => (i % 10 === 0 ? 1 : i % 10 === 1 ? 0 : beta(rng, 2, 5)));
  const m = fitMarginal(rates);
  assert.is(m.family, 'zero-one-beta');
  if (m.family === 'zero-one-beta') {
    assert.ok(Math.abs(m.p0 - 0.1) < 1e-9 && Math.abs(m.p1 - 0.1) < 1e-9);
    assert.ok(Math.abs(m.a - 2) < 0.15 && Math.abs(m.b - 5) < 0.35, `beta(${m.a}, ${m.b})`);
    assert.is(marginalQuantile(m, 0.05), 0);
    assert.is(marginalQuantile(m, 0.95), 1);
  }
  const g = fitMarginal(Float64Array.from({ length: 20_000 }, () => gamma(rng, 3, 2)));
  assert.is(g.family, 'zero-gamma');
  if (g.family === 'zero-gamma') assert.ok(Math.abs(g.shape - 3) < 0.2 && Math.abs(g.scale - 2) < 0.15, JSON.stringify(g));
  assert.is(fitMarginal(Float64Array.of(1, 3, 2, 7, 1)).family, 'discrete-lognormal');
  assert.is(fitMarginal(Float64Array.of(-1, 0.5, 2)).family, 'normal');
});

test('the parametric generator keeps shapes and correlations, and round-trips through disk', async () => {
  const rng = Rng.create(2);
  const n = 4000;
  const x = Float64Array.from({ length: n }, () => gamma(rng, 2, 1));
  const y = Float64Array.from(x, (v) => Math.min(1, Math.max(0, 0.2 + 0.15 * v + 0.05 * normal(rng))));
  const table: Table = { x, y };
  const model = ParametricGenerator.fit(table);
  const sample = model.sample(n, Rng.create(3));
  const report = qualityReport(table, sample);
  assert.ok(report.overall > 0.9, JSON.stringify(report));
  assert.ok(Math.abs(pearson(sample.x!, sample.y!) - pearson(x, y)) < 0.1);
  const directory = mkdtempSync(join(tmpdir(), 'daogym-parametric-'));
  try {
    await model.save(join(directory, 'model.json'));
    const loaded = await ParametricGenerator.load(join(directory, 'model.json'));
    assert.equal(Array.from(loaded.sample(4, Rng.create(9)).x!), Array.from(model.sample(4, Rng.create(9)).x!));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
