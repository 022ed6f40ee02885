/** `daogym report <run-id>`: (re)writes a run's HTML report, and prints the summary table. */
import type { Argv } from 'yargs';
import { outputDirectoryProblem } from '../../lib/paths.ts';
import { writeReport } from '../../runner/run.ts';
import { StoreError } from '../../runner/store.ts';
import { writeTrialReport } from '../../runner/trial-report.ts';
import { UsageError } from '../errors.ts';
import { getRunOrFail, openStore } from './show.ts';

interface ReportArgs {
  run: string;
  db: string;
  out: string;
  json: boolean;
  trial?: string;
  seed?: number;
}

export const command = 'report <run>';
export const describe = 'Write the HTML report of a run (to <out>/<run-id>/report.html), or replay one recorded trial (--trial KEY --seed S)';

export function builder(yargs: Argv): Argv<ReportArgs> {
  return yargs
    .positional('run', { type: 'string', demandOption: true, describe: 'run id' })
    .option('db', { type: 'string', default: 'results/daogym.db', describe: 'SQLite database of runs' })
    .option('out', { type: 'string', default: 'results', describe: 'directory for reports' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
    .option('trial', { type: 'string', describe: 'replay this trial (its key, as `daogym export RUN` prints it) from its recorded trajectory' })
    .option('seed', { type: 'number', describe: 'with --trial: the trial seed' })
    .strict() as unknown as Argv<ReportArgs>;
}

export async function handler(args: ReportArgs): Promise<void> {
  const problem = outputDirectoryProblem(args.out);
  if (problem !== undefined) throw new UsageError(`--out: ${problem}`);
  if ((args.trial === undefined) !== (args.seed === undefined)) throw new UsageError(`--trial and --seed go together: a trial is its key and its seed (daogym export RUN --what artifacts lists the recorded ones)`);
  if (args.seed !== undefined && (!Number.isInteger(args.seed) || args.seed < 0)) throw new UsageError(`--seed must be a non-negative integer (a trial seed), got ${args.seed}`);
  const store = openStore(args.db);
  try {
    const run = getRunOrFail(store, args.run, args.db);
    if (args.trial !== undefined) {
      let path: string;
      try {
        path = await writeTrialReport(store, run, args.trial, args.seed!, args.out);
      } catch (error) {
        if (error instanceof StoreError) throw new UsageError(`--trial: ${error.message}`);
        throw error;
      }
      console.log(args.json ? JSON.stringify({ runId: run.id, trial: args.trial, seed: args.seed, report: path }) : `report: ${path}`);
      return;
    }
    const { path } = await writeReport(store, run, args.out);
    console.log(args.json ? JSON.stringify({ runId: run.id, report: path }) : `report: ${path}`);
  } finally {
    store.close();
  }
}
