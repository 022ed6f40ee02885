import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CartPoleEnv } from '../../../envs/classic/cartpole.ts';
import '../../../envs/index.ts';
import { checkEnv } from '../../../envs/core/checker.ts';
import { make } from '../../../envs/core/registration.ts';
import { captureWarnings } from '../../../lib/warnings.ts';

// Expected next states computed in float64 with Gymnasium's CartPoleEnv.step equations (Euler).
const transitions: { state: number[]; action: number; next: number[] }[] = [
  { state: [0, 0, 0, 0], action: 1, next: [0.0, 0.1951219512195122, 0.0, -0.2926829268292683] },
  { state: [0.01, -0.02, 0.03, 0.04], action: 0, next: [0.0096, -0.21553901710278936, 0.0308, 0.34199522377603914] },
  { state: [1.0, 0.5, -0.1, -0.3], action: 1, next: [1.01, 0.696394564860908, -0.106, -0.6224711396060209] },
];

test('CartPole transitions match hand-computed Euler steps of the Gymnasium equations', () => {
  const env = new CartPoleEnv();
  for (const { state, action, next } of transitions) {
    env.reset({ seed: 0 });
    env.state.set(state);
    const result = env.step(action);
    next.forEach((value, i) => {
      assert.ok(Math.abs(env.state[i]! - value) < 1e-12, `state[${i}] = ${env.state[i]} expected ${value}`);
      assert.is(result.observation[i], Math.fround(value), 'observation is the float32 of the state');
    });
    assert.is(result.reward, 1);
    assert.is(result.terminated, false);
    assert.is(result.truncated, false);
    assert.instance(result.observation, Float32Array);
  }
});

test('CartPole constants are Gymnasium’s', () => {
  const env = new CartPoleEnv();
  assert.is(env.gravity, 9.8);
  assert.is(env.massCart, 1.0);
  assert.is(env.massPole, 0.1);
  assert.is(env.length, 0.5);
  assert.is(env.forceMag, 10.0);
  assert.is(env.tau, 0.02);
  assert.ok(Math.abs(env.thetaThresholdRadians - 0.20943951023931953) < 1e-15);
  assert.is(env.xThreshold, 2.4);
  assert.is(env.observationSpace.high[0], Math.fround(4.8));
  assert.is(env.observationSpace.high[2], Math.fround(0.41887902047863906));
  assert.is(env.observationSpace.high[1], 3.4028234663852886e38);
  assert.is(env.actionSpace.n, 2);
});

test('reset draws each state variable uniformly in [-0.05, 0.05) and is reproducible by seed', () => {
  const env = new CartPoleEnv();
  const a = env.reset({ seed: 42 }).observation;
  const b = env.reset({ seed: 42 }).observation;
  assert.equal(Array.from(a), Array.from(b));
  const c = env.reset().observation;
  assert.not.equal(Array.from(a), Array.from(c), 'a later reset without a seed continues the stream');
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    env.reset();
    for (const v of env.state) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
  }
  assert.ok(min >= -0.05 && max < 0.05, `range [${min}, ${max}]`);
  assert.ok(min < -0.0499 && max > 0.0499, 'the whole interval is covered');
  assert.ok(Math.abs(sum / (4 * n)) < 0.0005, `mean ${sum / (4 * n)} near 0`);
  const custom = env.reset({ seed: 1, options: { low: 0.1, high: 0.2 } });
  for (const v of custom.observation) assert.ok(v >= 0.1 - 1e-7 && v <= 0.2 + 1e-7);
  assert.throws(() => env.reset({ options: { low: 1, high: 0 } }), /low <= high/);
});

test('terminates past 12 degrees or 2.4 m with reward 1 on the terminating step, then 0 with a warning', () => {
  const env = new CartPoleEnv();
  env.reset({ seed: 0 });
  env.state.set([0, 0, 0.2094, 0.1]);
  const fall = env.step(0);
  assert.is(fall.terminated, true);
  assert.is(fall.reward, 1);
  const { result: after, warnings } = captureWarnings(() => env.step(0));
  assert.is(after.reward, 0);
  assert.ok(warnings.some((w) => w.includes('already returned terminated')));
  env.reset({ seed: 0 });
  env.state.set([2.39, 1.0, 0, 0]);
  assert.is(env.step(1).terminated, true, 'x = 2.41 is out of bounds');
  env.reset({ seed: 0 });
  env.state.set([2.39, 0.4, 0, 0]);
  assert.is(env.step(1).terminated, false, 'x = 2.398 is inside');
});

test('CartPole-v1 through make() truncates at 500 steps under a balancing controller', () => {
  const env = make<Float32Array, number>('CartPole-v1');
  let { observation } = env.reset({ seed: 3 });
  let steps = 0;
  let total = 0;
  for (;;) {
    const action = observation[2]! + 0.5 * observation[3]! > 0 ? 1 : 0;
    const result = env.step(action);
    steps++;
    total += result.reward;
    observation = result.observation;
    if (result.terminated || result.truncated) {
      assert.is(result.truncated, true);
      assert.is(result.terminated, false);
      break;
    }
  }
  assert.is(steps, 500);
  assert.is(total, 500);
  assert.is(env.spec?.rewardThreshold, 475);
});

test('a random policy averages about 22 steps per episode, as published for CartPole', () => {
  const env = make<Float32Array, number>('CartPole-v1');
  env.reset({ seed: 11 });
  env.actionSpace.seed(11);
  let episodes = 0;
  let steps = 0;
  while (episodes < 2000) {
    steps++;
    const r = env.step(env.actionSpace.sample());
    if (r.terminated || r.truncated) {
      episodes++;
      env.reset();
    }
  }
  const mean = steps / episodes;
  assert.ok(mean > 20 && mean < 24, `mean episode length ${mean}`);
});

test('CartPole passes checkEnv', () => {
  const { warnings } = checkEnv(new CartPoleEnv());
  assert.equal(warnings, []);
});

test.run();
