/** `daogym show [run-id]`: the runs in a database, or one run's status and summary table. */
import type { Argv } from 'yargs';
import { ConfigError } from '../../runner/config.ts';
import { analyseRun, openExistingStore, type RunOutcome } from '../../runner/run.ts';
import { StoreError, StoreOpenError, type Store } from '../../runner/store.ts';
import { formatSummary } from '../../runner/summary.ts';
import type { RunRecord } from '../../runner/types.ts';
import { UsageError } from '../errors.ts';

interface ShowArgs {
  run?: string;
  db: string;
  json: boolean;
}

export const command = 'show [run]';
export const describe = 'List the runs in the database, or show one run (status, trials, summary)';

export function builder(yargs: Argv): Argv<ShowArgs> {
  return yargs
    .positional('run', { type: 'string', describe: 'run id (omit to list runs)' })
    .option('db', { type: 'string', default: 'results/daogym.db', describe: 'SQLite database of runs' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
    .strict() as unknown as Argv<ShowArgs>;
}

export function openStore(db: string): Store {
  try {
    return openExistingStore(db);
  } catch (error) {
    if (error instanceof StoreOpenError) throw new UsageError(`--db: ${error.message}`);
    if (error instanceof ConfigError || error instanceof StoreError) throw new UsageError(error.message);
    throw error;
  }
}

export function getRunOrFail(store: Store, id: string, db: string): RunRecord {
  const run = store.getRun(id);
  if (run === undefined) {
    const known = store.listRuns().map((r) => r.id);
    throw new UsageError(`run '${id}' is not in ${db}; ${known.length === 0 ? 'it has no runs' : `runs: ${known.slice(-5).join(', ')}${known.length > 5 ? ', ...' : ''}`}`);
  }
  return run;
}

function runLine(run: RunRecord, done: number): string {
  return `${run.id.padEnd(26)} ${run.kind.padEnd(8)} ${run.status.padEnd(11)} ${`${done}/${run.trialsPlanned}`.padStart(11)}  ${run.name}`;
}

export function handler(args: ShowArgs): void {
  const store = openStore(args.db);
  try {
    if (args.run === undefined) {
      const runs = store.listRuns();
      if (args.json) {
        console.log(JSON.stringify(runs.map((run) => ({ ...run, config: undefined, configText: undefined, trialsDone: store.countTrials(run.id) }))));
        return;
      }
      if (runs.length === 0) console.log(`no runs in ${args.db}`);
      else {
        console.log(`${'run'.padEnd(26)} ${'kind'.padEnd(8)} ${'status'.padEnd(11)} ${'trials'.padStart(11)}  name`);
        for (const run of runs) console.log(runLine(run, store.countTrials(run.id)));
      }
      return;
    }
    const run = getRunOrFail(store, args.run, args.db);
    const analysis = analyseRun(store, run);
    if (args.json) {
      console.log(JSON.stringify({ run: { ...run, configText: undefined }, trialsDone: store.countTrials(run.id), analysis }));
      return;
    }
    console.log(`run ${run.id}: ${run.name} (${run.kind}), ${run.status}, ${store.countTrials(run.id)}/${run.trialsPlanned} trials`);
    console.log(`code ${run.codeVersion}, ${run.machine}, created ${run.createdAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ''}`);
    console.log(formatSummary(analysis));
  } finally {
    store.close();
  }
}

export function printOutcome(outcome: RunOutcome, options: { db: string; json: boolean }): void {
  const { run } = outcome;
  if (options.json) {
    console.log(JSON.stringify({ runId: run.id, status: run.status, interrupted: outcome.interrupted, executed: outcome.executed, report: outcome.reportPath, db: options.db }));
    return;
  }
  if (outcome.interrupted) {
    console.log(`run ${run.id} interrupted after ${outcome.executed} new trials; continue with: daogym resume ${run.id} --db ${options.db}`);
    return;
  }
  if (outcome.analysis !== null) console.log(formatSummary(outcome.analysis));
  else {
    const store = openStore(options.db);
    try {
      console.log(formatSummary(analyseRun(store, store.getRun(run.id)!)));
    } finally {
      store.close();
    }
  }
  console.log(`run ${run.id}: ${outcome.executed} trials run, ${run.trialsPlanned} in all; database ${options.db}`);
  if (outcome.reportPath) console.log(`report: ${outcome.reportPath}`);
}
