/**
 * MST (McKenna, Miklau and Sheldon 2021, "Winning the NIST Contest"): differentially private synthetic data
 * from noisy marginals on a tree.
 *
 * Every column is discretised on a PUBLIC grid (dp/marginals.ts: cells from the column's public bounds, never
 * from the data). The privacy budget, as zero-concentrated DP rho, is spent in three equal parts:
 * 1. all one-way marginals, with the Gaussian mechanism (a record is in d histograms: L2 sensitivity sqrt(d));
 * 2. the tree: d - 1 rounds of the exponential mechanism over the pairs that join two parts of the forest,
 *    each pair scored by how far its two-way marginal lies from the independence the noisy one-way marginals
 *    give (L1 distance, sensitivity 1), as Kruskal's algorithm for a maximum spanning tree;
 * 3. the tree's d - 1 two-way marginals, with the Gaussian mechanism (sensitivity sqrt(d - 1)).
 * The accounting composes each mechanism's RDP curve (Gaussian: alpha rho; exponential mechanism with epsilon0:
 * alpha epsilon0^2 / 8, its zCDP bound) over dp/accountant.ts's orders and converts the sum to (epsilon, delta)
 * there, as the VAE's DP-SGD does; rho is the largest whose total meets the target epsilon.
 * The estimate (post-processing, free): each column's distribution averages its noisy one-way counts with the
 * margins of its noisy two-way tables, weighted by their variances; each edge's table is made non-negative and
 * then consistent with both columns by iterative proportional fitting. Sampling walks the tree from its root,
 * each column drawn given its parent's cell, a value uniform inside its cell.
 * Without `epsilon`, nothing is noised and the tree is the exact maximum spanning tree: the same model, not
 * private.
 */
import { normal } from '../lib/distributions.ts';
import { Rng } from '../lib/rng.ts';
import { composeRdp, DEFAULT_ORDERS, gaussianMechanismRdp, privacySpent } from './dp/accountant.ts';
import { boundsFor, cellOf, histogramCells, type ColumnBounds, type HistogramMarginal } from './dp/marginals.ts';
import type { Table } from './metrics.ts';
import { saveModel } from './model-io.ts';

export interface MstOptions {
  /** Target epsilon; absent: no differential privacy (exact marginals). */
  epsilon?: number;
  /** Delta of the (epsilon, delta) guarantee (default 1e-5: far below 1 / rows for any DAO here). */
  delta?: number;
  /** Grid intervals per column before atoms (default MST_INTERVALS). */
  intervals?: number;
  /** Public bounds for columns that are not member features (dp/marginals.ts FEATURE_BOUNDS). */
  bounds?: Record<string, ColumnBounds>;
  /**
   * Noisy counts under this many noise standard deviations are taken as empty (post-processing; default 1):
   * most cells of a two-way table are empty, and clipping their noise at 0 alone would spread mass over them.
   */
  threshold?: number;
  seed?: number;
}

export interface MstPrivacy {
  epsilon: number;
  delta: number;
  /** zCDP rho spent, and how: the one-way and two-way noise standard deviations, the selection's epsilon per round. */
  rho: number;
  oneWayStd: number;
  twoWayStd: number;
  selectionEpsilonPerRound: number;
  rows: number;
}

interface Edge {
  parent: number;
  child: number;
  /** P(parent cell, child cell), row-major by the parent's cell. */
  joint: number[];
}

interface MstModel {
  kind: 'mst';
  columns: string[];
  cells: Array<{ lows: number[]; highs: number[]; integer: boolean }>;
  root: number;
  rootProbabilities: number[];
  /** In sampling order: each child after its parent. */
  edges: Edge[];
  privacy: MstPrivacy | null;
}

/** The zCDP rho whose composed RDP curve (alpha rho at every order) converts to at most `epsilon` at `delta`. */
export function rhoForEpsilon(epsilon: number, delta: number): number {
  const spent = (rho: number) => privacySpent(DEFAULT_ORDERS.map((alpha) => alpha * rho), delta).epsilon;
  let low = 0;
  let high = 1;
  while (spent(high) < epsilon) high *= 2;
  for (let k = 0; k < 100; k++) {
    const mid = (low + high) / 2;
    if (spent(mid) <= epsilon) low = mid;
    else high = mid;
  }
  return low;
}

