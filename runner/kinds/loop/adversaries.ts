/**
 * Step 3's adversaries: what the generator is fine-tuned toward. Each turns the round's populations and their
 * losses under P_r into one signal per population; the generator moves toward high signal.
 */
import { normal } from '../../../lib/distributions.ts';
import type { Protocol } from '../../../envs/dao/protocol.ts';
import type { PopulationGenerator } from '../../../generators/population-generator.ts';
import type { LoopSetup } from './setup.ts';
import type { LoopWorld, PopulationSample } from './world.ts';

/**
 * PAIRED's regret with an antagonist: per population, the protocol under test's loss (`losses`) minus the
 * lowest loss any of `antagonists` (or that protocol itself) reaches there, so it is never negative and is
 * zero where no nearby protocol does better.
 */
export function antagonistRegret(world: LoopWorld, populations: readonly PopulationSample[], losses: readonly number[], antagonists: readonly Protocol[]): number[] {
  return populations.map((sample, k) => {
    let best = losses[k]!;
    for (const antagonist of antagonists) best = Math.min(best, world.outcome(antagonist, sample).loss);
    return losses[k]! - best;
  });
}

/**
 * Adaptive stress testing's reward for one population (Lee et al., "Adaptive Stress Testing: Finding Likely
 * Failure Events with Reinforcement Learning", JAIR 2020): the log-likelihood of the disturbance, here the
 * population's effects under G_1, plus 0 when the failure event happened (loss >= failureLoss) and
 * -alpha - beta x miss distance when it did not (alpha = missPenalty, beta = missPenalty / failureLoss, so a
 * population with no loss at all costs twice the penalty). Reward-weighted on it, the generator moves toward
 * the most likely failures rather than the largest losses.
 */
export function likelyFailureSignal(g1: PopulationGenerator, effects: readonly ArrayLike<number>[], losses: readonly number[], options: { failureLoss: number; missPenalty: number }): number[] {
  const { failureLoss, missPenalty } = options;
  return effects.map((z, k) => {
    const miss = failureLoss - losses[k]!;
    return g1.logDensity(z) - (miss > 0 ? missPenalty + (missPenalty / failureLoss) * miss : 0);
  });
}


/** What an adversary sees of a round. */
export interface AdversaryInput {
  setup: LoopSetup;
  world: LoopWorld;
  round: number;
  /** The arm's current design action (P_r = design(x)). */
  x: readonly number[];
  populations: readonly PopulationSample[];
  losses: readonly number[];
}

/** The antagonists of round `round`: design actions around `x` (held and disabled parameters stay put through `design`). */
function antagonistsNear(setup: LoopSetup, x: readonly number[], round: number): Protocol[] {
  const rng = setup.root.stream('round', round, 'antagonists');
  const { antagonists, antagonistStep } = setup.config.fineTune;
  return Array.from({ length: antagonists }, () => setup.design(x.map((v) => Math.min(1, Math.max(-1, v + antagonistStep * normal(rng))))));
}

/** fineTune.adversary: the named signals. */
export const ADVERSARIES: Record<LoopSetup['config']['fineTune']['adversary'], (input: AdversaryInput) => number[]> = {
  /** The loss itself. */
  loss: ({ losses }) => losses as number[],
  /** PAIRED: the loss over a reference preset's on the same population. */
  regret: ({ setup, world, populations, losses }) => populations.map((sample, k) => losses[k]! - world.outcome(setup.reference, sample).loss),
  /** PAIRED with antagonists: the loss over the best of protocols near P_r. */
  antagonist: ({ setup, world, round, x, populations, losses }) => antagonistRegret(world, populations, losses, antagonistsNear(setup, x, round)),
  /** Adaptive stress testing: likely failures under G_1. */
  'likely-failure': ({ setup, populations, losses }) => likelyFailureSignal(setup.g1, populations.map((p) => p.effects), losses, setup.config.fineTune),
  /** The control: the losses permuted across populations. */
  shuffled: ({ setup, round, losses }) => setup.root.stream('round', round, 'shuffle').shuffle([...losses]) as number[],
};
