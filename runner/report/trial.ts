/**
 * One trial's season, replayed from its recorded trajectory (`daogym report RUN --trial KEY --seed S`): how it
 * ended and why, the vote race of the attacked proposal (For, Against and Abstain as they came in, against the
 * quorum, with the attacker's moves marked), the treasury and the token price over the season, every proposal's
 * fate and every attacker action, in the user's units.
 */
import type { TopLevelSpec } from 'vega-lite';
import { BLOCKS_PER_DAY } from '../../envs/dao/protocol.ts';
import { formatTokens } from '../../envs/dao/refusal.ts';
import type { ReplayedSeason, TrajectoryEvent, TrajectoryHeader } from '../../envs/dao/trajectory.ts';
import { replaySeason } from '../../envs/dao/trajectory.ts';
import type { RunRecord, TrialResult } from '../types.ts';
import { CHART_CONFIG, renderSvg } from './charts.ts';
import { formatMetric, formatUsd, METRIC_INFO } from './format.ts';
import { escapeHtml, htmlPage, table } from './html.ts';

const day = (block: number): number => Math.round((block / BLOCKS_PER_DAY) * 1000) / 1000;
const days = (block: number): string => `day ${Number(day(block).toFixed(2))}`;

/** The proposal a replay centres on: the attacker's, else the honest one with the most votes. */
export function focusProposal(events: readonly TrajectoryEvent[]): number | null {
  const attacked = events.find((e) => e.event === 'proposed' && e.proposer === 'attacker');
  if (attacked?.proposal != null) return attacked.proposal;
  let best: number | null = null;
  let most = -1;
  for (const e of events) {
    if (e.event !== 'tally' && e.event !== 'state') continue;
    const cast = (e.forVotes ?? 0) + (e.againstVotes ?? 0) + (e.abstainVotes ?? 0);
    if (e.proposal !== null && cast > most) [best, most] = [e.proposal, cast];
  }
  return best;
}

function voteRace(events: readonly TrajectoryEvent[], proposal: number): TopLevelSpec | null {
  const tallies = events.filter((e) => e.proposal === proposal && (e.event === 'tally' || (e.event === 'state' && e.forVotes !== null)));
  if (tallies.length === 0) return null;
  const rows = tallies.flatMap((e) => [
    { day: day(e.block), side: 'For', votes: e.forVotes ?? 0 },
    { day: day(e.block), side: 'Against', votes: e.againstVotes ?? 0 },
    { day: day(e.block), side: 'Abstain', votes: e.abstainVotes ?? 0 },
    { day: day(e.block), side: 'quorum', votes: e.quorumVotes ?? 0 },
  ]);
  const moves = events.filter((e) => e.event === 'attacker' && e.proposal === proposal).map((e) => ({ day: day(e.block), label: (e.detail ?? '').split(':')[0] }));
  const x = { field: 'day', type: 'quantitative' as const, title: 'day of the season', scale: { zero: false } };
  const y = { field: 'votes', type: 'quantitative' as const, title: 'votes (cumulative)', axis: { format: '.3~s' } };
  const sides = ['For', 'Against', 'Abstain', 'quorum'];
  const color = { field: 'side', type: 'nominal' as const, title: null, sort: sides, scale: { domain: sides, range: ['#2ca02c', '#d62728', '#9e9e9e', '#111111'] } };
  return {
    title: `Vote race of proposal ${proposal}`,
    config: CHART_CONFIG,
    width: 640,
    height: 300,
    layer: [
      { data: { values: rows }, mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 }, encoding: { x, y, color, strokeDash: { condition: { test: "datum.side === 'quorum'", value: [5, 4] }, value: [1, 0] } } },
      ...(moves.length === 0
        ? []
        : [
            { data: { values: moves }, mark: { type: 'rule', color: '#ff7f0e', strokeWidth: 1.5 }, encoding: { x: { field: 'day', type: 'quantitative' } } },
            { data: { values: moves }, mark: { type: 'text', color: '#ff7f0e', angle: 0, align: 'left', dx: 3, dy: -4, baseline: 'bottom', fontSize: 11, y: 0 }, encoding: { x: { field: 'day', type: 'quantitative' }, text: { field: 'label' } } },
          ]),
    ],
  } as TopLevelSpec;
}

