/**
 * A run's verdict. `analyse` turns trials into plain-JSON tables (per-variant means, paired differences
 * against the baseline, success curves over the stressor, breaking points, learning curves) that the CLI
 * can print or emit as `--json`; `buildReport` renders the same tables as one self-contained HTML file:
 * inline CSS, charts as inline SVG rendered in Node (vega-lite compiled to vega, vega's headless View),
 * no external URL anywhere but the SVG namespace declarations.
 *
 * The analysis is a pure function of (trials, spec, seed): every bootstrap draws from a stream keyed by
 * what it estimates, and values are ordered by trial key and seed index first, so neither the order the
 * store returns trials in nor adding a metric shifts any other interval.
 */
import { NOT_ACTED, OutcomeTally, type AttackOutcomeKind, type OutcomeCount } from '../envs/dao/attack-outcome.ts';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Rng } from '../lib/rng.ts';
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
} from './stats.ts';
import { formatBreakingPoint, formatBreakingPointInterval, formatInterval, formatNumber, formatOutcomeCounts } from './summary.ts';
import type { EpisodeRecord, ExperimentKind, RunRecord, TrialResult } from './types.ts';

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
  /** The heading of the curves section (default 'Learning curves'; the loop's are its rounds). */
  curvesTitle?: string;
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

/** Attack outcomes of a row (envs/dao/attack-outcome.ts), over every attempt in its trials. */
export interface OutcomeSummary {
  attempts: number;
  /** Attempts per outcome, most frequent first, each with the reason of its first attempt (by trial key and seed). */
  counts: Array<{ outcome: string; count: number; reason: string }>;
  /** Attempts in which the attack never acted (no proposal, or its method never applied). */
  notActed: number;
  /** The attack never acted in a majority of attempts: the row says nothing about the protocol's resistance to it. */
  untested: boolean;
  /** The most frequent way it did not act, with a reason (null when it always acted). */
  notActedTop: OutcomeCount | null;
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
  /** Things a reader should know about the data (missing baseline, trials without the stressor, ...). */
  warnings: string[];
}

function groupLabel(trial: TrialResult, groupBy: readonly string[]): string {
  return groupBy.map((name) => `${name}=${trial.params[name] ?? '(none)'}`).join(', ');
}

/** The outcomes of a set of trials (null when none records any); trials in key and seed order. */
export function summariseOutcomes(trials: readonly TrialResult[]): OutcomeSummary | null {
  const tally = new OutcomeTally();
  for (const trial of trials) tally.addAll(trial.outcomes ?? []);
  const counts = tally.records();
  const attempts = counts.reduce((sum, c) => sum + c.count, 0);
  if (attempts === 0) return null;
  const notActedCounts = counts.filter((c) => NOT_ACTED.has(c.outcome as AttackOutcomeKind));
  const notActed = notActedCounts.reduce((sum, c) => sum + c.count, 0);
  const noAttack = tally.count('no-attack');
  const untested = notActed > (attempts - noAttack) / 2 && attempts > noAttack;
  return { attempts, counts, notActed, untested, notActedTop: notActedCounts[0] ?? null };
}

