/** The report's charts: vega-lite specs from the analysis, rendered to inline SVG in Node (vega's headless View). */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { uniqueInOrder, type Analysis } from './analysis.ts';
import { formatSweepValue, SWEEP_PARAMETERS } from '../kinds/sweep/parameters.ts';
import { formatBreakingPoint, formatUsd, METRIC_INFO, stressorFormatter, stressorUnit, type MetricUnit } from './format.ts';

interface Chart {
  id: string;
  caption: string;
  spec: TopLevelSpec;
}

export const CHART_CONFIG = {
  background: 'white',
  font: 'system-ui, -apple-system, Segoe UI, sans-serif',
  // labelLimit 0: full labels ("variant | attack=..."), never cut with an ellipsis.
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#eee', labelLimit: 0 },
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

export const percent = (level: number): string => `${Math.round(level * 1000) / 10} %`;

/** d3 number formats per unit for chart axes: $24.5M, 40 %, 31.6k; never 40,000,000 or 4e7. */
function axisFormat(unit: MetricUnit): string {
  return unit === 'usd' ? '$.3~s' : unit === 'share' || unit === 'rate' ? '.0%' : '.3~s';
}
const metricAxisFormat = (metric: string) => axisFormat(METRIC_INFO[metric]?.unit ?? 'plain');
const stressorAxisFormat = (param: string) => axisFormat(stressorUnit(param));

/** One label per (variant, group) row, variants in analysis order, groups in config order. */
const rowLabel = (variant: string, group: string): string => (group ? `${variant} | ${group}` : variant);
function rowOrder(analysis: Analysis): string[] {
  return analysis.variants.flatMap((v) => analysis.groups.map((g) => rowLabel(v, g)));
}

function metricChart(analysis: Analysis, metric: string): Chart | null {
  const rows = analysis.variantStats.flatMap((row) => {
    const m = row.metrics[metric];
    return m ? [{ row: rowLabel(row.variant, row.group), variant: row.variant, group: row.group, mean: m.mean, lo: m.lo, hi: m.hi, n: m.n }] : [];
  });
  if (rows.length === 0) return null;
  // A dot plot, one row per (variant, group) with its full label: readable at any number of groups.
  const y = { field: 'row', type: 'nominal' as const, sort: rowOrder(analysis), title: null };
  const color = { field: 'variant', type: 'nominal' as const, sort: analysis.variants, title: 'variant', legend: null };
  const x = { type: 'quantitative' as const, scale: { zero: false }, title: metric, axis: { format: metricAxisFormat(metric) } };
  const direction = metric === analysis.spec.primaryMetric ? (analysis.spec.higherIsBetter ? ' (higher is better)' : ' (lower is better)') : '';
  return {
    id: `metric:${metric}`,
    caption: `${metric}${direction}: mean per ${analysis.groups.length > 1 ? '(variant, group)' : 'variant'} with ${percent(analysis.level)} ${analysis.methods.mean} intervals (${analysis.resamples} resamples). ${METRIC_INFO[metric]?.definition ?? ''}`,
    spec: {
      title: `${metric} by variant`,
      config: CHART_CONFIG,
      width: 520,
      height: { step: 18 },
      data: { values: rows },
      layer: [
        { name: 'intervals', mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, x: { ...x, field: 'lo' }, x2: { field: 'hi' }, color } },
        { name: 'points', mark: { type: 'point', filled: true, size: 60, opacity: 1 }, encoding: { y, x: { ...x, field: 'mean' }, color } },
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
  const x = { type: 'quantitative' as const, title: `${metric}: variant - ${baseline}`, axis: { format: metricAxisFormat(metric) } };
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
  const x = { field: 'x', type: 'quantitative' as const, title: stressor.label, scale: log ? { type: 'log' as const } : { zero: false }, axis: { format: stressorAxisFormat(stressor.param) } };
  const y = { type: 'quantitative' as const, title: 'attack success', scale: { domain: [0, 1] }, axis: { format: '.0%' } };
  const color = { field: 'variant', type: 'nominal' as const, sort: analysis.variants, title: 'variant' };
  const layer = [
    // Aggregated so that the rule is drawn once per panel, not once per data row.
    // Black dashed: no variant's colour is black, so the rule never passes for a series.
    { name: 'threshold', mark: { type: 'rule', color: '#111', strokeDash: [5, 4] }, encoding: { y: { ...y, field: 'threshold', aggregate: 'max' } } },
    { name: 'intervals', mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.5 }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
    { name: 'lines', mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y: { ...y, field: 'rate' }, color } },
    { name: 'points', mark: { type: 'point', filled: true, size: 50, opacity: 1 }, encoding: { x, y: { ...y, field: 'rate' }, color } },
  ];
  const multiGroup = analysis.groups.length > 1;
  const caption =
    `Share of trials where ${analysis.spec.successMetric} >= 0.5 at each ${stressor.label}, per variant, with ${percent(analysis.level)} Wilson intervals; ` +
    `dashed black line: breaking-point threshold ${stressor.threshold}.` +
    (rows.length < analysis.successCurves.length ? ' Points at x <= 0 are not shown on the log axis.' : '');
  const base = { title: `Attack success vs ${stressor.label}`, config: CHART_CONFIG, data: { values: rows } };
  const spec = multiGroup
    ? { ...base, facet: { field: 'group', type: 'nominal', title: null, sort: analysis.groups, header: { labelLimit: 0 } }, columns: 3, spec: { width: 300, height: 200, layer } }
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
      row: rowLabel(bp.variant, bp.group),
      variant: bp.variant,
      group: bp.group,
      position,
      lo: bp.lo,
      hi: bp.hi,
      marker,
      note: bp.notTested !== null ? 'not tested (the attack did not act)' : bp.censoring === 'none' ? '' : formatBreakingPoint(bp, false, stressorFormatter(stressor.param)),
    };
  });
  const xs = analysis.successCurves.map((p) => p.x).filter((x) => stressor.scale !== 'log' || x > 0);
  const domain = xs.length > 0 ? [Math.min(...xs), Math.max(...xs)] : undefined;
  const x = {
    type: 'quantitative' as const,
    title: `breaking point: ${stressor.label} at success rate ${stressor.threshold}`,
    scale: { type: stressor.scale === 'log' ? ('log' as const) : ('linear' as const), ...(domain ? { domain } : {}), ...(stressor.scale === 'log' ? {} : { zero: false }) },
    axis: { format: stressorAxisFormat(stressor.param) },
  };
  const y = { field: 'row', type: 'nominal' as const, sort: rowOrder(analysis), title: null };
  const offset = {};
  const color = { field: 'variant', type: 'nominal' as const, title: 'variant', sort: analysis.variants, legend: null };
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
      height: { step: multiGroup ? 18 : 28 },
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
    const x = { field: 'step', type: 'quantitative' as const, title: analysis.spec.integerSteps ? 'round' : 'step', axis: analysis.spec.integerSteps ? { tickMinStep: 1, format: 'd' } : { format: '.3~s' } };
    const y = { type: 'quantitative' as const, title: analysis.spec.curveLabels?.[name] ?? name, scale: { zero: false } };
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

