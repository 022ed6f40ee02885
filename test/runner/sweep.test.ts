/**
 * kind: sweep. The plan (grid and design sizes, common random numbers across settings), the designs (a Sobol
 * sequence equal to SciPy's published one, a Latin hypercube stratified in every dimension), the Pareto front and
 * the recommended setting on constructed cases, config refusals, and a small run in which the base and the grid
 * setting equal to it give identical seasons.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../lib/rng.ts';
import { parseExperiment } from '../../runner/config.ts';
import { sweep, sweepPoints, type SweepConfig } from '../../runner/kinds/sweep/index.ts';
import { latinHypercube, sobolPoints } from '../../runner/kinds/sweep/design.ts';
import { planTrials } from '../../runner/plan.ts';
import { analyseSweep, paretoFront, type SweepSpec } from '../../runner/report/sweep.ts';
import { ConfigError } from '../../runner/schema.ts';
import type { TrialResult } from '../../runner/types.ts';

const config = (body: string): SweepConfig => parseExperiment(`name: s\nkind: sweep\n${body}`, 's.yaml') as SweepConfig;

test('a grid runs every combination plus the base, each across populations, attacks and seeds', () => {
  const c = config(`seeds: 3
parameters:
  quorum: [0.01, 0.02, 0.04]
  timelock: ['0d', '2d']
attacks: [none, buy-and-vote]
populations: [{ name: a, members: 200 }, { name: b, members: 300 }]
`);
  const points = sweepPoints(c);
  assert.is(points.length, 6);
  assert.equal(points[1], { quorum: 0.01, timelock: 14400 });
  const trials = planTrials(c);
  assert.is(trials.length, (6 + 1) * 2 * 2 * 3);
  // Common random numbers: a seed index has one seed whatever the setting, population or attack.
  const seedsByIndex = new Map<number, Set<number>>();
  for (const t of trials) seedsByIndex.set(t.seedIndex, (seedsByIndex.get(t.seedIndex) ?? new Set()).add(t.seed));
  assert.equal([...seedsByIndex.values()].map((s) => s.size), [1, 1, 1]);
  assert.is(new Set(trials.map((t) => t.key)).size, 7 * 2 * 2);
  // The base runs with Bravo's own values: a 400,000-vote quorum of 10M COMP is 4 %; the 2-day Timelock.
  const base = trials.find((t) => t.variant === 'base')!;
  assert.is(base.params.quorum, 0.04);
  assert.is(base.params.timelock, 14400);
});

test('a Latin hypercube puts one setting in each stratum of every parameter; a Sobol design is its sequence', () => {
  const c = config(`seeds: 2
design: { kind: lhs, points: 20 }
parameters:
  quorum: { low: 0.01, high: 0.2, scale: log }
  proposalThreshold: { low: 0, high: 0.05 }
  votingPeriod: { low: '2d', high: '7d' }
  guardianVeto: [false, true]
`);
  const points = sweepPoints(c);
  assert.is(points.length, 20);
  const strata = (values: number[], low: number, high: number, log = false) =>
    new Set(values.map((v) => Math.min(19, Math.floor((20 * (log ? Math.log(v / low) : v - low)) / (log ? Math.log(high / low) : high - low) + 1e-4)))).size; // values are stored to 1e-6
  assert.is(strata(points.map((p) => p.quorum!), 0.01, 0.2, true), 20);
  assert.is(strata(points.map((p) => p.proposalThreshold!), 0, 0.05), 20);
  assert.ok(points.every((p) => Number.isInteger(p.votingPeriod) && p.votingPeriod! >= 14400 && p.votingPeriod! <= 50400), 'durations in whole blocks inside the range');
  assert.equal(new Set(points.map((p) => p.guardianVeto)), new Set([0, 1]));
  assert.is(planTrials(c).length, (20 + 1) * 2 * 2);
  // The same seed gives the same design; another seed another one.
  assert.equal(sweepPoints(c), points);
  assert.not.equal(sweepPoints({ ...c, seed: c.seed + 1 }), points);

  const unit = latinHypercube(16, 3, Rng.create(5));
  for (let j = 0; j < 3; j++) assert.is(new Set(unit.map((p) => Math.floor(p[j]! * 16))).size, 16);

  // scipy.stats.qmc.Sobol(d=10, scramble=False).random(256), rows 5, 37, 100 and 255 (SciPy 1.17).
  const published: Record<number, number[]> = {
    5: [0.875, 0.875, 0.125, 0.375, 0.875, 0.625, 0.875, 0.375, 0.375, 0.125],
    37: [0.921875, 0.640625, 0.578125, 0.921875, 0.765625, 0.296875, 0.171875, 0.796875, 0.609375, 0.171875],
    100: [0.4140625, 0.2578125, 0.7734375, 0.7265625, 0.8828125, 0.7421875, 0.0234375, 0.4765625, 0.6328125, 0.6953125],
    255: [0.00390625, 0.99609375, 0.76953125, 0.57421875, 0.61328125, 0.98046875, 0.88671875, 0.17578125, 0.44140625, 0.35546875],
  };
  const sobol = sobolPoints(256, 10);
  for (const [row, values] of Object.entries(published)) assert.equal(sobol[Number(row)], values, `row ${row}`);
  assert.equal(sobolPoints(4, 2), [[0, 0], [0.5, 0.5], [0.75, 0.25], [0.25, 0.75]]);
});

test('the Pareto front of money at risk against honest cost, on a constructed case', () => {
  const points = [
    { loss: 10, cost: 1 }, // front: the cheapest
    { loss: 5, cost: 3 }, // front
    { loss: 6, cost: 4 }, // dominated by (5, 3)
    { loss: 1, cost: 9 }, // front: the safest
    { loss: 5, cost: 3 }, // a tie with the second: both stay
    { loss: 10, cost: 2 }, // dominated by (10, 1)
  ];
  assert.equal(paretoFront(points), [true, true, false, true, true, false]);
});

/** Trials of a constructed sweep: per setting, a drain under buy-and-vote and an honest cost without attack. */
function constructed(settings: Record<string, { quorum: number; loss: number; cost: number }>, seeds = 12): TrialResult[] {
  const trials: TrialResult[] = [];
  for (const [variant, s] of Object.entries(settings)) {
    for (let i = 0; i < seeds; i++) {
      const wobble = ((i % 3) - 1) * 0.05;
      for (const attack of ['none', 'buy-and-vote']) {
        const params = { variant, quorum: s.quorum, population: 'p', attack };
        const metrics: Record<string, number> = attack === 'none' ? { attackLoss: 0, attackSucceeded: 0, honestCost: s.cost * (1 + wobble) } : { attackLoss: s.loss * (1 + wobble), attackSucceeded: s.loss > 0 ? 1 : 0, attackActed: 1, honestCost: s.cost };
        trials.push({ key: `variant=${variant}|attack=${attack}`, seedIndex: i, seed: 100 + i, variant, params, metrics, durationMs: 1 });
      }
    }
  }
  return trials;
}

