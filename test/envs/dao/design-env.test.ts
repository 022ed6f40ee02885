import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../envs/index.ts';
import { Rng } from '../../../lib/rng.ts';
import { checkEnv } from '../../../envs/core/checker.ts';
import { make } from '../../../envs/core/registration.ts';
import { DESIGN_PARAMETERS, designActionOf, designedProtocol, ProtocolDesignEnv } from '../../../envs/dao/design-env.ts';
import { presetProtocol } from '../../../envs/dao/presets.ts';
import { EnvConfigError } from '../../../envs/dao/config.ts';

test('ProtocolDesign-v0 passes checkEnv and is a one-step episode', () => {
  assert.equal(checkEnv(new ProtocolDesignEnv({ members: 1500 })).warnings, []);
  const env = make<Float32Array, Float32Array>('dao/ProtocolDesign-v0', { members: 1500 });
  env.reset({ seed: 1 });
  const result = env.step(new Float32Array(DESIGN_PARAMETERS.length));
  assert.is(result.terminated, true);
  assert.type(result.info.score, 'number');
  assert.is(result.reward, result.info.score);
});

test('actions map onto the parameter ranges (the vote cap geometrically, off at the top)', () => {
  const env = new ProtocolDesignEnv({ members: 500 });
  const low = env.protocolFor(new Float32Array(8).fill(-1));
  assert.equal(low.quorum, { kind: 'fraction', fraction: 0 });
  assert.equal([low.proposalThreshold, low.votingPeriod, low.timelock, low.lateQuorumExtension, low.treasurySupermajority, low.guardianVeto, low.voteCap], [0, 7200, 0, 0, null, false, 0.01]);
  const high = env.protocolFor(new Float32Array(8).fill(1));
  assert.equal(high.quorum, { kind: 'fraction', fraction: 0.3 });
  assert.equal([high.proposalThreshold, high.votingPeriod, high.timelock, high.lateQuorumExtension, high.treasurySupermajority, high.guardianVeto, high.voteCap], [0.05, 14 * 7200, 14 * 7200, 3 * 7200, 0.9, true, null]);
  // The cap's midpoint is the geometric mean of 1 % and 30 %.
  assert.ok(Math.abs(env.protocolFor(new Float32Array(8)).voteCap! - Math.sqrt(0.01 * 0.3)) < 1e-12);
  assert.throws(() => env.protocolFor([0, 0]), /needs 8 values/);
});

test('designActionOf inverts designedProtocol, a vote cap included; no cap maps to the top', () => {
  const bravo = presetProtocol('compound-bravo');
  const capped = designedProtocol(bravo, designActionOf({ ...bravo, voteCap: 0.04 }, 10_000_000));
  assert.ok(Math.abs(capped.voteCap! - 0.04) < 1e-12);
  assert.ok(capped.quorum.kind === 'fraction' && Math.abs(capped.quorum.fraction - 0.04) < 1e-12);
  assert.is(designActionOf(bravo, 10_000_000)[7], 1);
  assert.is(designedProtocol(bravo, designActionOf(bravo, 10_000_000)).voteCap, null);
});

test('seasons use common random numbers: honest outcomes do not depend on the attack', () => {
  const env = new ProtocolDesignEnv({ members: 3000 });
  const bravo = presetProtocol('compound-bravo');
  for (const seed of [0, 1, 2]) {
    const quiet = env.season(bravo, 'none', Rng.create(seed));
    const attacked = env.season(bravo, 'buy-and-vote', Rng.create(seed));
    assert.is(attacked.executedValue, quiet.executedValue);
    assert.is(attacked.honestExecuted, quiet.honestExecuted);
  }
});

test('a buy-and-vote attack drains Compound Bravo in some seasons; a treasury supermajority with a guardian stops it', () => {
  const env = new ProtocolDesignEnv({ members: 5000 });
  const bravo = presetProtocol('compound-bravo');
  const defended = presetProtocol('compound-bravo', { treasurySupermajority: 0.8, guardianVeto: true });
  let bravoLoss = 0;
  let defendedLoss = 0;
  for (let seed = 0; seed < 8; seed++) {
    bravoLoss += env.season(bravo, 'buy-and-vote', Rng.create(seed)).attackLoss;
    defendedLoss += env.season(defended, 'buy-and-vote', Rng.create(seed)).attackLoss;
  }
  assert.ok(bravoLoss > 0, 'Bravo loses treasury to the attacker in some seasons');
  assert.is(defendedLoss, 0);
});

test('season options reach the season: autonomous proposals open a 5 % threshold to honest proposers, and to a drain members do not see through', () => {
  const high = presetProtocol('compound-bravo', { proposalThreshold: 0.05 });
  const seasons = (kwargs: Record<string, number>) => {
    const env = new ProtocolDesignEnv({ members: 1500, ...kwargs });
    let [proposals, executed, drained] = [0, 0, 0];
    for (let seed = 0; seed < 8; seed++) {
      const r = env.season(high, 'buy-and-vote', Rng.create(seed));
      [proposals, executed, drained] = [proposals + r.honestProposals, executed + r.honestExecuted, drained + r.attackLoss];
    }
    return { proposals, executed, drained };
  };
  const closed = seasons({});
  const open = seasons({ sponsorship: 1 });
  assert.ok(open.proposals > closed.proposals + 5 && open.executed > closed.executed + 5, `${JSON.stringify(closed)} vs ${JSON.stringify(open)}`);
  // The $30M buyer holds less than 5 %: it drains only where members back it.
  assert.is(closed.drained, 0);
  assert.ok(open.drained > 0, 'the default drain (signal -0.5) finds backers');
  assert.is(seasons({ sponsorship: 1, attackSignal: -5 }).drained, 0, 'a drain seen through finds none');
  // Unset options are the stated defaults.
  const bravo = presetProtocol('compound-bravo');
  const stated = new ProtocolDesignEnv({ members: 1500, seasonDays: 60, attackDay: 15, attackSignal: -0.5, attackAttention: 0.7, lateReaction: 0.5, sponsorship: 0, coalitionSize: 3 });
  const unset = new ProtocolDesignEnv({ members: 1500 });
  for (const seed of [0, 1]) assert.equal(stated.season(bravo, 'coalition', Rng.create(seed)), unset.season(bravo, 'coalition', Rng.create(seed)));
  assert.throws(() => new ProtocolDesignEnv({ members: 500, sponsorship: 2 }), /^sponsorship: must be a number in \[0, 1\], got 2/);
  assert.throws(() => new ProtocolDesignEnv({ members: 500, seasonDays: 20, attackDay: 30 }), /^attackDay: must be a number in \[0, 20\]/);
});

test('bad kwargs are named', () => {
  assert.throws(() => new ProtocolDesignEnv({ members: 500, attack: 'nuke' as never }), (e: Error) => e instanceof EnvConfigError && /^attack: unknown strategy 'nuke'; valid strategies: none, buy-and-vote/.test(e.message));
  assert.throws(() => new ProtocolDesignEnv({ members: 500, attackShare: 2 }), /^attackShare: must be a number in \[0, 1\]/);
});

test.run();
