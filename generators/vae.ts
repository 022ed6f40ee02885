/**
 * A TVAE-style variational autoencoder for numerical feature tables (after SDV's TVAE: MLP encoder and
 * decoder of (128, 128), loss = 2 x reconstruction + KL, Gaussian outputs with a learned sigma clamped to
 * [0.01, 1]). Columns are first mapped to normal scores through their marginal distribution, and samples
 * are mapped back through it (SDV uses a mode-specific Gaussian-mixture normalisation instead; not here yet).
 * Trained with Adam in tfjs; sampling draws the latent and output noise from our seeded stream.
 *
 * Marginals: the empirical distribution (sorted training values) without DP; with `dp`, a histogram on public
 * bounds released with the Gaussian mechanism (dp/marginals.ts), so that neither the preprocessing nor the
 * model file reads or holds raw values.
 *
 * Differential privacy (`dp: { epsilon, delta }`): DP-SGD (dp/dpsgd.ts) with Poisson sampling at rate
 * q = batchSize / n, per-example clipping to `maxGradNorm` and Gaussian noise; the noise multiplier is the
 * smallest that keeps the composition of the histogram release and all DP-SGD steps within (epsilon, delta)
 * by the RDP accountant (dp/accountant.ts). `preprocessingShare` of epsilon is what the histograms would
 * spend on their own; the curves are added before conversion, so the reported epsilon is the one total.
 * Per-epoch losses returned by `fit` are training diagnostics computed from the private rows: they are not
 * covered by the guarantee and should not be published.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { normal } from '../lib/distributions.ts';
import { Rng } from '../lib/rng.ts';
import { initBackend, tf } from '../lib/tf.ts';
import { JsMlp, Mlp, ownedVariable } from '../lib/nn.ts';
import type { Table } from './metrics.ts';
import { empiricalQuantile, normalScores } from './copula.ts';
import { loadModel, saveModel } from './model-io.ts';
import { composeRdp, computeRdp, gaussianMechanismRdp, gaussianNoiseFor, noiseMultiplierFor, privacySpent } from './dp/accountant.ts';
import { groupVariables, plainAccess, poissonSample, privateGradients, type ParameterAccess, type ParameterGroup } from './dp/dpsgd.ts';
import { addGaussianNoise, boundsFor, countColumn, histogramCdf, histogramCells, histogramQuantile, type ColumnBounds, type HistogramMarginal } from './dp/marginals.ts';

export interface DpOptions {
  /** Target total epsilon (all mechanisms that read the data). */
  epsilon: number;
  /** Target delta (e.g. 1e-5, well under 1 / rows). */
  delta: number;
  /** Per-example clipping norm C (default 1). */
  maxGradNorm?: number;
  /** Share of epsilon the marginal histograms would spend on their own (default 0.25), in (0, 1). */
  preprocessingShare?: number;
  /** Intervals of each column's public histogram grid (default 32). */
  intervals?: number;
  /** Public bounds per column; the member feature columns have defaults (dp/marginals.ts FEATURE_BOUNDS). */
  bounds?: Record<string, ColumnBounds>;
  /** Noisy counts under this many noise stds are zeroed (default 1). */
  threshold?: number;
}

export interface VaeOptions {
  seed?: number;
  epochs?: number;
  /** Batch size; under DP the EXPECTED batch size of Poisson sampling. */
  batchSize?: number;
  learningRate?: number;
  hidden?: number[];
  latent?: number;
  lossFactor?: number;
  dp?: DpOptions;
}

/** The privacy budget a DP-trained model spent, as saved with it. */
export interface PrivacyBudget {
  accountant: 'rdp';
  /** Total epsilon spent at `delta` by the composition of everything that read the data. */
  epsilon: number;
  delta: number;
  targetEpsilon: number;
  /** The RDP order at which the total was converted. */
  bestOrder: number;
  /** DP-SGD: noise multiplier sigma, sampling rate q, steps, clipping norm, expected batch. */
  noiseMultiplier: number;
  sampleRate: number;
  steps: number;
  maxGradNorm: number;
  expectedBatchSize: number;
  /** DP-SGD's epsilon on its own (for reference; the total is less than the sum of the parts). */
  dpSgdEpsilon: number;
  preprocessing: {
    mechanism: 'gaussian-histogram';
    /** Noise std of every count = noiseMultiplier x sqrt(columns) (the L2 sensitivity). */
    noiseMultiplier: number;
    /** The histograms' epsilon on their own at `delta`. */
    epsilon: number;
    share: number;
    intervals: number;
  };
}

