/**
 * What a protocol sweep answers: for each setting, the money at risk a season under its strongest attack and
 * the honest cost, with intervals; the Pareto front of the two; the setting that keeps money at risk under the
 * config's target at the least honest cost; where the base preset sits; and, for a grid, the pairs of swept
 * parameters as heatmaps (the other parameters held at the base's value, or at the chosen setting's, stated).
 */
import type { Rng } from '../../lib/rng.ts';
import { describePoint, formatSweepValue, SWEEP_PARAMETERS } from '../kinds/sweep/parameters.ts';
import { bootstrapMean, pairedDifference, wilsonInterval, type MeanEstimate, type PairedDifference, type RateInterval } from '../stats.ts';
import type { TrialResult } from '../types.ts';
import { formatMetric, formatMetricInterval, formatRate, formatUsd } from './format.ts';
import { strongestAttack } from './verdict.ts';

/** What the report spec says about a sweep (runner/kinds/sweep). */
export interface SweepSpec {
  parameters: string[];
  design: 'grid' | 'lhs' | 'sobol';
  /** Money at risk a season (usd) a setting must stay under, judged on its interval's upper end. */
  targetLossUsd: number | null;
  /** The variant that runs the base protocol unchanged. */
  baseVariant: string;
  /** The base preset's name, and its own value of each swept parameter (null where it has none to read). */
  basePreset: string;
  baseValues: Record<string, number | null>;
  /** Notes on how a base value was read (e.g. an absolute quorum as a share of supply). */
  baseNotes: string[];
}

export interface SweepPoint {
  variant: string;
  /** The swept parameters' values (trial params); the base variant's are the base protocol's own. */
  values: Record<string, number>;
  label: string;
  base: boolean;
  strongestAttack: string | null;
  /** Mean drained a season under the strongest attack (usd), with its interval over seeds. */
  loss: MeanEstimate | null;
  success: RateInterval | null;
  /** Mean honest cost a season (usd): good value not delivered, bad grants executed, delay. */
  honestCost: MeanEstimate | null;
  /** The attack never acted in most of its seasons: a low loss says nothing. */
  untested: boolean;
  pareto: boolean;
  /** Whether the interval's upper end is under the target (null without a target). */
  meetsTarget: boolean | null;
}

export interface SweepHeatmap {
  x: string;
  y: string;
  /** How the other swept parameters are held, in words ("timelock 2 d (the base's)"). */
  held: string;
  cells: Array<{ x: number; y: number; variant: string }>;
}

export interface SweepAnalysis {
  spec: SweepSpec;
  points: SweepPoint[];
  /** Where honest cost is measured: the seasons without an attack where the config lists 'none', else all. */
  honestCostBasis: 'no attack' | 'every season';
  /** The least honest cost among settings whose money at risk stays under the target (null: none does, or no target). */
  choice: string | null;
  /** Without a target, or when nothing meets it: the setting with the least money at risk. */
  leastAtRisk: string | null;
  /** The choice (or least-at-risk setting) against the base on common seeds: money at risk and honest cost. */
  againstBase: { variant: string; loss: PairedDifference; honestCost: PairedDifference } | null;
  heatmaps: SweepHeatmap[];
  headline: string[];
  caveats: string[];
}

/**
 * The Pareto front of points that minimise both coordinates: a point is on it unless another is at least as
 * good in both and strictly better in one. Returns a flag per point, in input order.
 */
export function paretoFront(points: ReadonlyArray<{ loss: number; cost: number }>): boolean[] {
  return points.map((p, i) => !points.some((q, j) => j !== i && q.loss <= p.loss && q.cost <= p.cost && (q.loss < p.loss || q.cost < p.cost)));
}

