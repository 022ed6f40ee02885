/** `daogym report <run-id>`: (re)writes a run's HTML report, and prints the summary table. */
import type { Argv } from 'yargs';
import { outputDirectoryProblem } from '../../lib/paths.ts';
import { writeReport } from '../../runner/run.ts';
import { UsageError } from '../errors.ts';
import { getRunOrFail, openStore } from './show.ts';

interface ReportArgs {
  run: string;
  db: string;
  out: string;
  json: boolean;
}

export const command = 'report <run>';
export const describe = 'Write the HTML report of a run (to <out>/<run-id>/report.html)';

export function builder(yargs: Argv): Argv<ReportArgs> {
  return yargs
    .positional('run', { type: 'string', demandOption: true, describe: 'run id' })
    .option('db', { type: 'string', default: 'results/daogym.db', describe: 'SQLite database of runs' })
    .option('out', { type: 'string', default: 'results', describe: 'directory for reports' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
    .strict() as unknown as Argv<ReportArgs>;
}

export async function handler(args: ReportArgs): Promise<void> {
  const problem = outputDirectoryProblem(args.out);
  if (problem !== undefined) throw new UsageError(`--out: ${problem}`);
  const store = openStore(args.db);
  try {
    const run = getRunOrFail(store, args.run, args.db);
    const { path } = await writeReport(store, run, args.out);
    console.log(args.json ? JSON.stringify({ runId: run.id, report: path }) : `report: ${path}`);
  } finally {
    store.close();
  }
}
