/**
 * Export of a run's results to CSV or JSONL, one row per trial (or per episode).
 *
 * Trial rows: run_id, trial_key, seed_index, seed, variant, `param.<name>` for each factor, `metric.<name>`
 * for each metric, attack_outcome and attack_reason (runs with scripted attacks: how the attack ended and why),
 * duration_ms. Names appear in the order the run first reported them; a trial without a
 * value leaves its cell empty. JSONL nests params and metrics: {run_id, ..., params: {}, metrics: {}, duration_ms}.
 *
 * Trajectory rows (`what: 'trajectories'`): the identity columns, then one row per event of a recorded season
 * (envs/dao/trajectory.ts: block, day, event, proposal, ..., votes, usd, treasury and price).
 *
 * Episode rows: run_id, trial_key, seed_index, seed, variant, episode (its index in the trial), then
 * `data.<field>` for each field (JSONL nests them under `data`).
 *
 * CSV follows RFC 4180 (CRLF line ends; a field holding a comma, quote, CR or LF, or with surrounding spaces,
 * is quoted, and quotes inside are doubled). csv-stringify is not a dependency, so the quoting is here.
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { makeDirectories } from '../lib/paths.ts';
import { dirname } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StoreError, type Store } from './store.ts';
import type { ArtifactRecord, EpisodeRecord, TrialResult } from './types.ts';
import { decodeTrajectory, TRAJECTORY_ARTIFACT, TRAJECTORY_COLUMNS, trajectoryRow } from '../envs/dao/trajectory.ts';

export type ExportFormat = 'csv' | 'jsonl';
export type ExportWhat = 'trials' | 'episodes' | 'artifacts' | 'trajectories';

export interface ExportOptions {
  /**
   * 'trials' (default): one row per trial; 'episodes': one row per recorded episode; 'artifacts': one row per
   * stored artifact (not its content); 'trajectories': one row per event of every recorded season timeline.
   */
  what?: ExportWhat;
}

export interface ExportSummary {
  rows: number;
}

type Cell = string | number | boolean | null | undefined;