/** The budget split and the noise it implies for d columns (d >= 2). */
export function mstNoise(rho: number, d: number): { oneWayStd: number; twoWayStd: number; selectionEpsilonPerRound: number } {
  const part = rho / 3;
  return {
    // Gaussian mechanism: rho = sensitivity^2 / (2 std^2).
    oneWayStd: Math.sqrt(d / (2 * part)),
    twoWayStd: Math.sqrt((d - 1) / (2 * part)),
    // The exponential mechanism with epsilon0 is epsilon0^2 / 8 -zCDP: d - 1 rounds share a third.
    selectionEpsilonPerRound: Math.sqrt((8 * part) / (d - 1)),
  };
}

/** The RDP curve of everything MST releases, for the accountant's orders. */
export function mstRdp(noise: { oneWayStd: number; twoWayStd: number; selectionEpsilonPerRound: number }, d: number): Float64Array {
  const oneWay = gaussianMechanismRdp(noise.oneWayStd / Math.sqrt(d));
  const twoWay = gaussianMechanismRdp(noise.twoWayStd / Math.sqrt(d - 1));
  const selection = Float64Array.from(DEFAULT_ORDERS, (alpha) => ((d - 1) * alpha * noise.selectionEpsilonPerRound ** 2) / 8);
  return composeRdp(oneWay, twoWay, selection);
}

/** Grid intervals per column: 12 gave the best quality at epsilon 1 on the three DAOs' voters (8 to 16 tried). */
export const MST_INTERVALS = 12;

const clipNormalise = (values: ArrayLike<number>): number[] => {
  const clipped = Array.from(values, (v) => Math.max(0, v));
  const total = clipped.reduce((a, b) => a + b, 0);
  return total > 0 ? clipped.map((v) => v / total) : clipped.map(() => 1 / clipped.length);
};

export class MstGenerator {
  private constructor(private readonly model: MstModel) {}

  get columns(): string[] {
    return this.model.columns;
  }

  get privacy(): MstPrivacy | null {
    return this.model.privacy;
  }

