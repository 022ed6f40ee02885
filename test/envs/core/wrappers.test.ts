import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Env, type ResetOptions, type ResetResult, type StepResult } from '../../../envs/core/env.ts';
import { Box, Dict, Discrete, MultiDiscrete } from '../../../envs/core/spaces.ts';
import { ClipAction, FlattenObservation, NormalizeObservation, NormalizeReward, RecordEpisodeStatistics, TimeLimit } from '../../../envs/core/wrappers.ts';
import { CartPoleEnv } from '../../../envs/classic/cartpole.ts';
import { CountingEnv, EchoEnv } from '../../helpers/envs.ts';

test('TimeLimit truncates at the limit and restarts its count on reset', () => {
  const env = new TimeLimit(new CountingEnv({ length: 100 }), 4);
  env.reset({ seed: 0 });
  const flags = Array.from({ length: 4 }, () => env.step(1).truncated);
  assert.equal(flags, [false, false, false, true]);
  env.reset();
  assert.is(env.step(1).truncated, false);
  assert.is(env.elapsedSteps, 1);
  assert.throws(() => new TimeLimit(new CountingEnv(), 0), /positive integer/);
});

test('RecordEpisodeStatistics reports {r, l, t} at the end of each episode and keeps queues', () => {
  const env = new RecordEpisodeStatistics(new CountingEnv({ length: 3 }), 2);
  for (let episode = 0; episode < 3; episode++) {
    env.reset({ seed: episode });
    const results = [env.step(2), env.step(1), env.step(2)];
    assert.not.ok('episode' in results[0]!.info);
    const stats = results[2]!.info.episode as { r: number; l: number; t: number };
    assert.is(stats.r, 5);
    assert.is(stats.l, 3);
    assert.ok(stats.t >= 0 && stats.t < 1);
    assert.is(results[2]!.info.count, 3, 'the env’s own info is kept');
  }
  assert.equal(env.returnQueue, [5, 5], 'the queue keeps the last bufferLength episodes');
  assert.is(env.episodeCount, 3);
});

test('NormalizeObservation: Gymnasium’s running statistics (count starts at 1e-4) and unit-variance output', () => {
  const env = new NormalizeObservation(new CartPoleEnv());
  const first = env.reset({ seed: 2 });
  const raw = new CartPoleEnv().reset({ seed: 2 }).observation;
  // One update from mean 0, var 1, count 1e-4 with a single observation x.
  const count = 1e-4;
  raw.forEach((x, i) => {
    const mean = x / (count + 1);
    const variance = (count + (x * x * count) / (count + 1)) / (count + 1);
    assert.ok(Math.abs(first.observation[i]! - Math.fround((x - mean) / Math.sqrt(variance + 1e-8))) < 1e-6);
  });
  const values: number[][] = [[], [], [], []];
  for (let t = 0; t < 20_000; t++) {
    const r = env.step(t % 3 === 0 ? 1 : 0);
    r.observation.forEach((v, i) => values[i]!.push(v));
    if (r.terminated || r.truncated) env.reset();
  }
  for (const column of values) {
    const tail = column.slice(10_000);
    const mean = tail.reduce((a, b) => a + b, 0) / tail.length;
    const std = Math.sqrt(tail.reduce((a, b) => a + (b - mean) ** 2, 0) / tail.length);
    assert.ok(Math.abs(mean) < 0.2 && Math.abs(std - 1) < 0.2, `normalised mean ${mean} std ${std}`);
  }
  assert.ok(env.observationSpace instanceof Box && !env.observationSpace.isBounded());
  env.updateRunningMean = false;
  const frozen = env.obsRms.count;
  env.step(0);
  assert.is(env.obsRms.count, frozen, 'frozen statistics stay put');
});

/** Rewards from a fixed sequence; terminates every 50 steps. */
class RewardEnv extends Env<Float32Array, number> {
  readonly observationSpace = new Box(0, 1, [1], 'float32');
  readonly actionSpace = new Discrete(1);
  private t = 0;
  override reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(options);
    return { observation: new Float32Array(1), info: {} };
  }
  step(): StepResult<Float32Array> {
    this.t++;
    return { observation: new Float32Array(1), reward: 3 + Math.sin(this.t) * 2, terminated: this.t % 50 === 0, truncated: false, info: {} };
  }
}

test('NormalizeReward divides by the std of the discounted return, reset on termination (Gymnasium 1.x)', () => {
  const gamma = 0.9;
  const env = new NormalizeReward(new RewardEnv(), gamma);
  env.reset({ seed: 0 });
  // Reference: the same recurrence computed here with a plain Welford update.
  let discounted = 0;
  let mean = 0;
  let variance = 1;
  let count = 1e-4;
  for (let t = 1; t <= 500; t++) {
    const reward = 3 + Math.sin(t) * 2;
    const result = env.step(0);
    discounted = discounted * gamma * (t % 50 === 0 ? 0 : 1) + reward;
    const total = count + 1;
    const delta = discounted - mean;
    mean += delta / total;
    variance = (variance * count + (delta * delta * count) / total) / total;
    count = total;
    assert.ok(Math.abs(result.reward - reward / Math.sqrt(variance + 1e-8)) < 1e-9, `step ${t}`);
  }
  assert.ok(Math.abs(env.returnRms.var[0]! - variance) < 1e-9);
});

test('ClipAction clips into the Box and exposes an unbounded action space', () => {
  const inner = new EchoEnv();
  const env = new ClipAction(inner);
  env.reset({ seed: 0 });
  const result = env.step([5, -0.25]);
  assert.equal(Array.from(result.observation), [1, -0.25]);
  assert.equal(inner.lastAction, [1, -0.25]);
  assert.ok(env.actionSpace instanceof Box && !(env.actionSpace as Box).isBounded());
  assert.throws(() => new ClipAction(new CountingEnv() as never), /needs a Box action space/);
});

/** Dict observations for FlattenObservation. */
class DictEnv extends Env<{ stake: Float32Array; phase: number; votes: Int32Array }, number> {
  readonly observationSpace = new Dict({ stake: new Box(0, 5, [2], 'float32'), phase: new Discrete(3), votes: new MultiDiscrete([2, 2]) });
  readonly actionSpace = new Discrete(2);
  override reset(options: ResetOptions = {}) {
    super.reset(options);
    return { observation: { stake: Float32Array.of(1, 2), phase: 2, votes: Int32Array.of(0, 1) }, info: {} };
  }
  step() {
    return { observation: { stake: Float32Array.of(3, 4), phase: 0, votes: Int32Array.of(1, 1) }, reward: 0, terminated: false, truncated: false, info: {} };
  }
}

test('FlattenObservation turns a Dict observation into the flat vector (keys sorted, Discrete one-hot)', () => {
  const env = new FlattenObservation(new DictEnv());
  assert.equal((env.observationSpace as Box).shape, [3 + 2 + 4]);
  // sorted keys: phase, stake, votes
  assert.equal(Array.from(env.reset({ seed: 0 }).observation), [0, 0, 1, 1, 2, 1, 0, 0, 1]);
  const stepped = env.step(0).observation;
  assert.equal(Array.from(stepped), [1, 0, 0, 3, 4, 0, 1, 0, 1]);
  assert.ok(env.observationSpace.contains(stepped));
});

test.run();