/**
 * Money at risk as a grid: variants down, attacks across (a panel per population when there are several), each
 * cell the mean drained a season in dollars, coloured by it. The compare report's key chart: every cell readable.
 */
function riskGridChart(analysis: Analysis): Chart | null {
  const parse = (group: string) => Object.fromEntries(group.split(', ').filter((p) => p.includes('=')).map((p) => p.split('=') as [string, string]));
  const rows = analysis.variantStats.flatMap((row) => {
    const m = row.metrics.attackLoss;
    const params = parse(row.group);
    return m && params.attack !== undefined ? [{ variant: row.variant, attack: params.attack, population: params.population ?? '', mean: m.mean, label: formatUsd(m.mean) }] : [];
  });
  if (rows.length === 0) return null;
  const attacks = uniqueInOrder(rows.map((r) => r.attack));
  const populations = uniqueInOrder(rows.map((r) => r.population));
  const layer = [
    { name: 'cells', mark: { type: 'rect' }, encoding: { x: { field: 'attack', type: 'nominal', sort: attacks, title: 'attack', axis: { labelAngle: 0, grid: false } }, y: { field: 'variant', type: 'nominal', sort: analysis.variants, title: null, axis: { grid: false } }, color: { field: 'mean', type: 'quantitative', title: 'drained a season', scale: { scheme: 'oranges' }, legend: { format: '$.3~s' } } } },
    { name: 'labels', mark: { type: 'text', fontSize: 11 }, encoding: { x: { field: 'attack', type: 'nominal', sort: attacks }, y: { field: 'variant', type: 'nominal', sort: analysis.variants }, text: { field: 'label' }, color: { condition: { test: `datum.mean > ${Math.max(...rows.map((r) => r.mean)) * 0.6}`, value: 'white' }, value: '#222' } } },
  ];
  const base = { title: 'Money at risk: mean drained a season, by variant and attack', config: CHART_CONFIG, data: { values: rows } };
  const cell = { width: { step: 96 }, height: { step: 26 } };
  const spec = populations.length > 1 ? { ...base, facet: { field: 'population', type: 'nominal', title: null, sort: populations, header: { labelLimit: 0 } }, columns: 2, spec: { ...cell, layer } } : { ...base, ...cell, layer };
  return {
    id: 'risk-grid',
    caption: 'Each cell: the mean treasury drained a season (usd) under that attack, over its seeds; the verdict and the tables give the intervals.',
    spec: spec as TopLevelSpec,
  };
}

