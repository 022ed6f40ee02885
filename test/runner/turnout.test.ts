// Turnout calibration of a compare / stress population sampled from a generator file (populations[].turnout).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, parseExperiment, type SeasonExperimentConfig } from '../../runner/config.ts';
import { calibratedScale, makePopulation, runSeasonTrial } from '../../runner/trials/season.ts';
import { planTrials } from '../../runner/plan.ts';
import { loopTable } from '../../runner/trials/loop-data.ts';
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
(haveBravo ? test : test.skip)('populations[].turnout: a copula of Compound Bravo\'s voters, calibrated to 7.26 %, turns out about that; the scale multiplies options.turnoutScale', async () => {
  const model = join(dir, 'bravo.json');
  const copula = GaussianCopula.fit(loopTable(BRAVO));
  await copula.save(model);
  const population = (extra: string) => config(`{ name: voters, generator: ${model}, members: 1000${extra} }`).populations[0]!;
  // The members hold the preset's 10M less the market's 3M tokens.
  const scale = await calibratedScale(population(', turnout: 0.0726'), copula, 0.7);
  assert.ok(scale > 0.1 && scale < 0.4, `scale ${scale}`);
  // Populations the calibration never drew turn out within a fifth of the target; unscaled over three times it.
  let [calibrated, own] = [0, 0];
  for (let k = 0; k < 8; k++) {
    const table = copula.sample(1000, Rng.create(77).stream('fresh', k));
    calibrated += mappedTurnout(table, scale, 0.7) / 8;
    own += mappedTurnout(table, 1, 0.7) / 8;
  }
  assert.ok(Math.abs(calibrated - 0.0726) < 0.2 * 0.0726, `calibrated ${calibrated}`);
  assert.ok(own > 3 * 0.0726, `unscaled ${own}`);
  // Through a trial's population: each member's participation is the voter's own times the calibrated scale
  // (capped at 1), and options.turnoutScale multiplies that scale.
  const make = (extra: string) => makePopulation(population(extra), population(extra).options, 7_000_000, 10_000_000, Rng.create(5));
  const [own1, calibrated1, doubled] = [await make(''), await make(', turnout: 0.0726'), await make(', turnout: 0.0726, options: { turnoutScale: 2 }')];
  assert.equal(Array.from(calibrated1.balance), Array.from(own1.balance));
  for (let i = 0; i < own1.size; i++) {
    assert.ok(Math.abs(calibrated1.participation[i]! - Math.min(1, scale * own1.participation[i]!)) < 1e-12);
    assert.ok(Math.abs(doubled.participation[i]! - Math.min(1, 2 * scale * own1.participation[i]!)) < 1e-12);
  }
  // A trial runs with it.
  const c = config(`{ name: voters, generator: ${model}, members: 1000, turnout: 0.0726 }`);
  assert.type((await runSeasonTrial(c, planTrials(c)[0]!)).metrics.score, 'number');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