test('the recommended setting: the least honest cost whose money at risk stays under the target; the base placed and paired', () => {
  const spec: SweepSpec = { parameters: ['quorum'], design: 'grid', targetLossUsd: 1e6, baseVariant: 'base', basePreset: 'compound-bravo', baseValues: { quorum: 0.04 }, baseNotes: [] };
  const trials = constructed({
    base: { quorum: 0.04, loss: 5e6, cost: 4e5 },
    s1: { quorum: 0.02, loss: 8e6, cost: 2e5 },
    s2: { quorum: 0.04, loss: 5e6, cost: 4e5 },
    s3: { quorum: 0.08, loss: 5e5, cost: 9e5 },
    s4: { quorum: 0.12, loss: 1e5, cost: 1.5e6 },
  });
  const analysis = analyseSweep(spec, trials, Rng.create(1), { level: 0.95, resamples: 500 });
  assert.is(analysis.choice, 's3', 'under $1M at the upper end, s3 costs honest proposers less than s4');
  assert.equal(analysis.points.filter((p) => p.pareto).map((p) => p.variant).sort(), ['base', 's1', 's2', 's3', 's4']);
  assert.is(analysis.honestCostBasis, 'no attack');
  assert.ok(analysis.againstBase !== null && analysis.againstBase.variant === 's3');
  assert.ok(Math.abs(analysis.againstBase!.loss.meanDifference! - (5e5 - 5e6)) < 1, 'paired loss difference');
  assert.ok(Math.abs(analysis.againstBase!.honestCost.meanDifference! - (9e5 - 4e5)) < 1, 'paired honest cost difference');
  assert.match(analysis.headline[0]!, /^Least honest cost with money at risk under \$1M a season .*: quorum 8 %: at risk \$500k/);
  assert.match(analysis.headline[1]!, /^The base, compound-bravo as deployed \(quorum 4 %\): at risk \$5M/);

  // Nothing under a $50k target: the verdict says so and names the least at risk.
  const strict = analyseSweep({ ...spec, targetLossUsd: 5e4 }, trials, Rng.create(1), { level: 0.95, resamples: 500 });
  assert.is(strict.choice, null);
  assert.is(strict.leastAtRisk, 's4');
  assert.match(strict.headline[0]!, /^No setting swept keeps money at risk under \$50k a season/);

  // A setting whose attack never acted is never recommended, however low its loss.
  const idle = constructed({ base: { quorum: 0.04, loss: 5e6, cost: 4e5 }, s1: { quorum: 0.3, loss: 0, cost: 1e5 } }).map((t) =>
    t.variant === 's1' && t.params.attack !== 'none' ? { ...t, metrics: { ...t.metrics, attackActed: 0 } } : t,
  );
  const idleAnalysis = analyseSweep(spec, idle, Rng.create(1), { level: 0.95, resamples: 200 });
  assert.is(idleAnalysis.choice, null);
  assert.ok(idleAnalysis.caveats.some((c) => c.startsWith('Not tested')));
});

