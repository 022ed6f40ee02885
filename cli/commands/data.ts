/**
 * `daogym data import FILE`: reads a governance export (governor-events CSV, or a Snapshot-style vote
 * CSV with mappable columns) and writes the per-member feature table; with --supply, also prints the
 * DAO-level statistics (turnout, voters, largest voter, late votes, pass rate, concentration).
 */
import { writeFileAtomic } from '../../lib/files.ts';
import type { Argv } from 'yargs';
import { DataFileError, readGovernorEvents } from '../../generators/import/governor-events.ts';
import { DEFAULT_SNAPSHOT_COLUMNS, featuresToCsv, FEATURE_COLUMNS, memberFeatures, readSnapshotVotes, type SnapshotColumns } from '../../generators/import/features.ts';
import { daoStatistics, median, quantile } from '../../generators/import/statistics.ts';
import { UsageError } from '../errors.ts';

interface ImportArgs {
  file: string;
  format: 'governor-events' | 'snapshot';
  columns?: string;
  out?: string;
  supply?: number;
  json: boolean;
}

export const command = 'data <action>';
export const describe = 'Governance data: import an export into a member feature table';

export function builder(yargs: Argv): Argv {
  return yargs
    .command(
      'import <file>',
      'Read a governor-events or Snapshot CSV; write the per-member feature table',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true, describe: 'the export to read' })
          .option('format', { choices: ['governor-events', 'snapshot'] as const, default: 'governor-events' as const, describe: 'the export format' })
          .option('columns', { type: 'string', describe: `Snapshot column names, e.g. voter=address,power=vp (roles: ${Object.keys(DEFAULT_SNAPSHOT_COLUMNS).join(', ')})` })
          .option('out', { type: 'string', describe: 'write the feature table here (CSV)' })
          .option('supply', { type: 'number', describe: 'token supply, to report DAO-level statistics' })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
          .strict(),
      (args) => importHandler(args as unknown as ImportArgs),
    )
    .demandCommand(1, 'Give an action: import')
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
  if (args.supply !== undefined && !(args.supply > 0)) throw new UsageError(`--supply must be a positive number, got ${args.supply}`);
  let events;
  try {
    events = args.format === 'snapshot' ? readSnapshotVotes(args.file, parseColumns(args.columns)) : readGovernorEvents(args.file);
  } catch (error) {
    if (error instanceof DataFileError) throw new UsageError(error.message);
    throw error;
  }
  const table = memberFeatures(events);
  if (args.out !== undefined) {
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
  if (args.supply !== undefined) {
    const stats = daoStatistics(events, args.supply);
    summary.statistics = {
      medianTurnout: median(stats.turnout),
      turnoutP10: quantile(stats.turnout, 0.1),
      turnoutP90: quantile(stats.turnout, 0.9),
      medianVoters: median(stats.voters),
      medianLargestVoterShare: median(stats.largestVoterShare),
      lateVoteShare: stats.lateVoteShare,
      passRate: stats.passRate,
      giniTop1000: stats.giniTop1000,
      top10Share: stats.top10Share,
      nakamoto: stats.nakamoto,
    };
  }
  if (args.json) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(`${args.file}: ${summary.proposals} proposals, ${summary.votes} votes, ${summary.members} members${args.out ? ` -> ${args.out}` : ''}`);
  if (summary.statistics) {
    for (const [key, value] of Object.entries(summary.statistics as Record<string, number>)) console.log(`  ${key.padEnd(24)} ${Number.isInteger(value) ? value : value.toFixed(4)}`);
  }
}
