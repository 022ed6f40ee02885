/**
 * Reads raw Governor event logs (the `governor-events` CSV format: one row per event, as exported from
 * Compound GovernorBravo / GovernorAlpha and Aave governance v2) into proposals and votes.
 * Compound VoteCast rows carry voter, proposalId, support (0/1/2 in Bravo, True/False in Alpha) and votes
 * in wei; Aave's carry voter, id, support (True/False) and votingPower. Fields may hold quoted multi-line
 * text, so a real CSV parser reads them; a malformed file gets one error naming the file and line.
 */
import { DataFileError, parseCsvFile } from './csv.ts';

export { DataFileError } from './csv.ts';

export interface ProposalRecord {
  id: string;
  createdBlock: number;
  startBlock: number;
  endBlock: number;
  executed: boolean;
  canceled: boolean;
}

export interface VoteRecord {
  voter: string;
  proposalId: string;
  /** 0 Against, 1 For, 2 Abstain. */
  support: number;
  /** Vote weight in whole tokens. */
  votes: number;
  block: number;
}

export interface GovernorEvents {
  format: 'compound' | 'aave-v2' | 'snapshot';
  proposals: Map<string, ProposalRecord>;
  votes: VoteRecord[];
}

const WEI = 1e18;

function number(value: string | undefined, file: string, line: number, column: string): number {
  const parsed = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(parsed)) {
    throw new DataFileError(`${file}, line ${line}: column '${column}' must be a number, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function support(value: string | undefined, file: string, line: number): number {
  if (value === 'True' || value === 'true') return 1;
  if (value === 'False' || value === 'false') return 0;
  const parsed = Number(value);
  if (parsed === 0 || parsed === 1 || parsed === 2) return parsed;
  throw new DataFileError(`${file}, line ${line}: column 'support' must be 0, 1, 2, True or False, got ${JSON.stringify(value)}`);
}

/** The proposal id as written (Compound writes "43.0"): normalised to an integer string. */
function proposalKey(value: string | undefined, file: string, line: number, column: string): string {
  return String(Math.round(number(value, file, line, column)));
}

/** No token's supply reaches this many whole tokens: a larger vote weight is a unit mistake or garbage. */
export const MAX_TOKENS = 1e15;

export function readGovernorEvents(file: string): GovernorEvents {
  const rows = parseCsvFile<{ record: Record<string, string>; info: { lines: number } }>(file, { columns: true, skip_empty_lines: true, info: true }).map(({ record, info }) => ({
    record,
    line: info.lines,
  }));
  if (rows.length === 0) throw new DataFileError(`${file}: no rows`);
  const columns = Object.keys(rows[0]!.record);
  if (!columns.includes('event_name') || !columns.includes('block_number')) {
    throw new DataFileError(`${file}: not a governor-events export (needs columns event_name and block_number; found ${columns.slice(0, 8).join(', ')}...)`);
  }
  const format = columns.includes('votingPower') ? 'aave-v2' : columns.includes('votes') ? 'compound' : undefined;
  if (format === undefined) throw new DataFileError(`${file}: cannot tell the governor: expected a 'votes' (Compound) or 'votingPower' (Aave v2) column`);

  const proposals = new Map<string, ProposalRecord>();
  const votes: VoteRecord[] = [];
  const voteLines: number[] = [];
  const executed = new Set<string>();
  const canceled = new Set<string>();
  for (const { record, line } of rows) {
    const event = record.event_name;
    const block = number(record.block_number, file, line, 'block_number');
    if (event === 'ProposalCreated') {
      const id = proposalKey(record.id, file, line, 'id');
      const startBlock = number(record.startBlock, file, line, 'startBlock');
      const endBlock = number(record.endBlock, file, line, 'endBlock');
      if (endBlock < startBlock) throw new DataFileError(`${file}, line ${line}: endBlock ${endBlock} is before startBlock ${startBlock}`);
      proposals.set(id, { id, createdBlock: block, startBlock, endBlock, executed: false, canceled: false });
    } else if (event === 'VoteCast' || event === 'VoteEmitted') {
      const proposalId = proposalKey(format === 'aave-v2' ? record.id : record.proposalId, file, line, format === 'aave-v2' ? 'id' : 'proposalId');
      const weightColumn = format === 'aave-v2' ? 'votingPower' : 'votes';
      const weight = number(record[weightColumn], file, line, weightColumn) / WEI;
      if (weight < 0) throw new DataFileError(`${file}, line ${line}: column '${weightColumn}' must be a finite number >= 0 (in wei), got ${record[weightColumn]}`);
      if (weight > MAX_TOKENS) throw new DataFileError(`${file}, line ${line}: column '${weightColumn}' is ${weight.toExponential(2)} tokens, above any token supply (${MAX_TOKENS.toExponential(0)}); weights are in wei (18 decimals)`);
      const voter = record.voter;
      if (voter === undefined || voter === '') throw new DataFileError(`${file}, line ${line}: column 'voter' is empty`);
      votes.push({ voter: voter.toLowerCase(), proposalId, support: support(record.support, file, line), votes: weight, block });
      voteLines.push(line);
    } else if (event === 'ProposalExecuted') {
      executed.add(proposalKey(record.id, file, line, 'id'));
    } else if (event === 'ProposalCanceled') {
      canceled.add(proposalKey(record.id, file, line, 'id'));
    }
  }
  // A vote needs its proposal's window (timing, tenure): a log cut after the proposal was created cannot give it.
  votes.forEach((vote, i) => {
    if (!proposals.has(vote.proposalId)) {
      throw new DataFileError(`${file}, line ${voteLines[i]}: VoteCast on proposal ${vote.proposalId}, which the file never creates (export the log from before the proposal's ProposalCreated event)`);
    }
  });
  for (const [id, proposal] of proposals) {
    proposal.executed = executed.has(id);
    proposal.canceled = canceled.has(id);
  }
  return { format, proposals, votes };
}

/** Token supplies from governance_token_supplies.csv (symbol, address, supply in wei). */
export function readTokenSupplies(file: string): Map<string, number> {
  const rows = parseCsvFile<Record<string, string>>(file, { columns: true, skip_empty_lines: true });
  return new Map(rows.map((row) => [row.symbol!, Number(row.supply) / WEI]));
}
