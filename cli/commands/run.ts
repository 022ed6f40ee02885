/**
 * `daogym run <config.yaml>`: runs an experiment (trials on all local cores by default, or on BullMQ
 * workers with --executor bullmq), records it in SQLite and writes the HTML report. Ctrl-C stops
 * cleanly (running trials finish and are kept); `daogym resume <run-id>` or `run --resume` continues.
 */
import type { Argv } from 'yargs';
import { ConfigError, type ExperimentConfig } from '../../runner/config.ts';
import type { Executor } from '../../runner/executors.ts';
import { checkOutputs, findResumable, loadExperiment, resumeRun, runExperiment, type RunOptions, type RunOutcome } from '../../runner/run.ts';
import { Store, StoreError, StoreOpenError } from '../../runner/store.ts';
import { UsageError } from '../errors.ts';
import { progressReporter } from '../progress.ts';
import { printOutcome } from './show.ts';

export interface ExecutionArgs {
  db: string;
  out: string;
  workers?: number;
  executor: 'local' | 'bullmq';
  redis?: string;
  queue: string;
  json: boolean;
  quiet: boolean;
}

interface RunArgs extends ExecutionArgs {
  config: string;
  resume: boolean;
}

export function executionOptions<T>(yargs: Argv<T>): Argv<T & ExecutionArgs> {
  return yargs
    .option('db', { type: 'string', default: 'results/daogym.db', describe: 'SQLite database of runs (created if missing)' })
    .option('out', { type: 'string', default: 'results', describe: 'directory for reports (<out>/<run-id>/report.html)' })
    .option('workers', { type: 'number', describe: 'local worker threads; 1 runs in process (default: the config\'s, else one per core; compare, stress and sweep start in process and move to threads once the run proves long enough)' })
    .option('executor', { choices: ['local', 'bullmq'] as const, default: 'local' as const, describe: 'where trials run: local threads, or BullMQ workers on Redis' })
    .option('redis', { type: 'string', describe: 'Redis URL for --executor bullmq, e.g. redis://127.0.0.1:6379' })
    .option('queue', { type: 'string', default: 'daogym-trials', describe: 'BullMQ queue name' })
    .option('json', { type: 'boolean', default: false, describe: 'print the outcome as JSON' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress output' }) as unknown as Argv<T & ExecutionArgs>;
}

export function checkExecutionArgs(args: ExecutionArgs): void {
  if (args.workers !== undefined && !(Number.isInteger(args.workers) && args.workers >= 1 && args.workers <= 256)) {
    throw new UsageError(`--workers: must be an integer from 1 to 256, got ${args.workers}`);
  }
  if (args.executor === 'bullmq' && args.redis === undefined) throw new UsageError('--redis: required with --executor bullmq (e.g. redis://127.0.0.1:6379)');
  if (args.redis !== undefined && !/^rediss?:\/\/[^\s]+$/.test(args.redis)) throw new UsageError(`--redis: must be a redis:// or rediss:// URL, got '${args.redis}'`);
}

/** Runs `work` with progress, Ctrl-C handling and the executor the args ask for. */
export async function withExecution(args: ExecutionArgs, label: string, work: (options: RunOptions) => Promise<RunOutcome>): Promise<void> {
  const progress = progressReporter(label, args.quiet || args.json);
  const controller = new AbortController();
  // Exit codes of a stopped run: 128 + the signal's number, as shells report them (130 SIGINT, 143 SIGTERM).
  let stoppedBy: number | undefined;
  const onSignal = (code: number) => () => {
    if (stoppedBy !== undefined) process.exit(code);
    stoppedBy = code;
    process.stderr.write('\nstopping: running trials finish and are kept (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  const onSigint = onSignal(130);
  const onSigterm = onSignal(143);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  let executor: ((config: ExperimentConfig) => Promise<Executor>) | undefined;
  let preflight: (() => Promise<void>) | undefined;
  if (args.executor === 'bullmq') {
    const redis = args.redis!;
    executor = async (config) => {
      const { BullmqExecutor } = await import('../../runner/bullmq.ts');
      return new BullmqExecutor(config, { redis, queue: args.queue });
    };
    preflight = async () => (await import('../../runner/bullmq.ts')).checkReachable(redis);
  }
  let outcome: RunOutcome;
  try {
    outcome = await work({ db: args.db, out: args.out, workers: args.workers, executor, preflight, signal: controller.signal, onProgress: (p) => progress.update(p), onWarning: (w) => console.error(w) });
  } catch (error) {
    if (error instanceof StoreOpenError) throw new UsageError(`--db: ${error.message}`);
    if (error instanceof ConfigError || error instanceof StoreError) throw new UsageError(error.message);
    // Typed refusals from elsewhere (a trial's worker thread, the Redis client) arrive by name.
    if ((error as Error).name === 'RedisUnreachableError') throw new UsageError(`--redis: ${(error as Error).message}`);
    if ((error as Error).name === 'TrialInputError') throw new UsageError((error as Error).message);
    throw error;
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
  printOutcome(outcome, args);
  if (outcome.interrupted) process.exitCode = stoppedBy ?? 130;
}

export const command = 'run <config>';
export const describe = 'Run an experiment config (YAML): trials on local cores, results in SQLite, an HTML report';

export function builder(yargs: Argv): Argv<RunArgs> {
  return executionOptions(yargs)
    .positional('config', { type: 'string', demandOption: true, describe: 'experiment config, e.g. experiments/quorum-stress.yaml' })
    .option('resume', { type: 'boolean', default: false, describe: 'continue the newest unfinished run of this same config instead of starting a new one' })
    .strict() as unknown as Argv<RunArgs>;
}

export async function handler(args: RunArgs): Promise<void> {
  checkExecutionArgs(args);
  let resumeId: string | undefined;
  if (args.resume) {
    let config: ExperimentConfig;
    try {
      config = loadExperiment(args.config).config;
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message);
      throw error;
    }
    let store: Store;
    try {
      checkOutputs({ db: args.db, out: args.out });
      store = Store.open(args.db);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message);
      if (error instanceof StoreError) throw new UsageError(`--db: ${error.message}`);
      throw error;
    }
    try {
      resumeId = findResumable(store, config)?.id;
    } finally {
      store.close();
    }
    if (resumeId === undefined && !args.quiet && !args.json) console.error(`no unfinished run of ${args.config} in ${args.db}: starting a new one`);
  }
  await withExecution(args, resumeId ?? args.config, (options) => (resumeId !== undefined ? resumeRun(resumeId, options) : runExperiment(args.config, options)));
}
