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

/** A trial's result: its spec's identity plus what it measured, timed from `start` (performance.now()). */
export function trialResult(spec: TrialSpec, start: number, measured: Omit<TrialResult, 'key' | 'seedIndex' | 'seed' | 'variant' | 'params' | 'durationMs'>): TrialResult {
  return { key: spec.key, seedIndex: spec.seedIndex, seed: spec.seed, variant: spec.variant, params: spec.params, ...measured, durationMs: performance.now() - start };
}
