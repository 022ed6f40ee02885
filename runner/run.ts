/**
 * One experiment run end to end: read and validate the config (nothing is written before it is valid),
 * open the store, create the run (or pick up an interrupted one), hand the unfinished trials to an
 * executor, record each result as it arrives (idempotent by run, trial key and seed), then write the
 * HTML report. A run stopped by a signal, or killed outright, resumes with `resume`: finished trials are
 * kept, only the missing ones run.
 */
import { existsSync } from 'node:fs';
import { InputFileError, MB, readInputText } from '../lib/inputs.ts';
import { writeFileAtomic } from '../lib/files.ts';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, parseExperimentWithWarnings, type ExperimentConfig } from './config.ts';
import { kindOf } from './kinds/index.ts';
import { localExecutor, type Executor } from './executors.ts';
import type { TrialContext } from './execute.ts';
import { planTrials, seedMajor } from './plan.ts';
import { analyse, type Analysis, type ReportSpec } from './report/analysis.ts';
import { buildReport } from './report/html.ts';
import { configHash, Store, StoreOpenError, trialId } from './store.ts';
import { makeDirectories, OutputPathError, outputDirectoryProblem, outputFileProblem } from '../lib/paths.ts';
import { codeVersion, machineDescription } from './version.ts';
import type { RunRecord, TrialResult, TrialSpec } from './types.ts';

export interface Progress {
  done: number;
  total: number;
  /** Trials finished in an earlier attempt of this run. */
  resumed: number;
  last?: TrialResult;
}

export interface RunOptions {
  /** Path of the database (created with its directory when missing). */
  db: string;
  /** Where reports go: `<out>/<run id>/report.html`. */
  out: string;
  workers?: number;
  /** Checked before a run is recorded (e.g. that Redis answers), so a failure leaves no run behind. */
  preflight?: () => Promise<void>;
  /** Builds the executor (default: local threads); the BullMQ executor plugs in here. */
  executor?: (config: ExperimentConfig, context: TrialContext) => Executor | Promise<Executor>;
  onProgress?: (progress: Progress) => void;
  /** Stops handing out trials; the run is marked interrupted and can be resumed. */
  signal?: AbortSignal;
  /** Skip the HTML report (tests). */
  report?: boolean;
  /** Plausibility warnings of the config (`file:line: field: warning: ...`), before any work starts. */
  onWarning?: (warning: string) => void;
}

export interface RunOutcome {
  run: RunRecord;
  interrupted: boolean;
  reportPath: string | null;
  /** The analysis the report shows (null without a report): the terminal summary prints it. */
  analysis: Analysis | null;
  executed: number;
}

/** Config files are small: a larger one is a mistake (a data file given as the config), refused before parsing. */
export const MAX_CONFIG_BYTES = MB;

/** Reads and validates a config file; a missing, unreadable or oversized file or a bad config is a ConfigError. */
export function loadExperiment(path: string): { config: ExperimentConfig; text: string; warnings: string[] } {
  let text: string;
  try {
    text = readInputText(path, 'a config file', MAX_CONFIG_BYTES);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    throw new ConfigError(error.message.endsWith(': no such file') ? `${path}: no such config file` : error.message, '(file)', null);
  }
  const { config, warnings } = parseExperimentWithWarnings(text, path);
  // Files the config names (generator models, event logs) are checked and resolved here, once, so a missing or
  // malformed one stops the run before any trial starts.
  kindOf(config).prepare?.(config, path);
  return { config, text, warnings };
}

export function reportSpecFor(config: ExperimentConfig): ReportSpec {
  return kindOf(config).reportSpec(config);
}

/**
 * Writes the run's HTML report to <out>/<run-id>/report.html (and stores it with the run); returns its path and
 * the analysis it shows, so the terminal summary reads the same analysis instead of computing it again.
 */
export async function writeReport(store: Store, run: RunRecord, out: string): Promise<{ path: string; analysis: Analysis }> {
  const config = run.config as ExperimentConfig;
  // Kinds with learning curves or rounds (train, search, loop) load them; the report draws them.
  const input = { run, trials: store.trials(run.id, { detail: kindOf(config).reportDetail }), spec: reportSpecFor(config), seed: config.seed };
  const analysis = analyse(input);
  const html = await buildReport(input, analysis);
  const path = join(out, run.id, 'report.html');
  try {
    makeDirectories(dirname(path));
  } catch (error) {
    // Checked writable before the run; made unwritable since. The trials are safe in the database.
    if (error instanceof OutputPathError) throw new ConfigError(`--out: ${error.message}; the run's results are in the database: write the report with \`daogym report ${run.id} --out DIR\``, 'out', null);
    throw error;
  }
  writeFileAtomic(path, html);
  store.addArtifact(run.id, 'report.html', 'text/html', html);
  return { path, analysis };
}

/** Results written per transaction, at most; and the longest a result waits to be written (ms). */
export const FLUSH_TRIALS = 200;
export const FLUSH_MS = 250;

