import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../envs/index.ts';
import { checkEnv } from '../../../envs/core/checker.ts';
import { makeParallel, parallelApiTest } from '../../../envs/core/parallel.ts';
import { make } from '../../../envs/core/registration.ts';
import { AttackDefenseEnv } from '../../../envs/dao/defense-env.ts';
import { TreasuryAllocationEnv } from '../../../envs/dao/treasury-env.ts';

test('TreasuryAllocation-v0 passes checkEnv; shares are a softmax over grants and reserve', () => {
  assert.equal(checkEnv(new TreasuryAllocationEnv({ members: 1500, epochs: 4 })).warnings, []);
  const shares = TreasuryAllocationEnv.shares([1, 1, -1, -1, 0]);
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(Math.abs(shares[0]! / shares[2]! - Math.exp(4)) < 1e-9);
});

test('TreasuryAllocation-v0 rewards using the signals: signal-greedy beats uniform beats hoarding', () => {
  const env = make<Float32Array, Float32Array>('dao/TreasuryAllocation-v0', { members: 3000, epochs: 16 });
  const policies = {
    reserve: () => Float32Array.of(-1, -1, -1, -1, 1),
    uniform: () => new Float32Array(5),
    greedy: (observation: Float32Array) => Float32Array.of(...[0, 1, 2, 3].map((i) => (observation[i]! > 1.2 ? 1 : -1)), -0.2),
  };
  const returns: Record<string, number> = {};
  for (const [name, policy] of Object.entries(policies)) {
    let total = 0;
    for (let seed = 0; seed < 6; seed++) {
      let { observation } = env.reset({ seed });
      for (;;) {
        const r = env.step(policy(observation));
        total += r.reward;
        observation = r.observation;
        if (r.terminated || r.truncated) break;
      }
    }
    returns[name] = total / 6;
  }
  assert.ok(returns.greedy! > returns.uniform! && returns.uniform! > returns.reserve!, JSON.stringify(returns));
});

test('AttackDefense-v0 follows the PettingZoo Parallel API', () => {
  parallelApiTest(new AttackDefenseEnv({ members: 1500 }));
  const env = makeParallel('dao/AttackDefense-v0', { members: 800 });
  assert.equal(env.possibleAgents, ['attacker', 'guardian']);
  const { observations } = env.reset({ seed: 0 });
  assert.equal(Object.keys(observations).sort(), ['attacker', 'guardian']);
});

test('the guardian pays for vetoing honest grants and not for passing them', () => {
  const run = (veto: number, seed: number) => {
    const env = new AttackDefenseEnv({ members: 3000 });
    env.reset({ seed });
    let reward = 0;
    let vetoes = 0;
    while (env.agents.length > 0) {
      const r = env.step({ attacker: Int32Array.of(0, 0), guardian: veto });
      reward += r.rewards.guardian!;
      if (r.infos.guardian!.vetoed) vetoes++;
    }
    return { reward, vetoes, grants: env.attack.honestGrants };
  };
  let vetoes = 0;
  for (let seed = 0; seed < 6; seed++) {
    assert.is(run(0, seed).reward, 0, 'passing everything costs nothing when nobody attacks');
    const veto = run(1, seed);
    vetoes += veto.vetoes;
    const vetoedValue = veto.grants.filter((g) => g.proposal.state === 'vetoed').reduce((t, g) => t + Math.max(0, g.netValue), 0);
    assert.ok(Math.abs(veto.reward + vetoedValue / 20_000_000) < 1e-12, 'guardian reward = -(vetoed honest value) / treasury');
  }
  assert.ok(vetoes >= 1, 'some honest grant reached the queue and was vetoed');
  assert.throws(() => new AttackDefenseEnv({ members: 500, falseVetoCost: -1 }), /^falseVetoCost/);
});

test.run();
