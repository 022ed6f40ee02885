/**
 * A TabDDPM-style diffusion generator (Kotelnikov et al. 2023) for numeric member tables.
 *
 * Columns are mapped to normal scores through their empirical marginals (a quantile transform, as TabDDPM's
 * QuantileTransformer with a normal output), and a Gaussian diffusion (Ho et al. 2020) with a cosine noise
 * schedule (Nichol and Dhariwal 2021) is learned over them: an MLP denoiser (ReLU, 128 x 2 by default: TabDDPM's
 * larger ones train too slowly on CPU here for what they add on these six-column tables) reads the
 * noisy row and a sinusoidal embedding of the step and predicts the noise; the loss is its mean squared error
 * at a uniformly drawn step. Sampling runs the reverse chain from pure noise (ancestral DDPM steps with the
 * posterior variance), batched in tfjs, every draw from the seeded stream; the scores are mapped back through
 * the marginals. The member tables here are all numeric, so TabDDPM's multinomial diffusion for categorical
 * columns has nothing to do and is not implemented (an integer column is a numeric one rounded).
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { normal } from '../lib/distributions.ts';
import { Mlp } from '../lib/nn.ts';
import { Rng } from '../lib/rng.ts';
import { initBackend, tf } from '../lib/tf.ts';
import { empiricalQuantile, normalScores } from './copula.ts';
import type { Table } from './metrics.ts';
import { loadModel, saveModel } from './model-io.ts';

export interface DiffusionOptions {
  seed?: number;
  /** Training epochs over the table (default 400). */
  epochs?: number;
  batchSize?: number;
  /** Diffusion steps (default 200). */
  steps?: number;
  hidden?: number[];
  learningRate?: number;
}

interface DiffusionModel {
  kind: 'tabddpm';
  columns: string[];
  marginals: number[][];
  integer: boolean[];
  steps: number;
  embedding: number;
  network: { sizes: number[]; kernels: number[][]; biases: number[][] };
}

const EMBEDDING = 32;

/** The cosine schedule's cumulative signal fractions alpha-bar_t, t = 0..T (alpha-bar_0 = 1), betas capped at 0.999. */
export function cosineSchedule(steps: number): { alphaBar: Float64Array; beta: Float64Array } {
  const s = 0.008;
  const f = (t: number) => Math.cos(((t / steps + s) / (1 + s)) * (Math.PI / 2)) ** 2;
  const alphaBar = new Float64Array(steps + 1);
  const beta = new Float64Array(steps + 1);
  alphaBar[0] = 1;
  for (let t = 1; t <= steps; t++) {
    beta[t] = Math.min(0.999, 1 - f(t) / f(t - 1));
    alphaBar[t] = alphaBar[t - 1]! * (1 - beta[t]!);
  }
  return { alphaBar, beta };
}

/** Sinusoidal embeddings of steps (rows) in `size` dimensions. */
function stepEmbedding(steps: ArrayLike<number>, size: number): Float32Array {
  const half = size / 2;
  const out = new Float32Array(steps.length * size);
  for (let r = 0; r < steps.length; r++) {
    for (let k = 0; k < half; k++) {
      const angle = steps[r]! * Math.exp((-Math.log(10_000) * k) / half);
      out[r * size + k] = Math.sin(angle);
      out[r * size + half + k] = Math.cos(angle);
    }
  }
  return out;
}

export class TabularDiffusion {
  private constructor(private readonly model: DiffusionModel) {}

  get columns(): string[] {
    return [...this.model.columns];
  }

