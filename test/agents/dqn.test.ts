import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../envs/index.ts';
import { DQN_CARTPOLE, DqnAgent, fusedDqn, trainDqn } from '../../agents/dqn.ts';
import { Box, Discrete } from '../../envs/core/spaces.ts';
import { Rng } from '../../lib/rng.ts';
import { initBackend, tf } from '../../lib/tf.ts';

test('DQN: epsilon decays on schedule, losses stay finite, tensors do not leak, and returns improve', async () => {
  const epsilons: number[] = [];
  const tensors: number[] = [];
  const result = await trainDqn('CartPole-v1', {
    seed: 3,
    totalTimesteps: 16_000,
    // Narrow layers keep the test fast; the benchmark runs the full RL Zoo network.
    hidden: [64, 64],
    evaluation: { every: 4_000, episodes: 5, seed: 10_000, threshold: null },
    onMetrics: (m) => {
      epsilons.push(m.epsilon as number);
      tensors.push(tf.memory().numTensors);
      assert.ok(Number.isFinite(m.loss as number), `loss ${m.loss}`);
    },
  });
  // Linear from 1 to 0.04 over 16 % of the 16,000 steps, then flat.
  // The first training round is at step 1,024: the first multiple of trainFreq (256) past learningStarts (1,000).
  assert.ok(Math.abs(epsilons[0]! - (1 - (0.96 * 1024) / 2560)) < 1e-9, `first epsilon ${epsilons[0]}`);
  assert.ok(Math.abs(epsilons.at(-1)! - 0.04) < 1e-12);
  assert.ok(tensors.every((n) => n === tensors[0]), `tensors: ${[...new Set(tensors)].join(', ')}`);
  // A random policy lasts ~22 steps and an untrained greedy one ~10: this has learned to balance.
  const best = Math.max(...result.evaluations.map((e) => e.meanReturn));
  assert.ok(best > 100, `evaluations ${result.evaluations.map((e) => e.meanReturn.toFixed(0)).join(', ')}`);

  const directory = mkdtempSync(join(tmpdir(), 'daogym-dqn-'));
  try {
    await result.agent.save(directory);
    const probe = Float32Array.of(0.02, 0.1, -0.05, -0.3);
    const before = result.agent.act(probe);
    result.agent.online.kernels[0]!.assign(tf.zerosLike(result.agent.online.kernels[0]!));
    result.agent.sync();
    await result.agent.load(directory);
    assert.is(result.agent.act(probe), before);
  } finally {
    rmSync(directory, { recursive: true, force: true });
    result.agent.dispose();
  }
});

test("the fused DQN step has tfjs's Huber-loss gradient (both Huber regimes, terminal and non-terminal rows)", async () => {
  await initBackend();
  // Layers wide enough that reserving the batch's buffers grows the memory (views taken before would detach).
  const agent = new DqnAgent(new Box(-5, 5, [5]), new Discrete(3), [256, 250], Rng.create(6).stream('init'));
  const rows = 37;
  const rng = Rng.create(7);
  const obs = Float32Array.from({ length: rows * 5 }, () => rng.random() * 4 - 2);
  const nextObs = Float32Array.from({ length: rows * 5 }, () => rng.random() * 4 - 2);
  const actions = Int32Array.from({ length: rows }, () => rng.int(3));
  const rewards = Float32Array.from({ length: rows }, () => rng.random() * 6 - 3);
  const dones = Float32Array.from({ length: rows }, () => (rng.random() < 0.3 ? 1 : 0));
  // Learning rate 0: the step leaves the weights and keeps its gradient.
  const fused = fusedDqn(agent, { ...DQN_CARTPOLE, learningRate: 0 });
  const loss = fused.step(obs, nextObs, actions, rewards, dones);
  const { value, grads } = tf.tidy(() => {
    const targetQ = tf.max(agent.target.apply(tf.tensor2d(nextObs, [rows, 5])), 1);
    const tdTarget = tf.add(tf.tensor1d(rewards), tf.mul(tf.mul(DQN_CARTPOLE.gamma, tf.sub(1, tf.tensor1d(dones))), targetQ));
    const mask = tf.oneHot(tf.tensor1d(actions, 'int32'), 3);
    return tf.variableGrads(() => tf.losses.huberLoss(tdTarget, tf.sum(tf.mul(agent.online.apply(tf.tensor2d(obs, [rows, 5])), mask), 1)) as tf.Scalar, agent.online.variables);
  });
  const expectedLoss = value.dataSync()[0]!;
  assert.ok(Math.abs(loss - expectedLoss) < 1e-5 * Math.max(1, expectedLoss), `loss ${loss} vs ${expectedLoss}`);
  const fusedGrads = fused.online.nets[0]!.readGradients();
  const check = (got: Float32Array, expected: Float32Array, what: string) => {
    const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0) / scale;
    assert.ok(worst < 1e-4, `${what}: gradient differs by ${worst} of its largest entry`);
  };
  agent.online.kernels.forEach((k, l) => check(fusedGrads.kernels[l]!, grads[k.name]!.dataSync() as Float32Array, `kernel ${l}`));
  agent.online.biases.forEach((b, l) => check(fusedGrads.biases[l]!, grads[b.name]!.dataSync() as Float32Array, `bias ${l}`));
  tf.dispose([value, ...Object.values(grads)]);
  agent.dispose();
});

test('DQN refuses non-discrete action spaces', async () => {
  const { TargetEnv } = await import('../helpers/bandits.ts');
  await trainDqn(() => new TargetEnv(), { totalTimesteps: 10 }).then(
    () => assert.unreachable('should throw'),
    (error: Error) => assert.match(error.message, /DQN needs a Discrete action space/),
  );
});

test.run();
