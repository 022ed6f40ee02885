/**
 * Proximal Policy Optimization, following CleanRL's ppo.py and "The 37 Implementation Details of PPO"
 * (Huang et al., 2022), readable top to bottom:
 *  1. vector envs (Gymnasium same-step autoreset, so `done` marks the boundary as in CleanRL);
 *  2. orthogonal init: hidden layers gain sqrt(2), policy output 0.01, value output 1; biases 0;
 *  3. Adam with epsilon 1e-5; 4. learning rate annealed linearly to 0;
 *  5. GAE(gamma, lambda); 6. minibatch epochs over the shuffled batch;
 *  7. advantage normalisation per minibatch; 8. clipped surrogate objective;
 *  9. clipped value loss; 10. entropy bonus; 11. global gradient clipping (0.5);
 *  12. separate actor and critic MLPs (64, 64, tanh); plus SB3's bootstrap of truncated episodes
 *      (reward += gamma V(final observation)), which CleanRL omits;
 *  Discrete, MultiDiscrete and Box (diagonal Gaussian, state-independent log-std) actions; Dict/Tuple
 *  observations flattened. Acting runs the networks in plain JS (lib/nn.ts); training runs in WebAssembly SIMD
 *  kernels (lib/fused/mlp.ts, agents/ppo-update.ts), or in tfjs with `trainer: 'tfjs'`.
 */
import type { Rng } from '../lib/rng.ts';
import { Rng as RngClass } from '../lib/rng.ts';
import { initBackend, tf } from '../lib/tf.ts';
import { SyncVectorEnv } from '../envs/core/vector.ts';
import { NormalizeReward } from '../envs/core/wrappers.ts';
import type { Space } from '../envs/core/spaces.ts';
import { Evaluations, makeTrainingEnv, mean, writeObservation, type EnvSource, type TrainingResult, type TrainingServices } from './common.ts';
import { Mlp, type JsMlp } from '../lib/nn.ts';
import { ppoOptimiser, type PpoBatch, type PpoTrainer } from './ppo-update.ts';
import { policyHead, syncHead, type PolicyHead } from './policy.ts';
import { loadVariables, saveVariables } from './checkpoint.ts';

export interface PpoConfig extends TrainingServices {
  seed: number;
  totalTimesteps: number;
  learningRate: number;
  annealLr: boolean;
  numEnvs: number;
  numSteps: number;
  gamma: number;
  gaeLambda: number;
  numMinibatches: number;
  updateEpochs: number;
  normAdv: boolean;
  clipCoef: number;
  /** Anneal the clip coefficient linearly to 0 too (SB3 zoo's lin_0.2). */
  annealClip: boolean;
  clipVloss: boolean;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number;
  targetKl: number | null;
  hidden: number[];
  /** Add gamma * V(final observation) to the reward of truncated steps. */
  bootstrapTruncated: boolean;
  /** Wrap training envs in NormalizeReward(gamma) (CleanRL's continuous-action setting); evaluation sees raw rewards. */
  normalizeReward: boolean;
  /**
   * Return the weights of the best periodic evaluation rather than the last ones (SB3's EvalCallback
   * best_model): PPO can find a sparse strategy and lose it again before training ends.
   */
  keepBest: boolean;
  /**
   * 'fused' (default) trains in WebAssembly SIMD kernels with hand-written gradients of the loss;
   * 'tfjs' trains the same loss in TensorFlow.js (agents/ppo-update.ts).
   */
  trainer: PpoTrainer;
}

/** CleanRL's ppo.py defaults. */
export const PPO_DEFAULTS: PpoConfig = {
  seed: 1,
  totalTimesteps: 500_000,
  learningRate: 2.5e-4,
  annealLr: true,
  numEnvs: 4,
  numSteps: 128,
  gamma: 0.99,
  gaeLambda: 0.95,
  numMinibatches: 4,
  updateEpochs: 4,
  normAdv: true,
  clipCoef: 0.2,
  annealClip: false,
  clipVloss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: null,
  hidden: [64, 64],
  bootstrapTruncated: true,
  normalizeReward: false,
  keepBest: false,
  trainer: 'fused',
  envKwargs: {},
  evaluation: null,
};

