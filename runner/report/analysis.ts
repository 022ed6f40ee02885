/**
 * A run's analysis: `analyse` turns trials into plain-JSON tables (per-variant means, paired differences
 * against the baseline, success curves over the stressor, breaking points, learning curves, attack outcomes)
 * that the terminal summary, `--json` and the HTML report all read. It is a pure function of (trials, spec,
 * seed): every bootstrap draws from a stream keyed by what it estimates, and values are ordered by trial key
 * and seed index first, so neither the order the store returns trials in nor adding a metric shifts any other
 * interval.
 */
import { summariseOutcomes, type OutcomeSummary } from './outcomes.ts';
import { Rng } from '../../lib/rng.ts';
import {
  bootstrapMean,
  breakingPoint,
  DEFAULT_LEVEL,
  DEFAULT_RESAMPLES,
  pairedDifference,
  wilsonInterval,
  zForLevel,
  type BootstrapMethod,
  type BreakingPoint,
  type MeanEstimate,
  type PairedDifference,
  type RateInterval,
} from '../stats.ts';
import type { ExperimentKind, RunRecord, TrialResult } from '../types.ts';
import { analyseSweep, type SweepAnalysis, type SweepSpec } from './sweep.ts';
import { verdictOf, type Verdict } from './verdict.ts';

export interface ReportSpec {
  title: string;
  /** The metric the verdict is about; first in every table. */
  primaryMetric: string;
  /** Direction of the primary metric (for "share of pairs where A is better"). */
  higherIsBetter: boolean;
  /** Further metrics to tabulate and chart (the primary one may be repeated; it is shown once). */
  metrics: string[];
  /** The variant the others are compared against on common seeds. */
  baselineVariant?: string;
  /** A 0/1 metric: the trial counts as a success (e.g. the attack passed) when it is >= 0.5. */
  successMetric?: string;
  /** The swept stressor (stress kind): a numeric trial param, its axis label and scale, and the breaking-point threshold. */
  stressor?: { param: string; label: string; scale: 'linear' | 'log'; threshold: number };
  /** Extra params to split by, e.g. ['attack']: every table row and breaking point is per (variant, group). */
  groupBy?: string[];
  /** A protocol sweep (kind sweep): its parameters, base and target; the report answers with runner/report/sweep.ts. */
  sweep?: SweepSpec;
  /** The heading of the curves section (default 'Learning curves'; the loop's are its rounds). */
  curvesTitle?: string;
  /** Curve steps are whole numbers (the loop's rounds): the axis says 1, 2, 3. */
  integerSteps?: boolean;
  /** What each curve measures, in its unit, for its axis (default: the curve's name). */
  curveLabels?: Record<string, string>;
}

export interface ReportInput {
  run: RunRecord;
  trials: TrialResult[];
  spec: ReportSpec;
  /** Seed of the bootstrap streams (default 0). */
  seed?: number;
  /** Bootstrap resamples (default 2000) and confidence level (default 0.95). */
  resamples?: number;
  level?: number;
  /** Bootstrap interval for means and paired differences: 'percentile' (default) or 'bca'. */
  method?: BootstrapMethod;
}

export interface VariantStats {
  variant: string;
  /** '' when there is no groupBy, else e.g. "attack=buy-and-vote". */
  group: string;
  /** Trials of this (variant, group). */
  n: number;
  /** Per metric: mean with bootstrap interval over the trials reporting it; null when none does. */
  metrics: Record<string, MeanEstimate | null>;
  /** Success rate over all trials of the row, with its Wilson interval (null without a successMetric). */
  success: RateInterval | null;
  /** How the row's attack attempts ended (null when its trials record no outcomes). */
  outcomes: OutcomeSummary | null;
}


export interface SuccessCurvePoint extends RateInterval {
  variant: string;
  group: string;
  x: number;
  /** The isotonic (non-decreasing) fit at x used for the breaking point. */
  fitted: number;
}

export type BreakingPointRow = { variant: string; group: string } & Omit<BreakingPoint, 'points'> & {
  /**
   * Set when the breaking point lies above the grid but the attack never acted in a majority of the trials at
   * the grid's largest value: "> max" would claim a resistance nobody tested. Says why (the outcome and reason).
   */
  notTested: string | null;
};

