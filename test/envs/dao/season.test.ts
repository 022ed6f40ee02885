import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../../lib/rng.ts';
import { DEFAULT_MARKET } from '../../../envs/dao/market.ts';
import { defaultPopulation } from '../../../envs/dao/population.ts';
import { presetProtocol } from '../../../envs/dao/presets.ts';
import { ATTACK_STRATEGIES, largestHolders, runSeason, type SeasonConfig } from '../../../envs/dao/season.ts';
import { sharePopulationData } from '../../../envs/dao/governance.ts';
import { BLOCKS_PER_DAY } from '../../../envs/dao/protocol.ts';

const base = (seed: number): SeasonConfig => ({
  // A 4 % quorum with a guardian and a 2-day timelock: a $30M vote buyer passes the drain vote.
  protocol: presetProtocol('compound-bravo', { quorum: { kind: 'fraction', fraction: 0.04 }, guardianVeto: true }),
  population: defaultPopulation(600, Rng.create(seed).stream('population'), { supply: 7_200_000 }),
  market: DEFAULT_MARKET,
  treasuryUsd: 50e6,
  days: 20,
  proposalsPerMonth: 6,
  attack: 'buy-and-vote',
  attackBudgetUsd: 30e6,
  attackShare: 0.3,
  attackDay: 2,
  attackSignal: -0.3,
  attackAttention: 0.5,
  delayCostPerDay: 0.005,
});

test("the guardian's detection decides the drain with the same draws: caught at 1, executed at 0, honest outcomes unchanged", () => {
  let compared = 0;
  for (let seed = 0; seed < 6; seed++) {
    const caught = runSeason({ ...base(seed), guardian: { detection: 1, falseVeto: 0.02 } }, Rng.create(seed).stream('season'));
    const missed = runSeason({ ...base(seed), guardian: { detection: 0, falseVeto: 0.02 } }, Rng.create(seed).stream('season'));
    assert.is(caught.attackSucceeded, false);
    assert.is(caught.attackLoss, 0);
    // Honest proposals see the same draws under both guardians: the coin only decides the drain.
    assert.is(caught.honestProposals, missed.honestProposals);
    if (missed.attackSucceeded) {
      compared++;
      assert.ok(Math.abs(missed.attackLoss - 0.3 * 50e6) < 1e-6 * 50e6, `drained ${missed.attackLoss}`);
      assert.is(caught.executedValue - caught.failedGoodValue >= missed.executedValue - missed.failedGoodValue - 1e-6, true);
    }
  }
  assert.ok(compared >= 3, `the drain vote passed in ${compared} of 6 seasons`);
});

test('coalition: the largest holders back a drain to themselves without buying; a guardian that catches it stops it', () => {
  assert.equal(largestHolders([5, 9, 1, 9, 7], 3), [1, 3, 4]);
  assert.throws(() => largestHolders([1], 0), /coalitionSize/);
  let drained = 0;
  for (let seed = 0; seed < 6; seed++) {
    const config: SeasonConfig = { ...base(seed), protocol: presetProtocol('compound-bravo'), attack: 'coalition', coalitionSize: 3 };
    const result = runSeason(config, Rng.create(seed).stream('season'));
    if (result.attackSucceeded) {
      drained++;
      assert.ok(Math.abs(result.attackLoss - 0.3 * 50e6) < 1e-6 * 50e6);
      // Nothing bought or borrowed: the attacker's gain is exactly the drain.
      assert.ok(Math.abs(result.attackerProfit - result.attackLoss) < 1e-6 * 50e6, `profit ${result.attackerProfit}`);
    }
    const caught = runSeason({ ...config, protocol: presetProtocol('compound-bravo', { guardianVeto: true }), guardian: { detection: 1, falseVeto: 0 } }, Rng.create(seed).stream('season'));
    assert.is(caught.attackLoss, 0);
  }
  // The three largest of 600 default members hold enough to carry Bravo's vote in most seasons.
  assert.ok(drained >= 4, `drained in ${drained} of 6 seasons`);
});


