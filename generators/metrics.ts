/**
 * Fidelity and privacy metrics for synthetic tables of numerical columns, as in SDMetrics and
 * ../shared/docs/synthetic-data.md:
 * - quality score = mean of column shapes (KSComplement = 1 - two-sample KS statistic) and column-pair
 *   trends (CorrelationSimilarity = 1 - |rho_real - rho_synth| / 2, Pearson);
 * - boundary adherence (share of synthetic values within the real column's min..max);
 * - DCR: per column min(|s - r| / range, 1), averaged over columns, minimised over reference rows;
 * - DCR overfitting protection = min(2 (1 - share of synthetic rows closer to train than to holdout), 1);
 * - membership-inference AUC (Mann-Whitney) of a distance-to-synthetic attacker; 0.5 = no leak.
 */
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

/** SDMetrics' DCR overfitting protection against a holdout of the same size as the training rows. */
export function dcrOverfittingProtection(synthetic: Table, train: Table, holdout: Table): number {
  const toTrain = distanceToClosestRecord(synthetic, train, train);
  const toHoldout = distanceToClosestRecord(synthetic, holdout, train);
  let closerToTrain = 0;
  for (let i = 0; i < toTrain.length; i++) if (toTrain[i]! < toHoldout[i]!) closerToTrain++;
  return Math.min(2 * (1 - closerToTrain / toTrain.length), 1);
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