export type GroupedPairedDifference = PairedDifference & { group: string };

export interface LearningCurvePoint {
  name: string;
  variant: string;
  step: number;
  n: number;
  mean: number;
  /** mean -+ z * sd / sqrt(n) (a normal-approximation band; lo = hi = mean when n = 1). */
  lo: number;
  hi: number;
}

export interface Analysis {
  run: {
    id: string;
    name: string;
    kind: ExperimentKind;
    status: RunRecord['status'];
    configHash: string;
    codeVersion: string;
    backend: string;
    machine: string;
    createdAt: string;
    finishedAt: string | null;
    trialsPlanned: number;
    trials: number;
  };
  spec: ReportSpec;
  seed: number;
  level: number;
  resamples: number;
  methods: {
    /** 'bootstrap-percentile' or 'bootstrap-bca'. */
    mean: string;
    pairedDifference: string;
    /** What a bootstrap resample draws: seed indices, each with all its trials (or pairs). */
    resamplingUnit: 'seed index';
    successRate: 'wilson';
    breakingPoint: 'isotonic (PAVA, weighted by n) crossing, interpolated linearly in x or log x; bootstrap of outcomes within grid points';
    learningCurveBand: 'normal approximation: mean -+ z * sd / sqrt(n)';
  };
  /** Variants in order of first appearance, the baseline first. */
  variants: string[];
  /** Groups in order of first appearance ([''] without groupBy). */
  groups: string[];
  /** The primary metric first, then the other listed metrics, without repeats. */
  metrics: string[];
  variantStats: VariantStats[];
  pairedDifferences: GroupedPairedDifference[];
  successCurves: SuccessCurvePoint[];
  breakingPoints: BreakingPointRow[];
  learningCurves: LearningCurvePoint[];
  /** A sweep's settings, Pareto front, recommended setting and heatmaps (null for other kinds). */
  sweep: SweepAnalysis | null;
  /** The answer first, in dollars, with its caveats (verdict.ts). */
  verdict: Verdict;
  /** Things a reader should know about the data (missing baseline, trials without the stressor, ...). */
  warnings: string[];
}

function groupLabel(trial: TrialResult, groupBy: readonly string[]): string {
  return groupBy.map((name) => `${name}=${trial.params[name] ?? '(none)'}`).join(', ');
}


