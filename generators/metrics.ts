/**
 * Fidelity and privacy metrics for synthetic tables of numerical columns, as in SDMetrics and
 * ../shared/docs/synthetic-data.md:
 * - quality score = mean of column shapes (KSComplement = 1 - two-sample KS statistic) and column-pair
 *   trends (CorrelationSimilarity = 1 - |rho_real - rho_synth| / 2, Pearson);
 * - boundary adherence (share of synthetic values within the real column's min..max);
 * - DCR: per column min(|s - r| / range, 1), averaged over columns, minimised over reference rows;
 * - DCR overfitting protection = min((1 - share of synthetic rows closer to train than to holdout) / (1 - p0), 1)
 *   with p0 = train / (train + holdout) rows, the share an independent sample shows (SDMetrics' formula when
 *   the sizes are equal; see dcrBreakdown);
 * - membership-inference AUC (Mann-Whitney) of a distance-to-synthetic attacker; 0.5 = no leak.
 */
import { wilsonInterval } from '../lib/intervals.ts';

export type Table = Record<string, Float64Array>;

function columnsOf(real: Table, synthetic: Table): string[] {
  const names = Object.keys(real);
  for (const name of names) if (!(name in synthetic)) throw new RangeError(`synthetic table lacks column '${name}'`);
  return names;
}

function rows(table: Table): number {
  const first = Object.values(table)[0];
  return first === undefined ? 0 : first.length;
}

/** Two-sample Kolmogorov-Smirnov statistic. */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

export interface QualityReport {
  columnShapes: number;
  columnPairTrends: number;
  overall: number;
  perColumn: Record<string, number>;
  boundaryAdherence: number;
}

function columnRange(column: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < column.length; i++) {
    min = Math.min(min, column[i]!);
    max = Math.max(max, column[i]!);
  }
  return { min, max };
}

export function qualityReport(real: Table, synthetic: Table): QualityReport {
  const names = columnsOf(real, synthetic);
  const perColumn: Record<string, number> = {};
  for (const name of names) perColumn[name] = 1 - ksStatistic(real[name]!, synthetic[name]!);
  const shapes = Object.values(perColumn).reduce((a, b) => a + b, 0) / names.length;
  const pairs: number[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      pairs.push(1 - Math.abs(pearson(real[names[i]!]!, real[names[j]!]!) - pearson(synthetic[names[i]!]!, synthetic[names[j]!]!)) / 2);
    }
  }
  const trends = pairs.length === 0 ? 1 : pairs.reduce((a, b) => a + b, 0) / pairs.length;
  let inside = 0;
  for (const name of names) {
    const { min, max } = columnRange(real[name]!);
    const s = synthetic[name]!;
    let count = 0;
    for (const v of s) if (v >= min && v <= max) count++;
    inside += count / s.length;
  }
  return { columnShapes: shapes, columnPairTrends: trends, overall: (shapes + trends) / 2, perColumn, boundaryAdherence: inside / names.length };
}

/** For each row of `query`, the distance to the closest row of `reference` (ranges from `rangeOf`). */
export function distanceToClosestRecord(query: Table, reference: Table, rangeOf: Table = reference): Float64Array {
  const names = columnsOf(reference, query);
  const ranges = names.map((name) => {
    const { min, max } = columnRange(rangeOf[name]!);
    return max > min ? max - min : 1;
  });
  const q = names.map((n) => query[n]!);
  const r = names.map((n) => reference[n]!);
  const nq = rows(query);
  const nr = rows(reference);
  const out = new Float64Array(nq);
  for (let i = 0; i < nq; i++) {
    let best = Infinity;
    for (let k = 0; k < nr; k++) {
      let d = 0;
      for (let c = 0; c < names.length; c++) d += Math.min(Math.abs(q[c]![i]! - r[c]![k]!) / ranges[c]!, 1);
      d /= names.length;
      if (d < best) best = d;
    }
    out[i] = best;
  }
  return out;
}

