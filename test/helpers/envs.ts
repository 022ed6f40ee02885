/** Small envs for testing the Gym contract itself. */
import { Env, type ResetOptions, type ResetResult, type StepResult } from '../../envs/core/env.ts';
import { Box, Discrete } from '../../envs/core/spaces.ts';

/**
 * Counts steps; the episode terminates after `length` steps. Observation = [step count, last action,
 * a seeded random number drawn at reset]. Reward = the action taken.
 */
export class CountingEnv extends Env<Float32Array, number> {
  readonly observationSpace = new Box(0, 1000, [3], 'float32');
  readonly actionSpace = new Discrete(3);
  closeCount = 0;
  private count = 0;
  private draw = 0;
  readonly length: number;

  constructor(kwargs: Record<string, unknown> = {}) {
    super();
    this.length = (kwargs.length as number | undefined) ?? 5;
  }

  override reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(options);
    this.count = 0;
    this.draw = this.rng.random();
    return { observation: Float32Array.of(0, 0, this.draw), info: { resetDraw: this.draw } };
  }

  step(action: number): StepResult<Float32Array> {
    this.count++;
    return {
      observation: Float32Array.of(this.count, action, this.draw),
      reward: action,
      terminated: this.count >= this.length,
      truncated: false,
      info: { count: this.count },
    };
  }

  override close(): void {
    this.closeCount++;
  }
}

/** Continuous actions in [-1, 1]^2 echoed back as the observation; a Dict observation variant for flattening. */
export class EchoEnv extends Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box(-10, 10, [2], 'float32');
  readonly actionSpace = new Box(-1, 1, [2], 'float32');
  lastAction: ArrayLike<number> = [];

  override reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(options);
    return { observation: new Float32Array(2), info: {} };
  }

  step(action: Float32Array): StepResult<Float32Array> {
    this.lastAction = Array.from(action);
    return { observation: Float32Array.from(action), reward: 0, terminated: false, truncated: false, info: {} };
  }
}
