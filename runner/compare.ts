/**
 * A paired comparison across runs: the trials of runs A and of runs B matched by trial key and trial seed,
 * and for each metric the mean of A - B over the pairs with a bootstrap interval. This is how an ablation
 * that needs a second run is read: the same config run with and without an option (the same `seed:`, so the
 * same trial seeds), replicate by replicate, so the replicates' own spread cancels. Several runs per side pool
 * their pairs (e.g. one run per config seed).
 */
import { Rng } from '../lib/rng.ts';
import { bootstrapMean, DEFAULT_LEVEL, DEFAULT_RESAMPLES, type BootstrapMethod } from './stats.ts';
import type { TrialResult } from './types.ts';

export class CompareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompareError';
  }
}

/** One side of the comparison: a run's id and its trials. */
export interface ComparedRun {
  runId: string;
  trials: readonly TrialResult[];
}

/** A metric of A's trials set against a metric of B's (usually the same name). */
export interface MetricPair {
  a: string;
  b: string;
}

export interface ComparisonOptions {
  /** Metrics to compare (default: every metric both sides' paired trials report). */
  metrics?: readonly MetricPair[];
  resamples?: number;
  level?: number;
  method?: BootstrapMethod;
  /** Seed of the bootstrap's stream (each metric draws from its own sub-stream). */
  seed?: number;
}

export interface ComparisonRow {
  metricA: string;
  metricB: string;
  /** Pairs in which both trials report the metric as a finite number. */
  pairs: number;
  meanA: number;
  meanB: number;
  /** Mean of A - B over the pairs, with its bootstrap interval (over trial seeds). */
  difference: number;
  lo: number;
  hi: number;
  /** meanA / meanB - 1, when both means have the same sign (a ratio of a mean near zero, or across zero, says nothing). */
  relative: number | null;
  /** Pairs where A is higher, lower, equal. */
  aHigher: number;
  aLower: number;
  ties: number;
}

export interface Comparison {
  /** Trials matched, and those of either side that found no partner. */
  pairs: number;
  unpairedA: number;
  unpairedB: number;
  level: number;
  method: BootstrapMethod;
  resamples: number;
  rows: ComparisonRow[];
}

interface TrialPairAcross {
  seed: number;
  a: TrialResult;
  b: TrialResult;
}

const pairKey = (trial: TrialResult): string => `${trial.key}#${trial.seed}`;

function indexSide(side: readonly ComparedRun[], label: string): Map<string, { runId: string; trial: TrialResult }> {
  const index = new Map<string, { runId: string; trial: TrialResult }>();
  for (const run of side) {
    for (const trial of run.trials) {
      const key = pairKey(trial);
      const first = index.get(key);
      if (first !== undefined) {
        throw new CompareError(`${label}: trial '${trial.key}' with seed ${trial.seed} is in run ${first.runId} and in run ${run.runId}; give each trial seed once per side`);
      }
      index.set(key, { runId: run.runId, trial });
    }
  }
  return index;
}

/** Matches A's trials with B's by trial key and seed; a trial key or seed repeated within one side is an error. */
export function pairAcrossRuns(a: readonly ComparedRun[], b: readonly ComparedRun[]): { pairs: TrialPairAcross[]; unpairedA: number; unpairedB: number } {
  const left = indexSide(a, 'A');
  const right = indexSide(b, 'B');
  const pairs: TrialPairAcross[] = [];
  for (const [key, { trial }] of left) {
    const partner = right.get(key);
    if (partner !== undefined) pairs.push({ seed: trial.seed, a: trial, b: partner.trial });
  }
  return { pairs, unpairedA: left.size - pairs.length, unpairedB: right.size - pairs.length };
}

const finite = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value);

/** Metric names reported (finite) by both trials of at least one pair, sorted. */
export function sharedMetrics(pairs: readonly TrialPairAcross[]): string[] {
  const names = new Set<string>();
  for (const { a, b } of pairs) {
    for (const [name, value] of Object.entries(a.metrics)) if (finite(value) && finite(b.metrics[name])) names.add(name);
  }
  return [...names].sort();
}

/**
 * The paired comparison of runs A against runs B. Throws CompareError when no trial pairs, or when a named
 * metric is reported by no pair (the message lists the metrics that are).
 */