/**
 * A sweep's Pareto chart: every setting's money at risk against its honest cost, both with intervals; the front
 * joined by a line, the base and the recommended setting named, the target as a dashed rule.
 */
function paretoChart(analysis: Analysis): Chart | null {
  const sweep = analysis.sweep;
  if (sweep === null) return null;
  // Without a setting under the target, the one with the least money at risk is named instead.
  const pick = sweep.choice ?? sweep.leastAtRisk;
  const pickRole = sweep.choice !== null ? 'recommended' : 'least at risk';
  const roleOf = (p: (typeof sweep.points)[number]) => (p.variant === pick ? pickRole : p.base ? 'base' : p.pareto ? 'Pareto front' : 'other settings');
  const drawOrder = ['other settings', 'Pareto front', 'base', pickRole];
  const rows = sweep.points
    .filter((p) => p.loss !== null && p.honestCost !== null)
    .map((p) => ({
      label: p.label,
      name: p.variant === pick ? pickRole : p.base ? 'base' : '',
      role: roleOf(p),
      front: p.pareto,
      loss: p.loss!.mean,
      lossLo: p.loss!.lo,
      lossHi: p.loss!.hi,
      cost: p.honestCost!.mean,
      costLo: p.honestCost!.lo,
      costHi: p.honestCost!.hi,
    }))
    // Settings that coincide (the base and its own grid point) are drawn with the named one on top.
    .sort((a, b) => drawOrder.indexOf(a.role) - drawOrder.indexOf(b.role))
    .map((row, drawn) => ({ ...row, drawn }));
  if (rows.length === 0) return null;
  const x = { type: 'quantitative' as const, title: 'honest cost a season (usd)', axis: { format: '$.3~s' }, scale: { zero: false } };
  const y = { type: 'quantitative' as const, title: 'money at risk a season (usd)', axis: { format: '$.3~s' }, scale: { zero: false } };
  const roles = [pickRole, 'base', 'Pareto front', 'other settings'];
  const color = { field: 'role', type: 'nominal' as const, sort: roles, title: null, scale: { domain: roles, range: ['#2ca02c', '#d62728', '#1f77b4', '#bbbbbb'] } };
  const layer: unknown[] = [
    { name: 'cost-intervals', mark: { type: 'rule', opacity: 0.45 }, encoding: { y: { ...y, field: 'loss' }, x: { ...x, field: 'costLo' }, x2: { field: 'costHi' }, color } },
    { name: 'loss-intervals', mark: { type: 'rule', opacity: 0.45 }, encoding: { x: { ...x, field: 'cost' }, y: { ...y, field: 'lossLo' }, y2: { field: 'lossHi' }, color } },
    { name: 'front', transform: [{ filter: 'datum.front' }], mark: { type: 'line', color: '#1f77b4', strokeWidth: 1.5 }, encoding: { x: { ...x, field: 'cost', sort: null }, y: { ...y, field: 'loss' }, order: { field: 'cost' } } },
    { name: 'points', mark: { type: 'point', filled: true, size: 70, opacity: 1 }, encoding: { x: { ...x, field: 'cost' }, y: { ...y, field: 'loss' }, color, order: { field: 'drawn' }, tooltip: [{ field: 'label' }] } },
    { name: 'names', transform: [{ filter: "datum.name != ''" }], mark: { type: 'text', align: 'left', dx: 7, dy: -7, fontSize: 11 }, encoding: { x: { ...x, field: 'cost' }, y: { ...y, field: 'loss' }, text: { field: 'name' } } },
  ];
  if (sweep.spec.targetLossUsd !== null) {
    layer.unshift({ name: 'target', data: { values: [{ target: sweep.spec.targetLossUsd }] }, mark: { type: 'rule', color: '#111', strokeDash: [5, 4] }, encoding: { y: { ...y, field: 'target' } } });
  }
  return {
    id: 'sweep-pareto',
    caption:
      `Each setting: money at risk a season under its strongest attack against its honest cost a season, with ${percent(analysis.level)} intervals. ` +
      `Blue line: the Pareto front (no other setting is at least as good on both).${sweep.spec.targetLossUsd !== null ? ` Dashed: the target, ${formatUsd(sweep.spec.targetLossUsd)}.` : ''} ` +
      'Lower left is better.',
    spec: { title: 'Money at risk against honest cost', config: CHART_CONFIG, width: 520, height: 320, data: { values: rows }, layer } as TopLevelSpec,
  };
}

