import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { Arena, FusedModel } from '../../lib/fused/mlp.ts';
import { Mlp, type MlpSpec } from '../../lib/nn.ts';
import { Rng } from '../../lib/rng.ts';
import { initBackend, tf } from '../../lib/tf.ts';

function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.is(a.length, b.length);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(scale, 1e-12));
  return worst;
}

test('the SIMD tanh is within 3 ulp of tanh over [-12, 12]', () => {
  const arena = new Arena();
  const n = 400_000;
  const x = arena.alloc(n);
  const y = arena.alloc(n);
  const xs = arena.f32(x, n);
  for (let i = 0; i < n; i++) xs[i] = -12 + (24 * i) / (n - 1);
  xs[0] = 0;
  xs[1] = -1e-30;
  arena.kernels.tanh_array(x, y, n);
  const ys = arena.f32(y, n);
  let worstUlp = 0;
  const f = new Float32Array(1);
  for (let i = 0; i < n; i++) {
    const exact = Math.tanh(xs[i]!);
    f[0] = Math.abs(exact);
    const ulp = Math.max(Math.fround(f[0] * (1 + 2 ** -23)) - f[0], 2 ** -149);
    worstUlp = Math.max(worstUlp, Math.abs(ys[i]! - exact) / ulp);
  }
  assert.ok(worstUlp <= 3, `worst ${worstUlp} ulp`);
  assert.is(ys[0], 0);
  assert.ok(Object.is(ys[1], -0) || ys[1] === -1e-30 || Math.abs(ys[1]!) < 1e-29);
});

/** A fused net and a tfjs Mlp with the same weights; rows not a multiple of 4, odd widths to exercise padding. */
function pair(spec: MlpSpec, seed: number) {
  const reference = new Mlp(spec, Rng.create(seed), `fused-check-${seed}`);
  // Non-zero biases, so that the bias paths are checked too.
  reference.biases.forEach((b, i) => b.assign(tf.randomUniform(b.shape, -0.5, 0.5, 'float32', seed + i)));
  const model = new FusedModel([spec]);
  const js = reference.toJs();
  model.nets[0]!.writeWeights(js.kernels, js.biases);
  return { reference, model, net: model.nets[0]! };
}

for (const activation of ['tanh', 'relu'] as const) {
  test(`fused forward and backward match tfjs to float precision (${activation}, padded widths, 9 rows)`, async () => {
    await initBackend();
    const spec: MlpSpec = { sizes: [5, 12, 7, 3], activation, hiddenGain: Math.SQRT2, outputGain: 1 };
    const { reference, net, model } = pair(spec, activation === 'tanh' ? 3 : 4);
    const rows = 9;
    const rng = Rng.create(5);
    const input = Float32Array.from({ length: rows * 5 }, () => rng.random() * 4 - 2);
    const weights = Float32Array.from({ length: rows * 3 }, () => rng.random() * 2 - 1);
    net.inputView(rows).set(input);
    const fusedOut = net.forward(rows);
    const fusedRows = new Float32Array(rows * 3);
    for (let r = 0; r < rows; r++) for (let j = 0; j < 3; j++) fusedRows[r * 3 + j] = fusedOut[r * net.outputStride + j]!;
    const tfOut = tf.tidy(() => reference.apply(tf.tensor2d(input, [rows, 5])).dataSync());
    assert.ok(maxRelative(fusedRows, tfOut) < 2e-6, `forward differs by ${maxRelative(fusedRows, tfOut)}`);

    // Loss = sum(outputs * weights): its gradient with respect to the outputs is `weights`.
    const dOut = net.outputGradient(rows);
    for (let r = 0; r < rows; r++) for (let j = 0; j < 3; j++) dOut[r * net.outputStride + j] = weights[r * 3 + j]!;
    net.backward(rows);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(reference.apply(tf.tensor2d(input, [rows, 5])), tf.tensor2d(weights, [rows, 3]))) as tf.Scalar, reference.variables);
    const fusedGrads = net.readGradients();
    reference.kernels.forEach((k, l) => {
      const expected = grads[k.name]!.dataSync();
      assert.ok(maxRelative(fusedGrads.kernels[l]!, expected) < 1e-5, `kernel ${l} gradient differs by ${maxRelative(fusedGrads.kernels[l]!, expected)}`);
    });
    reference.biases.forEach((b, l) => {
      const expected = grads[b.name]!.dataSync();
      assert.ok(maxRelative(fusedGrads.biases[l]!, expected) < 1e-5, `bias ${l} gradient differs by ${maxRelative(fusedGrads.biases[l]!, expected)}`);
    });
    // Padded units stay zero in parameters and gradients.
    const layer = net.layers[1]!;
    assert.is(layer.units, 7);
    const all = model.gradientView();
    for (let i = 0; i < layer.nin; i++) assert.is(all[layer.w + i * layer.nout + 7], 0);
    tf.dispose(Object.values(grads));
    reference.dispose();
  });
}

test('fused Adam with global-norm clipping matches tf.train.adam on clipped gradients over five steps', async () => {
  await initBackend();
  const spec: MlpSpec = { sizes: [4, 8, 2], activation: 'tanh', hiddenGain: Math.SQRT2, outputGain: 0.01 };
  const { reference, net, model } = pair(spec, 7);
  const settings = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-5 };
  const optimizer = tf.train.adam(settings.learningRate, settings.beta1, settings.beta2, settings.epsilon);
  const rng = Rng.create(8);
  for (let step = 0; step < 5; step++) {
    const input = Float32Array.from({ length: 6 * 4 }, () => rng.random() * 2 - 1);
    const target = Float32Array.from({ length: 6 * 2 }, () => rng.random() * 40 - 20);
    // Fused: loss = mean squared error, large enough that clipping at 0.5 bites.
    net.inputView(6).set(input);
    const out = net.forward(6);
    const dOut = net.outputGradient(6);
    for (let r = 0; r < 6; r++) for (let j = 0; j < 2; j++) dOut[r * net.outputStride + j] = (2 * (out[r * net.outputStride + j]! - target[r * 2 + j]!)) / 12;
    net.backward(6);
    const norm = model.clippedAdamStep(settings, 0.5);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(reference.apply(tf.tensor2d(input, [6, 4])), tf.tensor2d(target, [6, 2])))) as tf.Scalar, reference.variables);
      const tfNorm = Math.sqrt(Object.values(grads).reduce((s, g) => s + tf.sum(tf.square(g)).dataSync()[0]!, 0));
      assert.ok(Math.abs(norm - tfNorm) / tfNorm < 1e-5, `norm ${norm} vs ${tfNorm}`);
      const scale = Math.min(1, 0.5 / (tfNorm + 1e-6));
      optimizer.applyGradients(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, scale)])) as never);
    });
  }
  // Adam divides each component by its own running scale, so float-order differences in a near-zero
  // gradient component show up ~10x larger in the weights than in the gradients: 1e-4 of the range.
  const fused = net.readWeights();
  const js = reference.toJs();
  js.kernels.forEach((k, l) => assert.ok(maxRelative(fused.kernels[l]!, k) < 1e-4, `kernel ${l} after Adam differs by ${maxRelative(fused.kernels[l]!, k)}`));
  js.biases.forEach((b, l) => assert.ok(maxRelative(fused.biases[l]!, b) < 1e-4, `bias ${l} after Adam differs by ${maxRelative(fused.biases[l]!, b)}`));
  optimizer.dispose();
  reference.dispose();
});

test('the committed WebAssembly module is the build of wasm/mlp.ts', () => {
  const result = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr + result.stdout);
});

test.run();
