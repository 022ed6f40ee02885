import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normal } from '../../lib/distributions.ts';
import { Rng } from '../../lib/rng.ts';
import { initBackend, tf } from '../../lib/tf.ts';
import { Mlp, ownedVariable } from '../../lib/nn.ts';
import { clippedGradientSum, groupVariables, perExampleGradientNorms, plainAccess, poissonSample, privateGradients, type ParameterAccess, type ParameterGroup } from '../../generators/dp/dpsgd.ts';

/** A small MLP (3 -> 5 -> 4 -> 2, tanh) and a learned per-output log-scale vector, with a loss that uses both. */
function smallModel(rng: Rng): { mlp: Mlp; scale: tf.Variable; groups: ParameterGroup[]; loss: (x: tf.Tensor2D, t: tf.Tensor2D) => (a: ParameterAccess) => tf.Tensor1D } {
  const mlp = new Mlp({ sizes: [3, 5, 4, 2], activation: 'tanh', hiddenGain: 1.3, outputGain: 0.8 }, rng, 'dpsgd_test');
  // Non-zero biases so every term of the gradient is exercised.
  mlp.biases.forEach((b, l) => b.assign(tf.tensor1d(Array.from({ length: b.shape[0]! }, (_, k) => 0.1 * (k - l)))));
  const scale = ownedVariable(tf.tensor1d([0.3, -0.2]), `dpsgd_test_scale#${rng.int(1e9)}`);
  const groups: ParameterGroup[] = [...mlp.kernels.map((kernel, l) => ({ kind: 'dense' as const, kernel, bias: mlp.biases[l]! })), { kind: 'vector', variable: scale }];
  const loss = (x: tf.Tensor2D, t: tf.Tensor2D) => (access: ParameterAccess) => {
    let h = x;
    for (let l = 0; l < 3; l++) {
      const z = access.dense(l, h);
      h = l === 2 ? z : tf.tanh(z);
    }
    const logScale = access.vector(3);
    return tf.sum(tf.add(tf.mul(tf.square(tf.sub(h, t)), tf.exp(logScale)), tf.mul(0.5, tf.square(logScale))), 1) as tf.Tensor1D;
  };
  return { mlp, scale, groups, loss };
}

/** Per-example gradients by brute force: one tf.variableGrads per example. */
function bruteForce(groups: ParameterGroup[], loss: (x: tf.Tensor2D, t: tf.Tensor2D) => (a: ParameterAccess) => tf.Tensor1D, xs: number[][], ts: number[][]): Float64Array[] {
  const variables = groupVariables(groups);
  return xs.map((x, i) => {
    const flat = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(loss(tf.tensor2d([x]), tf.tensor2d([ts[i]!]))(plainAccess(groups, 1))) as tf.Scalar, variables);
      return tf.concat(variables.map((v) => tf.reshape(grads[v.name]!, [-1])));
    });
    const values = Float64Array.from(flat.dataSync());
    flat.dispose();
    return values;
  });
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k]! ** 2;
  return Math.sqrt(s);
}

test('per-example gradient norms by the outer-product trick match a brute-force per-example loop (1e-4 relative); so does the clipped sum', async () => {
  await initBackend();
  const rng = Rng.create(11);
  const { mlp, scale, groups, loss } = smallModel(rng.stream('model'));
  const data = rng.stream('data');
  const b = 9;
  const xs = Array.from({ length: b }, (_, i) => Array.from({ length: 3 }, () => normal(data) * (1 + i / 3)));
  const ts = Array.from({ length: b }, () => Array.from({ length: 2 }, () => normal(data)));
  const before = tf.memory().numTensors;
  const x = tf.tensor2d(xs);
  const t = tf.tensor2d(ts);
  const fast = tf.tidy(() => perExampleGradientNorms(groups, b, loss(x, t)).dataSync());
  const reference = bruteForce(groups, loss, xs, ts);
  reference.forEach((g, i) => {
    const expected = norm(g);
    assert.ok(Math.abs(fast[i]! - expected) <= 1e-4 * expected, `example ${i}: ${fast[i]} vs brute force ${expected}`);
  });
  // Clipping at the median norm clips about half the examples; the sum must equal the sum of clipped brute-force gradients.
  const maxGradNorm = Float64Array.from(fast).sort()[4]!;
  const expectedSum = new Float64Array(reference[0]!.length);
  for (const g of reference) {
    const c = Math.min(1, maxGradNorm / norm(g));
    g.forEach((v, k) => (expectedSum[k] = expectedSum[k]! + c * v));
  }
  const summed = tf.tidy(() => {
    const { grads, norms } = clippedGradientSum(groups, b, loss(x, t), maxGradNorm);
    assert.equal(norms.shape, [b]);
    return tf.concat(grads.map((g) => tf.reshape(g, [-1])));
  });
  const got = Float64Array.from(summed.dataSync());
  summed.dispose();
  assert.is(got.length, expectedSum.length);
  const error = norm(got.map((v, k) => v - expectedSum[k]!));
  assert.ok(error <= 1e-4 * norm(expectedSum), `clipped sum off by ${error}`);
  tf.dispose([x, t]);
  assert.is(tf.memory().numTensors, before, 'no tensors leak from the probe pass');
  mlp.dispose();
  scale.dispose();
});