interface VaeModel {
  kind: 'tvae';
  columns: string[];
  /** Sorted training values per column (empirical marginals); empty when `histograms` are given. */
  marginals: number[][];
  /** Public-grid histogram marginals (DP or federated training). */
  histograms?: HistogramMarginal[];
  integer: boolean[];
  latent: number;
  decoder: { sizes: number[]; kernels: number[][]; biases: number[][] };
  logSigma: number[];
  privacy?: PrivacyBudget;
  /** Federated training: the holders' names and, under DP, each holder's own budget. */
  federated?: { holders: string[]; rounds: number; localEpochs: number; mu: number; privacy?: Record<string, PrivacyBudget> };
}

let networks = 0;

/** The encoder, decoder and learned output log-sigma, with their DP-SGD parameter groups. */
export class VaeNetwork {
  readonly encoder: Mlp;
  readonly decoder: Mlp;
  readonly logSigma: tf.Variable;
  readonly groups: ParameterGroup[];
  readonly variables: tf.Variable[];

  constructor(
    readonly columns: number,
    readonly latent: number,
    hidden: number[],
    rng: Rng,
  ) {
    this.encoder = new Mlp({ sizes: [columns, ...hidden, 2 * latent], activation: 'relu', hiddenGain: Math.SQRT2, outputGain: 0.1 }, rng.stream('encoder'), 'vae_encoder');
    this.decoder = new Mlp({ sizes: [latent, ...hidden, columns], activation: 'relu', hiddenGain: Math.SQRT2, outputGain: 1 }, rng.stream('decoder'), 'vae_decoder');
    // tfjs variable names are global: a per-instance suffix lets several networks (holders) coexist.
    this.logSigma = ownedVariable(tf.fill([columns], Math.log(0.1)), `vae_logsigma#${networks++}`);
    this.groups = [
      ...this.encoder.kernels.map((kernel, l) => ({ kind: 'dense' as const, kernel, bias: this.encoder.biases[l]! })),
      ...this.decoder.kernels.map((kernel, l) => ({ kind: 'dense' as const, kernel, bias: this.decoder.biases[l]! })),
      { kind: 'vector' as const, variable: this.logSigma },
    ];
    this.variables = groupVariables(this.groups);
  }

  private mlp(access: ParameterAccess, first: number, layers: number, input: tf.Tensor2D): tf.Tensor2D {
    let x = input;
    for (let l = 0; l < layers; l++) {
      const z = access.dense(first + l, x);
      x = l + 1 === layers ? z : tf.relu(z);
    }
    return x;
  }

  /** Per-example loss lossFactor x Gaussian negative log-likelihood (up to a constant) + KL, for rows `x` with reparameterisation noise `eps`. */
  losses(access: ParameterAccess, x: tf.Tensor2D, eps: tf.Tensor2D, lossFactor: number): tf.Tensor1D {
    const encoderLayers = this.encoder.kernels.length;
    const stats = this.mlp(access, 0, encoderLayers, x);
    const [mu, logVar] = tf.split(stats, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logVar)), eps)) as tf.Tensor2D;
    const mean = this.mlp(access, encoderLayers, this.decoder.kernels.length, z);
    const logSigma = access.vector(this.groups.length - 1);
    const sigma = tf.clipByValue(tf.exp(logSigma), 0.01, 1);
    const reconstruction = tf.sum(tf.add(tf.div(tf.square(tf.sub(x, mean)), tf.mul(2, tf.square(sigma))), tf.log(sigma)), 1);
    const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mu)), tf.exp(logVar)), 1));
    return tf.add(tf.mul(lossFactor, reconstruction), kl) as tf.Tensor1D;
  }

  /** Weights as plain arrays, in groupVariables order (for federated averaging). */
  getWeights(): Float32Array[] {
    return this.variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  }

  setWeights(weights: Float32Array[]): void {
    if (weights.length !== this.variables.length) throw new RangeError(`expected ${this.variables.length} weight arrays, got ${weights.length}`);
    this.variables.forEach((v, k) => {
      const w = weights[k]!;
      if (w.length !== v.size) throw new RangeError(`weight array ${k} has ${w.length} values, expected ${v.size}`);
      tf.tidy(() => v.assign(tf.tensor(w, v.shape)));
    });
  }

  decoderWeights(): VaeModel['decoder'] {
    const js = this.decoder.toJs();
    return { sizes: js.spec.sizes, kernels: js.kernels.map((k) => Array.from(k)), biases: js.biases.map((b) => Array.from(b)) };
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.logSigma.dispose();
  }
}

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  lossFactor: number;
  optimizer: tf.Optimizer;
  /** DP-SGD: Poisson sampling at `sampleRate`; `batchSize` is the expected batch. */
  dp?: { noiseMultiplier: number; maxGradNorm: number; sampleRate: number };
  /** FedProx: adds mu / 2 ||w - anchor||^2 (anchor in groupVariables order). */
  prox?: { mu: number; anchor: tf.Tensor[] };
  /** Streams: batch order / Poisson sampling, reparameterisation noise, DP-SGD noise. */
  batches: Rng;
  noise: Rng;
  dpNoise: Rng;
}

