/** `daogym export <run-id>`: a run's trials (or episodes) as CSV or JSON lines, to a file or stdout. */
import type { Argv } from 'yargs';
import { exportRun } from '../../runner/export.ts';
import { getRunOrFail, openStore } from './show.ts';

interface ExportArgs {
  run: string;
  db: string;
  format: 'csv' | 'jsonl';
  what: 'trials' | 'episodes';
  output?: string;
}

export const command = 'export <run>';
export const describe = 'Export a run to CSV or JSONL (one row per trial, or per episode)';

export function builder(yargs: Argv): Argv<ExportArgs> {
  return yargs
    .positional('run', { type: 'string', demandOption: true, describe: 'run id' })
    .option('db', { type: 'string', default: 'results/daogym.db', describe: 'SQLite database of runs' })
    .option('format', { choices: ['csv', 'jsonl'] as const, default: 'csv' as const, describe: 'output format' })
    .option('what', { choices: ['trials', 'episodes'] as const, default: 'trials' as const, describe: 'one row per trial or per episode' })
    .option('output', { alias: 'o', type: 'string', describe: 'file to write (default: stdout)' })
    .strict() as unknown as Argv<ExportArgs>;
}

export async function handler(args: ExportArgs): Promise<void> {
  const store = openStore(args.db);
  try {
    const run = getRunOrFail(store, args.run, args.db);
    try {
      const summary = await exportRun(store, run.id, args.format, args.output ?? process.stdout, { what: args.what });
      if (args.output !== undefined) console.error(`wrote ${summary.rows} rows to ${args.output}`);
    } catch (error) {
      // `daogym export ... | head`: the reader closing early is a normal end.
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
    }
  } finally {
    store.close();
  }
}
