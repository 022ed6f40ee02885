/**
 * The answer first: what a designer asked ("which rule, at what cost?") in plain words and dollars, with the
 * caveats that change the reading. For season experiments (compare, stress) per variant over all its trials:
 * the money at risk per season (mean drained, and the mean of the worst 10 % of seasons), attack success with
 * its Wilson interval, the honest cost (good grants failed, honest value executed), the weakest breaking point
 * (stress), against the baseline. For the other kinds: the primary metric per variant. Plain JSON, read by the
 * terminal summary and the HTML alike.
 */
import { NOT_ACTED, type AttackOutcomeKind } from '../../envs/dao/attack-outcome.ts';
import { presetProtocol } from '../../envs/dao/presets.ts';
import type { Rng } from '../../lib/rng.ts';
import { cvar } from '../../lib/risk.ts';
import { bootstrapMean, wilsonInterval, type MeanEstimate, type RateInterval } from '../stats.ts';
import type { TrialResult } from '../types.ts';
import type { BreakingPointRow, ReportSpec, VariantStats } from './analysis.ts';
import { summariseOutcomes, type OutcomeSummary } from './outcomes.ts';
import type { SweepAnalysis, SweepPoint } from './sweep.ts';
import { formatBreakingPoint, formatMetric, formatMetricInterval, formatRate, formatUnit, formatUsd, METRIC_INFO, stressorFormatter } from './format.ts';

export interface VerdictRow {
  variant: string;
  trials: number;
  /** The listed attack that drains this variant most on average (none listed: every season counts). */
  strongestAttack?: string;
  /** Season experiments: money drained per season (usd) under the strongest attack, its tail, that attack's success, honest cost. */
  loss?: MeanEstimate;
  /** Mean drained in the worst 10 % of the variant's seasons (usd). */
  lossTail?: number;
  success?: RateInterval;
  failedGood?: MeanEstimate;
  executed?: MeanEstimate;
  /** Stress: the lowest breaking point over the variant's groups, as text, and the group it is in. */
  breakingPoint?: string;
  breakingGroup?: string;
  /** Other kinds: the primary metric. */
  primary?: MeanEstimate;
  /**
   * The row's attack never acted in most attempts (scripted: the strategy could not apply; learned: the attacker
   * stayed idle), with how its attempts ended: its figures say little or nothing about the rule.
   */
  notTested?: OutcomeSummary;
}

export interface Verdict {
  /** Sentences that answer the run's question, the first one the answer. */
  headline: string[];
  rows: VerdictRow[];
  /** What changes the reading: attacks that never acted, censored breaking points, a guardian veto, few seeds. */
  caveats: string[];
  /** Which columns the rows carry: a sweep's rows are its settings (Pareto front, base, recommended). */
  shape: 'season' | 'primary' | 'sweep';
  sweep?: SweepAnalysis;
}

interface VerdictInput {
  spec: ReportSpec;
  trials: readonly TrialResult[];
  variants: readonly string[];
  variantStats: readonly VariantStats[];
  breakingPoints: readonly BreakingPointRow[];
  config: unknown;
  level: number;
  resamples: number;
  rng: Rng;
  sweep?: SweepAnalysis | null;
}

const finite = (values: Array<number | undefined>): number[] => values.filter((v): v is number => v !== undefined && Number.isFinite(v));

function meanOf(trials: readonly TrialResult[], metric: string, rng: Rng, level: number, resamples: number): MeanEstimate | undefined {
  const reporting = trials.filter((t) => Number.isFinite(t.metrics[metric]));
  if (reporting.length === 0) return undefined;
  return bootstrapMean(
    reporting.map((t) => t.metrics[metric]!),
    rng.stream(metric),
    { level, resamples, clusters: reporting.map((t) => t.seedIndex) },
  );
}

const interval = (metric: string, m: MeanEstimate): string => `${formatMetric(metric, m.mean)} ${formatMetricInterval(metric, m.lo, m.hi)}`;

/** A row's `notTested` field: the outcomes of `trials` when the attack never acted in most of them, else none (the analysis is plain JSON). */
function notTestedField(trials: readonly TrialResult[]): { notTested?: OutcomeSummary } {
  const outcomes = summariseOutcomes(trials);
  return outcomes?.untested ? { notTested: outcomes } : {};
}

/** "did not act in 300 of 400 attempts (idle: the policy never proposed a drain; the others: defeated 100)". */
function notActedText(outcomes: OutcomeSummary): string {
  const top = outcomes.notActedTop;
  const acted = outcomes.counts.filter((c) => !NOT_ACTED.has(c.outcome as AttackOutcomeKind) && c.outcome !== 'no-attack');
  const others = acted.length === 0 ? '' : `; the others: ${acted.map((c) => `${c.outcome} ${c.count}`).join(', ')}`;
  return `did not act in ${outcomes.notActed} of ${outcomes.attempts} attempts (${top === null ? 'no reason recorded' : `${top.outcome}: ${top.reason}`}${others})`;
}

