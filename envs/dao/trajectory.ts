/**
 * A season's timeline, recorded on request (SeasonConfig.record): what happened to each proposal, how its votes
 * came in against the quorum, what the attacker did, and how the treasury and the token price moved. Events are
 * tidy rows (one per event, the same columns for all); stored compactly as gzipped columns, exported long
 * (`daogym export RUN --what trajectories`), and drawn as a replay (`daogym report RUN --trial KEY --seed S`).
 *
 * `replaySeason` recomputes a season's results from its events alone: a test holds a recorded trajectory to the
 * trial's own metrics.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { BLOCKS_PER_DAY } from './protocol.ts';

export type TrajectoryEventKind =
  /** An honest idea below the proposal threshold, never proposed: `usd` is the value it would have delivered. */
  | 'blocked'
  /** A proposal made: `usd` is what it requests, `value_usd` its net value (grants) or the share of the treasury (drains, negative). */
  | 'proposed'
  /** A proposal's state changed (pending, active, succeeded, queued, executed, defeated, vetoed, cancelled, expired). */
  | 'state'
  /** Cumulative votes on an open proposal at the end of a 6-hour step, against its quorum. */
  | 'tally'
  /** The attacker acted: `detail` says how (buy, borrow, flash-loan, bribe, vote, sell, repay, propose). */
  | 'attacker'
  /** The treasury (usd) and the token's price, when either changed during the step. */
  | 'market';

export interface TrajectoryEvent {
  block: number;
  event: TrajectoryEventKind;
  proposal: number | null;
  /** 'honest' or 'attacker'. */
  proposer: string | null;
  /** 'grant' or 'drain'. */
  kind: string | null;
  state: string | null;
  forVotes: number | null;
  againstVotes: number | null;
  abstainVotes: number | null;
  quorumVotes: number | null;
  /** Tokens moved (attacker) or votes bought (bribe). */
  tokens: number | null;
  /** Dollars moved: paid out, spent, requested or lost. */
  usd: number | null;
  /** Net value of a grant (usd), for proposed grants. */
  valueUsd: number | null;
  treasuryUsd: number | null;
  priceUsd: number | null;
  detail: string | null;
}

/** The export's columns, in order, each with its unit. */
export const TRAJECTORY_COLUMNS: ReadonlyArray<{ name: string; field: keyof TrajectoryEvent | 'day'; unit: string }> = [
  { name: 'block', field: 'block', unit: 'block (12 s) since the season began' },
  { name: 'day', field: 'day', unit: 'days since the season began' },
  { name: 'event', field: 'event', unit: 'blocked, proposed, state, tally, attacker, market' },
  { name: 'proposal', field: 'proposal', unit: 'proposal id' },
  { name: 'proposer', field: 'proposer', unit: 'honest or attacker' },
  { name: 'kind', field: 'kind', unit: 'grant or drain' },
  { name: 'state', field: 'state', unit: "the proposal's state after the event" },
  { name: 'for_votes', field: 'forVotes', unit: 'votes' },
  { name: 'against_votes', field: 'againstVotes', unit: 'votes' },
  { name: 'abstain_votes', field: 'abstainVotes', unit: 'votes' },
  { name: 'quorum_votes', field: 'quorumVotes', unit: 'votes' },
  { name: 'tokens', field: 'tokens', unit: 'tokens (or votes, for a bribe)' },
  { name: 'usd', field: 'usd', unit: 'usd: paid out (executed), requested (proposed), lost (blocked), or spent by the attacker (negative: received)' },
  { name: 'value_usd', field: 'valueUsd', unit: 'usd' },
  { name: 'treasury_usd', field: 'treasuryUsd', unit: 'usd' },
  { name: 'price_usd', field: 'priceUsd', unit: 'usd per token' },
  { name: 'detail', field: 'detail', unit: 'text' },
];

const FIELDS = TRAJECTORY_COLUMNS.map((c) => c.field).filter((f): f is keyof TrajectoryEvent => f !== 'day');

export function blankEvent(block: number, event: TrajectoryEventKind): TrajectoryEvent {
  return { block, event, proposal: null, proposer: null, kind: null, state: null, forVotes: null, againstVotes: null, abstainVotes: null, quorumVotes: null, tokens: null, usd: null, valueUsd: null, treasuryUsd: null, priceUsd: null, detail: null };
}

/** The artifact a recorded trial stores its trajectory under. */
export const TRAJECTORY_ARTIFACT = 'trajectory';
export const TRAJECTORY_MEDIA_TYPE = 'application/vnd.daogym.trajectory+json+gzip';

/** The season's facts a replay needs besides the events. */
export interface TrajectoryHeader {
  treasuryUsd: number;
  delayCostPerDay: number;
}

