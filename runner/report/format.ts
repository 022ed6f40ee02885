/** Numbers, intervals, breaking points and outcome counts as people read them, for the terminal and the HTML alike. */
import type { OutcomeSummary } from './outcomes.ts';
import type { BreakingPoint, Censoring, RateInterval } from '../stats.ts';

/**
 * A number for people, never in exponent notation: 3 significant digits; from 10,000 on in thousands with a
 * suffix ("31.6k", "1.23M", "2.5B"), integers below that as they are, small magnitudes in plain decimals
 * ("0.000123"); '-' for null and non-finite values.
 */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  for (const [from, size, suffix] of [[1e12, 1e12, 'T'], [1e9, 1e9, 'B'], [1e6, 1e6, 'M'], [1e4, 1e3, 'k']] as const) {
    // 999,950,000 rounds to "1000M": say "1B" instead.
    if (magnitude >= from) return Number((magnitude / size).toPrecision(digits)) >= 1000 && suffix !== 'T' ? formatNumber(Math.sign(value) * 1000 * size, digits) : `${trimmed(value / size, digits)}${suffix}`;
  }
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return trimmed(value, digits);
}

/** `digits` significant digits as a plain decimal (toPrecision without its exponent form). */
function trimmed(value: number, digits: number): string {
  const rounded = Number(value.toPrecision(digits));
  if (Math.abs(rounded) >= 1e-6) return String(rounded).includes('e') ? rounded.toFixed(Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(rounded))))) : String(rounded);
  return rounded.toFixed(Math.min(20, digits - 1 - Math.floor(Math.log10(Math.abs(rounded)))));
}

/** What a metric measures and in what unit: how every table and chart prints it and the page defines it. */
export type MetricUnit = 'usd' | 'share' | 'rate' | 'count' | 'seconds' | 'plain';

export interface MetricInfo {
  unit: MetricUnit;
  /** One line of meaning, shown under the report's definitions. */
  definition: string;
}

export const METRIC_INFO: Record<string, MetricInfo> = {
  attackLoss: { unit: 'usd', definition: 'treasury funds the attacker drained in the season (usd)' },
  attackLossShare: { unit: 'share', definition: 'attackLoss as a share of the treasury' },
  attackSucceeded: { unit: 'rate', definition: 'share of seasons in which the attack drained funds' },
  attackerProfit: { unit: 'usd', definition: 'the attacker\'s net gain: drained funds and sold tokens less what it paid (usd)' },
  executedValue: { unit: 'usd', definition: 'value the honest proposals that executed delivered (usd)' },
  failedGoodValue: { unit: 'usd', definition: 'value of good honest proposals that failed or were delayed out (usd): the honest cost of the rules' },
  honestCost: { unit: 'usd', definition: 'what the rules cost honest proposers a season (usd): the value of good ideas not delivered (failed, blocked by the threshold, or late by the delay cost) plus the losses of bad grants executed' },
  honestExecutedShare: { unit: 'share', definition: 'share of honest proposals that executed' },
  honestProposals: { unit: 'count', definition: 'honest proposals made in the season' },
  score: { unit: 'share', definition: 'executed value less failed good value less attack loss, over the treasury (higher is better)' },
  welfare: { unit: 'share', definition: 'executed less failed good value over the treasury: what the rules cost honest members' },
  attackActed: { unit: 'rate', definition: 'share of seasons in which the attack acted (proposed and applied its method)' },
  profitableShare: { unit: 'rate', definition: 'share of held-out episodes in which the trained attacker made a profit' },
  meanProfitUsd: { unit: 'usd', definition: 'the trained attacker\'s mean profit per held-out episode (usd)' },
  idleShare: { unit: 'rate', definition: 'share of held-out episodes in which the trained attacker did nothing' },
  trainSeconds: { unit: 'seconds', definition: 'wall-clock training time (seconds)' },
  steps: { unit: 'count', definition: 'environment steps of training' },
  evaluations: { unit: 'count', definition: 'protocol evaluations the search spent' },
  heldOutPopulationImprovement: { unit: 'share', definition: 'how much higher the found design scores than the baseline preset on populations the search never met (score: a share of the treasury a season)' },
  heldOutImprovement: { unit: 'share', definition: 'how much higher the found design scores than the baseline preset on held-out seasons (a share of the treasury)' },
  heldOutPopulationScore: { unit: 'share', definition: 'the found design\'s mean score on held-out populations (a share of the treasury)' },
  heldOutPopulationBaselineScore: { unit: 'share', definition: 'the baseline preset\'s mean score on the same held-out populations' },
  heldOutPopulationTailScore: { unit: 'share', definition: 'the found design\'s mean score on the worst 10 % of held-out populations' },
  heldOutPopulationBaselineTailScore: { unit: 'share', definition: 'the baseline preset\'s mean score on the worst 10 % of held-out populations' },
  heldOutScore: { unit: 'share', definition: 'the found design\'s mean score on held-out seasons' },
  baselineScore: { unit: 'share', definition: 'the baseline preset\'s mean score on the same seasons' },
  bestTrainScore: { unit: 'share', definition: 'the best score the search had found so far on its training populations' },
  cvar10Improvement: { unit: 'share', definition: 'how much lower the loop\'s protocol keeps the loss on the worst 10 % of held-out populations than the protocol tuned on G_1 alone (a share of the treasury)' },
  heldOutCvar10Final: { unit: 'share', definition: 'loss on the worst 10 % of held-out populations under the loop\'s final protocol (a share of the treasury)' },
  heldOutCvar10G1: { unit: 'share', definition: 'the same under the protocol tuned on G_1 alone' },
  heldOutCvar10Baseline: { unit: 'share', definition: 'the same under the baseline preset' },
  heldOutWelfareFinal: { unit: 'share', definition: 'honest proposals\' delivered value under the loop\'s protocol on held-out populations (a share of the treasury)' },
  heldOutWelfareG1: { unit: 'share', definition: 'the same under the protocol tuned on G_1 alone' },
  fidelityG1: { unit: 'plain', definition: 'quality score (SDMetrics-style, 0-1) of G_1\'s members against the real training members' },
  fidelityFinal: { unit: 'plain', definition: 'the same for the last accepted generator' },
  lossMean: { unit: 'share', definition: 'a round\'s mean loss over its populations (a share of the treasury)' },
  lossCvar10: { unit: 'share', definition: 'a round\'s loss on its worst 10 % of populations' },
};

