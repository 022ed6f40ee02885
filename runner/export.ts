/**
 * Export of a run's results to CSV or JSONL, one row per trial (or per episode).
 *
 * Trial rows: run_id, trial_key, seed_index, seed, variant, `param.<name>` for each factor, `metric.<name>`
 * for each metric, duration_ms. Names appear in the order the run first reported them; a trial without a
 * value leaves its cell empty. JSONL nests params and metrics: {run_id, ..., params: {}, metrics: {}, duration_ms}.
 *
 * Episode rows: run_id, trial_key, seed_index, seed, variant, episode (its index in the trial), then
 * `data.<field>` for each field (JSONL nests them under `data`).
 *
 * CSV follows RFC 4180 (CRLF line ends; a field holding a comma, quote, CR or LF, or with surrounding spaces,
 * is quoted, and quotes inside are doubled). csv-stringify is not a dependency, so the quoting is here.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StoreError, type Store } from './store.ts';
import type { EpisodeRecord, TrialResult } from './types.ts';

export type ExportFormat = 'csv' | 'jsonl';
export type ExportWhat = 'trials' | 'episodes';

export interface ExportOptions {
  /** 'trials' (default): one row per trial; 'episodes': one row per recorded episode. */
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
  const lines =
    (options.what ?? 'trials') === 'trials'
      ? trialLines(store, runId, format, summary)
      : episodeLines(store, runId, format, summary);
  const source = Readable.from(inChunks(lines), { objectMode: false });
  if (typeof output === 'string') {
    await mkdir(dirname(output), { recursive: true });
    await pipeline(source, createWriteStream(output));
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
      yield jsonLine({ ...identity(runId, trial), params: trial.params, metrics: trial.metrics, duration_ms: trial.durationMs });
      summary.rows++;
    }
    return;
  }
  const params = unionOfKeys(trials.map((trial) => trial.params));
  const metrics = unionOfKeys(trials.map((trial) => trial.metrics));
  yield csvLine([
    ...IDENTITY_COLUMNS,
    ...params.map((name) => `param.${name}`),
    ...metrics.map((name) => `metric.${name}`),
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
      trial.durationMs,
    ]);
    summary.rows++;
  }
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