/** DP-SGD steps in `epochs` epochs over n rows at expected batch size B: epochs x round(n / B). */
export function dpSteps(epochs: number, n: number, batchSize: number): number {
  return epochs * Math.max(1, Math.round(n / batchSize));
}

/** Trains `net` on normal-scored rows `data` ([n, d]); returns the mean per-example loss per epoch. */
export function trainVae(net: VaeNetwork, data: tf.Tensor2D, settings: TrainSettings): number[] {
  const n = data.shape[0];
  const latent = net.latent;
  const { batchSize, lossFactor, optimizer, dp, prox } = settings;
  const losses: number[] = [];
  const order = new Int32Array(n).map((_, i) => i);
  const stepOn = (rows: Int32Array): number => {
    const size = rows.length;
    const eps = Float32Array.from({ length: size * latent }, () => normal(settings.noise));
    const indices = tf.tensor1d(rows, 'int32');
    const value = tf.tidy(() => {
      const x = tf.gather(data, indices) as tf.Tensor2D;
      const epsilon = tf.tensor2d(eps, [size, latent]);
      if (dp !== undefined) {
        const loss = (access: ParameterAccess) => net.losses(access, x, epsilon, lossFactor);
        const { grads, losses: perExample } = privateGradients(net.groups, size, loss, { ...dp, expectedBatchSize: batchSize }, settings.dpNoise);
        const named = net.variables.map((v, k) => {
          // The proximal term reads no data: its gradient mu (w - anchor) is added after the noise.
          const g = prox !== undefined && prox.mu > 0 ? tf.add(grads[k]!, tf.mul(prox.mu, tf.sub(v, prox.anchor[k]!))) : grads[k]!;
          return { name: v.name, tensor: g };
        });
        optimizer.applyGradients(named);
        return tf.sum(perExample);
      }
      const { value: loss, grads } = tf.variableGrads(() => {
        let objective = tf.div(tf.sum(net.losses(plainAccess(net.groups, size), x, epsilon, lossFactor)), size) as tf.Scalar;
        if (prox !== undefined && prox.mu > 0) {
          const drift = tf.addN(net.variables.map((v, k) => tf.sum(tf.square(tf.sub(v, prox.anchor[k]!)))));
          objective = tf.add(objective, tf.mul(prox.mu / 2, drift));
        }
        return objective;
      }, net.variables);
      optimizer.applyGradients(grads as never);
      return tf.mul(loss, size);
    });
    indices.dispose();
    const sum = value.dataSync()[0]!;
    value.dispose();
    return sum;
  };
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    let total = 0;
    let count = 0;
    if (dp !== undefined) {
      const steps = dpSteps(1, n, batchSize);
      for (let s = 0; s < steps; s++) {
        const rows = poissonSample(n, dp.sampleRate, settings.batches);
        total += stepOn(rows);
        count += rows.length;
      }
    } else {
      settings.batches.shuffle(order);
      for (let start = 0; start + batchSize <= n; start += batchSize) {
        total += stepOn(order.subarray(start, start + batchSize));
        count += batchSize;
      }
    }
    losses.push(total / Math.max(1, count));
  }
  return losses;
}

/** Normal scores of a column through a histogram marginal's CDF (a fixed function of the released histogram). */
export function histogramScores(histogram: HistogramMarginal, column: ArrayLike<number>): Float64Array {
  return Float64Array.from(column, (x) => normalQuantile(Math.min(1 - 1e-4, Math.max(1e-4, histogramCdf(histogram, x))), 0, 1));
}

