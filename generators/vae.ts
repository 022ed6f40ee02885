/**
 * A TVAE-style variational autoencoder for numerical feature tables (after SDV's TVAE: MLP encoder and
 * decoder of (128, 128), loss = 2 x reconstruction + KL, Gaussian outputs with a learned sigma clamped to
 * [0.01, 1]). Columns are first mapped to normal scores through their empirical distribution, and samples
 * are mapped back through it (SDV uses a mode-specific Gaussian-mixture normalisation instead; not here yet).
 * Trained with Adam in tfjs; sampling draws the latent and output noise from our seeded stream.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { normal } from '../lib/distributions.ts';
import { Rng } from '../lib/rng.ts';
import { initBackend, tf } from '../lib/tf.ts';
import { JsMlp, Mlp, ownedVariable } from '../agents/nn.ts';
import type { Table } from './metrics.ts';
import { empiricalQuantile, normalScores } from './copula.ts';
import { loadModel, saveModel } from './model-io.ts';

export interface VaeOptions {
  seed?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  hidden?: number[];
  latent?: number;
  lossFactor?: number;
}

interface VaeModel {
  kind: 'tvae';
  columns: string[];
  marginals: number[][];
  integer: boolean[];
  latent: number;
  decoder: { sizes: number[]; kernels: number[][]; biases: number[][] };
  logSigma: number[];
}

export class TabularVae {
  private constructor(private readonly model: VaeModel) {}

  static async fit(table: Table, options: VaeOptions = {}): Promise<{ vae: TabularVae; losses: number[] }> {
    await initBackend();
    const columns = Object.keys(table);
    const n = table[columns[0]!]!.length;
    const d = columns.length;
    const latent = options.latent ?? 16;
    const hidden = options.hidden ?? [128, 128];
    const rng = Rng.create(options.seed ?? 1);
    const data = new Float32Array(n * d);
    columns.forEach((c, j) => normalScores(table[c]!).forEach((z, i) => (data[i * d + j] = z)));
    const encoder = new Mlp({ sizes: [d, ...hidden, 2 * latent], activation: 'relu', hiddenGain: Math.SQRT2, outputGain: 0.1 }, rng.stream('encoder'), 'vae_encoder');
    const decoder = new Mlp({ sizes: [latent, ...hidden, d], activation: 'relu', hiddenGain: Math.SQRT2, outputGain: 1 }, rng.stream('decoder'), 'vae_decoder');
    const logSigma = ownedVariable(tf.fill([d], Math.log(0.1)), `vae_logsigma#${Math.floor(rng.random() * 1e9)}`);
    const optimizer = tf.train.adam(options.learningRate ?? 1e-3);
    const batchSize = Math.min(options.batchSize ?? 500, n);
    const lossFactor = options.lossFactor ?? 2;
    const all = tf.tensor2d(data, [n, d]);
    const order = new Int32Array(n).map((_, i) => i);
    const shuffle = rng.stream('batches');
    const noise = rng.stream('noise');
    const losses: number[] = [];
    const variables = [...encoder.variables, ...decoder.variables, logSigma];
    for (let epoch = 0; epoch < (options.epochs ?? 300); epoch++) {
      shuffle.shuffle(order);
      let epochLoss = 0;
      let batches = 0;
      for (let start = 0; start + batchSize <= n; start += batchSize) {
        const eps = Float32Array.from({ length: batchSize * latent }, () => normal(noise));
        const indices = tf.tensor1d(order.subarray(start, start + batchSize), 'int32');
        const value = tf.tidy(() => {
          const x = tf.gather(all, indices) as tf.Tensor2D;
          const epsilon = tf.tensor2d(eps, [batchSize, latent]);
          const { value: loss, grads } = tf.variableGrads(() => {
            const stats = encoder.apply(x);
            const [mu, logVar] = tf.split(stats, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
            const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logVar)), epsilon)) as tf.Tensor2D;
            const mean = decoder.apply(z);
            const sigma = tf.clipByValue(tf.exp(logSigma), 0.01, 1);
            const reconstruction = tf.sum(tf.add(tf.div(tf.square(tf.sub(x, mean)), tf.mul(2, tf.square(sigma))), tf.log(sigma)));
            const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mu)), tf.exp(logVar))));
            return tf.div(tf.add(tf.mul(lossFactor, reconstruction), kl), batchSize) as tf.Scalar;
          }, variables);
          optimizer.applyGradients(grads as never);
          return loss;
        });
        indices.dispose();
        epochLoss += value.dataSync()[0]!;
        value.dispose();
        batches++;
      }
      losses.push(epochLoss / Math.max(1, batches));
    }
    const js = decoder.toJs();
    const model: VaeModel = {
      kind: 'tvae',
      columns,
      marginals: columns.map((c) => Array.from(Float64Array.from(table[c]!).sort())),
      integer: columns.map((c) => table[c]!.every((v) => Number.isInteger(v))),
      latent,
      decoder: { sizes: js.spec.sizes, kernels: js.kernels.map((k) => Array.from(k)), biases: js.biases.map((b) => Array.from(b)) },
      logSigma: Array.from(logSigma.dataSync()),
    };
    tf.dispose([all, logSigma]);
    encoder.dispose();
    decoder.dispose();
    optimizer.dispose();
    return { vae: new TabularVae(model), losses };
  }

  sample(n: number, rng: Rng): Table {
    const { columns, marginals, integer, latent, decoder, logSigma } = this.model;
    const net = new JsMlp({ sizes: decoder.sizes, activation: 'relu', hiddenGain: 1, outputGain: 1 }, decoder.kernels.map((k) => Float32Array.from(k)), decoder.biases.map((b) => Float32Array.from(b)));
    const d = columns.length;
    const out: Table = Object.fromEntries(columns.map((c) => [c, new Float64Array(n)]));
    const z = new Float32Array(latent);
    const sigma = logSigma.map((s) => Math.min(1, Math.max(0.01, Math.exp(s))));
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < latent; k++) z[k] = normal(rng);
      const mean = net.forward(z, 1);
      for (let j = 0; j < d; j++) {
        const score = mean[j]! + sigma[j]! * normal(rng);
        out[columns[j]!]![r] = empiricalQuantile(marginals[j]!, normalCdf(score, 0, 1), integer[j]!);
      }
    }
    return out;
  }

  save(path: string): Promise<void> {
    return saveModel(path, this.model);
  }

  static async load(path: string): Promise<TabularVae> {
    return new TabularVae(await loadModel<VaeModel>(path, 'tvae'));
  }
}