export function uniqueInOrder(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

function finiteMetric(trial: TrialResult, metric: string): number | undefined {
  const value = trial.metrics[metric];
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function stressorValue(trial: TrialResult, param: string): number | undefined {
  const raw = trial.params[param];
  if (raw === undefined) return undefined;
  const value = typeof raw === 'number' ? raw : Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** Computes every table of the report. Pure: the same input and seed give the same JSON. */
export function analyse(input: ReportInput): Analysis {
  const { run, spec } = input;
  const seed = input.seed ?? 0;
  const resamples = input.resamples ?? DEFAULT_RESAMPLES;
  const level = input.level ?? DEFAULT_LEVEL;
  const method = input.method ?? 'percentile';
  const root = Rng.create(seed).stream('report');
  const groupBy = spec.groupBy ?? [];
  const warnings: string[] = [];

  const variantsSeen = uniqueInOrder(input.trials.map((t) => t.variant));
  const baseline = spec.baselineVariant;
  if (baseline !== undefined && !variantsSeen.includes(baseline)) {
    warnings.push(`baseline variant '${baseline}' has no trials; no paired differences`);
  }
  const variants = baseline !== undefined && variantsSeen.includes(baseline) ? [baseline, ...variantsSeen.filter((v) => v !== baseline)] : variantsSeen;
  const groups = uniqueInOrder(input.trials.map((t) => groupLabel(t, groupBy)));
  if (groups.length === 0) groups.push('');
  const metrics = uniqueInOrder([spec.primaryMetric, ...spec.metrics]);

  // Sorted by identity so that bootstrap resamples do not depend on the order trials arrive in.
  const trials = [...input.trials].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.seedIndex - b.seedIndex));
  const cells = new Map<string, TrialResult[]>();
  const cellKey = (variant: string, group: string): string => JSON.stringify([variant, group]);
  for (const trial of trials) {
    const key = cellKey(trial.variant, groupLabel(trial, groupBy));
    let cell = cells.get(key);
    if (cell === undefined) cells.set(key, (cell = []));
    cell.push(trial);
  }

  for (const metric of metrics) {
    const missing = trials.filter((t) => finiteMetric(t, metric) === undefined).length;
    if (missing > 0) warnings.push(`${missing} of ${trials.length} trials have no finite '${metric}'`);
  }

  const isSuccess = (trial: TrialResult): boolean | undefined => {
    if (spec.successMetric === undefined) return undefined;
    const value = finiteMetric(trial, spec.successMetric);
    return value === undefined ? undefined : value >= 0.5;
  };

  const variantStats: VariantStats[] = [];
  for (const variant of variants) {
    for (const group of groups) {
      const cell = cells.get(cellKey(variant, group));
      if (cell === undefined) continue;
      const stats: Record<string, MeanEstimate | null> = {};
      for (const metric of metrics) {
        const reporting = cell.filter((t) => finiteMetric(t, metric) !== undefined);
        const values = reporting.map((t) => finiteMetric(t, metric)!);
        // Trials that share a seed index share populations and seasons: they are resampled together.
        const clusters = reporting.map((t) => t.seedIndex);
        stats[metric] = values.length === 0 ? null : bootstrapMean(values, root.stream('mean', variant, group, metric), { resamples, level, method, clusters });
      }
      let success: RateInterval | null = null;
      if (spec.successMetric !== undefined) {
        const outcomes = cell.map(isSuccess).filter((v): v is boolean => v !== undefined);
        success = wilsonInterval(outcomes.filter(Boolean).length, outcomes.length, level);
      }
      variantStats.push({ variant, group, n: cell.length, metrics: stats, success, outcomes: summariseOutcomes(cell) });
    }
  }

  const pairedDifferences: GroupedPairedDifference[] = [];
  if (baseline !== undefined && variants.includes(baseline)) {
    for (const metric of metrics) {
      for (const variant of variants) {
        if (variant === baseline) continue;
        for (const group of groups) {
          const a = cells.get(cellKey(variant, group)) ?? [];
          const b = cells.get(cellKey(baseline, group)) ?? [];
          if (a.length === 0 || b.length === 0) continue;
          const difference = pairedDifference([...a, ...b], metric, variant, baseline, root.stream('paired', variant, group, metric), {
            resamples,
            level,
            method,
            higherIsBetter: metric === spec.primaryMetric ? spec.higherIsBetter : true,
          });
          if (difference.pairs === 0) warnings.push(`'${variant}' and '${baseline}' share no seeds${group ? ` in ${group}` : ''}; no paired '${metric}' difference`);
          pairedDifferences.push({ ...difference, group });
        }
      }
    }
  }

  const successCurves: SuccessCurvePoint[] = [];
  const breakingPoints: BreakingPointRow[] = [];
  const stressor = spec.stressor;
  if (stressor !== undefined && spec.successMetric === undefined) warnings.push('a stressor without a successMetric: no success curves or breaking points');
  if (stressor !== undefined && spec.successMetric !== undefined) {
    const withoutStressor = trials.filter((t) => stressorValue(t, stressor.param) === undefined).length;
    if (withoutStressor > 0) warnings.push(`${withoutStressor} trials have no numeric '${stressor.param}' and are left out of the success curves`);
    if (stressor.scale === 'log' && trials.some((t) => (stressorValue(t, stressor.param) ?? 1) <= 0)) {
      warnings.push(`'${stressor.param}' has values <= 0 on a log scale: they are left out of the chart`);
    }
    for (const variant of variants) {
      for (const group of groups) {
        const cell = cells.get(cellKey(variant, group));
        if (cell === undefined) continue;
        const byX = new Map<number, { successes: number; n: number }>();
        for (const trial of cell) {
          const x = stressorValue(trial, stressor.param);
          const outcome = isSuccess(trial);
          if (x === undefined || outcome === undefined) continue;
          let point = byX.get(x);
          if (point === undefined) byX.set(x, (point = { successes: 0, n: 0 }));
          point.n++;
          if (outcome) point.successes++;
        }
        if (byX.size === 0) continue;
        const result = breakingPoint(
          [...byX].map(([x, p]) => ({ x, ...p })),
          root.stream('breaking', variant, group),
          { threshold: stressor.threshold, scale: stressor.scale, resamples, level },
        );
        const { points, ...rest } = result;
        let notTested: string | null = null;
        if (rest.censoring === 'above-grid') {
          const top = Math.max(...byX.keys());
          const atTop = summariseOutcomes(cell.filter((t) => stressorValue(t, stressor.param) === top));
          if (atTop !== null && atTop.untested) {
            const first = atTop.notActedTop!;
            notTested = `the attack did not act in ${atTop.notActed} of ${atTop.attempts} trials at ${stressor.param} ${top}: ${first.outcome} (${first.reason})`;
          }
        }
        breakingPoints.push({ variant, group, ...rest, notTested });
        for (const point of points) {
          successCurves.push({ variant, group, x: point.x, fitted: point.fitted, ...wilsonInterval(point.successes, point.n, level) });
        }
      }
    }
  }

  const sweep = spec.sweep === undefined ? null : analyseSweep(spec.sweep, trials, root.stream('sweep'), { level, resamples });

  const learningCurves: LearningCurvePoint[] = [];
  const curveValues = new Map<string, { name: string; variant: string; step: number; values: number[] }>();
  for (const trial of trials) {
    for (const point of trial.curves ?? []) {
      if (!Number.isFinite(point.value)) continue;
      const key = JSON.stringify([point.name, trial.variant, point.step]);
      let entry = curveValues.get(key);
      if (entry === undefined) curveValues.set(key, (entry = { name: point.name, variant: trial.variant, step: point.step, values: [] }));
      entry.values.push(point.value);
    }
  }
  const z = zForLevel(level);
  const curveNames = uniqueInOrder([...curveValues.values()].map((e) => e.name));
  for (const entry of [...curveValues.values()].sort(
    (p, q) => curveNames.indexOf(p.name) - curveNames.indexOf(q.name) || variants.indexOf(p.variant) - variants.indexOf(q.variant) || p.step - q.step,
  )) {
    const n = entry.values.length;
    const mean = entry.values.reduce((s, v) => s + v, 0) / n;
    const sd = n > 1 ? Math.sqrt(entry.values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
    const half = (z * sd) / Math.sqrt(n);
    learningCurves.push({ name: entry.name, variant: entry.variant, step: entry.step, n, mean, lo: mean - half, hi: mean + half });
  }

  return {
    run: {
      id: run.id,
      name: run.name,
      kind: run.kind,
      status: run.status,
      configHash: run.configHash,
      codeVersion: run.codeVersion,
      backend: run.backend,
      machine: run.machine,
      createdAt: run.createdAt,
      finishedAt: run.finishedAt,
      trialsPlanned: run.trialsPlanned,
      trials: input.trials.length,
    },
    spec,
    seed,
    level,
    resamples,
    methods: {
      mean: `bootstrap-${method}`,
      pairedDifference: `bootstrap-${method}; pairs matched on seed index + params except variant`,
      resamplingUnit: 'seed index',
      successRate: 'wilson',
      breakingPoint: 'isotonic (PAVA, weighted by n) crossing, interpolated linearly in x or log x; bootstrap of outcomes within grid points',
      learningCurveBand: 'normal approximation: mean -+ z * sd / sqrt(n)',
    },
    variants,
    groups,
    metrics,
    variantStats,
    pairedDifferences,
    successCurves,
    breakingPoints,
    learningCurves,
    sweep,
    verdict: verdictOf({ spec, trials, variants, variantStats, breakingPoints, config: run.config, level, resamples, rng: root.stream('verdict'), sweep }),
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------------
// Charts

/** What a chart is, for the figure around it (tests and readers find charts by it). */