/** The DP preprocessing: every column's histogram on its public grid, with Gaussian noise of std sigma sqrt(d). */
export function privateHistograms(table: Table, columns: string[], bounds: ColumnBounds[], intervals: number, noiseMultiplier: number, rng: Rng, threshold = 1): HistogramMarginal[] {
  const std = noiseMultiplier * Math.sqrt(columns.length);
  return columns.map((c, j) => addGaussianNoise(countColumn(histogramCells(bounds[j]!, intervals), table[c]!), std, rng.stream('dp-histogram', j), threshold));
}

export interface ResolvedDp {
  epsilon: number;
  delta: number;
  maxGradNorm: number;
  share: number;
  intervals: number;
  threshold: number;
  bounds: ColumnBounds[];
}

/** Checks DP options and fills defaults. */
export function resolveDp(dp: DpOptions, columns: string[]): ResolvedDp {
  if (!(dp.epsilon > 0 && Number.isFinite(dp.epsilon))) throw new RangeError(`dp.epsilon must be a positive number, got ${dp.epsilon}`);
  if (!(dp.delta > 0 && dp.delta < 1)) throw new RangeError(`dp.delta must be in (0, 1), got ${dp.delta}`);
  const maxGradNorm = dp.maxGradNorm ?? 1;
  if (!(maxGradNorm > 0)) throw new RangeError(`dp.maxGradNorm must be > 0, got ${maxGradNorm}`);
  const share = dp.preprocessingShare ?? 0.25;
  if (!(share > 0 && share < 1)) throw new RangeError(`dp.preprocessingShare must be in (0, 1), got ${share}`);
  const intervals = dp.intervals ?? 32;
  if (!Number.isInteger(intervals) || intervals < 1) throw new RangeError(`dp.intervals must be a positive integer, got ${intervals}`);
  return { epsilon: dp.epsilon, delta: dp.delta, maxGradNorm, share, intervals, threshold: dp.threshold ?? 1, bounds: boundsFor(columns, dp.bounds) };
}

/** The budget plan of DP training on n rows: histogram noise, DP-SGD noise, and the total spent. */
export function planBudget(dp: ResolvedDp, n: number, batchSize: number, epochs: number): PrivacyBudget {
  const histogramSigma = gaussianNoiseFor(dp.share * dp.epsilon, dp.delta);
  const histogramRdp = gaussianMechanismRdp(histogramSigma);
  const sampleRate = Math.min(1, batchSize / n);
  const steps = dpSteps(epochs, n, batchSize);
  const noiseMultiplier = noiseMultiplierFor(dp.epsilon, dp.delta, sampleRate, steps, 0.01, histogramRdp);
  const dpSgdRdp = computeRdp(sampleRate, noiseMultiplier, steps);
  const total = privacySpent(composeRdp(histogramRdp, dpSgdRdp), dp.delta);
  return {
    accountant: 'rdp',
    epsilon: total.epsilon,
    delta: dp.delta,
    targetEpsilon: dp.epsilon,
    bestOrder: total.bestOrder,
    noiseMultiplier,
    sampleRate,
    steps,
    maxGradNorm: dp.maxGradNorm,
    expectedBatchSize: sampleRate * n,
    dpSgdEpsilon: privacySpent(dpSgdRdp, dp.delta).epsilon,
    preprocessing: { mechanism: 'gaussian-histogram', noiseMultiplier: histogramSigma, epsilon: privacySpent(histogramRdp, dp.delta).epsilon, share: dp.share, intervals: dp.intervals },
  };
}

/** Row-major normal scores ([n x d]) of a table's columns through per-column histograms. */
export function scoreMatrix(table: Table, columns: string[], histograms: HistogramMarginal[]): Float32Array {
  const n = table[columns[0]!]!.length;
  const d = columns.length;
  const data = new Float32Array(n * d);
  columns.forEach((c, j) => histogramScores(histograms[j]!, table[c]!).forEach((z, i) => (data[i * d + j] = z)));
  return data;
}

export class TabularVae {
  private constructor(private readonly model: VaeModel) {}

  /** Assembles a model from trained parts (federated training builds it this way). */
  static fromParts(parts: Omit<VaeModel, 'kind'>): TabularVae {
    return new TabularVae({ kind: 'tvae', ...parts });
  }

