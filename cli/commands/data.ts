/**
 * `daogym data import FILE`: reads a governance export (governor-events CSV, or a Snapshot-style vote
 * CSV with mappable columns) and writes the per-member feature table; prints the DAO-level statistics
 * (voters, largest voter, late votes, pass rate, concentration; turnout with --supply).
 * `daogym data split FILE --by member`: a seeded training / holdout split of a member-keyed CSV.
 */
import { basename, dirname, extname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../lib/files.ts';
import { makeDirectories, outputFileProblem } from '../../lib/paths.ts';
import type { Argv } from 'yargs';
import { DataFileError, readGovernorEvents, type GovernorEvents } from '../../generators/import/governor-events.ts';
import { DEFAULT_SNAPSHOT_COLUMNS, describeSnapshotImport, featuresToCsv, FEATURE_COLUMNS, memberFeatures, readSnapshotVotes, type SnapshotColumns, type SnapshotImportReport } from '../../generators/import/features.ts';
import { daoStatistics, median, quantile } from '../../generators/import/statistics.ts';
import { splitByMember, toCsv } from '../../generators/import/split.ts';
import { UsageError } from '../errors.ts';

interface ImportArgs {
  file: string;
  format: 'governor-events' | 'snapshot';
  columns?: string;
  space?: string;
  symbol?: string;
  multiChoice: 'abstain' | 'skip';
  out?: string;
  supply?: number;
  json: boolean;
}

interface SplitArgs {
  file: string;
  by: 'member';
  holdout: number;
  seed: number;
  memberColumn?: string;
  train?: string;
  holdoutOut?: string;
  json: boolean;
}

export const command = 'data <action>';
export const describe = 'Governance data: import an export into a member feature table; split it by member';

export function builder(yargs: Argv): Argv {
  return yargs
    .command(
      'import <file>',
      'Read a governor-events or Snapshot CSV; write the per-member feature table',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true, describe: 'the export to read' })
          .option('format', { choices: ['governor-events', 'snapshot'] as const, default: 'governor-events' as const, describe: 'the export format' })
          .option('columns', { type: 'string', describe: `Snapshot column names, e.g. voter=address,power=vp (roles: ${Object.keys(DEFAULT_SNAPSHOT_COLUMNS).join(', ')}); common spellings (voting_power, proposal_id, timestamp) are found without it` })
          .option('space', { type: 'string', describe: 'Snapshot: keep only this space of a multi-DAO export (e.g. aave.eth)' })
          .option('symbol', { type: 'string', describe: 'Snapshot: keep only rows of this token symbol' })
          .option('multi-choice', { choices: ['abstain', 'skip'] as const, default: 'abstain' as const, describe: 'Snapshot: votes on multi-option proposals (approval, ranked, weighted) count as turnout with no side, or are left out' })
          .option('out', { type: 'string', describe: 'write the feature table here (CSV)' })
          .option('supply', { type: 'number', describe: 'token supply in tokens, to report turnout as a share of it' })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
          .strict(),
      (args) => importHandler(args as unknown as ImportArgs),
    )
    .command(
      'split <file>',
      'Split a member-keyed CSV (feature table, vote export, event log) into training and holdout files, every member on one side',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true, describe: 'the CSV to split' })
          .option('by', { choices: ['member'] as const, default: 'member' as const, describe: 'what a row belongs to' })
          .option('holdout', { type: 'number', default: 0.2, describe: 'share of members held out (0 < share < 1)' })
          .option('seed', { type: 'number', default: 0, describe: 'seed of the shuffle' })
          .option('member-column', { type: 'string', describe: 'the member column (default: member, voter or address, the first present)' })
          .option('train', { type: 'string', describe: 'training file to write (default: FILE.train.csv beside FILE)' })
          .option('holdout-out', { type: 'string', describe: 'holdout file to write (default: FILE.holdout.csv beside FILE)' })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
          .strict(),
      (args) => splitHandler(args as unknown as SplitArgs),
    )
    .demandCommand(1, 'Give an action: import or split')
    .strict();
}

export function handler(): void {}

function parseColumns(spec: string | undefined): Partial<SnapshotColumns> {
  if (spec === undefined) return {};
  const mapping: Partial<SnapshotColumns> = {};
  for (const pair of spec.split(',')) {
    const [role, name] = pair.split('=');
    if (role === undefined || name === undefined || !(role in DEFAULT_SNAPSHOT_COLUMNS) || name === '') {
      throw new UsageError(`--columns: '${pair}' is not ROLE=NAME with ROLE one of ${Object.keys(DEFAULT_SNAPSHOT_COLUMNS).join(', ')}`);
    }
    mapping[role as keyof SnapshotColumns] = name;
  }
  return mapping;
}