function marketChart(events: readonly TrajectoryEvent[]): TopLevelSpec | null {
  const market = events.filter((e) => e.event === 'market');
  if (market.length === 0) return null;
  const last = events.at(-1)!;
  // Held to the season's end so the line covers it.
  const points = [...market, { ...market.at(-1)!, block: Math.max(last.block, market.at(-1)!.block) }];
  const rows = points.flatMap((e) => [
    { day: day(e.block), series: 'treasury (usd)', value: e.treasuryUsd },
    { day: day(e.block), series: 'token price (usd)', value: e.priceUsd },
  ]);
  return {
    title: 'Treasury and token price',
    config: CHART_CONFIG,
    data: { values: rows },
    facet: { row: { field: 'series', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left' } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 640,
      height: 110,
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
      encoding: { x: { field: 'day', type: 'quantitative', title: 'day of the season' }, y: { field: 'value', type: 'quantitative', title: null, axis: { format: '$.3~s' }, scale: { zero: false } } },
    },
  } as TopLevelSpec;
}

function proposalRows(events: readonly TrajectoryEvent[], replay: ReplayedSeason): string[][] {
  const proposed = events.filter((e) => e.event === 'proposed');
  return proposed.map((e) => {
    const p = replay.proposals.get(e.proposal!)!;
    const end = [...events].reverse().find((x) => x.event === 'state' && x.proposal === e.proposal);
    return [
      String(e.proposal),
      `${e.proposer} ${e.kind}`,
      days(e.block),
      e.usd === null ? '-' : formatUsd(e.usd),
      e.valueUsd === null ? '-' : formatUsd(e.valueUsd),
      `${p.state}${end ? ` (${days(end.block)})` : ''}`,
      `${formatTokens(p.forVotes)} / ${formatTokens(p.againstVotes)} / ${formatTokens(p.abstainVotes)}`,
      formatTokens(p.quorumVotes),
      p.paidUsd > 0 ? formatUsd(p.paidUsd) : '-',
    ];
  });
}

export async function buildTrialReport(run: RunRecord, trial: TrialResult, header: TrajectoryHeader, events: readonly TrajectoryEvent[]): Promise<string> {
  const replay = replaySeason(header, events);
  const focus = focusProposal(events);
  const parts: string[] = [];
  const params = Object.entries(trial.params).filter(([name]) => name !== 'variant').map(([name, value]) => `${name} ${value}`).join(', ');
  parts.push(`<h1>Season replay: ${escapeHtml(trial.variant)}</h1>`);
  parts.push(`<p class="muted">${escapeHtml(`run ${run.id} (${run.name}, ${run.kind}) · trial ${trial.key} · seed ${trial.seed} (index ${trial.seedIndex})${params ? ` · ${params}` : ''}`)}</p>`);
  parts.push('<section id="verdict">');
  parts.push('<h2>What happened</h2>');
  const outcome = trial.outcomes?.[0];
  if (outcome !== undefined) parts.push(`<p class="answer">${escapeHtml(`The attack: ${outcome.outcome}: ${outcome.reason}.`)}</p>`);
  parts.push(
    `<p class="answer">${escapeHtml(
      `Treasury drained ${formatUsd(replay.attackLoss)}; honest proposals ${replay.honestExecuted} of ${replay.honestProposals} executed, delivering ${formatUsd(replay.executedValue)}; good value failed or never proposed ${formatUsd(replay.failedGoodValue)}; score ${formatMetric('score', replay.score)}.`,
    )}</p>`,
  );
  parts.push('</section>');

  if (focus !== null) {
    const race = voteRace(events, focus);
    const p = replay.proposals.get(focus);
    if (race !== null && p !== undefined) {
      parts.push(`<h2>The vote race of proposal ${focus} (${escapeHtml(`${p.proposer} ${p.kind}`)})</h2>`);
      parts.push(`<figure class="chart" data-chart="vote-race">\n${await renderSvg(race)}\n<figcaption>${escapeHtml(`Cumulative For, Against and Abstain votes at the end of each 6-hour step and at its close, against the quorum (dashed) as it stood; orange: the attacker's moves on it. It ended ${p.state}: For ${formatTokens(p.forVotes)}, Against ${formatTokens(p.againstVotes)}, Abstain ${formatTokens(p.abstainVotes)}, quorum ${formatTokens(p.quorumVotes)}.`)}</figcaption>\n</figure>`);
    }
  }
  const market = marketChart(events);
  if (market !== null) parts.push(`<h2>Treasury and price</h2>\n<figure class="chart" data-chart="market">\n${await renderSvg(market)}\n<figcaption>The treasury (usd) and the token's AMM price as they moved: grants and drains paid out, the attacker's buying and selling.</figcaption>\n</figure>`);

  parts.push('<h2>Proposals</h2>');
  parts.push(table(['id', 'proposer and kind', 'proposed', 'requested', 'net value', 'ended', 'For / Against / Abstain', 'quorum', 'paid'], proposalRows(events, replay), 2));
  const blocked = events.filter((e) => e.event === 'blocked');
  if (blocked.length > 0) parts.push(`<p class="muted">${escapeHtml(`${blocked.length} honest idea${blocked.length === 1 ? '' : 's'} never proposed (below the proposal threshold), worth ${formatUsd(blocked.reduce((s, e) => s + (e.usd ?? 0), 0))}.`)}</p>`);
  const moves = events.filter((e) => e.event === 'attacker');
  if (moves.length > 0) {
    parts.push("<h2>The attacker's actions</h2>");
    parts.push(table(['when', 'action', 'tokens (votes)', 'usd spent (received: -)', 'proposal'], moves.map((e) => [days(e.block), e.detail ?? '', e.tokens === null ? '-' : formatTokens(e.tokens), e.usd === null ? '-' : formatUsd(e.usd), e.proposal === null ? '-' : String(e.proposal)]), 2));
  }
  parts.push('<h2>The trial\'s metrics</h2>');
  parts.push(table(['metric', 'meaning', 'value'], Object.entries(trial.metrics).map(([name, value]) => [name, METRIC_INFO[name]?.definition ?? '', formatMetric(name, value)]), 2));
  parts.push(`<p class="muted">${escapeHtml(`Export every event: daogym export ${run.id} --what trajectories. Recomputed from the events, the season's results equal the trial's metrics (the replay is tested to).`)}</p>`);
  return htmlPage(`${run.name}: ${trial.key} seed ${trial.seed}`, parts);
}
