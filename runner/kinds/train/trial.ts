/**
 * A train trial: a PPO attacker learns on dao/GovernanceAttack-v0 under one protocol variant (the env
 * kwargs shared by all variants, the variant's preset and overrides), then its deterministic policy is
 * evaluated on held-out episodes (the weights of its best periodic evaluation, as SB3's EvalCallback keeps). Metrics: share of profitable episodes, mean profit; the learning
 * curve is the periodic evaluation return (profit in reward units).
 */
import { GovernanceAttackEnv, type GovernanceAttackKwargs } from '../../../envs/dao/attack-env.ts';
import { trainPpo } from '../../../agents/ppo.ts';
import { evaluateAttacker } from '../../../agents/evaluate.ts';
import type { TrainConfig } from '../../config.ts';
import { trialResult } from '../../plan.ts';
import type { TrialResult, TrialSpec } from '../../types.ts';

export async function runTrainTrial(config: TrainConfig, spec: TrialSpec): Promise<TrialResult> {
  const start = performance.now();
  const variant = config.variants.find((v) => v.name === spec.params.variant);
  if (variant === undefined) throw new Error(`trial ${spec.key} names a variant the config lacks`);
  const kwargs = { ...config.envKwargs, preset: variant.preset, protocol: variant.protocol } as GovernanceAttackKwargs;
  const { agent: ppo } = config;
  const curves: NonNullable<TrialResult['curves']> = [];
  const trained = await trainPpo(() => new GovernanceAttackEnv(kwargs), {
    seed: spec.seed,
    totalTimesteps: ppo.totalTimesteps,
    numEnvs: ppo.numEnvs,
    numSteps: ppo.numSteps,
    learningRate: ppo.learningRate,
    trainer: ppo.trainer,
    entCoef: 0.01,
    gamma: 0.99,
    evaluation: { every: Math.max(ppo.numEnvs * ppo.numSteps, Math.floor(ppo.totalTimesteps / 20)), episodes: 5, seed: 900_000 + spec.seedIndex * 100, threshold: null },
    // The flash-loan attack is a sparse discovery that PPO can find and then lose: keep the best
    // evaluated weights (on evaluation seeds disjoint from the held-out ones below).
    keepBest: true,
    onEvaluation: (result) => curves.push({ name: 'evalReturn', step: result.step, value: result.meanReturn }),
  });
  try {
    const evaluation = evaluateAttacker(kwargs, (o) => trained.agent.act(o) as Int32Array, config.evalEpisodes, 1_000_000 + spec.seedIndex * 10_000);
    return trialResult(spec, start, {
      metrics: {
        profitableShare: evaluation.profitableShare,
        meanProfitUsd: evaluation.meanProfitUsd,
        idleShare: evaluation.idleShare,
        trainSeconds: trained.wallSeconds,
        steps: trained.steps,
      },
      curves,
      outcomes: evaluation.outcomes,
      // The held-out episodes, for the report's profit distribution and action mix.
      episodes: evaluation.records.map(({ actions, ...r }) => ({ ...r, ...Object.fromEntries(Object.entries(actions).map(([name, steps]) => [`action.${name}`, steps])) })),
    });
  } finally {
    trained.agent.dispose();
  }
}