/** RL Zoo's tuned PPO hyperparameters for CartPole-v1 (n_envs 8, n_steps 32, batch 256, 20 epochs, ...). */
export const PPO_CARTPOLE: Partial<PpoConfig> = {
  numEnvs: 8,
  numSteps: 32,
  numMinibatches: 1,
  updateEpochs: 20,
  gamma: 0.98,
  gaeLambda: 0.8,
  entCoef: 0,
  learningRate: 1e-3,
  annealLr: true,
  annealClip: true,
  totalTimesteps: 100_000,
};

export class PpoAgent {
  readonly actor: Mlp;
  readonly critic: Mlp;
  readonly head: PolicyHead;
  private actorJs: JsMlp;
  private criticJs: JsMlp;

  constructor(
    readonly observationSpace: Space,
    readonly actionSpace: Space,
    hidden: number[],
    rng: Rng,
  ) {
    this.head = policyHead(actionSpace, 'actor');
    const obsDim = observationSpace.flatDim;
    this.actor = new Mlp({ sizes: [obsDim, ...hidden, this.head.outputSize], activation: 'tanh', hiddenGain: Math.SQRT2, outputGain: 0.01 }, rng.stream('actor'), 'actor');
    this.critic = new Mlp({ sizes: [obsDim, ...hidden, 1], activation: 'tanh', hiddenGain: Math.SQRT2, outputGain: 1 }, rng.stream('critic'), 'critic');
    this.actorJs = this.actor.toJs();
    this.criticJs = this.critic.toJs();
  }

  get variables(): tf.Variable[] {
    return [...this.actor.variables, ...this.critic.variables, ...this.head.variables];
  }

  /** Call after the tfjs variables changed. */
  sync(): void {
    this.actorJs = this.actor.toJs();
    this.criticJs = this.critic.toJs();
    syncHead(this.head);
  }

  policyOutputs(observations: Float32Array, batch: number): Float32Array {
    return this.actorJs.forward(observations, batch);
  }

  values(observations: Float32Array, batch: number): Float32Array {
    return this.criticJs.forward(observations, batch);
  }

  /** The deterministic action (argmax / mean) for one observation. */
  act(observation: unknown): unknown {
    const flat = new Float32Array(this.observationSpace.flatDim);
    writeObservation(this.observationSpace, observation, flat, 0);
    const outputs = this.policyOutputs(flat, 1);
    const action = new Float32Array(this.head.actionDim);
    this.head.mode(outputs, 0, action, 0);
    return this.head.toEnvAction(action, 0);
  }

  namedVariables(): Record<string, tf.Variable> {
    const named = { ...this.actor.namedVariables(), ...this.critic.namedVariables() };
    this.head.variables.forEach((v, i) => (named[`head/${i}`] = v));
    return named;
  }

  async save(directory: string, metadata: Record<string, unknown> = {}): Promise<void> {
    await saveVariables(directory, this.namedVariables(), { algorithm: 'ppo', observationSpace: this.observationSpace.toJSON(), actionSpace: this.actionSpace.toJSON(), ...metadata });
  }

