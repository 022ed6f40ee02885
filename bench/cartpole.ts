/**
 * CartPole step throughput: the raw env, and through make() with its wrappers (PassiveEnvChecker,
 * OrderEnforcing, TimeLimit). Actions come from a seeded stream; episodes reset on termination or
 * truncation, as a training loop would. One core, one env.
 */
import { Rng } from '../lib/rng.ts';
import { CartPoleEnv } from '../envs/classic/cartpole.ts';
import '../envs/classic/index.ts';
import { make } from '../envs/core/registration.ts';
import type { Env } from '../envs/core/env.ts';

export interface Figure {
  name: string;
  /** null: not measured here (its reference is not installed), with a note saying so. */
  value: number | null;
  unit: string;
  [key: string]: unknown;
}

function stepsPerSecond(env: Env<Float32Array, number>, steps: number): number {
  const actions = Rng.create(7);
  env.reset({ seed: 0 });
  const start = performance.now();
  for (let t = 0; t < steps; t++) {
    const result = env.step(actions.nextUint32() >>> 31);
    if (result.terminated || result.truncated) env.reset();
  }
  return steps / ((performance.now() - start) / 1000);
}

function best(run: () => number, repeats: number): number {
  let top = 0;
  for (let i = 0; i < repeats; i++) top = Math.max(top, run());
  return top;
}

export function benchCartPole(steps = 2_000_000): Figure[] {
  // Warm up so the JIT has optimised both paths before they are timed.
  stepsPerSecond(new CartPoleEnv(), 200_000);
  stepsPerSecond(make<Float32Array, number>('CartPole-v1'), 200_000);
  const raw = best(() => stepsPerSecond(new CartPoleEnv(), steps), 3);
  const wrapped = best(() => stepsPerSecond(make<Float32Array, number>('CartPole-v1'), steps), 3);
  return [
    { name: 'cartpole.raw.steps_per_second', value: Math.round(raw), unit: 'steps/s', steps },
    { name: 'cartpole.make.steps_per_second', value: Math.round(wrapped), unit: 'steps/s', steps, wrappers: 'PassiveEnvChecker,OrderEnforcing,TimeLimit' },
  ];
}
