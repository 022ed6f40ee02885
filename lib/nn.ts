/**
 * Small multilayer perceptrons for the agents: trained with TensorFlow.js, and mirrored as plain
 * Float32Array layers for acting, so that choosing an action in a rollout costs microseconds instead of
 * a tfjs call per step. Initialisation is orthogonal with a gain per layer (CleanRL's `layer_init`),
 * drawn from our seeded stream so runs reproduce.
 */
import { normal } from './distributions.ts';
import type { Rng } from './rng.ts';
import { tf } from './tf.ts';

export type Activation = 'tanh' | 'relu';

/**
 * An orthogonal (rows x cols) matrix scaled by `gain`, as torch.nn.init.orthogonal_: the Q factor of a Gaussian
 * matrix with R's diagonal made positive (uniform over orthogonal matrices). Q comes from classical Gram-Schmidt
 * with one re-orthogonalisation pass ("twice is enough"), which gives that positive-diagonal Q directly and to
 * about 1e-15, in milliseconds where a general QR took seconds for 256 x 256.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const tall = rows >= cols;
  const n = tall ? rows : cols;
  const m = tall ? cols : rows;
  // Drawn row by row as before: gaussian[i][j] for i < n, j < m; stored column-major for the projections.
  const a = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) a[j * n + i] = normal(rng);
  const q = gramSchmidt(a, n, m);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const value = gain * q[j * n + i]!;
      if (tall) out[i * cols + j] = value;
      else out[j * cols + i] = value;
    }
  }
  return out;
}

/** Orthonormalises the m columns (each n long, column-major) of `a` in place; returns it. */
function gramSchmidt(a: Float64Array, n: number, m: number): Float64Array {
  const r = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const v = j * n;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += a[k * n + i]! * a[v + i]!;
        r[k] = dot;
      }
      for (let k = 0; k < j; k++) {
        const dot = r[k]!;
        for (let i = 0; i < n; i++) a[v + i] = a[v + i]! - dot * a[k * n + i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += a[v + i]! * a[v + i]!;
    norm = Math.sqrt(norm);
    if (!(norm > 0)) throw new RangeError('orthogonal: a degenerate Gaussian draw (a zero column)');
    for (let i = 0; i < n; i++) a[v + i] = a[v + i]! / norm;
  }
  return a;
}

/**
 * A trainable variable made from `initial`, which is then released: a tfjs variable shares its initial
 * tensor's data, and keeping that tensor would leak one tensor per variable after `dispose()`.
 */
export function ownedVariable(initial: tf.Tensor, name: string): tf.Variable {
  const variable = tf.variable(initial, true, name);
  initial.dispose();
  return variable;
}

export interface MlpSpec {
  sizes: number[];
  activation: Activation;
  /** Gain of the hidden layers' init (CleanRL: sqrt(2)) and of the output layer. */
  hiddenGain: number;
  outputGain: number;
}

let instances = 0;

/** A dense network as tfjs variables (kernel in x out, bias out). */
export class Mlp {
  readonly kernels: tf.Variable[] = [];
  readonly biases: tf.Variable[] = [];

  constructor(
    readonly spec: MlpSpec,
    rng: Rng,
    readonly name: string,
  ) {
    // tfjs variable names are global: a per-instance suffix lets several agents live in one process.
    const unique = `${name}#${instances++}`;
    for (let layer = 0; layer + 1 < spec.sizes.length; layer++) {
      const fanIn = spec.sizes[layer]!;
      const fanOut = spec.sizes[layer + 1]!;
      const gain = layer + 2 === spec.sizes.length ? spec.outputGain : spec.hiddenGain;
      this.kernels.push(ownedVariable(tf.tensor2d(orthogonal(fanIn, fanOut, gain, rng), [fanIn, fanOut]), `${unique}/kernel${layer}`));
      this.biases.push(ownedVariable(tf.zeros([fanOut]), `${unique}/bias${layer}`));
    }
  }

  get variables(): tf.Variable[] {
    return [...this.kernels, ...this.biases];
  }

