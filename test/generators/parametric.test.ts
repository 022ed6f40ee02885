import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../lib/rng.ts';
import { beta, gamma, normal } from '../../lib/distributions.ts';
import { compileQuantile, fitMarginal, marginalQuantile, ParametricGenerator } from '../../generators/parametric.ts';
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

test('the compiled quantile used for sampling matches the exact one', () => {
  const marginals = [
    { family: 'zero-one-beta' as const, p0: 0.1, p1: 0.2, a: 0.6, b: 3 },
    { family: 'zero-gamma' as const, p0: 0.3, shape: 0.7, scale: 5 },
    { family: 'discrete-lognormal' as const, offset: 1, mu: 1.2, sigma: 1.1 },
    { family: 'normal' as const, mean: 2, std: 3 },
  ];
  const rng = Rng.create(5);
  for (const m of marginals) {
    const fast = compileQuantile(m);
    for (let i = 0; i < 20_000; i++) {
      const u = i < 10 ? [0, 1e-13, 0.1, 0.3, 0.7, 0.8, 0.9999, 1 - 1e-13, 1, 0.5][i]! : rng.random();
      const exact = marginalQuantile(m, u);
      const got = fast(u);
      const tolerance = m.family === 'discrete-lognormal' ? 1 : 1e-4 * Math.max(1, Math.abs(exact));
      assert.ok(Math.abs(got - exact) <= tolerance, `${m.family} u=${u}: ${got} vs ${exact}`);
    }
  }
});

test.run();
