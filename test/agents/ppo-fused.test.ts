import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PpoAgent } from '../../agents/ppo.ts';
import { FusedPpoOptimiser, TfjsPpoOptimiser, type PpoBatch } from '../../agents/ppo-update.ts';
import { Box, Discrete, MultiDiscrete, type Space } from '../../envs/core/spaces.ts';
import { Rng } from '../../lib/rng.ts';
import { initBackend, tf } from '../../lib/tf.ts';

function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(scale, 1e-12));
  return worst;
}

/**
 * A batch whose old log-probabilities and values are perturbed away from the current networks, so that
 * ratios leave the clip range on both sides and the value clip binds: every branch of the loss is taken.
 */
function randomBatch(agent: PpoAgent, rows: number, rng: Rng): PpoBatch {
  const obsDim = agent.observationSpace.flatDim;
  const actDim = agent.head.actionDim;
  const obs = Float32Array.from({ length: rows * obsDim }, () => rng.random() * 4 - 2);
  const outputs = agent.policyOutputs(obs, rows).slice();
  const values = agent.values(obs, rows).slice();
  const actions = new Float32Array(rows * actDim);
  const logProbs = new Float32Array(rows);
  for (let r = 0; r < rows; r++) logProbs[r] = agent.head.sample(outputs, r, rng, actions, r * actDim) + (rng.random() - 0.5) * 0.6;
  for (let r = 0; r < rows; r++) values[r] = values[r]! + (rng.random() - 0.5) * 0.8;
  const advantages = Float32Array.from({ length: rows }, () => rng.random() * 6 - 3);
  const returns = Float32Array.from({ length: rows }, () => rng.random() * 4 - 2);
  return { size: rows, obs, actions, logProbs, advantages, returns, values };
}

const spaces: [string, Space][] = [
  ['Discrete(3)', new Discrete(3)],
  ['MultiDiscrete([2, 4])', new MultiDiscrete([2, 4])],
  ['Box(2)', new Box(-1, 1, [2])],
];

for (const [name, actionSpace] of spaces) {
  test(`the fused PPO loss has tfjs's gradients and statistics (${name}, 37 rows, every clip branch)`, async () => {
    await initBackend();
    const observationSpace = new Box(-5, 5, [5]);
    const agent = new PpoAgent(observationSpace, actionSpace, [12, 10], Rng.create(3).stream('init'));
    // A non-zero log-std, so that the Gaussian's scale enters the gradient.
    if (agent.head.extraSize > 0) agent.head.writeExtra(Float32Array.from([0.3, -0.4]));
    const batch = randomBatch(agent, 37, Rng.create(4));
    const settings = { normAdv: true, clipVloss: true, entCoef: 0.01, vfCoef: 0.5, maxGradNorm: 0.5 };
    const fused = new FusedPpoOptimiser(agent, settings);
    const reference = new TfjsPpoOptimiser(agent, settings, 0);
    const indices = Int32Array.from({ length: 37 }, (_, i) => (i * 7) % 37);
    fused.begin(batch);
    reference.begin(batch);
    const clipCoef = 0.1;
    // Learning rate 0: the fused step leaves the weights and keeps the gradient it computed.
    const stats = fused.minibatch(indices, clipCoef, 0);
    const { stats: expected, grads } = reference.gradients(indices, clipCoef);
    for (const key of ['policy', 'value', 'entropy', 'approxKl', 'clipFrac'] as const) {
      assert.ok(Math.abs(stats[key] - expected[key]) <= 1e-5 * Math.max(1, Math.abs(expected[key])), `${key}: fused ${stats[key]} vs tfjs ${expected[key]}`);
    }
    assert.ok(expected.clipFrac > 0.1 && expected.clipFrac < 0.9, `clip fraction ${expected.clipFrac} should exercise both branches`);
    const nets = [agent.actor, agent.critic];
    nets.forEach((net, n) => {
      const fusedGrads = fused.model.nets[n]!.readGradients();
      net.kernels.forEach((k, l) => {
        const error = maxRelative(fusedGrads.kernels[l]!, grads[k.name]!.dataSync());
        assert.ok(error < 1e-4, `${net.name} kernel ${l}: gradient differs by ${error} of its largest entry`);
      });
      net.biases.forEach((b, l) => {
        const error = maxRelative(fusedGrads.biases[l]!, grads[b.name]!.dataSync());
        assert.ok(error < 1e-4, `${net.name} bias ${l}: gradient differs by ${error} of its largest entry`);
      });
    });
    if (agent.head.extraSize > 0) {
      const logStd = agent.head.variables[0]!;
      const error = maxRelative(fused.model.extra(0, 2, true), grads[logStd.name]!.dataSync());
      assert.ok(error < 1e-4, `log-std gradient differs by ${error}`);
    }
    tf.dispose(Object.values(grads));
    reference.end();
    reference.dispose();
    agent.dispose();
  });
}

test.run();