test('sweep configs are refused with the field and what is valid', () => {
  const refused = (body: string, expected: RegExp) => {
    try {
      config(body);
    } catch (error) {
      assert.instance(error, ConfigError);
      assert.match((error as Error).message, expected);
      return;
    }
    assert.unreachable(`accepted: ${body}`);
  };
  refused('parameters: { timelock: [2] }\n', /s\.yaml:3: parameters\.timelock\[0\]: must be a duration with a unit/);
  refused("parameters: { quorum: { low: 0.01, high: 0.1 } }\n", /parameters\.quorum: a grid needs a list of values/);
  refused('design: { kind: lhs }\nparameters: { quorum: { low: 0.01, high: 0.1 } }\n', /design\.points: required for design lhs/);
  refused('parameters: { quorum: [0.04, 1.5] }\n', /parameters\.quorum\[1\]: must be 0 to 1/);
  refused('parameters: { quorom: [0.04] }\n', /parameters\.quorom: unknown field 'quorom' \(did you mean 'quorum'\?\); valid fields: quorum, proposalThreshold/);
  refused('parameters: {}\n', /parameters: name at least one parameter to sweep/);
  refused("base: { preset: compound-bravo, protocol: { timelock: 3 } }\nparameters: { quorum: [0.04] }\n", /base\.protocol\.timelock: must be a duration/);
  refused('parameters: { quorum: [0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009, 0.01, 0.011], proposalThreshold: [0, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009], timelock: [0d, 1d, 2d, 3d, 4d, 5d, 6d, 7d, 8d, 9d] }\n', /the grid has 1,100 settings; at most 1000/);
});

test('a small sweep: the base and the grid setting equal to it play identical seasons (common random numbers)', async () => {
  const c = config(`seed: 4
seeds: 3
parameters:
  quorum: [0.02, 0.04]
attacks: [none, buy-and-vote]
attackBudgetUsd: 20000000
populations: [{ name: calibrated, members: 200 }]
season: { days: 20 }
`);
  const trials = planTrials(c);
  const results: TrialResult[] = [];
  for (const spec of trials) results.push(await sweep.runTrial(c, spec, {}));
  const same = (variant: string) => results.filter((r) => r.variant === variant).map((r) => [r.params.attack, r.seedIndex, r.metrics]);
  const equal = results.find((r) => r.variant !== 'base' && r.params.quorum === 0.04)!.variant;
  assert.equal(same('base'), same(equal), "Bravo's 400,000-vote quorum and a 4 % quorum of its 10M supply are one rule");
  assert.ok(results.every((r) => Number.isFinite(r.metrics.honestCost)), 'every trial reports its honest cost');
});

test.run();
