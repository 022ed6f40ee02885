/** Agent benchmarks: CartPole learning curves over 5 seeds, black-box search, the DAO experiments. */
import '../envs/index.ts';
import { cmaesMinimize } from '../agents/cmaes.ts';
import { trainDqn } from '../agents/dqn.ts';
import { PPO_CARTPOLE, trainPpo } from '../agents/ppo.ts';
import { beanstalkAttackerExperiment } from '../agents/experiments/beanstalk-attacker.ts';
import { protocolDesignExperiment } from '../agents/experiments/protocol-design.ts';
import type { Figure } from './cartpole.ts';
import { pythonModule, runReferenceScript } from './reference.ts';

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

interface TorchRun {
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  torch: string;
  /** The BLAS library the reference loaded (reference BLAS is several times slower than OpenBLAS). */
  blas: string | null;
}

/**
 * Training speed on CartPole-v1, one seed, no evaluation, beside PyTorch in the same invocation: PPO with RL
 * Zoo's settings over 50,000 steps and DQN with RL Zoo's settings over 20,000 steps (1,000 without updates),
 * each daogym figure the best of two runs, as is PyTorch's (bench/reference/*.py, one thread, Debian's
 * python3-torch; reported absent when it is not installed). The tfjs trainer runs PPO over 20,000 steps for context.
 */
export async function benchAgentSpeed(): Promise<Figure[]> {
  const torch = pythonModule('torch');
  const figures: Figure[] = [];
  const best = async (run: () => Promise<{ stepsPerSecond: number; steps: number; agent: { dispose(): void } }>) => {
    let top = 0;
    for (let i = 0; i < 2; i++) {
      const result = await run();
      result.agent.dispose();
      top = Math.max(top, result.stepsPerSecond);
    }
    return top;
  };
  const reference = (script: string, steps: number): TorchRun | null => {
    if (!torch.ok) return null;
    const runs = [runReferenceScript<TorchRun>(script, [String(steps), '1']), runReferenceScript<TorchRun>(script, [String(steps), '1'])];
    return runs.reduce((a, b) => (b.stepsPerSecond > a.stepsPerSecond ? b : a));
  };
  const ppo = await best(() => trainPpo('CartPole-v1', { ...PPO_CARTPOLE, seed: 1, totalTimesteps: 50_000, evaluation: null }));
  const ppoTfjs = await trainPpo('CartPole-v1', { ...PPO_CARTPOLE, seed: 1, totalTimesteps: 20_000, evaluation: null, trainer: 'tfjs' });
  ppoTfjs.agent.dispose();
  const ppoTorch = reference('ppo_cartpole.py', 50_000);
  figures.push({
    name: 'agents.ppo.cartpole.steps_per_second',
    value: Math.round(ppo),
    unit: 'env steps/s (training, 50k steps, fused trainer)',
    tfjsTrainer: Math.round(ppoTfjs.stepsPerSecond),
    pytorch: ppoTorch === null ? `absent: ${(torch as { reason: string }).reason}` : Math.round(ppoTorch.stepsPerSecond),
    ratioToPytorch: ppoTorch === null ? null : +(ppo / ppoTorch.stepsPerSecond).toFixed(2),
    torchVersion: ppoTorch?.torch ?? null,
    torchBlas: ppoTorch?.blas ?? null,
  });
  const dqn = await best(() => trainDqn('CartPole-v1', { seed: 1, totalTimesteps: 20_000, evaluation: null }));
  const dqnTorch = reference('dqn_cartpole.py', 20_000);
  figures.push({
    name: 'agents.dqn.cartpole.steps_per_second',
    value: Math.round(dqn),
    unit: 'env steps/s (training, 20k steps, 256x256, fused trainer)',
    pytorch: dqnTorch === null ? `absent: ${(torch as { reason: string }).reason}` : Math.round(dqnTorch.stepsPerSecond),
    ratioToPytorch: dqnTorch === null ? null : +(dqn / dqnTorch.stepsPerSecond).toFixed(2),
    torchVersion: dqnTorch?.torch ?? null,
    torchBlas: dqnTorch?.blas ?? null,
  });
  return figures;
}
