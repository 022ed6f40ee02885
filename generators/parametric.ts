/**
 * Parametric synthesizer: a fitted family per column plus Gaussian-copula dependence (as SDV's
 * GaussianCopulaSynthesizer with parametric marginals).
 *   values in [0, 1]           zero-one-inflated beta (point masses at 0 and 1, beta inside; moments)
 *   integers >= 0              discretised lognormal of (x - min + 1)
 *   continuous >= 0            zero-inflated gamma (moments)
 *   anything else              normal
 * Every column's quantile function is applied to the copula's uniforms, so correlations carry over.
 * With no data at all, `defaultPopulation` (envs/dao/population.ts) is the calibrated parametric population.
 */
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import gammaQuantile from '@stdlib/stats-base-dists-gamma-quantile';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import type { Rng } from '../lib/rng.ts';
import { normalScoreCholesky, sampleCopulaColumns } from './copula.ts';
import type { Table } from './metrics.ts';
import { loadModel, saveModel } from './model-io.ts';

export type Marginal =
  | { family: 'zero-one-beta'; p0: number; p1: number; a: number; b: number }
  | { family: 'discrete-lognormal'; offset: number; mu: number; sigma: number }
  | { family: 'zero-gamma'; p0: number; shape: number; scale: number }
  | { family: 'normal'; mean: number; std: number };

export interface ParametricModel {
  kind: 'parametric';
  columns: string[];
  marginals: Marginal[];
  cholesky: number[];
}

function moments(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return { mean, variance };
}

export function fitMarginal(column: Float64Array): Marginal {
  const values = Array.from(column);
  const n = values.length;
  if (values.every((v) => v >= 0 && v <= 1)) {
    const inside = values.filter((v) => v > 0 && v < 1);
    const p0 = values.filter((v) => v === 0).length / n;
    const p1 = values.filter((v) => v === 1).length / n;
    let a = 1;
    let b = 1;
    if (inside.length >= 2) {
      const { mean, variance } = moments(inside);
      const common = (mean * (1 - mean)) / Math.max(variance, 1e-9) - 1;
      if (common > 0) {
        a = Math.max(1e-3, mean * common);
        b = Math.max(1e-3, (1 - mean) * common);
      }
    }
    return { family: 'zero-one-beta', p0, p1, a, b };
  }
  if (values.every((v) => Number.isInteger(v) && v >= 0)) {
    const offset = Math.min(...values);
    const logs = values.map((v) => Math.log(v - offset + 1));
    const { mean, variance } = moments(logs);
    return { family: 'discrete-lognormal', offset, mu: mean, sigma: Math.max(1e-6, Math.sqrt(variance)) };
  }
  if (values.every((v) => v >= 0)) {
    const positive = values.filter((v) => v > 0);
    const { mean, variance } = moments(positive.length >= 2 ? positive : [1, 1]);
    return { family: 'zero-gamma', p0: (n - positive.length) / n, shape: Math.max(1e-3, (mean * mean) / Math.max(variance, 1e-12)), scale: Math.max(1e-12, variance / Math.max(mean, 1e-12)) };
  }
  const { mean, variance } = moments(values);
  return { family: 'normal', mean, std: Math.max(1e-12, Math.sqrt(variance)) };
}

/** The marginal's quantile function at u in (0, 1). */
export function marginalQuantile(m: Marginal, u: number): number {
  const p = Math.min(1 - 1e-12, Math.max(1e-12, u));
  switch (m.family) {
    case 'zero-one-beta': {
      if (p < m.p0) return 0;
      if (p > 1 - m.p1) return 1;
      const inner = (p - m.p0) / Math.max(1e-12, 1 - m.p0 - m.p1);
      return betaQuantile(Math.min(1 - 1e-12, Math.max(1e-12, inner)), m.a, m.b);
    }
    case 'discrete-lognormal':
      return Math.max(m.offset, Math.round(Math.exp(m.mu + m.sigma * normalQuantile(p, 0, 1)) - 1 + m.offset));
    case 'zero-gamma': {
      if (p < m.p0) return 0;
      // stdlib's gamma takes shape and rate.
      return gammaQuantile(Math.min(1 - 1e-12, (p - m.p0) / Math.max(1e-12, 1 - m.p0)), m.shape, 1 / m.scale);
    }
    case 'normal':
      return m.mean + m.std * normalQuantile(p, 0, 1);
  }
}

