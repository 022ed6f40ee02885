/**
 * Cross-entropy method (Rubinstein; as used for policy search by Szita & Lőrincz 2006): sample a
 * diagonal Gaussian population, keep the elite fraction, refit mean and standard deviation to the elite,
 * with optional extra noise that decays (to keep the search from collapsing too early).
 * And pure random search, the baseline every black-box method has to beat.
 */
import { normal } from '../lib/distributions.ts';
import { Rng } from '../lib/rng.ts';
import type { BatchObjective, MinimizeResult, Objective } from './cmaes.ts';

export interface CemOptions {
  popsize?: number;
  eliteFraction?: number;
  /** Extra variance added after each refit: noise0 decaying linearly to 0 over `noiseGenerations`. */
  extraNoise?: number;
  noiseGenerations?: number;
  maxEvaluations?: number;
  ftarget?: number;
  seed?: number;
  batch?: boolean;
  lower?: number[];
  upper?: number[];
}

function clipInto(x: Float64Array, lower?: number[], upper?: number[]): Float64Array {
  if (lower === undefined && upper === undefined) return x;
  return Float64Array.from(x, (v, i) => Math.min(upper?.[i] ?? Infinity, Math.max(lower?.[i] ?? -Infinity, v)));
}

export async function cemMinimize(objective: Objective | BatchObjective, x0: ArrayLike<number>, sigma0: number, options: CemOptions = {}): Promise<MinimizeResult> {
  const n = x0.length;
  const rng = Rng.create(options.seed ?? 1);
  const popsize = options.popsize ?? Math.max(50, 10 * n);
  const elites = Math.max(2, Math.round(popsize * (options.eliteFraction ?? 0.2)));
  const maxEvaluations = options.maxEvaluations ?? 1000 * n;
  const mean = Float64Array.from(x0);
  const std = new Float64Array(n).fill(sigma0);
  let best: { x: Float64Array; f: number } = { x: Float64Array.from(x0), f: Infinity };
  const history: MinimizeResult['history'] = [];
  let evaluations = 0;
  let generation = 0;
  let stopReason = 'maxEvaluations';
  while (evaluations < maxEvaluations) {
    const population = Array.from({ length: popsize }, () => clipInto(Float64Array.from(mean, (m, i) => m + std[i]! * normal(rng)), options.lower, options.upper));
    const fitnesses = options.batch ? await (objective as BatchObjective)(population) : population.map((x) => (objective as Objective)(x));
    evaluations += popsize;
    generation++;
    const order = Array.from({ length: popsize }, (_, k) => k).sort((a, b) => fitnesses[a]! - fitnesses[b]!);
    if (fitnesses[order[0]!]! < best.f) best = { x: population[order[0]!]!, f: fitnesses[order[0]!]! };
    // Without the decaying extra variance the elite refit collapses long before the optimum (plain CEM
    // stalls at f ~ 14 on the 10-D sphere from x0 = 3); Szita & Lőrincz's noisy CEM fixes that.
    const noise = (options.extraNoise ?? 0.1 * sigma0 * sigma0) * Math.max(0, 1 - generation / (options.noiseGenerations ?? 50));
    for (let i = 0; i < n; i++) {
      let m = 0;
      for (let r = 0; r < elites; r++) m += population[order[r]!]![i]!;
      m /= elites;
      let v = 0;
      for (let r = 0; r < elites; r++) v += (population[order[r]!]![i]! - m) ** 2;
      mean[i] = m;
      std[i] = Math.sqrt(v / elites + noise);
    }
    history.push({ evaluations, best: best.f, sigma: Math.max(...std) });
    if (options.ftarget !== undefined && best.f <= options.ftarget) {
      stopReason = 'ftarget';
      break;
    }
  }
  return { x: best.x, f: best.f, evaluations, generations: generation, stopReason, history };
}

/** Random search: Gaussian samples around x0 (or uniform in the box when both bounds are given). */
export async function randomSearchMinimize(objective: Objective | BatchObjective, x0: ArrayLike<number>, sigma0: number, options: CemOptions = {}): Promise<MinimizeResult> {
  const n = x0.length;
  const rng = Rng.create(options.seed ?? 1);
  const batchSize = options.popsize ?? Math.max(20, 4 * n);
  const maxEvaluations = options.maxEvaluations ?? 1000 * n;
  const { lower, upper } = options;
  const uniform = lower !== undefined && upper !== undefined;
  let best: { x: Float64Array; f: number } = { x: Float64Array.from(x0), f: Infinity };
  const history: MinimizeResult['history'] = [];
  let evaluations = 0;
  while (evaluations < maxEvaluations) {
    const population = Array.from({ length: batchSize }, () =>
      uniform ? Float64Array.from({ length: n }, (_, i) => rng.uniform(lower[i]!, upper[i]!)) : clipInto(Float64Array.from(x0, (m) => m + sigma0 * normal(rng)), lower, upper),
    );
    const fitnesses = options.batch ? await (objective as BatchObjective)(population) : population.map((x) => (objective as Objective)(x));
    evaluations += batchSize;
    fitnesses.forEach((f, k) => {
      if (f < best.f) best = { x: population[k]!, f };
    });
    history.push({ evaluations, best: best.f, sigma: sigma0 });
    if (options.ftarget !== undefined && best.f <= options.ftarget) break;
  }
  return { x: best.x, f: best.f, evaluations, generations: history.length, stopReason: best.f <= (options.ftarget ?? -Infinity) ? 'ftarget' : 'maxEvaluations', history };
}
