/**
 * Action distributions for policy-gradient agents, one per action space: categorical (Discrete), a
 * product of categoricals (MultiDiscrete, as CleanRL's ppo_multidiscrete), and a diagonal Gaussian with a
 * state-independent log-std (Box, as CleanRL's ppo_continuous_action). Each has a JS side (sample, mode,
 * log-probability from network outputs, for acting) and a tfjs side (log-probability and entropy of
 * given actions, for the loss). Actions are stored as float rows of `actionDim` values.
 */
import { normal } from '../lib/distributions.ts';
import type { Rng } from '../lib/rng.ts';
import { tf } from '../lib/tf.ts';
import { ownedVariable } from '../lib/nn.ts';
import { argmax } from './common.ts';
import { Box, Discrete, MultiDiscrete, type Space } from '../envs/core/spaces.ts';

export interface PolicyHead {
  /** Network outputs per row. */
  readonly outputSize: number;
  /** Floats per stored action. */
  readonly actionDim: number;
  readonly variables: tf.Variable[];
  /** Samples into actions[offset..], returns log-probability. */
  sample(outputs: Float32Array, row: number, rng: Rng, actions: Float32Array, offset: number): number;
  /** The most likely action (deterministic evaluation). */
  mode(outputs: Float32Array, row: number, actions: Float32Array, offset: number): void;
  /** The env's action for a stored action row. */
  toEnvAction(actions: Float32Array, offset: number): unknown;
  /** Log-probabilities and entropies of `actions` [B, actionDim] under `outputs` [B, outputSize]. */
  logProbEntropy(outputs: tf.Tensor2D, actions: tf.Tensor2D): { logProb: tf.Tensor1D; entropy: tf.Tensor1D };
  /** Floats of the head's own parameters (the Gaussian's log-std); 0 for categorical heads. */
  readonly extraSize: number;
  /** The head's own parameters, as the fused trainer starts from them. */
  readExtra(): Float32Array;
  /** Sets the head's own parameters (after a fused update). */
  writeExtra(values: Float32Array): void;
  /**
   * For the fused trainer, in plain JS: the log-probability of the stored action at actions[offset..] under the
   * outputs at outputs[at..], with its entropy written to scratch[0]; `extra` holds the head's own parameters.
   */
  logProbEntropyAt(outputs: Float32Array, at: number, actions: Float32Array, offset: number, extra: Float32Array, scratch: Float64Array): number;
  /**
   * Adds to dOutputs[at..] and dExtra the gradient of a loss whose derivatives with respect to this row's
   * log-probability and entropy are gLogProb and gEntropy.
   */
  backwardAt(outputs: Float32Array, at: number, actions: Float32Array, offset: number, extra: Float32Array, gLogProb: number, gEntropy: number, dOutputs: Float32Array, dExtra: Float32Array): void;
}

/** Categorical log-probability of index `action` and entropy of logits[at..at+n), in JS (entropy to scratch[0]). */
function categoricalAt(logits: Float32Array, at: number, n: number, action: number, scratch: Float64Array): number {
  const lse = logSumExp(logits, at, n);
  scratch[0] = categoricalEntropy(logits, at, n, lse);
  return logits[at + action]! - lse;
}

/** The entropy -sum p log p of logits[at..at+n), given their log-sum-exp. */
function categoricalEntropy(logits: Float32Array, at: number, n: number, lse: number): number {
  let entropy = 0;
  for (let j = 0; j < n; j++) {
    const logp = logits[at + j]! - lse;
    entropy -= Math.exp(logp) * logp;
  }
  return entropy;
}

/**
 * Adds d/dz of (gLogProb * log p[action] + gEntropy * H) to dLogits[at..]: d log p_a / dz_j = [j = a] - p_j and
 * dH / dz_j = -p_j (log p_j + H).
 */
function categoricalBackward(logits: Float32Array, at: number, n: number, action: number, gLogProb: number, gEntropy: number, dLogits: Float32Array): void {
  const lse = logSumExp(logits, at, n);
  const entropy = categoricalEntropy(logits, at, n, lse);
  for (let j = 0; j < n; j++) {
    const logp = logits[at + j]! - lse;
    const p = Math.exp(logp);
    dLogits[at + j] = dLogits[at + j]! + gLogProb * ((j === action ? 1 : 0) - p) - gEntropy * p * (logp + entropy);
  }
}

const NO_EXTRA = new Float32Array(0);

function logSumExp(values: Float32Array, start: number, count: number): number {
  let max = -Infinity;
  for (let i = 0; i < count; i++) max = Math.max(max, values[start + i]!);
  let sum = 0;
  for (let i = 0; i < count; i++) sum += Math.exp(values[start + i]! - max);
  return max + Math.log(sum);
}

