/** Tiny envs with known optimal policies, for testing that agents learn with each action space. */
import { Env, type ResetOptions, type ResetResult, type StepResult } from '../../envs/core/env.ts';
import { Box, MultiDiscrete } from '../../envs/core/spaces.ts';

/** Continuous: reward -(a - target)^2 per dimension, target = [0.5, -0.3]; 8-step episodes. */
export class TargetEnv extends Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box(0, 1, [1], 'float32');
  readonly actionSpace = new Box(-1, 1, [2], 'float32');
  private t = 0;
  override reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(options);
    this.t = 0;
    return { observation: new Float32Array(1), info: {} };
  }
  step(action: Float32Array): StepResult<Float32Array> {
    this.t++;
    const reward = -((action[0]! - 0.5) ** 2) - (action[1]! + 0.3) ** 2;
    return { observation: Float32Array.of(this.t / 8), reward, terminated: this.t >= 8, truncated: false, info: {} };
  }
}

/** MultiDiscrete([3, 4]): reward 1 for picking [2, 1], 0 otherwise; the observation says nothing. */
export class PickEnv extends Env<Float32Array, Int32Array> {
  readonly observationSpace = new Box(0, 1, [1], 'float32');
  readonly actionSpace = new MultiDiscrete([3, 4]);
  private t = 0;
  override reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(options);
    this.t = 0;
    return { observation: new Float32Array(1), info: {} };
  }
  step(action: Int32Array): StepResult<Float32Array> {
    this.t++;
    const reward = action[0] === 2 && action[1] === 1 ? 1 : 0;
    return { observation: Float32Array.of(this.t / 8), reward, terminated: this.t >= 8, truncated: false, info: {} };
  }
}