function importHandler(args: ImportArgs): void {
  if (args.supply !== undefined && !(args.supply > 0 && Number.isFinite(args.supply))) throw new UsageError(`--supply must be a positive number of tokens, got ${args.supply}`);
  if (args.format !== 'snapshot') {
    for (const [flag, value] of [['--space', args.space], ['--symbol', args.symbol], ['--columns', args.columns]] as const) {
      if (value !== undefined) throw new UsageError(`${flag} applies to --format snapshot only`);
    }
  }
  if (args.out !== undefined) {
    const problem = outputFileProblem(args.out);
    if (problem !== undefined) throw new UsageError(`--out: ${problem}`);
  }
  let events: GovernorEvents;
  let snapshot: SnapshotImportReport | undefined;
  try {
    if (args.format === 'snapshot') {
      const read = readSnapshotVotes(args.file, parseColumns(args.columns), { space: args.space, symbol: args.symbol, multiChoice: args.multiChoice });
      events = read;
      snapshot = read.snapshot;
    } else events = readGovernorEvents(args.file);
  } catch (error) {
    if (error instanceof DataFileError) throw new UsageError(error.message);
    throw error;
  }
  if (events.votes.length === 0) throw new UsageError(`${args.file}: no votes to import${snapshot !== undefined ? ` (${describeSnapshotImport(snapshot).slice(1).join('; ')})` : ''}`);
  const table = memberFeatures(events);
  if (args.out !== undefined) {
    makeDirectories(dirname(resolve(args.out)));
    // An interrupted run leaves no half file.
    writeFileAtomic(args.out, featuresToCsv(table));
  }
  const summary: Record<string, unknown> = {
    file: args.file,
    proposals: events.proposals.size,
    votes: events.votes.length,
    members: table.members.length,
    features: Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, { median: median(Array.from(table.columns[c])) }])),
    out: args.out ?? null,
  };
  if (snapshot !== undefined) summary.snapshot = snapshot;
  const stats = daoStatistics(events, args.supply);
  const statistics: Record<string, number | null> = {};
  if (args.supply !== undefined) {
    statistics.medianTurnout = median(stats.turnout);
    statistics.turnoutP10 = quantile(stats.turnout, 0.1);
    statistics.turnoutP90 = quantile(stats.turnout, 0.9);
  }
  statistics.medianVoters = median(stats.voters);
  statistics.medianLargestVoterShare = median(stats.largestVoterShare);
  statistics.lateVoteShare = stats.lateVoteShare;
  statistics.passRate = Number.isNaN(stats.passRate) ? null : stats.passRate;
  statistics.giniTop1000 = stats.giniTop1000;
  statistics.top10Share = stats.top10Share;
  statistics.nakamoto = stats.nakamoto;
  summary.statistics = statistics;
  if (args.json) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(`${args.file}: ${summary.proposals} proposals, ${summary.votes} votes, ${summary.members} members${args.out ? ` -> ${args.out}` : ''}`);
  if (snapshot !== undefined) for (const line of describeSnapshotImport(snapshot)) console.log(`  ${line}`);
  for (const [key, value] of Object.entries(statistics)) {
    const shown = value === null ? 'n/a (Snapshot votes are not executed on chain)' : Number.isInteger(value) ? String(value) : value.toFixed(4);
    console.log(`  ${key.padEnd(24)} ${shown}`);
  }
  if (args.supply === undefined) console.log('  (turnout needs the token supply: add --supply TOKENS)');
  if (snapshot !== undefined) console.log('  (a Snapshot window runs from its first to its last vote: the late-vote share is relative to that span)');
}

function splitHandler(args: SplitArgs): void {
  if (!(args.holdout > 0 && args.holdout < 1)) throw new UsageError(`--holdout must be a share between 0 and 1 (e.g. 0.2), got ${args.holdout}`);
  if (!Number.isInteger(args.seed) || args.seed < 0) throw new UsageError(`--seed must be a non-negative integer, got ${args.seed}`);
  const stem = join(dirname(args.file), basename(args.file, extname(args.file)));
  const trainPath = args.train ?? `${stem}.train.csv`;
  const holdoutPath = args.holdoutOut ?? `${stem}.holdout.csv`;
  for (const [flag, path] of [['--train', trainPath], ['--holdout-out', holdoutPath]] as const) {
    const problem = outputFileProblem(path);
    if (problem !== undefined) throw new UsageError(`${flag}: ${problem}`);
    if (resolve(path) === resolve(args.file)) throw new UsageError(`${flag}: ${path} is the input file; give another path`);
  }
  if (resolve(trainPath) === resolve(holdoutPath)) throw new UsageError(`--train and --holdout-out are the same file ${trainPath}`);
  let split;
  try {
    split = splitByMember(args.file, { share: args.holdout, seed: args.seed, memberColumn: args.memberColumn });
  } catch (error) {
    if (error instanceof DataFileError) throw new UsageError(error.message);
    throw error;
  }
  for (const path of [trainPath, holdoutPath]) makeDirectories(dirname(resolve(path)));
  writeFileAtomic(trainPath, toCsv(split.header, split.train));
  writeFileAtomic(holdoutPath, toCsv(split.header, split.holdout));
  const summary = {
    file: args.file,
    by: args.by,
    memberColumn: split.memberColumn,
    seed: args.seed,
    holdoutShare: args.holdout,
    train: { path: trainPath, members: split.trainMembers, rows: split.train.length },
    holdout: { path: holdoutPath, members: split.holdoutMembers, rows: split.holdout.length },
    sharedRows: split.shared,
  };
  if (args.json) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(`${args.file}: ${split.trainMembers + split.holdoutMembers} members by '${split.memberColumn}', seed ${args.seed}`);
  console.log(`  train    ${split.trainMembers} members, ${split.train.length} rows -> ${trainPath}`);
  console.log(`  holdout  ${split.holdoutMembers} members, ${split.holdout.length} rows -> ${holdoutPath}`);
  if (split.shared > 0) console.log(`  ${split.shared} rows without a member (proposal events) are in both files`);
}