test('clipping and noise by hand: (sum of clipped gradients + sigma C z) / expected batch, noise from the seeded stream in variable order', async () => {
  await initBackend();
  // One dense unit y = w x + b with L_i = y_i: per-example gradient (x_i, 1), norm sqrt(x_i^2 + 1).
  const kernel = ownedVariable(tf.tensor2d([[0.7]]), 'dpsgd_hand_kernel');
  const bias = ownedVariable(tf.tensor1d([0.2]), 'dpsgd_hand_bias');
  const groups: ParameterGroup[] = [{ kind: 'dense', kernel, bias }];
  const x = tf.tensor2d([[3], [0], [-0.5]]);
  const loss = (access: ParameterAccess) => tf.reshape(access.dense(0, x), [-1]) as tf.Tensor1D;
  const settings = { maxGradNorm: 1, noiseMultiplier: 0.5, expectedBatchSize: 4 };
  const noise = Rng.create(5).stream('noise');
  const replay = noise.clone();
  const grads = tf.tidy(() => privateGradients(groups, 3, loss, settings, noise).grads.map((g) => g.dataSync()[0]!));
  // Clipped: (3, 1) / sqrt(10); (0, 1) stays (norm 1 = C); (-0.5, 1) stays (norm 1.118 > 1: scaled by 1 / 1.118).
  const s3 = 1 / Math.sqrt(1.25);
  const clippedW = 3 / Math.sqrt(10) + 0 + -0.5 * s3;
  const clippedB = 1 / Math.sqrt(10) + 1 + 1 * s3;
  const zW = normal(replay);
  const zB = normal(replay);
  assert.ok(Math.abs(grads[0]! - (clippedW + 0.5 * 1 * zW) / 4) < 1e-5, `w gradient ${grads[0]}`);
  assert.ok(Math.abs(grads[1]! - (clippedB + 0.5 * 1 * zB) / 4) < 1e-5, `b gradient ${grads[1]}`);
  // No noise: the clipped mean over the expected batch; an empty Poisson batch gives zero before noise.
  const quiet = tf.tidy(() => privateGradients(groups, 3, loss, { ...settings, noiseMultiplier: 0 }, noise).grads.map((g) => g.dataSync()[0]!));
  assert.ok(Math.abs(quiet[0]! - clippedW / 4) < 1e-6 && Math.abs(quiet[1]! - clippedB / 4) < 1e-6);
  const empty = tf.tidy(() => privateGradients(groups, 0, () => tf.zeros([0]) as tf.Tensor1D, { ...settings, noiseMultiplier: 0 }, noise).grads.map((g) => g.dataSync()[0]!));
  assert.equal(empty, [0, 0]);
  assert.throws(() => tf.tidy(() => privateGradients(groups, 3, loss, { ...settings, maxGradNorm: 0 }, noise)), /maxGradNorm/);
  tf.dispose([x, kernel, bias]);
});

test('Poisson sampling: each example independently with probability q, reproducible from the stream', () => {
  const a = poissonSample(20_000, 0.05, Rng.create(3).stream('s'));
  const b = poissonSample(20_000, 0.05, Rng.create(3).stream('s'));
  assert.equal(Array.from(a), Array.from(b));
  // Binomial(20000, 0.05): mean 1000, sd 30.8.
  assert.ok(Math.abs(a.length - 1000) < 4 * 30.8, `sampled ${a.length}`);
  assert.ok(a.every((v, i) => i === 0 || v > a[i - 1]!), 'indices are distinct and increasing');
  assert.throws(() => poissonSample(10, 1.5, Rng.create(1)), /sampling rate/);
});

test.run();
