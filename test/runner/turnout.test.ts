// Turnout calibration of a compare / stress population sampled from a generator file (populations[].turnout).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, parseExperiment, type SeasonExperimentConfig } from '../../runner/config.ts';
import { calibratedMapping, makePopulation, runSeasonTrial } from '../../runner/kinds/season/trial.ts';
import { planTrials } from '../../runner/plan.ts';
import { loopTable } from '../../runner/world/data.ts';
import { GaussianCopula } from '../../generators/copula.ts';
import { mappedTurnout } from '../../generators/turnout.ts';
import { Rng } from '../../lib/rng.ts';
import { BRAVO, haveBravo } from '../helpers/bravo.ts';

const dir = mkdtempSync(join(tmpdir(), 'daogym-turnout-'));
const config = (population: string) =>
  parseExperiment(`name: t\nkind: compare\nseeds: 2\nattacks: [buy-and-vote]\nvariants: [{ name: bravo, preset: compound-bravo }]\npopulations: [${population}]\n`, 'compare.yaml') as SeasonExperimentConfig;

test('populations[].turnout: a config error on the calibrated default population or outside (0, 1)', () => {
  assert.throws(() => config('{ name: p, turnout: 0.07 }'), (e: Error) => e instanceof ConfigError && e.field === 'populations[0].turnout' && /calibrates the populations of a generator file/.test(e.message));
  assert.throws(() => config('{ name: p, generator: m.json, turnout: 1.5 }'), /compare\.yaml:\d+: populations\[0\]\.turnout: must be < 1, got 1\.5/);
});

if (!haveBravo) console.log(`skipping the calibrated generator-file population: ${BRAVO} is missing`);
(haveBravo ? test : test.skip)('populations[].turnout: a copula of Compound Bravo\'s voters, calibrated to 7.26 %, turns out about that; options.turnoutScale scales participation on top', async () => {
  const model = join(dir, 'bravo.json');
  const copula = GaussianCopula.fit(loopTable(BRAVO));
  await copula.save(model);
  const population = (extra: string) => config(`{ name: voters, generator: ${model}, members: 1000${extra} }`).populations[0]!;
  // The members hold the preset's 10M less the market's 2.8M tokens.
  const calibration = await calibratedMapping(population(', turnout: 0.0726'), copula, 0.72);
  assert.is(calibration.scale, 1);
  assert.ok(calibration.votingShare > 0.1 && calibration.votingShare < 0.4, `voting share ${calibration.votingShare}`);
  // Populations the calibration never drew turn out within a fifth of the target; holding everything, over three times it.
  let [calibrated, own] = [0, 0];
  for (let k = 0; k < 8; k++) {
    const table = copula.sample(1000, Rng.create(77).stream('fresh', k));
    calibrated += mappedTurnout(table, 1, 0.72 * calibration.votingShare) / 8;
    own += mappedTurnout(table, 1, 0.72) / 8;
  }
  assert.ok(Math.abs(calibrated - 0.0726) < 0.2 * 0.0726, `calibrated ${calibrated}`);
  assert.ok(own > 3 * 0.0726, `unscaled ${own}`);
  // Through a trial's population: the members hold the voting share of their supply (the rest passive) at
  // their own rates, and options.turnoutScale scales their participation on top.
  const make = (extra: string) => makePopulation(population(extra), population(extra).options, 7_200_000, 10_000_000, Rng.create(5));
  const [own1, calibrated1, doubled] = [await make(''), await make(', turnout: 0.0726'), await make(', turnout: 0.0726, options: { turnoutScale: 2 }')];
  assert.ok(Math.abs(calibrated1.passiveSupply! - (1 - calibration.votingShare) * 7_200_000) < 1e-6);
  for (let i = 0; i < own1.size; i++) {
    assert.ok(Math.abs(calibrated1.balance[i]! - calibration.votingShare * own1.balance[i]!) < 1e-6);
    assert.is(calibrated1.participation[i], own1.participation[i]);
    assert.ok(Math.abs(doubled.participation[i]! - Math.min(1, 2 * own1.participation[i]!)) < 1e-12);
  }
  // A trial runs with it.
  const c = config(`{ name: voters, generator: ${model}, members: 1000, turnout: 0.0726 }`);
  assert.type((await runSeasonTrial(c, planTrials(c)[0]!)).metrics.score, 'number');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
