/**
 * DAO-level governance statistics from imported votes: turnout per proposal (share of supply cast),
 * voters per proposal, the largest voter's share of cast weight, the share of cast weight in the last
 * 10 % of the voting window, pass rates, and concentration of voting power (Gini, top-k share, Nakamoto
 * coefficient) over voters' largest observed weight.
 */
import { gini, topShare } from '../../envs/dao/population.ts';
import type { GovernorEvents } from './governor-events.ts';

export interface DaoStatistics {
  proposals: number;
  /** Per proposal with at least one vote; empty without a supply. */
  turnout: number[];
  voters: number[];
  largestVoterShare: number[];
  /** Cast weight in the last 10 % of the window, over all proposals. */
  lateVoteShare: number;
  /** Executed / created; NaN for Snapshot exports (no execution on chain). */
  passRate: number;
  giniTop1000: number;
  top10Share: number;
  nakamoto: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

export function quantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * p;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** Smallest number of holders whose combined weight exceeds half the total. */
export function nakamotoCoefficient(weights: ArrayLike<number>): number {
  const sorted = Float64Array.from(weights).sort().reverse();
  const total = sorted.reduce((a, b) => a + b, 0);
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) {
    sum += sorted[i]!;
    if (sum > total / 2) return i + 1;
  }
  return sorted.length;
}

/** `supply` (tokens) is needed for turnout only; without it `turnout` is empty. */
export function daoStatistics(events: GovernorEvents, supply?: number): DaoStatistics {
  const byProposal = new Map<string, { cast: number; voters: number; largest: number; late: number }>();
  const maxWeight = new Map<string, number>();
  let late = 0;
  let cast = 0;
  for (const vote of events.votes) {
    const proposal = events.proposals.get(vote.proposalId);
    const entry = byProposal.get(vote.proposalId) ?? { cast: 0, voters: 0, largest: 0, late: 0 };
    entry.cast += vote.votes;
    entry.voters++;
    entry.largest = Math.max(entry.largest, vote.votes);
    byProposal.set(vote.proposalId, entry);
    maxWeight.set(vote.voter, Math.max(maxWeight.get(vote.voter) ?? 0, vote.votes));
    if (proposal !== undefined && proposal.endBlock > proposal.startBlock) {
      cast += vote.votes;
      if (vote.block >= proposal.startBlock + 0.9 * (proposal.endBlock - proposal.startBlock)) late += vote.votes;
    }
  }
  const entries = [...byProposal.values()].filter((e) => e.cast > 0);
  const weights = [...maxWeight.values()];
  const top1000 = Float64Array.from(weights).sort().reverse().subarray(0, 1000);
  const created = events.proposals.size;
  const executed = [...events.proposals.values()].filter((p) => p.executed).length;
  return {
    proposals: created,
    turnout: supply === undefined ? [] : entries.map((e) => e.cast / supply),
    voters: entries.map((e) => e.voters),
    largestVoterShare: entries.map((e) => e.largest / e.cast),
    lateVoteShare: cast > 0 ? late / cast : NaN,
    // Snapshot votes are off chain: nothing records an execution, so there is no pass rate to read.
    passRate: created > 0 && events.format !== 'snapshot' ? executed / created : NaN,
    giniTop1000: gini(top1000),
    top10Share: topShare(weights, 10),
    nakamoto: nakamotoCoefficient(weights),
  };
}
