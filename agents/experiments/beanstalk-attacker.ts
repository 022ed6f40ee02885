/**
 * The issue-4 experiment: train a PPO attacker on dao/GovernanceAttack-v0 under Beanstalk's April 2022
 * rules, then on the same population with the fix (vote weight snapshotted at proposal creation plus a
 * one-day timelock), and evaluate both learned policies on held-out seeds: the share of episodes with a
 * profit, and the mean profit in usd.
 */
import '../../envs/index.ts';
import { GovernanceAttackEnv, type GovernanceAttackKwargs } from '../../envs/dao/attack-env.ts';
import { evaluateAttacker, type AttackEvaluation } from '../evaluate.ts';
import { trainPpo, type PpoConfig } from '../ppo.ts';

export const BEANSTALK_ATTACK_KWARGS: GovernanceAttackKwargs = {
  preset: 'beanstalk-2022',
  members: 2000,
  populationOptions: { supply: 2_000_000 },
  market: { lendingToken: 9_000_000, ammToken: 500_000, ammUsd: 500_000 },
  treasuryUsd: 182_000_000,
  budgetUsd: 10_000_000,
};

export const BEANSTALK_FIX = { snapshot: 'creation' as const, timelock: 7200 };

export async function beanstalkAttackerExperiment(options: { totalTimesteps?: number; seed?: number; evalEpisodes?: number; config?: Partial<PpoConfig> } = {}) {
  const results: Record<string, AttackEvaluation & { trainSeconds: number; steps: number }> = {};
  for (const [name, protocol] of [
    ['rules-2022', {}],
    ['snapshot+timelock', BEANSTALK_FIX],
  ] as const) {
    const kwargs: GovernanceAttackKwargs = { ...BEANSTALK_ATTACK_KWARGS, protocol };
    const trained = await trainPpo(() => new GovernanceAttackEnv(kwargs), {
      seed: options.seed ?? 1,
      totalTimesteps: options.totalTimesteps ?? 100_000,
      numEnvs: 8,
      numSteps: 64,
      learningRate: 3e-4,
      entCoef: 0.01,
      gamma: 0.99,
      ...options.config,
    });
    results[name] = {
      ...evaluateAttacker(kwargs, (o) => trained.agent.act(o) as Int32Array, options.evalEpisodes ?? 50, 50_000),
      trainSeconds: trained.wallSeconds,
      steps: trained.steps,
    };
    trained.agent.dispose();
  }
  return results;
}

export { evaluateAttacker, type AttackEvaluation } from '../evaluate.ts';
