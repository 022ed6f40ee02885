/**
 * The issue-4 experiment: train a PPO attacker on dao/GovernanceAttack-v0 under Beanstalk's April 2022
 * rules, then on the same population with the fix (vote weight snapshotted at proposal creation plus a
 * one-day timelock), and evaluate both learned policies on held-out seeds: the share of episodes with a
 * profit, and the mean profit in usd.
 */
import '../../envs/index.ts';
import { GovernanceAttackEnv, type GovernanceAttackKwargs } from '../../envs/dao/attack-env.ts';
import { episodeOutcome, OutcomeTally, type OutcomeCount } from '../../envs/dao/attack-outcome.ts';
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

export interface AttackEvaluation {
  episodes: number;
  profitableShare: number;
  meanProfitUsd: number;
  /** Share of episodes in which the policy only waited. */
  idleShare: number;
  /** Mean share of the treasury's usd that left it during an episode. */
  meanDrainedShare: number;
  /** How the episodes ended: per outcome, how many and the first one's reason. */
  outcomes: OutcomeCount[];
}

export function evaluateAttacker(kwargs: GovernanceAttackKwargs, act: (observation: Float32Array) => Int32Array, episodes: number, seed: number): AttackEvaluation {
  const env = new GovernanceAttackEnv(kwargs);
  let profitable = 0;
  let profit = 0;
  let idle = 0;
  let drained = 0;
  const outcomes = new OutcomeTally();
  for (let episode = 0; episode < episodes; episode++) {
    let { observation, info } = env.reset({ seed: seed + episode });
    const treasuryBefore = info.treasuryUsd as number;
    let onlyWaited = true;
    let last: Record<string, unknown> = {};
    let proposeRefusal: string | undefined;
    for (;;) {
      const action = act(observation);
      if (action[0] !== 0) onlyWaited = false;
      const result = env.step(action);
      observation = result.observation;
      last = result.info;
      if (typeof last.actionError === 'string' && last.actionError.startsWith('proposal threshold')) proposeRefusal = last.actionError;
      if (result.terminated || result.truncated) break;
    }
    const ended = episodeOutcome(last.proposalState as string, proposeRefusal);
    outcomes.add(ended.outcome, ended.reason);
    drained += Math.max(0, treasuryBefore - (last.treasuryUsd as number)) / treasuryBefore / episodes;
    const p = last.profitUsd as number;
    profit += p;
    if (p > 1) profitable++;
    if (onlyWaited) idle++;
  }
  return { episodes, profitableShare: profitable / episodes, meanProfitUsd: profit / episodes, idleShare: idle / episodes, meanDrainedShare: drained, outcomes: outcomes.records() };
}

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
