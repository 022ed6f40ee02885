/** Numbers, intervals, breaking points and outcome counts as people read them, for the terminal and the HTML alike. */
import type { OutcomeSummary } from './analysis.ts';
import type { BreakingPoint, Censoring } from '../stats.ts';

/**
 * A number for people: 3 significant digits, integers below 1e5 as they are, exponent notation
 * ("1.5e6", "2e-4") for large and tiny magnitudes; '-' for null and non-finite values.
 */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) {
    const [mantissa, exponent] = value.toExponential(digits - 1).split('e');
    return `${String(Number(mantissa))}e${Number(exponent)}`;
  }
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(digits)));
}

export function formatInterval(lo: number | null, hi: number | null): string {
  return `[${formatNumber(lo)}, ${formatNumber(hi)}]`;
}

type BreakingPointFields = Pick<BreakingPoint, 'estimate' | 'censoring' | 'lowerBound' | 'upperBound' | 'lo' | 'hi' | 'loCensoring' | 'hiCensoring'>;

function censoredEnd(value: number | null, censoring: Censoring): string {
  if (censoring === 'below-grid') return `<=${formatNumber(value)}`;
  if (censoring === 'above-grid') return `>${formatNumber(value)}`;
  return formatNumber(value);
}

/** "[lo, hi]", with a censored end written "<=min" or ">max". */
export function formatBreakingPointInterval(bp: BreakingPointFields): string {
  return `[${censoredEnd(bp.lo, bp.loCensoring)}, ${censoredEnd(bp.hi, bp.hiCensoring)}]`;
}

/** The estimate ("1.2e5"), or "> max" / "<= min" when censored; with `withInterval`, followed by the interval. */
export function formatBreakingPoint(bp: BreakingPointFields, withInterval = false): string {
  const estimate =
    bp.censoring === 'above-grid' ? `> ${formatNumber(bp.lowerBound)}` : bp.censoring === 'below-grid' ? `<= ${formatNumber(bp.upperBound)}` : formatNumber(bp.estimate);
  return withInterval ? `${estimate} ${formatBreakingPointInterval(bp)}` : estimate;
}

/** "defeated 12, executed 8", most frequent first; a row whose attack mostly never acted starts with "NOT TESTED". */
export function formatOutcomeCounts(outcomes: OutcomeSummary): string {
  const text = outcomes.counts.map((c) => `${c.outcome} ${c.count}`).join(', ');
  return outcomes.untested ? `NOT TESTED: ${text}` : text;
}

