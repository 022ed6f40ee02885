/**
 * The per-member feature table generators learn from, built from imported votes:
 *   logVotingPower  log10(1 + the member's largest vote weight in tokens)
 *   participation   votes / proposals that opened during the member's tenure (first to last vote)
 *   supportRate     share of the member's votes that were For
 *   meanTiming      mean position of the vote in the voting window, 0 = opening, 1 = deadline
 *   votes           number of votes cast
 *   tenureDays      days from first to last vote (12 s blocks)
 * Also reads Snapshot-style vote exports (voter, voting power, choice, created, proposal), with the
 * column names mappable.
 */
import { DataFileError, parseCsvFile } from './csv.ts';
import { type GovernorEvents, type ProposalRecord, type VoteRecord } from './governor-events.ts';

export const FEATURE_COLUMNS = ['logVotingPower', 'participation', 'supportRate', 'meanTiming', 'votes', 'tenureDays'] as const;
export type FeatureColumn = (typeof FEATURE_COLUMNS)[number];

export interface FeatureTable {
  members: string[];
  columns: Record<FeatureColumn, Float64Array>;
}

const BLOCKS_PER_DAY = 7200;

export function memberFeatures(events: GovernorEvents): FeatureTable {
  const proposals = [...events.proposals.values()].filter((p) => p.endBlock > p.startBlock).sort((a, b) => a.startBlock - b.startBlock);
  const starts = proposals.map((p) => p.startBlock);
  const byMember = new Map<string, VoteRecord[]>();
  for (const vote of events.votes) {
    if (!events.proposals.has(vote.proposalId)) continue;
    let list = byMember.get(vote.voter);
    if (list === undefined) byMember.set(vote.voter, (list = []));
    list.push(vote);
  }
  const members = [...byMember.keys()].sort();
  const n = members.length;
  const columns = Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, new Float64Array(n)])) as Record<FeatureColumn, Float64Array>;
  const countStartsIn = (low: number, high: number) => upperBound(starts, high) - lowerBound(starts, low);
  members.forEach((member, i) => {
    const votes = byMember.get(member)!;
    let maxWeight = 0;
    let forVotes = 0;
    let timing = 0;
    let firstStart = Infinity;
    let lastStart = -Infinity;
    let firstBlock = Infinity;
    let lastBlock = -Infinity;
    const voted = new Set<string>();
    for (const vote of votes) {
      const proposal = events.proposals.get(vote.proposalId)! as ProposalRecord;
      voted.add(vote.proposalId);
      maxWeight = Math.max(maxWeight, vote.votes);
      if (vote.support === 1) forVotes++;
      timing += Math.min(1, Math.max(0, (vote.block - proposal.startBlock) / Math.max(1, proposal.endBlock - proposal.startBlock)));
      firstStart = Math.min(firstStart, proposal.startBlock);
      lastStart = Math.max(lastStart, proposal.startBlock);
      firstBlock = Math.min(firstBlock, vote.block);
      lastBlock = Math.max(lastBlock, vote.block);
    }
    const eligible = Math.max(voted.size, countStartsIn(firstStart, lastStart));
    columns.logVotingPower[i] = Math.log10(1 + maxWeight);
    columns.participation[i] = voted.size / eligible;
    columns.supportRate[i] = forVotes / votes.length;
    columns.meanTiming[i] = timing / votes.length;
    columns.votes[i] = votes.length;
    columns.tenureDays[i] = (lastBlock - firstBlock) / BLOCKS_PER_DAY;
  });
  return { members, columns };
}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface SnapshotColumns {
  voter: string;
  power: string;
  choice: string;
  created: string;
  proposal: string;
}

export const DEFAULT_SNAPSHOT_COLUMNS: SnapshotColumns = { voter: 'voter', power: 'vp', choice: 'choice', created: 'created', proposal: 'proposal' };

/**
 * A Snapshot-style export as governor events: choice 1 = For, 2 = Against, 3 = Abstain (Snapshot's basic
 * voting); each proposal's window runs from its first to its last vote; times (unix seconds or ISO) become
 * 12-second blocks.
 */
export function readSnapshotVotes(file: string, mapping: Partial<SnapshotColumns> = {}): GovernorEvents {
  const names = { ...DEFAULT_SNAPSHOT_COLUMNS, ...mapping };
  const rows = parseCsvFile<{ record: Record<string, string>; info: { lines: number } }>(file, { columns: true, skip_empty_lines: true, info: true });
  if (rows.length === 0) throw new DataFileError(`${file}: no rows`);
  const present = Object.keys(rows[0]!.record);
  for (const [role, column] of Object.entries(names)) {
    if (!present.includes(column)) throw new DataFileError(`${file}: no column '${column}' for ${role}; columns are ${present.join(', ')} (map one with --columns ${role}=NAME)`);
  }
  const votes: VoteRecord[] = [];
  const windows = new Map<string, { low: number; high: number }>();
  for (const { record, info } of rows) {
    const line = info.lines;
    const power = Number(record[names.power]);
    if (!Number.isFinite(power) || power < 0) throw new DataFileError(`${file}, line ${line}: column '${names.power}' must be a number >= 0, got ${JSON.stringify(record[names.power])}`);
    const choice = Number(record[names.choice]);
    if (![1, 2, 3].includes(choice)) throw new DataFileError(`${file}, line ${line}: column '${names.choice}' must be 1 (For), 2 (Against) or 3 (Abstain), got ${JSON.stringify(record[names.choice])}`);
    const raw = record[names.created]!;
    const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Date.parse(raw) / 1000;
    if (!Number.isFinite(seconds)) throw new DataFileError(`${file}, line ${line}: column '${names.created}' must be a unix time or an ISO date, got ${JSON.stringify(raw)}`);
    const block = Math.round(seconds / 12);
    const proposalId = record[names.proposal]!;
    const window = windows.get(proposalId) ?? { low: Infinity, high: -Infinity };
    window.low = Math.min(window.low, block);
    window.high = Math.max(window.high, block);
    windows.set(proposalId, window);
    votes.push({ voter: record[names.voter]!.toLowerCase(), proposalId, support: choice === 1 ? 1 : choice === 2 ? 0 : 2, votes: power, block });
  }
  const proposals = new Map<string, ProposalRecord>();
  for (const [id, { low, high }] of windows) proposals.set(id, { id, createdBlock: low, startBlock: low, endBlock: Math.max(high, low + 1), executed: false, canceled: false });
  return { format: 'compound', proposals, votes };
}

/** The table as CSV text (members in the first column). */
export function featuresToCsv(table: FeatureTable): string {
  const lines = [['member', ...FEATURE_COLUMNS].join(',')];
  table.members.forEach((member, i) => lines.push([member, ...FEATURE_COLUMNS.map((c) => +table.columns[c][i]!.toPrecision(8))].join(',')));
  return `${lines.join('\n')}\n`;
}
