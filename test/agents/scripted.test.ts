import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../lib/rng.ts';
import { scriptedPolicies, scriptedPolicy } from '../../agents/scripted.ts';
import { BEANSTALK_ATTACK_KWARGS, BEANSTALK_FIX, evaluateAttacker } from '../../agents/experiments/beanstalk-attacker.ts';

const run = (name: string, protocol = {}) => {
  const policy = scriptedPolicy(name);
  const rng = Rng.create(5);
  let episode = -1;
  return evaluateAttacker(
    { ...BEANSTALK_ATTACK_KWARGS, protocol },
    (observation) => {
      if (observation[15] === 0) {
        episode++;
        policy.reset();
      }
      return policy.act(observation, rng);
    },
    3,
    100 + episode,
  );
};

test('scripted attackers on Beanstalk’s 2022 rules: the flash-loan vote pays, doing nothing is flat', () => {
  const flash = run('flash-loan-vote');
  assert.is(flash.profitableShare, 1);
  assert.ok(flash.meanProfitUsd > 150_000_000, `flash-loan profit ${flash.meanProfitUsd}`);
  const idle = run('do-nothing');
  assert.is(idle.meanProfitUsd, 0);
  assert.is(idle.idleShare, 1);
});

test('with a creation snapshot and a timelock the flash-loan vote loses its fees', () => {
  const fixed = run('flash-loan-vote', BEANSTALK_FIX);
  assert.is(fixed.profitableShare, 0);
  assert.ok(fixed.meanProfitUsd < 0);
});

test('every named baseline runs; unknown names are refused', () => {
  for (const name of Object.keys(scriptedPolicies)) {
    const result = run(name);
    assert.ok(Number.isFinite(result.meanProfitUsd), name);
  }
  assert.throws(() => scriptedPolicy('teleport'), /unknown scripted policy 'teleport'; valid: do-nothing, random/);
});

test.run();