async function execute(store: Store, run: RunRecord, config: ExperimentConfig, specs: TrialSpec[], options: RunOptions): Promise<RunOutcome> {
  const finished = store.finishedTrialIds(run.id);
  const todo = seedMajor(specs.filter((spec) => !finished.has(trialId(spec.key, spec.seed))));
  const resumed = specs.length - todo.length;
  let done = resumed;
  let executed = 0;
  options.onProgress?.({ done, total: specs.length, resumed });
  store.setRunStatus(run.id, 'running');
  // Trials that checkpoint inside themselves (the loop's rounds) keep them beside the database.
  const context: TrialContext = { checkpointDir: options.db === ':memory:' ? undefined : join(dirname(resolve(options.db)), 'checkpoints', run.id) };
  const executor = options.executor ? await options.executor(config, context) : localExecutor(config, options.workers, context);
  const onAbort = () => executor.stop();
  options.signal?.addEventListener('abort', onAbort);
  // Results are written in batches, each one transaction (FLUSH_TRIALS results or FLUSH_MS, whichever comes
  // first): a run killed outright loses at most the batch not yet written, which resume runs again.
  const pending: TrialResult[] = [];
  let lastFlush = performance.now();
  const flush = () => {
    if (pending.length === 0) return;
    const added = store.recordTrials(run.id, pending);
    done += added;
    executed += added;
    pending.length = 0;
    lastFlush = performance.now();
  };
  // A second Ctrl-C exits at once (process.exit): the batch in hand is written and the run is recorded as
  // interrupted, not left running.
  const onExit = () => {
    flush();
    store.setRunStatus(run.id, 'interrupted');
  };
  process.on('exit', onExit);
  try {
    if (options.signal?.aborted) executor.stop();
    await executor.run(todo, (result) => {
      pending.push(result);
      if (pending.length >= FLUSH_TRIALS || performance.now() - lastFlush >= FLUSH_MS) flush();
      options.onProgress?.({ done: done + pending.length, total: specs.length, resumed, last: result });
    });
    flush();
  } catch (error) {
    // The trials that finished before the failure are kept (resume runs the rest).
    flush();
    store.setRunStatus(run.id, 'failed');
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await executor.close();
    process.off('exit', onExit);
  }
  const complete = store.countTrials(run.id) >= specs.length;
  store.setRunStatus(run.id, complete ? 'done' : 'interrupted');
  const record = store.getRun(run.id)!;
  const report = complete && options.report !== false ? await writeReport(store, record, options.out) : null;
  return { run: store.getRun(run.id)!, interrupted: !complete, reportPath: report?.path ?? null, analysis: report?.analysis ?? null, executed };
}

/** Starts a new run of the config at `path`. */
export async function runExperiment(path: string, options: RunOptions): Promise<RunOutcome> {
  const { config, text, warnings } = loadExperiment(path);
  checkOutputs(options);
  for (const warning of warnings) options.onWarning?.(warning);
  const specs = planTrials(config);
  await options.preflight?.();
  // The report directory, checked above, is made only when the report is written: a refused run leaves none.
  const store = openStore(options.db);
  try {
    const run = store.createRun({
      name: config.name,
      kind: config.kind,
      config,
      configText: text,
      codeVersion: codeVersion(),
      backend: kindOf(config).backend,
      machine: machineDescription(),
      trialsPlanned: specs.length,
    });
    return await execute(store, run, config, specs, options);
  } finally {
    store.close();
  }
}

/** The newest unfinished run of this config (by config hash), for `run --resume`. */
export function findResumable(store: Store, config: ExperimentConfig): RunRecord | undefined {
  return store
    .findRunsByConfigHash(configHash(config))
    .filter((run) => run.status !== 'done')
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
}

/** Opens an existing database; a missing one is the user's mistake, and nothing is created. */
export function openExistingStore(db: string): Store {
  if (db.trim() === '') throw new ConfigError('--db: is empty; give the database `daogym run --db` wrote', 'db', null);
  if (db !== ':memory:' && !existsSync(db)) throw new ConfigError(`--db: no database at ${db} (runs are recorded where \`daogym run --db\` put them)`, 'db', null);
  return openStore(db);
}

/** Store.open, with a database that cannot be used reported as the --db argument's mistake. */
function openStore(db: string): Store {
  try {
    return Store.open(db);
  } catch (error) {
    if (error instanceof StoreOpenError) throw new ConfigError(`--db: ${error.message}`, 'db', null);
    throw error;
  }
}

/** The analysis of a stored run, as the report and the terminal summary show it. */
export function analyseRun(store: Store, run: RunRecord) {
  const config = run.config as ExperimentConfig;
  return analyse({ run, trials: store.trials(run.id), spec: reportSpecFor(config), seed: config.seed });
}

/**
 * The database and the report directory, checked before any work starts: a bad --db or --out is found now,
 * not after every trial has run. Nothing is written.
 */
export function checkOutputs(options: Pick<RunOptions, 'db' | 'out' | 'report'>): void {
  if (options.db !== ':memory:') {
    const problem = outputFileProblem(options.db);
    if (problem !== undefined) throw new ConfigError(`--db: ${problem}`, 'db', null);
  }
  if (options.report !== false) {
    const problem = outputDirectoryProblem(options.out);
    if (problem !== undefined) throw new ConfigError(`--out: ${problem}`, 'out', null);
  }
}

/** Continues run `runId` (its stored config; the config file is not needed). */
export async function resumeRun(runId: string, options: RunOptions): Promise<RunOutcome> {
  if (options.db.trim() === '') throw new ConfigError('--db: is empty; give the database `daogym run --db` wrote', 'db', null);
  checkOutputs(options);
  await options.preflight?.();
  const store = openExistingStore(options.db);
  try {
    const run = store.getRun(runId);
    if (run === undefined) throw new ConfigError(`run '${runId}' is not in ${options.db}; see \`daogym show --db ${options.db}\``, 'run', null);
    const config = run.config as ExperimentConfig;
    return await execute(store, run, config, planTrials(config), options);
  } finally {
    store.close();
  }
}
