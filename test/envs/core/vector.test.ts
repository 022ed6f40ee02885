import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../envs/index.ts';
import { make } from '../../../envs/core/registration.ts';
import { AsyncVectorEnv, makeVec, SyncVectorEnv, type VectorEnv } from '../../../envs/core/vector.ts';
import { CountingEnv } from '../../helpers/envs.ts';

const counting = (lengths: number[], autoresetMode?: 'next-step' | 'same-step' | 'disabled') =>
  new SyncVectorEnv<Float32Array, number>(lengths.map((length) => () => new CountingEnv({ length })), { autoresetMode });

test('next-step autoreset: the ending step reports the final observation, the next step resets', () => {
  const env = counting([2, 3]);
  env.reset({ seed: 10 });
  const s1 = env.step([1, 1]);
  assert.equal([...s1.terminations], [false, false]);
  const s2 = env.step([2, 2]);
  assert.equal([...s2.terminations], [true, false]);
  assert.equal(Array.from(s2.observations[0]!).slice(0, 2), [2, 2], 'final observation of env 0');
  assert.equal(s2.infos[0], { count: 2 }, 'final info of env 0');
  const s3 = env.step([1, 1]);
  assert.equal(Array.from(s3.observations[0]!).slice(0, 2), [0, 0], 'env 0 was reset, its action ignored');
  assert.is(s3.rewards[0], 0);
  assert.is(s3.terminations[0], false);
  assert.ok('resetDraw' in s3.infos[0]!, 'reset info is returned');
  assert.is(s3.terminations[1], true, 'env 1 ends on its own schedule');
  const s4 = env.step([2, 2]);
  assert.equal(Array.from(s4.observations[0]!).slice(0, 2), [1, 2]);
  assert.equal(Array.from(s4.observations[1]!).slice(0, 2), [0, 0]);
});

test('same-step autoreset returns the reset observation with finalObservation and finalInfo in info', () => {
  const env = counting([1, 2], 'same-step');
  env.reset({ seed: 0 });
  const s1 = env.step([2, 2]);
  assert.is(s1.terminations[0], true);
  assert.is(s1.rewards[0], 2);
  assert.equal(Array.from(s1.observations[0]!).slice(0, 2), [0, 0]);
  assert.equal(Array.from(s1.infos[0]!.finalObservation as Float32Array).slice(0, 2), [1, 2]);
  assert.equal(s1.infos[0]!.finalInfo, { count: 1 });
});

test('disabled autoreset refuses to step a finished env until reset with a mask', () => {
  const env = counting([1, 5], 'disabled');
  env.reset({ seed: 0 });
  env.step([0, 0]);
  assert.throws(() => env.step([0, 0]), /autoreset is disabled/);
  const reset = env.reset({ options: { resetMask: [true, false] } });
  assert.is(reset.observations[1], undefined);
  const s = env.step([1, 1]);
  assert.equal(Array.from(s.observations[1]!).slice(0, 2), [2, 1], 'the unmasked env continued');
});

test('reset({seed}) seeds sub-env i with seed + i, like Gymnasium', () => {
  const env = counting([5, 5, 5]);
  const vector = env.reset({ seed: 100 }).observations.map((o) => o[2]);
  const single = [100, 101, 102].map((seed) => new CountingEnv().reset({ seed }).observation[2]);
  assert.equal(vector, single);
});

async function rollout(env: VectorEnv<Float32Array, number>, steps: number): Promise<number[][]> {
  const trace: number[][] = [];
  const first = await env.reset({ seed: 7 });
  trace.push(first.observations.flatMap((o) => Array.from(o)));
  for (let t = 0; t < steps; t++) {
    const actions = Array.from({ length: env.numEnvs }, (_, i) => (t * 7 + i * 3) % 2);
    const r = await env.step(actions);
    trace.push([...r.observations.flatMap((o) => Array.from(o)), ...r.rewards, ...r.terminations.map(Number), ...r.truncations.map(Number)]);
  }
  return trace;
}

test('AsyncVectorEnv on worker threads reproduces SyncVectorEnv step for step, across episode ends', async () => {
  const sync = makeVec<Float32Array, number>('CartPole-v1', 3);
  const asyncEnv = await AsyncVectorEnv.create<Float32Array, number>('CartPole-v1', 3, {}, { numWorkers: 2 });
  try {
    assert.ok(asyncEnv.singleObservationSpace.equals(sync.singleObservationSpace));
    assert.ok(asyncEnv.singleActionSpace.equals(make('CartPole-v1').actionSpace));
    const expected = await rollout(sync, 300);
    const actual = await rollout(asyncEnv, 300);
    assert.equal(actual, expected);
    const ended = expected.slice(1).some((row) => row.slice(-6).some((flag) => flag === 1));
    assert.ok(ended, 'the rollout crossed at least one episode end');
  } finally {
    await asyncEnv.close();
    await asyncEnv.close();
  }
});

test('AsyncVectorEnv reports worker-side errors and unknown ids', async () => {
  await AsyncVectorEnv.create('NoSuchEnv-v0', 1).then(
    () => assert.unreachable('create should fail'),
    (error: Error) => assert.match(error.message, /no environment registered/),
  );
  const env = await AsyncVectorEnv.create<Float32Array, number>('CartPole-v1', 2);
  try {
    await env.reset({ seed: 0 });
    await env.step([0, 5]).then(
      () => assert.unreachable('an invalid action should fail'),
      (error: Error) => assert.match(error.message, /action must be 0 or 1/),
    );
  } finally {
    await env.close();
  }
});

test.run();