export function compareRuns(a: readonly ComparedRun[], b: readonly ComparedRun[], options: ComparisonOptions = {}): Comparison {
  const { pairs, unpairedA, unpairedB } = pairAcrossRuns(a, b);
  if (pairs.length === 0) {
    const seeds = (side: readonly ComparedRun[]) => [...new Set(side.flatMap((run) => run.trials.map((t) => t.seed)))].slice(0, 4).join(', ') || 'none';
    throw new CompareError(
      `no trial of A pairs with one of B: pairs need the same trial key and seed (runs of configs with the same seed: and trial layout); A's seeds ${seeds(a)}, B's ${seeds(b)}`,
    );
  }
  const shared = sharedMetrics(pairs);
  const metrics = options.metrics ?? shared.map((name) => ({ a: name, b: name }));
  for (const metric of metrics) {
    for (const side of ['A', 'B'] as const) {
      const name = side === 'A' ? metric.a : metric.b;
      if (!pairs.some((pair) => finite((side === 'A' ? pair.a : pair.b).metrics[name]))) {
        throw new CompareError(`--metric: '${name}' is not a metric of ${side}'s paired trials; they report: ${shared.join(', ') || 'none'}`);
      }
    }
  }
  const level = options.level ?? DEFAULT_LEVEL;
  const method = options.method ?? 'percentile';
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const root = Rng.create(options.seed ?? 0);
  const rows = metrics.map((metric): ComparisonRow => {
    const valuesA: number[] = [];
    const valuesB: number[] = [];
    const seeds: number[] = [];
    for (const pair of pairs) {
      const x = pair.a.metrics[metric.a];
      const y = pair.b.metrics[metric.b];
      if (!finite(x) || !finite(y)) continue;
      valuesA.push(x);
      valuesB.push(y);
      seeds.push(pair.seed);
    }
    if (valuesA.length === 0) throw new CompareError(`--metric: no pair reports both '${metric.a}' (A) and '${metric.b}' (B)`);
    const differences = valuesA.map((x, i) => x - valuesB[i]!);
    // Trials of one seed (several keys of one run) share that seed's draws: resample seeds, not pairs.
    const estimate = bootstrapMean(differences, root.stream('compare', metric.a, metric.b), { resamples, level, method, clusters: seeds });
    const meanA = valuesA.reduce((s, x) => s + x, 0) / valuesA.length;
    const meanB = valuesB.reduce((s, x) => s + x, 0) / valuesB.length;
    return {
      metricA: metric.a,
      metricB: metric.b,
      pairs: differences.length,
      meanA,
      meanB,
      difference: estimate.mean,
      lo: estimate.lo,
      hi: estimate.hi,
      relative: meanA * meanB > 0 ? meanA / meanB - 1 : null,
      aHigher: differences.filter((d) => d > 0).length,
      aLower: differences.filter((d) => d < 0).length,
      ties: differences.filter((d) => d === 0).length,
    };
  });
  return { pairs: pairs.length, unpairedA, unpairedB, level, method, resamples, rows };
}

/** A config field whose values differ between the runs of A and those of B. */
export interface ConfigDifference {
  path: string;
  /** The distinct values (JSON; '(unset)' where a run's config lacks the field) in A's runs and in B's. */
  a: string[];
  b: string[];
}

const UNSET = '(unset)';

function flattenConfig(value: unknown, prefix: string, into: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flattenConfig(child, prefix === '' ? key : `${prefix}.${key}`, into);
  } else into.set(prefix, JSON.stringify(value));
}

/**
 * Where the stored (validated, defaults filled in) configs of A's runs differ from B's: what the comparison
 * varies, besides anything that changed in the code between the runs. Fields are compared as sets of values
 * over each side's runs, so pooling runs of several `seed:`s on both sides shows no difference in `seed`.
 */
export function configDifferences(a: readonly unknown[], b: readonly unknown[]): ConfigDifference[] {
  const flat = (configs: readonly unknown[]) =>
    configs.map((config) => {
      const fields = new Map<string, string>();
      flattenConfig(config, '', fields);
      return fields;
    });
  const left = flat(a);
  const right = flat(b);
  const paths = new Set([...left, ...right].flatMap((fields) => [...fields.keys()]));
  const values = (side: Map<string, string>[], path: string) => [...new Set(side.map((fields) => fields.get(path) ?? UNSET))].sort();
  const differences: ConfigDifference[] = [];
  for (const path of [...paths].sort()) {
    const va = values(left, path);
    const vb = values(right, path);
    if (va.join('\n') !== vb.join('\n')) differences.push({ path, a: va, b: vb });
  }
  return differences;
}
