import { GovernanceAttackEnv } from './envs/dao/attack-env.ts';
import { trainPpo } from './agents/ppo.ts';
import { BEANSTALK_ATTACK_KWARGS, BEANSTALK_FIX, evaluateAttacker } from './agents/experiments/beanstalk-attacker.ts';
const budget = Number(process.argv[2]);
const steps = Number(process.argv[3]);
const kwargs = { ...BEANSTALK_ATTACK_KWARGS, budgetUsd: budget, protocol: BEANSTALK_FIX };
const r = await trainPpo(() => new GovernanceAttackEnv(kwargs), { seed: 1, totalTimesteps: steps, numEnvs: 8, numSteps: 64, learningRate: 3e-4 });
const counts = new Map<string, number>();
console.log(budget, steps, JSON.stringify(evaluateAttacker(kwargs, (o) => { const a = r.agent.act(o) as Int32Array; const k = a.join(','); counts.set(k, (counts.get(k) ?? 0) + 1); return a; }, 20, 50_000)), JSON.stringify([...counts]));
