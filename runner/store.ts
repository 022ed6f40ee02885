/**
 * The SQLite store for runs and their results (better-sqlite3: synchronous, transactions as functions).
 *
 * A result is identified by (run id, trial key, seed): recording one is idempotent, so a resumed run or an
 * at-least-once queue that delivers a result twice duplicates nothing. Each trial is written with its
 * metrics, curves, episodes and artifacts in one transaction, so a process killed at any point (kill -9
 * included) leaves every trial either whole or absent. WAL with `synchronous = NORMAL` keeps every
 * committed transaction across a process crash (only an OS crash or power loss can lose the last ones).
 *
 * The schema evolves through an ordered list of migrations keyed by `PRAGMA user_version`.
 */
import { createHash } from 'node:crypto';
import { makeDirectories, OutputPathError, outputFileProblem } from '../lib/paths.ts';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type {
  ArtifactRecord,
  AttackOutcomeRecord,
  EpisodeRecord,
  ExperimentKind,
  MetricValues,
  RunRecord,
  TrialResult,
} from './types.ts';

type Db = Database.Database;
export type RunStatus = RunRecord['status'];

/** A problem with what a person pointed the store at (a database file, a run id): the CLI reports it, exit 2. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** The database file itself cannot be used (a directory, not writable, not a daogym database, ...). */
export class StoreOpenError extends StoreError {
  constructor(message: string) {
    super(message);
    this.name = 'StoreOpenError';
  }
}

export interface Migration {
  /** The `user_version` the database has once this migration has run. */
  version: number;
  description: string;
  up(db: Db): void;
}

/**
 * The schema's history, oldest first; append, never edit. Version 1 held runs, trials and metrics; version 2
 * added curves, episodes and artifacts, the planned trial count of a run and the worker of a trial; version 3
 * the attack outcomes of a trial.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, trials, metrics',
    up(db) {
      db.exec(`
        CREATE TABLE runs (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          kind TEXT NOT NULL,
          config TEXT NOT NULL,
          config_text TEXT NOT NULL,
          config_hash TEXT NOT NULL,
          code_version TEXT NOT NULL,
          backend TEXT NOT NULL,
          machine TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('running', 'done', 'interrupted', 'failed')),
          created_at TEXT NOT NULL,
          finished_at TEXT
        );
        CREATE INDEX runs_by_config_hash ON runs (config_hash, created_at);
        CREATE INDEX runs_by_created_at ON runs (created_at);

        CREATE TABLE trials (
          id INTEGER PRIMARY KEY,
          run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          trial_key TEXT NOT NULL,
          seed_index INTEGER NOT NULL,
          seed INTEGER NOT NULL,
          variant TEXT NOT NULL,
          params TEXT NOT NULL,
          duration_ms REAL NOT NULL,
          finished_at TEXT NOT NULL,
          UNIQUE (run_id, trial_key, seed)
        );

        -- A rowid keeps the order in which a trial reported its metrics (the export's column order).
        CREATE TABLE metrics (
          id INTEGER PRIMARY KEY,
          trial_id INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          value REAL,
          UNIQUE (trial_id, name)
        );
      `);
    },
  },
  {
    version: 2,
    description: 'curves, episodes, artifacts; runs.trials_planned, trials.worker',
    up(db) {
      db.exec(`
        ALTER TABLE runs ADD COLUMN trials_planned INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE trials ADD COLUMN worker TEXT;

        CREATE TABLE curves (
          id INTEGER PRIMARY KEY,
          trial_id INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          step INTEGER NOT NULL,
          value REAL
        );
        CREATE INDEX curves_by_trial ON curves (trial_id, name, step);

        CREATE TABLE episodes (
          trial_id INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
          idx INTEGER NOT NULL,
          data TEXT NOT NULL,
          PRIMARY KEY (trial_id, idx)
        ) WITHOUT ROWID;

        -- trial_id is NULL for a run-level artifact (a report); NULLs are distinct in a UNIQUE constraint,
        -- so uniqueness per (run, trial, name) needs the expression index.
        CREATE TABLE artifacts (
          id INTEGER PRIMARY KEY,
          run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          trial_id INTEGER REFERENCES trials (id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          media_type TEXT NOT NULL,
          content BLOB NOT NULL
        );
        CREATE UNIQUE INDEX artifacts_by_name ON artifacts (run_id, ifnull(trial_id, 0), name);
        CREATE INDEX artifacts_by_trial ON artifacts (trial_id);
      `);
    },
  },
  {
    version: 3,
    description: 'outcomes: how each trial\'s attack attempts ended, with a reason',
    up(db) {
      db.exec(`
        CREATE TABLE outcomes (
          trial_id INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
          outcome TEXT NOT NULL,
          count INTEGER NOT NULL,
          reason TEXT NOT NULL,
          PRIMARY KEY (trial_id, outcome)
        ) WITHOUT ROWID;
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** What `createRun` needs: the id, status and timestamps are the store's (an id may be given, e.g. by tests). */
export type NewRun = Omit<RunRecord, 'id' | 'status' | 'createdAt' | 'finishedAt' | 'configHash'> & {
  id?: string;
  /** Computed with `configHash(config)` when absent. */
  configHash?: string;
};

