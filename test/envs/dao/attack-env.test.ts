import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../envs/index.ts';
import { checkEnv } from '../../../envs/core/checker.ts';
import { make } from '../../../envs/core/registration.ts';
import { ACTIONS, GovernanceAttackEnv, type GovernanceAttackKwargs } from '../../../envs/dao/attack-env.ts';
import { EnvConfigError } from '../../../envs/dao/config.ts';

const act = (name: (typeof ACTIONS)[number], level = 4) => Int32Array.of(ACTIONS.indexOf(name), level);

const beanstalk = (protocol: GovernanceAttackKwargs['protocol'] = {}): GovernanceAttackKwargs => ({
  preset: 'beanstalk-2022',
  protocol,
  members: 2000,
  populationOptions: { supply: 2_000_000 },
  market: { lendingToken: 9_000_000, ammToken: 500_000, ammUsd: 500_000 },
  treasuryUsd: 182_000_000,
  budgetUsd: 100_000,
  rewardUnit: 'usd',
});

/** Propose a full drain, wait out the 24 h emergencyCommit delay, then flash-loan-vote. */
function flashLoanAttack(kwargs: GovernanceAttackKwargs): { profit: number; state: unknown } {
  const env = new GovernanceAttackEnv(kwargs);
  env.reset({ seed: 0 });
  let profit = 0;
  let last = env.step(act('propose'));
  profit += last.reward;
  for (let t = 0; t < 6; t++) profit += env.step(act('wait')).reward;
  last = env.step(act('flashLoanVote'));
  profit += last.reward;
  while (!last.terminated && !last.truncated) {
    last = env.step(act('wait'));
    profit += last.reward;
  }
  return { profit, state: last.info.proposalState };
}

test('GovernanceAttack-v0 passes checkEnv with default and quadratic/conviction/expression protocols', () => {
  assert.equal(checkEnv(new GovernanceAttackEnv({ members: 2000 })).warnings, []);
  checkEnv(new GovernanceAttackEnv({ members: 1000, protocol: { votingPower: { kind: 'quadratic' } } }));
  checkEnv(new GovernanceAttackEnv({ members: 1000, preset: '1hive-conviction' }));
  checkEnv(new GovernanceAttackEnv({ members: 1000, protocol: { quorum: { kind: 'expression', expression: 'max(0.04 * supply, 1.2 * turnoutLast * supply)' } } }));
  checkEnv(new GovernanceAttackEnv({ members: 1000, preset: 'nouns' }));
});

test('the Beanstalk flash-loan attack pays in the env under the 2022 rules and not with a creation snapshot', () => {
  const attack = flashLoanAttack(beanstalk());
  assert.is(attack.state, 'executed');
  assert.ok(attack.profit > 180_000_000, `profit ${attack.profit}`);
  const fixed = flashLoanAttack(beanstalk({ snapshot: 'creation' }));
  assert.is.not(fixed.state, 'executed');
  assert.ok(fixed.profit < 0, `the fee is lost: ${fixed.profit}`);
});

test('a flash loan whose fee the AMM cannot supply reverts with the reason (it crashed the run before)', () => {
  // The fee on 9M borrowed tokens is 8,100 tokens; a pool of 5,000 cannot sell them at any price.
  const env = new GovernanceAttackEnv({ ...beanstalk(), market: { lendingToken: 9_000_000, ammToken: 5_000, ammUsd: 5_000 } });
  env.reset({ seed: 0 });
  assert.is(env.step(act('propose')).info.proposalState, 'active');
  for (let t = 0; t < 6; t++) env.step(act('wait'));
  const result = env.step(act('flashLoanVote'));
  assert.is(result.info.actionError, 'flash loan reverted: the AMM cannot supply 8,100 tokens: its pool holds 5,000');
  assert.is(result.info.proposalState, 'active', 'nothing of the loan stays: the vote was undone');
  assert.is(result.info.netWorthUsd, 100_000);
});

test('rewards sum to the change in net worth; the same seed gives the same episode', () => {
  const run = () => {
    const env = make<Float32Array, Int32Array>('dao/GovernanceAttack-v0', { members: 2000 });
    env.reset({ seed: 9 });
    env.actionSpace.seed(9);
    const rewards: number[] = [];
    let info: Record<string, unknown> = {};
    for (;;) {
      const r = env.step(env.actionSpace.sample());
      rewards.push(r.reward);
      info = r.info;
      if (r.terminated || r.truncated) break;
    }
    return { rewards, info };
  };
  const a = run();
  const b = run();
  assert.equal(a.rewards, b.rewards);
  const total = a.rewards.reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(total * 5_000_000 - (a.info.profitUsd as number)) < 1e-3 * 5_000_000, 'budget-unit rewards add up to the profit');
});

test('bad kwargs name the field and what is valid', () => {
  const cases: [GovernanceAttackKwargs, RegExp][] = [
    [{ preset: 'compund-bravo' }, /^preset: unknown preset 'compund-bravo'; valid presets: .*compound-bravo/],
    [{ protocol: { quorum: { kind: 'fraction', fraction: -0.04 } } }, /^protocol\.quorum\.fraction/],
    [{ protocol: { votingDelay: 7200, votingPeriod: 100 } }, /^protocol\.votingPeriod: votingPeriod \(100\) is shorter than votingDelay/],
    [{ protocol: { quorum: { kind: 'expression', expression: 'import("fs")' } } }, /^protocol\.quorum\.expression: function 'import' is not allowed/],
    [{ members: -5 }, /^members: must be a positive integer/],
    [{ budgetUsd: 0 }, /^budgetUsd: must be a positive number/],
    [{ market: { loanToValue: 2 } }, /^market\.loanToValue/],
    [{ memebrs: 10 } as GovernanceAttackKwargs, /^memebrs: unknown kwarg; valid kwargs: preset, protocol, members/],
    [{ drainSignal: 20 }, /^drainSignal: must be a number in \[-10, 10\]/],
    [{ drainAttention: 1.5 }, /^drainAttention: must be a number in \[0, 1\]/],
  ];
  for (const [kwargs, pattern] of cases) {
    assert.throws(() => new GovernanceAttackEnv({ members: 500, ...kwargs }), (error: Error) => error instanceof EnvConfigError && pattern.test(error.message), JSON.stringify(kwargs));
  }
});

test('a disguised drain (drainSignal, drainAttention) draws fewer Against votes than the default obvious one, on the same seed', () => {
  const against = (kwargs: GovernanceAttackKwargs) => {
    const env = new GovernanceAttackEnv({ preset: 'compound-bravo', members: 500, budgetUsd: 30_000_000, ...kwargs });
    env.reset({ seed: 3 });
    env.step(act('buy'));
    let last = env.step(act('propose', 0));
    while (!last.terminated && !last.truncated) last = env.step(act('vote'));
    return env.attackProposal!.againstVotes;
  };
  const obvious = against({});
  assert.is(against({ drainSignal: -2, drainAttention: 1 }), obvious, 'the defaults are -2 and 1');
  const disguised = against({ drainSignal: -0.3, drainAttention: 0.5 });
  assert.ok(obvious > 0 && disguised < 0.6 * obvious, `against: obvious ${obvious}, disguised ${disguised}`);
});

test('invalid actions are rejected; impossible ones are reported in info without ending the episode', () => {
  const env = new GovernanceAttackEnv({ members: 500 });
  env.reset({ seed: 0 });
  assert.throws(() => env.step(Int32Array.of(10, 0)), /action must be/);
  const result = env.step(act('vote'));
  assert.is(result.info.actionError, 'no active proposal to vote on');
  assert.is(result.terminated, false);
});

test.run();
