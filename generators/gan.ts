/**
 * A CTGAN-style generator (Xu et al. 2019, as SDV's CTGANSynthesizer) for numerical feature tables, in tfjs:
 * - mode-specific normalisation (generators/gmm.ts): a continuous value becomes alpha in [-1, 1] (tanh output)
 *   plus a one-hot mode (Gumbel-softmax output, tau 0.2); discrete columns (`discreteColumns`, numeric codes)
 *   are one-hot (Gumbel-softmax);
 * - a conditional vector over the discrete columns with training-by-sampling: a discrete column uniformly,
 *   a category by log(count + 1), a real row with that category; the generator pays cross-entropy for
 *   missing the asked category;
 * - generator: residual layers (Linear -> BatchNorm -> ReLU, concatenated with the input), then Linear;
 *   discriminator on packs of `pac` rows (PacGAN, pac 10): Linear -> LeakyReLU(0.2) -> Dropout(0.5) per layer;
 * - WGAN-GP (lambda 10, penalty on per-pack gradient norms), Adam lr 2e-4, betas (0.5, 0.9), one
 *   discriminator step per generator step. CTGAN's sizes are the defaults (embedding 128, (256, 256) for both
 *   networks, batch 500, 300 epochs); CTGAN's Adam weight decay (1e-6) is left out (tfjs's Adam has none).
 * Every random draw (initialisation, noise, Gumbel noise, dropout masks, batches) comes from the seeded stream.
 * Sampling runs the generator in plain JS with batch-norm population statistics measured after training.
 *
 * Differential privacy (`dp`): only the discriminator reads real rows, so only it is trained with DP-SGD:
 * rows are Poisson-sampled with rate q, shuffled and cut into packs (leftovers dropped), each pack's
 * discriminator loss (real term, fake term and gradient penalty, which reads real rows through the
 * interpolates) is differentiated on its own and its gradient clipped to norm C; the sum gets N(0, (2 sigma C)^2)
 * noise and is divided by the expected number of packs. Sensitivity is 2C, not C: adding a record to the
 * batch changes one pack's gradient (it replaces a member of a pack, whose gradient moves by at most 2C) or,
 * when it completes the leftovers into a new pack, adds one gradient of norm <= C; the sum over packs does not
 * depend on their order, so these couplings of the shuffle are exact. The preprocessing reads the data too:
 * with `dp` the mode mixtures, point modes and category frequencies come from a Gaussian-noised histogram on
 * public bounds (`dp.bounds`, `dp.categories`; where missing they are taken from the data and listed in
 * `privacy.inferredFromData`, which voids the guarantee for those columns' bounds). The histogram has L2
 * sensitivity sqrt(columns); its RDP is composed with DP-SGD's in the accountant (generators/dp/accountant.ts).
 * With `dp`, real rows are drawn by Poisson sampling instead of training-by-sampling, the conditional vector
 * of a real row names a uniformly chosen discrete column's own category, and fake rows are conditioned on
 * categories drawn from the noisy frequencies.
 */
import { normal } from '../lib/distributions.ts';
import { Rng } from '../lib/rng.ts';
import { initBackend, tf } from '../lib/tf.ts';
import { computeRdp, noiseMultiplierFor, privacySpent } from './dp/accountant.ts';
import { poissonSample } from './dp/dpsgd.ts';
import {
  decodeValue,
  encodeValue,
  fitContinuousFromHistogram,
  fitContinuousTransform,
  modeCount,
  type ContinuousTransform,
  type TransformOptions,
} from './gmm.ts';
import type { Table } from './metrics.ts';
import { loadModel, saveModel } from './model-io.ts';

export interface DiscreteTransform {
  kind: 'discrete';
  /** The category codes, ascending. */
  values: number[];
  /** Their training frequencies (noisy under DP), summing to 1. */
  frequencies: number[];
}

export type ColumnTransform = ContinuousTransform | DiscreteTransform;

export interface GanDpOptions {
  epsilon: number;
  delta: number;
  /** Clip norm C of each pack's discriminator gradient (default 1). */
  maxGradNorm?: number;
  /** Share of epsilon and delta given to the preprocessing histogram (default 0.1). */
  preprocessingShare?: number;
  /** Public bounds of continuous columns. */
  bounds?: Record<string, [number, number]>;
  /** Public category codes of discrete columns. */
  categories?: Record<string, number[]>;
  /** Interior histogram bins per continuous column (default 32). */
  histogramBins?: number;
}

export interface GanPrivacy {
  epsilon: number;
  delta: number;
  /** DP-SGD noise multiplier (noise std = sigma x sensitivity). */
  noiseMultiplier: number;
  samplingRate: number;
  steps: number;
  maxGradNorm: number;
  /** L2 sensitivity of the summed pack gradients, in units of C. */
  sensitivity: number;
  histogramNoiseMultiplier: number;
  bestOrder: number;
  /** Columns whose bounds or categories were read from the data rather than given. */
  inferredFromData: string[];
}