  async load(directory: string): Promise<void> {
    await loadVariables(directory, this.namedVariables());
    this.sync();
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

export type PpoResult = TrainingResult<PpoAgent>;

export async function trainPpo(source: EnvSource, overrides: Partial<PpoConfig> = {}): Promise<PpoResult> {
  const config: PpoConfig = { ...PPO_DEFAULTS, ...overrides };
  const backend = await initBackend();
  const rng = RngClass.create(config.seed);
  const envs = new SyncVectorEnv(
    Array.from({ length: config.numEnvs }, (_, i) => () => {
      const env = makeTrainingEnv(source, i, config.envKwargs);
      return config.normalizeReward ? new NormalizeReward(env, config.gamma) : env;
    }),
    { autoresetMode: 'same-step' },
  );
  const obsSpace = envs.singleObservationSpace;
  const actSpace = envs.singleActionSpace;
  const agent = new PpoAgent(obsSpace, actSpace, config.hidden, rng.stream('init'));
  const optimiser = ppoOptimiser(config.trainer, agent, config, config.learningRate);
  const sampling = rng.stream('actions');
  const shuffling = rng.stream('minibatches');

  const { numEnvs, numSteps } = config;
  const obsDim = obsSpace.flatDim;
  const actDim = agent.head.actionDim;
  const batchSize = numEnvs * numSteps;
  const minibatchSize = Math.floor(batchSize / config.numMinibatches);
  const numUpdates = Math.floor(config.totalTimesteps / batchSize);
  // Rollout storage, laid out [step][env].
  const obs = new Float32Array(batchSize * obsDim);
  const actions = new Float32Array(batchSize * actDim);
  const logProbs = new Float32Array(batchSize);
  const rewards = new Float32Array(batchSize);
  const dones = new Float32Array(batchSize);
  const values = new Float32Array(batchSize);
  const advantages = new Float32Array(batchSize);
  const returns = new Float32Array(batchSize);
  const batch: PpoBatch = { size: batchSize, obs, actions, logProbs, advantages, returns, values };

  const nextObs = new Float32Array(numEnvs * obsDim);
  const nextDone = new Float32Array(numEnvs);
  const reset = envs.reset({ seed: config.seed });
  reset.observations.forEach((o, i) => writeObservation(obsSpace, o, nextObs, i));

  const evaluations = new Evaluations(source, config);
  let globalStep = 0;
  let best: { meanReturn: number; weights: tf.Tensor[] } | undefined;
  const start = performance.now();
  const episodeReturns: number[] = [];
  const finalObs = new Float32Array(obsDim);

  for (let update = 1; update <= numUpdates; update++) {
    const frac = 1 - (update - 1) / numUpdates;
    const learningRate = config.annealLr ? frac * config.learningRate : config.learningRate;
    const clipCoef = config.annealClip ? frac * config.clipCoef : config.clipCoef;

    // Rollout.
    for (let step = 0; step < numSteps; step++) {
      globalStep += numEnvs;
      const base = step * numEnvs;
      obs.set(nextObs, base * obsDim);
      dones.set(nextDone, base);
      const outputs = optimiser.policyOutputs(nextObs, numEnvs);
      const stepValues = optimiser.values(nextObs, numEnvs);
      const envActions: unknown[] = [];
      for (let i = 0; i < numEnvs; i++) {
        values[base + i] = stepValues[i]!;
        logProbs[base + i] = agent.head.sample(outputs, i, sampling, actions, (base + i) * actDim);
        envActions.push(agent.head.toEnvAction(actions, (base + i) * actDim));
      }
      const result = envs.step(envActions);
      for (let i = 0; i < numEnvs; i++) {
        let reward = result.rewards[i]!;
        if (!Number.isFinite(reward)) throw new Error(`env returned a non-finite reward (${reward}) at step ${globalStep}`);
        const info = result.infos[i]!;
        if (result.truncations[i] && !result.terminations[i] && config.bootstrapTruncated && info.finalObservation !== undefined) {
          writeObservation(obsSpace, info.finalObservation, finalObs, 0);
          reward += config.gamma * optimiser.values(finalObs, 1)[0]!;
        }
        rewards[base + i] = reward;
        nextDone[i] = result.terminations[i] || result.truncations[i] ? 1 : 0;
        writeObservation(obsSpace, result.observations[i], nextObs, i);
        const finalInfo = info.finalInfo as { episode?: { r: number } } | undefined;
        if (finalInfo?.episode) episodeReturns.push(finalInfo.episode.r);
      }
    }

    // Generalised advantage estimation.
    const nextValues = optimiser.values(nextObs, numEnvs);
    for (let i = 0; i < numEnvs; i++) {
      let lastGae = 0;
      for (let step = numSteps - 1; step >= 0; step--) {
        const index = step * numEnvs + i;
        const nextNonTerminal = step === numSteps - 1 ? 1 - nextDone[i]! : 1 - dones[index + numEnvs]!;
        const nextValue = step === numSteps - 1 ? nextValues[i]! : values[index + numEnvs]!;
        const delta = rewards[index]! + config.gamma * nextValue * nextNonTerminal - values[index]!;
        lastGae = delta + config.gamma * config.gaeLambda * nextNonTerminal * lastGae;
        advantages[index] = lastGae;
        returns[index] = lastGae + values[index]!;
      }
    }

    // Optimise the policy and value networks on minibatches of the shuffled batch.
    optimiser.begin(batch);
    const indices = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) indices[i] = i;
    let approxKl = 0;
    let clipFracs: number[] = [];
    let lastLosses = { policy: 0, value: 0, entropy: 0 };
    epochs: for (let epoch = 0; epoch < config.updateEpochs; epoch++) {
      shuffling.shuffle(indices);
      for (let startIndex = 0; startIndex + minibatchSize <= batchSize; startIndex += minibatchSize) {
        const stats = optimiser.minibatch(indices.subarray(startIndex, startIndex + minibatchSize), clipCoef, learningRate);
        approxKl = stats.approxKl;
        clipFracs.push(stats.clipFrac);
        lastLosses = { policy: stats.policy, value: stats.value, entropy: stats.entropy };
      }
      if (config.targetKl !== null && approxKl > config.targetKl) break epochs;
    }
    optimiser.end();

    const wallSeconds = (performance.now() - start) / 1000;
    let varianceY = 0;
    let varianceResidual = 0;
    const meanY = mean(returns);
    const meanResidual = mean(returns.map((r, i) => r - values[i]!));
    for (let i = 0; i < batchSize; i++) {
      varianceY += (returns[i]! - meanY) ** 2;
      varianceResidual += (returns[i]! - values[i]! - meanResidual) ** 2;
    }
    config.onMetrics?.({
      algorithm: 'ppo',
      step: globalStep,
      wallSeconds,
      stepsPerSecond: globalStep / wallSeconds,
      learningRate,
      policyLoss: lastLosses.policy,
      valueLoss: lastLosses.value,
      entropy: lastLosses.entropy,
      approxKl,
      clipFraction: mean(clipFracs),
      explainedVariance: varianceY === 0 ? null : 1 - varianceResidual / varianceY,
      episodicReturn: episodeReturns.length > 0 ? mean(episodeReturns) : null,
    });
    episodeReturns.length = 0;
    clipFracs = [];

    const evaluated = evaluations.results.length;
    const stop = evaluations.due(globalStep, (o) => agent.act(o));
    if (config.keepBest && evaluations.results.length > evaluated) {
      const latest = evaluations.results.at(-1)!.meanReturn;
      if (best === undefined || latest > best.meanReturn) {
        best?.weights.forEach((w) => w.dispose());
        best = { meanReturn: latest, weights: agent.variables.map((v) => tf.clone(v)) };
      }
    }
    if (stop) break;
  }
  if (best !== undefined) {
    const saved = best.weights;
    agent.variables.forEach((v, i) => v.assign(saved[i]!));
    saved.forEach((w) => w.dispose());
    agent.sync();
  }
  envs.close();
  optimiser.dispose();
  const wallSeconds = (performance.now() - start) / 1000;
  return { agent, evaluations: evaluations.results, stepsToThreshold: evaluations.stepsToThreshold, steps: globalStep, wallSeconds, stepsPerSecond: globalStep / wallSeconds, backend };
}