  static async fit(table: Table, options: DiffusionOptions = {}): Promise<{ diffusion: TabularDiffusion; losses: number[] }> {
    await initBackend();
    const columns = Object.keys(table);
    if (columns.length === 0) throw new RangeError('cannot fit a diffusion model to a table with no columns');
    const n = table[columns[0]!]!.length;
    if (n < 2) throw new RangeError(`the diffusion model needs at least 2 rows, got ${n}`);
    const d = columns.length;
    const steps = options.steps ?? 200;
    const epochs = options.epochs ?? 400;
    const batchSize = Math.min(options.batchSize ?? 256, n);
    const rng = Rng.create(options.seed ?? 1);
    const data = new Float32Array(n * d);
    columns.forEach((c, j) => normalScores(table[c]!).forEach((z, i) => (data[i * d + j] = z)));
    const { alphaBar } = cosineSchedule(steps);
    const net = new Mlp({ sizes: [d + EMBEDDING, ...(options.hidden ?? [128, 128]), d], activation: 'relu', hiddenGain: Math.SQRT2, outputGain: 1 }, rng.stream('init'), 'tabddpm');
    const optimizer = tf.train.adam(options.learningRate ?? 2e-3);
    const all = tf.tensor2d(data, [n, d]);
    const order = new Int32Array(n).map((_, i) => i);
    const batches = rng.stream('batches');
    const noise = rng.stream('noise');
    const losses: number[] = [];
    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        batches.shuffle(order);
        let total = 0;
        let count = 0;
        for (let start = 0; start + batchSize <= n; start += batchSize) {
          const rows = order.subarray(start, start + batchSize);
          const t = Int32Array.from({ length: batchSize }, () => 1 + batches.int(steps));
          const eps = Float32Array.from({ length: batchSize * d }, () => normal(noise));
          const signal = Float32Array.from(t, (s) => Math.sqrt(alphaBar[s]!));
          const spread = Float32Array.from(t, (s) => Math.sqrt(1 - alphaBar[s]!));
          const indices = tf.tensor1d(rows, 'int32');
          const value = tf.tidy(() => {
            const x0 = tf.gather(all, indices) as tf.Tensor2D;
            const epsilon = tf.tensor2d(eps, [batchSize, d]);
            const xt = tf.add(tf.mul(x0, tf.tensor2d(signal, [batchSize, 1])), tf.mul(epsilon, tf.tensor2d(spread, [batchSize, 1])));
            const input = tf.concat([xt, tf.tensor2d(stepEmbedding(t, EMBEDDING), [batchSize, EMBEDDING])], 1) as tf.Tensor2D;
            const { value: loss, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(net.apply(input), epsilon))) as tf.Scalar, net.variables);
            optimizer.applyGradients(grads as never);
            return loss;
          });
          indices.dispose();
          total += value.dataSync()[0]! * batchSize;
          value.dispose();
          count += batchSize;
        }
        losses.push(total / Math.max(1, count));
      }
    } finally {
      all.dispose();
      optimizer.dispose();
    }
    const model: DiffusionModel = {
      kind: 'tabddpm',
      columns,
      marginals: columns.map((c) => Array.from(Float64Array.from(table[c]!).sort())),
      integer: columns.map((c) => table[c]!.every((v) => Number.isInteger(v))),
      steps,
      embedding: EMBEDDING,
      network: { sizes: net.spec.sizes, kernels: net.kernels.map((k) => Array.from(k.dataSync())), biases: net.biases.map((b) => Array.from(b.dataSync())) },
    };
    net.dispose();
    return { diffusion: new TabularDiffusion(model), losses };
  }

  sample(n: number, rng: Rng): Table {
    const { columns, marginals, integer, steps, embedding, network } = this.model;
    const d = columns.length;
    const { alphaBar, beta } = cosineSchedule(steps);
    const stream = rng.stream('tabddpm-sample');
    const draws = (count: number) => Float32Array.from({ length: count }, () => normal(stream));
    const scores = tf.tidy(() => {
      const kernels = network.kernels.map((k, i) => tf.tensor2d(k, [network.sizes[i]!, network.sizes[i + 1]!]));
      const biases = network.biases.map((b) => tf.tensor1d(b));
      const denoise = (input: tf.Tensor2D): tf.Tensor2D => {
        let h = input;
        kernels.forEach((kernel, layer) => {
          const z = tf.add(tf.matMul(h, kernel), biases[layer]!) as tf.Tensor2D;
          h = layer + 1 === kernels.length ? z : tf.relu(z);
        });
        return h;
      };
      let x = tf.tensor2d(draws(n * d), [n, d]);
      for (let t = steps; t >= 1; t--) {
        const next = tf.tidy(() => {
          const embed = tf.tile(tf.tensor2d(stepEmbedding([t], embedding), [1, embedding]), [n, 1]);
          const predicted = denoise(tf.concat([x, embed], 1) as tf.Tensor2D);
          const alpha = 1 - beta[t]!;
          const mean = tf.mul(tf.sub(x, tf.mul(predicted, beta[t]! / Math.sqrt(1 - alphaBar[t]!))), 1 / Math.sqrt(alpha));
          if (t === 1) return mean;
          const variance = (beta[t]! * (1 - alphaBar[t - 1]!)) / (1 - alphaBar[t]!);
          return tf.add(mean, tf.mul(tf.tensor2d(draws(n * d), [n, d]), Math.sqrt(variance)));
        });
        x.dispose();
        x = next as tf.Tensor2D;
      }
      return x;
    });
    const values = scores.dataSync();
    scores.dispose();
    const out: Table = Object.fromEntries(columns.map((c) => [c, new Float64Array(n)]));
    for (let j = 0; j < d; j++) {
      const column = out[columns[j]!]!;
      for (let r = 0; r < n; r++) column[r] = empiricalQuantile(marginals[j]!, normalCdf(values[r * d + j]!, 0, 1), integer[j]!);
    }
    return out;
  }

  save(path: string): Promise<void> {
    return saveModel(path, this.model);
  }

  static async load(path: string): Promise<TabularDiffusion> {
    await initBackend();
    return new TabularDiffusion(await loadModel<DiffusionModel>(path, 'tabddpm'));
  }
}
