/**
 * The TabDDPM-style diffusion generator: the cosine schedule's published form, a constructed table whose
 * dependence and marginals the samples keep, the same seed giving the same samples, and a saved model loading
 * to the same samples.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../lib/rng.ts';
import { normal } from '../../lib/distributions.ts';
import { cosineSchedule, TabularDiffusion } from '../../generators/diffusion.ts';
import { loadGenerator } from '../../generators/registry.ts';

test("the cosine schedule: alpha-bar falls from 1 to about 0, as Nichol and Dhariwal's f(t) / f(0)", () => {
  const { alphaBar, beta } = cosineSchedule(200);
  const f = (t: number) => Math.cos(((t / 200 + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  for (const t of [1, 50, 100, 150]) assert.ok(Math.abs(alphaBar[t]! - f(t) / f(0)) < 1e-12, `t = ${t}`);
  assert.ok(alphaBar[200]! < 1e-6 && beta.every((b) => b >= 0 && b <= 0.999));
});

function correlated(n: number): Record<string, Float64Array> {
  const rng = Rng.create(2);
  const a = Float64Array.from({ length: n }, () => normal(rng));
  return {
    a,
    b: Float64Array.from(a, (x) => 2 * x + 0.3 * normal(rng)),
    count: Float64Array.from({ length: n }, () => Math.floor(Math.exp(normal(rng)))),
  };
}

const correlation = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) [mx, my] = [mx + x[i]! / n, my + y[i]! / n];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
};

test('samples keep a strong dependence and the marginals; the same seed, and a saved model, give the same samples', async () => {
  const table = correlated(600);
  const { diffusion, losses } = await TabularDiffusion.fit(table, { epochs: 150, seed: 3, steps: 100 });
  assert.ok(losses.at(-1)! < losses[0]!, `the loss falls: ${losses[0]} -> ${losses.at(-1)}`);
  const sample = diffusion.sample(1000, Rng.create(5));
  assert.ok(correlation(sample.a!, sample.b!) > 0.85, `correlation ${correlation(sample.a!, sample.b!)} (data ${correlation(table.a!, table.b!)})`);
  const min = Math.min(...table.a!);
  const max = Math.max(...table.a!);
  assert.ok(sample.a!.every((v) => v >= min && v <= max), 'values stay inside the training range');
  assert.ok(sample.count!.every((v) => Number.isInteger(v)), 'an integer column stays integer');
  assert.equal(diffusion.sample(20, Rng.create(9)), diffusion.sample(20, Rng.create(9)));
  const directory = mkdtempSync(join(tmpdir(), 'daogym-diffusion-'));
  try {
    const path = join(directory, 'model.json');
    await diffusion.save(path);
    const loaded = await loadGenerator(path);
    assert.ok(loaded instanceof TabularDiffusion);
    assert.equal(loaded.sample(20, Rng.create(9)), diffusion.sample(20, Rng.create(9)));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