/** Variants whose protocol leaves the outcome to a guardian's veto. */
function guardianVariants(config: unknown): string[] {
  const variants = (config as { variants?: Array<{ name: string; preset: string; protocol?: Record<string, unknown> }> } | null)?.variants;
  return Array.isArray(variants) ? variants.filter((v) => presetProtocol(v.preset, v.protocol ?? {}).guardianVeto).map((v) => v.name) : [];
}

function caveatsOf(input: VerdictInput): string[] {
  const caveats: string[] = [];
  const untested = input.variantStats.filter((row) => row.outcomes?.untested);
  if (untested.length > 0) {
    const top = untested[0]!.outcomes!.notActedTop;
    caveats.push(
      `Not tested: in ${untested.length} row${untested.length === 1 ? '' : 's'} (${untested.map((r) => (r.group ? `${r.variant} | ${r.group}` : r.variant)).slice(0, 4).join('; ')}${untested.length > 4 ? '; ...' : ''}) ` +
        `the attack never acted in most ${input.spec.successMetric === 'attackSucceeded' ? 'seasons' : 'attempts'}${top ? ` (${top.outcome}: ${top.reason})` : ''}; ` +
        (input.spec.successMetric === 'attackSucceeded' ? 'a low loss there says nothing about the rule.' : 'an attacker that learned to stay idle may not have found the attack, so a low figure there is weak evidence about the rule.'),
    );
  }
  const censored = input.breakingPoints.filter((bp) => bp.notTested === null && bp.censoring === 'above-grid');
  if (censored.length > 0) caveats.push(`${censored.length} breaking point${censored.length === 1 ? ' lies' : 's lie'} above the largest value tried: the rule held there, which is not an upper bound.`);
  const guardian = guardianVariants(input.config);
  if (guardian.length > 0) caveats.push(`${guardian.join(', ')} rest${guardian.length === 1 ? 's' : ''} on trusting a guardian veto (a vetoer who catches the drain): its numbers assume that guardian acts.`);
  const seeds = (input.config as { seeds?: number } | null)?.seeds;
  if (typeof seeds === 'number' && seeds < 10) caveats.push(`Only ${seeds} seed${seeds === 1 ? '' : 's'} per cell: intervals are wide, and a difference inside them is not a difference.`);
  return caveats;
}

/**
 * An attacker picks the strategy that drains most: the listed attack (not 'none') with the highest mean
 * attackLoss over `trials`, where money at risk is measured; undefined when none is listed.
 */
export function strongestAttack(trials: readonly TrialResult[]): string | undefined {
  const attacks = [...new Set(trials.map((t) => String(t.params.attack ?? '')))].filter((a) => a !== 'none');
  const drained = (attack: string) => {
    const losses = finite(trials.filter((t) => String(t.params.attack ?? '') === attack).map((t) => t.metrics.attackLoss));
    return losses.length === 0 ? -Infinity : losses.reduce((x, y) => x + y, 0) / losses.length;
  };
  return attacks.length === 0 ? undefined : attacks.reduce((a, b) => (drained(b) > drained(a) ? b : a));
}