  static fit(table: Table, options: MstOptions = {}): MstGenerator {
    const columns = Object.keys(table);
    const d = columns.length;
    if (d < 2) throw new RangeError(`MST needs at least 2 columns, got ${d}`);
    const n = table[columns[0]!]!.length;
    if (n < 2) throw new RangeError(`MST needs at least 2 rows, got ${n}`);
    const dp = options.epsilon !== undefined;
    if (dp && !(options.epsilon! > 0 && Number.isFinite(options.epsilon!))) throw new RangeError(`epsilon must be a positive number, got ${options.epsilon}`);
    const delta = options.delta ?? 1e-5;
    const rng = Rng.create(options.seed ?? 0).stream('mst');
    const grids: HistogramMarginal[] = boundsFor(columns, options.bounds).map((b) => histogramCells(b, options.intervals ?? MST_INTERVALS));
    const sizes = grids.map((g) => g.lows.length);
    const codes = columns.map((c, j) => Int32Array.from(table[c]!, (x) => cellOf(grids[j]!, x)));

    const rho = dp ? rhoForEpsilon(options.epsilon!, delta) : Infinity;
    const noise = dp ? mstNoise(rho, d) : { oneWayStd: 0, twoWayStd: 0, selectionEpsilonPerRound: Infinity };
    const noisy = (counts: Float64Array, std: number, stream: Rng): Float64Array => (std === 0 ? counts : counts.map((v) => v + normal(stream, 0, std)));

    // 1. One-way marginals.
    const oneWay = codes.map((column, j) => {
      const counts = new Float64Array(sizes[j]!);
      for (const c of column) counts[c]!++;
      return noisy(counts, noise.oneWayStd, rng.stream('one-way', j));
    });
    const independent = oneWay.map(clipNormalise);
    const total = Math.max(1, oneWay.reduce((a, h) => a + h.reduce((x, y) => x + y, 0), 0) / d);

    // 2. The tree: Kruskal by the exponential mechanism over pair scores.
    const pairCounts = (a: number, b: number): Float64Array => {
      const counts = new Float64Array(sizes[a]! * sizes[b]!);
      const ca = codes[a]!;
      const cb = codes[b]!;
      for (let i = 0; i < n; i++) counts[ca[i]! * sizes[b]! + cb[i]!]!++;
      return counts;
    };
    const score = (a: number, b: number): number => {
      const counts = pairCounts(a, b);
      let l1 = 0;
      for (let x = 0; x < sizes[a]!; x++) for (let y = 0; y < sizes[b]!; y++) l1 += Math.abs(counts[x * sizes[b]! + y]! - total * independent[a]![x]! * independent[b]![y]!);
      return l1;
    };
    const scores = new Map<string, number>();
    for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) scores.set(`${a},${b}`, score(a, b));
    const component = Array.from({ length: d }, (_, i) => i);
    const find = (i: number): number => (component[i] === i ? i : (component[i] = find(component[i]!)));
    const chosen: Array<[number, number]> = [];
    const selection = rng.stream('selection');
    for (let round = 0; round < d - 1; round++) {
      const candidates = [...scores].map(([key, s]) => ({ pair: key.split(',').map(Number) as [number, number], s })).filter(({ pair }) => find(pair[0]) !== find(pair[1]));
      let pick: [number, number];
      if (!dp) {
        pick = candidates.reduce((best, c) => (c.s > best.s ? c : best)).pair;
      } else {
        // Exponential mechanism, sensitivity 1: weights exp(epsilon0 score / 2), from the largest for stability.
        const top = Math.max(...candidates.map((c) => c.s));
        const weights = candidates.map((c) => Math.exp((noise.selectionEpsilonPerRound * (c.s - top)) / 2));
        const sum = weights.reduce((a, b) => a + b, 0);
        let u = selection.random() * sum;
        let k = 0;
        while (k < weights.length - 1 && u >= weights[k]!) u -= weights[k++]!;
        pick = candidates[k]!.pair;
      }
      chosen.push(pick);
      component[find(pick[0])] = find(pick[1]);
    }

    // 3. The tree's two-way marginals.
    const twoWay = chosen.map(([a, b], k) => ({ a, b, counts: noisy(pairCounts(a, b), noise.twoWayStd, rng.stream('two-way', k)) }));

    // Estimate: each column from its one-way counts and its edges' margins (inverse-variance weights).
    const nodes = oneWay.map((counts, j) => {
      const sum = Float64Array.from(counts);
      let weight = 1 / Math.max(1e-12, noise.oneWayStd ** 2);
      if (dp) for (let c = 0; c < sum.length; c++) sum[c] = sum[c]! * weight;
      for (const edge of twoWay) {
        if (edge.a !== j && edge.b !== j) continue;
        const other = edge.a === j ? sizes[edge.b]! : sizes[edge.a]!;
        const margin = new Float64Array(sizes[j]!);
        for (let x = 0; x < sizes[edge.a]!; x++) for (let y = 0; y < sizes[edge.b]!; y++) margin[edge.a === j ? x : y]! += edge.counts[x * sizes[edge.b]! + y]!;
        if (!dp) continue;
        const w = 1 / (other * noise.twoWayStd ** 2);
        for (let c = 0; c < sum.length; c++) sum[c]! += w * margin[c]!;
        weight += w;
      }
      // A cell's estimate is a count: under `threshold` of its own noise it is taken as empty.
      const std = dp ? 1 / Math.sqrt(weight) : 0;
      return clipNormalise(dp ? sum.map((v) => (v / weight < (options.threshold ?? 1) * std ? 0 : v / weight)) : sum);
    });
    const threshold = options.threshold ?? 1;
    const fitted = twoWay.map(({ a, b, counts }) => ({ a, b, joint: ipf(clipNormalise(counts.map((v) => (v < threshold * noise.twoWayStd ? 0 : v))), nodes[a]!, nodes[b]!) }));

