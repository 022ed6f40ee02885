/**
 * A seeded split of a member-keyed CSV (a feature table, a Snapshot vote export or a Governor event log) into
 * training and holdout files by member: every row of one member lands on the same side, so a generator fitted on
 * the training file is judged on members it never saw. Rows without a member (a log's ProposalCreated, Queued,
 * Executed events) go to both sides, so each side stays a complete log of the proposals.
 */
import { parse } from 'csv-parse/sync';
import { Rng } from '../../lib/rng.ts';
import { DataFileError, readDataText } from './csv.ts';

/** Column names tried, in order, when no member column is named. */
export const MEMBER_COLUMNS = ['member', 'voter', 'address'] as const;

export interface MemberSplit {
  header: string[];
  memberColumn: string;
  train: string[][];
  holdout: string[][];
  trainMembers: number;
  holdoutMembers: number;
  /** Rows without a member, written to both sides. */
  shared: number;
}

/**
 * Which members are held out: the distinct members (compared in lower case) in sorted order, shuffled by a
 * Fisher-Yates draw of `Rng.create(seed)`; the last `n - floor(n (1 - share))` are the holdout.
 */
export function holdoutMembers(members: readonly string[], share: number, seed: number): Set<string> {
  const order = [...new Set(members.map((m) => m.toLowerCase()))].sort();
  const indices = order.map((_, i) => i);
  Rng.create(seed).shuffle(indices);
  const cut = Math.floor(order.length * (1 - share));
  return new Set(indices.slice(cut).map((i) => order[i]!));
}

export function splitByMember(file: string, options: { share: number; seed: number; memberColumn?: string }): MemberSplit {
  const text = readDataText(file);
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new DataFileError(`${file}${e.lines ? `, line ${e.lines}` : ''}: not a valid CSV file: ${e.message}`);
  }
  const header = records[0];
  if (header === undefined || records.length < 2) throw new DataFileError(`${file}: no rows after the header`);
  const memberColumn = options.memberColumn ?? MEMBER_COLUMNS.find((c) => header.includes(c));
  if (memberColumn === undefined || !header.includes(memberColumn)) {
    throw new DataFileError(
      `${file}: no member column ${options.memberColumn !== undefined ? `'${options.memberColumn}'` : `(tried ${MEMBER_COLUMNS.join(', ')})`}; columns are ${header.slice(0, 12).join(', ')}${header.length > 12 ? ', ...' : ''} (name one with --member-column)`,
    );
  }
  const index = header.indexOf(memberColumn);
  const rows = records.slice(1);
  const members = rows.map((r) => r[index]!).filter((m) => m !== '');
  const distinct = new Set(members.map((m) => m.toLowerCase())).size;
  if (distinct < 2) throw new DataFileError(`${file}: column '${memberColumn}' holds ${distinct} member${distinct === 1 ? '' : 's'}; a split needs at least 2`);
  const held = holdoutMembers(members, options.share, options.seed);
  if (held.size === 0 || held.size === distinct) {
    throw new DataFileError(`${file}: a holdout share of ${options.share} of ${distinct} members leaves ${held.size === 0 ? 'no holdout member' : 'no training member'}`);
  }
  const train: string[][] = [];
  const holdout: string[][] = [];
  let shared = 0;
  for (const row of rows) {
    const member = row[index]!;
    if (member === '') {
      shared++;
      train.push(row);
      holdout.push(row);
    } else if (held.has(member.toLowerCase())) holdout.push(row);
    else train.push(row);
  }
  return { header, memberColumn, train, holdout, trainMembers: distinct - held.size, holdoutMembers: held.size, shared };
}

/** RFC 4180 CSV text: a field is quoted when it holds a comma, a quote or a line break. */
export function toCsv(header: string[], rows: string[][]): string {
  const field = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  return `${[header, ...rows].map((row) => row.map(field).join(',')).join('\n')}\n`;
}