function seasonVerdict(input: VerdictInput): Verdict {
  const { spec, level, resamples } = input;
  const rows: VerdictRow[] = input.variants.map((variant) => {
    const trials = input.trials.filter((t) => t.variant === variant);
    const rng = input.rng.stream('verdict', variant);
    const strongest = strongestAttack(trials);
    const attacked = strongest === undefined ? trials : trials.filter((t) => String(t.params.attack ?? '') === strongest);
    // The honest cost without an attack where the config lists 'none', else over every season.
    const quiet = trials.some((t) => t.params.attack === 'none') ? trials.filter((t) => t.params.attack === 'none') : trials;
    const losses = finite(attacked.map((t) => t.metrics.attackLoss));
    const successes = attacked.filter((t) => Number.isFinite(t.metrics.attackSucceeded));
    const bps = input.breakingPoints.filter((bp) => bp.variant === variant && bp.notTested === null);
    const weakest = bps.filter((bp) => bp.censoring !== 'above-grid').sort((a, b) => (a.estimate ?? a.upperBound ?? 0) - (b.estimate ?? b.upperBound ?? 0))[0] ?? bps[0];
    return {
      variant,
      trials: trials.length,
      strongestAttack: strongest,
      loss: meanOf(attacked, 'attackLoss', rng, level, resamples),
      lossTail: losses.length > 0 ? cvar(losses) : undefined,
      success: successes.length > 0 ? wilsonInterval(successes.filter((t) => t.metrics.attackSucceeded! >= 0.5).length, successes.length, level) : undefined,
      failedGood: meanOf(quiet, 'failedGoodValue', rng, level, resamples),
      executed: meanOf(quiet, 'executedValue', rng, level, resamples),
      breakingPoint: weakest === undefined ? undefined : formatBreakingPoint(weakest, true, stressorFormatter(spec.stressor?.param)),
      breakingGroup: weakest?.group || undefined,
      ...notTestedField(attacked),
    };
  });
  // A rule whose attack never acted in most seasons is not named as losing least: its low loss says nothing.
  const scored = rows.filter((r) => r.loss !== undefined && r.notTested === undefined);
  const best = [...scored].sort((a, b) => a.loss!.mean - b.loss!.mean || (a.failedGood?.mean ?? 0) - (b.failedGood?.mean ?? 0))[0];
  const baseline = rows.find((r) => r.variant === spec.baselineVariant) ?? rows[0];
  const headline: string[] = [];
  const untested = rows.filter((r) => r.notTested !== undefined);
  if (best === undefined && untested.length > 0) {
    headline.push(`No rule was tested: under ${untested.length === rows.length ? 'every one' : untested.map((r) => r.variant).join(', ')} the attack ${notActedText(untested[0]!.notTested!)}, so the money at risk says nothing about the rules.`);
  }
  if (best !== undefined && baseline !== undefined) {
    const successText = (r: VerdictRow) => (r.success?.rate == null ? '' : `, attack success ${formatUnit('rate', r.success.rate)}`);
    const against = (r: VerdictRow) => (r.strongestAttack === undefined ? '' : ` against its strongest attack (${r.strongestAttack})`) + (spec.stressor === undefined ? '' : `, averaged over the ${spec.stressor.label} grid`);
    if (best.variant === baseline.variant) {
      headline.push(`The baseline ${best.variant} loses least: ${interval('attackLoss', best.loss!)} a season${against(best)} (worst 10 % of seasons: ${formatUsd(best.lossTail ?? NaN)})${successText(best)}.`);
    } else {
      headline.push(
        `${best.variant} loses least: ${interval('attackLoss', best.loss!)} a season${against(best)} (worst 10 % of seasons: ${formatUsd(best.lossTail ?? NaN)})${successText(best)}; ` +
          `${baseline.variant} loses ${formatUsd(baseline.loss!.mean)}${against(baseline)}.`,
      );
      if (best.failedGood !== undefined && baseline.failedGood !== undefined) {
        const change = best.failedGood.mean - baseline.failedGood.mean;
        headline.push(
          `Its honest cost: good grants failed ${formatUsd(best.failedGood.mean)} a season against ${formatUsd(baseline.failedGood.mean)} for ${baseline.variant} (${change >= 0 ? '+' : '-'}${formatUsd(Math.abs(change))}); ` +
            `honest value executed ${formatUsd(best.executed?.mean ?? NaN)} against ${formatUsd(baseline.executed?.mean ?? NaN)}.`,
        );
      }
    }
    if (spec.stressor !== undefined && best.breakingPoint !== undefined) headline.push(`Its weakest breaking point (${spec.stressor.label}): ${best.breakingPoint}${best.breakingGroup ? ` (${best.breakingGroup})` : ''}.`);
    for (const row of untested) {
      headline.push(`Not tested: ${row.variant} (${formatUsd(row.loss?.mean ?? NaN)} a season): its attack${row.strongestAttack === undefined ? '' : ` (${row.strongestAttack})`} ${notActedText(row.notTested!)}; that figure says nothing about the rule.`);
    }
  }
  return { headline, rows, caveats: caveatsOf(input), shape: 'season' };
}

