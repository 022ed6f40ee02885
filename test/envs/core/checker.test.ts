import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkEnv, EnvCheckError } from '../../../envs/core/checker.ts';
import type { ResetOptions, ResetResult, StepResult } from '../../../envs/core/env.ts';
import { Box } from '../../../envs/core/spaces.ts';
import '../../../envs/index.ts';
import { make } from '../../../envs/core/registration.ts';
import { CountingEnv, EchoEnv } from '../../helpers/envs.ts';

function rejects(env: unknown, pattern: RegExp): void {
  try {
    checkEnv(env);
  } catch (error) {
    assert.instance(error, EnvCheckError);
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable(`checkEnv accepted a broken env (expected ${pattern})`);
}

test('correct envs pass; checkEnv closes them twice', () => {
  const env = new CountingEnv();
  assert.equal(checkEnv(env).warnings, []);
  assert.is(env.closeCount, 2);
  const wrapped = checkEnv(make('CartPole-v1'));
  assert.ok(wrapped.warnings.some((w) => w.includes('wrapped')));
});

test('an unnormalised continuous action space is a warning, not a failure', () => {
  class Wide extends EchoEnv {
    override readonly actionSpace = new Box(0, 10, [2], 'float32');
  }
  assert.ok(checkEnv(new Wide()).warnings.some((w) => w.includes('normalised to [-1, 1]')));
});

test('rejects an env whose reset ignores the seed', () => {
  let calls = 0;
  class IgnoresSeed extends CountingEnv {
    override reset(options: ResetOptions = {}): ResetResult<Float32Array> {
      super.reset({ ...options, seed: undefined });
      calls++;
      return { observation: Float32Array.of(0, 0, (calls % 7) / 7), info: {} };
    }
  }
  rejects(new IgnoresSeed(), /not deterministic/);
});

test('rejects an env whose reset never calls super.reset (the seed never reaches its stream)', () => {
  class NoSuper extends CountingEnv {
    override reset(): ResetResult<Float32Array> {
      return { observation: Float32Array.of(0, 0, this.rng.random()), info: {} };
    }
  }
  rejects(new NoSuper(), /not deterministic|super\.reset/);
});

test('rejects non-boolean flags, NaN or infinite rewards, and observations outside the space', () => {
  class NumberFlags extends CountingEnv {
    override step(action: number): StepResult<Float32Array> {
      return { ...super.step(action), terminated: 0 as unknown as boolean };
    }
  }
  rejects(new NumberFlags(), /terminated must be a boolean/);
  class NaNReward extends CountingEnv {
    override step(action: number): StepResult<Float32Array> {
      return { ...super.step(action), reward: NaN };
    }
  }
  rejects(new NaNReward(), /reward is NaN/);
  class InfiniteReward extends CountingEnv {
    override step(action: number): StepResult<Float32Array> {
      return { ...super.step(action), reward: Infinity };
    }
  }
  rejects(new InfiniteReward(), /must be finite/);
  class Outside extends CountingEnv {
    override step(action: number): StepResult<Float32Array> {
      return { ...super.step(action), observation: Float32Array.of(-5, 0, 0) };
    }
  }
  rejects(new Outside(), /step\(\) is not within the observation space/);
  class FourFields extends CountingEnv {
    override step(action: number): StepResult<Float32Array> {
      const { info: _info, ...rest } = super.step(action);
      return rest as StepResult<Float32Array>;
    }
  }
  rejects(new FourFields(), /missing 'info'/);
});

test('rejects an env that reuses the observation buffer it returned', () => {
  class Aliasing extends CountingEnv {
    private readonly buffer = new Float32Array(3);
    override reset(options: ResetOptions = {}): ResetResult<Float32Array> {
      const result = super.reset(options);
      this.buffer.set(result.observation);
      this.buffer[0] = this.buffer[0]! + 1;
      return { observation: this.buffer, info: {} };
    }
  }
  rejects(new Aliasing(), /mutated an observation/);
  class StepAliasing extends CountingEnv {
    private readonly buffer = new Float32Array(3);
    override step(action: number): StepResult<Float32Array> {
      const result = super.step(action);
      this.buffer.set(result.observation);
      return { ...result, observation: this.buffer };
    }
  }
  rejects(new StepAliasing(), /mutated an observation/);
});

test('rejects nondeterministic steps under a seed', () => {
  let noise = 0;
  class NoisyStep extends CountingEnv {
    override step(action: number): StepResult<Float32Array> {
      noise++;
      return { ...super.step(action), reward: noise };
    }
  }
  rejects(new NoisyStep(), /'reward' differs/);
});

test('rejects an env whose close() fails the second time', () => {
  class CloseOnce extends CountingEnv {
    override close(): void {
      super.close();
      if (this.closeCount > 1) throw new Error('already closed');
    }
  }
  rejects(new CloseOnce(), /close\(\) twice/);
});

test('rejects something that is not an Env', () => {
  rejects({ reset() {}, step() {} }, /needs an Env instance/);
});

test.run();
