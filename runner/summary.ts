/**
 * The terminal verdict of a run: aligned plain-text tables built from `analyse`'s output (per variant:
 * trials, primary-metric mean with its interval, success rate with its Wilson interval, breaking point
 * with its interval; then paired differences against the baseline). No colours; returns a string, the
 * CLI prints it.
 */
import type { Analysis } from './report/analysis.ts';
import { formatBreakingPoint, formatMetric, formatMetricInterval, formatOutcomeCounts, formatRate, stressorFormatter } from './report/format.ts';
import { verdictTable } from './report/verdict.ts';
import { sweepSettingsTable } from './report/sweep.ts';

export { formatBreakingPoint, formatBreakingPointInterval, formatInterval, formatNumber, formatOutcomeCounts } from './report/format.ts';

export interface TableOptions {
  /** Terminal width: when a table is wider, its first column is shortened (with '~') down to 8 characters. */
  width?: number;
}

/** Left-aligned first column, right-aligned others, two spaces between columns. */
export function formatTable(headers: string[], rows: string[][], options: TableOptions = {}): string {
  const columns = headers.length;
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const total = widths.reduce((s, w) => s + w, 0) + 2 * (columns - 1);
  const cells = [headers, ...rows].map((r) => r.slice());
  if (options.width !== undefined && total > options.width && columns > 0) {
    const first = Math.max(8, widths[0]! - (total - options.width));
    if (first < widths[0]!) {
      widths[0] = first;
      for (const row of cells) {
        const text = row[0] ?? '';
        if (text.length > first) row[0] = `${text.slice(0, first - 1)}~`;
      }
    }
  }
  return cells
    .map((row) =>
      widths
        .map((w, c) => {
          const text = row[c] ?? '';
          return c === 0 ? text.padEnd(w) : text.padStart(w);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const percent = (level: number): string => `${Math.round(level * 1000) / 10} %`;

/** The plain-text summary of an analysis. */
export function formatSummary(analysis: Analysis, options: TableOptions = {}): string {
  const { spec, run } = analysis;
  const multiGroup = analysis.groups.some((group) => group !== '');
  const label = (variant: string, group: string): string => (group ? `${variant} | ${group}` : variant);
  const lines: string[] = [];
  lines.push(`${spec.title}`);
  lines.push(`run ${run.id} (${run.name}), ${run.kind}, ${run.status}: ${run.trials} of ${run.trialsPlanned} trials`);
  lines.push(
    `${spec.primaryMetric} (${spec.higherIsBetter ? 'higher' : 'lower'} is better); ${percent(analysis.level)} intervals: ` +
      `${analysis.methods.mean} (${analysis.resamples} resamples, seed ${analysis.seed})${spec.successMetric ? ', Wilson for success rates' : ''}`,
  );
  lines.push('');
  const verdict = verdictTable(analysis.verdict, spec);
  lines.push('verdict');
  for (const sentence of analysis.verdict.headline) lines.push(`  ${sentence}`);
  lines.push(formatTable(verdict.headers, verdict.rows, options));
  for (const caveat of analysis.verdict.caveats) lines.push(`  caveat: ${caveat}`);
  lines.push('');
  if (analysis.sweep !== null) {
    // A sweep's settings, one row each (the per-attack rows are in the report and `daogym export`).
    lines.push('every setting');
    const settings = sweepSettingsTable(analysis.sweep, { success: false });
    lines.push(formatTable(settings.headers, settings.rows, options));
    for (const warning of analysis.warnings) lines.push(`warning: ${warning}`);
    return `${lines.join('\n')}\n`;
  }
  lines.push('by variant' + (multiGroup ? ' and group' : ''));

  const bpByCell = new Map(analysis.breakingPoints.map((bp) => [JSON.stringify([bp.variant, bp.group]), bp]));
  const showSuccess = spec.successMetric !== undefined;
  const showBreaking = spec.stressor !== undefined && analysis.breakingPoints.length > 0;
  const showOutcomes = analysis.variantStats.some((row) => row.outcomes !== null && row.outcomes.counts.some((c) => c.outcome !== 'no-attack'));
  const headers = [multiGroup ? 'variant | group' : 'variant', 'n', `${spec.primaryMetric} [CI]`];
  if (showSuccess) headers.push('success rate [Wilson]');
  if (showBreaking) headers.push(`breaking point (${spec.stressor!.label}) [CI]`);
  if (showOutcomes) headers.push('attack outcomes');
  const rows = analysis.variantStats.map((row) => {
    const primary = row.metrics[spec.primaryMetric];
    const cells = [label(row.variant, row.group), String(row.n), primary ? `${formatMetric(spec.primaryMetric, primary.mean)} ${formatMetricInterval(spec.primaryMetric, primary.lo, primary.hi)}` : '-'];
    if (showSuccess) cells.push(formatRate(row.success));
    if (showBreaking) {
      const bp = bpByCell.get(JSON.stringify([row.variant, row.group]));
      cells.push(bp ? (bp.notTested !== null ? 'not tested' : formatBreakingPoint(bp, true, stressorFormatter(spec.stressor?.param))) : '-');
    }
    if (showOutcomes) cells.push(row.outcomes === null ? '-' : formatOutcomeCounts(row.outcomes));
    return cells;
  });
  lines.push(formatTable(headers, rows, options));
  const untested = analysis.variantStats.filter((row) => row.outcomes?.untested === true);
  const notTested = analysis.breakingPoints.filter((bp) => bp.notTested !== null);
  if (untested.length > 0 || notTested.length > 0) {
    lines.push('');
    lines.push('not tested: these attacks never acted in most of their trials, so their rows say nothing about the protocol\'s resistance');
    for (const row of untested) {
      const first = row.outcomes!.notActedTop!;
      lines.push(`  ${label(row.variant, row.group)}: ${row.outcomes!.notActed} of ${row.outcomes!.attempts} did not act; ${first.outcome}: ${first.reason}`);
    }
    for (const bp of notTested) if (!untested.some((row) => row.variant === bp.variant && row.group === bp.group)) lines.push(`  ${label(bp.variant, bp.group)}: breaking point not tested: ${bp.notTested}`);
  }

  const paired = analysis.pairedDifferences.filter((d) => d.metric === spec.primaryMetric);
  if (paired.length > 0) {
    lines.push('');
    lines.push(`paired differences vs ${spec.baselineVariant} (variant - baseline, common seeds)`);
    lines.push(
      formatTable(
        [multiGroup ? 'variant | group' : 'variant', 'pairs', `${spec.primaryMetric} diff [CI]`, 'variant better / tie'],
        paired.map((d) => [
          label(d.a, d.group),
          String(d.pairs),
          d.meanDifference === null ? '-' : `${formatMetric(d.metric, d.meanDifference)} ${formatMetricInterval(d.metric, d.lo, d.hi)}`,
          d.shareABetter === null ? '-' : `${Math.round(d.shareABetter * 100)} % / ${Math.round(d.shareTies! * 100)} %`,
        ]),
        options,
      ),
    );
  }
  if (analysis.warnings.length > 0) {
    lines.push('');
    for (const warning of analysis.warnings) lines.push(`warning: ${warning}`);
  }
  return `${lines.join('\n')}\n`;
}