  /** Variables under stable names (`name/kernel0`, ...), for checkpoints. */
  namedVariables(): Record<string, tf.Variable> {
    const named: Record<string, tf.Variable> = {};
    this.kernels.forEach((k, i) => (named[`${this.name}/kernel${i}`] = k));
    this.biases.forEach((b, i) => (named[`${this.name}/bias${i}`] = b));
    return named;
  }

  /** Forward pass in tfjs (for training). */
  apply(input: tf.Tensor2D): tf.Tensor2D {
    let x = input;
    this.kernels.forEach((kernel, layer) => {
      const z = tf.add(tf.matMul(x, kernel), this.biases[layer]!) as tf.Tensor2D;
      x = layer + 1 === this.kernels.length ? z : this.spec.activation === 'tanh' ? tf.tanh(z) : tf.relu(z);
    });
    return x;
  }

  /** The current weights as plain arrays (for acting, and for checkpoints). */
  toJs(): JsMlp {
    return new JsMlp(
      this.spec,
      this.kernels.map((k) => k.dataSync() as Float32Array),
      this.biases.map((b) => b.dataSync() as Float32Array),
    );
  }

  /** Sets the weights from plain arrays (kernel [in, out] and bias [out] per layer), e.g. after a fused update. */
  setWeights(kernels: Float32Array[], biases: Float32Array[]): void {
    tf.tidy(() => {
      this.kernels.forEach((k, i) => k.assign(tf.tensor2d(kernels[i]!, k.shape as [number, number])));
      this.biases.forEach((b, i) => b.assign(tf.tensor1d(biases[i]!)));
    });
  }

  /** Copies weights from another network of the same shape (target networks). */
  assign(from: Mlp): void {
    this.kernels.forEach((k, i) => k.assign(from.kernels[i]!));
    this.biases.forEach((b, i) => b.assign(from.biases[i]!));
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/** The same network in plain JS, forward only. */
export class JsMlp {
  private readonly buffers: Float32Array[] = [];

  constructor(
    readonly spec: MlpSpec,
    readonly kernels: Float32Array[],
    readonly biases: Float32Array[],
  ) {}

  /** Forward pass for `batch` rows of input; returns a view valid until the next call. */
  forward(input: ArrayLike<number>, batch = 1): Float32Array {
    let x: ArrayLike<number> = input;
    const sizes = this.spec.sizes;
    for (let layer = 0; layer < this.kernels.length; layer++) {
      const fanIn = sizes[layer]!;
      const fanOut = sizes[layer + 1]!;
      const needed = batch * fanOut;
      let out = this.buffers[layer];
      if (out === undefined || out.length < needed) {
        out = new Float32Array(needed);
        this.buffers[layer] = out;
      }
      const kernel = this.kernels[layer]!;
      const bias = this.biases[layer]!;
      const last = layer + 1 === this.kernels.length;
      for (let row = 0; row < batch; row++) {
        for (let j = 0; j < fanOut; j++) {
          let sum = bias[j]!;
          for (let i = 0; i < fanIn; i++) sum += x[row * fanIn + i]! * kernel[i * fanOut + j]!;
          out[row * fanOut + j] = last ? sum : this.spec.activation === 'tanh' ? Math.tanh(sum) : sum > 0 ? sum : 0;
        }
      }
      x = out;
    }
    return (x as Float32Array).subarray(0, batch * sizes[sizes.length - 1]!);
  }
}

/**
 * Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_): every gradient is scaled by
 * min(1, maxNorm / (norm + 1e-6)). Done in tensors, with no read back to JS, so the training loop never
 * waits on the backend. Disposes the input gradients.
 */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): { grads: Record<string, tf.Tensor>; norm: tf.Scalar } {
  const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
  const scale = tf.tidy(() => tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6))));
  const clipped: Record<string, tf.Tensor> = {};
  for (const [name, g] of Object.entries(grads)) {
    clipped[name] = tf.mul(g, scale);
    g.dispose();
  }
  scale.dispose();
  return { grads: clipped, norm };
}
