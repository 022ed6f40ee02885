/**
 * From a validated config to its trials. A trial key names the factors (variant, population, attack,
 * stressor value); the seed depends only on the config's seed and the seed index, so every variant,
 * attack and stressor value of a run sees the same populations and seasons (common random numbers).
 */
import { Rng } from '../lib/rng.ts';
import { kindOf, type ExperimentConfig } from './kinds/index.ts';
import type { TrialResult, TrialSpec } from './types.ts';

export function trialSeed(configSeed: number, seedIndex: number): number {
  return Rng.create(configSeed).stream('trial-seed', seedIndex).int(2 ** 31 - 1);
}

function key(params: Record<string, string | number>): string {
  return Object.entries(params)
    .map(([name, value]) => `${name}=${value}`)
    .join('|');
}

export function planTrials(config: ExperimentConfig): TrialSpec[] {
  const seeds = Array.from({ length: config.seeds }, (_, i) => ({ seedIndex: i, seed: trialSeed(config.seed, i) }));
  return kindOf(config)
    .plan(config)
    .flatMap(({ variant, params }) => seeds.map((s) => ({ key: key(params), ...s, variant, params })));
}

/**
 * The trials in the order they run: seed by seed (stable within a seed). The plan lists every seed of a cell before
 * the next cell; a seed's trials share its population (kept per process by the season trials), so running them
 * together draws each population once per worker and keeps the cache small. Results do not depend on the order.
 */
export function seedMajor<T extends { seedIndex: number }>(specs: readonly T[]): T[] {
  return specs.map((spec, at) => ({ spec, at })).sort((a, b) => a.spec.seedIndex - b.spec.seedIndex || a.at - b.at).map(({ spec }) => spec);
}

/** A trial's result: its spec's identity plus what it measured, timed from `start` (performance.now()). */
export function trialResult(spec: TrialSpec, start: number, measured: Omit<TrialResult, 'key' | 'seedIndex' | 'seed' | 'variant' | 'params' | 'durationMs'>): TrialResult {
  return { key: spec.key, seedIndex: spec.seedIndex, seed: spec.seed, variant: spec.variant, params: spec.params, ...measured, durationMs: performance.now() - start };
}