export interface TrialsOptions {
  /** Also load curves, episodes and artifacts (the lean default is what statistics need). */
  detail?: boolean;
}

export interface ArtifactInfo {
  name: string;
  mediaType: string;
  bytes: number;
  /** The trial it belongs to, absent for a run-level artifact. */
  trialKey?: string;
  seed?: number;
}

/** A trial's identity within a run, as `finishedTrialIds` returns it. */
export function trialId(key: string, seed: number): string {
  return `${key}#${seed}`;
}

/** JSON with object keys sorted at every depth, so equal configs serialise equally. */
export function canonicalJson(value: unknown): string {
  return canonical(value) ?? 'null';
}

function canonical(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonical((value as { toJSON(): unknown }).toJSON());
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item) ?? 'null').join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const item = canonical((value as Record<string, unknown>)[key]);
      if (item !== undefined) entries.push(`${JSON.stringify(key)}:${item}`);
    }
    return `{${entries.join(',')}}`;
  }
  // undefined and functions are skipped in objects, as JSON.stringify does.
  return JSON.stringify(value) as string | undefined;
}

/** sha256 (hex) of the config's canonical JSON. */
export function configHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** `yyyymmdd-hhmmss-<6 hex of the config hash>` in UTC. */
export function baseRunId(hash: string, at: Date): string {
  const iso = at.toISOString(); // 2025-01-31T12:34:56.789Z
  const date = iso.slice(0, 10).replaceAll('-', '');
  const time = iso.slice(11, 19).replaceAll(':', '');
  return `${date}-${time}-${hash.slice(0, 6)}`;
}

interface RunRow {
  id: string;
  name: string;
  kind: string;
  config: string;
  config_text: string;
  config_hash: string;
  code_version: string;
  backend: string;
  machine: string;
  status: string;
  created_at: string;
  finished_at: string | null;
  trials_planned: number;
}

interface TrialRow {
  id: number;
  trial_key: string;
  seed_index: number;
  seed: number;
  variant: string;
  params: string;
  duration_ms: number;
  worker: string | null;
}

function runFromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as ExperimentKind,
    config: JSON.parse(row.config) as unknown,
    configText: row.config_text,
    configHash: row.config_hash,
    codeVersion: row.code_version,
    backend: row.backend,
    machine: row.machine,
    status: row.status as RunStatus,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    trialsPlanned: row.trials_planned,
  };
}

/** SQLite stores NaN as NULL; metrics and curve values come back as NaN. */
const numberOrNaN = (value: number | null): number => (value === null ? Number.NaN : value);

const TERMINAL: ReadonlySet<RunStatus> = new Set(['done', 'interrupted', 'failed']);

