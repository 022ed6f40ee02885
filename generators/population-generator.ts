/**
 * A generator of whole populations, for the closed loop: a member-level generator fitted to real data
 * (the Gaussian copula) and a population-level distribution over a few interpretable effects that
 * make one DAO differ from another:
 *   turnout        participation x exp(z)                    (z < 0: a quieter DAO)
 *   concentration  log voting power spread about its median x exp(z)   (z > 0: bigger whales)
 *   lateness       meanTiming -> 1 - (1 - t)^exp(z)          (z > 0: votes arrive later)
 *   support        supportRate -> Phi(Phi^-1(s) + z) for 0 < s < 1   (z < 0: a more sceptical electorate)
 * A population is: draw z from the hyper distribution (independent normals), draw members from the
 * copula, apply z. G_1 has z ~ N(0, PRIOR_STD^2): real DAOs differ by about that much in turnout and
 * concentration (an assumption, stated in the report, not fitted: one DAO's data cannot show it).
 *
 * Fine-tuning toward high-loss populations is reward-weighted regression on the hyper distribution
 * (Peters & Schaal 2007; the "reward-weighted fine-tuning" of synthetic-data.md): weights
 * w_k = exp((loss_k - max loss) / (temperature x sd(loss))), weighted moments of the z_k, then a pull
 * toward G_1 with strength klWeight: the closed-form maximiser of sum_k w_k log q(z_k) - klWeight x W x
 * KL(q || G_1) is approximated by moment interpolation with lambda = klWeight / (1 + klWeight). The
 * member-level copula stays as fitted to the real data, so individual members stay realistic; the
 * realism floor (quality of pooled members against the real table) is checked by the loop.
 */
import { loadModel, saveModel } from './model-io.ts';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { normal } from '../lib/distributions.ts';
import type { Rng } from '../lib/rng.ts';
import { GaussianCopula, type CopulaModel } from './copula.ts';
import type { Table } from './metrics.ts';

export const EFFECTS = ['turnout', 'concentration', 'lateness', 'support'] as const;
export type Effect = (typeof EFFECTS)[number];
export const PRIOR_STD = [0.3, 0.15, 0.3, 0.3];
const MIN_STD = 0.02;

export interface HyperDistribution {
  mean: number[];
  std: number[];
}

export interface PopulationGeneratorModel {
  kind: 'population-generator';
  base: CopulaModel;
  hyper: HyperDistribution;
  /** G_1's hyper distribution: the anchor of the KL penalty. */
  prior: HyperDistribution;
}

export interface FineTuneOptions {
  /** Softness of the weights, in standard deviations of the losses (smaller = greedier). */
  temperature: number;
  /** Pull toward G_1 (0 = none). */
  klWeight: number;
}

export interface FineTuneResult {
  generator: PopulationGenerator;
  /** Effective sample size of the weights, in populations. */
  effectiveSampleSize: number;
}

function clamp01(value: number, low = 0, high = 1): number {
  return Math.min(high, Math.max(low, value));
}

/** KL(N(m1, s1^2) || N(m0, s0^2)) summed over independent dimensions. */
export function gaussianKl(q: HyperDistribution, p: HyperDistribution): number {
  let kl = 0;
  for (let i = 0; i < q.mean.length; i++) {
    const s1 = q.std[i]!;
    const s0 = p.std[i]!;
    kl += Math.log(s0 / s1) + (s1 * s1 + (q.mean[i]! - p.mean[i]!) ** 2) / (2 * s0 * s0) - 0.5;
  }
  return kl;
}

/** Applies population effects z to a member feature table (a new table; the input is not changed). */
export function applyEffects(table: Table, z: ArrayLike<number>): Table {
  const out: Table = {};
  for (const [name, column] of Object.entries(table)) out[name] = Float64Array.from(column);
  const n = table.participation?.length ?? 0;
  const [turnout, concentration, lateness, support] = [z[0]!, z[1]!, z[2]!, z[3]!];
  // An effect of exactly 0 leaves its feature bit-for-bit as sampled.
  if (out.participation && turnout !== 0) {
    const scale = Math.exp(turnout);
    for (let i = 0; i < n; i++) out.participation[i] = clamp01(out.participation[i]! * scale);
  }
  if (out.logVotingPower && n > 0 && concentration !== 0) {
    const sorted = Float64Array.from(out.logVotingPower).sort();
    const median = sorted[Math.floor(n / 2)]!;
    const spread = Math.exp(concentration);
    for (let i = 0; i < n; i++) out.logVotingPower[i] = Math.max(0, median + (out.logVotingPower[i]! - median) * spread);
  }
  if (out.meanTiming && lateness !== 0) {
    const power = Math.exp(lateness);
    for (let i = 0; i < n; i++) out.meanTiming[i] = clamp01(1 - (1 - clamp01(out.meanTiming[i]!)) ** power, 0, 0.999999);
  }
  if (out.supportRate && support !== 0) {
    // Members who always (or never) voted For keep doing so; the shift moves the ones in between.
    for (let i = 0; i < n; i++) {
      const s = out.supportRate[i]!;
      if (s > 0 && s < 1) out.supportRate[i] = normalCdf(normalQuantile(s, 0, 1) + support, 0, 1);
    }
  }
  return out;
}

