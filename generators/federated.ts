/**
 * Federated training (McMahan et al. 2017, FedAvg; Li et al. 2020, FedProx). Each data holder is a
 * closure over its own rows: the server hands it the round's weights and gets weights back, so raw rows
 * never leave the holder's function scope. The server averages the returned weights in proportion to the
 * holders' example counts. FedProx adds mu / 2 ||w - w_round||^2 to each holder's local objective; the
 * holder receives `mu` and the round's weights to do so (and may run DP-SGD locally).
 * The second half of this file wires it to the TVAE (`vaeDataHolder`, `fitFederatedVae`).
 */
import { Rng } from '../lib/rng.ts';
import { initBackend, tf } from '../lib/tf.ts';
import type { Table } from './metrics.ts';
import { boundsFor, countColumn, histogramCells, mergeHistograms, type ColumnBounds, type HistogramMarginal } from './dp/marginals.ts';
import { planBudget, privateHistograms, resolveDp, scoreMatrix, TabularVae, trainVae, VaeNetwork, type DpOptions, type PrivacyBudget, type ResolvedDp } from './vae.ts';

export type Weights = Float32Array[];

export interface LocalTrainingOptions {
  round: number;
  epochs: number;
  /** FedProx proximal coefficient (0 = FedAvg). */
  mu: number;
  /** The round's global weights (the proximal anchor). */
  globalWeights: Weights;
}

export interface DataHolder {
  readonly name: string;
  readonly numExamples: number;
  /** Trains locally from `weights` and returns new weights; must not mutate `weights`. */
  train(weights: Weights, options: LocalTrainingOptions): Weights | Promise<Weights>;
}

export interface FederatedOptions {
  rounds: number;
  localEpochs: number;
  mu?: number;
  onRound?: (round: number, weights: Weights) => void;
}

function copy(weights: Weights): Weights {
  return weights.map((w) => Float32Array.from(w));
}

/** Runs FedAvg (mu = 0) or FedProx (mu > 0); returns the final global weights. */
export async function federatedTrain(holders: DataHolder[], initial: Weights, options: FederatedOptions): Promise<Weights> {
  if (holders.length === 0) throw new RangeError('federated training needs at least one data holder');
  const total = holders.reduce((sum, h) => sum + h.numExamples, 0);
  if (!(total > 0)) throw new RangeError('data holders hold no examples');
  let global = copy(initial);
  for (let round = 0; round < options.rounds; round++) {
    const updates = await Promise.all(
      holders.map((holder) => holder.train(copy(global), { round, epochs: options.localEpochs, mu: options.mu ?? 0, globalWeights: copy(global) })),
    );
    const next = global.map((w) => new Float32Array(w.length));
    updates.forEach((update, k) => {
      if (update.length !== next.length) throw new RangeError(`holder '${holders[k]!.name}' returned ${update.length} weight arrays, expected ${next.length}`);
      const share = holders[k]!.numExamples / total;
      update.forEach((w, layer) => {
        const target = next[layer]!;
        if (w.length !== target.length) throw new RangeError(`holder '${holders[k]!.name}' returned weights of the wrong shape in layer ${layer}`);
        for (let i = 0; i < w.length; i++) target[i] = target[i]! + share * w[i]!;
      });
    });
    global = next;
    options.onRound?.(round, global);
  }
  return global;
}

// ---------------------------------------------------------------------------------------------------------
// The federated TVAE: holders of feature tables train one VAE without pooling rows.
//
// Marginals: the VAE needs each column's CDF to map values to normal scores. Holders agree on them without
// sharing values: each holder counts its rows on the cells of a PUBLIC grid (dp/marginals.ts; bounds from
// what the columns mean, not from data) and sends only the counts, with Gaussian noise when DP is on; the
// server adds the holders' histograms into the common marginal and sends it back. Without DP the exact
// counts on a fine grid are shared (aggregates, not rows, but no formal guarantee); with DP each holder's
// noisy histogram is part of its own budget.
// Weights: the VAE's variables (encoder, decoder, output log-sigma) travel as Float32Arrays; each holder
// trains its copy for the round's local epochs (Adam; its optimizer state stays with the holder) with the
// FedProx term mu / 2 ||w - w_round||^2 when mu > 0, and optionally DP-SGD with its own accountant (the noise
// multiplier is planned for all of its rounds up front; training past the plan is refused).
// Guarantee: record-level, per holder. A person with records at several holders (one address voting in
// two DAOs) is covered by the composition of those holders' budgets; the model reports the largest one.
// ---------------------------------------------------------------------------------------------------------