export interface GanOptions {
  seed?: number;
  epochs?: number;
  /** Rows per step, a multiple of `pac` (CTGAN: 500). Under DP, the expected Poisson batch. */
  batchSize?: number;
  pac?: number;
  embeddingDim?: number;
  generatorDims?: number[];
  discriminatorDims?: number[];
  learningRate?: number;
  gradientPenalty?: number;
  /** Columns holding category codes rather than quantities. */
  discreteColumns?: string[];
  mixture?: TransformOptions;
  dp?: GanDpOptions;
  /** Called after each epoch (progress for the CLI). */
  onEpoch?: (epoch: number, losses: { generator: number; discriminator: number }) => void;
}

interface DenseJson {
  rows: number;
  cols: number;
  kernel: number[];
  bias: number[];
}

interface ResidualJson extends DenseJson {
  gamma: number[];
  beta: number[];
  mean: number[];
  variance: number[];
}

interface GanModel {
  kind: 'ctgan';
  columns: string[];
  transforms: ColumnTransform[];
  embeddingDim: number;
  generator: { residual: ResidualJson[]; output: DenseJson };
  privacy?: GanPrivacy;
}

interface Span {
  start: number;
  size: number;
  activation: 'tanh' | 'softmax';
}

const BN_EPS = 1e-5;
const GUMBEL_TAU = 0.2;

/** The encoded layout: per continuous column alpha then its modes; per discrete column its categories. */
function layout(transforms: ColumnTransform[]): { spans: Span[]; width: number; condOffsets: number[]; condWidth: number; discreteSpans: Span[] } {
  const spans: Span[] = [];
  const discreteSpans: Span[] = [];
  const condOffsets: number[] = [];
  let width = 0;
  let condWidth = 0;
  for (const t of transforms) {
    if (t.kind === 'continuous') {
      spans.push({ start: width, size: 1, activation: 'tanh' });
      spans.push({ start: width + 1, size: modeCount(t), activation: 'softmax' });
      width += 1 + modeCount(t);
    } else {
      const span: Span = { start: width, size: t.values.length, activation: 'softmax' };
      spans.push(span);
      discreteSpans.push(span);
      condOffsets.push(condWidth);
      condWidth += t.values.length;
      width += t.values.length;
    }
  }
  return { spans, width, condOffsets, condWidth, discreteSpans };
}

/** Draws an index from unnormalised non-negative weights. */
function drawIndex(weights: ArrayLike<number>, total: number, rng: Rng): number {
  let u = rng.random() * total;
  for (let j = 0; j < weights.length; j++) {
    u -= weights[j]!;
    if (u < 0) return j;
  }
  return weights.length - 1;
}

/** Training-by-sampling over the discrete columns (CTGAN's DataSampler). */
export class ConditionalSampler {
  /** Per discrete column: log(count + 1) per category, the training-by-sampling weights. */
  readonly logFrequencies: number[][];
  private readonly logTotals: number[];
  private readonly frequencyTotals: number[];

  constructor(
    readonly discrete: DiscreteTransform[],
    readonly condOffsets: number[],
    readonly condWidth: number,
    counts: number[][],
    /** Row indices per discrete column and category (absent under DP). */
    private readonly rowsByCategory?: Int32Array[][],
  ) {
    this.logFrequencies = counts.map((c) => c.map((v) => Math.log(Math.max(0, v) + 1)));
    this.logTotals = this.logFrequencies.map((f) => f.reduce((a, b) => a + b, 0));
    this.frequencyTotals = discrete.map((t) => t.frequencies.reduce((a, b) => a + b, 0));
  }

  get active(): boolean {
    return this.discrete.length > 0;
  }

  /** A (column, category) pair for training: the column uniformly, the category by log-frequency. */
  drawTraining(rng: Rng): { column: number; category: number } {
    const column = rng.int(this.discrete.length);
    return { column, category: drawIndex(this.logFrequencies[column]!, this.logTotals[column]!, rng) };
  }

  /** A (column, category) pair as in the data: the column uniformly, the category by its frequency. */
  drawOriginal(rng: Rng): { column: number; category: number } {
    const column = rng.int(this.discrete.length);
    return { column, category: drawIndex(this.discrete[column]!.frequencies, this.frequencyTotals[column]!, rng) };
  }

  /** A real row holding that category. */
  drawRow(column: number, category: number, rng: Rng): number {
    const rows = this.rowsByCategory![column]![category]!;
    return rows[rng.int(rows.length)]!;
  }
}

let instances = 0;

function uniformInit(rows: number, cols: number, rng: Rng): { kernel: Float32Array; bias: Float32Array } {
  // PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases.
  const bound = 1 / Math.sqrt(rows);
  const kernel = new Float32Array(rows * cols);
  for (let i = 0; i < kernel.length; i++) kernel[i] = (2 * rng.random() - 1) * bound;
  const bias = new Float32Array(cols);
  for (let i = 0; i < cols; i++) bias[i] = (2 * rng.random() - 1) * bound;
  return { kernel, bias };
}

function variable(values: Float32Array, shape: number[], name: string): tf.Variable {
  const initial = tf.tensor(values, shape);
  const v = tf.variable(initial, true, `${name}#${instances++}`);
  initial.dispose();
  return v;
}

interface Dense {
  kernel: tf.Variable;
  bias: tf.Variable;
  rows: number;
  cols: number;
}