/** A metric's value in its unit: "$24.5M", "4.0 %", "12 s"; plain numbers without exponents otherwise. */
export function formatMetric(metric: string, value: number | null | undefined): string {
  return formatUnit(METRIC_INFO[metric]?.unit ?? 'plain', value);
}

export function formatUnit(unit: MetricUnit, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  switch (unit) {
    case 'usd':
      return formatUsd(value);
    case 'share':
    case 'rate':
      return `${formatNumber(value * 100, Math.abs(value) >= 0.1 ? 3 : 2)} %`;
    case 'seconds':
      return `${formatNumber(value)} s`;
    default:
      return formatNumber(value);
  }
}

/** Dollars: "$24.5M", "$912k", "$350", "-$1.2M". */
export function formatUsd(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  if (magnitude < 1000) return Math.round(magnitude) === 0 ? '$0' : `${sign}$${Math.round(magnitude)}`;
  return `${sign}$${formatNumber(magnitude)}`;
}

/** A success rate with its interval, "40 % [21.9 %, 61.3 %]"; '-' without trials. */
export function formatRate(rate: RateInterval | null | undefined): string {
  return rate == null || rate.rate === null ? '-' : `${formatUnit('rate', rate.rate)} [${formatUnit('rate', rate.lo)}, ${formatUnit('rate', rate.hi)}]`;
}

/** An interval in a metric's unit. */
export function formatMetricInterval(metric: string, lo: number | null, hi: number | null): string {
  return `[${formatMetric(metric, lo)}, ${formatMetric(metric, hi)}]`;
}

export function formatInterval(lo: number | null, hi: number | null): string {
  return `[${formatNumber(lo)}, ${formatNumber(hi)}]`;
}

type BreakingPointFields = Pick<BreakingPoint, 'estimate' | 'censoring' | 'lowerBound' | 'upperBound' | 'lo' | 'hi' | 'loCensoring' | 'hiCensoring'>;

type Formatter = (value: number | null) => string;

function censoredEnd(value: number | null, censoring: Censoring, format: Formatter): string {
  if (censoring === 'below-grid') return `<=${format(value)}`;
  if (censoring === 'above-grid') return `>${format(value)}`;
  return format(value);
}

/** "[lo, hi]", with a censored end written "<=min" or ">max". */
export function formatBreakingPointInterval(bp: BreakingPointFields, format: Formatter = formatNumber): string {
  return `[${censoredEnd(bp.lo, bp.loCensoring, format)}, ${censoredEnd(bp.hi, bp.hiCensoring, format)}]`;
}

/** The estimate ("1.2e5"), or "> max" / "<= min" when censored; with `withInterval`, followed by the interval. */
export function formatBreakingPoint(bp: BreakingPointFields, withInterval = false, format: Formatter = formatNumber): string {
  const estimate = bp.censoring === 'above-grid' ? `> ${format(bp.lowerBound)}` : bp.censoring === 'below-grid' ? `<= ${format(bp.upperBound)}` : format(bp.estimate);
  return withInterval ? `${estimate} ${formatBreakingPointInterval(bp, format)}` : estimate;
}

/** The formatter of a stressor's values: dollars for the attack budget, percent for shares, plain otherwise. */
export function stressorFormatter(param: string | undefined): Formatter {
  const unit = stressorUnit(param);
  return (v) => formatUnit(unit, v);
}

/** A stressor's unit: dollars for the attack budget, shares for the delegation, late and attack shares. */
export function stressorUnit(param: string | undefined): MetricUnit {
  if (param === 'attackBudgetUsd') return 'usd';
  if (param === 'delegationShare' || param === 'lateShare' || param === 'attackShare') return 'share';
  return 'plain';
}

/** "defeated 12, executed 8", most frequent first; a row whose attack mostly never acted starts with "NOT TESTED". */
export function formatOutcomeCounts(outcomes: OutcomeSummary): string {
  const text = outcomes.counts.map((c) => `${c.outcome} ${c.count}`).join(', ');
  return outcomes.untested ? `NOT TESTED: ${text}` : text;
}

