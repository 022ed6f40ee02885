/**
 * Running mean and variance over a stream of vectors, merged batch by batch with Chan et al.'s
 * parallel formula; the same object as Gymnasium's / Baselines' `RunningMeanStd` (count starts at
 * epsilon = 1e-4, mean 0, var 1), so normalisation matches theirs step for step.
 */
export class RunningMeanStd {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count: number;

  constructor(
    readonly size: number,
    epsilon = 1e-4,
  ) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  /** Merges one observation. */
  updateOne(x: ArrayLike<number>): void {
    const total = this.count + 1;
    for (let i = 0; i < this.size; i++) {
      const delta = x[i]! - this.mean[i]!;
      this.mean[i] = this.mean[i]! + delta / total;
      this.var[i] = (this.var[i]! * this.count + (delta * delta * this.count) / total) / total;
    }
    this.count = total;
  }

  /** Merges a batch of `batchCount` rows laid out row-major in `rows`. */
  updateBatch(rows: ArrayLike<number>, batchCount: number): void {
    if (batchCount === 0) return;
    const batchMean = new Float64Array(this.size);
    const batchVar = new Float64Array(this.size);
    for (let r = 0; r < batchCount; r++) for (let i = 0; i < this.size; i++) batchMean[i] = batchMean[i]! + rows[r * this.size + i]!;
    for (let i = 0; i < this.size; i++) batchMean[i] = batchMean[i]! / batchCount;
    for (let r = 0; r < batchCount; r++) {
      for (let i = 0; i < this.size; i++) {
        const d = rows[r * this.size + i]! - batchMean[i]!;
        batchVar[i] = batchVar[i]! + d * d;
      }
    }
    for (let i = 0; i < this.size; i++) batchVar[i] = batchVar[i]! / batchCount;
    const total = this.count + batchCount;
    for (let i = 0; i < this.size; i++) {
      const delta = batchMean[i]! - this.mean[i]!;
      this.mean[i] = this.mean[i]! + (delta * batchCount) / total;
      const m2 = this.var[i]! * this.count + batchVar[i]! * batchCount + (delta * delta * this.count * batchCount) / total;
      this.var[i] = m2 / total;
    }
    this.count = total;
  }

  toJSON(): { mean: number[]; var: number[]; count: number } {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  load(state: { mean: ArrayLike<number>; var: ArrayLike<number>; count: number }): void {
    this.mean.set(Array.from(state.mean));
    this.var.set(Array.from(state.var));
    this.count = state.count;
  }
}
