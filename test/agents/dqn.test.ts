import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../envs/index.ts';
import { trainDqn } from '../../agents/dqn.ts';
import { tf } from '../../lib/tf.ts';

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

test('DQN refuses non-discrete action spaces', async () => {
  const { TargetEnv } = await import('../helpers/bandits.ts');
  await trainDqn(() => new TargetEnv(), { totalTimesteps: 10 }).then(
    () => assert.unreachable('should throw'),
    (error: Error) => assert.match(error.message, /DQN needs a Discrete action space/),
  );
});

test.run();