/** What the server tells every holder before training (all public). */
export interface VaeTrainingPlan {
  columns: string[];
  bounds: ColumnBounds[];
  intervals: number;
  latent: number;
  hidden: number[];
  lossFactor: number;
  batchSize: number;
  learningRate: number;
  rounds: number;
  localEpochs: number;
  seed: number;
  dp?: ResolvedDp;
}

export interface VaeDataHolder extends DataHolder {
  /** Prepares local training and returns this holder's marginal histograms (noisy under DP). */
  setup(plan: VaeTrainingPlan): HistogramMarginal[];
  /** Receives the agreed marginals and maps the local rows to normal scores. */
  useMarginals(histograms: HistogramMarginal[]): void;
  /** The budget this holder's rows spend (undefined without DP). */
  readonly privacy: PrivacyBudget | undefined;
  /** Per-example training loss of each local epoch so far (diagnostics; not covered by DP). */
  readonly losses: number[];
  dispose(): void;
}

/** A data holder over `table`: its rows stay inside this closure; only histograms and weights come out. */
export function vaeDataHolder(name: string, table: Table): VaeDataHolder {
  const n = Object.values(table)[0]?.length ?? 0;
  let plan: VaeTrainingPlan | undefined;
  let net: VaeNetwork | undefined;
  let optimizer: tf.Optimizer | undefined;
  let data: tf.Tensor2D | undefined;
  let privacy: PrivacyBudget | undefined;
  let streams: { batches: Rng; noise: Rng; dpNoise: Rng } | undefined;
  let epochsDone = 0;
  const losses: number[] = [];
  return {
    name,
    numExamples: n,
    get privacy() {
      return privacy;
    },
    losses,
    setup(next) {
      for (const c of next.columns) if (!(c in table)) throw new RangeError(`holder '${name}' lacks column '${c}'`);
      plan = next;
      const rng = Rng.create(next.seed).stream('holder', name);
      const batchSize = Math.min(next.batchSize, n);
      if (next.dp !== undefined) {
        privacy = planBudget(next.dp, n, batchSize, next.rounds * next.localEpochs);
        return privateHistograms(table, next.columns, next.bounds, next.intervals, privacy.preprocessing.noiseMultiplier, rng, next.dp.threshold);
      }
      return next.columns.map((c, j) => countColumn(histogramCells(next.bounds[j]!, next.intervals), table[c]!));
    },
    useMarginals(histograms) {
      if (plan === undefined) throw new Error(`holder '${name}': setup() first`);
      data?.dispose();
      data = tf.tensor2d(scoreMatrix(table, plan.columns, histograms), [n, plan.columns.length]);
      const rng = Rng.create(plan.seed).stream('holder', name);
      net ??= new VaeNetwork(plan.columns.length, plan.latent, plan.hidden, rng.stream('network'));
      optimizer ??= tf.train.adam(plan.learningRate);
      streams = { batches: rng.stream('batches'), noise: rng.stream('noise'), dpNoise: rng.stream('dp-noise') };
    },
    train(weights, { epochs, mu, globalWeights }) {
      if (plan === undefined || net === undefined || optimizer === undefined || data === undefined || streams === undefined) {
        throw new Error(`holder '${name}': setup() and useMarginals() first`);
      }
      if (privacy !== undefined && epochsDone + epochs > plan.rounds * plan.localEpochs) {
        throw new RangeError(`holder '${name}': training past the ${plan.rounds * plan.localEpochs} planned epochs would exceed its privacy budget`);
      }
      net.setWeights(weights);
      const anchor = mu > 0 ? globalWeights.map((w, k) => tf.tensor(w, net!.variables[k]!.shape)) : [];
      try {
        losses.push(
          ...trainVae(net, data, {
            epochs,
            batchSize: Math.min(plan.batchSize, n),
            lossFactor: plan.lossFactor,
            optimizer,
            dp: privacy === undefined ? undefined : { noiseMultiplier: privacy.noiseMultiplier, maxGradNorm: privacy.maxGradNorm, sampleRate: privacy.sampleRate },
            prox: mu > 0 ? { mu, anchor } : undefined,
            ...streams,
          }),
        );
      } finally {
        tf.dispose(anchor);
      }
      epochsDone += epochs;
      return net.getWeights();
    },
    dispose() {
      net?.dispose();
      optimizer?.dispose();
      data?.dispose();
      net = undefined;
      optimizer = undefined;
      data = undefined;
    },
  };
}

