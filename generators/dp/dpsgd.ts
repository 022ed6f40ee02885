/**
 * DP-SGD (Abadi et al. 2016) as ../shared/docs/synthetic-data.md specifies it: each step Poisson-samples every
 * example with probability q (from a seeded stream), clips each example's gradient to L2 norm C, sums, adds
 * N(0, sigma^2 C^2) per coordinate (from a seeded stream), divides by the EXPECTED batch size q n, and hands
 * the result to an optimizer. Privacy accounting is the RDP accountant's job (accountant.ts).
 *
 * Per-example gradients without a per-example loop (the outer-product trick, Goodfellow 2015): a model
 * declares its parameters as groups, and touches them only through a `ParameterAccess`:
 * - a dense group (kernel W, bias b) is used as z = a W + b; the gradient of example i's loss with respect to
 *   W is a_i delta_i^T and with respect to b is delta_i, where delta_i = dL_i / dz_i. So
 *   ||g_i||^2 over the group = (||a_i||^2 + 1) ||delta_i||^2;
 * - a vector group v (e.g. a learned log-sigma) is used as one row per example, v + 0; its per-example
 *   gradient is dL_i / d(row i) directly.
 * We get every delta_i at once by adding a zero "probe" tensor e (batch x width) to each group's output and
 * differentiating sum_i L_i with respect to the probes: as examples do not interact in the forward pass,
 * row i of that gradient is example i's own delta. The clipped sum then needs no second backward pass:
 * sum_i c_i a_i delta_i^T = A^T (c . Delta), sum_i c_i delta_i, with c_i = min(1, C / ||g_i||).
 */
import { normal } from '../../lib/distributions.ts';
import type { Rng } from '../../lib/rng.ts';
import { tf } from '../../lib/tf.ts';

export type ParameterGroup = { kind: 'dense'; kernel: tf.Variable; bias: tf.Variable } | { kind: 'vector'; variable: tf.Variable };

/** How a per-example loss touches the parameters, so that DP-SGD can see each example's gradient. */
export interface ParameterAccess {
  /** Rows of the batch. */
  readonly batchSize: number;
  /** `input` W + b for dense group `group` (the pre-activation). Each dense group is used once per forward pass. */
  dense(group: number, input: tf.Tensor2D): tf.Tensor2D;
  /** Vector group `group` repeated once per example: [batchSize, length]. */
  vector(group: number): tf.Tensor2D;
}

/** Per-example losses ([batchSize]) of a batch the closure holds. Examples must not interact (no batch norm). */
export type PerExampleLoss = (access: ParameterAccess) => tf.Tensor1D;

/** The variables of `groups` in the order the gradient functions return them: kernel, bias per dense group; the vector. */
export function groupVariables(groups: readonly ParameterGroup[]): tf.Variable[] {
  return groups.flatMap((g) => (g.kind === 'dense' ? [g.kernel, g.bias] : [g.variable]));
}

function groupWidth(group: ParameterGroup): number {
  return group.kind === 'dense' ? group.bias.shape[0]! : group.variable.shape[0]!;
}

/** Plain access: ordinary forward pass (for non-private training, sampling, and the brute-force reference). */
export function plainAccess(groups: readonly ParameterGroup[], batchSize: number): ParameterAccess {
  return {
    batchSize,
    dense(index, input) {
      const group = groups[index];
      if (group?.kind !== 'dense') throw new RangeError(`parameter group ${index} is not dense`);
      return tf.add(tf.matMul(input, group.kernel), group.bias);
    },
    vector(index) {
      const group = groups[index];
      if (group?.kind !== 'vector') throw new RangeError(`parameter group ${index} is not a vector`);
      return tf.broadcastTo(tf.expandDims(group.variable, 0), [batchSize, group.variable.shape[0]!]) as tf.Tensor2D;
    },
  };
}

interface ProbeTrace {
  /** d(sum_i L_i) / d(probe) per group: row i is example i's delta (dense) or vector gradient. */
  deltas: tf.Tensor2D[];
  /** The input of each dense group (undefined for vector groups). */
  inputs: (tf.Tensor2D | undefined)[];
  losses: tf.Tensor1D;
}

/** One forward and backward pass with zero probes on every group. Call inside tf.tidy. */
function probePass(groups: readonly ParameterGroup[], batchSize: number, loss: PerExampleLoss): ProbeTrace {
  const probes = groups.map((g) => tf.zeros([batchSize, groupWidth(g)]) as tf.Tensor2D);
  const inputs: (tf.Tensor2D | undefined)[] = groups.map(() => undefined);
  let losses: tf.Tensor1D | undefined;
  const kept: tf.Tensor[] = [];
  // tf.grads runs `f` inside its own tidy: what we record there must be kept, then released by hand.
  const f = (...p: tf.Tensor[]): tf.Scalar => {
    const access: ParameterAccess = {
      batchSize,
      dense(index, input) {
        const group = groups[index];
        if (group?.kind !== 'dense') throw new RangeError(`parameter group ${index} is not dense`);
        if (inputs[index] !== undefined) throw new RangeError(`dense group ${index} was used twice in one forward pass`);
        const recorded = tf.keep(tf.clone(input));
        kept.push(recorded);
        inputs[index] = recorded;
        return tf.add(tf.add(tf.matMul(input, group.kernel), group.bias), p[index]!);
      },
      vector(index) {
        const group = groups[index];
        if (group?.kind !== 'vector') throw new RangeError(`parameter group ${index} is not a vector`);
        return tf.add(tf.expandDims(group.variable, 0), p[index]!) as tf.Tensor2D;
      },
    };
    const perExample = loss(access);
    losses = tf.keep(tf.clone(perExample));
    kept.push(losses);
    return tf.sum(perExample);
  };
  try {
    const deltas = tf.grads(f)(probes) as tf.Tensor2D[];
    // Re-home the kept tensors in the caller's tidy scope (clones are tracked there), then release the originals.
    return { deltas, inputs: inputs.map((t) => (t === undefined ? undefined : tf.clone(t))), losses: tf.clone(losses!) };
  } finally {
    for (const t of kept) t.dispose();
  }
}

