/**
 * The MST generator: its privacy accounting against a hand-computed case (the zCDP rho whose RDP curve converts
 * to epsilon 1 at delta 1e-5 over the accountant's orders, computed independently in Python, and the noise the
 * split implies); without noise it picks the dependent pair and its samples reproduce the measured marginals;
 * under DP it keeps its budget, saves and loads to the same samples, and refuses what it cannot do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../lib/rng.ts';
import { DEFAULT_ORDERS, privacySpent } from '../../generators/dp/accountant.ts';
import { cellOf, FEATURE_BOUNDS, histogramCells } from '../../generators/dp/marginals.ts';
import { MST_INTERVALS, MstGenerator, mstNoise, mstRdp, rhoForEpsilon } from '../../generators/mst.ts';
import { loadGenerator } from '../../generators/registry.ts';

test('accounting: rho for epsilon 1 at delta 1e-5, the noise of each third, and the composed curve', () => {
  // Python, the Balle et al. (2020) conversion min over the 154 orders of alpha rho + log((a-1)/a) - (log delta + log a)/(a-1), bisected.
  const rho = rhoForEpsilon(1, 1e-5);
  assert.ok(Math.abs(rho - 0.030_552_742_902_6) < 1e-9, `rho ${rho}`);
  const noise = mstNoise(rho, 6);
  // By hand: sqrt(6 / (2 rho / 3)), sqrt(5 / (2 rho / 3)), sqrt(8 (rho / 3) / 5).
  assert.ok(Math.abs(noise.oneWayStd - 17.163_116_56) < 1e-6);
  assert.ok(Math.abs(noise.twoWayStd - 15.667_710_16) < 1e-6);
  assert.ok(Math.abs(noise.selectionEpsilonPerRound - 0.127_651_072) < 1e-8);
  // The three mechanisms compose to alpha rho at every order: exactly the budget, converted to epsilon 1.
  const curve = mstRdp(noise, 6);
  DEFAULT_ORDERS.forEach((alpha, k) => assert.ok(Math.abs(curve[k]! - alpha * rho) < 1e-12 * alpha, `order ${alpha}`));
  assert.ok(Math.abs(privacySpent(curve, 1e-5).epsilon - 1) < 1e-9);
});

/** a and b move together (b = a + a little), c is independent, d is an integer count tied to c. */
function constructed(n: number, seed: number): Record<string, Float64Array> {
  const rng = Rng.create(seed);
  const a = Float64Array.from({ length: n }, () => rng.random() ** 2);
  return {
    participation: a,
    supportRate: Float64Array.from(a, (x) => Math.min(1, Math.max(0, x + 0.05 * (rng.random() - 0.5)))),
    meanTiming: Float64Array.from({ length: n }, () => rng.random()),
    votes: Float64Array.from({ length: n }, () => Math.floor(rng.random() * 12)),
  };
}

test('without noise: the dependent pair is an edge, and samples reproduce the measured one- and two-way marginals', () => {
  const table = constructed(4000, 1);
  const model = MstGenerator.fit(table, { seed: 3 });
  assert.is(model.privacy, null);
  const edges = (model as unknown as { model: { edges: Array<{ parent: number; child: number }> } }).model.edges;
  const pairs = edges.map((e) => [e.parent, e.child].sort().join('-'));
  assert.ok(pairs.includes('0-1'), `participation and supportRate are joined: ${pairs.join(', ')}`);
  const sample = model.sample(40_000, Rng.create(9));
  // The public grid MST measures on: the member features' bounds, MST_INTERVALS intervals.
  const grid = (name: string) => histogramCells(FEATURE_BOUNDS[name]!, MST_INTERVALS);
  const distribution = (column: ArrayLike<number>, cells: ReturnType<typeof histogramCells>) => {
    const p = new Array<number>(cells.lows.length).fill(0);
    for (let i = 0; i < column.length; i++) p[cellOf(cells, column[i]!)]! += 1 / column.length;
    return p;
  };
  for (const name of Object.keys(table)) {
    const cells = grid(name);
    const real = distribution(table[name]!, cells);
    const synthetic = distribution(sample[name]!, cells);
    const tv = real.reduce((s, p, k) => s + Math.abs(p - synthetic[k]!), 0) / 2;
    assert.ok(tv < 0.02, `${name}: one-way total variation ${tv}`);
  }
  // The joined pair's two-way marginal.
  const ca = grid('participation');
  const cb = grid('supportRate');
  const joint = (x: ArrayLike<number>, y: ArrayLike<number>) => {
    const counts = new Map<string, number>();
    for (let i = 0; i < x.length; i++) {
      const key = `${cellOf(ca, x[i]!)},${cellOf(cb, y[i]!)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1 / x.length);
    }
    return counts;
  };
  const real = joint(table.participation!, table.supportRate!);
  const synthetic = joint(sample.participation!, sample.supportRate!);
  const keys = new Set([...real.keys(), ...synthetic.keys()]);
  const tv = [...keys].reduce((s, k) => s + Math.abs((real.get(k) ?? 0) - (synthetic.get(k) ?? 0)), 0) / 2;
  assert.ok(tv < 0.03, `two-way total variation ${tv}`);
  // Values stay inside their public bounds; counts stay integers.
  assert.ok(sample.votes!.every((v) => Number.isInteger(v) && v >= 0 && v <= 1000));
  assert.ok(sample.participation!.every((v) => v >= 0 && v <= 1));
});

test('under DP: the budget kept, the model saved and loaded to the same samples, refusals', async () => {
  const table = constructed(2000, 2);
  const model = MstGenerator.fit(table, { epsilon: 1, delta: 1e-5, seed: 4 });
  assert.ok(model.privacy !== null && model.privacy.epsilon <= 1 + 1e-9 && model.privacy.epsilon > 0.99, `epsilon ${model.privacy?.epsilon}`);
  const directory = mkdtempSync(join(tmpdir(), 'daogym-mst-'));
  try {
    const path = join(directory, 'mst.json');
    await model.save(path);
    const loaded = await loadGenerator(path);
    assert.ok(loaded instanceof MstGenerator);
    assert.equal(loaded.sample(50, Rng.create(1)), model.sample(50, Rng.create(1)));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  assert.throws(() => MstGenerator.fit({ other: new Float64Array([1, 2, 3]), participation: new Float64Array([0, 1, 0.5]) }, { epsilon: 1 }), /public bounds for column 'other'/);
  assert.throws(() => MstGenerator.fit(table, { epsilon: -1 }), /epsilon must be a positive number/);
});

test.run();
