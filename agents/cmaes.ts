/**
 * CMA-ES as in Hansen's tutorial ("The CMA Evolution Strategy: A Tutorial", 2016) and his purecma.py:
 * weighted recombination of the best mu of lambda samples, cumulative step-size adaptation, rank-one
 * and rank-mu covariance updates, the h_sigma stall of the rank-one path, and a lazily refreshed
 * eigendecomposition. Ask/tell interface; `minimize` runs the loop with an optional parallel evaluator.
 */
import { eigs } from 'mathjs';
import { normal } from '../lib/distributions.ts';
import { Rng } from '../lib/rng.ts';

export interface CmaEsOptions {
  /** Population size lambda; default 4 + floor(3 ln n). */
  popsize?: number;
  seed?: number;
  /** Stop when the best f is below this. */
  ftarget?: number;
  maxEvaluations?: number;
  /** Stop when the spread of recent best values falls under this. */
  tolFun?: number;
  /** Stop when sigma x max(sqrt(diag C)) falls under this. */
  tolX?: number;
  /** Optional box: candidates are clipped into it before evaluation (the stored sample is not). */
  lower?: number[];
  upper?: number[];
}

export class CmaEs {
  readonly n: number;
  readonly lambda: number;
  readonly mu: number;
  readonly weights: Float64Array;
  readonly muEff: number;
  readonly cc: number;
  readonly cs: number;
  readonly c1: number;
  readonly cmu: number;
  readonly damps: number;
  readonly chiN: number;
  mean: Float64Array;
  sigma: number;
  /** Covariance C, its eigenvectors B (columns) and sqrt eigenvalues D. */
  private C: Float64Array[];
  private B: Float64Array[];
  private D: Float64Array;
  private pc: Float64Array;
  private ps: Float64Array;
  private eigenEval = 0;
  evaluations = 0;
  generation = 0;
  best: { x: Float64Array; f: number } = { x: new Float64Array(0), f: Infinity };
  private readonly rng: Rng;
  private readonly recentBest: number[] = [];
  private pending: Float64Array[] = [];

  constructor(
    x0: ArrayLike<number>,
    sigma0: number,
    readonly options: CmaEsOptions = {},
  ) {
    const n = x0.length;
    if (n < 1) throw new RangeError('CMA-ES needs at least one dimension');
    if (!(sigma0 > 0)) throw new RangeError(`CMA-ES sigma0 must be > 0, got ${sigma0}`);
    this.n = n;
    this.rng = Rng.create(options.seed ?? 1);
    this.lambda = options.popsize ?? 4 + Math.floor(3 * Math.log(n));
    this.mu = Math.floor(this.lambda / 2);
    const raw = Array.from({ length: this.mu }, (_, i) => Math.log(this.mu + 0.5) - Math.log(i + 1));
    const sum = raw.reduce((a, b) => a + b, 0);
    this.weights = Float64Array.from(raw, (w) => w / sum);
    this.muEff = 1 / this.weights.reduce((a, w) => a + w * w, 0);
    this.cc = (4 + this.muEff / n) / (n + 4 + (2 * this.muEff) / n);
    this.cs = (this.muEff + 2) / (n + this.muEff + 5);
    this.c1 = 2 / ((n + 1.3) ** 2 + this.muEff);
    this.cmu = Math.min(1 - this.c1, (2 * (this.muEff - 2 + 1 / this.muEff)) / ((n + 2) ** 2 + this.muEff));
    this.damps = 1 + 2 * Math.max(0, Math.sqrt((this.muEff - 1) / (n + 1)) - 1) + this.cs;
    this.chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    this.mean = Float64Array.from(x0);
    this.sigma = sigma0;
    this.C = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    this.B = this.C.map((row) => Float64Array.from(row));
    this.D = new Float64Array(n).fill(1);
    this.pc = new Float64Array(n);
    this.ps = new Float64Array(n);
  }