test('autonomous proposals (sponsorship): below a 5 % threshold honest proposers canvass and propose; so does the attacker, as far as its drain fools members', () => {
  const config = (seed: number, sponsorship: number | undefined, attackSignal = -0.3): SeasonConfig => ({
    ...base(seed),
    protocol: presetProtocol('compound-bravo', { proposalThreshold: 0.05 }),
    attackSignal,
    ...(sponsorship === undefined ? {} : { sponsorship }),
  });
  const total = (sponsorship: number | undefined, attackSignal?: number) => {
    let honest = 0;
    let drained = 0;
    for (let seed = 0; seed < 20; seed++) {
      const result = runSeason(config(seed, sponsorship, attackSignal), Rng.create(seed).stream('season'));
      honest += result.honestProposals;
      drained += result.attackSucceeded ? 1 : 0;
    }
    return { honest, drained };
  };
  // Off by default: the same seasons as sponsorship 0, where nobody below 5 % proposes ($30M buys less).
  assert.equal(runSeason(config(1, undefined), Rng.create(1).stream('season')), runSeason(config(1, 0), Rng.create(1).stream('season')));
  const [off, half, full] = [total(0), total(0.5), total(1)];
  assert.is(off.drained, 0);
  assert.ok(half.honest > off.honest && full.honest > half.honest, `honest proposals ${off.honest} / ${half.honest} / ${full.honest}`);
  assert.ok(full.drained >= 6 && full.drained > half.drained, `drained ${off.drained} / ${half.drained} / ${full.drained} of 20`);
  // A drain members recognise (signal -1.5) gathers backers far less often; honest proposals are the same.
  const recognised = total(1, -1.5);
  assert.is(recognised.honest, full.honest);
  assert.ok(recognised.drained <= full.drained / 3, `drained ${recognised.drained} recognised, ${full.drained} disguised`);
  assert.throws(() => runSeason(config(1, 1.5), Rng.create(1).stream('season')), /sponsorship must be in \[0, 1\]/);
});

test('late-vote sniping: an OZ late-quorum extension stops drains only as far as members answer it (lateReaction)', () => {
  // Bravo with a 1-day extension against a $20M buyer who votes in the last 6 hours of a drain that members
  // recognise (signal -1.5); 1000 calibrated members; the same 150 seasons under each setting.
  const population = defaultPopulation(1000, Rng.create(1).stream('population'));
  const drained = (lateQuorumExtension: number, lateReaction: number) => {
    let count = 0;
    for (let seed = 0; seed < 150; seed++) {
      const protocol = { ...presetProtocol('compound-bravo'), lateQuorumExtension };
      const result = runSeason({ ...base(seed), protocol, population, days: 30, attack: 'late-vote', attackBudgetUsd: 20e6, attackSignal: -1.5, lateReaction }, Rng.create(seed).stream('season'));
      if (result.attackSucceeded) count++;
    }
    return count;
  };
  const without = drained(0, 1);
  assert.ok(without >= 5, `drained without an extension: ${without} of 150`);
  assert.is(drained(7200, 0), without, 'nobody answers: the extension changes no drain');
  const answered = drained(7200, 1);
  assert.ok(answered <= without - 3, `drained with answers: ${answered} of 150, without the extension ${without}`);
  assert.ok(drained(7200, 0.5) >= answered, 'a weaker reaction stops no more');
});

test('a season only reads its population and shared data (the runner keeps one population per seed for all of its trials)', () => {
  const population = defaultPopulation(600, Rng.create(3).stream('population'), { supply: 7_200_000 });
  const shared = sharePopulationData(population);
  const copy = <T extends object>(value: T): string => JSON.stringify(value, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v));
  const before = copy({ population, shared });
  const protocols = {
    'token, late quorum': presetProtocol('compound-bravo', { quorum: { kind: 'fraction', fraction: 0.04 }, lateQuorumExtension: BLOCKS_PER_DAY }),
    quadratic: presetProtocol('compound-bravo', { votingPower: { kind: 'quadratic' } }),
  };
  let seasons = 0;
  for (const [name, protocol] of Object.entries(protocols)) {
    for (const attack of ATTACK_STRATEGIES) {
      for (let seed = 0; seed < 2; seed++) {
        runSeason({ ...base(seed), protocol, population, shared, attack, lateReaction: 0.5 }, Rng.create(seed).stream('season'));
        seasons++;
        assert.is(copy({ population, shared }), before, `${name}, ${attack}, seed ${seed} changed the population`);
      }
    }
  }
  assert.is(seasons, 2 * 2 * ATTACK_STRATEGIES.length);
});

test.run();
