import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { calibrateTurnout, mappedTurnout, MAX_TURNOUT_SCALE } from '../../generators/turnout.ts';
import type { Table } from '../../generators/metrics.ts';

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

test('calibrateTurnout: the scale at which the tables turn out the target on average, through the cap, and capped at the maximum', () => {
  const below = calibrateTurnout([pair], 0.375, 1);
  assert.ok(Math.abs(below.scale - 0.5) < 1e-9, `${below.scale}`);
  assert.ok(Math.abs(below.turnout - 0.375) < 1e-9);
  assert.ok(Math.abs(below.unscaled - 0.75) < 1e-12);
  // Past participation 1 the relation is no longer linear: (0.5 s + 1) / 2 = 0.9 at s = 1.6.
  assert.ok(Math.abs(calibrateTurnout([pair], 0.9, 1).scale - 1.6) < 1e-9);
  // The mean over tables: one at half the other's rates.
  const half: Table = { logVotingPower: pair.logVotingPower!, participation: Float64Array.of(0.25, 0.5) };
  const both = calibrateTurnout([pair, half], 0.3, 1);
  assert.ok(Math.abs((mappedTurnout(pair, both.scale, 1) + mappedTurnout(half, both.scale, 1)) / 2 - 0.3) < 1e-9);
  assert.ok(Math.abs(both.scale - 0.3 / 0.5625) < 1e-9, `${both.scale}`);
  // Members who hardly vote cannot reach the target: the scale stops at the maximum.
  const shy: Table = { logVotingPower: pair.logVotingPower!, participation: Float64Array.of(0.01, 0.01) };
  assert.is(calibrateTurnout([shy], 0.5, 1).scale, MAX_TURNOUT_SCALE);
  assert.throws(() => calibrateTurnout([pair], 0, 1), /turnout target must be in \(0, 1\)/);
  assert.throws(() => calibrateTurnout([], 0.1, 1), /at least one population/);
});

test.run();