  /** lambda new candidate solutions. */
  ask(): Float64Array[] {
    this.updateEigensystem();
    const { n } = this;
    this.pending = [];
    for (let k = 0; k < this.lambda; k++) {
      const z = Float64Array.from({ length: n }, () => normal(this.rng));
      const x = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let y = 0;
        for (let j = 0; j < n; j++) y += this.B[i]![j]! * this.D[j]! * z[j]!;
        x[i] = this.mean[i]! + this.sigma * y;
      }
      this.pending.push(x);
    }
    return this.pending.map((x) => this.clip(x));
  }

  /** Candidate clipped into the optional box (what gets evaluated). */
  clip(x: Float64Array): Float64Array {
    const { lower, upper } = this.options;
    if (lower === undefined && upper === undefined) return x;
    return Float64Array.from(x, (v, i) => Math.min(upper?.[i] ?? Infinity, Math.max(lower?.[i] ?? -Infinity, v)));
  }

  /** Updates the distribution from the fitnesses (lower is better) of the last ask(). */
  tell(fitnesses: ArrayLike<number>): void {
    const { n, lambda, mu } = this;
    if (fitnesses.length !== lambda || this.pending.length !== lambda) throw new RangeError(`tell() needs the ${lambda} fitnesses of the last ask()`);
    this.evaluations += lambda;
    this.generation++;
    const order = Array.from({ length: lambda }, (_, k) => k).sort((a, b) => fitnesses[a]! - fitnesses[b]!);
    const bestIndex = order[0]!;
    if (fitnesses[bestIndex]! < this.best.f) this.best = { x: this.clip(this.pending[bestIndex]!), f: fitnesses[bestIndex]! };
    this.recentBest.push(fitnesses[bestIndex]!);
    if (this.recentBest.length > 10 + Math.ceil((30 * n) / lambda)) this.recentBest.shift();

    const oldMean = this.mean;
    const mean = new Float64Array(n);
    for (let r = 0; r < mu; r++) {
      const x = this.pending[order[r]!]!;
      for (let i = 0; i < n; i++) mean[i] = mean[i]! + this.weights[r]! * x[i]!;
    }
    this.mean = mean;
    const yw = Float64Array.from(mean, (m, i) => (m - oldMean[i]!) / this.sigma);

    // Cumulation of the step-size path uses C^{-1/2} yw = B D^{-1} B^T yw.
    const bty = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += this.B[i]![j]! * yw[i]!;
      bty[j] = s / this.D[j]!;
    }
    const csFactor = Math.sqrt(this.cs * (2 - this.cs) * this.muEff);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += this.B[i]![j]! * bty[j]!;
      this.ps[i] = (1 - this.cs) * this.ps[i]! + csFactor * s;
    }
    const psNorm = Math.hypot(...this.ps);
    const hsig = psNorm / Math.sqrt(1 - (1 - this.cs) ** (2 * this.generation)) / this.chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    const ccFactor = Math.sqrt(this.cc * (2 - this.cc) * this.muEff);
    for (let i = 0; i < n; i++) this.pc[i] = (1 - this.cc) * this.pc[i]! + hsig * ccFactor * yw[i]!;

    // Rank-one and rank-mu updates.
    const c1a = this.c1 * (1 - (1 - hsig * hsig) * this.cc * (2 - this.cc));
    const ys = order.slice(0, mu).map((k) => Float64Array.from(this.pending[k]!, (v, i) => (v - oldMean[i]!) / this.sigma));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        for (let r = 0; r < mu; r++) rankMu += this.weights[r]! * ys[r]![i]! * ys[r]![j]!;
        const value = (1 - c1a - this.cmu) * this.C[i]![j]! + this.c1 * this.pc[i]! * this.pc[j]! + this.cmu * rankMu;
        this.C[i]![j] = value;
        this.C[j]![i] = value;
      }
    }
    this.sigma *= Math.exp(Math.min(1, (this.cs / this.damps) * (psNorm / this.chiN - 1)));
  }

  private updateEigensystem(): void {
    const { n } = this;
    if (this.evaluations - this.eigenEval < this.lambda / (this.c1 + this.cmu) / n / 10) return;
    this.eigenEval = this.evaluations;
    const matrix = this.C.map((row) => Array.from(row));
    const result = eigs(matrix) as unknown as { eigenvectors: { value: number; vector: number[] }[] };
    result.eigenvectors.forEach(({ value, vector }, j) => {
      this.D[j] = Math.sqrt(Math.max(value, 1e-300));
      for (let i = 0; i < n; i++) this.B[i]![j] = vector[i]!;
    });
  }

  /** Why the run should stop, or undefined to go on. */
  stop(): string | undefined {
    const o = this.options;
    if (o.ftarget !== undefined && this.best.f <= o.ftarget) return 'ftarget';
    if (o.maxEvaluations !== undefined && this.evaluations >= o.maxEvaluations) return 'maxEvaluations';
    const history = this.recentBest;
    if (o.tolFun !== undefined && history.length >= 10 && Math.max(...history) - Math.min(...history) < o.tolFun) return 'tolFun';
    if (o.tolX !== undefined) {
      let maxStd = 0;
      for (let i = 0; i < this.n; i++) maxStd = Math.max(maxStd, Math.sqrt(this.C[i]![i]!));
      if (this.sigma * maxStd < o.tolX) return 'tolX';
    }
    if (!Number.isFinite(this.sigma) || this.sigma > 1e30) return 'sigma diverged';
    return undefined;
  }
}

export type Objective = (x: Float64Array) => number;
export type BatchObjective = (xs: Float64Array[]) => Promise<number[]> | number[];

export interface MinimizeResult {
  x: Float64Array;
  f: number;
  evaluations: number;
  generations: number;
  stopReason: string;
  history: { evaluations: number; best: number; sigma: number }[];
}

/** Minimises `objective` (one point at a time, or a batch evaluator that may run in parallel). */
export async function cmaesMinimize(objective: Objective | BatchObjective, x0: ArrayLike<number>, sigma0: number, options: CmaEsOptions & { batch?: boolean } = {}): Promise<MinimizeResult> {
  const es = new CmaEs(x0, sigma0, { maxEvaluations: 100_000 * x0.length, ...options });
  const history: MinimizeResult['history'] = [];
  let reason: string | undefined;
  while ((reason = es.stop()) === undefined) {
    const candidates = es.ask();
    const fitnesses = options.batch ? await (objective as BatchObjective)(candidates) : candidates.map((x) => (objective as Objective)(x));
    es.tell(fitnesses);
    history.push({ evaluations: es.evaluations, best: es.best.f, sigma: es.sigma });
  }
  return { x: es.best.x, f: es.best.f, evaluations: es.evaluations, generations: es.generation, stopReason: reason, history };
}