/** Events as gzipped columns: {header, columns: {field: values[]}}. */
export function encodeTrajectory(header: TrajectoryHeader, events: readonly TrajectoryEvent[]): Uint8Array {
  const columns = Object.fromEntries(FIELDS.map((field) => [field, events.map((e) => e[field])]));
  return new Uint8Array(gzipSync(JSON.stringify({ version: 1, header, columns })));
}

export function decodeTrajectory(content: Uint8Array | string): { header: TrajectoryHeader; events: TrajectoryEvent[] } {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'binary') : Buffer.from(content);
  const parsed = JSON.parse(gunzipSync(bytes).toString('utf8')) as { version: number; header: TrajectoryHeader; columns: Record<string, unknown[]> };
  if (parsed.version !== 1) throw new Error(`a trajectory of format version ${parsed.version}; this daogym reads version 1`);
  const length = parsed.columns.block?.length ?? 0;
  const events: TrajectoryEvent[] = [];
  for (let i = 0; i < length; i++) {
    const event = blankEvent(0, 'market');
    for (const field of FIELDS) (event as unknown as Record<string, unknown>)[field] = parsed.columns[field]?.[i] ?? null;
    events.push(event);
  }
  return { header: parsed.header, events };
}

/** An event as an export row: the columns of TRAJECTORY_COLUMNS. */
export function trajectoryRow(event: TrajectoryEvent): Record<string, string | number | null> {
  const row: Record<string, string | number | null> = {};
  for (const column of TRAJECTORY_COLUMNS) row[column.name] = column.field === 'day' ? Math.round((event.block / BLOCKS_PER_DAY) * 1e4) / 1e4 : (event[column.field] as string | number | null);
  return row;
}

export interface ReplayedSeason {
  executedValue: number;
  failedGoodValue: number;
  attackLoss: number;
  attackSucceeded: boolean;
  honestProposals: number;
  honestExecuted: number;
  score: number;
  /** The treasury at the last market event (usd). */
  finalTreasuryUsd: number | null;
  /** Each proposal's last recorded state and tallies. */
  proposals: Map<number, { kind: string; proposer: string; state: string; forVotes: number; againstVotes: number; abstainVotes: number; quorumVotes: number; paidUsd: number }>;
}

/** A season's results recomputed from its events: as runSeason computes them. */
export function replaySeason(header: TrajectoryHeader, events: readonly TrajectoryEvent[]): ReplayedSeason {
  const proposals: ReplayedSeason['proposals'] = new Map();
  const grants = new Map<number, { netValue: number; createdAt: number; executedAt: number | null }>();
  let blocked = 0;
  let finalTreasuryUsd: number | null = null;
  for (const e of events) {
    if (e.event === 'blocked') blocked += e.usd ?? 0;
    if (e.event === 'proposed' && e.proposal !== null) {
      proposals.set(e.proposal, { kind: e.kind!, proposer: e.proposer!, state: e.state ?? 'pending', forVotes: 0, againstVotes: 0, abstainVotes: 0, quorumVotes: 0, paidUsd: 0 });
      if (e.kind === 'grant') grants.set(e.proposal, { netValue: e.valueUsd!, createdAt: e.block, executedAt: null });
    }
    if ((e.event === 'state' || e.event === 'tally') && e.proposal !== null) {
      const p = proposals.get(e.proposal)!;
      if (e.state !== null) p.state = e.state;
      if (e.forVotes !== null) [p.forVotes, p.againstVotes, p.abstainVotes] = [e.forVotes, e.againstVotes ?? 0, e.abstainVotes ?? 0];
      if (e.quorumVotes !== null) p.quorumVotes = e.quorumVotes;
      if (e.state === 'executed') {
        p.paidUsd = e.usd ?? 0;
        const grant = grants.get(e.proposal);
        if (grant !== undefined) grant.executedAt = e.block;
      }
    }
    if (e.event === 'market' && e.treasuryUsd !== null) finalTreasuryUsd = e.treasuryUsd;
  }
  let executedValue = 0;
  let failedGoodValue = blocked;
  let honestExecuted = 0;
  for (const [id, grant] of grants) {
    if (proposals.get(id)!.state === 'executed') {
      honestExecuted++;
      const waitDays = (grant.executedAt! - grant.createdAt) / BLOCKS_PER_DAY;
      executedValue += grant.netValue - Math.abs(grant.netValue) * header.delayCostPerDay * waitDays;
    } else if (grant.netValue > 0) {
      failedGoodValue += grant.netValue;
    }
  }
  const drain = [...proposals.values()].find((p) => p.proposer === 'attacker');
  const attackLoss = drain?.state === 'executed' ? drain.paidUsd : 0;
  return {
    executedValue,
    failedGoodValue,
    attackLoss,
    attackSucceeded: drain?.state === 'executed',
    honestProposals: grants.size,
    honestExecuted,
    score: (executedValue - failedGoodValue - attackLoss) / header.treasuryUsd,
    finalTreasuryUsd,
    proposals,
  };
}
