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

/** The names tried, in order, for each role when --columns does not name one: the common export spellings. */
export const SNAPSHOT_COLUMN_CANDIDATES: Record<keyof SnapshotColumns, readonly string[]> = {
  voter: ['voter', 'address', 'voter_address'],
  power: ['vp', 'voting_power', 'votingPower', 'power'],
  choice: ['choice', 'choices'],
  created: ['created', 'timestamp', 'created_at', 'createdAt'],
  proposal: ['proposal', 'proposal_id', 'proposalId'],
};
export const DEFAULT_SNAPSHOT_COLUMNS: SnapshotColumns = { voter: 'voter', power: 'vp', choice: 'choice', created: 'created', proposal: 'proposal' };
const SPACE_COLUMNS = ['space', 'space_id', 'spaceId'];
const SYMBOL_COLUMNS = ['symbol', 'token_symbol', 'tokenSymbol'];

/** How a vote's choice reads: Snapshot writes 2 (single choice), [1,3] (approval, ranked) or {"1":2,"2":1} (weighted, quadratic). */
export type SnapshotChoiceForm = 'single' | 'approval-or-ranked' | 'weighted' | 'unreadable';

export interface SnapshotImportOptions {
  /** Keep only rows of this space (e.g. 'aave.eth'), matched without regard to case. */
  space?: string;
  /** Keep only rows of this token symbol. */
  symbol?: string;
  /** Votes on multi-option proposals: counted as turnout with no side ('abstain', the default) or left out ('skip'). */
  multiChoice?: 'abstain' | 'skip';
}

/** What the import did with every row, so nothing is dropped unseen. */
export interface SnapshotImportReport {
  rows: number;
  columns: SnapshotColumns;
  /** Rows of other spaces or symbols, left out by --space / --symbol. */
  filteredOut: number;
  /** Votes on For / Against / Abstain proposals (every vote on them is 1, 2 or 3). */
  basicVotes: number;
  /** Votes on the other proposals, by the form of their choice. */
  multiChoiceVotes: Record<Exclude<SnapshotChoiceForm, 'unreadable'>, number>;
  multiChoiceProposals: number;
  multiChoiceRule: 'abstain' | 'skip';
  /** Rows whose choice could not be read (empty, or not a number, list or object), with the first line. */
  unreadable: { count: number; firstLine?: number };
}

function choiceForm(raw: string): SnapshotChoiceForm {
  const text = raw.trim();
  if (/^\d+(\.0+)?$/.test(text)) return Number(text) >= 1 ? 'single' : 'unreadable';
  if (text.startsWith('[') || text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      if (error instanceof SyntaxError) return 'unreadable';
      throw error;
    }
    if (Array.isArray(parsed)) return parsed.length > 0 && parsed.every((c) => Number.isInteger(c) && c >= 1) ? 'approval-or-ranked' : 'unreadable';
    if (parsed !== null && typeof parsed === 'object') {
      const entries = Object.entries(parsed);
      return entries.length > 0 && entries.every(([k, v]) => /^\d+$/.test(k) && typeof v === 'number' && v >= 0) ? 'weighted' : 'unreadable';
    }
  }
  return 'unreadable';
}

function pickColumn(present: string[], named: string | undefined, candidates: readonly string[]): string | undefined {
  if (named !== undefined) return present.includes(named) ? named : undefined;
  return candidates.find((c) => present.includes(c));
}

/**
 * A Snapshot-style export as governor events. A proposal whose every vote is 1, 2 or 3 is read as Snapshot's
 * basic voting: 1 = For, 2 = Against, 3 = Abstain. Any other proposal is multi-option (single choice among more
 * than three options, approval, ranked choice, weighted, quadratic): its options are not For and Against, so its
 * votes count towards turnout, participation, voting power and timing with no side (as Abstain), or are left out
 * with `multiChoice: 'skip'`. Rows whose choice cannot be read are skipped and counted. Each proposal's window
 * runs from its first to its last vote (the export carries no window); times (unix seconds or ISO) become
 * 12-second blocks. Snapshot proposals are never executed on chain, so no pass rate can be drawn from them.
 */