  /** The privacy budget spent in training (undefined without DP). */
  get privacy(): PrivacyBudget | undefined {
    return this.model.privacy;
  }

  /** Federated training details (undefined for a centrally trained model). */
  get federated(): VaeModel['federated'] {
    return this.model.federated;
  }

  get columns(): string[] {
    return [...this.model.columns];
  }

  static async fit(table: Table, options: VaeOptions = {}): Promise<{ vae: TabularVae; losses: number[] }> {
    await initBackend();
    const columns = Object.keys(table);
    if (columns.length === 0) throw new RangeError('cannot fit a VAE to a table with no columns');
    const n = table[columns[0]!]!.length;
    const d = columns.length;
    const latent = options.latent ?? 16;
    const hidden = options.hidden ?? [128, 128];
    const epochs = options.epochs ?? 300;
    const rng = Rng.create(options.seed ?? 1);
    const batchSize = Math.min(options.batchSize ?? 500, n);
    const dp = options.dp === undefined ? undefined : resolveDp(options.dp, columns);
    let data: Float32Array;
    let histograms: HistogramMarginal[] | undefined;
    let privacy: PrivacyBudget | undefined;
    if (dp !== undefined) {
      privacy = planBudget(dp, n, batchSize, epochs);
      histograms = privateHistograms(table, columns, dp.bounds, dp.intervals, privacy.preprocessing.noiseMultiplier, rng, dp.threshold);
      data = scoreMatrix(table, columns, histograms);
    } else {
      data = new Float32Array(n * d);
      columns.forEach((c, j) => normalScores(table[c]!).forEach((z, i) => (data[i * d + j] = z)));
    }
    const net = new VaeNetwork(d, latent, hidden, rng);
    const optimizer = tf.train.adam(options.learningRate ?? 1e-3);
    const all = tf.tensor2d(data, [n, d]);
    let losses: number[];
    try {
      losses = trainVae(net, all, {
        epochs,
        batchSize,
        lossFactor: options.lossFactor ?? 2,
        optimizer,
        dp: privacy === undefined ? undefined : { noiseMultiplier: privacy.noiseMultiplier, maxGradNorm: privacy.maxGradNorm, sampleRate: privacy.sampleRate },
        batches: rng.stream('batches'),
        noise: rng.stream('noise'),
        dpNoise: rng.stream('dp-noise'),
      });
    } finally {
      all.dispose();
      optimizer.dispose();
    }
    const model: VaeModel = {
      kind: 'tvae',
      columns,
      marginals: histograms === undefined ? columns.map((c) => Array.from(Float64Array.from(table[c]!).sort())) : [],
      ...(histograms === undefined ? {} : { histograms }),
      integer: dp !== undefined ? dp.bounds.map((b) => b.integer ?? false) : columns.map((c) => table[c]!.every((v) => Number.isInteger(v))),
      latent,
      decoder: net.decoderWeights(),
      logSigma: Array.from(net.logSigma.dataSync()),
      ...(privacy === undefined ? {} : { privacy }),
    };
    net.dispose();
    return { vae: new TabularVae(model), losses };
  }

  sample(n: number, rng: Rng): Table {
    const { columns, marginals, histograms, integer, latent, decoder, logSigma } = this.model;
    const net = new JsMlp({ sizes: decoder.sizes, activation: 'relu', hiddenGain: 1, outputGain: 1 }, decoder.kernels.map((k) => Float32Array.from(k)), decoder.biases.map((b) => Float32Array.from(b)));
    const d = columns.length;
    const out: Table = Object.fromEntries(columns.map((c) => [c, new Float64Array(n)]));
    const z = new Float32Array(latent);
    const sigma = logSigma.map((s) => Math.min(1, Math.max(0.01, Math.exp(s))));
    const quantiles = columns.map((_, j) => (histograms !== undefined ? histogramQuantile(histograms[j]!) : (u: number) => empiricalQuantile(marginals[j]!, u, integer[j]!)));
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < latent; k++) z[k] = normal(rng);
      const mean = net.forward(z, 1);
      for (let j = 0; j < d; j++) {
        const score = mean[j]! + sigma[j]! * normal(rng);
        out[columns[j]!]![r] = quantiles[j]!(normalCdf(score, 0, 1));
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