function dense(rows: number, cols: number, rng: Rng, name: string): Dense {
  const { kernel, bias } = uniformInit(rows, cols, rng);
  return { kernel: variable(kernel, [rows, cols], `${name}/kernel`), bias: variable(bias, [cols], `${name}/bias`), rows, cols };
}

interface Residual extends Dense {
  gamma: tf.Variable;
  beta: tf.Variable;
}

class TfGenerator {
  readonly residual: Residual[] = [];
  readonly output: Dense;

  constructor(input: number, dims: number[], width: number, rng: Rng) {
    let size = input;
    dims.forEach((h, i) => {
      const layer = dense(size, h, rng.stream('residual', i), `ctgan_generator/residual${i}`);
      this.residual.push({ ...layer, gamma: variable(new Float32Array(h).fill(1), [h], `ctgan_generator/gamma${i}`), beta: variable(new Float32Array(h), [h], `ctgan_generator/beta${i}`) });
      size += h;
    });
    this.output = dense(size, width, rng.stream('output'), 'ctgan_generator/output');
  }

  get variables(): tf.Variable[] {
    return [...this.residual.flatMap((l) => [l.kernel, l.bias, l.gamma, l.beta]), this.output.kernel, this.output.bias];
  }

  /** Forward with batch statistics (training mode); `moments` collects them when given. */
  apply(input: tf.Tensor2D, moments?: { mean: tf.Tensor1D; variance: tf.Tensor1D }[]): tf.Tensor2D {
    let x = input;
    for (const layer of this.residual) {
      const h = tf.add(tf.matMul(x, layer.kernel), layer.bias) as tf.Tensor2D;
      const { mean, variance } = tf.moments(h, 0);
      if (moments) moments.push({ mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D });
      const normalised = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, BN_EPS))), layer.gamma), layer.beta);
      x = tf.concat([tf.relu(normalised), x], 1) as tf.Tensor2D;
    }
    return tf.add(tf.matMul(x, this.output.kernel), this.output.bias) as tf.Tensor2D;
  }

  dispose(): void {
    tf.dispose(this.variables);
  }
}

class TfDiscriminator {
  readonly layers: Dense[] = [];

  constructor(input: number, dims: number[], rng: Rng) {
    let size = input;
    dims.forEach((h, i) => {
      this.layers.push(dense(size, h, rng.stream('layer', i), `ctgan_discriminator/layer${i}`));
      size = h;
    });
    this.layers.push(dense(size, 1, rng.stream('output'), 'ctgan_discriminator/output'));
  }

  get variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.kernel, l.bias]);
  }

  /** Scores packs; `masks` are the dropout masks (already scaled by 1 / keep) of the hidden layers. */
  apply(x: tf.Tensor2D, masks: tf.Tensor2D[]): tf.Tensor2D {
    let h = x;
    this.layers.forEach((layer, i) => {
      const z = tf.add(tf.matMul(h, layer.kernel), layer.bias) as tf.Tensor2D;
      // LeakyReLU(0.2) as 0.6 z + 0.4 |z|: tfjs's leakyRelu has no second-order gradient, which the
      // gradient penalty needs.
      h = i + 1 === this.layers.length ? z : (tf.mul(tf.add(tf.mul(0.6, z), tf.mul(0.4, tf.abs(z))), masks[i]!) as tf.Tensor2D);
    });
    return h;
  }

  dispose(): void {
    tf.dispose(this.variables);
  }
}

/** Column transforms from the data (non-private). */
function fitTransforms(table: Table, columns: string[], discrete: Set<string>, rng: Rng, options: TransformOptions): { transforms: ColumnTransform[]; counts: number[][] } {
  const counts: number[][] = [];
  const transforms = columns.map((c, j): ColumnTransform => {
    const values = table[c]!;
    if (!discrete.has(c)) return fitContinuousTransform(values, rng.stream('column', j), options);
    const tally = new Map<number, number>();
    for (const v of values) tally.set(v, (tally.get(v) ?? 0) + 1);
    const codes = [...tally.keys()].sort((a, b) => a - b);
    const count = codes.map((v) => tally.get(v)!);
    counts.push(count);
    return { kind: 'discrete', values: codes, frequencies: count.map((k) => k / values.length) };
  });
  return { transforms, counts };
}

