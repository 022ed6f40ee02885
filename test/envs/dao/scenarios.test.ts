import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beanstalkScenario, buildFinanceScenario, compound289Scenario } from '../../../envs/dao/scenarios.ts';

test('Beanstalk (17 Apr 2022): a flash-loan vote with ~79 % of votes emergency-commits and drains the $182M treasury', () => {
  const attack = beanstalkScenario('none');
  assert.is(attack.state, 'executed');
  assert.ok(attack.attackerVoteShare >= 2 / 3 && Math.abs(attack.attackerVoteShare - 0.79) < 0.01, `vote share ${attack.attackerVoteShare}`);
  assert.is(attack.drainedUsd, 182_000_000);
  assert.ok(attack.attackerProfit > 180_000_000, `profit ${attack.attackerProfit}`);
});

test('Beanstalk fails once weight is snapshotted at creation, or under a timelock; the attacker only loses the loan fee', () => {
  for (const fix of ['snapshot', 'timelock'] as const) {
    const result = beanstalkScenario(fix);
    assert.is.not(result.state, 'executed', fix);
    assert.is(result.drainedUsd, 0, fix);
    assert.ok(result.attackerProfit < 0 && result.attackerProfit > -20_000, `${fix}: profit ${result.attackerProfit}`);
  }
  assert.is(beanstalkScenario('snapshot').attackerVoteShare, 0, 'flash-loaned tokens weigh nothing at a past snapshot');
});

test('Build Finance (Feb 2022): a bought position passes a takeover at very low turnout; a supply quorum or a timelock with veto stops it', () => {
  const attack = buildFinanceScenario('none');
  assert.is(attack.state, 'executed');
  assert.is(attack.drainedUsd, 470_000);
  assert.ok(attack.attackerProfit > 400_000, `profit ${attack.attackerProfit}`);
  assert.ok(attack.honestTurnout < 0.02, `honest turnout ${attack.honestTurnout}`);
  assert.ok(attack.attackerVoteShare < 0.1, 'the attacker held well under a tenth of supply');
  const quorum = buildFinanceScenario('supply-quorum');
  assert.is(quorum.state, 'defeated');
  assert.is(quorum.drainedUsd, 0);
  const veto = buildFinanceScenario('timelock-veto');
  assert.is(veto.state, 'vetoed');
  assert.is(veto.drainedUsd, 0);
});

test('Compound 289 (Jul 2024): 682,191 For vs 633,636 Against passes the 499,000 COMP grant; a 60 % supermajority blocks it', () => {
  const passed = compound289Scenario('none');
  assert.equal([passed.forVotes, passed.againstVotes], [682_191, 633_636]);
  assert.is(passed.state, 'executed');
  assert.is(passed.drainedUsd, passed.grantUsd);
  assert.ok(Math.abs(passed.attackerVoteShare - 0.5185) < 0.0001, 'a 51.8 % margin');
  const blocked = compound289Scenario('supermajority');
  assert.is(blocked.state, 'defeated');
  assert.is(blocked.drainedUsd, 0);
});

test('scenarios are deterministic under their seed', () => {
  assert.equal(beanstalkScenario('snapshot', 3), beanstalkScenario('snapshot', 3));
  assert.equal(buildFinanceScenario('none', 4), buildFinanceScenario('none', 4));
});

test.run();