    // Orient the tree from column 0.
    const root = 0;
    const edges: Edge[] = [];
    const reached = new Set([root]);
    while (edges.length < d - 1) {
      for (const { a, b, joint } of fitted) {
        if (reached.has(a) === reached.has(b)) continue;
        const [parent, child] = reached.has(a) ? [a, b] : [b, a];
        const rows = sizes[parent]!;
        const cols = sizes[child]!;
        // Row-major by the parent's cell.
        const oriented = parent === a ? joint : Array.from({ length: rows * cols }, (_, k) => joint[(k % cols) * sizes[b]! + Math.floor(k / cols)]!);
        edges.push({ parent, child, joint: oriented });
        reached.add(child);
      }
    }
    const privacy: MstPrivacy | null = dp ? { epsilon: privacySpent(mstRdp(noise, d), delta).epsilon, delta, rho, ...noise, rows: n } : null;
    return new MstGenerator({
      kind: 'mst',
      columns,
      cells: grids.map((g) => ({ lows: g.lows, highs: g.highs, integer: g.integer })),
      root,
      rootProbabilities: nodes[root]!,
      edges,
      privacy,
    });
  }

  sample(n: number, rng: Rng): Table {
    const { columns, cells, root, rootProbabilities, edges } = this.model;
    const codes = columns.map(() => new Int32Array(n));
    const draw = (probabilities: ArrayLike<number>, offset: number, length: number, u: number): number => {
      let total = 0;
      for (let k = 0; k < length; k++) total += probabilities[offset + k]!;
      let target = u * total;
      for (let k = 0; k < length; k++) {
        target -= probabilities[offset + k]!;
        if (target < 0) return k;
      }
      return length - 1;
    };
    const stream = rng.stream('mst-sample');
    for (let i = 0; i < n; i++) codes[root]![i] = draw(rootProbabilities, 0, rootProbabilities.length, stream.random());
    for (const edge of edges) {
      const width = cells[edge.child]!.lows.length;
      for (let i = 0; i < n; i++) codes[edge.child]![i] = draw(edge.joint, codes[edge.parent]![i]! * width, width, stream.random());
    }
    const values = rng.stream('mst-values');
    return Object.fromEntries(
      columns.map((name, j) => {
        const { lows, highs, integer } = cells[j]!;
        return [name, Float64Array.from(codes[j]!, (c) => (integer ? lows[c]! + Math.floor(values.random() * (highs[c]! - lows[c]! + 1)) : lows[c]! + values.random() * (highs[c]! - lows[c]!)))];
      }),
    );
  }

  async save(path: string): Promise<void> {
    await saveModel(path, this.model);
  }

  static fromModel(model: unknown): MstGenerator {
    return new MstGenerator(model as MstModel);
  }

  static async load(path: string): Promise<MstGenerator> {
    const { readModelFile } = await import('./model-io.ts');
    return new MstGenerator(readModelFile(path, 'mst').model as unknown as MstModel);
  }
}

/** Iterative proportional fitting of a joint table (row-major, rows x cols) to two margins. */
function ipf(joint: number[], rows: number[], cols: number[], iterations = 50): number[] {
  const r = rows.length;
  const c = cols.length;
  const table = joint.map((v) => v + 1e-12);
  for (let it = 0; it < iterations; it++) {
    for (let x = 0; x < r; x++) {
      let sum = 0;
      for (let y = 0; y < c; y++) sum += table[x * c + y]!;
      const scale = sum > 0 ? rows[x]! / sum : 0;
      for (let y = 0; y < c; y++) table[x * c + y] = table[x * c + y]! * scale;
    }
    for (let y = 0; y < c; y++) {
      let sum = 0;
      for (let x = 0; x < r; x++) sum += table[x * c + y]!;
      const scale = sum > 0 ? cols[y]! / sum : 0;
      for (let x = 0; x < r; x++) table[x * c + y] = table[x * c + y]! * scale;
    }
  }
  return table;
}

