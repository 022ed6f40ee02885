/**
 * `daogym export <run-id>`: a run's trials, episodes or list of artifacts as CSV or JSON lines, to a file or
 * stdout; or, with --artifact, one stored artifact's content (a loop's generator checkpoints and per-round
 * loss distributions, final protocols, the run's report).
 */
import { makeDirectories, outputFileProblem } from '../../lib/paths.ts';
import { dirname } from 'node:path';
import type { Argv } from 'yargs';
import { writeFileAtomic } from '../../lib/files.ts';
import { exportRun, findArtifact } from '../../runner/export.ts';
import { StoreError } from '../../runner/store.ts';
import { UsageError } from '../errors.ts';
import { getRunOrFail, openStore } from './show.ts';

interface ExportArgs {
  run: string;
  db: string;
  format: 'csv' | 'jsonl';
  what: 'trials' | 'episodes' | 'artifacts' | 'trajectories';
  artifact?: string;
  seed?: number;
  trial?: string;
  output?: string;
}

export const command = 'export <run>';
export const describe = 'Export a run to CSV or JSONL (one row per trial, episode or artifact), or write one artifact';

export function builder(yargs: Argv): Argv<ExportArgs> {
  return yargs
    .positional('run', { type: 'string', demandOption: true, describe: 'run id' })
    .option('db', { type: 'string', default: 'results/daogym.db', describe: 'SQLite database of runs' })
    .option('format', { choices: ['csv', 'jsonl'] as const, default: 'csv' as const, describe: 'output format' })
    .option('what', { choices: ['trials', 'episodes', 'artifacts', 'trajectories'] as const, default: 'trials' as const, describe: 'one row per trial, per episode, per stored artifact, or per event of the recorded season timelines (config: trajectories: N)' })
    .option('artifact', { type: 'string', describe: 'write this artifact\'s content instead (a name from --what artifacts)' })
    .option('seed', { type: 'number', describe: 'with --artifact: the trial seed it belongs to' })
    .option('trial', { type: 'string', describe: 'with --artifact: the trial key it belongs to' })
    .option('output', { alias: 'o', type: 'string', describe: 'file to write (default: stdout)' })
    .strict() as unknown as Argv<ExportArgs>;
}

export async function handler(args: ExportArgs): Promise<void> {
  if (args.artifact === undefined && (args.seed !== undefined || args.trial !== undefined)) throw new UsageError(`--${args.seed !== undefined ? 'seed' : 'trial'} picks the trial of an --artifact; give --artifact NAME too`);
  if (args.seed !== undefined && (!Number.isInteger(args.seed) || args.seed < 0)) throw new UsageError(`--seed must be a non-negative integer, got ${args.seed}`);
  if (args.output !== undefined) {
    const problem = outputFileProblem(args.output);
    if (problem !== undefined) throw new UsageError(`-o: ${problem}`);
  }
  const store = openStore(args.db);
  try {
    const run = getRunOrFail(store, args.run, args.db);
    if (args.artifact !== undefined) {
      let artifact;
      try {
        artifact = findArtifact(store, run.id, args.artifact, { seed: args.seed, trial: args.trial });
      } catch (error) {
        if (error instanceof StoreError) throw new UsageError(`--artifact: ${error.message}`);
        throw error;
      }
      if (args.output === undefined) process.stdout.write(artifact.content);
      else {
        makeDirectories(dirname(args.output));
        writeFileAtomic(args.output, artifact.content);
        console.error(`wrote ${args.artifact} (${artifact.mediaType}, ${Buffer.byteLength(artifact.content)} bytes) to ${args.output}`);
      }
      return;
    }
    try {
      const summary = await exportRun(store, run.id, args.format, args.output ?? process.stdout, { what: args.what });
      if (args.output !== undefined) console.error(`wrote ${summary.rows} rows to ${args.output}`);
    } catch (error) {
      // A run without what was asked for (no recorded trajectories) is the user's to fix.
      if (error instanceof StoreError) throw new UsageError(`--what ${args.what}: ${error.message}`);
      // `daogym export ... | head`: the reader closing early is a normal end.
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
    }
  } finally {
    store.close();
  }
}
