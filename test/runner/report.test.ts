import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normal } from '../../lib/distributions.ts';
import { Rng } from '../../lib/rng.ts';
import { analyse, type ReportInput, type ReportSpec } from '../../runner/report/analysis.ts';
import { buildReport } from '../../runner/report/html.ts';
import { formatBreakingPoint, formatNumber, formatSummary, formatTable } from '../../runner/summary.ts';
import { formatMetric, formatUsd } from '../../runner/report/format.ts';
import type { ExperimentKind, RunRecord, TrialResult } from '../../runner/types.ts';

function runRecord(kind: ExperimentKind, trialsPlanned: number): RunRecord {
  return {
    id: `run-${kind}-0001`,
    name: `${kind}-synthetic`,
    kind,
    config: { kind },
    configText: `# synthetic ${kind} run\nkind: ${kind}\nseeds: 20\nvariants: [fixed-4pct, nouns-dynamic, formula]\n`,
    configHash: 'sha256:0123abcd',
    codeVersion: 'abc1234',
    backend: 'cpu',
    machine: 'test-host (2 cores)',
    status: 'done',
    createdAt: '2025-01-02T03:04:05.000Z',
    finishedAt: '2025-01-02T03:06:00.000Z',
    trialsPlanned,
  };
}

function trial(variant: string, seedIndex: number, params: Record<string, string | number>, metrics: Record<string, number>): TrialResult {
  const key = [`variant=${variant}`, ...Object.entries(params).map(([k, v]) => `${k}=${v}`)].join('|');
  return { key, seedIndex, seed: 7919 * (seedIndex + 1), variant, params, metrics, durationMs: 5 };
}

const VARIANTS = ['fixed-4pct', 'nouns-dynamic', 'formula'];
const BUDGETS = [1e4, 10 ** 4.5, 1e5, 10 ** 5.5, 1e6];
/** The budget at which each rule's attack passes half the time. */
const TRUE_BREAKING: Record<string, number> = { 'fixed-4pct': 2e4, 'nouns-dynamic': 1e5, formula: 4e5 };
const LOGISTIC_SCALE = 0.6;
const successProbability = (variant: string, budget: number): number =>
  1 / (1 + Math.exp(-(Math.log(budget) - Math.log(TRUE_BREAKING[variant]!)) / LOGISTIC_SCALE));

/** 3 variants x 5 budgets x 20 seeds; one uniform per (seed, budget) shared across variants (common random numbers). */
function stressTrials(seeds = 20, attacks: string[] = []): TrialResult[] {
  const trials: TrialResult[] = [];
  for (const attack of attacks.length > 0 ? attacks : [undefined]) {
    for (const variant of VARIANTS) {
      for (const budget of BUDGETS) {
        for (let seed = 0; seed < seeds; seed++) {
          const shared = Rng.create(seed).stream('synthetic', String(budget), attack ?? '');
          const u = shared.random();
          // The 'bribe' attack never works against 'formula': its breaking point is above the grid.
          const p = attack === 'bribe' && variant === 'formula' ? 0 : successProbability(variant, budget);
          const passed = u < p ? 1 : 0;
          const params: Record<string, string | number> = { population: 'default', budgetUsd: budget };
          if (attack !== undefined) params.attack = attack;
          trials.push(trial(variant, seed, params, { attackPassed: passed, treasuryLoss: passed * budget * 0.8 + Math.abs(normal(shared, 0, 100)) }));
        }
      }
    }
  }
  return trials;
}

const STRESS_SPEC: ReportSpec = {
  title: 'Quorum stress test (synthetic)',
  primaryMetric: 'treasuryLoss',
  higherIsBetter: false,
  metrics: ['attackPassed'],
  baselineVariant: 'fixed-4pct',
  successMetric: 'attackPassed',
  stressor: { param: 'budgetUsd', label: 'attacker budget (USD)', scale: 'log', threshold: 0.5 },
};

const COMPARE_EFFECTS: Record<string, number> = { 'fixed-4pct': 0, 'nouns-dynamic': -2, formula: 1 };