/** Column transforms from a Gaussian-noised histogram (the DP path). */
function fitTransformsPrivately(
  table: Table,
  columns: string[],
  discrete: Set<string>,
  dp: GanDpOptions,
  noiseStd: number,
  rng: Rng,
  options: TransformOptions,
): { transforms: ColumnTransform[]; counts: number[][]; inferred: string[] } {
  const inferred: string[] = [];
  const noise = rng.stream('histogram-noise');
  const bins = dp.histogramBins ?? 32;
  const counts: number[][] = [];
  const transforms = columns.map((c, j): ColumnTransform => {
    const values = table[c]!;
    if (discrete.has(c)) {
      let codes = dp.categories?.[c];
      if (codes === undefined) {
        inferred.push(c);
        codes = [...new Set(values)].sort((a, b) => a - b);
      }
      const index = new Map(codes.map((v, k) => [v, k]));
      const count = new Array<number>(codes.length).fill(0);
      for (const v of values) {
        const k = index.get(v);
        if (k === undefined) throw new RangeError(`column '${c}' holds ${v}, not among dp.categories`);
        count[k]!++;
      }
      const noisy = count.map((k) => Math.max(0, k + noiseStd * normal(noise)));
      counts.push(noisy);
      const total = noisy.reduce((a, b) => a + b, 0);
      // With every noisy count at zero nothing is known: uniform.
      const frequencies = total > 0 ? noisy.map((k) => k / total) : noisy.map(() => 1 / noisy.length);
      return { kind: 'discrete', values: codes.slice(), frequencies };
    }
    let bounds = dp.bounds?.[c];
    if (bounds === undefined) {
      inferred.push(c);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of values) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      bounds = [lo, hi];
    }
    const [lo, hi] = bounds;
    if (!(hi >= lo)) throw new RangeError(`dp.bounds of '${c}' must be [low, high] with low <= high`);
    let low = 0;
    let high = 0;
    const interior = new Float64Array(bins);
    let integer = true;
    for (const v of values) {
      if (!Number.isInteger(v)) integer = false;
      // Values outside public bounds are clamped onto them (the bounds are the contract).
      if (v <= lo) low++;
      else if (v >= hi) high++;
      else interior[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]!++;
    }
    const histogram = {
      low: low + noiseStd * normal(noise),
      high: high + noiseStd * normal(noise),
      bins: interior.map((k) => k + noiseStd * normal(noise)),
    };
    // Whether a column holds integers is schema, like its name.
    return fitContinuousFromHistogram(histogram, [lo, hi], integer, rng.stream('column', j), options);
  });
  return { transforms, counts, inferred };
}

function encodeTable(table: Table, columns: string[], transforms: ColumnTransform[], spans: Span[], width: number, rng: Rng): Float32Array {
  const n = table[columns[0]!]!.length;
  const data = new Float32Array(n * width);
  let s = 0;
  columns.forEach((c, j) => {
    const t = transforms[j]!;
    const values = table[c]!;
    if (t.kind === 'continuous') {
      const alphaSpan = spans[s++]!;
      const modeSpan = spans[s++]!;
      const posterior = new Float64Array(modeCount(t));
      for (let i = 0; i < n; i++) {
        const { mode, alpha } = encodeValue(t, Math.min(t.max, Math.max(t.min, values[i]!)), rng, posterior);
        data[i * width + alphaSpan.start] = alpha;
        data[i * width + modeSpan.start + mode] = 1;
      }
    } else {
      const span = spans[s++]!;
      const index = new Map(t.values.map((v, k) => [v, k]));
      for (let i = 0; i < n; i++) data[i * width + span.start + index.get(values[i]!)!] = 1;
    }
  });
  return data;
}

/** The generator's raw output through its activations: tanh for alphas, Gumbel-softmax (tau 0.2) for one-hots. */
function activate(raw: tf.Tensor2D, spans: Span[], gumbel: tf.Tensor2D): tf.Tensor2D {
  const parts = spans.map((span) => {
    const slice = tf.slice(raw, [0, span.start], [-1, span.size]);
    if (span.activation === 'tanh') return tf.tanh(slice);
    return tf.softmax(tf.div(tf.add(slice, tf.slice(gumbel, [0, span.start], [-1, span.size])), GUMBEL_TAU));
  });
  return tf.concat(parts, 1) as tf.Tensor2D;
}

function gumbelNoise(rows: number, width: number, rng: Rng): Float32Array {
  const out = new Float32Array(rows * width);
  for (let i = 0; i < out.length; i++) out[i] = -Math.log(-Math.log(Math.min(1 - 1e-12, Math.max(1e-20, rng.random()))));
  return out;
}

function normals(count: number, rng: Rng): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = normal(rng);
  return out;
}

/** Dropout masks (keep 0.5, scaled by 2) for the discriminator's hidden layers. */
function dropoutMasks(rows: number, dims: number[], rng: Rng): tf.Tensor2D[] {
  return dims.map((h) => {
    const mask = new Float32Array(rows * h);
    for (let i = 0; i < mask.length; i++) mask[i] = rng.random32() < 0.5 ? 0 : 2;
    return tf.tensor2d(mask, [rows, h]);
  });
}

/** Copies a trained dense layer out as JSON-ready arrays. */
function denseJson(layer: Dense): DenseJson {
  return { rows: layer.rows, cols: layer.cols, kernel: Array.from(layer.kernel.dataSync()), bias: Array.from(layer.bias.dataSync()) };
}

export class TabularGan {
  private weights?: { kernels: Float32Array[]; biases: Float32Array[]; scale: Float64Array[]; shift: Float64Array[]; outKernel: Float32Array; outBias: Float32Array };

  private constructor(private readonly model: GanModel) {}

  /** The privacy spent in training (absent when trained without DP). */
  get privacy(): GanPrivacy | undefined {
    return this.model.privacy;
  }

  get transforms(): readonly ColumnTransform[] {
    return this.model.transforms;
  }