/** A sweep grid's heatmaps: for each pair of swept parameters, money at risk, attack success and honest cost. */
function sweepHeatmaps(analysis: Analysis): Chart[] {
  const sweep = analysis.sweep;
  if (sweep === null) return [];
  const byVariant = new Map(sweep.points.map((p) => [p.variant, p]));
  const charts: Chart[] = [];
  const measures = [
    { key: 'loss', title: 'money at risk a season', format: '$.3~s', scheme: 'oranges', value: (v: string) => byVariant.get(v)?.loss?.mean, text: (n: number) => formatUsd(n) },
    { key: 'success', title: 'attack success', format: '.0%', scheme: 'reds', value: (v: string) => byVariant.get(v)?.success?.rate ?? undefined, text: (n: number) => `${Math.round(n * 100)} %` },
    { key: 'honest', title: 'honest cost a season', format: '$.3~s', scheme: 'purples', value: (v: string) => byVariant.get(v)?.honestCost?.mean, text: (n: number) => formatUsd(n) },
  ];
  for (const map of sweep.heatmaps) {
    const xs = [...new Set(map.cells.map((c) => c.x))].sort((a, b) => a - b);
    const ys = [...new Set(map.cells.map((c) => c.y))].sort((a, b) => a - b);
    const xLabels = xs.map((v) => formatSweepValue(map.x, v));
    const yLabels = ys.map((v) => formatSweepValue(map.y, v)).reverse();
    for (const measure of measures) {
      const rows = map.cells.flatMap((c) => {
        const value = measure.value(c.variant);
        return value === undefined || !Number.isFinite(value) ? [] : [{ x: formatSweepValue(map.x, c.x), y: formatSweepValue(map.y, c.y), value, text: measure.text(value) }];
      });
      if (rows.length === 0) continue;
      const top = Math.max(...rows.map((r) => r.value));
      const encodingX = { field: 'x', type: 'ordinal' as const, sort: xLabels, title: SWEEP_PARAMETERS[map.x]?.label ?? map.x, axis: { labelAngle: 0, grid: false } };
      const encodingY = { field: 'y', type: 'ordinal' as const, sort: yLabels, title: SWEEP_PARAMETERS[map.y]?.label ?? map.y, axis: { grid: false } };
      charts.push({
        id: `sweep-heatmap:${map.x}:${map.y}:${measure.key}`,
        caption: `${measure.title[0]!.toUpperCase()}${measure.title.slice(1)} over ${SWEEP_PARAMETERS[map.x]?.label ?? map.x} and ${SWEEP_PARAMETERS[map.y]?.label ?? map.y}${map.held ? `, with ${map.held}` : ''}.`,
        spec: {
          title: measure.title,
          config: CHART_CONFIG,
          width: { step: 62 },
          height: { step: 30 },
          data: { values: rows },
          layer: [
            { name: 'cells', mark: { type: 'rect' }, encoding: { x: encodingX, y: encodingY, color: { field: 'value', type: 'quantitative', title: null, scale: { scheme: measure.scheme, zero: true }, legend: { format: measure.format } } } },
            { name: 'labels', mark: { type: 'text', fontSize: 10 }, encoding: { x: encodingX, y: encodingY, text: { field: 'text' }, color: { condition: { test: `datum.value > ${top * 0.6}`, value: 'white' }, value: '#222' } } },
          ],
        } as TopLevelSpec,
      });
    }
  }
  // A design's points (lhs, sobol) over each pair of parameters, coloured by money at risk.
  if (sweep.spec.design !== 'grid') {
    const names = sweep.spec.parameters;
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        const [a, b] = [names[i]!, names[j]!];
        const rows = sweep.points.filter((p) => !p.base && p.loss !== null && p.values[a] !== undefined && p.values[b] !== undefined).map((p) => ({ x: p.values[a]!, y: p.values[b]!, loss: p.loss!.mean, label: p.label }));
        if (rows.length === 0) continue;
        const axis = (name: string) => ({ title: SWEEP_PARAMETERS[name]?.label ?? name, ...(SWEEP_PARAMETERS[name]?.unit === 'share' ? { axis: { format: '.1%' } } : {}) });
        charts.push({
          id: `sweep-points:${a}:${b}`,
          caption: `The design's settings over ${SWEEP_PARAMETERS[a]?.label ?? a} and ${SWEEP_PARAMETERS[b]?.label ?? b}, coloured by money at risk a season (the other parameters vary too).`,
          spec: {
            title: 'money at risk a season, by setting',
            config: CHART_CONFIG,
            width: 320,
            height: 240,
            data: { values: rows },
            mark: { type: 'point', filled: true, size: 80, opacity: 1 },
            encoding: { x: { field: 'x', type: 'quantitative', ...axis(a) }, y: { field: 'y', type: 'quantitative', ...axis(b) }, color: { field: 'loss', type: 'quantitative', title: null, scale: { scheme: 'oranges' }, legend: { format: '$.3~s' } }, tooltip: [{ field: 'label' }] },
          } as TopLevelSpec,
        });
      }
    }
  }
  return charts;
}

/** The charts of a report, in page order, grouped by section. */
export function chartSections(analysis: Analysis): Array<{ section: string; charts: Chart[] }> {
  const present = (charts: Array<Chart | null>): Chart[] => charts.filter((c): c is Chart => c !== null);
  return [
    { section: 'sweep', charts: present([paretoChart(analysis), ...sweepHeatmaps(analysis)]) },
    { section: 'metrics', charts: present(analysis.metrics.map((m) => metricChart(analysis, m))) },
    { section: 'risk', charts: present([riskGridChart(analysis)]) },
    { section: 'paired', charts: present(analysis.metrics.map((m) => pairedChart(analysis, m))) },
    { section: 'stress', charts: present([successChart(analysis), breakingPointChart(analysis)]) },
    { section: 'curves', charts: learningCurveCharts(analysis) },
  ];
}

// ---------------------------------------------------------------------------------------------------
// HTML