function uniqueInOrder(values: Iterable<string>): string[] {
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
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------------
// Charts

/** What a chart is, for the figure around it (tests and readers find charts by it). */
interface Chart {
  id: string;
  caption: string;
  spec: TopLevelSpec;
}

const CHART_CONFIG = {
  background: 'white',
  font: 'system-ui, -apple-system, Segoe UI, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  title: { fontSize: 14, anchor: 'start' as const },
};

/** Renders a vega-lite spec to an SVG string with vega's headless view (no DOM, no canvas, no loader). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const percent = (level: number): string => `${Math.round(level * 1000) / 10} %`;
const groupTitle = (groups: readonly string[]): string | null => (groups.length > 1 ? 'group' : null);

function metricChart(analysis: Analysis, metric: string): Chart | null {
  const multiGroup = analysis.groups.length > 1;
  const rows = analysis.variantStats.flatMap((row) => {
    const m = row.metrics[metric];
    return m ? [{ variant: row.variant, group: row.group, mean: m.mean, lo: m.lo, hi: m.hi, n: m.n }] : [];
  });
  if (rows.length === 0) return null;
  const x = { field: 'variant', type: 'nominal' as const, sort: analysis.variants, title: 'variant', axis: { labelAngle: -30 } };
  const color = multiGroup ? { field: 'group', type: 'nominal' as const, title: groupTitle(analysis.groups) } : { value: '#4c78a8' };
  const offset = multiGroup ? { xOffset: { field: 'group', type: 'nominal' as const } } : {};
  const y = { type: 'quantitative' as const, scale: { zero: false }, title: metric };
  const direction = metric === analysis.spec.primaryMetric ? (analysis.spec.higherIsBetter ? ' (higher is better)' : ' (lower is better)') : '';
  return {
    id: `metric:${metric}`,
    caption: `${metric}${direction}: mean per variant with ${percent(analysis.level)} ${analysis.methods.mean} intervals (${analysis.resamples} resamples).`,
    spec: {
      title: `${metric} by variant`,
      config: CHART_CONFIG,
      width: { step: multiGroup ? 22 * analysis.groups.length : 60 },
      height: 240,
      data: { values: rows },
      layer: [
        { name: 'intervals', mark: { type: 'rule', strokeWidth: 2 }, encoding: { x, ...offset, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
        { name: 'points', mark: { type: 'point', filled: true, size: 70, opacity: 1 }, encoding: { x, ...offset, y: { ...y, field: 'mean' }, color } },
      ],
    } as TopLevelSpec,
  };
}

function pairedChart(analysis: Analysis, metric: string): Chart | null {
  const rows = analysis.pairedDifferences
    .filter((d) => d.metric === metric && d.meanDifference !== null)
    .map((d) => ({ variant: d.group ? `${d.a} | ${d.group}` : d.a, mean: d.meanDifference, lo: d.lo, hi: d.hi, pairs: d.pairs, zero: 0 }));
  if (rows.length === 0) return null;
  const baseline = analysis.spec.baselineVariant!;
  const yField = { field: 'variant', type: 'nominal' as const, sort: null, title: null };
  const x = { type: 'quantitative' as const, title: `${metric}: variant - ${baseline}` };
  const better =
    metric === analysis.spec.primaryMetric ? (analysis.spec.higherIsBetter ? ' Positive is better.' : ' Negative is better.') : '';
  return {
    id: `paired:${metric}`,
    caption: `Mean paired difference in ${metric} against ${baseline} on common seeds, with ${percent(analysis.level)} bootstrap intervals over pairs.${better}`,
    spec: {
      title: `${metric}: difference vs ${baseline}`,
      config: CHART_CONFIG,
      width: 420,
      height: { step: 28 },
      data: { values: rows },
      layer: [
        { name: 'zero', mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { x: { ...x, field: 'zero', aggregate: 'max' } } },
        { name: 'intervals', mark: { type: 'rule', strokeWidth: 2, color: '#4c78a8' }, encoding: { y: yField, x: { ...x, field: 'lo' }, x2: { field: 'hi' } } },
        { name: 'points', mark: { type: 'point', filled: true, size: 70, opacity: 1, color: '#4c78a8' }, encoding: { y: yField, x: { ...x, field: 'mean' } } },
      ],
    } as TopLevelSpec,
  };
}

function successChart(analysis: Analysis): Chart | null {
  const stressor = analysis.spec.stressor;
  if (stressor === undefined || analysis.successCurves.length === 0) return null;
  const log = stressor.scale === 'log';
  const rows = analysis.successCurves
    .filter((p) => !log || p.x > 0)
    .map((p) => ({ variant: p.variant, group: p.group, x: p.x, rate: p.rate, lo: p.lo, hi: p.hi, fitted: p.fitted, n: p.n, threshold: stressor.threshold }));
  const x = { field: 'x', type: 'quantitative' as const, title: stressor.label, scale: log ? { type: 'log' as const } : { zero: false } };
  const y = { type: 'quantitative' as const, title: `success rate (${analysis.spec.successMetric})`, scale: { domain: [0, 1] } };
  const color = { field: 'variant', type: 'nominal' as const, sort: analysis.variants, title: 'variant' };
  const layer = [
    // Aggregated so that the rule is drawn once per panel, not once per data row.
    { name: 'threshold', mark: { type: 'rule', color: '#c33', strokeDash: [5, 4] }, encoding: { y: { ...y, field: 'threshold', aggregate: 'max' } } },
    { name: 'intervals', mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.5 }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
    { name: 'lines', mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y: { ...y, field: 'rate' }, color } },
    { name: 'points', mark: { type: 'point', filled: true, size: 50, opacity: 1 }, encoding: { x, y: { ...y, field: 'rate' }, color } },
  ];
  const multiGroup = analysis.groups.length > 1;
  const caption =
    `Share of trials where ${analysis.spec.successMetric} >= 0.5 at each ${stressor.label}, per variant, with ${percent(analysis.level)} Wilson intervals; ` +
    `dashed red line: breaking-point threshold ${stressor.threshold}.` +
    (rows.length < analysis.successCurves.length ? ' Points at x <= 0 are not shown on the log axis.' : '');
  const base = { title: `Attack success vs ${stressor.label}`, config: CHART_CONFIG, data: { values: rows } };
  const spec = multiGroup
    ? { ...base, facet: { field: 'group', type: 'nominal', title: null, sort: analysis.groups }, columns: 3, spec: { width: 300, height: 240, layer } }
    : { ...base, width: 440, height: 280, layer };
  return { id: 'success', caption, spec: spec as TopLevelSpec };
}

const MARKERS = { estimate: 'estimate', above: '> max (above grid)', below: '<= min (below grid)' };

function breakingPointChart(analysis: Analysis): Chart | null {
  const stressor = analysis.spec.stressor;
  if (stressor === undefined || analysis.breakingPoints.length === 0) return null;
  const multiGroup = analysis.groups.length > 1;
  const rows = analysis.breakingPoints.map((bp) => {
    const position = bp.censoring === 'above-grid' ? bp.lowerBound : bp.censoring === 'below-grid' ? bp.upperBound : bp.estimate;
    const marker = bp.censoring === 'above-grid' ? MARKERS.above : bp.censoring === 'below-grid' ? MARKERS.below : MARKERS.estimate;
    return {
      variant: bp.variant,
      group: bp.group,
      position,
      lo: bp.lo,
      hi: bp.hi,
      marker,
      note: bp.notTested !== null ? 'not tested (the attack did not act)' : bp.censoring === 'none' ? '' : formatBreakingPoint(bp),
    };
  });
  const xs = analysis.successCurves.map((p) => p.x).filter((x) => stressor.scale !== 'log' || x > 0);
  const domain = xs.length > 0 ? [Math.min(...xs), Math.max(...xs)] : undefined;
  const x = {
    type: 'quantitative' as const,
    title: `breaking point: ${stressor.label} at success rate ${stressor.threshold}`,
    scale: { type: stressor.scale === 'log' ? ('log' as const) : ('linear' as const), ...(domain ? { domain } : {}), ...(stressor.scale === 'log' ? {} : { zero: false }) },
  };
  const y = { field: 'variant', type: 'nominal' as const, sort: analysis.variants, title: null };
  const offset = multiGroup ? { yOffset: { field: 'group', type: 'nominal' as const, sort: analysis.groups } } : {};
  const color = multiGroup ? { field: 'group', type: 'nominal' as const, title: 'group', sort: analysis.groups } : { value: '#4c78a8' };
  const shape = {
    field: 'marker',
    type: 'nominal' as const,
    title: null,
    scale: { domain: [MARKERS.estimate, MARKERS.above, MARKERS.below], range: ['circle', 'triangle-right', 'triangle-left'] },
  };
  const censored = rows.filter((r) => r.note !== '');
  return {
    id: 'breaking-points',
    caption:
      `Breaking point per ${multiGroup ? '(variant, group)' : 'variant'}: the smallest ${stressor.label} at which the monotone fit of the success rate reaches ${stressor.threshold}, ` +
      `with ${percent(analysis.level)} bootstrap intervals; an interval end that runs off the grid is drawn to the edge. ` +
      (censored.length > 0
        ? `Censored (triangle at the grid edge): ${censored.map((r) => `${r.variant}${r.group ? ` | ${r.group}` : ''} ${r.note}`).join('; ')}.`
        : 'No estimate is censored.'),
    spec: {
      title: `Breaking points (${stressor.label})`,
      config: CHART_CONFIG,
      width: 440,
      height: { step: multiGroup ? 18 * analysis.groups.length : 32 },
      data: { values: rows },
      layer: [
        { name: 'intervals', mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, ...offset, x: { ...x, field: 'lo' }, x2: { field: 'hi' }, color } },
        { name: 'points', mark: { type: 'point', filled: true, size: 90, opacity: 1 }, encoding: { y, ...offset, x: { ...x, field: 'position' }, color, shape } },
        // Notes beside censored markers, written inwards from the grid edge.
        {
          name: 'notesAbove',
          transform: [{ filter: `datum.marker === '${MARKERS.above}'` }],
          mark: { type: 'text', align: 'right', dx: -10, dy: -8, fontSize: 10, color: '#555' },
          encoding: { y, ...offset, x: { ...x, field: 'position' }, text: { field: 'note' } },
        },
        {
          name: 'notesBelow',
          transform: [{ filter: `datum.marker === '${MARKERS.below}'` }],
          mark: { type: 'text', align: 'left', dx: 10, dy: -8, fontSize: 10, color: '#555' },
          encoding: { y, ...offset, x: { ...x, field: 'position' }, text: { field: 'note' } },
        },
      ],
    } as TopLevelSpec,
  };
}

function learningCurveCharts(analysis: Analysis): Chart[] {
  const names = uniqueInOrder(analysis.learningCurves.map((p) => p.name));
  return names.map((name) => {
    const rows = analysis.learningCurves.filter((p) => p.name === name).map((p) => ({ variant: p.variant, step: p.step, mean: p.mean, lo: p.lo, hi: p.hi, n: p.n }));
    const x = { field: 'step', type: 'quantitative' as const, title: 'step' };
    const y = { type: 'quantitative' as const, title: name, scale: { zero: false } };
    const color = { field: 'variant', type: 'nominal' as const, sort: analysis.variants, title: 'variant' };
    return {
      id: `curve:${name}`,
      caption: `${name} by step: mean across seeds with a ${percent(analysis.level)} normal-approximation band (mean -+ z sd / sqrt(n)).`,
      spec: {
        title: `Learning curve: ${name}`,
        config: CHART_CONFIG,
        width: 440,
        height: 240,
        data: { values: rows },
        layer: [
          { name: 'bands', mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
          { name: 'lines', mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y: { ...y, field: 'mean' }, color } },
        ],
      } as TopLevelSpec,
    };
  });
}

/** The charts of a report, in page order, grouped by section. */
function chartSections(analysis: Analysis): Array<{ section: string; charts: Chart[] }> {
  const present = (charts: Array<Chart | null>): Chart[] => charts.filter((c): c is Chart => c !== null);
  return [
    { section: 'metrics', charts: present(analysis.metrics.map((m) => metricChart(analysis, m))) },
    { section: 'paired', charts: present(analysis.metrics.map((m) => pairedChart(analysis, m))) },
    { section: 'stress', charts: present([successChart(analysis), breakingPointChart(analysis)]) },
    { section: 'curves', charts: learningCurveCharts(analysis) },
  ];
}

// ---------------------------------------------------------------------------------------------------
// HTML

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function table(headers: string[], rows: string[][], numericFrom = 1): string {
  const head = headers.map((h, i) => `<th${i >= numericFrom ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell, i) => `<td${i >= numericFrom ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .6rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: .25rem .7rem; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
th { background: #f6f6f6; }
td.num, th.num { text-align: right; white-space: nowrap; }
table.info th { background: none; font-weight: 600; }
details { margin: .8rem 0; }
pre { background: #f6f6f6; padding: .8rem; overflow: auto; font-size: 12px; }
figure.chart { margin: 1rem 0 1.6rem; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 12.5px; max-width: 760px; }
.warnings, .warning { color: #8a4b00; }
.muted { color: #666; }
`;

/**
 * Episodes that carry a `round` (the closed loop's per-round records): numeric fields averaged over seeds
 * per (arm, round), booleans as shares. Null when no trial has such episodes.
 */
export function roundTable(trials: readonly TrialResult[]): { headers: string[]; rows: string[][] } | null {
  const groups = new Map<string, EpisodeRecord[]>();
  for (const trial of trials) {
    for (const episode of trial.episodes ?? []) {
      if (typeof episode.round !== 'number') continue;
      const key = `${episode.arm ?? ''}\u0000${episode.round}`;
      groups.set(key, [...(groups.get(key) ?? []), episode]);
    }
  }
  if (groups.size === 0) return null;
  const fields = [...new Set([...groups.values()].flat().flatMap((e) => Object.keys(e)))].filter((f) => f !== 'arm' && f !== 'round');
  const rows = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([key, episodes]) => {
      const [arm, round] = key.split('\u0000');
      return [
        arm || '-',
        round!,
        ...fields.map((field) => {
          const values = episodes.map((e) => e[field]).filter((v): v is number | boolean => typeof v === 'number' || typeof v === 'boolean');
          if (values.length === 0) return '-';
          const mean = values.reduce<number>((sum, v) => sum + Number(v), 0) / values.length;
          return formatNumber(mean);
        }),
      ];
    });
  return { headers: ['arm', 'round', ...fields], rows };
}

/** Builds the self-contained HTML report: analysis tables plus inline SVG charts. */
export async function buildReport(input: ReportInput): Promise<string> {
  const analysis = analyse(input);
  const { run, spec } = input;
  // A group column whenever there is a groupBy, even with a single group; facets only with several.
  const multiGroup = analysis.groups.some((group) => group !== '');
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(spec.title)}</h1>`);
  parts.push(`<p class="muted">${escapeHtml(`${run.name} · ${run.kind} run · ${run.status}`)}</p>`);

  const info: Array<[string, string]> = [
    ['Run id', run.id],
    ['Name', run.name],
    ['Kind', run.kind],
    ['Status', run.status],
    ['Config hash', run.configHash],
    ['Code version', run.codeVersion],
    ['Backend', run.backend],
    ['Machine', run.machine],
    ['Created', run.createdAt],
    ['Finished', run.finishedAt ?? '(not finished)'],
    ['Trials', `${input.trials.length} of ${run.trialsPlanned} planned`],
  ];
  parts.push('<h2>Run</h2>');
  parts.push(`<table class="info">\n${info.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}\n</table>`);
  parts.push(`<details><summary>Config (YAML)</summary>\n<pre>${escapeHtml(run.configText)}</pre>\n</details>`);

  // Summary table: one row per (variant, group).
  const bpByCell = new Map(analysis.breakingPoints.map((bp) => [JSON.stringify([bp.variant, bp.group]), bp]));
  const headers = ['Variant', ...(multiGroup ? ['Group'] : []), 'n', ...analysis.metrics.map((m) => `${m} mean [${percent(analysis.level)} CI]`)];
  if (spec.successMetric !== undefined) headers.push(`success rate [Wilson]`);
  if (spec.stressor !== undefined && analysis.breakingPoints.length > 0) headers.push(`breaking point (${spec.stressor.label}) [CI]`);
  const rows = analysis.variantStats.map((row) => {
    const cells = [row.variant, ...(multiGroup ? [row.group] : []), String(row.n)];
    for (const metric of analysis.metrics) {
      const m = row.metrics[metric];
      cells.push(m ? `${formatNumber(m.mean)} ${formatInterval(m.lo, m.hi)}` : '-');
    }
    if (spec.successMetric !== undefined) {
      const s = row.success;
      cells.push(s && s.rate !== null ? `${formatNumber(s.rate)} ${formatInterval(s.lo, s.hi)} (${s.successes}/${s.n})` : '-');
    }
    if (spec.stressor !== undefined && analysis.breakingPoints.length > 0) {
      const bp = bpByCell.get(JSON.stringify([row.variant, row.group]));
      cells.push(bp ? (bp.notTested !== null ? 'not tested' : formatBreakingPoint(bp, true)) : '-');
    }
    return cells;
  });
  parts.push('<h2>Summary by variant</h2>');
  parts.push(table(headers, rows, multiGroup ? 2 : 1));

  // What each attack did: outcome counts with a reason, rows whose attack mostly never acted flagged.
  const outcomeRows = analysis.variantStats.filter((row) => row.outcomes !== null && row.outcomes.counts.some((c) => c.outcome !== 'no-attack'));
  if (outcomeRows.length > 0) {
    parts.push('<h2>What the attacks did</h2>');
    const untested = outcomeRows.filter((row) => row.outcomes!.untested);
    if (untested.length > 0) {
      parts.push(
        `<p class="warning" data-untested="${untested.length}"><strong>Not tested:</strong> in ${untested.length} row${untested.length === 1 ? '' : 's'} the attack never acted in most trials ` +
          '(it could not propose, found no liquidity, ...), so a success rate of 0 there says nothing about the protocol\'s resistance to it.</p>',
      );
    }
    parts.push(
      table(
        ['Variant', ...(multiGroup ? ['Group'] : []), 'outcomes', 'most frequent: reason (first trial)', 'attempts'],
        outcomeRows.map((row) => {
          const o = row.outcomes!;
          const top = o.counts[0]!;
          return [row.variant, ...(multiGroup ? [row.group] : []), formatOutcomeCounts(o), `${top.outcome}: ${top.reason}`, String(o.attempts)];
        }),
        multiGroup ? 4 : 3,
      ),
    );
    const notTested = analysis.breakingPoints.filter((bp) => bp.notTested !== null);
    if (notTested.length > 0) {
      parts.push(`<p class="warning">Breaking points not tested: ${notTested.map((bp) => `${escapeHtml(bp.variant)}${bp.group ? ` | ${escapeHtml(bp.group)}` : ''}: ${escapeHtml(bp.notTested!)}`).join('; ')}.</p>`);
    }
  }

  const sections = chartSections(analysis);
  const svgs = new Map<string, string>();
  for (const { charts } of sections) for (const chart of charts) svgs.set(chart.id, await renderSvg(chart.spec));
  const figures = (section: string): string =>
    sections
      .find((s) => s.section === section)!
      .charts.map((c) => `<figure class="chart" data-chart="${escapeHtml(c.id)}">\n${svgs.get(c.id)}\n<figcaption>${escapeHtml(c.caption)}</figcaption>\n</figure>`)
      .join('\n');

  parts.push('<h2>Metrics by variant</h2>');
  parts.push(figures('metrics'));

  if (analysis.pairedDifferences.length > 0) {
    parts.push(`<h2>Paired differences vs ${escapeHtml(spec.baselineVariant!)}</h2>`);
    parts.push(
      table(
        ['Metric', 'Variant', ...(multiGroup ? ['Group'] : []), 'pairs', `mean difference [${percent(analysis.level)} CI]`, 'share of pairs variant better (higher*)'],
        analysis.pairedDifferences.map((d) => [
          d.metric,
          d.a,
          ...(multiGroup ? [d.group] : []),
          String(d.pairs),
          d.meanDifference === null ? '-' : `${formatNumber(d.meanDifference)} ${formatInterval(d.lo!, d.hi!)}`,
          d.shareABetter === null ? '-' : `${formatNumber(d.shareABetter)}${d.metric === spec.primaryMetric ? '' : '*'}${d.shareTies ? ` (ties ${formatNumber(d.shareTies)})` : ''}`,
        ]),
        multiGroup ? 3 : 2,
      ),
    );
    parts.push(
      `<p class="muted">Differences are variant - ${escapeHtml(spec.baselineVariant!)} on trials sharing seed index and params. ` +
        `"Better" follows the primary metric's direction (${spec.higherIsBetter ? 'higher' : 'lower'} is better); * other metrics: share of pairs where the variant is higher.</p>`,
    );
    parts.push(figures('paired'));
  }

  if (spec.stressor !== undefined && analysis.breakingPoints.length > 0) {
    parts.push(`<h2>Attack success vs ${escapeHtml(spec.stressor.label)}</h2>`);
    parts.push(
      table(
        ['Variant', ...(multiGroup ? ['Group'] : []), 'breaking point', `${percent(analysis.level)} CI`, 'censoring', 'replicates below / above grid'],
        analysis.breakingPoints.map((bp) => [
          bp.variant,
          ...(multiGroup ? [bp.group] : []),
          bp.notTested !== null ? 'not tested' : formatBreakingPoint(bp),
          formatBreakingPointInterval(bp),
          bp.censoring === 'none' ? '' : bp.censoring,
          `${formatNumber(bp.replicatesBelowGrid)} / ${formatNumber(bp.replicatesAboveGrid)}`,
        ]),
        multiGroup ? 2 : 1,
      ),
    );
    parts.push(figures('stress'));
  }

  if (analysis.learningCurves.length > 0) {
    parts.push(`<h2>${input.spec.curvesTitle ?? 'Learning curves'}</h2>`);
    parts.push(figures('curves'));
  }

  const rounds = roundTable(input.trials);
  if (rounds !== null) {
    parts.push('<h2>Rounds (mean over seeds)</h2>');
    parts.push(table(rounds.headers, rounds.rows, 2));
  }

  parts.push('<h2>Methods</h2>');
  const methods = [`Means: ${analysis.methods.mean} intervals at ${percent(analysis.level)}, ${analysis.resamples} resamples, report seed ${analysis.seed}. Trials that share a seed index (and so populations and seasons) are resampled together.`];
  if (analysis.pairedDifferences.length > 0) {
    methods.push(
      'Paired differences: trials of a variant and of the baseline are paired on seed index and all params except the variant (common random numbers); the interval resamples seed indices with all their pairs.',
    );
  }
  if (spec.successMetric !== undefined) methods.push(`Success rates: a trial succeeds when ${spec.successMetric} >= 0.5; Wilson score intervals.`);
  if (spec.stressor !== undefined) {
    methods.push(
      `Breaking points: a non-decreasing curve is fitted to the success rate over ${spec.stressor.label} (pool-adjacent-violators, weighted by trials per point); ` +
        `its crossing of ${spec.stressor.threshold} is interpolated linearly in ${spec.stressor.scale === 'log' ? 'log x' : 'x'}. ` +
        `The interval resamples the outcomes within each grid point. When even the smallest value reaches the threshold the estimate is censored below the grid; when none does, above it.`,
    );
  }
  if (analysis.learningCurves.length > 0) methods.push('Learning curves: mean across seeds per step with a normal-approximation band.');
  parts.push(`<ul>\n${methods.map((m) => `<li>${escapeHtml(m)}</li>`).join('\n')}\n</ul>`);
  if (analysis.warnings.length > 0) {
    parts.push(`<ul class="warnings">\n${analysis.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('\n')}\n</ul>`);
  }

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(spec.title)}</title>
<style>${STYLE}</style>
</head>
<body>
${parts.join('\n')}
</body>
</html>
`;
}