export function readSnapshotVotes(file: string, mapping: Partial<SnapshotColumns> = {}, options: SnapshotImportOptions = {}): GovernorEvents & { snapshot: SnapshotImportReport } {
  const rows = parseCsvFile<{ record: Record<string, string>; info: { lines: number } }>(file, { columns: true, skip_empty_lines: true, info: true });
  if (rows.length === 0) throw new DataFileError(`${file}: no rows`);
  const present = Object.keys(rows[0]!.record);
  const names = {} as SnapshotColumns;
  for (const role of Object.keys(SNAPSHOT_COLUMN_CANDIDATES) as (keyof SnapshotColumns)[]) {
    const column = pickColumn(present, mapping[role], SNAPSHOT_COLUMN_CANDIDATES[role]);
    if (column === undefined) {
      const tried = mapping[role] !== undefined ? `'${mapping[role]}'` : SNAPSHOT_COLUMN_CANDIDATES[role].map((c) => `'${c}'`).join(', ');
      throw new DataFileError(`${file}: no column ${tried} for ${role}; columns are ${present.join(', ')} (map one with --columns ${role}=NAME)`);
    }
    names[role] = column;
  }
  const filters: { label: string; column: string; value: string }[] = [];
  for (const [label, value, candidates] of [['--space', options.space, SPACE_COLUMNS], ['--symbol', options.symbol, SYMBOL_COLUMNS]] as const) {
    if (value === undefined) continue;
    const column = candidates.find((c) => present.includes(c));
    if (column === undefined) throw new DataFileError(`${file}: ${label} needs a column ${candidates.map((c) => `'${c}'`).join(', ')}; columns are ${present.join(', ')}`);
    filters.push({ label, column, value: value.toLowerCase() });
  }
  const report: SnapshotImportReport = {
    rows: rows.length,
    columns: names,
    filteredOut: 0,
    basicVotes: 0,
    multiChoiceVotes: { single: 0, 'approval-or-ranked': 0, weighted: 0 },
    multiChoiceProposals: 0,
    multiChoiceRule: options.multiChoice ?? 'abstain',
    unreadable: { count: 0 },
  };
  interface Parsed { voter: string; proposalId: string; power: number; block: number; form: SnapshotChoiceForm; choice: number }
  const parsed: Parsed[] = [];
  const seen = new Map<string, number>();
  const multiOption = new Set<string>();
  for (const { record, info } of rows) {
    const line = info.lines;
    const failed = filters.find((f) => (record[f.column] ?? '').toLowerCase() !== f.value);
    if (failed !== undefined) {
      report.filteredOut++;
      const key = record[failed.column] ?? '';
      seen.set(key, (seen.get(key) ?? 0) + 1);
      continue;
    }
    const power = Number(record[names.power]);
    if (!Number.isFinite(power) || power < 0) throw new DataFileError(`${file}, line ${line}: column '${names.power}' must be a number >= 0, got ${JSON.stringify(record[names.power])}`);
    const raw = record[names.created]!;
    const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Date.parse(raw) / 1000;
    if (!Number.isFinite(seconds)) throw new DataFileError(`${file}, line ${line}: column '${names.created}' must be a unix time or an ISO date, got ${JSON.stringify(raw)}`);
    const form = choiceForm(record[names.choice] ?? '');
    if (form === 'unreadable') {
      report.unreadable.count++;
      report.unreadable.firstLine ??= line;
      continue;
    }
    const proposalId = record[names.proposal]!;
    const choice = form === 'single' ? Number(record[names.choice]) : 0;
    if (form !== 'single' || choice > 3) multiOption.add(proposalId);
    parsed.push({ voter: record[names.voter]!.toLowerCase(), proposalId, power, block: Math.round(seconds / 12), form, choice });
  }
  if (filters.length > 0 && parsed.length + report.unreadable.count === 0) {
    const common = [...seen.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, n]) => `${k || "''"} (${n})`);
    throw new DataFileError(`${file}: no row matches ${filters.map((f) => `${f.label} ${f.value}`).join(' ')}; the file holds ${common.join(', ')}${seen.size > 8 ? ', ...' : ''}`);
  }
  const votes: VoteRecord[] = [];
  const windows = new Map<string, { low: number; high: number }>();
  for (const vote of parsed) {
    const multi = multiOption.has(vote.proposalId);
    if (multi) report.multiChoiceVotes[vote.form as Exclude<SnapshotChoiceForm, 'unreadable'>]++;
    else report.basicVotes++;
    if (multi && report.multiChoiceRule === 'skip') continue;
    const window = windows.get(vote.proposalId) ?? { low: Infinity, high: -Infinity };
    window.low = Math.min(window.low, vote.block);
    window.high = Math.max(window.high, vote.block);
    windows.set(vote.proposalId, window);
    const support = multi ? 2 : vote.choice === 1 ? 1 : vote.choice === 2 ? 0 : 2;
    votes.push({ voter: vote.voter, proposalId: vote.proposalId, support, votes: vote.power, block: vote.block });
  }
  report.multiChoiceProposals = multiOption.size;
  const proposals = new Map<string, ProposalRecord>();
  for (const [id, { low, high }] of windows) proposals.set(id, { id, createdBlock: low, startBlock: low, endBlock: Math.max(high, low + 1), executed: false, canceled: false });
  return { format: 'snapshot', proposals, votes, snapshot: report };
}

/** The import's accounting in a few lines: nothing is dropped without a count. */
export function describeSnapshotImport(report: SnapshotImportReport): string[] {
  const lines = [`Snapshot columns: ${Object.entries(report.columns).map(([role, column]) => `${role}=${column}`).join(', ')}`];
  if (report.filteredOut > 0) lines.push(`${report.filteredOut} of ${report.rows} rows belong to other spaces or symbols and were left out`);
  const multi = Object.values(report.multiChoiceVotes).reduce((a, b) => a + b, 0);
  lines.push(`${report.basicVotes} votes on For/Against/Abstain proposals (choice 1 = For, 2 = Against, 3 = Abstain)`);
  if (multi > 0) {
    const forms = Object.entries(report.multiChoiceVotes).filter(([, n]) => n > 0).map(([form, n]) => `${n} ${form}`).join(', ');
    lines.push(
      `${multi} votes on ${report.multiChoiceProposals} multi-option proposals (${forms}) ${report.multiChoiceRule === 'abstain' ? 'counted as turnout with no side (as Abstain): their options are not For and Against' : 'left out (--multi-choice skip)'}`,
    );
  }
  if (report.unreadable.count > 0) lines.push(`${report.unreadable.count} rows skipped: choice not a number, list or object (first at line ${report.unreadable.firstLine})`);
  return lines;
}

/** The table as CSV text (members in the first column). */
export function featuresToCsv(table: FeatureTable): string {
  const lines = [['member', ...FEATURE_COLUMNS].join(',')];
  table.members.forEach((member, i) => lines.push([member, ...FEATURE_COLUMNS.map((c) => +table.columns[c][i]!.toPrecision(8))].join(',')));
  return `${lines.join('\n')}\n`;
}