  static async fit(table: Table, options: GanOptions = {}): Promise<{ gan: TabularGan; generatorLosses: number[]; discriminatorLosses: number[] }> {
    await initBackend();
    const columns = Object.keys(table);
    if (columns.length === 0) throw new RangeError('cannot fit a GAN to a table with no columns');
    const n = table[columns[0]!]!.length;
    const pac = options.pac ?? 10;
    const discreteNames = new Set(options.discreteColumns ?? []);
    for (const c of discreteNames) if (!(c in table)) throw new RangeError(`discrete column '${c}' is not in the table`);
    if (n < pac) throw new RangeError(`a GAN with pac ${pac} needs at least ${pac} rows, got ${n}`);
    const rng = Rng.create(options.seed ?? 1);
    const epochs = options.epochs ?? 300;
    const dp = options.dp;
    const batchSize = Math.max(pac, Math.floor(Math.min(options.batchSize ?? 500, n) / pac) * pac);
    const stepsPerEpoch = Math.max(1, Math.floor(n / batchSize));
    const totalSteps = epochs * stepsPerEpoch;

    // Privacy calibration first: the histogram's noise depends on it.
    let privacy: GanPrivacy | undefined;
    let histogramStd = 0;
    const maxGradNorm = dp?.maxGradNorm ?? 1;
    const sensitivity = 2;
    if (dp) {
      if (!(dp.epsilon > 0) || !(dp.delta > 0 && dp.delta < 1)) throw new RangeError('dp needs epsilon > 0 and delta in (0, 1)');
      const share = dp.preprocessingShare ?? 0.1;
      if (!(share > 0 && share < 1)) throw new RangeError(`dp.preprocessingShare must be in (0, 1), got ${share}`);
      const samplingRate = Math.min(1, batchSize / n);
      const sigma = noiseMultiplierFor(dp.epsilon * (1 - share), dp.delta * (1 - share), samplingRate, totalSteps);
      const histogramSigma = noiseMultiplierFor(dp.epsilon * share, dp.delta * share, 1, 1);
      const rdpSgd = computeRdp(samplingRate, sigma, totalSteps);
      const rdpHistogram = computeRdp(1, histogramSigma, 1);
      const spent = privacySpent(rdpSgd.map((v, k) => v + rdpHistogram[k]!), dp.delta);
      histogramStd = histogramSigma * Math.sqrt(columns.length);
      privacy = {
        epsilon: spent.epsilon,
        delta: dp.delta,
        noiseMultiplier: sigma,
        samplingRate,
        steps: totalSteps,
        maxGradNorm,
        sensitivity,
        histogramNoiseMultiplier: histogramSigma,
        bestOrder: spent.bestOrder,
        inferredFromData: [],
      };
    }

    const mixtureOptions = options.mixture ?? {};
    const fitted = dp
      ? fitTransformsPrivately(table, columns, discreteNames, dp, histogramStd, rng.stream('transforms'), mixtureOptions)
      : { ...fitTransforms(table, columns, discreteNames, rng.stream('transforms'), mixtureOptions), inferred: [] };
    if (privacy) privacy.inferredFromData = fitted.inferred;
    const transforms = fitted.transforms;
    const { spans, width, condOffsets, condWidth, discreteSpans } = layout(transforms);
    const data = encodeTable(table, columns, transforms, spans, width, rng.stream('encode'));
    const discrete = transforms.filter((t): t is DiscreteTransform => t.kind === 'discrete');
    let rowsByCategory: Int32Array[][] | undefined;
    if (!dp && discrete.length > 0) {
      rowsByCategory = discreteSpans.map((span) =>
        Array.from({ length: span.size }, (_, k) => {
          const rows: number[] = [];
          for (let i = 0; i < n; i++) if (data[i * width + span.start + k] === 1) rows.push(i);
          return Int32Array.from(rows);
        }),
      );
    }
    const sampler = new ConditionalSampler(discrete, condOffsets, condWidth, fitted.counts, rowsByCategory);

    const embedding = options.embeddingDim ?? 128;
    const generatorDims = options.generatorDims ?? [256, 256];
    const discriminatorDims = options.discriminatorDims ?? [256, 256];
    const generator = new TfGenerator(embedding + condWidth, generatorDims, width, rng.stream('generator-init'));
    const discriminator = new TfDiscriminator(pac * (width + condWidth), discriminatorDims, rng.stream('discriminator-init'));
    const learningRate = options.learningRate ?? 2e-4;
    const optimizerG = tf.train.adam(learningRate, 0.5, 0.9);
    const optimizerD = tf.train.adam(learningRate, 0.5, 0.9);
    const lambda = options.gradientPenalty ?? 10;
    const all = tf.tensor2d(data, [n, width]);
    const draws = rng.stream('training');
    const generatorLosses: number[] = [];
    const discriminatorLosses: number[] = [];

    /** Conditional vectors for `rows` fake rows (training-by-sampling, or the noisy frequencies under DP). */
    const drawConditions = (rows: number, forTraining: boolean): { cond: Float32Array; columns: Int32Array; categories: Int32Array } => {
      const cond = new Float32Array(rows * condWidth);
      const picked = new Int32Array(rows);
      const categories = new Int32Array(rows);
      if (!sampler.active) return { cond, columns: picked, categories };
      for (let i = 0; i < rows; i++) {
        const { column, category } = forTraining && !dp ? sampler.drawTraining(draws) : sampler.drawOriginal(draws);
        picked[i] = column;
        categories[i] = category;
        cond[i * condWidth + condOffsets[column]! + category] = 1;
      }
      return { cond, columns: picked, categories };
    };

    /** Generator output for `rows` rows under `cond`, through its activations. */
    const fake = (rows: number, cond: Float32Array): { raw: tf.Tensor2D; activated: tf.Tensor2D } => {
      const z = tf.tensor2d(normals(rows * embedding, draws), [rows, embedding]);
      const input = condWidth > 0 ? (tf.concat([z, tf.tensor2d(cond, [rows, condWidth])], 1) as tf.Tensor2D) : z;
      const raw = generator.apply(input);
      return { raw, activated: activate(raw, spans, tf.tensor2d(gumbelNoise(rows, width, draws), [rows, width])) };
    };

    const withCond = (x: tf.Tensor2D, cond: Float32Array, rows: number): tf.Tensor2D => (condWidth > 0 ? (tf.concat([x, tf.tensor2d(cond, [rows, condWidth])], 1) as tf.Tensor2D) : x);
    const packs = (x: tf.Tensor2D): tf.Tensor2D => tf.reshape(x, [x.shape[0] / pac, pac * (width + condWidth)]);

    /** WGAN-GP critic loss on packed real and fake rows (gradient penalty on per-pack interpolates). */
    const criticLoss = (realPacks: tf.Tensor2D, fakePacks: tf.Tensor2D): tf.Scalar => {
      const count = realPacks.shape[0];
      const yReal = discriminator.apply(realPacks, dropoutMasks(count, discriminatorDims, draws));
      const yFake = discriminator.apply(fakePacks, dropoutMasks(count, discriminatorDims, draws));
      const alpha = tf.tensor2d(Float32Array.from({ length: count }, () => draws.random()), [count, 1]);
      const interpolates = tf.add(tf.mul(alpha, realPacks), tf.mul(tf.sub(1, alpha), fakePacks)) as tf.Tensor2D;
      const masks = dropoutMasks(count, discriminatorDims, draws);
      const gradient = tf.grad((x: tf.Tensor) => tf.sum(discriminator.apply(x as tf.Tensor2D, masks)))(interpolates);
      const norms = tf.sqrt(tf.add(tf.sum(tf.square(gradient), 1), 1e-12));
      const penalty = tf.mul(lambda, tf.mean(tf.square(tf.sub(norms, 1))));
      return tf.add(tf.sub(tf.mean(yFake), tf.mean(yReal)), penalty) as tf.Scalar;
    };

    /** Cross-entropy of the generator's logits on each row's asked category (masked to its column). */
    const conditionLoss = (raw: tf.Tensor2D, picked: Int32Array, categories: Int32Array, rows: number): tf.Scalar => {
      const terms = discreteSpans.map((span, j) => {
        const logits = tf.slice(raw, [0, span.start], [-1, span.size]);
        const target = new Float32Array(rows * span.size);
        const mask = new Float32Array(rows);
        for (let i = 0; i < rows; i++) {
          if (picked[i] !== j) continue;
          mask[i] = 1;
          target[i * span.size + categories[i]!] = 1;
        }
        const crossEntropy = tf.neg(tf.sum(tf.mul(tf.tensor2d(target, [rows, span.size]), tf.logSoftmax(logits)), 1));
        return tf.sum(tf.mul(crossEntropy, tf.tensor1d(mask)));
      });
      return tf.div(tf.addN(terms), rows) as tf.Scalar;
    };

    const dVariables = discriminator.variables;
    const gVariables = generator.variables;
    const expectedPacks = dp ? (privacy!.samplingRate * n) / pac : 0;

    /** One DP-SGD discriminator step: Poisson sample, per-pack clipped gradients, noise, step. */
    const privateDiscriminatorStep = (): number => {
      const sampled = Array.from(poissonSample(n, privacy!.samplingRate, draws));
      draws.shuffle(sampled);
      const count = Math.floor(sampled.length / pac);
      const sums = dVariables.map((v) => tf.zeros(v.shape));
      let lossTotal = 0;
      for (let p = 0; p < count; p++) {
        const rows = sampled.slice(p * pac, (p + 1) * pac);
        const loss = tf.tidy(() => {
          // A real row's condition is its own category in a uniformly chosen discrete column.
          const realCond = new Float32Array(pac * condWidth);
          if (sampler.active) {
            rows.forEach((row, r) => {
              const column = draws.int(discreteSpans.length);
              const span = discreteSpans[column]!;
              for (let k = 0; k < span.size; k++) if (data[row * width + span.start + k] === 1) realCond[r * condWidth + condOffsets[column]! + k] = 1;
            });
          }
          const { cond } = drawConditions(pac, false);
          const fakeRows = fake(pac, cond).activated;
          const real = tf.gather(all, tf.tensor1d(Int32Array.from(rows), 'int32')) as tf.Tensor2D;
          const realPacks = packs(withCond(real, realCond, pac));
          const fakePacks = packs(withCond(fakeRows, cond, pac));
          const { value, grads } = tf.variableGrads(() => criticLoss(realPacks, fakePacks), dVariables);
          const list = dVariables.map((v) => grads[v.name]!);
          const norm = Math.sqrt(list.reduce((acc, g) => acc + tf.sum(tf.square(g)).dataSync()[0]!, 0));
          const scale = 1 / Math.max(1, norm / maxGradNorm);
          list.forEach((g, k) => {
            const next = tf.keep(tf.add(sums[k]!, tf.mul(g, scale)));
            sums[k]!.dispose();
            sums[k] = next;
          });
          return value;
        });
        lossTotal += loss.dataSync()[0]!;
        loss.dispose();
      }
      const noiseStd = privacy!.noiseMultiplier * sensitivity * maxGradNorm;
      tf.tidy(() => {
        const grads: Record<string, tf.Tensor> = {};
        dVariables.forEach((v, k) => {
          const noise = tf.tensor(normals(v.size, draws), v.shape);
          grads[v.name] = tf.div(tf.add(sums[k]!, tf.mul(noise, noiseStd)), expectedPacks);
        });
        optimizerD.applyGradients(grads as never);
      });
      tf.dispose(sums);
      return count > 0 ? lossTotal / count : 0;
    };

    const discriminatorStep = (): number => {
      const { cond, columns: picked, categories } = drawConditions(batchSize, true);
      // Real rows for a permutation of the same conditions (CTGAN's `perm`), or uniformly without any.
      const permutation = Int32Array.from({ length: batchSize }, (_, i) => i);
      draws.shuffle(permutation);
      const realRows = new Int32Array(batchSize);
      const realCond = new Float32Array(batchSize * condWidth);
      for (let i = 0; i < batchSize; i++) {
        if (sampler.active) {
          const source = permutation[i]!;
          realRows[i] = sampler.drawRow(picked[source]!, categories[source]!, draws);
          realCond.set(cond.subarray(source * condWidth, (source + 1) * condWidth), i * condWidth);
        } else realRows[i] = draws.int(n);
      }
      const loss = tf.tidy(() => {
        const fakeRows = fake(batchSize, cond).activated;
        const real = tf.gather(all, tf.tensor1d(realRows, 'int32')) as tf.Tensor2D;
        const realPacks = packs(withCond(real, realCond, batchSize));
        const fakePacks = packs(withCond(fakeRows, cond, batchSize));
        const { value, grads } = tf.variableGrads(() => criticLoss(realPacks, fakePacks), dVariables);
        optimizerD.applyGradients(grads as never);
        return value;
      });
      const value = loss.dataSync()[0]!;
      loss.dispose();
      return value;
    };

    const generatorStep = (): number => {
      const { cond, columns: picked, categories } = drawConditions(batchSize, true);
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const { raw, activated } = fake(batchSize, cond);
          const score = discriminator.apply(packs(withCond(activated, cond, batchSize)), dropoutMasks(batchSize / pac, discriminatorDims, draws));
          const adversarial = tf.neg(tf.mean(score));
          return (sampler.active ? tf.add(adversarial, conditionLoss(raw, picked, categories, batchSize)) : adversarial) as tf.Scalar;
        }, gVariables);
        optimizerG.applyGradients(grads as never);
        return value;
      });
      const value = loss.dataSync()[0]!;
      loss.dispose();
      return value;
    };

    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        let dTotal = 0;
        let gTotal = 0;
        for (let step = 0; step < stepsPerEpoch; step++) {
          dTotal += dp ? privateDiscriminatorStep() : discriminatorStep();
          gTotal += generatorStep();
        }
        generatorLosses.push(gTotal / stepsPerEpoch);
        discriminatorLosses.push(dTotal / stepsPerEpoch);
        options.onEpoch?.(epoch, { generator: gTotal / stepsPerEpoch, discriminator: dTotal / stepsPerEpoch });
      }

      // Batch-norm population statistics: the batch moments of one large batch of conditions as sampled.
      const statsRows = Math.max(2000, batchSize);
      const { cond } = drawConditions(statsRows, false);
      const stats = tf.tidy(() => {
        const moments: { mean: tf.Tensor1D; variance: tf.Tensor1D }[] = [];
        const z = tf.tensor2d(normals(statsRows * embedding, draws), [statsRows, embedding]);
        generator.apply(condWidth > 0 ? (tf.concat([z, tf.tensor2d(cond, [statsRows, condWidth])], 1) as tf.Tensor2D) : z, moments);
        return moments.map((m) => ({ mean: Array.from(m.mean.dataSync()), variance: Array.from(m.variance.dataSync()) }));
      });
      const model: GanModel = {
        kind: 'ctgan',
        columns,
        transforms,
        embeddingDim: embedding,
        generator: {
          residual: generator.residual.map((layer, i) => ({
            ...denseJson(layer),
            gamma: Array.from(layer.gamma.dataSync()),
            beta: Array.from(layer.beta.dataSync()),
            mean: stats[i]!.mean,
            variance: stats[i]!.variance,
          })),
          output: denseJson(generator.output),
        },
        ...(privacy ? { privacy } : {}),
      };
      return { gan: new TabularGan(model), generatorLosses, discriminatorLosses };
    } finally {
      all.dispose();
      generator.dispose();
      discriminator.dispose();
      optimizerG.dispose();
      optimizerD.dispose();
    }
  }

  private prepared(): NonNullable<TabularGan['weights']> {
    if (this.weights) return this.weights;
    const { residual, output } = this.model.generator;
    this.weights = {
      kernels: residual.map((l) => Float32Array.from(l.kernel)),
      biases: residual.map((l) => Float32Array.from(l.bias)),
      // Batch norm folded to one scale and shift per unit.
      scale: residual.map((l) => Float64Array.from(l.gamma, (g, j) => g / Math.sqrt(l.variance[j]! + BN_EPS))),
      shift: residual.map((l) => Float64Array.from(l.beta, (b, j) => b - (l.gamma[j]! * l.mean[j]!) / Math.sqrt(l.variance[j]! + BN_EPS))),
      outKernel: Float32Array.from(output.kernel),
      outBias: Float32Array.from(output.bias),
    };
    return this.weights;
  }

  /** Draws n rows from `rng`: latent noise, a condition as in the data, the generator, then decoding. */
  sample(n: number, rng: Rng): Table {
    const { columns, transforms, embeddingDim, generator } = this.model;
    const { spans, width, condOffsets, condWidth } = layout(transforms);
    const discrete = transforms.filter((t): t is DiscreteTransform => t.kind === 'discrete');
    const sampler = new ConditionalSampler(discrete, condOffsets, condWidth, discrete.map((t) => t.frequencies));
    const { kernels, biases, scale, shift, outKernel, outBias } = this.prepared();
    const inputSize = embeddingDim + condWidth;
    const total = inputSize + generator.residual.reduce((a, l) => a + l.cols, 0);
    // The residual stack concatenates [h_L, ..., h_1, input]: fill the buffer from the back.
    const x = new Float64Array(total);
    const out = new Float64Array(width);
    const result: Table = Object.fromEntries(columns.map((c) => [c, new Float64Array(n)]));
    const targets = columns.map((c) => result[c]!);
    for (let r = 0; r < n; r++) {
      let offset = total - inputSize;
      for (let k = 0; k < embeddingDim; k++) x[offset + k] = normal(rng);
      for (let k = embeddingDim; k < inputSize; k++) x[offset + k] = 0;
      if (sampler.active) {
        const { column, category } = sampler.drawOriginal(rng);
        x[offset + embeddingDim + condOffsets[column]! + category] = 1;
      }
      generator.residual.forEach((layer, l) => {
        const rows = layer.rows;
        const cols = layer.cols;
        const kernel = kernels[l]!;
        const bias = biases[l]!;
        const next = offset - cols;
        for (let j = 0; j < cols; j++) x[next + j] = bias[j]!;
        for (let i = 0; i < rows; i++) {
          const v = x[offset + i]!;
          if (v === 0) continue;
          const base = i * cols;
          for (let j = 0; j < cols; j++) x[next + j] = x[next + j]! + v * kernel[base + j]!;
        }
        const a = scale[l]!;
        const b = shift[l]!;
        for (let j = 0; j < cols; j++) {
          const h = x[next + j]! * a[j]! + b[j]!;
          x[next + j] = h > 0 ? h : 0;
        }
        offset = next;
      });
      for (let j = 0; j < width; j++) out[j] = outBias[j]!;
      for (let i = 0; i < total; i++) {
        const v = x[i]!;
        if (v === 0) continue;
        const base = i * width;
        for (let j = 0; j < width; j++) out[j] = out[j]! + v * outKernel[base + j]!;
      }
      // Decode: tanh for alphas; one-hots drawn from softmax(logits) (the argmax of Gumbel-softmax).
      let s = 0;
      transforms.forEach((t, c) => {
        if (t.kind === 'continuous') {
          const alpha = Math.tanh(out[spans[s]!.start]!);
          const mode = softmaxDraw(out, spans[s + 1]!, rng);
          s += 2;
          targets[c]![r] = decodeValue(t, mode, alpha);
        } else {
          targets[c]![r] = t.values[softmaxDraw(out, spans[s]!, rng)]!;
          s += 1;
        }
      });
    }
    return result;
  }

  save(path: string): Promise<void> {
    return saveModel(path, this.model);
  }

  static async load(path: string): Promise<TabularGan> {
    return new TabularGan(await loadModel<GanModel>(path, 'ctgan'));
  }
}

function softmaxDraw(logits: Float64Array, span: Span, rng: Rng): number {
  let max = -Infinity;
  for (let k = 0; k < span.size; k++) max = Math.max(max, logits[span.start + k]!);
  let sum = 0;
  for (let k = 0; k < span.size; k++) sum += Math.exp(logits[span.start + k]! - max);
  let u = rng.random() * sum;
  for (let k = 0; k < span.size; k++) {
    u -= Math.exp(logits[span.start + k]! - max);
    if (u < 0) return k;
  }
  return span.size - 1;
}
