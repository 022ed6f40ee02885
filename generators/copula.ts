/**
 * Gaussian copula synthesizer (as SDV's GaussianCopulaSynthesizer): each column keeps its empirical
 * marginal (a piecewise-linear quantile function through the sorted training values), dependence is
 * the correlation matrix of the columns' normal scores; sampling draws correlated normals (Cholesky),
 * maps them through the normal CDF and each column's quantile function. fit / sample / save / load.
 */
import erfc from '@stdlib/math-base-special-erfc';
import normalPkg from '@stdlib/random-base-normal';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import type { Rng } from '../lib/rng.ts';
import type { Table } from './metrics.ts';
import { loadModel, saveModel } from './model-io.ts';

export interface CopulaModel {
  kind: 'gaussian-copula';
  columns: string[];
  /** Sorted training values per column (the empirical marginal). */
  marginals: number[][];
  /** Lower-triangular Cholesky factor of the normal-score correlation matrix, row-major. */
  cholesky: number[];
  /** Columns whose values were all integers: samples are rounded back. */
  integer: boolean[];
}

function choleskyFactor(matrix: number[][]): number[] {
  const n = matrix.length;
  const L = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i]![j]!;
      for (let k = 0; k < j; k++) sum -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) L[i * n + i] = Math.sqrt(Math.max(sum, 1e-12));
      else L[i * n + j] = sum / L[j * n + j]!;
    }
  }
  return L;
}

/** Normal scores of a column: ranks (ties averaged) mapped through the normal quantile. */
export function normalScores(values: Float64Array): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && values[order[j]!] === values[order[i]!]) j++;
    const u = (i + j) / 2 / n; // mid-rank in (0, 1)
    const z = normalQuantile(Math.min(1 - 1e-9, Math.max(1e-9, u)), 0, 1);
    for (let k = i; k < j; k++) scores[order[k]!] = z;
    i = j;
  }
  return scores;
}

/** The Cholesky factor (row-major) of the correlation of the columns' normal scores: a Gaussian copula's dependence. */
export function normalScoreCholesky(table: Table, columns: string[]): number[] {
  const n = table[columns[0]!]!.length;
  const scores = columns.map((c) => normalScores(table[c]!));
  const correlation = columns.map((_, i) =>
    columns.map((__, j) => {
      let s = 0;
      let si = 0;
      let sj = 0;
      for (let r = 0; r < n; r++) {
        s += scores[i]![r]! * scores[j]![r]!;
        si += scores[i]![r]! ** 2;
        sj += scores[j]![r]! ** 2;
      }
      return si === 0 || sj === 0 ? (i === j ? 1 : 0) : s / Math.sqrt(si * sj);
    }),
  );
  return choleskyFactor(correlation);
}

/**
 * stdlib's normal sampler bound to `rng` once (lib/distributions.ts's `normal(rng)` looks it up per draw):
 * the sampler is stateless beyond `rng`, so its draws equal `normal(rng)`'s.
 */
export function standardNormalOf(rng: Rng): (mean: number, std: number) => number {
  return normalPkg.factory({ prng: rng.random }) as (mean: number, std: number) => number;
}

/**
 * The Gaussian-copula sampling loop both copula generators share: per row, iid normals from `rng`,
 * correlated by the lower Cholesky factor, through the normal CDF (as stdlib computes it), then each
 * column's quantile function. Returns one column per quantile function.
 */
export function sampleCopulaColumns(cholesky: ArrayLike<number>, quantiles: ReadonlyArray<(u: number) => number>, n: number, rng: Rng): Float64Array[] {
  const d = quantiles.length;
  const lower = Float64Array.from(cholesky);
  const targets = quantiles.map(() => new Float64Array(n));
  const standardNormal = standardNormalOf(rng);
  const z = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) z[i] = standardNormal(0, 1);
    for (let i = 0; i < d; i++) {
      let x = 0;
      const row = i * d;
      for (let k = 0; k <= i; k++) x += lower[row + k]! * z[k]!;
      targets[i]![r] = quantiles[i]!(0.5 * erfc(-x / Math.SQRT2));
    }
  }
  return targets;
}

/** The empirical quantile function through sorted training values at u in [0, 1] (rounded for integer columns). */
export function empiricalQuantile(sorted: number[], u: number, integer: boolean): number {
  const position = u * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.min(sorted.length - 1, low + 1);
  const value = sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
  return integer ? Math.round(value) : value;
}

export class GaussianCopula {
  private constructor(readonly model: CopulaModel) {}

  /** A copula from a model object (e.g. one embedded in another model's file). */
  static fromModel(model: CopulaModel): GaussianCopula {
    if (model.kind !== 'gaussian-copula') throw new RangeError(`not a Gaussian copula model: kind ${JSON.stringify(model.kind)}`);
    return new GaussianCopula(model);
  }

  static fit(table: Table): GaussianCopula {
    const columns = Object.keys(table);
    if (columns.length === 0) throw new RangeError('cannot fit a copula to a table with no columns');
    const n = table[columns[0]!]!.length;
    if (n < 2) throw new RangeError('cannot fit a copula to fewer than 2 rows');
    return new GaussianCopula({
      kind: 'gaussian-copula',
      columns,
      marginals: columns.map((c) => Array.from(Float64Array.from(table[c]!).sort())),
      cholesky: normalScoreCholesky(table, columns),
      integer: columns.map((c) => table[c]!.every((v) => Number.isInteger(v))),
    });
  }

  /**
   * Draws n rows from `rng` through sampleCopulaColumns, with empiricalQuantile's arithmetic over a typed
   * copy of each marginal.
   */
  sample(n: number, rng: Rng): Table {
    const { columns, marginals, cholesky, integer } = this.model;
    const quantiles = marginals.map((m, i) => {
      const values = Float64Array.from(m);
      const last = values.length - 1;
      const round = integer[i]!;
      return (u: number) => {
        const position = u * last;
        const low = Math.floor(position);
        const high = low + 1 <= last ? low + 1 : last;
        const value = values[low]! + (values[high]! - values[low]!) * (position - low);
        return round ? Math.round(value) : value;
      };
    });
    const sampled = sampleCopulaColumns(cholesky, quantiles, n, rng);
    return Object.fromEntries(columns.map((c, i) => [c, sampled[i]!]));
  }

  save(path: string): Promise<void> {
    return saveModel(path, this.model);
  }

  static async load(path: string): Promise<GaussianCopula> {
    return new GaussianCopula(await loadModel<CopulaModel>(path, 'gaussian-copula'));
  }
}