function primaryVerdict(input: VerdictInput): Verdict {
  const { spec } = input;
  const rows: VerdictRow[] = input.variants.map((variant) => {
    const trials = input.trials.filter((t) => t.variant === variant);
    return { variant, trials: trials.length, primary: meanOf(trials, spec.primaryMetric, input.rng.stream('verdict', variant), input.level, input.resamples), ...notTestedField(trials) };
  });
  const scored = rows.filter((r) => r.primary !== undefined);
  const best = [...scored].sort((a, b) => (spec.higherIsBetter ? b.primary!.mean - a.primary!.mean : a.primary!.mean - b.primary!.mean))[0];
  const headline: string[] = [];
  if (best !== undefined) {
    headline.push(
      scored.length === 1
        ? `${spec.primaryMetric}: ${interval(spec.primaryMetric, best.primary!)} over ${best.trials} trial${best.trials === 1 ? '' : 's'} (${spec.higherIsBetter ? 'higher' : 'lower'} is better).`
        : `Best by ${spec.primaryMetric} (${spec.higherIsBetter ? 'higher' : 'lower'} is better): ${best.variant}, ${interval(spec.primaryMetric, best.primary!)}.`,
    );
    // The attackers here learn or search: one that stays idle may not have found the attack, or may have found
    // that it does not pay; its row is weak evidence either way, and the answer says so where it names the row.
    if (best.notTested !== undefined) {
      headline.push(
        `But ${best.variant} is not tested: its attackers ${notActedText(best.notTested)}. An attacker that learned to stay idle may not have found the attack, so this is weak evidence that ${best.variant} resists it.`,
      );
    }
    const definition = METRIC_INFO[spec.primaryMetric]?.definition;
    if (definition !== undefined) headline.push(`${spec.primaryMetric}: ${definition}.`);
  }
  return { headline, rows, caveats: caveatsOf(input), shape: 'primary' };
}

export function verdictOf(input: VerdictInput): Verdict {
  if (input.sweep) {
    const seeds = (input.config as { seeds?: number } | null)?.seeds;
    const seedCaveat = typeof seeds === 'number' && seeds < 10 ? [`Only ${seeds} seed${seeds === 1 ? '' : 's'} per setting: intervals are wide, and a difference inside them is not a difference.`] : [];
    return { headline: input.sweep.headline, rows: [], caveats: [...input.sweep.caveats, ...seedCaveat], shape: 'sweep', sweep: input.sweep };
  }
  return input.spec.successMetric === 'attackSucceeded' ? seasonVerdict(input) : primaryVerdict(input);
}

/** The verdict's table, in the user's units: for the terminal and the HTML alike. */
export function verdictTable(verdict: Verdict, spec: ReportSpec): { headers: string[]; rows: string[][] } {
  const level = (m: MeanEstimate | undefined, metric: string) => (m === undefined ? '-' : interval(metric, m));
  if (verdict.shape === 'sweep' && verdict.sweep !== undefined) {
    const sweep = verdict.sweep;
    // The base, the recommended setting and the Pareto front, least money at risk first.
    const shown = sweep.points
      .filter((p) => p.base || p.pareto || p.variant === sweep.choice)
      .sort((a, b) => (a.loss?.mean ?? Infinity) - (b.loss?.mean ?? Infinity) || (a.honestCost?.mean ?? Infinity) - (b.honestCost?.mean ?? Infinity));
    const role = (p: SweepPoint) =>
      [p.variant === sweep.choice ? 'recommended' : '', p.base ? 'base' : '', p.pareto ? 'front' : '', p.meetsTarget === true ? 'under target' : p.meetsTarget === false ? 'over target' : '', p.untested ? 'NOT TESTED' : '']
        .filter((x) => x !== '')
        .join(', ');
    return {
      headers: ['setting', 'strongest attack', 'at risk a season [CI]', 'attack success', `honest cost a season [CI]${sweep.honestCostBasis === 'no attack' ? ', no attack' : ''}`, 'role'],
      rows: shown.map((p) => [p.label, p.strongestAttack ?? '-', level(p.loss ?? undefined, 'attackLoss'), formatRate(p.success), level(p.honestCost ?? undefined, 'honestCost'), role(p)]),
    };
  }
  if (verdict.shape === 'season') {
    const stress = verdict.rows.some((r) => r.breakingPoint !== undefined);
    return {
      headers: [
        'variant',
        'strongest attack',
        spec.stressor === undefined ? 'at risk a season [CI]' : 'at risk a season, mean over the grid [CI]',
        'worst 10 %',
        'attack success',
        'good grants failed, no attack',
        'honest value done, no attack',
        ...(stress ? [`weakest breaking point [CI]`] : []),
      ],
      rows: verdict.rows.map((r) => [
        r.variant,
        r.strongestAttack ?? '-',
        level(r.loss, 'attackLoss'),
        r.lossTail === undefined ? '-' : formatUsd(r.lossTail),
        formatRate(r.success),
        level(r.failedGood, 'failedGoodValue'),
        level(r.executed, 'executedValue'),
        ...(stress ? [r.breakingPoint ?? '-'] : []),
      ]),
    };
  }
  return { headers: ['variant', 'trials', `${spec.primaryMetric} [CI]`], rows: verdict.rows.map((r) => [r.variant, String(r.trials), level(r.primary, spec.primaryMetric)]) };
}
