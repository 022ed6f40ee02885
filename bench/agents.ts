/** Agent benchmarks: CartPole learning curves over 5 seeds, black-box search, the DAO experiments. */
import '../envs/index.ts';
import { cmaesMinimize } from '../agents/cmaes.ts';
import { trainDqn } from '../agents/dqn.ts';
import { PPO_CARTPOLE, trainPpo } from '../agents/ppo.ts';
import { beanstalkAttackerExperiment } from '../agents/experiments/beanstalk-attacker.ts';
import { protocolDesignExperiment } from '../agents/experiments/protocol-design.ts';
import type { Figure } from './cartpole.ts';

const SEEDS = [1, 2, 3, 4, 5];

/** PPO and DQN on CartPole-v1: evaluation (10 deterministic episodes) every 5,000 steps, stop at 475, budget 100,000 steps. */
export async function benchCartPoleAgents(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const algorithm of ['ppo', 'dqn'] as const) {
    const runs = [];
    for (const seed of SEEDS) {
      const evaluation = { every: 5_000, episodes: 10, seed: 10_000, threshold: 475 };
      const result = algorithm === 'ppo' ? await trainPpo('CartPole-v1', { ...PPO_CARTPOLE, seed, evaluation }) : await trainDqn('CartPole-v1', { seed, evaluation });
      runs.push({ seed, stepsToThreshold: result.stepsToThreshold, wallSeconds: +result.wallSeconds.toFixed(1), stepsPerSecond: Math.round(result.stepsPerSecond), backend: result.backend });
      result.agent.dispose();
      figures.push({ name: `agents.${algorithm}.cartpole.seed${seed}.steps_to_475`, value: result.stepsToThreshold ?? -1, unit: 'env steps (-1 = not reached in 100k)', wallSeconds: +result.wallSeconds.toFixed(1), stepsPerSecond: Math.round(result.stepsPerSecond), backend: result.backend });
    }
    figures.push({ name: `agents.${algorithm}.cartpole.seeds_reaching_475_within_100k`, value: runs.filter((r) => r.stepsToThreshold !== null && r.stepsToThreshold <= 100_000).length, unit: 'of 5 seeds', runs });
  }
  return figures;
}

export async function benchBlackBox(): Promise<Figure[]> {
  const rosenbrock = (x: Float64Array) => {
    let s = 0;
    for (let i = 0; i < x.length - 1; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
    return s;
  };
  const evaluations: number[] = [];
  for (const seed of SEEDS) evaluations.push((await cmaesMinimize(rosenbrock, new Float64Array(10), 0.5, { seed, ftarget: 1e-8, maxEvaluations: 10_000 })).evaluations);
  return [{ name: 'agents.cmaes.rosenbrock10.evaluations_to_1e-8', value: Math.round(evaluations.reduce((a, b) => a + b, 0) / evaluations.length), unit: 'evaluations (mean of 5 seeds)', perSeed: evaluations }];
}

export async function benchDaoAgents(): Promise<Figure[]> {
  const attack = await beanstalkAttackerExperiment({ totalTimesteps: 100_000, evalEpisodes: 50 });
  const design = await protocolDesignExperiment();
  return [
    { name: 'agents.ppo.beanstalk.profitable_episode_share', value: attack['rules-2022']!.profitableShare, unit: 'share of 50 held-out episodes', ...attack['rules-2022'] },
    { name: 'agents.ppo.beanstalk_fixed.mean_profit_usd', value: Math.round(attack['snapshot+timelock']!.meanProfitUsd), unit: 'usd per episode', ...attack['snapshot+timelock'] },
    { name: 'agents.cmaes.protocol_design.heldout_score', value: +design.heldOut.design.score.toFixed(4), unit: 'season score (20 held-out seeds x 3 attackers)', bravo: +design.heldOut.bravo.score.toFixed(4), design: design.design, evaluations: design.evaluations, searchSeconds: +design.searchSeconds.toFixed(1) },
  ];
}
