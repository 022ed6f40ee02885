import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CompareError, compareRuns, configDifferences, pairAcrossRuns, type ComparedRun } from '../../runner/compare.ts';
import type { TrialResult } from '../../runner/types.ts';

const trial = (key: string, seed: number, metrics: Record<string, number>): TrialResult => ({
  key,
  seedIndex: 0,
  seed,
  variant: key,
  params: { variant: key },
  metrics,
  durationMs: 1,
});
const run = (runId: string, trials: TrialResult[]): ComparedRun => ({ runId, trials });

test('trials pair by trial key and seed across runs; several runs per side pool their pairs', () => {
  const a = [run('a1', [trial('loop', 11, { x: 1 }), trial('loop', 12, { x: 2 })]), run('a2', [trial('loop', 21, { x: 3 }), trial('loop', 99, { x: 0 })])];
  const b = [run('b1', [trial('loop', 12, { x: 1 }), trial('loop', 11, { x: 0.5 }), trial('other', 11, { x: 7 })]), run('b2', [trial('loop', 21, { x: 4 })])];
  const { pairs, unpairedA, unpairedB } = pairAcrossRuns(a, b);
  assert.equal(pairs.map((p) => [p.a.key, p.seed, p.a.metrics.x, p.b.metrics.x]), [['loop', 11, 1, 0.5], ['loop', 12, 2, 1], ['loop', 21, 3, 4]]);
  assert.is(unpairedA, 1, "A's seed 99 has no partner");
  assert.is(unpairedB, 1, "B's 'other' key has no partner");
  const comparison = compareRuns(a, b, { resamples: 500 });
  const row = comparison.rows[0]!;
  assert.is(row.pairs, 3);
  assert.ok(Math.abs(row.difference - (0.5 + 1 - 1) / 3) < 1e-12, 'mean of the paired differences');
  assert.ok(Math.abs(row.meanA - 2) < 1e-12 && Math.abs(row.meanB - 5.5 / 3) < 1e-12);
  assert.equal([row.aHigher, row.aLower, row.ties], [2, 1, 0]);
  assert.ok(Math.abs(row.relative! - (2 / (5.5 / 3) - 1)) < 1e-12);
});

test('the interval is the bootstrap of the paired differences: near mean +- 1.96 sd / sqrt(n) for many pairs, seeded', () => {
  // Differences d_i = B's metric subtracted from A's, with a known spread; the replicates' own level (i * 10)
  // is shared by both sides and cancels in the pairing.
  const n = 400;
  const diffs = Array.from({ length: n }, (_, i) => 0.01 + 0.02 * Math.sin(i * 12.9898) * Math.cos(i * 78.233));
  const a = [run('a', diffs.map((d, i) => trial('loop', 1000 + i, { loss: i * 10 + d })))];
  const b = [run('b', diffs.map((_, i) => trial('loop', 1000 + i, { loss: i * 10 })))];
  const mean = diffs.reduce((s, d) => s + d, 0) / n;
  const sd = Math.sqrt(diffs.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1));
  const row = compareRuns(a, b, { resamples: 4000, seed: 5 }).rows[0]!;
  assert.ok(Math.abs(row.difference - mean) < 1e-9);
  const half = (1.96 * sd) / Math.sqrt(n);
  assert.ok(Math.abs(row.lo - (mean - half)) < 0.15 * half, `lo ${row.lo} vs ${mean - half}`);
  assert.ok(Math.abs(row.hi - (mean + half)) < 0.15 * half, `hi ${row.hi} vs ${mean + half}`);
  // Unpaired, the replicates' spread (sd about 1150) would swamp a difference of 0.01: pairing is the point.
  assert.ok(row.hi - row.lo < 0.01);
  assert.equal(compareRuns(a, b, { resamples: 4000, seed: 5 }).rows[0], row, 'same seed, same interval');
  const other = compareRuns(a, b, { resamples: 4000, seed: 6 }).rows[0]!;
  assert.is.not(other.lo, row.lo, 'another seed draws other resamples');
});

test("a metric of A's set against another of B's; identical trials give a zero interval", () => {
  const a = [run('a', [trial('loop', 1, { final: 0.04, g1: 0.05 }), trial('loop', 2, { final: 0.03, g1: 0.03 })])];
  const b = [run('b', [trial('loop', 1, { final: 0.03, g1: 0.05 }), trial('loop', 2, { final: 0.02, g1: 0.03 })])];
  const rows = compareRuns(a, b, { metrics: [{ a: 'g1', b: 'final' }, { a: 'g1', b: 'g1' }], resamples: 200 }).rows;
  assert.equal([rows[0]!.metricA, rows[0]!.metricB], ['g1', 'final']);
  assert.ok(Math.abs(rows[0]!.difference - 0.015) < 1e-12);
  assert.equal([rows[1]!.difference, rows[1]!.lo, rows[1]!.hi, rows[1]!.ties], [0, 0, 0, 2]);
  assert.equal(compareRuns(a, b).rows.map((r) => r.metricA), ['final', 'g1'], 'by default every shared metric, sorted');
});

test('mistakes are CompareErrors that name what is wrong', () => {
  const a = [run('a', [trial('loop', 1, { x: 1 })])];
  assert.throws(() => compareRuns(a, [run('b', [trial('loop', 2, { x: 1 })])]), (e: unknown) => e instanceof CompareError && /no trial of A pairs with one of B.*A's seeds 1, B's 2/.test(e.message));
  assert.throws(() => compareRuns(a, [run('b', [trial('loop', 1, { x: 1 })])], { metrics: [{ a: 'y', b: 'y' }] }), (e: unknown) => e instanceof CompareError && /--metric: 'y' is not a metric of A's paired trials; they report: x/.test(e.message));
  assert.throws(
    () => compareRuns([run('a1', [trial('loop', 1, { x: 1 })]), run('a2', [trial('loop', 1, { x: 2 })])], a),
    (e: unknown) => e instanceof CompareError && /A: trial 'loop' with seed 1 is in run a1 and in run a2/.test(e.message),
  );
});

test('configDifferences names the fields that differ between the sides, as sets of values over pooled runs', () => {
  const a = [{ seed: 3, search: { replay: 0, riskWeight: 0.5 }, attacks: ['buy'] }, { seed: 101, search: { replay: 0, riskWeight: 0.5 }, attacks: ['buy'] }];
  const b = [{ seed: 101, search: { replay: 4, riskWeight: 0.5 }, attacks: ['buy'] }, { seed: 3, search: { replay: 4, riskWeight: 0.5 }, attacks: ['buy', 'bribe'], extra: true }];
  assert.equal(configDifferences(a, b), [
    { path: 'attacks', a: ['["buy"]'], b: ['["buy","bribe"]', '["buy"]'] },
    { path: 'extra', a: ['(unset)'], b: ['(unset)', 'true'] },
    { path: 'search.replay', a: ['0'], b: ['4'] },
  ]);
  assert.equal(configDifferences(a, a), [], 'the same configs: nothing');
});

test.run();
