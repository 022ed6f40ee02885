/**
 * `checkEnv`: the checks of Gymnasium's `utils/env_checker.py` (`check_env`) and of its passive
 * checker, for daogym envs. Failures throw `EnvCheckError` naming the check; soft problems come back
 * as warnings.
 */
import { Env, type Info, type ResetResult, type StepResult } from './env.ts';
import { Box, Dict, Space, Tuple } from './spaces.ts';

export class EnvCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvCheckError';
  }
}

function fail(message: string): never {
  throw new EnvCheckError(message);
}

/** Deep equality for env data (typed arrays, arrays, plain objects, numbers with NaN == NaN). */
export function dataEquivalent(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!(x[i] === y[i] || (Number.isNaN(x[i]) && Number.isNaN(y[i])))) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => dataEquivalent(v, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => k in b && dataEquivalent((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** A deep copy of env data, so later mutation by the env cannot hide itself. */
export function deepCopy<T>(x: T): T {
  return structuredClone(x);
}

function isPlainObject(x: unknown): x is Info {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

/** Checks a space is well formed; returns warnings (Gymnasium's `check_space` and `check_space_limit`). */
export function checkSpace(space: unknown, name: 'observation' | 'action'): string[] {
  if (!(space instanceof Space)) fail(`${name} space is not a Space (got ${String(space)})`);
  const warnings: string[] = [];
  const visit = (s: Space, path: string): void => {
    if (s instanceof Box) {
      for (let i = 0; i < s.size; i++) {
        if (s.low[i] === s.high[i]) warnings.push(`${name} space${path} Box has low == high at index ${i}: that dimension can only take one value`);
      }
      if (name === 'action' && s.dtype !== 'int32') {
        const symmetric = s.low.every((v, i) => v === -s.high[i]!);
        const unit = s.high.every((v) => Math.abs(v) <= 1);
        if (!s.isBounded('both')) warnings.push(`action space${path} Box is unbounded: agents expect a bounded, normalised action space`);
        else if (!symmetric || !unit) warnings.push(`action space${path} Box is not symmetric and normalised to [-1, 1], which most continuous-control agents assume`);
      }
    } else if (s instanceof Dict) {
      for (const key of s.keys) visit(s.spaces[key]!, `${path}['${key}']`);
    } else if (s instanceof Tuple) {
      s.spaces.forEach((child, i) => visit(child, `${path}[${i}]`));
    }
  };
  visit(space, '');
  return warnings;
}

/** Passive checks of a reset result (Gymnasium's `env_reset_passive_checker`). */
export function checkResetResult(env: Env, result: unknown): string[] {
  if (!isPlainObject(result) || !('observation' in result) || !('info' in result)) {
    fail('reset() must return {observation, info}');
  }
  const { observation, info } = result as unknown as ResetResult<unknown>;
  if (!isPlainObject(info)) fail(`reset() info must be a plain object, got ${typeof info}`);
  if (!env.observationSpace.contains(observation)) fail(`the observation returned by reset() is not within the observation space ${env.observationSpace}`);
  return [];
}

/** Passive checks of a step result (Gymnasium's `env_step_passive_checker`). */
export function checkStepResult(env: Env, result: unknown): string[] {
  const warnings: string[] = [];
  if (!isPlainObject(result)) fail('step() must return {observation, reward, terminated, truncated, info}');
  for (const field of ['observation', 'reward', 'terminated', 'truncated', 'info']) {
    if (!(field in result)) fail(`step() result is missing '${field}': it must have the 5 fields observation, reward, terminated, truncated, info`);
  }
  const { observation, reward, terminated, truncated, info } = result as unknown as StepResult<unknown>;
  if (typeof terminated !== 'boolean') fail(`step() terminated must be a boolean, got ${typeof terminated} (${String(terminated)})`);
  if (typeof truncated !== 'boolean') fail(`step() truncated must be a boolean, got ${typeof truncated} (${String(truncated)})`);
  if (typeof reward !== 'number') fail(`step() reward must be a number, got ${typeof reward}`);
  if (Number.isNaN(reward)) fail('step() reward is NaN');
  if (!Number.isFinite(reward)) fail(`step() reward is ${reward}: rewards must be finite`);
  if (!isPlainObject(info)) fail(`step() info must be a plain object, got ${typeof info}`);
  if (!env.observationSpace.contains(observation)) fail(`the observation returned by step() is not within the observation space ${env.observationSpace}`);
  return warnings;
}

const aliasingMessage =
  'the env mutated an observation it had already returned: return a fresh array from reset()/step(), or copy before reusing a buffer';

export interface CheckEnvOptions {
  /** Skip the render checks (Gymnasium's `skip_render_check`, default true there too). */
  skipRenderCheck?: boolean;
  /** Skip the close-twice check. */
  skipCloseCheck?: boolean;
}

/**
 * Runs Gymnasium's `check_env` checks on `env`. Throws `EnvCheckError` at the first failure; returns
 * the warnings. The env is reset several times and closed at the end unless `skipCloseCheck`.
 */
export function checkEnv(env: unknown, options: CheckEnvOptions = {}): { warnings: string[] } {
  if (!(env instanceof Env)) fail(`checkEnv needs an Env instance, got ${String(env)}`);
  const warnings: string[] = [];
  if (env.unwrapped !== env) warnings.push(`${env} is wrapped; checkEnv is most useful on the raw env (env.unwrapped)`);

  warnings.push(...checkSpace(env.observationSpace, 'observation'));
  warnings.push(...checkSpace(env.actionSpace, 'action'));

  // reset: return shape, and that a seed makes it deterministic and actually seeds the stream.
  const first = env.reset({ seed: 123 });
  warnings.push(...checkResetResult(env, first));
  const firstObservation = deepCopy(first.observation);
  const rngAfterSeed = env.rng.getState();
  const second = env.reset({ seed: 123 });
  warnings.push(...checkResetResult(env, second));
  if (!dataEquivalent(firstObservation, second.observation)) fail('reset({seed: 123}) is not deterministic: two resets with that seed gave different observations');
  if (!dataEquivalent(env.rng.getState(), rngAfterSeed)) {
    fail("reset({seed: 123}) did not leave the env's stream in the same state twice: does reset() call super.reset(options) before drawing?");
  }
  env.reset({ seed: 456 });
  if (!dataEquivalent(first.observation, firstObservation)) fail(aliasingMessage);
  if (dataEquivalent(env.rng.getState(), rngAfterSeed)) fail("reset({seed: 456}) left the same stream as seed 123: the seed is ignored (call super.reset(options))");
  const unseeded = env.reset();
  warnings.push(...checkResetResult(env, unseeded));
  if (env.rngSeed !== 456) fail('reset() without a seed re-seeded the env: a later reset must continue the stream from the last seed');

  // options are accepted
  try {
    env.reset({ seed: 123, options: {} });
  } catch (error) {
    fail(`reset({options: {}}) threw: ${(error as Error).message}`);
  }

  // step: 5 fields, booleans, finite rewards, observation in space, determinism under seed.
  const rollout = (): { steps: StepResult<unknown>[] } => {
    env.actionSpace.seed(123);
    env.reset({ seed: 123 });
    const steps: StepResult<unknown>[] = [];
    const returned: unknown[] = [];
    for (let t = 0; t < 10; t++) {
      const result = env.step(env.actionSpace.sample());
      warnings.push(...checkStepResult(env, result));
      steps.push(deepCopy(result));
      returned.push(result.observation);
      if (result.terminated || result.truncated) break;
    }
    returned.forEach((observation, t) => {
      if (!dataEquivalent(observation, steps[t]!.observation)) fail(aliasingMessage);
    });
    return { steps };
  };
  const a = rollout();
  const b = rollout();
  if (a.steps.length !== b.steps.length) fail('step() is not deterministic under a seed: episodes ended at different steps');
  a.steps.forEach((stepA, t) => {
    const stepB = b.steps[t]!;
    for (const field of ['observation', 'reward', 'terminated', 'truncated', 'info'] as const) {
      if (!dataEquivalent(stepA[field], stepB[field])) fail(`step() is not deterministic under a seed: '${field}' differs at step ${t} of two runs with seed 123`);
    }
  });

  if (!Array.isArray(env.metadata.renderModes)) fail('metadata.renderModes must be an array of strings');
  if (!options.skipRenderCheck && env.renderMode !== undefined) {
    if (!env.metadata.renderModes.includes(env.renderMode)) fail(`renderMode '${env.renderMode}' is not in metadata.renderModes [${env.metadata.renderModes.join(', ')}]`);
    env.reset({ seed: 0 });
    env.render();
  }

  if (!options.skipCloseCheck) {
    try {
      env.close();
      env.close();
    } catch (error) {
      fail(`calling close() twice must be allowed, but it threw: ${(error as Error).message}`);
    }
  }
  return { warnings };
}
