/**
 * PPO's optimisation phase, two ways with one loss: the clipped surrogate, the (optionally clipped) value
 * loss and the entropy bonus, with global gradient clipping and Adam (epsilon 1e-5).
 *  - `fused` (default): forward, backward and Adam in WebAssembly SIMD kernels (lib/fused/mlp.ts); the loss's
 *    gradient with respect to the network outputs is written out by hand below, per row, in plain JS.
 *  - `tfjs`: the same loss in TensorFlow.js with automatic differentiation (the reference the fused
 *    trainer's gradients are tested against).
 */
import { tf } from '../lib/tf.ts';
import { clipByGlobalNorm } from '../lib/nn.ts';
import { FusedModel, type AdamSettings } from '../lib/fused/mlp.ts';
import type { PpoAgent } from './ppo.ts';

export type PpoTrainer = 'fused' | 'tfjs';

/** One rollout's training data, rows laid out [step][env]. */
export interface PpoBatch {
  size: number;
  obs: Float32Array;
  actions: Float32Array;
  logProbs: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  values: Float32Array;
}

export interface PpoLossSettings {
  normAdv: boolean;
  clipVloss: boolean;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number;
}

export interface MinibatchStats {
  approxKl: number;
  clipFrac: number;
  policy: number;
  value: number;
  entropy: number;
}

export interface PpoOptimiser {
  begin(batch: PpoBatch): void;
  /** One gradient step on the rows `indices` of the current batch. */
  minibatch(indices: Int32Array, clipCoef: number, learningRate: number): MinibatchStats;
  /** Ends the update: the agent's acting copies now hold the new weights. */
  end(): void;
  /** The rollout's forward passes: policy outputs and values for `rows` observations (buffers reused by the next call). */
  policyOutputs(observations: Float32Array, rows: number): Float32Array;
  values(observations: Float32Array, rows: number): Float32Array;
  dispose(): void;
}

const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-5 };

export function ppoOptimiser(trainer: PpoTrainer, agent: PpoAgent, loss: PpoLossSettings, learningRate: number): PpoOptimiser {
  return trainer === 'fused' ? new FusedPpoOptimiser(agent, loss) : new TfjsPpoOptimiser(agent, loss, learningRate);
}

/** Normalises advantages in place by their mean and unbiased standard deviation (as torch's std()). */
function normaliseAdvantages(values: Float64Array, count: number): void {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[i]!;
  const m = sum / count;
  let squares = 0;
  for (let i = 0; i < count; i++) squares += (values[i]! - m) ** 2;
  const std = Math.sqrt(squares / Math.max(1, count - 1));
  for (let i = 0; i < count; i++) values[i] = (values[i]! - m) / (std + 1e-8);
}

export class FusedPpoOptimiser implements PpoOptimiser {
  readonly model: FusedModel;
  private batch: PpoBatch | undefined;
  private advantages = new Float64Array(0);
  private logProbs = new Float64Array(0);
  private readonly scratch = new Float64Array(1);
  private readonly adam: AdamSettings = { learningRate: 0, ...ADAM };

  constructor(
    private readonly agent: PpoAgent,
    private readonly loss: PpoLossSettings,
  ) {
    const head = agent.head;
    this.model = new FusedModel([agent.actor.spec, agent.critic.spec], head.extraSize > 0 ? [head.extraSize] : []);
    const actor = agent.actor.toJs();
    const critic = agent.critic.toJs();
    this.model.nets[0]!.writeWeights(actor.kernels, actor.biases);
    this.model.nets[1]!.writeWeights(critic.kernels, critic.biases);
    if (head.extraSize > 0) this.model.extra(0, head.extraSize).set(head.readExtra());
  }

  begin(batch: PpoBatch): void {
    this.batch = batch;
  }