const GRID = 4096;
/** The outer 1/64 of the mass at each end has its own grid of 4,096 cells: quantiles curve steeply there. */
const TAIL = 1 / 64;

/**
 * A fast quantile function for sampling: the exact quantile tabulated on a grid of the continuous part
 * (4,096 cells, plus 4,096-cell grids on the outer 1/64 at each end, where quantiles curve most) and
 * linearly interpolated; only the outermost tail cell (1/262,144 of the mass at each end) is computed
 * exactly. Sampling a million members goes from ~40k to about a million per second; a value differs
 * from the exact quantile by far less than the sampling noise (tested against marginalQuantile).
 */
export function compileQuantile(m: Marginal): (u: number) => number {
  if (m.family === 'normal') return (u) => marginalQuantile(m, u);
  const low = m.family === 'discrete-lognormal' ? 0 : m.p0;
  const high = m.family === 'zero-one-beta' ? 1 - m.p1 : 1;
  const width = Math.max(1e-12, high - low);
  // The continuous value before rounding (discrete-lognormal) so interpolation stays monotone and smooth.
  const inner = (q: number): number => {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, q));
    switch (m.family) {
      case 'zero-one-beta':
        return betaQuantile(p, m.a, m.b);
      case 'zero-gamma':
        return gammaQuantile(p, m.shape, 1 / m.scale);
      case 'discrete-lognormal':
        return Math.exp(m.mu + m.sigma * normalQuantile(p, 0, 1)) - 1 + m.offset;
    }
  };
  const tabulate = (from: number, to: number) => Float64Array.from({ length: GRID + 1 }, (_, j) => inner(from + ((to - from) * j) / GRID));
  const middle = tabulate(0, 1);
  const lowTail = tabulate(0, TAIL);
  const highTail = tabulate(1 - TAIL, 1);
  const interpolate = (table: Float64Array, position: number, q: number) => {
    if (position < 1 || position > GRID - 1) return inner(q);
    const cell = Math.floor(position);
    const a = table[cell]!;
    return a + (table[cell + 1]! - a) * (position - cell);
  };
  const finish = m.family === 'discrete-lognormal' ? (v: number) => Math.max(m.offset, Math.round(v)) : (v: number) => v;
  return (u: number) => {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, u));
    if (p < low) return 0;
    if (p > high) return 1;
    const q = (p - low) / width;
    if (q < TAIL) return finish(interpolate(lowTail, (q / TAIL) * GRID, q));
    if (q > 1 - TAIL) return finish(interpolate(highTail, ((q - (1 - TAIL)) / TAIL) * GRID, q));
    const position = q * GRID;
    const cell = Math.floor(position);
    const a = middle[cell]!;
    return finish(a + (middle[cell + 1]! - a) * (position - cell));
  };
}

export class ParametricGenerator {
  private quantiles: Array<(u: number) => number> | undefined;

  private constructor(readonly model: ParametricModel) {}

  static fit(table: Table): ParametricGenerator {
    const columns = Object.keys(table);
    if (columns.length === 0 || table[columns[0]!]!.length < 2) throw new RangeError('the parametric generator needs at least one column and two rows');
    return new ParametricGenerator({ kind: 'parametric', columns, marginals: columns.map((c) => fitMarginal(table[c]!)), cholesky: normalScoreCholesky(table, columns) });
  }

  sample(n: number, rng: Rng): Table {
    const { columns, marginals, cholesky } = this.model;
    // Tabulating costs ~0.4 s (tens of thousands of exact quantiles): once per generator, not per call.
    this.quantiles ??= marginals.map(compileQuantile);
    const sampled = sampleCopulaColumns(cholesky, this.quantiles, n, rng);
    return Object.fromEntries(columns.map((c, i) => [c, sampled[i]!]));
  }

  save(path: string): Promise<void> {
    return saveModel(path, this.model);
  }

  static async load(path: string): Promise<ParametricGenerator> {
    return new ParametricGenerator(await loadModel<ParametricModel>(path, 'parametric'));
  }
}
