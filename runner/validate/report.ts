/**
 * The validation's tables and report: the coverage of each quantity's predictive intervals, its CRPS skill
 * against the naive baseline, where the real values fall outside, the Brier score of passing; for the model as
 * daogym maps members today and for the improved one, and a chart per quantity of the predicted intervals
 * against the real values, proposal by proposal in time order.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CHART_CONFIG, renderSvg } from '../report/charts.ts';
import { escapeHtml, htmlPage, table } from '../report/html.ts';
import { centralInterval, LEVELS, QUANTITY_INFO, type QuantityScore, type ValidationResult } from './index.ts';

const pct = (x: number): string => (Number.isFinite(x) ? `${Math.round(x * 100)} %` : '-');
const fixed = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/** The two models the check compares. */
export interface ValidationPair {
  today: ValidationResult;
  improved: ValidationResult;
  data: string;
}

/** One line per quantity where 80 % coverage is far from 80 %: which way the model misses. */
export function findings(result: ValidationResult): string[] {
  const lines: string[] = [];
  for (const s of result.scores) {
    const c80 = s.coverage['0.8']!;
    const label = QUANTITY_INFO[s.quantity].label;
    if (c80 < 0.65) {
      const side = s.above > s.below ? `real values above the 95 % interval in ${s.above} proposals` : `real values below the 95 % interval in ${s.below} proposals`;
      lines.push(`${label}: too narrow or off centre (80 % intervals cover ${pct(c80)}; ${side})`);
    } else if (c80 > 0.95 && s.skill < 0) {
      lines.push(`${label}: too wide (80 % intervals cover ${pct(c80)}; CRPS ${fixed(s.skill, 2)} against the naive baseline)`);
    }
  }
  if (result.brier > result.brierBaseline) lines.push(`passing: the Brier score ${fixed(result.brier)} is worse than the training base rate's ${fixed(result.brierBaseline)}`);
  if (result.unseenWeightShare > 0.2) lines.push(`${pct(result.unseenWeightShare)} of the held-out votes came from voters the training period never saw; the model has none of them`);
  return lines;
}

export function scoreRows(result: ValidationResult): string[][] {
  const rows = result.scores.map((s: QuantityScore) => [QUANTITY_INFO[s.quantity].label, ...LEVELS.map((l) => pct(s.coverage[String(l)]!)), fixed(s.crps, 4), fixed(s.crpsBaseline, 4), fixed(s.skill, 2), `${s.below} / ${s.above}`]);
  rows.push(['passed: Brier score (base rate)', '', '', '', fixed(result.brier), fixed(result.brierBaseline), fixed(1 - result.brier / result.brierBaseline, 2), '']);
  return rows;
}

export const SCORE_HEADERS = ['quantity', '50 % cover', '80 % cover', '95 % cover', 'CRPS', 'naive CRPS', 'skill', 'below / above 95 %'];

function intervalChart(result: ValidationResult, quantity: keyof typeof QUANTITY_INFO): TopLevelSpec | null {
  const rows = result.predictions
    .map((p, i) => {
      const sorted = p.samples[quantity];
      if (sorted.length === 0 || !Number.isFinite(p.real[quantity])) return null;
      const [lo95, hi95] = centralInterval(sorted, 0.95);
      const [lo50, hi50] = centralInterval(sorted, 0.5);
      const real = p.real[quantity];
      return { order: i + 1, proposal: p.id, lo95, hi95, lo50, hi50, real, inside: real >= lo95 && real <= hi95 ? 'inside the 95 % interval' : 'outside' };
    })
    .filter((r) => r !== null);
  if (rows.length === 0) return null;
  const info = QUANTITY_INFO[quantity];
  const format = info.unit === 'count' ? ',d' : '.0%';
  const x = { field: 'order', type: 'ordinal' as const, title: 'held-out proposal, in time order', axis: { labelAngle: 0, labelOverlap: true } };
  const y = { type: 'quantitative' as const, title: info.label, axis: { format } };
  return {
    title: info.label,
    config: CHART_CONFIG,
    width: 600,
    height: 180,
    data: { values: rows },
    layer: [
      { mark: { type: 'rule', color: '#9ecae1', strokeWidth: 3 }, encoding: { x, y: { ...y, field: 'lo95' }, y2: { field: 'hi95' } } },
      { mark: { type: 'rule', color: '#3182bd', strokeWidth: 7 }, encoding: { x, y: { ...y, field: 'lo50' }, y2: { field: 'hi50' } } },
      { mark: { type: 'point', filled: true, size: 40, opacity: 1 }, encoding: { x, y: { ...y, field: 'real' }, color: { field: 'inside', type: 'nominal', title: 'real value', scale: { domain: ['inside the 95 % interval', 'outside'], range: ['#222222', '#d62728'] } }, tooltip: [{ field: 'proposal' }] } },
    ],
  } as TopLevelSpec;
}