/** What DCR overfitting protection measured, so that a reader can check the score's basis. */
export interface DcrBreakdown {
  /** 0 = the synthetic rows sit on the training rows, 1 = no closer to them than an independent sample would be. */
  score: number;
  /** 95 % interval of the score (Wilson interval of the closer-to-train share, mapped through the score). */
  interval: [number, number];
  /** Share of synthetic rows closer to a training row than to any holdout row (ties count half). */
  closerToTrain: number;
  /**
   * The share an independent sample from the same distribution would show: train / (train + holdout) rows.
   * The nearest of the pooled real rows is then equally likely to be any of them, so this is exact, whatever
   * the split's sizes.
   */
  expectedIfIndependent: number;
  syntheticRows: number;
  trainRows: number;
  holdoutRows: number;
}

/**
 * DCR overfitting protection: how much closer the synthetic rows are to the training rows than to real rows
 * the generator never saw. SDMetrics scores min(2 (1 - closer-to-train share), 1), which assumes a holdout as
 * large as the training set (an independent sample is then closer to train half the time). With an 80/20
 * split an independent sample is closer to train 80 % of the time and SDMetrics' formula reads 0.4 for a
 * generator that copies nothing. Here the share is compared with the share an independent sample would show,
 * p0 = train / (train + holdout): score = min((1 - share) / (1 - p0), 1). With equal sizes this is SDMetrics'
 * formula; with any split a perfect copy scores 0 and an independent sample about 1. Subsampling the training
 * rows to the holdout's size instead would let a perfect copy score 0.75 at 80/20 (three quarters of the
 * copied rows are then missing from the reference set), so the full training set is kept.
 */
export function dcrBreakdown(synthetic: Table, train: Table, holdout: Table): DcrBreakdown {
  const toTrain = distanceToClosestRecord(synthetic, train, train);
  const toHoldout = distanceToClosestRecord(synthetic, holdout, train);
  let closer = 0;
  for (let i = 0; i < toTrain.length; i++) closer += toTrain[i]! < toHoldout[i]! ? 1 : toTrain[i] === toHoldout[i] ? 0.5 : 0;
  const n = toTrain.length;
  const trainRows = rows(train);
  const holdoutRows = rows(holdout);
  const expected = trainRows / (trainRows + holdoutRows);
  const score = (share: number) => Math.min(Math.max((1 - share) / (1 - expected), 0), 1);
  const { lo: low, hi: high } = wilsonInterval(closer, n);
  return {
    score: score(closer / n),
    interval: [score(high), score(low)],
    closerToTrain: closer / n,
    expectedIfIndependent: expected,
    syntheticRows: n,
    trainRows,
    holdoutRows,
  };
}

/** The score of `dcrBreakdown`: 0 = copies of the training rows, 1 = no closer to them than to unseen rows. */
export function dcrOverfittingProtection(synthetic: Table, train: Table, holdout: Table): number {
  return dcrBreakdown(synthetic, train, holdout).score;
}

/** Area under the ROC curve by the Mann-Whitney statistic (ties count half). */
export function aucMannWhitney(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  const all = [...Array.from(positives, (v) => ({ v, p: 1 })), ...Array.from(negatives, (v) => ({ v, p: 0 }))].sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]!.p === 1) rankSum += averageRank;
    i = j;
  }
  const np = positives.length;
  const nn = negatives.length;
  return (rankSum - (np * (np + 1)) / 2) / (np * nn);
}

/** Membership inference: members (train rows) vs non-members (holdout rows), scored by closeness to the synthetic data. */
export function membershipInferenceAuc(synthetic: Table, train: Table, holdout: Table): number {
  const members = distanceToClosestRecord(train, synthetic, train).map((d) => -d);
  const others = distanceToClosestRecord(holdout, synthetic, train).map((d) => -d);
  return aucMannWhitney(members, others);
}