  minibatch(indices: Int32Array, clipCoef: number, learningRate: number): MinibatchStats {
    const batch = this.batch!;
    const { model, agent, loss } = this;
    const head = agent.head;
    const [actor, critic] = model.nets as [typeof model.nets[0], typeof model.nets[0]];
    const rows = indices.length;
    const obsDim = actor.inputSize;
    const actDim = head.actionDim;
    if (this.advantages.length < rows) {
      this.advantages = new Float64Array(rows);
      this.logProbs = new Float64Array(rows);
    }
    // Every buffer first: an allocation may grow the memory and detach views taken before it.
    model.reserve(rows);
    const actorIn = actor.inputView(rows);
    const criticIn = critic.inputView(rows);
    for (let r = 0; r < rows; r++) {
      const index = indices[r]!;
      actorIn.set(batch.obs.subarray(index * obsDim, (index + 1) * obsDim), r * obsDim);
      this.advantages[r] = batch.advantages[index]!;
    }
    criticIn.set(actorIn);
    if (loss.normAdv) normaliseAdvantages(this.advantages, rows);

    const outputs = actor.forward(rows);
    const values = critic.forward(rows);
    const stride = actor.outputStride;
    const vStride = critic.outputStride;
    const extra = head.extraSize > 0 ? model.extra(0, head.extraSize) : new Float32Array(0);

    // Losses and statistics, and d(loss)/d(log-probability) per row.
    let pg = 0;
    let entropySum = 0;
    let kl = 0;
    let clipped = 0;
    let valueLoss = 0;
    const dValues = critic.outputGradient(rows);
    for (let r = 0; r < rows; r++) {
      const index = indices[r]!;
      const logProb = head.logProbEntropyAt(outputs, r * stride, batch.actions, index * actDim, extra, this.scratch);
      entropySum += this.scratch[0]!;
      const logRatio = logProb - batch.logProbs[index]!;
      const ratio = Math.exp(logRatio);
      const advantage = this.advantages[r]!;
      const unclippedLoss = -advantage * ratio;
      const clippedLoss = -advantage * Math.min(Math.max(ratio, 1 - clipCoef), 1 + clipCoef);
      pg += Math.max(unclippedLoss, clippedLoss);
      kl += ratio - 1 - logRatio;
      if (Math.abs(ratio - 1) > clipCoef) clipped++;
      // max() passes the gradient to its first argument on ties (as tf.maximum); the clipped branch has
      // zero gradient whenever it is strictly larger, since the ratio then lies outside the clip range.
      this.logProbs[r] = unclippedLoss >= clippedLoss ? (-advantage * ratio) / rows : 0;

      const value = values[r * vStride]!;
      const target = batch.returns[index]!;
      const unclippedValue = (value - target) ** 2;
      let dValue = 2 * (value - target);
      if (loss.clipVloss) {
        const old = batch.values[index]!;
        const difference = value - old;
        const clippedValue = old + Math.min(Math.max(difference, -clipCoef), clipCoef);
        const clippedValueLoss = (clippedValue - target) ** 2;
        if (unclippedValue >= clippedValueLoss) {
          valueLoss += unclippedValue;
        } else {
          valueLoss += clippedValueLoss;
          dValue = Math.abs(difference) <= clipCoef ? 2 * (clippedValue - target) : 0;
        }
      } else {
        valueLoss += unclippedValue;
      }
      dValues[r * vStride] = (loss.vfCoef * 0.5 * dValue) / rows;
    }

    // Backward: policy outputs (and the head's own parameters), then both networks.
    const dOutputs = actor.outputGradient(rows);
    const dExtra = head.extraSize > 0 ? model.extra(0, head.extraSize, true) : new Float32Array(0);
    dExtra.fill(0);
    const gEntropy = -loss.entCoef / rows;
    for (let r = 0; r < rows; r++) {
      const index = indices[r]!;
      head.backwardAt(outputs, r * stride, batch.actions, index * actDim, extra, this.logProbs[r]!, gEntropy, dOutputs, dExtra);
    }
    actor.backward(rows);
    critic.backward(rows);
    this.adam.learningRate = learningRate;
    model.clippedAdamStep(this.adam, loss.maxGradNorm);
    return { approxKl: kl / rows, clipFrac: clipped / rows, policy: pg / rows, value: (0.5 * valueLoss) / rows, entropy: entropySum / rows };
  }

  policyOutputs(observations: Float32Array, rows: number): Float32Array {
    return this.model.nets[0]!.predict(observations, rows);
  }

  values(observations: Float32Array, rows: number): Float32Array {
    return this.model.nets[1]!.predict(observations, rows);
  }

  end(): void {
    const { agent, model } = this;
    const actor = model.nets[0]!.readWeights();
    const critic = model.nets[1]!.readWeights();
    agent.actor.setWeights(actor.kernels, actor.biases);
    agent.critic.setWeights(critic.kernels, critic.biases);
    if (agent.head.extraSize > 0) agent.head.writeExtra(model.extra(0, agent.head.extraSize).slice());
    agent.sync();
  }

  dispose(): void {}
}

export class TfjsPpoOptimiser implements PpoOptimiser {
  private readonly optimizer: tf.AdamOptimizer;
  private tensors: { obs: tf.Tensor2D; actions: tf.Tensor2D; logProbs: tf.Tensor1D; advantages: tf.Tensor1D; returns: tf.Tensor1D; values: tf.Tensor1D } | undefined;