export class PopulationGenerator {
  private readonly base: GaussianCopula;

  constructor(readonly model: PopulationGeneratorModel) {
    this.base = GaussianCopula.fromModel(model.base);
  }

  /** G_1: the copula fitted to `table`, with the prior hyper distribution. */
  static fit(table: Table, prior: HyperDistribution = { mean: EFFECTS.map(() => 0), std: [...PRIOR_STD] }): PopulationGenerator {
    return new PopulationGenerator({ kind: 'population-generator', base: GaussianCopula.fit(table).model, hyper: structuredClone(prior), prior: structuredClone(prior) });
  }

  /** Draws population effects z from the hyper distribution. */
  sampleEffects(rng: Rng): Float64Array {
    const { mean, std } = this.model.hyper;
    return Float64Array.from(mean, (m, i) => normal(rng, m, std[i]!));
  }

  /** One population's member table under effects z (members from the copula, from `rng`). */
  populationTable(members: number, z: ArrayLike<number>, rng: Rng): Table {
    return applyEffects(this.base.sample(members, rng), z);
  }

  /** Members pooled over `populations` populations (each with its own z): what the realism floor scores. */
  sampleMembers(total: number, rng: Rng, populations = 20): Table {
    const per = Math.max(1, Math.ceil(total / populations));
    const parts: Table[] = [];
    for (let k = 0; k * per < total; k++) parts.push(this.populationTable(Math.min(per, total - k * per), this.sampleEffects(rng), rng));
    const out: Table = {};
    for (const name of Object.keys(parts[0]!)) {
      const column = new Float64Array(total);
      let offset = 0;
      for (const part of parts) {
        column.set(part[name]!, offset);
        offset += part[name]!.length;
      }
      out[name] = column;
    }
    return out;
  }

  /**
   * `n` members pooled over populations, each with its own effects (what `daogym generators sample` writes
   * from a saved loop checkpoint): the generator as a member-level table generator.
   */
  sample(n: number, rng: Rng): Table {
    return this.sampleMembers(n, rng);
  }

  /** A saved model (kind 'population-generator', as the loop's generator artifacts hold), for `loadGenerator`. */
  save(path: string): Promise<void> {
    return saveModel(path, this.model);
  }

  static async load(path: string): Promise<PopulationGenerator> {
    return new PopulationGenerator(await loadModel<PopulationGeneratorModel>(path, 'population-generator'));
  }

  /** Log density of population effects z under the hyper distribution (independent normals). */
  logDensity(z: ArrayLike<number>): number {
    const { mean, std } = this.model.hyper;
    let log = 0;
    for (let i = 0; i < mean.length; i++) log += -0.5 * ((z[i]! - mean[i]!) / std[i]!) ** 2 - Math.log(std[i]! * Math.sqrt(2 * Math.PI));
    return log;
  }

  klToPrior(): number {
    return gaussianKl(this.model.hyper, this.model.prior);
  }

  /** Reward-weighted re-fit of the hyper distribution toward high-loss effects, pulled toward G_1. */
  fineTune(effects: ArrayLike<number>[], losses: number[], options: FineTuneOptions): FineTuneResult {
    if (effects.length !== losses.length || effects.length < 2) throw new RangeError('fine-tuning needs at least two populations with a loss each');
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    const sd = Math.sqrt(losses.reduce((a, b) => a + (b - mean) ** 2, 0) / losses.length);
    const top = Math.max(...losses);
    const weights = losses.map((loss) => (sd > 0 ? Math.exp((loss - top) / (options.temperature * sd)) : 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const effectiveSampleSize = total ** 2 / weights.reduce((a, b) => a + b * b, 0);
    const lambda = options.klWeight / (1 + options.klWeight);
    const { prior } = this.model;
    const hyper: HyperDistribution = { mean: [], std: [] };
    for (let d = 0; d < EFFECTS.length; d++) {
      let m = 0;
      effects.forEach((z, k) => (m += (weights[k]! / total) * z[d]!));
      let v = 0;
      effects.forEach((z, k) => (v += (weights[k]! / total) * (z[d]! - m) ** 2));
      const meanNext = (1 - lambda) * m + lambda * prior.mean[d]!;
      const varianceNext = (1 - lambda) * v + lambda * prior.std[d]! ** 2;
      hyper.mean.push(meanNext);
      hyper.std.push(Math.max(MIN_STD, Math.sqrt(varianceNext)));
    }
    return { generator: new PopulationGenerator({ ...this.model, hyper }), effectiveSampleSize };
  }
}