export class Store {
  readonly path: string;
  private readonly db: Db;
  private readonly statements: ReturnType<typeof prepare>;
  private readonly writeTrialsTransaction: (runId: string, results: readonly TrialResult[], finishedAt: string) => number;

  private constructor(path: string, db: Db) {
    this.path = path;
    this.db = db;
    this.statements = prepare(db);
    this.writeTrialsTransaction = db.transaction((runId: string, results: readonly TrialResult[], finishedAt: string) => {
      let written = 0;
      for (const result of results) if (this.writeTrial(runId, result, finishedAt)) written++;
      return written;
    });
  }

  /**
   * Opens (creating it and its directory when missing) the database at `path`, or an in-memory one for
   * ':memory:', and brings its schema up to date. Fails with a StoreError on a file that is not a database
   * or that a newer daogym wrote.
   */
  static open(path: string, options: { busyTimeoutMs?: number } = {}): Store {
    const inMemory = path === ':memory:';
    if (!inMemory) {
      const problem = outputFileProblem(path);
      if (problem !== undefined) throw new StoreOpenError(problem);
      try {
        makeDirectories(dirname(path));
      } catch (error) {
        if (error instanceof OutputPathError) throw new StoreOpenError(error.message);
        throw error;
      }
    }
    let db: Db;
    try {
      db = new Database(path, { timeout: options.busyTimeoutMs ?? 10_000 });
    } catch (error) {
      if (error instanceof Database.SqliteError) throw new StoreOpenError(`cannot open ${path}: ${error.message}`);
      throw error;
    }
    try {
      foreignDatabaseCheck(db, path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, path);
      return new Store(path, db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The schema version of the open database (always SCHEMA_VERSION once open). */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** Records a new run with status 'running'; the id is `yyyymmdd-hhmmss-<hash6>`, with `-2`, `-3`... on collision. */
  createRun(run: NewRun, now: Date = new Date()): RunRecord {
    const hash = run.configHash ?? configHash(run.config);
    const createdAt = now.toISOString();
    const insert = this.db.transaction((): RunRecord => {
      let id = run.id ?? baseRunId(hash, now);
      if (run.id !== undefined && this.statements.runExists.get(id) !== undefined) {
        throw new StoreError(`a run with id ${id} already exists in ${this.path}`);
      }
      for (let suffix = 2; this.statements.runExists.get(id) !== undefined; suffix++) id = `${baseRunId(hash, now)}-${suffix}`;
      const configJson = JSON.stringify(run.config ?? null);
      const record: RunRecord = {
        id,
        name: run.name,
        kind: run.kind,
        // What getRun will return: the config as JSON keeps it (no undefined, no class instances).
        config: JSON.parse(configJson) as unknown,
        configText: run.configText,
        configHash: hash,
        codeVersion: run.codeVersion,
        backend: run.backend,
        machine: run.machine,
        status: 'running',
        createdAt,
        finishedAt: null,
        trialsPlanned: run.trialsPlanned,
      };
      this.statements.insertRun.run({
        id,
        name: record.name,
        kind: record.kind,
        config: configJson,
        config_text: record.configText,
        config_hash: hash,
        code_version: record.codeVersion,
        backend: record.backend,
        machine: record.machine,
        status: record.status,
        created_at: createdAt,
        trials_planned: record.trialsPlanned,
      });
      return record;
    });
    // IMMEDIATE: two processes creating runs in the same second cannot both pick the same free id.
    return insert.immediate();
  }

  getRun(id: string): RunRecord | undefined {
    const row = this.statements.getRun.get(id) as RunRow | undefined;
    return row === undefined ? undefined : runFromRow(row);
  }

  /** All runs, oldest first (the newest at the bottom of a terminal listing). */
  listRuns(): RunRecord[] {
    return (this.statements.listRuns.all() as RunRow[]).map(runFromRow);
  }

  /** The runs of a config (to resume or compare with), oldest first. */
  findRunsByConfigHash(hash: string): RunRecord[] {
    return (this.statements.runsByHash.all(hash) as RunRow[]).map(runFromRow);
  }

  /** Sets the status; 'done', 'interrupted' and 'failed' stamp `finishedAt`, 'running' (a resume) clears it. */
  setRunStatus(id: string, status: RunStatus, now: Date = new Date()): void {
    const finishedAt = TERMINAL.has(status) ? now.toISOString() : null;
    const info = this.statements.setStatus.run(status, finishedAt, id);
    if (info.changes === 0) throw new StoreError(`no run with id ${id} in ${this.path}`);
  }

  /** Deletes a run with everything recorded for it; false when there was no such run. */
  deleteRun(id: string): boolean {
    return this.statements.deleteRun.run(id).changes > 0;
  }

  /**
   * Writes one trial with its metrics, curves, episodes and artifacts in one transaction. Returns false,
   * writing nothing, when (run, key, seed) is already recorded.
   */
  recordTrial(runId: string, result: TrialResult, now: Date = new Date()): boolean {
    return this.recordTrials(runId, [result], now) === 1;
  }

  /** Like recordTrial for many results in one transaction (much faster per trial); returns how many were new. */
  recordTrials(runId: string, results: readonly TrialResult[], now: Date = new Date()): number {
    if (results.length === 0) return 0;
    try {
      return this.writeTrialsTransaction(runId, results, now.toISOString());
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new StoreError(`no run with id ${runId} in ${this.path}`);
      }
      throw error;
    }
  }

  private writeTrial(runId: string, result: TrialResult, finishedAt: string): boolean {
    const s = this.statements;
    const row = s.insertTrial.get(
      runId,
      result.key,
      result.seedIndex,
      result.seed,
      result.variant,
      JSON.stringify(result.params),
      result.durationMs,
      result.worker ?? null,
      finishedAt,
    ) as { id: number } | undefined;
    if (row === undefined) return false; // already recorded: the conflict clause skipped the insert
    const trial = row.id;
    for (const [name, value] of Object.entries(result.metrics)) s.insertMetric.run(trial, name, value);
    for (const point of result.curves ?? []) s.insertCurve.run(trial, point.name, point.step, point.value);
    (result.episodes ?? []).forEach((episode, index) => s.insertEpisode.run(trial, index, JSON.stringify(episode)));
    for (const artifact of result.artifacts ?? []) {
      s.insertArtifact.run(runId, trial, artifact.name, artifact.mediaType, artifact.content);
    }
    for (const record of result.outcomes ?? []) s.insertOutcome.run(trial, record.outcome, record.count, record.reason);
    return true;
  }

  /** The ids (`${key}#${seed}`) of the trials already recorded for a run: what a resume skips. */
  finishedTrialIds(runId: string): Set<string> {
    const ids = new Set<string>();
    for (const row of this.statements.trialIds.iterate(runId) as IterableIterator<{ trial_key: string; seed: number }>) {
      ids.add(trialId(row.trial_key, row.seed));
    }
    return ids;
  }

  countTrials(runId: string): number {
    return (this.statements.countTrials.get(runId) as { n: number }).n;
  }

  /** A run's results ordered by trial key, then seed index. */
  trials(runId: string, options: TrialsOptions = {}): TrialResult[] {
    const s = this.statements;
    const rows = s.trials.all(runId) as TrialRow[];
    const metrics = new Map<number, MetricValues>();
    for (const m of s.runMetrics.iterate(runId) as IterableIterator<{ trial_id: number; name: string; value: number | null }>) {
      let values = metrics.get(m.trial_id);
      if (values === undefined) metrics.set(m.trial_id, (values = {}));
      values[m.name] = numberOrNaN(m.value);
    }
    const outcomes = new Map<number, AttackOutcomeRecord[]>();
    for (const o of s.runOutcomes.iterate(runId) as IterableIterator<{ trial_id: number; outcome: string; count: number; reason: string }>) {
      pushTo(outcomes, o.trial_id, { outcome: o.outcome, count: o.count, reason: o.reason });
    }
    const curves = new Map<number, NonNullable<TrialResult['curves']>>();
    const episodes = new Map<number, EpisodeRecord[]>();
    const artifacts = new Map<number, ArtifactRecord[]>();
    if (options.detail === true) {
      for (const c of s.runCurves.iterate(runId) as IterableIterator<{ trial_id: number; name: string; step: number; value: number | null }>) {
        pushTo(curves, c.trial_id, { name: c.name, step: c.step, value: numberOrNaN(c.value) });
      }
      for (const e of s.runEpisodes.iterate(runId) as IterableIterator<{ trial_id: number; data: string }>) {
        pushTo(episodes, e.trial_id, JSON.parse(e.data) as EpisodeRecord);
      }
      for (const a of s.runTrialArtifacts.iterate(runId) as IterableIterator<ArtifactRow & { trial_id: number }>) {
        pushTo(artifacts, a.trial_id, artifactFromRow(a));
      }
    }
    return rows.map((row) => {
      const result: TrialResult = {
        key: row.trial_key,
        seedIndex: row.seed_index,
        seed: row.seed,
        variant: row.variant,
        params: JSON.parse(row.params) as TrialResult['params'],
        metrics: metrics.get(row.id) ?? {},
        durationMs: row.duration_ms,
      };
      if (row.worker !== null) result.worker = row.worker;
      const trialOutcomes = outcomes.get(row.id);
      if (trialOutcomes !== undefined) result.outcomes = trialOutcomes;
      if (options.detail === true) {
        const trialCurves = curves.get(row.id);
        const trialEpisodes = episodes.get(row.id);
        const trialArtifacts = artifacts.get(row.id);
        if (trialCurves !== undefined) result.curves = trialCurves;
        if (trialEpisodes !== undefined) result.episodes = trialEpisodes;
        if (trialArtifacts !== undefined) result.artifacts = trialArtifacts;
      }
      return result;
    });
  }

  /** The episodes of one trial, in the order they were recorded (empty when the trial has none or is unknown). */
  episodes(runId: string, key: string, seed: number): EpisodeRecord[] {
    return (this.statements.trialEpisodes.all(runId, key, seed) as Array<{ data: string }>).map(
      (row) => JSON.parse(row.data) as EpisodeRecord,
    );
  }

  /** The field names of a run's episodes, in the order they first appear. */
  episodeFields(runId: string): string[] {
    const names = new Set<string>();
    for (const row of this.statements.episodeFields.iterate(runId) as IterableIterator<{ key: string }>) names.add(row.key);
    return [...names];
  }

  /**
   * Stores an artifact of the run, or of one of its trials when `trial` is given; an artifact of the same
   * name there is replaced (a report written again).
   */
  addArtifact(
    runId: string,
    name: string,
    mediaType: string,
    content: string | Uint8Array,
    trial?: { key: string; seed: number },
  ): void {
    const s = this.statements;
    this.db.transaction(() => {
      if (s.runExists.get(runId) === undefined) throw new StoreError(`no run with id ${runId} in ${this.path}`);
      let trialRowId: number | null = null;
      if (trial !== undefined) {
        const row = s.trialRowId.get(runId, trial.key, trial.seed) as { id: number } | undefined;
        if (row === undefined) throw new StoreError(`run ${runId} has no trial ${trialId(trial.key, trial.seed)}`);
        trialRowId = row.id;
      }
      s.deleteArtifact.run(runId, trialRowId, name);
      s.insertArtifact.run(runId, trialRowId, name, mediaType, content);
    })();
  }

  /** A run-level artifact by name, or a trial's when `trial` is given. */
  artifact(runId: string, name: string, trial?: { key: string; seed: number }): ArtifactRecord | undefined {
    const row = (
      trial === undefined
        ? this.statements.runArtifact.get(runId, name)
        : this.statements.trialArtifact.get(runId, trial.key, trial.seed, name)
    ) as ArtifactRow | undefined;
    return row === undefined ? undefined : artifactFromRow(row);
  }

  /** What artifacts a run holds (without their content): run-level first, then by trial, then by name. */
  listArtifacts(runId: string): ArtifactInfo[] {
    const rows = this.statements.listArtifacts.all(runId) as Array<{
      name: string;
      media_type: string;
      bytes: number;
      trial_key: string | null;
      seed: number | null;
    }>;
    return rows.map((row) => {
      const info: ArtifactInfo = { name: row.name, mediaType: row.media_type, bytes: row.bytes };
      if (row.trial_key !== null && row.seed !== null) {
        info.trialKey = row.trial_key;
        info.seed = row.seed;
      }
      return info;
    });
  }
}

interface ArtifactRow {
  name: string;
  media_type: string;
  content: string | Buffer;
}

/** Text comes back as a string; bytes as a plain Uint8Array (a view of better-sqlite3's Buffer), as they went in. */
function artifactFromRow(row: ArtifactRow): ArtifactRecord {
  const content =
    typeof row.content === 'string' ? row.content : new Uint8Array(row.content.buffer, row.content.byteOffset, row.content.length);
  return { name: row.name, mediaType: row.media_type, content };
}

function pushTo<T>(map: Map<number, T[]>, key: number, item: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [item]);
  else list.push(item);
}

/**
 * Refuses a file that is not a daogym database before anything is written to it (not even WAL mode): a file
 * SQLite cannot read, or a SQLite database of someone else's (tables but no daogym schema version).
 */
function foreignDatabaseCheck(db: Db, path: string): void {
  let version: number;
  let tables: string[];
  try {
    version = db.pragma('user_version', { simple: true }) as number;
    tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  } catch (error) {
    if (error instanceof Database.SqliteError) throw new StoreOpenError(`${path} is not a daogym database (${error.message}); give another --db`);
    throw error;
  }
  if (version === 0 && tables.length > 0) {
    throw new StoreOpenError(`${path} is not a daogym database (it holds the table${tables.length > 1 ? 's' : ''} ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''} and no daogym schema); give another --db`);
  }
}

function migrate(db: Db, path: string): void {
  const versionOf = () => db.pragma('user_version', { simple: true }) as number;
  const found = versionOf();
  if (found > SCHEMA_VERSION) {
    throw new StoreOpenError(
      `${path} has store schema version ${found}, newer than this daogym knows (${SCHEMA_VERSION}): ` +
        'upgrade daogym to open it',
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= found) continue;
    // IMMEDIATE, and the version read again inside: another process may have migrated meanwhile.
    db.transaction(() => {
      if (versionOf() >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

function prepare(db: Db) {
  return {
    runExists: db.prepare('SELECT 1 FROM runs WHERE id = ?'),
    insertRun: db.prepare(`
      INSERT INTO runs (id, name, kind, config, config_text, config_hash, code_version, backend, machine, status,
                        created_at, finished_at, trials_planned)
      VALUES (@id, @name, @kind, @config, @config_text, @config_hash, @code_version, @backend, @machine, @status,
              @created_at, NULL, @trials_planned)`),
    getRun: db.prepare('SELECT * FROM runs WHERE id = ?'),
    listRuns: db.prepare('SELECT * FROM runs ORDER BY created_at, rowid'),
    runsByHash: db.prepare('SELECT * FROM runs WHERE config_hash = ? ORDER BY created_at, rowid'),
    setStatus: db.prepare('UPDATE runs SET status = ?, finished_at = ? WHERE id = ?'),
    deleteRun: db.prepare('DELETE FROM runs WHERE id = ?'),
    insertTrial: db.prepare(`
      INSERT INTO trials (run_id, trial_key, seed_index, seed, variant, params, duration_ms, worker, finished_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id, trial_key, seed) DO NOTHING
      RETURNING id`),
    insertMetric: db.prepare('INSERT INTO metrics (trial_id, name, value) VALUES (?, ?, ?)'),
    insertCurve: db.prepare('INSERT INTO curves (trial_id, name, step, value) VALUES (?, ?, ?, ?)'),
    insertOutcome: db.prepare('INSERT INTO outcomes (trial_id, outcome, count, reason) VALUES (?, ?, ?, ?)'),
    insertEpisode: db.prepare('INSERT INTO episodes (trial_id, idx, data) VALUES (?, ?, ?)'),
    insertArtifact: db.prepare(
      'INSERT INTO artifacts (run_id, trial_id, name, media_type, content) VALUES (?, ?, ?, ?, ?)',
    ),
    deleteArtifact: db.prepare('DELETE FROM artifacts WHERE run_id = ? AND ifnull(trial_id, 0) = ifnull(?, 0) AND name = ?'),
    trialIds: db.prepare('SELECT trial_key, seed FROM trials WHERE run_id = ?'),
    trialRowId: db.prepare('SELECT id FROM trials WHERE run_id = ? AND trial_key = ? AND seed = ?'),
    countTrials: db.prepare('SELECT count(*) AS n FROM trials WHERE run_id = ?'),
    trials: db.prepare(`
      SELECT id, trial_key, seed_index, seed, variant, params, duration_ms, worker FROM trials
      WHERE run_id = ? ORDER BY trial_key, seed_index, seed`),
    runMetrics: db.prepare(`
      SELECT m.trial_id, m.name, m.value FROM trials t JOIN metrics m ON m.trial_id = t.id
      WHERE t.run_id = ? ORDER BY m.trial_id, m.id`),
    runOutcomes: db.prepare(`
      SELECT o.trial_id, o.outcome, o.count, o.reason FROM trials t JOIN outcomes o ON o.trial_id = t.id
      WHERE t.run_id = ? ORDER BY o.trial_id, o.count DESC, o.outcome`),
    runCurves: db.prepare(`
      SELECT c.trial_id, c.name, c.step, c.value FROM trials t JOIN curves c ON c.trial_id = t.id
      WHERE t.run_id = ? ORDER BY c.trial_id, c.id`),
    runEpisodes: db.prepare(`
      SELECT e.trial_id, e.data FROM trials t JOIN episodes e ON e.trial_id = t.id
      WHERE t.run_id = ? ORDER BY e.trial_id, e.idx`),
    runTrialArtifacts: db.prepare(`
      SELECT a.trial_id, a.name, a.media_type, a.content FROM trials t JOIN artifacts a ON a.trial_id = t.id
      WHERE t.run_id = ? ORDER BY a.trial_id, a.id`),
    trialEpisodes: db.prepare(`
      SELECT e.data FROM trials t JOIN episodes e ON e.trial_id = t.id
      WHERE t.run_id = ? AND t.trial_key = ? AND t.seed = ? ORDER BY e.idx`),
    episodeFields: db.prepare(`
      SELECT j.key FROM trials t JOIN episodes e ON e.trial_id = t.id, json_each(e.data) j
      WHERE t.run_id = ? ORDER BY t.trial_key, t.seed_index, e.idx, j.id`),
    runArtifact: db.prepare(
      'SELECT name, media_type, content FROM artifacts WHERE run_id = ? AND trial_id IS NULL AND name = ?',
    ),
    trialArtifact: db.prepare(`
      SELECT a.name, a.media_type, a.content FROM trials t JOIN artifacts a ON a.trial_id = t.id
      WHERE t.run_id = ? AND t.trial_key = ? AND t.seed = ? AND a.name = ?`),
    listArtifacts: db.prepare(`
      SELECT a.name, a.media_type, length(CAST(a.content AS BLOB)) AS bytes, t.trial_key, t.seed
      FROM artifacts a LEFT JOIN trials t ON t.id = a.trial_id
      WHERE a.run_id = ? ORDER BY a.trial_id IS NOT NULL, t.trial_key, t.seed_index, a.name`),
  };
}
