/**
 * The HTML report: the analysis's tables and charts as one self-contained file (inline CSS, charts as inline
 * SVG, no external URL anywhere but the SVG namespace declarations).
 */
import { describeProtocol } from '../../envs/dao/describe.ts';
import { PRESETS, presetProtocol } from '../../envs/dao/presets.ts';
import { analyse, type Analysis, type ReportInput } from './analysis.ts';
import { chartSections, percent, renderSvg } from './charts.ts';
import { formatBreakingPoint, formatBreakingPointInterval, formatMetric, formatMetricInterval, formatNumber, formatOutcomeCounts, formatRate, formatUnit, METRIC_INFO, stressorFormatter } from './format.ts';
import { verdictTable } from './verdict.ts';
import { sweepSettingsTable } from './sweep.ts';
import { KINDS } from '../kinds/index.ts';
import type { KindDefinition } from '../kinds/types.ts';

const uniqueMetrics = (names: string[]): string[] => [...new Set(names)];

/** A long table folded behind its summary line (open when short), so the page stays a page. */
function folded(html: string, rows: number, what: string): string {
  return rows <= 12 ? html : `<details><summary>${rows} ${escapeHtml(what)}</summary>\n${html}\n</details>`;
}
import type { EpisodeRecord, TrialResult } from '../types.ts';

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export function table(headers: string[], rows: string[][], numericFrom = 1): string {
  const head = headers.map((h, i) => `<th${i >= numericFrom ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell, i) => `<td${i >= numericFrom ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('\n');
  // A table wider than the page scrolls inside its box; the page itself never does.
  return `<div class="scroll"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

/** A self-contained page: the report's style, `parts` as its body. */
export function htmlPage(title: string, parts: readonly string[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${parts.join('\n')}
</body>
</html>
`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 2rem auto; max-width: 1320px; padding: 0 1rem; }
.scroll { overflow-x: auto; max-width: 100%; }
section#verdict { background: #f4f8fc; border: 1px solid #cfe0f0; border-radius: 6px; padding: .2rem 1rem .6rem; }
section#verdict p.answer { font-size: 15px; margin: .5rem 0; }
section#verdict table { font-size: 12.5px; }
section#verdict td:nth-child(2) { white-space: nowrap; }
section#verdict th { white-space: normal; max-width: 9rem; }
section#verdict td.num { white-space: normal; min-width: 6.5rem; }
td:first-child { white-space: nowrap; }
ul.caveats { color: #8a4b00; }
dl.definitions dt { font-weight: 600; float: left; clear: left; width: 12rem; }
dl.definitions dd { margin: 0 0 .3rem 12.5rem; }
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
.chart-row { display: flex; flex-wrap: wrap; gap: 0 1.5rem; }
.chart-row figure.chart { flex: 0 1 auto; max-width: 100%; }
.chart-row figcaption { max-width: 420px; }
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
/** The report's HTML; `analysis` is `analyse(input)`, passed when the caller has it already (computed once per run). */
export async function buildReport(input: ReportInput, analysis: Analysis = analyse(input)): Promise<string> {
  const { run, spec } = input;
  // A group column whenever there is a groupBy, even with a single group; facets only with several.
  const multiGroup = analysis.groups.some((group) => group !== '');
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(spec.title)}</h1>`);
  parts.push(`<p class="muted">${escapeHtml(`${run.name} · ${run.kind} run · ${run.status}`)}</p>`);

  // The answer first: in dollars, with its caveats.
  const verdict = verdictTable(analysis.verdict, spec);
  parts.push('<section id="verdict">');
  parts.push('<h2>Verdict</h2>');
  for (const sentence of analysis.verdict.headline) parts.push(`<p class="answer">${escapeHtml(sentence)}</p>`);
  parts.push(table(verdict.headers, verdict.rows, 2));
  if (analysis.verdict.caveats.length > 0) parts.push(`<ul class="caveats">\n${analysis.verdict.caveats.map((c) => `<li>${escapeHtml(c)}</li>`).join('\n')}\n</ul>`);
  parts.push('</section>');

  const sections = chartSections(analysis);
  const svgs = new Map<string, string>();
  for (const { charts } of sections) for (const chart of charts) svgs.set(chart.id, await renderSvg(chart.spec));
  const figures = (section: string, keep: (chart: { id: string }) => boolean = () => true): string =>
    sections
      .find((s) => s.section === section)!
      .charts.filter(keep)
      .map((c) => `<figure class="chart" data-chart="${escapeHtml(c.id)}">\n${svgs.get(c.id)}\n<figcaption>${escapeHtml(c.caption)}</figcaption>\n</figure>`)
      .join('\n');

  // The key chart of the kind, under the verdict: success against the stressor (stress), the money at risk per
  // variant and attack (compare), the learning curves or rounds (train, search, loop).
  const keyStress = spec.stressor !== undefined && analysis.breakingPoints.length > 0;
  if (analysis.sweep !== null) {
    parts.push('<h2>Money at risk against honest cost</h2>');
    parts.push(figures('sweep', (c) => c.id === 'sweep-pareto'));
    const maps = sections.find((x) => x.section === 'sweep')!.charts.filter((c) => c.id !== 'sweep-pareto');
    if (maps.length > 0) {
      parts.push(`<h2>${analysis.sweep.spec.design === 'grid' ? 'Over each pair of swept parameters' : 'The design\'s settings'}</h2>`);
      parts.push(`<div class="chart-row">\n${figures('sweep', (c) => c.id !== 'sweep-pareto')}\n</div>`);
    }
    parts.push('<h2>Every setting</h2>');
    const settings = sweepSettingsTable(analysis.sweep, { success: true });
    parts.push(folded(table(settings.headers, settings.rows, 2), settings.rows.length, 'settings, each with its money at risk and honest cost'));
  } else if (keyStress) {
    parts.push(`<h2>Attack success vs ${escapeHtml(spec.stressor!.label)}</h2>`);
    parts.push(figures('stress'));
  } else if (analysis.verdict.shape === 'season' && sections.find((x) => x.section === 'risk')!.charts.length > 0) {
    parts.push('<h2>Money at risk</h2>');
    parts.push(figures('risk'));
  } else if (analysis.verdict.shape === 'season' && sections.find((x) => x.section === 'metrics')!.charts.some((c) => c.id === 'metric:attackLoss')) {
    parts.push('<h2>Money at risk</h2>');
    parts.push(figures('metrics', (c) => c.id === 'metric:attackLoss'));
  } else if (analysis.learningCurves.length > 0) {
    parts.push(`<h2>${input.spec.curvesTitle ?? 'Learning curves'}</h2>`);
    parts.push(figures('curves'));
  }

  // The kind's own sections (e.g. the designs a search found, in units).
  const kind = KINDS[(run.config as { kind?: string } | null)?.kind as keyof typeof KINDS] as KindDefinition | undefined;
  for (const section of kind?.reportSections?.(run.config as never, input.trials) ?? []) {
    parts.push(`<h2>${escapeHtml(section.title)}</h2>`);
    parts.push(table(section.headers, section.rows, section.headers.length));
    for (const note of section.notes ?? []) parts.push(`<p class="warning">${escapeHtml(note)}</p>`);
  }

  // Summary table: one row per (variant, group).
  const bpByCell = new Map(analysis.breakingPoints.map((bp) => [JSON.stringify([bp.variant, bp.group]), bp]));
  const headers = ['Variant', ...(multiGroup ? ['Group'] : []), 'n', ...analysis.metrics.map((m) => `${m} mean [${percent(analysis.level)} CI]`)];
  if (spec.successMetric !== undefined) headers.push(`success rate [Wilson]`);
  if (spec.stressor !== undefined && analysis.breakingPoints.length > 0) headers.push(`breaking point (${spec.stressor.label}) [CI]`);
  const rows = analysis.variantStats.map((row) => {
    const cells = [row.variant, ...(multiGroup ? [row.group] : []), String(row.n)];
    for (const metric of analysis.metrics) {
      const m = row.metrics[metric];
      cells.push(m ? `${formatMetric(metric, m.mean)} ${formatMetricInterval(metric, m.lo, m.hi)}` : '-');
    }
    if (spec.successMetric !== undefined) {
      const s = row.success;
      cells.push(s && s.rate !== null ? `${formatRate(s)} (${s.successes}/${s.n})` : '-');
    }
    if (spec.stressor !== undefined && analysis.breakingPoints.length > 0) {
      const bp = bpByCell.get(JSON.stringify([row.variant, row.group]));
      cells.push(bp ? (bp.notTested !== null ? 'not tested' : formatBreakingPoint(bp, true, stressorFormatter(spec.stressor.param))) : '-');
    }
    return cells;
  });
  parts.push(`<h2>Summary by variant${multiGroup ? ' and group' : ''}</h2>`);
  parts.push(folded(table(headers, rows, multiGroup ? 2 : 1), rows.length, 'rows: every metric with its interval'));

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
      folded(table(
        ['Variant', ...(multiGroup ? ['Group'] : []), 'outcomes', 'most frequent: reason (first trial)', 'attempts'],
        outcomeRows.map((row) => {
          const o = row.outcomes!;
          const top = o.counts[0]!;
          return [row.variant, ...(multiGroup ? [row.group] : []), formatOutcomeCounts(o), `${top.outcome}: ${top.reason}`, String(o.attempts)];
        }),
        multiGroup ? 4 : 3,
      ), outcomeRows.length, 'rows: outcome counts per attack'),
    );
    const notTested = analysis.breakingPoints.filter((bp) => bp.notTested !== null);
    if (notTested.length > 0) {
      parts.push(`<p class="warning">Breaking points not tested: ${notTested.map((bp) => `${escapeHtml(bp.variant)}${bp.group ? ` | ${escapeHtml(bp.group)}` : ''}: ${escapeHtml(bp.notTested!)}`).join('; ')}.</p>`);
    }
  }

  // The primary metric's chart; the other metrics are in the summary table.
  if (analysis.sweep === null && sections.find((x) => x.section === 'metrics')!.charts.some((c) => c.id === `metric:${spec.primaryMetric}`)) {
    parts.push('<h2>By variant</h2>');
    parts.push(figures('metrics', (c) => c.id === `metric:${spec.primaryMetric}`));
  }

  if (analysis.pairedDifferences.length > 0) {
    parts.push(`<h2>Paired differences vs ${escapeHtml(spec.baselineVariant!)}</h2>`);
    parts.push(
      folded(table(
        ['Metric', 'Variant', ...(multiGroup ? ['Group'] : []), 'pairs', `mean difference [${percent(analysis.level)} CI]`, 'share of pairs variant better (higher*)'],
        analysis.pairedDifferences.map((d) => [
          d.metric,
          d.a,
          ...(multiGroup ? [d.group] : []),
          String(d.pairs),
          d.meanDifference === null ? '-' : `${formatMetric(d.metric, d.meanDifference)} ${formatMetricInterval(d.metric, d.lo!, d.hi!)}`,
          d.shareABetter === null ? '-' : `${formatUnit('rate', d.shareABetter)}${d.metric === spec.primaryMetric ? '' : '*'}${d.shareTies ? ` (ties ${formatUnit('rate', d.shareTies)})` : ''}`,
        ]),
        multiGroup ? 3 : 2,
      ), analysis.pairedDifferences.length, 'paired differences, every metric'),
    );
    parts.push(
      `<p class="muted">Differences are variant - ${escapeHtml(spec.baselineVariant!)} on trials sharing seed index and params. ` +
        `"Better" follows the primary metric's direction (${spec.higherIsBetter ? 'higher' : 'lower'} is better); * other metrics: share of pairs where the variant is higher.</p>`,
    );
    parts.push(figures('paired', (c) => c.id === `paired:${spec.primaryMetric}`));
  }

  if (spec.stressor !== undefined && analysis.breakingPoints.length > 0) {
    parts.push(`<h2>Breaking points (${escapeHtml(spec.stressor.label)})</h2>`);
    parts.push(
      table(
        ['Variant', ...(multiGroup ? ['Group'] : []), 'breaking point', `${percent(analysis.level)} CI`, 'censoring', 'replicates below / above grid'],
        analysis.breakingPoints.map((bp) => [
          bp.variant,
          ...(multiGroup ? [bp.group] : []),
          bp.notTested !== null ? 'not tested' : formatBreakingPoint(bp, false, stressorFormatter(spec.stressor!.param)),
          formatBreakingPointInterval(bp, stressorFormatter(spec.stressor!.param)),
          bp.censoring === 'none' ? '' : bp.censoring,
          `${formatNumber(bp.replicatesBelowGrid)} / ${formatNumber(bp.replicatesAboveGrid)}`,
        ]),
        multiGroup ? 2 : 1,
      ),
    );
  }

  if (analysis.learningCurves.length > 0 && (keyStress || analysis.verdict.shape === 'season')) {
    parts.push(`<h2>${input.spec.curvesTitle ?? 'Learning curves'}</h2>`);
    parts.push(figures('curves'));
  }

  const rounds = roundTable(input.trials);
  if (rounds !== null) {
    parts.push('<h2>Rounds (mean over seeds)</h2>');
    parts.push(table(rounds.headers, rounds.rows, 2));
  }

  const defined = uniqueMetrics([...analysis.metrics, ...(analysis.verdict.shape === 'season' ? ['attackLoss', 'attackSucceeded', 'failedGoodValue', 'executedValue'] : [])]).filter((m) => METRIC_INFO[m] !== undefined);
  if (defined.length > 0) {
    parts.push('<h2>Definitions</h2>');
    parts.push(`<dl class="definitions">\n${defined.map((m) => `<dt>${escapeHtml(m)}</dt><dd>${escapeHtml(METRIC_INFO[m]!.definition)}</dd>`).join('\n')}\n</dl>`);
  }

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
  // Recorded season timelines (trajectories: N): how to replay one and export them all.
  const recorded = (run.config as { trajectories?: number } | null)?.trajectories ?? 0;
  if (recorded > 0) {
    parts.push('<h2>Season replays</h2>');
    parts.push(
      `<p>${escapeHtml(`The first ${recorded} seed${recorded === 1 ? '' : 's'} of every cell kept their season's timeline. Replay one: daogym report ${run.id} --trial KEY --seed SEED (keys and seeds: daogym export ${run.id} --what artifacts); export every event: daogym export ${run.id} --what trajectories.`)}</p>`,
    );
  }
  parts.push('<h2>About this run</h2>');
  parts.push(`<table class="info">\n${info.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}\n</table>`);
  // The variants' protocols as run: the preset with the variant's changes, every duration in blocks and time.
  const variants = (run.config as { variants?: Array<{ name: string; preset: string; protocol: Record<string, unknown> }> }).variants;
  if (Array.isArray(variants)) {
    parts.push('<h2>Protocols</h2>');
    parts.push(table(['variant', 'preset', 'rules (durations in 12 s blocks and time)'], variants.map((v) => [v.name, v.preset, describeProtocol(presetProtocol(v.preset, v.protocol), PRESETS[v.preset]!.supply)]), 3));
  }
  parts.push(`<details><summary>Config (YAML)</summary>\n<pre>${escapeHtml(run.configText)}</pre>\n</details>`);

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

  return htmlPage(spec.title, parts);
}