/** Squared per-example gradient norms from a probe trace: sum over groups of (||a_i||^2 + 1) ||delta_i||^2 or ||g_i||^2. */
function squaredNorms(groups: readonly ParameterGroup[], trace: ProbeTrace): tf.Tensor1D {
  const parts = groups.map((group, index) => {
    const deltaSq = tf.sum(tf.square(trace.deltas[index]!), 1);
    if (group.kind === 'vector') return deltaSq;
    const input = trace.inputs[index];
    if (input === undefined) throw new RangeError(`dense group ${index} was not used in the forward pass`);
    return tf.mul(tf.add(tf.sum(tf.square(input), 1), 1), deltaSq);
  });
  return tf.addN(parts) as tf.Tensor1D;
}

/** Per-example gradient L2 norms ([batchSize]) of `loss` over all groups' parameters, in one backward pass. Call inside tf.tidy. */
export function perExampleGradientNorms(groups: readonly ParameterGroup[], batchSize: number, loss: PerExampleLoss): tf.Tensor1D {
  return tf.sqrt(squaredNorms(groups, probePass(groups, batchSize, loss)));
}

export interface ClippedSum {
  /** sum_i g_i / max(1, ||g_i|| / C), per variable of groupVariables(groups). */
  grads: tf.Tensor[];
  /** Per-example gradient norms before clipping. */
  norms: tf.Tensor1D;
  /** Per-example losses. */
  losses: tf.Tensor1D;
}

/** The sum of per-example gradients each clipped to norm `maxGradNorm`. Call inside tf.tidy. */
export function clippedGradientSum(groups: readonly ParameterGroup[], batchSize: number, loss: PerExampleLoss, maxGradNorm: number): ClippedSum {
  if (!(maxGradNorm > 0)) throw new RangeError(`maxGradNorm must be > 0, got ${maxGradNorm}`);
  if (batchSize === 0) {
    return { grads: groupVariables(groups).map((v) => tf.zerosLike(v)), norms: tf.zeros([0]) as tf.Tensor1D, losses: tf.zeros([0]) as tf.Tensor1D };
  }
  const trace = probePass(groups, batchSize, loss);
  const norms = tf.sqrt(squaredNorms(groups, trace)) as tf.Tensor1D;
  const scale = tf.minimum(1, tf.div(maxGradNorm, tf.maximum(norms, 1e-12))).reshape([batchSize, 1]);
  const grads = groups.flatMap((group, index) => {
    const scaled = tf.mul(trace.deltas[index]!, scale);
    const biasLike = tf.sum(scaled, 0);
    if (group.kind === 'vector') return [biasLike];
    return [tf.matMul(trace.inputs[index]!, scaled, true, false), biasLike];
  });
  return { grads, norms, losses: trace.losses };
}

/** Indices of a Poisson sample: each of `n` examples independently with probability q. */
export function poissonSample(n: number, q: number, rng: Rng): Int32Array {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`sampling rate must be in [0, 1], got ${q}`);
  const picked: number[] = [];
  for (let i = 0; i < n; i++) if (rng.random() < q) picked.push(i);
  return Int32Array.from(picked);
}

export interface DpSgdSettings {
  /** Clipping norm C. */
  maxGradNorm: number;
  /** sigma: the noise std is sigma C. */
  noiseMultiplier: number;
  /** q n: the clipped, noised sum is divided by this, not by the realised batch size. */
  expectedBatchSize: number;
}

/**
 * The privatised gradient of one DP-SGD step: (clipped sum + N(0, sigma^2 C^2 I)) / expected batch size, per
 * variable of groupVariables(groups). Noise comes from `noise` in variable order, row-major. Call inside tf.tidy.
 */
export function privateGradients(groups: readonly ParameterGroup[], batchSize: number, loss: PerExampleLoss, settings: DpSgdSettings, noise: Rng): { grads: tf.Tensor[]; losses: tf.Tensor1D; norms: tf.Tensor1D } {
  const { maxGradNorm, noiseMultiplier, expectedBatchSize } = settings;
  if (!(noiseMultiplier >= 0)) throw new RangeError(`noise multiplier must be >= 0, got ${noiseMultiplier}`);
  if (!(expectedBatchSize > 0)) throw new RangeError(`expected batch size must be > 0, got ${expectedBatchSize}`);
  const sum = clippedGradientSum(groups, batchSize, loss, maxGradNorm);
  const std = noiseMultiplier * maxGradNorm;
  const grads = sum.grads.map((g) => {
    const draws = new Float32Array(g.size);
    if (std > 0) for (let k = 0; k < draws.length; k++) draws[k] = std * normal(noise);
    return tf.div(tf.add(g, tf.tensor(draws, g.shape)), expectedBatchSize);
  });
  return { grads, losses: sum.losses, norms: sum.norms };
}