/** One CSV field per RFC 4180; numbers in their shortest round-trip form, null/undefined as an empty field. */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: readonly Cell[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/**
 * Writes the run to `output`: a path (its directory is created; the file is replaced) or a stream, which is
 * left open (so process.stdout can be passed). Fails with a StoreError when the run does not exist.
 */
export async function exportRun(
  store: Store,
  runId: string,
  format: ExportFormat,
  output: Writable | string,
  options: ExportOptions = {},
): Promise<ExportSummary> {
  if (store.getRun(runId) === undefined) throw new StoreError(`no run with id ${runId} in ${store.path}`);
  const summary: ExportSummary = { rows: 0 };
  const what = options.what ?? 'trials';
  // Refused before any output exists.
  if (what === 'trajectories' && !store.listArtifacts(runId).some((info) => info.name === TRAJECTORY_ARTIFACT && info.trialKey !== undefined)) {
    throw new StoreError(`run ${runId} recorded no trajectories: set trajectories: N in its config (the first N seeds of every cell keep their season timeline) and run it again`);
  }
  const lines =
    what === 'trials'
      ? trialLines(store, runId, format, summary)
      : what === 'episodes'
        ? episodeLines(store, runId, format, summary)
        : what === 'artifacts'
          ? artifactLines(store, runId, format, summary)
          : trajectoryLines(store, runId, format, summary);
  const source = Readable.from(inChunks(lines), { objectMode: false });
  if (typeof output === 'string') {
    makeDirectories(dirname(output));
    // Whole or not at all: written beside the target, renamed when complete; a failure leaves no part file.
    const temporary = `${output}.tmp-${process.pid}`;
    try {
      await pipeline(source, createWriteStream(temporary));
      renameSync(temporary, output);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
  } else {
    await pipeline(source, output, { end: false });
  }
  return summary;
}

/** Lines joined into chunks of about 64 KiB: far fewer writes than one per row. */
function* inChunks(lines: Iterable<string>): Generator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

const IDENTITY_COLUMNS = ['run_id', 'trial_key', 'seed_index', 'seed', 'variant'] as const;

function identity(runId: string, trial: TrialResult) {
  return { run_id: runId, trial_key: trial.key, seed_index: trial.seedIndex, seed: trial.seed, variant: trial.variant };
}

/** Names in the order they first appear across the rows. */
function unionOfKeys(objects: Iterable<Record<string, unknown>>): string[] {
  const names = new Set<string>();
  for (const object of objects) for (const name of Object.keys(object)) names.add(name);
  return [...names];
}

/** JSON has no NaN or Infinity; they become null, as JSON.stringify makes them. */
function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

function* trialLines(store: Store, runId: string, format: ExportFormat, summary: ExportSummary): Generator<string> {
  const trials = store.trials(runId);
  if (format === 'jsonl') {
    for (const trial of trials) {
      const outcomes = trial.outcomes === undefined ? {} : { outcomes: trial.outcomes };
      yield jsonLine({ ...identity(runId, trial), params: trial.params, metrics: trial.metrics, ...outcomes, duration_ms: trial.durationMs });
      summary.rows++;
    }
    return;
  }
  const params = unionOfKeys(trials.map((trial) => trial.params));
  const metrics = unionOfKeys(trials.map((trial) => trial.metrics));
  const withOutcomes = trials.some((trial) => trial.outcomes !== undefined);
  yield csvLine([
    ...IDENTITY_COLUMNS,
    ...params.map((name) => `param.${name}`),
    ...metrics.map((name) => `metric.${name}`),
    ...(withOutcomes ? ['attack_outcome', 'attack_reason'] : []),
    'duration_ms',
  ]);
  for (const trial of trials) {
    yield csvLine([
      runId,
      trial.key,
      trial.seedIndex,
      trial.seed,
      trial.variant,
      ...params.map((name) => trial.params[name]),
      ...metrics.map((name) => trial.metrics[name]),
      ...(withOutcomes ? outcomeCells(trial) : []),
      trial.durationMs,
    ]);
    summary.rows++;
  }
}

/**
 * The attack_outcome and attack_reason cells: the outcome and its reason for a trial with one attempt; with
 * several, "executed:3;defeated:5" and the reason of the most frequent.
 */
function outcomeCells(trial: TrialResult): [string | null, string | null] {
  const outcomes = trial.outcomes ?? [];
  if (outcomes.length === 0) return [null, null];
  if (outcomes.length === 1 && outcomes[0]!.count === 1) return [outcomes[0]!.outcome, outcomes[0]!.reason];
  return [outcomes.map((o) => `${o.outcome}:${o.count}`).join(';'), outcomes[0]!.reason];
}

function* episodeLines(store: Store, runId: string, format: ExportFormat, summary: ExportSummary): Generator<string> {
  const fields = store.episodeFields(runId);
  if (format === 'csv') yield csvLine([...IDENTITY_COLUMNS, 'episode', ...fields.map((name) => `data.${name}`)]);
  // One trial's episodes at a time, so a run with many episodes is never all in memory.
  for (const trial of store.trials(runId)) {
    const episodes: EpisodeRecord[] = store.episodes(runId, trial.key, trial.seed);
    for (const [index, data] of episodes.entries()) {
      yield format === 'jsonl'
        ? jsonLine({ ...identity(runId, trial), episode: index, data })
        : csvLine([runId, trial.key, trial.seedIndex, trial.seed, trial.variant, index, ...fields.map((name) => data[name])]);
      summary.rows++;
    }
  }
}

function* artifactLines(store: Store, runId: string, format: ExportFormat, summary: ExportSummary): Generator<string> {
  const columns = ['run_id', 'trial_key', 'seed', 'name', 'media_type', 'bytes'] as const;
  if (format === 'csv') yield csvLine(columns);
  for (const info of store.listArtifacts(runId)) {
    const row = { run_id: runId, trial_key: info.trialKey ?? null, seed: info.seed ?? null, name: info.name, media_type: info.mediaType, bytes: info.bytes };
    yield format === 'jsonl' ? jsonLine(row) : csvLine(columns.map((column) => row[column]));
    summary.rows++;
  }
}

/**
 * Trajectory rows: the trial's identity, then one row per event with TRAJECTORY_COLUMNS (units in docs and in the
 * column names: votes, usd, blocks, days). Trials are read one at a time.
 */
function* trajectoryLines(store: Store, runId: string, format: ExportFormat, summary: ExportSummary): Generator<string> {
  const recorded = store.listArtifacts(runId).filter((info) => info.name === TRAJECTORY_ARTIFACT && info.trialKey !== undefined);
  const trials = new Map(store.trials(runId).map((t) => [`${t.key}\u0000${t.seed}`, t]));
  const columns = TRAJECTORY_COLUMNS.map((c) => c.name);
  if (format === 'csv') yield csvLine([...IDENTITY_COLUMNS, ...columns]);
  for (const info of recorded) {
    const trial = trials.get(`${info.trialKey}\u0000${info.seed}`);
    const artifact = store.artifact(runId, TRAJECTORY_ARTIFACT, { key: info.trialKey!, seed: info.seed! });
    if (trial === undefined || artifact === undefined) continue;
    const { events } = decodeTrajectory(artifact.content);
    for (const event of events) {
      const row = trajectoryRow(event);
      yield format === 'jsonl' ? jsonLine({ ...identity(runId, trial), ...row }) : csvLine([runId, trial.key, trial.seedIndex, trial.seed, trial.variant, ...columns.map((c) => row[c])]);
      summary.rows++;
    }
  }
}

/**
 * The one artifact of a run called `name` (narrowed by trial seed and key where several trials hold one of
 * that name); a StoreError that says what is there when there is none or more than one.
 */
export function findArtifact(store: Store, runId: string, name: string, select: { seed?: number; trial?: string } = {}): ArtifactRecord {
  const all = store.listArtifacts(runId);
  const named = all.filter((info) => info.name === name);
  if (named.length === 0) {
    const names = [...new Set(all.map((info) => info.name))];
    throw new StoreError(`run ${runId} has no artifact '${name}'; ${names.length === 0 ? 'it has none' : `it has: ${names.slice(0, 12).join(', ')}${names.length > 12 ? `, ... (${names.length} names; --what artifacts lists them)` : ''}`}`);
  }
  const matches = named.filter((info) => (select.seed === undefined || info.seed === select.seed) && (select.trial === undefined || info.trialKey === select.trial));
  const where = (infos: typeof named) => infos.map((info) => (info.trialKey === undefined ? 'the run' : `trial ${info.trialKey} seed ${info.seed}`)).join('; ');
  if (matches.length === 0) throw new StoreError(`run ${runId} has no artifact '${name}' for ${[select.trial === undefined ? '' : `trial ${select.trial}`, select.seed === undefined ? '' : `seed ${select.seed}`].filter(Boolean).join(' ')}; it is in: ${where(named)}`);
  if (matches.length > 1) throw new StoreError(`artifact '${name}' is in ${matches.length} places (${where(matches)}); pick one with --seed${new Set(matches.map((m) => m.trialKey)).size > 1 ? ' and --trial' : ''}`);
  const info = matches[0]!;
  const trial = info.trialKey === undefined ? undefined : { key: info.trialKey, seed: info.seed! };
  return store.artifact(runId, name, trial)!;
}