  constructor(
    private readonly agent: PpoAgent,
    private readonly loss: PpoLossSettings,
    learningRate: number,
  ) {
    this.optimizer = tf.train.adam(learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  }

  begin(batch: PpoBatch): void {
    const obsDim = batch.obs.length / batch.size;
    const actDim = batch.actions.length / batch.size;
    this.tensors = {
      obs: tf.tensor2d(batch.obs, [batch.size, obsDim]),
      actions: tf.tensor2d(batch.actions, [batch.size, actDim]),
      logProbs: tf.tensor1d(batch.logProbs),
      advantages: tf.tensor1d(batch.advantages),
      returns: tf.tensor1d(batch.returns),
      values: tf.tensor1d(batch.values),
    };
  }

  minibatch(indices: Int32Array, clipCoef: number, learningRate: number): MinibatchStats {
    (this.optimizer as unknown as { learningRate: number }).learningRate = learningRate;
    const { stats, grads } = this.gradients(indices, clipCoef);
    const { grads: clipped, norm } = clipByGlobalNorm(grads, this.loss.maxGradNorm);
    norm.dispose();
    this.optimizer.applyGradients(clipped as unknown as tf.NamedTensorMap as never);
    tf.dispose(Object.values(clipped));
    return stats;
  }

  /** The loss's statistics and its gradients by variable name (the caller disposes them). */
  gradients(indices: Int32Array, clipCoef: number): { stats: MinibatchStats; grads: Record<string, tf.Tensor> } {
    const { agent, loss } = this;
    const b = this.tensors!;
    const minibatchSize = indices.length;
    const mbIndices = tf.tensor1d(indices, 'int32');
    const scalars: Record<string, tf.Scalar> = {};
    const grads = tf.tidy(() => {
      const mbObs = tf.gather(b.obs, mbIndices) as tf.Tensor2D;
      const mbActions = tf.gather(b.actions, mbIndices) as tf.Tensor2D;
      const mbOldLogProbs = tf.gather(b.logProbs, mbIndices);
      let mbAdvantages = tf.gather(b.advantages, mbIndices);
      const mbReturns = tf.gather(b.returns, mbIndices);
      const mbValues = tf.gather(b.values, mbIndices);
      if (loss.normAdv) {
        const { mean: m, variance } = tf.moments(mbAdvantages);
        // torch's std() is the unbiased estimate.
        const unbiased = tf.sqrt(tf.mul(variance, minibatchSize / Math.max(1, minibatchSize - 1)));
        mbAdvantages = tf.div(tf.sub(mbAdvantages, m), tf.add(unbiased, 1e-8));
      }
      const { value: total, grads } = tf.variableGrads(() => {
        const outputs = agent.actor.apply(mbObs);
        const { logProb, entropy } = agent.head.logProbEntropy(outputs, mbActions);
        const logRatio = tf.sub(logProb, mbOldLogProbs);
        const ratio = tf.exp(logRatio);
        const pgLoss = tf.mean(tf.maximum(tf.mul(tf.neg(mbAdvantages), ratio), tf.mul(tf.neg(mbAdvantages), tf.clipByValue(ratio, 1 - clipCoef, 1 + clipCoef))));
        const newValue = tf.reshape(agent.critic.apply(mbObs), [-1]);
        let vLoss: tf.Tensor;
        if (loss.clipVloss) {
          const unclipped = tf.square(tf.sub(newValue, mbReturns));
          const clippedValue = tf.add(mbValues, tf.clipByValue(tf.sub(newValue, mbValues), -clipCoef, clipCoef));
          vLoss = tf.mul(0.5, tf.mean(tf.maximum(unclipped, tf.square(tf.sub(clippedValue, mbReturns)))));
        } else {
          vLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(newValue, mbReturns))));
        }
        const entropyLoss = tf.mean(entropy);
        scalars.approxKl = tf.keep(tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as tf.Scalar);
        scalars.clipFrac = tf.keep(tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clipCoef), 'float32')) as tf.Scalar);
        scalars.policy = tf.keep(pgLoss as tf.Scalar);
        scalars.value = tf.keep(vLoss as tf.Scalar);
        scalars.entropy = tf.keep(entropyLoss as tf.Scalar);
        return tf.add(tf.sub(pgLoss, tf.mul(loss.entCoef, entropyLoss)), tf.mul(loss.vfCoef, vLoss)) as tf.Scalar;
      }, agent.variables);
      total.dispose();
      return grads;
    });
    mbIndices.dispose();
    const read = Object.fromEntries(Object.entries(scalars).map(([k, t]) => [k, t.dataSync()[0]!]));
    tf.dispose(Object.values(scalars));
    return { stats: { approxKl: read.approxKl!, clipFrac: read.clipFrac!, policy: read.policy!, value: read.value!, entropy: read.entropy! }, grads };
  }

  policyOutputs(observations: Float32Array, rows: number): Float32Array {
    return this.agent.policyOutputs(observations, rows);
  }

  values(observations: Float32Array, rows: number): Float32Array {
    return this.agent.values(observations, rows);
  }

  end(): void {
    if (this.tensors) tf.dispose(Object.values(this.tensors));
    this.tensors = undefined;
    this.agent.sync();
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