export interface FederatedVaeOptions {
  rounds: number;
  localEpochs: number;
  /** FedProx coefficient (0 = FedAvg). */
  mu?: number;
  seed?: number;
  batchSize?: number;
  learningRate?: number;
  hidden?: number[];
  latent?: number;
  lossFactor?: number;
  /** Public bounds per column (defaults for the member feature columns). */
  bounds?: Record<string, ColumnBounds>;
  /** Intervals of the public histogram grid (default 256 without DP, `dp.intervals` or 32 with it). */
  intervals?: number;
  /** DP-SGD and DP histograms inside every holder, each with this (epsilon, delta) for its own rows. */
  dp?: DpOptions;
  onRound?: (round: number) => void;
}

/** FedAvg / FedProx training of one TVAE over `holders`; the holders are disposed of afterwards. */
export async function fitFederatedVae(holders: VaeDataHolder[], columns: string[], options: FederatedVaeOptions): Promise<TabularVae> {
  await initBackend();
  if (holders.length === 0) throw new RangeError('federated training needs at least one data holder');
  if (columns.length === 0) throw new RangeError('no columns to train on');
  const dp = options.dp === undefined ? undefined : resolveDp(options.dp, columns);
  const plan: VaeTrainingPlan = {
    columns,
    bounds: dp?.bounds ?? boundsFor(columns, options.bounds),
    intervals: options.intervals ?? dp?.intervals ?? 256,
    latent: options.latent ?? 16,
    hidden: options.hidden ?? [128, 128],
    lossFactor: options.lossFactor ?? 2,
    batchSize: options.batchSize ?? 500,
    learningRate: options.learningRate ?? 1e-3,
    rounds: options.rounds,
    localEpochs: options.localEpochs,
    seed: options.seed ?? 1,
    ...(dp === undefined ? {} : { dp }),
  };
  try {
    const shared = holders.map((h) => h.setup(plan));
    const merged = columns.map((_, j) => mergeHistograms(shared.map((histograms) => histograms[j]!)));
    for (const h of holders) h.useMarginals(merged);
    const server = new VaeNetwork(columns.length, plan.latent, plan.hidden, Rng.create(plan.seed).stream('server'));
    try {
      const initial = server.getWeights();
      const final = await federatedTrain(holders, initial, { rounds: plan.rounds, localEpochs: plan.localEpochs, mu: options.mu ?? 0, onRound: (round) => options.onRound?.(round) });
      server.setWeights(final);
      const budgets = holders.filter((h) => h.privacy !== undefined).map((h) => [h.name, h.privacy!] as const);
      const worst = budgets.reduce<PrivacyBudget | undefined>((max, [, b]) => (max === undefined || b.epsilon > max.epsilon ? b : max), undefined);
      return TabularVae.fromParts({
        columns,
        marginals: [],
        histograms: merged,
        integer: plan.bounds.map((b) => b.integer ?? false),
        latent: plan.latent,
        decoder: server.decoderWeights(),
        logSigma: Array.from(server.logSigma.dataSync()),
        ...(worst === undefined ? {} : { privacy: worst }),
        federated: { holders: holders.map((h) => h.name), rounds: plan.rounds, localEpochs: plan.localEpochs, mu: options.mu ?? 0, ...(budgets.length === 0 ? {} : { privacy: Object.fromEntries(budgets) }) },
      });
    } finally {
      server.dispose();
    }
  } finally {
    for (const h of holders) h.dispose();
  }
}