/** Samples an index from logits[start..start+count) and returns [index, log-probability]. */
function sampleCategorical(logits: Float32Array, start: number, count: number, rng: Rng): [number, number] {
  const lse = logSumExp(logits, start, count);
  let u = rng.random();
  for (let i = 0; i < count; i++) {
    const p = Math.exp(logits[start + i]! - lse);
    if (u < p || i === count - 1) return [i, logits[start + i]! - lse];
    u -= p;
  }
  return [count - 1, logits[start + count - 1]! - lse];
}

/** Categorical log-prob and entropy of one block of logits, in tfjs. */
function categoricalTf(logits: tf.Tensor2D, actions: tf.Tensor1D, n: number): { logProb: tf.Tensor1D; entropy: tf.Tensor1D } {
  const logp = tf.logSoftmax(logits);
  const oneHot = tf.oneHot(tf.cast(actions, 'int32'), n);
  const logProb = tf.sum(tf.mul(logp, oneHot), 1) as tf.Tensor1D;
  const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as tf.Tensor1D;
  return { logProb, entropy };
}

class CategoricalHead implements PolicyHead {
  readonly actionDim = 1;
  readonly variables: tf.Variable[] = [];
  constructor(
    readonly outputSize: number,
    private readonly start: number,
  ) {}
  sample(outputs: Float32Array, row: number, rng: Rng, actions: Float32Array, offset: number): number {
    const [index, logProb] = sampleCategorical(outputs, row * this.outputSize, this.outputSize, rng);
    actions[offset] = index;
    return logProb;
  }
  mode(outputs: Float32Array, row: number, actions: Float32Array, offset: number): void {
    actions[offset] = argmax(outputs, row * this.outputSize, this.outputSize);
  }
  toEnvAction(actions: Float32Array, offset: number): number {
    return this.start + actions[offset]!;
  }
  logProbEntropy(outputs: tf.Tensor2D, actions: tf.Tensor2D) {
    return categoricalTf(outputs, tf.reshape(actions, [-1]) as tf.Tensor1D, this.outputSize);
  }
  readonly extraSize = 0;
  readExtra(): Float32Array {
    return NO_EXTRA;
  }
  writeExtra(): void {}
  logProbEntropyAt(outputs: Float32Array, at: number, actions: Float32Array, offset: number, _extra: Float32Array, scratch: Float64Array): number {
    return categoricalAt(outputs, at, this.outputSize, actions[offset]!, scratch);
  }
  backwardAt(outputs: Float32Array, at: number, actions: Float32Array, offset: number, _extra: Float32Array, gLogProb: number, gEntropy: number, dOutputs: Float32Array): void {
    categoricalBackward(outputs, at, this.outputSize, actions[offset]!, gLogProb, gEntropy, dOutputs);
  }
}