export function analyseSweep(spec: SweepSpec, trials: readonly TrialResult[], rng: Rng, options: { level: number; resamples: number }): SweepAnalysis {
  const { level, resamples } = options;
  const variants = [...new Set(trials.map((t) => t.variant))];
  const withNone = trials.some((t) => t.params.attack === 'none');
  const estimate = (values: TrialResult[], metric: string, stream: Rng): MeanEstimate | null => {
    const reporting = values.filter((t) => Number.isFinite(t.metrics[metric]));
    return reporting.length === 0 ? null : bootstrapMean(reporting.map((t) => t.metrics[metric]!), stream, { level, resamples, clusters: reporting.map((t) => t.seedIndex) });
  };

  const points: SweepPoint[] = variants.map((variant) => {
    const own = trials.filter((t) => t.variant === variant);
    const values: Record<string, number> = {};
    for (const name of spec.parameters) {
      const value = Number(own[0]?.params[name]);
      if (Number.isFinite(value)) values[name] = value;
    }
    const strongest = strongestAttack(own) ?? null;
    const attacked = strongest === null ? own : own.filter((t) => t.params.attack === strongest);
    const quiet = withNone ? own.filter((t) => t.params.attack === 'none') : own;
    const successes = attacked.filter((t) => Number.isFinite(t.metrics.attackSucceeded));
    const acted = attacked.filter((t) => Number.isFinite(t.metrics.attackActed));
    const stream = rng.stream('sweep', variant);
    return {
      variant,
      values,
      label: variant === spec.baseVariant ? `${spec.basePreset} as deployed (${describePoint(values)})` : describePoint(values),
      base: variant === spec.baseVariant,
      strongestAttack: strongest,
      loss: estimate(attacked, 'attackLoss', stream.stream('loss')),
      success: successes.length === 0 ? null : wilsonInterval(successes.filter((t) => t.metrics.attackSucceeded! >= 0.5).length, successes.length, level),
      honestCost: estimate(quiet, 'honestCost', stream.stream('honest')),
      untested: acted.length > 0 && acted.filter((t) => t.metrics.attackActed! >= 0.5).length * 2 < acted.length,
      pareto: false,
      meetsTarget: null,
    };
  });
  const scored = points.filter((p) => p.loss !== null && p.honestCost !== null);
  paretoFront(scored.map((p) => ({ loss: p.loss!.mean, cost: p.honestCost!.mean }))).forEach((onFront, i) => {
    scored[i]!.pareto = onFront;
  });
  if (spec.targetLossUsd !== null) for (const p of scored) p.meetsTarget = p.loss!.hi <= spec.targetLossUsd;

  const byCost = (a: SweepPoint, b: SweepPoint) => a.honestCost!.mean - b.honestCost!.mean || a.loss!.mean - b.loss!.mean;
  const meeting = scored.filter((p) => p.meetsTarget === true && !p.untested).sort(byCost);
  const choice = meeting[0]?.variant ?? null;
  const leastAtRisk = [...scored].sort((a, b) => a.loss!.mean - b.loss!.mean || a.honestCost!.mean - b.honestCost!.mean)[0]?.variant ?? null;

  // The recommended setting against the base on common seeds (pairs ignore the swept values, which differ by design).
  const pick = choice ?? leastAtRisk;
  const base = points.find((p) => p.base);
  let againstBase: SweepAnalysis['againstBase'] = null;
  if (pick !== null && base !== undefined && pick !== base.variant) {
    const chosen = points.find((p) => p.variant === pick)!;
    const attack = chosen.strongestAttack;
    const ignoreParams = [...spec.parameters];
    const lossTrials = trials.filter((t) => (t.variant === pick || t.variant === base.variant) && (attack === null || t.params.attack === attack));
    const quietTrials = trials.filter((t) => (t.variant === pick || t.variant === base.variant) && (!withNone || t.params.attack === 'none'));
    againstBase = {
      variant: pick,
      loss: pairedDifference(lossTrials, 'attackLoss', pick, base.variant, rng.stream('paired', 'loss'), { level, resamples, ignoreParams, higherIsBetter: false }),
      honestCost: pairedDifference(quietTrials, 'honestCost', pick, base.variant, rng.stream('paired', 'honest'), { level, resamples, ignoreParams, higherIsBetter: false }),
    };
  }

  const heatmaps = spec.design === 'grid' ? gridHeatmaps(spec, points, choice ?? leastAtRisk) : [];
  const analysis: SweepAnalysis = { spec, points, honestCostBasis: withNone ? 'no attack' : 'every season', choice, leastAtRisk, againstBase, heatmaps, headline: [], caveats: [] };
  analysis.headline = sweepHeadline(analysis);
  analysis.caveats = sweepCaveats(analysis, trials);
  return analysis;
}

/** For each pair of swept parameters with several values: the grid of points with the others held fixed. */
function gridHeatmaps(spec: SweepSpec, points: readonly SweepPoint[], reference: string | null): SweepHeatmap[] {
  const grid = points.filter((p) => !p.base);
  const valuesOf = (name: string) => [...new Set(grid.map((p) => p.values[name]!))].sort((a, b) => a - b);
  const swept = spec.parameters.filter((name) => valuesOf(name).length > 1);
  const referencePoint = points.find((p) => p.variant === reference && !p.base);
  const maps: SweepHeatmap[] = [];
  for (let i = 0; i < swept.length; i++) {
    for (let j = i + 1; j < swept.length; j++) {
      const x = swept[i]!;
      const y = swept[j]!;
      const held: string[] = [];
      const fixed: Record<string, number> = {};
      for (const other of spec.parameters.filter((n) => n !== x && n !== y)) {
        const baseValue = spec.baseValues[other];
        const options = valuesOf(other);
        if (baseValue !== null && baseValue !== undefined && options.includes(baseValue)) {
          fixed[other] = baseValue;
          held.push(`${SWEEP_PARAMETERS[other]!.label} ${formatSweepValue(other, baseValue)} (the base's)`);
        } else {
          const value = referencePoint?.values[other] ?? options[0]!;
          fixed[other] = value;
          held.push(`${SWEEP_PARAMETERS[other]!.label} ${formatSweepValue(other, value)} (${referencePoint ? "the recommended setting's" : 'the first value'})`);
        }
      }
      const cells = grid.filter((p) => Object.entries(fixed).every(([name, value]) => p.values[name] === value)).map((p) => ({ x: p.values[x]!, y: p.values[y]!, variant: p.variant }));
      maps.push({ x, y, held: held.length === 0 ? '' : held.join(', '), cells });
    }
  }
  return maps;
}