export async function validationReport(pair: ValidationPair): Promise<string> {
  const { today, improved } = pair;
  const o = today.options;
  const parts: string[] = [];
  parts.push(`<h1>How far the member model predicts ${escapeHtml(pair.data)}</h1>`);
  parts.push(
    `<p class="muted">${escapeHtml(
      `${today.trainProposals} proposals fit the model (${o.split === 'time' ? 'the earliest' : 'a random'} ${pct(1 - o.holdout)}), ${today.testProposals} are predicted; ${o.sims} simulations each, seed ${o.seed}; supply ${o.supply.toLocaleString('en-US')} tokens; quorum and majority of ${o.preset}.`,
    )}</p>`,
  );
  parts.push('<section id="verdict">');
  parts.push('<h2>Verdict</h2>');
  const c80 = (r: ValidationResult) => r.scores.map((s) => `${QUANTITY_INFO[s.quantity].label.split(' (')[0]} ${pct(s.coverage['0.8']!)}`).join(', ');
  parts.push(`<p class="answer">${escapeHtml(`As daogym maps members today, the 80 % intervals cover: ${c80(today)} (ideal: 80 %).`)}</p>`);
  parts.push(`<p class="answer">${escapeHtml(`With the improvements (forward-looking participation, each proposal's attention and merit fitted to the training proposals): ${c80(improved)}.`)}</p>`);
  const off = findings(improved);
  if (off.length > 0) parts.push(`<ul class="caveats">\n${off.map((l) => `<li>${escapeHtml(`Still off: ${l}.`)}</li>`).join('\n')}\n</ul>`);
  parts.push('</section>');
  parts.push('<h2>As daogym maps members today</h2>');
  parts.push(table(SCORE_HEADERS, scoreRows(today), 1));
  const todayOff = findings(today);
  if (todayOff.length > 0) parts.push(`<ul class="caveats">\n${todayOff.map((l) => `<li>${escapeHtml(l)}</li>`).join('\n')}\n</ul>`);
  parts.push('<h2>With the improvements</h2>');
  parts.push(table(SCORE_HEADERS, scoreRows(improved), 1));
  parts.push(
    `<p class="muted">${escapeHtml(
      `Fitted on the training proposals: each proposal's attention lognormal with log-sd ${fixed(improved.attentionSpread ?? NaN, 2)} (the spread of real turnout beyond the model's own), the merit signal shifted by ${improved.signalShift} so the median For share matches; participation counted from each voter's first vote to the end of training and shrunk toward the common rate.`,
    )}</p>`,
  );
  parts.push('<h2>Predicted intervals against the real values (with the improvements)</h2>');
  for (const q of ['turnout', 'voters', 'forShare', 'largestShare', 'lateShare'] as const) {
    const spec = intervalChart(improved, q);
    if (spec !== null) parts.push(`<figure class="chart" data-chart="validate-${q}">\n${await renderSvg(spec)}\n<figcaption>${escapeHtml(`Each held-out proposal in time order: the 50 % (dark) and 95 % (light) predictive intervals and the real value (red when outside the 95 %).`)}</figcaption>\n</figure>`);
  }
  parts.push('<h2>Passing: predicted probability against what happened</h2>');
  parts.push(
    table(
      ['predicted probability', 'proposals', 'mean predicted', 'passed in fact'],
      improved.reliability.map((b) => [`${pct(b.from)} - ${pct(b.to)}`, String(b.n), pct(b.predicted), pct(b.observed)]),
      1,
    ),
  );
  parts.push('<h2>Methods</h2>');
  parts.push(
    `<ul>\n${[
      'Coverage: the share of held-out proposals whose real value lies inside the central interval of the simulated values (quantiles, type 7). With n proposals, a coverage is uncertain by about sqrt(c (1 - c) / n).',
      'CRPS: the continuous ranked probability score of the simulated sample at the real value (E|X - y| - E|X - X\'| / 2; lower is better), against the naive forecast, the training proposals\' own values; skill = 1 - CRPS / naive CRPS.',
      'Brier: the mean squared difference between the simulated pass probability and what happened, against the training pass rate. Passing is the preset\'s quorum and majority applied to the tallies.',
      'The model simulates each proposal in GovernanceSimulation, the simulator every season uses, with the training voters mapped as every kind maps members.',
    ]
      .map((m) => `<li>${escapeHtml(m)}</li>`)
      .join('\n')}\n</ul>`,
  );
  return htmlPage(`validate ${pair.data}`, parts);
}
