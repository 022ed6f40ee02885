import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { calibrateTurnout, mappedTurnout, MAX_TURNOUT_SCALE } from '../../generators/turnout.ts';
import type { Table } from '../../generators/metrics.ts';
import { populationFromFeatures } from '../../generators/mapping.ts';
import { totalSupply } from '../../envs/dao/population.ts';
import { Rng } from '../../lib/rng.ts';

// Two members of equal power (10^3 - 1 tokens each) who vote at rates 0.5 and 1.
const pair: Table = { logVotingPower: Float64Array.of(3, 3), participation: Float64Array.of(0.5, 1) };

test('mappedTurnout: power-weighted participation x scale, each member capped at 1, over the members\' share of supply', () => {
  assert.ok(Math.abs(mappedTurnout(pair, 1, 1) - 0.75) < 1e-12);
  assert.ok(Math.abs(mappedTurnout(pair, 0.5, 1) - 0.375) < 1e-12);
  // Above 1 the second member is capped: (min(1, 0.8) + 1) / 2.
  assert.ok(Math.abs(mappedTurnout(pair, 1.6, 1) - 0.9) < 1e-12);
  assert.ok(Math.abs(mappedTurnout(pair, 1, 0.7) - 0.525) < 1e-12);
  // A whale counts by its power: 99,999 tokens voting always, 99 never.
  const whale: Table = { logVotingPower: Float64Array.of(5, 2), participation: Float64Array.of(1, 0) };
  assert.ok(Math.abs(mappedTurnout(whale, 1, 1) - 99_999 / 100_098) < 1e-12);
});

test('calibrateTurnout: the voters\' share of the supply that turns out the target, the participation scale only where all of it falls short', () => {
  // The pair turns out 0.75 holding all its supply: a target of 0.375 needs half of it, at their own rates.
  const half = calibrateTurnout([pair], 0.375, 1);
  assert.ok(Math.abs(half.votingShare - 0.5) < 1e-12, `${half.votingShare}`);
  assert.is(half.scale, 1);
  assert.ok(Math.abs(half.turnout - 0.375) < 1e-12);
  assert.ok(Math.abs(half.unscaled - 0.75) < 1e-12);
  // memberShare (the members' share before calibration, the rest the market's) counts: 0.7 x 0.75 = 0.525.
  assert.ok(Math.abs(calibrateTurnout([pair], 0.21, 0.7).votingShare - 0.4) < 1e-12);
  // The mean over tables: one at half the other's rates turns out 0.5625 on average.
  const quieter: Table = { logVotingPower: pair.logVotingPower!, participation: Float64Array.of(0.25, 0.5) };
  const both = calibrateTurnout([pair, quieter], 0.3, 1);
  assert.ok(Math.abs(both.votingShare - 0.3 / 0.5625) < 1e-12);
  assert.ok(Math.abs(both.votingShare * (mappedTurnout(pair, 1, 1) + mappedTurnout(quieter, 1, 1)) / 2 - 0.3) < 1e-12);
  // Above what the members turn out holding everything: all of it, and participation scaled up through the
  // cap at 1, (min(1, 0.5 s) + 1) / 2 = 0.9 at s = 1.6.
  const loud = calibrateTurnout([pair], 0.9, 1);
  assert.is(loud.votingShare, 1);
  assert.ok(Math.abs(loud.scale - 1.6) < 1e-9, `${loud.scale}`);
  // Members who hardly vote cannot reach the target: the scale stops at the maximum.
  const shy: Table = { logVotingPower: pair.logVotingPower!, participation: Float64Array.of(0.01, 0.01) };
  assert.is(calibrateTurnout([shy], 0.5, 1).scale, MAX_TURNOUT_SCALE);
  assert.throws(() => calibrateTurnout([pair], 0, 1), /turnout target must be in \(0, 1\)/);
  assert.throws(() => calibrateTurnout([], 0.1, 1), /at least one population/);
});

test('populationFromFeatures with votingShare: the members hold that share of the supply at their own rates, the rest is passive and counts in the supply', () => {
  const table: Table = { logVotingPower: Float64Array.of(3, 4, 5), participation: Float64Array.of(0.2, 0.5, 0.9), supportRate: Float64Array.of(0.5, 0.8, 0.3), meanTiming: Float64Array.of(0.1, 0.5, 0.95) };
  const full = populationFromFeatures(table, Rng.create(1), { supply: 1_000_000 });
  const quarter = populationFromFeatures(table, Rng.create(1), { supply: 1_000_000, votingShare: 0.25 });
  assert.is(full.passiveSupply, 0);
  assert.ok(Math.abs(quarter.passiveSupply! - 750_000) < 1e-6);
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(quarter.balance[i]! - 0.25 * full.balance[i]!) < 1e-9);
    assert.is(quarter.participation[i], full.participation[i]);
  }
  assert.ok(Math.abs(totalSupply(quarter) - 1_000_000) < 1e-6);
  assert.throws(() => populationFromFeatures(table, Rng.create(1), { supply: 1, votingShare: 0 }), /votingShare must be in \(0, 1\]/);
});

test.run();