/** Every setting, one row each, in the user's units: the report's table (with attack success) and the terminal's. */
export function sweepSettingsTable(sweep: SweepAnalysis, options: { success: boolean }): { headers: string[]; rows: string[][] } {
  const estimate = (metric: string, m: MeanEstimate | null) => (m ? `${formatMetric(metric, m.mean)} ${formatMetricInterval(metric, m.lo, m.hi)}` : '-');
  return {
    headers: ['setting', 'name', 'strongest attack', 'at risk a season [CI]', ...(options.success ? ['attack success'] : []), 'honest cost a season [CI]', 'front'],
    rows: sweep.points.map((p) => [p.label, p.variant, p.strongestAttack ?? '-', estimate('attackLoss', p.loss), ...(options.success ? [formatRate(p.success)] : []), estimate('honestCost', p.honestCost), p.pareto ? 'yes' : '']),
  };
}

const atRisk = (p: SweepPoint): string => `${formatMetric('attackLoss', p.loss!.mean)} ${formatMetricInterval('attackLoss', p.loss!.lo, p.loss!.hi)} a season${p.strongestAttack ? ` (strongest attack: ${p.strongestAttack}, success ${formatRate(p.success)})` : ''}`;
const cost = (p: SweepPoint): string => `${formatMetric('honestCost', p.honestCost!.mean)} ${formatMetricInterval('honestCost', p.honestCost!.lo, p.honestCost!.hi)} a season`;
const difference = (d: PairedDifference): string =>
  d.meanDifference === null ? 'not paired' : `${d.meanDifference >= 0 ? '+' : '-'}${formatUsd(Math.abs(d.meanDifference))} ${formatMetricInterval('attackLoss', d.lo!, d.hi!)}`;

function sweepHeadline(a: SweepAnalysis): string[] {
  const lines: string[] = [];
  const byVariant = (v: string | null) => a.points.find((p) => p.variant === v);
  const target = a.spec.targetLossUsd;
  const chosen = byVariant(a.choice);
  if (target !== null && chosen !== undefined) {
    lines.push(`Least honest cost with money at risk under ${formatUsd(target)} a season (the interval's upper end): ${chosen.label}: at risk ${atRisk(chosen)}; honest cost ${cost(chosen)}.`);
  } else if (target !== null) {
    const least = byVariant(a.leastAtRisk);
    lines.push(`No setting swept keeps money at risk under ${formatUsd(target)} a season (the interval's upper end).${least?.loss ? ` The least at risk: ${least.label}: ${atRisk(least)}; honest cost ${cost(least)}.` : ''}`);
  } else {
    const least = byVariant(a.leastAtRisk);
    if (least?.loss) lines.push(`Least money at risk: ${least.label}: ${atRisk(least)}; honest cost ${cost(least)}. (Set target.attackLossUsd for the cheapest setting under a bound.)`);
  }
  const base = a.points.find((p) => p.base);
  if (base?.loss && base.honestCost) {
    lines.push(`The base, ${base.label}: at risk ${atRisk(base)}; honest cost ${cost(base)}; ${base.pareto ? 'on the Pareto front' : 'not on the Pareto front (another setting is at least as good on both)'}${base.meetsTarget === null ? '' : base.meetsTarget ? ', under the target' : ', over the target'}.`);
  }
  if (a.againstBase !== null) {
    const { loss, honestCost } = a.againstBase;
    lines.push(`Against the base on common seeds: money at risk ${difference(loss)}, honest cost ${difference(honestCost)} a season (${loss.pairs} and ${honestCost.pairs} paired seasons).`);
  }
  const front = a.points.filter((p) => p.pareto);
  lines.push(`Pareto front (money at risk against honest cost): ${front.length} of ${a.points.length} settings.`);
  return lines;
}

function sweepCaveats(a: SweepAnalysis, trials: readonly TrialResult[]): string[] {
  const caveats: string[] = [];
  const untested = a.points.filter((p) => p.untested);
  if (untested.length > 0) caveats.push(`Not tested: at ${untested.length} setting${untested.length === 1 ? '' : 's'} the strongest attack never acted in most seasons; their money at risk says nothing, and none of them is recommended.`);
  if (a.honestCostBasis === 'every season') caveats.push("Honest cost is measured over every season, attacked or not (list attack 'none' to measure it without an attack).");
  const timing = a.spec.parameters.filter((n) => n === 'timelock' || n === 'votingDelay');
  if (timing.length > 0) {
    const guarded = trials.some((t) => t.params.guardianVeto === 1) || a.spec.baseValues.guardianVeto === 1;
    if (!guarded) {
      caveats.push(
        `${timing.join(' and ')}: with no guardian veto in these protocols a delay protects only by what it costs the attacker (holding or borrowing tokens longer, a proposal cancelled when its proposer falls below the threshold); members in this model do not exit during it, so expect it to show mostly as honest cost.`,
      );
    }
  }
  for (const note of a.spec.baseNotes) caveats.push(note);
  return caveats;
}