function compareTrials(seeds = 30): TrialResult[] {
  const data = Rng.create(42).stream('compare-data');
  const trials: TrialResult[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const seedEffect = normal(data, 20, 5);
    for (const variant of VARIANTS) {
      trials.push(
        trial(variant, seed, { population: 'default' }, { treasuryLoss: seedEffect + COMPARE_EFFECTS[variant]! + normal(data, 0, 0.7), turnout: 0.3 + 0.05 * normal(data, 0, 1) }),
      );
    }
  }
  return trials;
}

const COMPARE_SPEC: ReportSpec = {
  title: 'Protocol compare (synthetic)',
  primaryMetric: 'treasuryLoss',
  higherIsBetter: false,
  metrics: ['treasuryLoss', 'turnout'],
  baselineVariant: 'fixed-4pct',
};

function svgsOf(html: string): string[] {
  return [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
}

/** The chart ids of the figures, in page order. */
function chartIds(html: string): string[] {
  return [...html.matchAll(/<figure class="chart" data-chart="([^"]+)">/g)].map((m) => m[1]!);
}

/** The SVG inside the figure with this chart id. */
function chartSvg(html: string, id: string): string {
  const start = html.indexOf(`data-chart="${id}"`);
  assert.ok(start >= 0, `chart ${id} present`);
  const svg = /<svg[\s\S]*?<\/svg>/.exec(html.slice(start));
  assert.ok(svg, `chart ${id} has an svg`);
  return svg![0];
}

/** Mark items drawn by a named vega-lite layer (vega names its group `<layer>_marks`); facets repeat the group. */
function markCount(svg: string, layer: string, element: 'path' | 'line' | 'text'): number {
  let count = 0;
  for (const match of svg.matchAll(new RegExp(`<g class="mark-[a-z]+ role-mark ${layer}_marks"[^>]*>([\\s\\S]*?)</g>`, 'g'))) {
    count += (match[1]!.match(new RegExp(`<${element}[ >]`, 'g')) ?? []).length;
  }
  return count;
}

function externalUrls(html: string): string[] {
  const allowed = new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']);
  return [...html.matchAll(/https?:\/\/[^"'\s)<>]+/g)].map((m) => m[0]).filter((url) => !allowed.has(url));
}

const stressInput = (seed = 1): ReportInput => ({ run: runRecord('stress', 300), trials: stressTrials(), spec: STRESS_SPEC, seed });
/** Rendering takes a few hundred milliseconds: the seed-1 stress report is built once and shared. */
let stressHtml: Promise<string> | undefined;
const stressReport = (): Promise<string> => (stressHtml ??= buildReport(stressInput(1)));

test('analyse (stress): per-variant stats, success curves and breaking points near the true ones', () => {
  const analysis = analyse(stressInput());
  assert.equal(analysis.variants, VARIANTS);
  assert.equal(analysis.groups, ['']);
  assert.equal(analysis.metrics, ['treasuryLoss', 'attackPassed']);
  assert.is(analysis.variantStats.length, 3);
  for (const row of analysis.variantStats) {
    assert.is(row.n, 100);
    const m = row.metrics.treasuryLoss!;
    assert.ok(m.lo <= m.mean && m.mean <= m.hi);
    assert.is(row.success!.n, 100);
  }
  assert.is(analysis.successCurves.length, 15);
  for (const point of analysis.successCurves) {
    assert.is(point.n, 20);
    assert.ok(point.lo <= point.rate! && point.rate! <= point.hi);
  }
  assert.is(analysis.breakingPoints.length, 3);
  for (const bp of analysis.breakingPoints) {
    const truth = TRUE_BREAKING[bp.variant]!;
    assert.is(bp.censoring, 'none', `${bp.variant} crosses inside the grid`);
    const error = Math.abs(Math.log10(bp.estimate!) - Math.log10(truth));
    assert.ok(error < 0.3, `${bp.variant}: estimate ${bp.estimate} vs true ${truth} (|log10 error| ${error.toFixed(3)})`);
    assert.ok(bp.lo! <= bp.estimate! && bp.estimate! <= bp.hi!);
    assert.ok(bp.lo! <= truth && truth <= bp.hi!, `${bp.variant}: interval [${bp.lo}, ${bp.hi}] covers ${truth}`);
  }
  const estimates = analysis.breakingPoints.map((bp) => bp.estimate!);
  assert.ok(estimates[0]! < estimates[1]! && estimates[1]! < estimates[2]!, 'the rules break in the true order');
  // Paired differences vs the baseline on (seed, budget): a stronger rule loses less.
  const loss = analysis.pairedDifferences.filter((d) => d.metric === 'treasuryLoss');
  assert.equal(
    loss.map((d) => [d.a, d.b, d.pairs]),
    [
      ['nouns-dynamic', 'fixed-4pct', 100],
      ['formula', 'fixed-4pct', 100],
    ],
  );
  for (const d of loss) {
    assert.ok(d.hi! < 0, `${d.a} loses less than the baseline`);
    assert.is(d.units, 20, 'resampled by seed: 20 seeds of 5 budgets each');
  }
  assert.is(analysis.variantStats[0]!.metrics.treasuryLoss!.clusters, 20);
  assert.equal(analysis.warnings, []);
  assert.equal(JSON.parse(JSON.stringify(analysis)), analysis, 'plain JSON: nothing lost in a round trip');
});

test('analyse (compare): paired differences recover the true effects on common seeds', () => {
  const analysis = analyse({ run: runRecord('compare', 90), trials: compareTrials(), spec: COMPARE_SPEC, seed: 3 });
  assert.equal(analysis.metrics, ['treasuryLoss', 'turnout'], 'the primary metric once');
  const loss = analysis.pairedDifferences.filter((d) => d.metric === 'treasuryLoss');
  assert.is(loss.length, 2);
  for (const d of loss) {
    const truth = COMPARE_EFFECTS[d.a]!;
    assert.is(d.pairs, 30);
    assert.ok(d.lo! < truth && truth < d.hi!, `${d.a}: [${d.lo}, ${d.hi}] covers ${truth}`);
    assert.ok(d.hi! - d.lo! < 1, 'the shared seed effect (sd 5) cancels');
  }
  const nouns = loss.find((d) => d.a === 'nouns-dynamic')!;
  assert.ok(nouns.shareABetter! > 0.9, 'lower is better: nouns-dynamic wins almost every pair');
  assert.equal(analysis.successCurves, []);
  assert.equal(analysis.breakingPoints, []);
  // Per-variant means overlap heavily (seed effect sd 5) although the paired differences are clear.
  const means = analysis.variantStats.map((row) => row.metrics.treasuryLoss!);
  assert.ok(means[0]!.hi - means[0]!.lo > 2);
  assert.is(analysis.methods.mean, 'bootstrap-percentile');
  const bca = analyse({ run: runRecord('compare', 90), trials: compareTrials(), spec: COMPARE_SPEC, seed: 3, method: 'bca', resamples: 500 });
  assert.is(bca.methods.mean, 'bootstrap-bca');
  assert.is(bca.variantStats[0]!.metrics.treasuryLoss!.method, 'bca');
  assert.is(bca.pairedDifferences[0]!.method, 'bca');
});

test('buildReport (stress): the key charts under the verdict, then the primary metric and its paired differences', async () => {
  const html = await stressReport();
  assert.ok(html.startsWith('<!doctype html>'));
  const svgs = svgsOf(html);
  assert.is(svgs.length, 4);
  assert.equal(chartIds(html), ['success', 'breaking-points', 'metric:treasuryLoss', 'paired:treasuryLoss']);
  assert.ok(html.indexOf('<h2>Verdict</h2>') < html.indexOf('data-chart="success"'), 'the verdict comes first');
  for (const svg of svgs) {
    assert.ok(svg.length > 2000, 'an svg with content');
    assert.ok(markCount(svg, 'points', 'path') > 0, 'data points drawn');
  }
  assert.is(markCount(chartSvg(html, 'metric:treasuryLoss'), 'points', 'path'), 3);
  assert.is(markCount(chartSvg(html, 'metric:treasuryLoss'), 'intervals', 'line'), 3);
  assert.is(markCount(chartSvg(html, 'paired:treasuryLoss'), 'points', 'path'), 2);
  assert.is(markCount(chartSvg(html, 'paired:treasuryLoss'), 'intervals', 'line'), 2);
  const success = chartSvg(html, 'success');
  assert.is(markCount(success, 'points', 'path'), 15);
  assert.is(markCount(success, 'intervals', 'line'), 15);
  assert.is(markCount(success, 'lines', 'path'), 3, 'one line per variant');
  assert.is(markCount(success, 'threshold', 'line'), 1);
  assert.ok(success.includes('attacker budget (USD)'));
  const breaking = chartSvg(html, 'breaking-points');
  assert.is(markCount(breaking, 'points', 'path'), 3);
  assert.is(markCount(breaking, 'intervals', 'line'), 3);
  for (const variant of VARIANTS) assert.ok(breaking.includes(`>${variant}<`), `${variant} labelled`);
});

test('buildReport (stress): run info, config, tables; no external URL, no script', async () => {
  const html = await stressReport();
  for (const text of ['Quorum stress test (synthetic)', 'run-stress-0001', 'sha256:0123abcd', 'abc1234', 'test-host (2 cores)', '2025-01-02T03:04:05.000Z', '300 of 300 planned']) {
    assert.ok(html.includes(text), `mentions ${text}`);
  }
  assert.match(html, /<details><summary>Config \(YAML\)<\/summary>\n<pre># synthetic stress run\nkind: stress/);
  assert.ok(html.includes('<style>'));
  assert.equal(externalUrls(html), []);
  assert.not.match(html, /<script|<link|<img|src=|url\(/i);
  assert.ok(html.includes('breaking point (attacker budget (USD)) [CI]'));
});

test('buildReport is deterministic for a fixed seed; the seed moves the intervals', async () => {
  const a = await stressReport();
  const b = await buildReport(stressInput(1));
  assert.ok(a === b, 'same input and seed, same bytes');
  // The order trials arrive in does not matter either.
  const shuffled = stressInput(5);
  Rng.create(1).shuffle(shuffled.trials);
  const byCell = <T extends { variant: string; group: string }>(rows: T[]): T[] =>
    [...rows].sort((p, q) => (p.variant + p.group < q.variant + q.group ? -1 : p.variant + p.group > q.variant + q.group ? 1 : 0));
  const fromShuffled = analyse(shuffled);
  const fromOrdered = analyse(stressInput(5));
  assert.equal(byCell(fromShuffled.variantStats), byCell(fromOrdered.variantStats));
  assert.equal(byCell(fromShuffled.breakingPoints), byCell(fromOrdered.breakingPoints));
  const other = analyse(stressInput(6));
  assert.not.equal(
    other.breakingPoints.map((bp) => [bp.lo, bp.hi]),
    analyse(stressInput(5)).breakingPoints.map((bp) => [bp.lo, bp.hi]),
  );
  assert.equal(
    other.breakingPoints.map((bp) => bp.estimate),
    analyse(stressInput(5)).breakingPoints.map((bp) => bp.estimate),
    'point estimates do not depend on the seed',
  );
});

test('buildReport (compare): the primary metric and its paired differences, no stress charts', async () => {
  const html = await buildReport({ run: runRecord('compare', 90), trials: compareTrials(), spec: COMPARE_SPEC, seed: 3 });
  assert.equal(chartIds(html), ['metric:treasuryLoss', 'paired:treasuryLoss']);
  assert.is(svgsOf(html).length, 2);
  assert.is(markCount(chartSvg(html, 'metric:treasuryLoss'), 'points', 'path'), 3);
  assert.is(markCount(chartSvg(html, 'paired:treasuryLoss'), 'points', 'path'), 2);
  assert.is(markCount(chartSvg(html, 'paired:treasuryLoss'), 'zero', 'line'), 1);
  assert.ok(html.includes('Paired differences vs fixed-4pct'));
  assert.not.ok(html.includes('Attack success'));
  assert.equal(externalUrls(html), []);
});

test('groups: breaking points per (variant, attack), censoring above the grid marked in the chart', async () => {
  const spec: ReportSpec = { ...STRESS_SPEC, groupBy: ['attack'] };
  const input: ReportInput = { run: runRecord('stress', 300), trials: stressTrials(12, ['buy', 'bribe']), spec, seed: 2, resamples: 500 };
  const analysis = analyse(input);
  assert.equal(analysis.groups, ['attack=buy', 'attack=bribe']);
  assert.is(analysis.variantStats.length, 6);
  assert.is(analysis.breakingPoints.length, 6);
  const censored = analysis.breakingPoints.find((bp) => bp.variant === 'formula' && bp.group === 'attack=bribe')!;
  assert.is(censored.censoring, 'above-grid');
  assert.is(censored.estimate, null);
  assert.is(censored.lowerBound, 1e6);
  assert.is(censored.hiCensoring, 'above-grid');
  assert.is(formatBreakingPoint(censored), '> 1M');
  for (const bp of analysis.breakingPoints.filter((b) => b !== censored)) assert.is(bp.censoring, 'none', `${bp.variant} ${bp.group}`);
  const html = await buildReport(input);
  const success = chartSvg(html, 'success');
  assert.is(markCount(success, 'points', 'path'), 30, '2 facets x 3 variants x 5 budgets');
  const breaking = chartSvg(html, 'breaking-points');
  assert.is(markCount(breaking, 'points', 'path'), 6);
  assert.ok(breaking.includes('&gt; max (above grid)'), 'legend names the censored marker');
  assert.is(markCount(breaking, 'notesAbove', 'text'), 1, 'one note, beside the censored marker');
  assert.ok(breaking.includes('&gt; 1M'), 'note next to the censored point');
  assert.match(html, /Censored \(triangle at the grid edge\): formula \| attack=bribe &gt; 1M/);
  // Paired differences are per group too.
  assert.is(analysis.pairedDifferences.filter((d) => d.metric === 'treasuryLoss').length, 4);
});

test('learning curves: mean across seeds with a band, one chart per curve', async () => {
  const data = Rng.create(9).stream('curves');
  const trials: TrialResult[] = [];
  for (let seed = 0; seed < 5; seed++) {
    const curves = [];
    for (let step = 0; step <= 1000; step += 100) {
      curves.push({ name: 'episodeReturn', step, value: step / 10 + normal(data, 0, 5) });
      curves.push({ name: 'entropy', step, value: 1 - step / 2000 + normal(data, 0, 0.02) });
    }
    trials.push({ ...trial('ppo-attacker', seed, {}, { finalReturn: 100 + normal(data, 0, 5) }), curves });
  }
  const input: ReportInput = { run: runRecord('train', 5), trials, spec: { title: 'PPO attacker', primaryMetric: 'finalReturn', higherIsBetter: true, metrics: [], curveLabels: { episodeReturn: 'episode return (points)' } }, resamples: 500 };
  const analysis = analyse(input);
  assert.is(analysis.learningCurves.length, 22);
  const first = analysis.learningCurves.find((p) => p.name === 'episodeReturn' && p.step === 500)!;
  assert.is(first.n, 5);
  assert.ok(Math.abs(first.mean - 50) < 8 && first.lo < first.mean && first.mean < first.hi);
  const html = await buildReport(input);
  // The curves are a train run's key chart: right under the verdict.
  assert.equal(chartIds(html), ['curve:episodeReturn', 'curve:entropy', 'metric:finalReturn']);
  const curve = chartSvg(html, 'curve:episodeReturn');
  // The axis says what the curve measures, in its unit, where the kind gives one; else the curve's name.
  assert.ok(curve.includes('episode return (points)'), 'the labelled axis');
  assert.ok(chartSvg(html, 'curve:entropy').includes('>entropy<'), 'the default axis title');
  assert.is(markCount(curve, 'lines', 'path'), 1);
  assert.is(markCount(curve, 'bands', 'path'), 1);
  assert.ok(!html.includes('Paired differences'), 'no baseline, no paired section');
});

test('the verdict never names a row whose attack did not act as the safest, without saying so', () => {
  const outcome = (acted: boolean, reason: string) => [{ outcome: acted ? 'executed' : 'could-not-propose', count: 1, reason }];
  // Season verdict (scripted attacks): 'high-threshold' loses nothing because its attack could never propose.
  const season: TrialResult[] = [];
  for (let seed = 0; seed < 12; seed++) {
    for (const [variant, loss] of [['fixed-4pct', 2e6 + 1e5 * seed], ['nouns-dynamic', 1e6 + 1e5 * seed], ['high-threshold', 0]] as const) {
      const acted = variant !== 'high-threshold';
      season.push({
        ...trial(variant, seed, { attack: 'buy-and-vote' }, { attackLoss: loss, attackSucceeded: loss > 0 ? 1 : 0, failedGoodValue: 1e5, executedValue: 1e6 }),
        outcomes: outcome(acted, acted ? 'the drain passed' : 'the proposal threshold is 1,000,000 votes; the attacker holds 0'),
      });
    }
  }
  const seasonSpec: ReportSpec = { title: 'compare', primaryMetric: 'attackLoss', higherIsBetter: false, metrics: ['attackLoss'], baselineVariant: 'fixed-4pct', successMetric: 'attackSucceeded' };
  const { verdict } = analyse({ run: runRecord('compare', season.length), trials: season, spec: seasonSpec, resamples: 200 });
  assert.match(verdict.headline[0]!, /^nouns-dynamic loses least: /);
  const note = verdict.headline.find((line) => line.startsWith('Not tested: high-threshold'));
  assert.ok(note, verdict.headline.join('\n'));
  assert.match(note!, /did not act in 12 of 12 attempts \(could-not-propose: the proposal threshold is 1,000,000 votes; the attacker holds 0\)/);
  assert.ok(verdict.rows.find((r) => r.variant === 'high-threshold')!.notTested !== undefined);
  // No rule tested at all: the answer says that, and names none.
  const none = season.filter((t) => t.variant === 'high-threshold');
  const blank = analyse({ run: runRecord('compare', none.length), trials: none, spec: { ...seasonSpec, baselineVariant: 'high-threshold' }, resamples: 200 }).verdict;
  assert.match(blank.headline[0]!, /^No rule was tested: under every one the attack did not act in 12 of 12 attempts/);
  assert.not.ok(blank.headline.some((line) => line.includes('loses least')));

  // Primary verdict (learned attackers): the best row stayed idle, and the answer says what that is worth.
  const learned: TrialResult[] = [];
  for (let seed = 0; seed < 8; seed++) {
    learned.push({ ...trial('rules-2022', seed, {}, { profitableShare: 0.6 }), outcomes: [{ outcome: 'executed', count: 30, reason: 'drained' }, { outcome: 'idle', count: 20, reason: 'the policy never proposed a drain' }] });
    learned.push({ ...trial('fixed', seed, {}, { profitableShare: 0 }), outcomes: [{ outcome: 'idle', count: 40, reason: 'the policy never proposed a drain' }, { outcome: 'defeated', count: 10, reason: 'voted down' }] });
  }
  const primary = analyse({ run: runRecord('train', learned.length), trials: learned, spec: { title: 'train', primaryMetric: 'profitableShare', higherIsBetter: false, metrics: [], baselineVariant: 'rules-2022' }, resamples: 200 }).verdict;
  assert.match(primary.headline[0]!, /^Best by profitableShare \(lower is better\): fixed, /);
  assert.is(primary.headline[1], 'But fixed is not tested: its attackers did not act in 320 of 400 attempts (idle: the policy never proposed a drain; the others: defeated 80). An attacker that learned to stay idle may not have found the attack, so this is weak evidence that fixed resists it.');
  assert.ok(primary.caveats.some((c) => c.includes('may not have found the attack')));
});

test('analyse warns about a missing baseline, missing metrics and a stressor without a success metric', () => {
  const trials = compareTrials(5);
  trials[0]!.metrics = {};
  const analysis = analyse({
    run: runRecord('compare', 15),
    trials,
    spec: { ...COMPARE_SPEC, baselineVariant: 'nope', stressor: { param: 'budgetUsd', label: 'budget', scale: 'log', threshold: 0.5 } },
    resamples: 200,
  });
  assert.equal(analysis.pairedDifferences, []);
  assert.ok(analysis.warnings.some((w) => w.includes("baseline variant 'nope'")));
  assert.ok(analysis.warnings.some((w) => w.includes("1 of 15 trials have no finite 'treasuryLoss'")));
  assert.ok(analysis.warnings.some((w) => w.includes('without a successMetric')));
});

test('formatNumber and formatTable', () => {
  // Never exponents: thousands with a suffix, small values as plain decimals.
  assert.is(formatNumber(1e6), '1M');
  assert.is(formatNumber(123456), '123k');
  assert.is(formatNumber(31622.78), '31.6k');
  assert.is(formatNumber(2.45e7), '24.5M');
  assert.is(formatNumber(999_950_000), '1B');
  assert.is(formatNumber(9999), '9,999');
  assert.is(formatNumber(0.45678), '0.457');
  assert.is(formatNumber(12), '12');
  assert.is(formatNumber(-0.0002), '-0.0002');
  assert.is(formatUsd(2.45e7), '$24.5M');
  assert.is(formatUsd(-1_234_567), '-$1.23M');
  assert.is(formatUsd(0.2), '$0');
  assert.is(formatMetric('attackSucceeded', 0.4), '40 %');
  assert.is(formatMetric('attackLoss', 6.69e6), '$6.69M');
  assert.is(formatNumber(0), '0');
  assert.is(formatNumber(null), '-');
  assert.is(formatNumber(Number.NaN), '-');
  const table = formatTable(['variant', 'n', 'mean'], [['a', '10', '1.5'], ['long-variant-name', '100', '12.25']]);
  assert.equal(table.split('\n'), ['variant              n   mean', 'a                   10    1.5', 'long-variant-name  100  12.25']);
  const narrow = formatTable(['variant', 'n', 'mean'], [['a', '10', '1.5'], ['long-variant-name', '100', '12.25']], { width: 24 });
  for (const line of narrow.split('\n')) assert.ok(line.length <= 24, `'${line}' fits`);
  assert.ok(narrow.includes('long-varian~  100'));
});

test('formatSummary: aligned table with means, Wilson rates and breaking points; paired differences', () => {
  const analysis = analyse(stressInput());
  const text = formatSummary(analysis);
  const lines = text.split('\n');
  assert.ok(lines[0] === 'Quorum stress test (synthetic)');
  assert.is(lines[4], 'verdict', 'the verdict first');
  const header = lines.find((l) => l.startsWith('variant ') && l.includes('success rate'))!;
  assert.ok(header.includes('treasuryLoss [CI]') && header.includes('success rate [Wilson]') && header.includes('breaking point (attacker budget (USD)) [CI]'));
  const rows = lines.slice(lines.indexOf(header) + 1).filter((l) => VARIANTS.some((v) => l.startsWith(`${v} `)));
  assert.is(rows.length, 5, '3 variant rows + 2 paired-difference rows');
  const tableLines = [header, ...rows.slice(0, 3)];
  assert.is(new Set(tableLines.map((l) => l.length)).size, 1, 'right-aligned columns end together');
  for (const bp of analysis.breakingPoints) assert.ok(text.includes(formatBreakingPoint(bp, true)), `${bp.variant} breaking point shown`);
  assert.ok(text.includes('paired differences vs fixed-4pct'));
  assert.not.match(text, /\x1b\[/);
  const censored = formatSummary(analyse({ ...stressInput(), spec: { ...STRESS_SPEC, groupBy: ['attack'] }, trials: stressTrials(8, ['bribe']), resamples: 200 }));
  assert.match(censored, /\nformula \| attack=bribe +40 .* > 1M \[>1M, >1M\]\n/);
  const narrow = formatSummary(analysis, { width: 60 });
  assert.ok(narrow.includes('variant'));
});

test.run();
