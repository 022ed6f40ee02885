/** Step 2 (and the held-out judge) with a learned attacker: PPO trained against one protocol, played on populations. */
import { trainPpo } from '../../../agents/ppo.ts';
import { evaluateAttacker } from '../../../agents/evaluate.ts';
import { GovernanceAttackEnv, type GovernanceAttackKwargs } from '../../../envs/dao/attack-env.ts';
import { DEFAULT_MARKET } from '../../../envs/dao/market.ts';
import type { Protocol } from '../../../envs/dao/protocol.ts';
import type { LoopConfig } from './index.ts';
import type { LoopWorld, Outcome, PopulationSample } from './world.ts';

/** dao/GovernanceAttack-v0's kwargs against `protocol` on one loop population, with the season's treasury, market, budget and drain disguise. */
function attackEnvKwargs(config: LoopConfig, world: LoopWorld, protocol: Protocol, sample: PopulationSample): GovernanceAttackKwargs {
  const { season } = config;
  return {
    protocol,
    population: world.population(sample),
    treasuryUsd: season.treasuryUsd,
    market: DEFAULT_MARKET,
    budgetUsd: Math.max(1, config.attackBudgetUsd),
    drainSignal: season.attackSignal,
    drainAttention: season.attackAttention,
  };
}

/**
 * Step 2 with attackSearch 'ppo': a PPO attacker trained against `protocol` on `training` (default: the first
 * `ppoAttacker.populations` populations; one vectorised env each; the weights of its best periodic
 * evaluation, on one of them), then its deterministic policy played on
 * every population for `ppoAttacker.episodes` episodes. A population's drain is the treasury share the
 * policy takes on average; where that is more than the worst scripted strategy's, the scripted outcome's
 * loss is raised by the difference (the season's honest proposals are the scripted season's).
 */
export async function ppoOutcomes(
  config: LoopConfig,
  world: LoopWorld,
  protocol: Protocol,
  populations: readonly PopulationSample[],
  seed: number,
  training: readonly PopulationSample[] = populations.slice(0, Math.min(config.ppoAttacker.populations, populations.length)),
): Promise<{ outcomes: Outcome[]; drains: number[] }> {
  const scripted = populations.map((sample) => world.outcome(protocol, sample));
  const { ppoAttacker: options } = config;
  // Training envs get indices 0..n-1; the periodic evaluation asks for index 10,000 (one of the populations).
  const trained = await trainPpo((index) => new GovernanceAttackEnv(attackEnvKwargs(config, world, protocol, training[index % training.length]!)), {
    seed,
    totalTimesteps: options.totalTimesteps,
    numEnvs: training.length,
    numSteps: options.numSteps,
    learningRate: options.learningRate,
    entCoef: options.entCoef,
    gamma: 0.99,
    // PPO can find the drain and lose it again: keep the weights of the best periodic evaluation (as the
    // train kind does), on seeds apart from the populations' own.
    evaluation: { every: Math.max(training.length * options.numSteps, Math.floor(options.totalTimesteps / 10)), episodes: 4, seed: 900_000, threshold: null },
    keepBest: true,
  });
  try {
    const act = (observation: Float32Array) => trained.agent.act(observation) as Int32Array;
    const drains = populations.map((sample) => evaluateAttacker(attackEnvKwargs(config, world, protocol, sample), act, options.episodes, sample.seasonSeed).meanDrainedShare);
    const outcomes = scripted.map((outcome, k) =>
      drains[k]! > outcome.attackLossShare ? { ...outcome, loss: outcome.loss + drains[k]! - outcome.attackLossShare, attackLossShare: drains[k]!, worstAttack: 'ppo' as const, seasonLosses: undefined, variant: undefined } : outcome,
    );
    return { outcomes, drains };
  } finally {
    trained.agent.dispose();
  }
}

/**
 * The indices 0..length-1 with `picks` evenly spaced ones first (floor(i x length / picks)), then the rest in
 * order: the held-out populations a PPO judge trains on (the first ones) span both kinds, not just the first.
 */
export function spreadFirst(length: number, picks: number): number[] {
  const n = Math.min(picks, length);
  const first = Array.from({ length: n }, (_, i) => Math.floor((i * length) / n));
  const chosen = new Set(first);
  return [...first, ...Array.from({ length }, (_, k) => k).filter((k) => !chosen.has(k))];
}