class MultiCategoricalHead implements PolicyHead {
  readonly variables: tf.Variable[] = [];
  readonly outputSize: number;
  readonly actionDim: number;
  private readonly offsets: number[] = [];
  constructor(
    private readonly nvec: Int32Array,
    private readonly start: Int32Array,
  ) {
    let total = 0;
    for (const n of nvec) {
      this.offsets.push(total);
      total += n;
    }
    this.outputSize = total;
    this.actionDim = nvec.length;
  }
  sample(outputs: Float32Array, row: number, rng: Rng, actions: Float32Array, offset: number): number {
    let logProb = 0;
    this.nvec.forEach((n, k) => {
      const [index, lp] = sampleCategorical(outputs, row * this.outputSize + this.offsets[k]!, n, rng);
      actions[offset + k] = index;
      logProb += lp;
    });
    return logProb;
  }
  mode(outputs: Float32Array, row: number, actions: Float32Array, offset: number): void {
    this.nvec.forEach((n, k) => (actions[offset + k] = argmax(outputs, row * this.outputSize + this.offsets[k]!, n)));
  }
  toEnvAction(actions: Float32Array, offset: number): Int32Array {
    return Int32Array.from(this.nvec, (_, k) => this.start[k]! + actions[offset + k]!);
  }
  logProbEntropy(outputs: tf.Tensor2D, actions: tf.Tensor2D) {
    const blocks = tf.split(outputs, Array.from(this.nvec), 1) as tf.Tensor2D[];
    const columns = tf.split(actions, this.nvec.length, 1);
    const parts = blocks.map((logits, k) => categoricalTf(logits, tf.reshape(columns[k]!, [-1]) as tf.Tensor1D, this.nvec[k]!));
    return { logProb: tf.addN(parts.map((p) => p.logProb)) as tf.Tensor1D, entropy: tf.addN(parts.map((p) => p.entropy)) as tf.Tensor1D };
  }
  readonly extraSize = 0;
  readExtra(): Float32Array {
    return NO_EXTRA;
  }
  writeExtra(): void {}
  logProbEntropyAt(outputs: Float32Array, at: number, actions: Float32Array, offset: number, _extra: Float32Array, scratch: Float64Array): number {
    let logProb = 0;
    let entropy = 0;
    for (let k = 0; k < this.nvec.length; k++) {
      logProb += categoricalAt(outputs, at + this.offsets[k]!, this.nvec[k]!, actions[offset + k]!, scratch);
      entropy += scratch[0]!;
    }
    scratch[0] = entropy;
    return logProb;
  }
  backwardAt(outputs: Float32Array, at: number, actions: Float32Array, offset: number, _extra: Float32Array, gLogProb: number, gEntropy: number, dOutputs: Float32Array): void {
    for (let k = 0; k < this.nvec.length; k++) categoricalBackward(outputs, at + this.offsets[k]!, this.nvec[k]!, actions[offset + k]!, gLogProb, gEntropy, dOutputs);
  }
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
let gaussianHeads = 0;

class GaussianHead implements PolicyHead {
  readonly logStd: tf.Variable;
  readonly variables: tf.Variable[];
  private logStdJs: Float32Array;
  constructor(
    readonly outputSize: number,
    name: string,
  ) {
    this.logStd = ownedVariable(tf.zeros([1, outputSize]), `${name}/logStd#${gaussianHeads++}`);
    this.variables = [this.logStd];
    this.logStdJs = new Float32Array(outputSize);
  }
  get actionDim(): number {
    return this.outputSize;
  }
  /** Refreshes the JS copy of log-std after an update. */
  sync(): void {
    this.logStdJs = this.logStd.dataSync() as Float32Array;
  }
  sample(outputs: Float32Array, row: number, rng: Rng, actions: Float32Array, offset: number): number {
    let logProb = 0;
    for (let i = 0; i < this.outputSize; i++) {
      const std = Math.exp(this.logStdJs[i]!);
      const z = normal(rng);
      actions[offset + i] = outputs[row * this.outputSize + i]! + std * z;
      logProb += -0.5 * z * z - this.logStdJs[i]! - LOG_SQRT_2PI;
    }
    return logProb;
  }
  mode(outputs: Float32Array, row: number, actions: Float32Array, offset: number): void {
    for (let i = 0; i < this.outputSize; i++) actions[offset + i] = outputs[row * this.outputSize + i]!;
  }
  toEnvAction(actions: Float32Array, offset: number): Float32Array {
    return actions.slice(offset, offset + this.outputSize);
  }
  logProbEntropy(outputs: tf.Tensor2D, actions: tf.Tensor2D) {
    const std = tf.exp(this.logStd);
    const z = tf.div(tf.sub(actions, outputs), std);
    const logProb = tf.sum(tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), this.logStd), LOG_SQRT_2PI), 1) as tf.Tensor1D;
    const perDim = tf.add(this.logStd, 0.5 + LOG_SQRT_2PI);
    const entropy = tf.mul(tf.ones([outputs.shape[0]]), tf.sum(perDim)) as tf.Tensor1D;
    return { logProb, entropy };
  }
  get extraSize(): number {
    return this.outputSize;
  }
  readExtra(): Float32Array {
    return this.logStd.dataSync() as Float32Array;
  }
  writeExtra(values: Float32Array): void {
    const value = tf.tensor2d(values.slice(0, this.outputSize), [1, this.outputSize]);
    this.logStd.assign(value);
    value.dispose();
    this.sync();
  }
  logProbEntropyAt(outputs: Float32Array, at: number, actions: Float32Array, offset: number, extra: Float32Array, scratch: Float64Array): number {
    let logProb = 0;
    let entropy = 0;
    for (let i = 0; i < this.outputSize; i++) {
      const logStd = extra[i]!;
      const z = (actions[offset + i]! - outputs[at + i]!) / Math.exp(logStd);
      logProb += -0.5 * z * z - logStd - LOG_SQRT_2PI;
      entropy += logStd + 0.5 + LOG_SQRT_2PI;
    }
    scratch[0] = entropy;
    return logProb;
  }
  /** d log p / d mean_i = z_i / std_i; d log p / d logStd_i = z_i^2 - 1; d H / d logStd_i = 1. */
  backwardAt(outputs: Float32Array, at: number, actions: Float32Array, offset: number, extra: Float32Array, gLogProb: number, gEntropy: number, dOutputs: Float32Array, dExtra: Float32Array): void {
    for (let i = 0; i < this.outputSize; i++) {
      const std = Math.exp(extra[i]!);
      const z = (actions[offset + i]! - outputs[at + i]!) / std;
      dOutputs[at + i] = dOutputs[at + i]! + (gLogProb * z) / std;
      dExtra[i] = dExtra[i]! + gLogProb * (z * z - 1) + gEntropy;
    }
  }
}

export function policyHead(space: Space, name: string): PolicyHead {
  if (space instanceof Discrete) return new CategoricalHead(space.n, space.start);
  if (space instanceof MultiDiscrete) return new MultiCategoricalHead(space.nvec, space.start);
  if (space instanceof Box) return new GaussianHead(space.size, name);
  throw new TypeError(`no policy distribution for action space ${space}; use Discrete, MultiDiscrete or Box`);
}

/** Refreshes any JS-side copies of head variables after an optimiser step. */
export function syncHead(head: PolicyHead): void {
  if (head instanceof GaussianHead) head.sync();
}
