/**
 * Federated training (McMahan et al. 2017, FedAvg; Li et al. 2020, FedProx). Each data holder is a
 * closure over its own rows: the server hands it the round's weights and gets weights back, so raw rows
 * never leave the holder's function scope. The server averages the returned weights in proportion to the
 * holders' example counts. FedProx adds mu / 2 ||w - w_round||^2 to each holder's local objective; the
 * holder receives `mu` and the round's weights to do so (and may run DP-SGD locally).
 */
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
