import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import {
  MIGRATIONS,
  SCHEMA_VERSION,
  Store,
  StoreError,
  canonicalJson,
  configHash,
  type NewRun,
} from '../../runner/store.ts';
import type { TrialResult } from '../../runner/types.ts';
import { METRIC_NAMES, makeResult } from '../fixtures/store-results.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const temp = mkdtempSync(join(tmpdir(), 'daogym-store-'));
let files = 0;
/** A fresh path in its own directory (which exists). */
const tempPath = (name = 'runs.db') => {
  const path = join(temp, `${files++}`, name);
  mkdirSync(dirname(path), { recursive: true });
  return path;
};

const newRun = (overrides: Partial<NewRun> = {}): NewRun => ({
  name: 'quorum-stress',
  kind: 'stress',
  config: { name: 'quorum-stress', seeds: 5, rules: ['fixed-4pct', 'nouns-dynamic'] },
  configText: 'name: quorum-stress\nseeds: 5\n',
  codeVersion: '0.1.0+abc1234',
  backend: 'cpu',
  machine: 'test-host',
  trialsPlanned: 70,
  ...overrides,
});

const byKeyThenSeedIndex = (a: TrialResult, b: TrialResult) =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : a.seedIndex - b.seedIndex;

/** Row counts straight from the file, to check the child tables too. */
function rowCounts(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true });
  const counts: Record<string, number> = {};
  for (const table of ['trials', 'metrics', 'curves', 'episodes', 'artifacts']) {
    counts[table] = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }
  db.close();
  return counts;
}

test('open: creates the directory, WAL, foreign keys, schema at the latest version', () => {
  const path = join(temp, 'nested', 'dir', 'runs.db');
  const store = Store.open(path);
  assert.ok(existsSync(path));
  assert.is(store.schemaVersion, SCHEMA_VERSION);
  store.close();
  store.close(); // closing twice is harmless
  const db = new Database(path);
  assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.is(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  db.close();
  const memory = Store.open(':memory:');
  assert.is(memory.schemaVersion, SCHEMA_VERSION);
  memory.close();
});

test('runs: readable unique ids, hash over canonical JSON, status and listing', () => {
  const store = Store.open(':memory:');
  const config = { b: [1, { y: 2, x: 1 }], a: 'x', skipped: undefined };
  assert.is(canonicalJson(config), '{"a":"x","b":[1,{"x":1,"y":2}]}');
  assert.is(configHash(config), configHash({ a: 'x', b: [1, { x: 1, y: 2 }] }));
  assert.is.not(configHash(config), configHash({ a: 'x', b: [1, { x: 1, y: 3 }] }));
  assert.match(configHash(config), /^[0-9a-f]{64}$/);

  const at = new Date('2025-03-04T05:06:07.890Z');
  const first = store.createRun(newRun({ config }), at);
  const second = store.createRun(newRun({ config }), at);
  const third = store.createRun(newRun({ config }), at);
  const hash = configHash(config);
  assert.is(first.id, `20250304-050607-${hash.slice(0, 6)}`);
  assert.is(second.id, `${first.id}-2`);
  assert.is(third.id, `${first.id}-3`);
  assert.is(first.configHash, hash);
  assert.is(first.status, 'running');
  assert.is(first.createdAt, at.toISOString());
  assert.is(first.finishedAt, null);

  assert.equal(store.getRun(first.id), first, 'getRun returns what createRun did, config parsed back');
  assert.is(store.getRun('no-such-run'), undefined);
  const other = store.createRun(newRun({ name: 'other', config: { other: true } }), new Date('2025-03-05T00:00:00Z'));
  assert.equal(
    store.listRuns().map((run) => run.id),
    [first.id, second.id, third.id, other.id],
    'oldest first',
  );
  assert.equal(
    store.findRunsByConfigHash(hash).map((run) => run.id),
    [first.id, second.id, third.id],
  );
  assert.equal(store.findRunsByConfigHash('0'.repeat(64)), []);

  const done = new Date('2025-03-04T06:00:00Z');
  store.setRunStatus(first.id, 'interrupted', done);
  assert.is(store.getRun(first.id)?.status, 'interrupted');
  assert.is(store.getRun(first.id)?.finishedAt, done.toISOString());
  store.setRunStatus(first.id, 'running');
  assert.is(store.getRun(first.id)?.finishedAt, null, 'a resumed run is unfinished again');
  assert.throws(() => store.setRunStatus('no-such-run', 'done'), (error: Error) => error instanceof StoreError);
  assert.throws(() => store.createRun(newRun({ id: first.id })), /already exists/);
  store.close();
});

test('trials round-trip exactly, ordered by key then seed index', () => {
  const store = Store.open(':memory:');
  const run = store.createRun(newRun());
  const results = Array.from({ length: 40 }, (_, i) => makeResult(i));
  // Special values: NaN comes back as NaN (SQLite stores it as NULL), infinities as themselves.
  const special = results[3]!;
  special.metrics.turnout = Number.NaN;
  special.metrics.quorumMargin = Number.NEGATIVE_INFINITY;
  special.metrics.tiny = 5e-324;
  special.params.unicode = 'Ωmega – “quoted”';
  delete results[5]!.worker;
  results[6]!.curves = [];
  const scrambled = [...results].reverse();
  assert.is(store.recordTrials(run.id, scrambled.slice(0, 25)), 25);
  for (const result of scrambled.slice(25)) assert.ok(store.recordTrial(run.id, result));

  const expected = [...results].sort(byKeyThenSeedIndex);
  const detailed = store.trials(run.id, { detail: true });
  // An empty curve list records nothing, so it comes back absent.
  delete results[6]!.curves;
  assert.equal(detailed, expected);
  assert.ok(Number.isNaN(detailed.find((r) => r.key === special.key && r.seed === special.seed)!.metrics.turnout));

  const lean = store.trials(run.id);
  assert.equal(
    lean,
    expected.map(({ curves: _curves, episodes: _episodes, artifacts: _artifacts, ...rest }) => rest),
    'without detail: identity, params, metrics, duration and worker only',
  );
  assert.equal(Object.keys(lean[0]!.metrics), [...METRIC_NAMES], 'metrics keep the order they were reported in');
  assert.is(store.countTrials(run.id), 40);
  assert.equal(store.episodes(run.id, special.key, special.seed), special.episodes);
  assert.equal(store.episodeFields(run.id), ['index', 'reward', 'passed', 'outcome', 'blocker']);
  assert.equal(store.trials('no-such-run'), []);
  store.close();
});

test('recordTrial is idempotent by (run, trial key, seed); batches skip what is already there', () => {
  const path = tempPath();
  const store = Store.open(path);
  const run = store.createRun(newRun());
  const otherRun = store.createRun(newRun({ name: 'other' }));
  const first = makeResult(0);
  assert.is(store.recordTrial(run.id, first), true);
  const redelivered = { ...makeResult(0), metrics: { attackSuccess: 42 }, durationMs: 1 };
  assert.is(store.recordTrial(run.id, redelivered), false, 'a second delivery writes nothing');
  assert.equal(store.trials(run.id, { detail: true }), [first], 'the first delivery stands');
  assert.is(store.recordTrial(otherRun.id, first), true, 'the same trial in another run is another result');

  // A batch with results already recorded and duplicates inside itself.
  const batch = [makeResult(0), makeResult(1), makeResult(2), makeResult(1), makeResult(3), makeResult(2)];
  assert.is(store.recordTrials(run.id, batch), 3);
  assert.is(store.recordTrials(run.id, batch), 0);
  assert.is(store.recordTrials(run.id, []), 0);
  assert.is(store.countTrials(run.id), 4);
  assert.equal(
    store.finishedTrialIds(run.id),
    new Set([0, 1, 2, 3].map((i) => `${makeResult(i).key}#${makeResult(i).seed}`)),
  );
  store.close();
  assert.equal(rowCounts(path), { trials: 5, metrics: 25, curves: 40, episodes: 10, artifacts: 5 });

  const reopened = Store.open(path);
  assert.throws(() => reopened.recordTrial('no-such-run', makeResult(9)), (error: Error) => {
    return error instanceof StoreError && /no run with id no-such-run/.test(error.message);
  });
  reopened.close();
});

test('artifacts: run-level replaced by name, per trial, bytes and text kept as they were', () => {
  const store = Store.open(':memory:');
  const run = store.createRun(newRun());
  store.recordTrial(run.id, makeResult(0));
  const trial = { key: makeResult(0).key, seed: makeResult(0).seed };
  store.addArtifact(run.id, 'report.html', 'text/html', '<p>draft</p>');
  store.addArtifact(run.id, 'report.html', 'text/html', '<p>final</p>');
  const bytes = new Uint8Array([0, 255, 1, 128, 10, 13]);
  store.addArtifact(run.id, 'policy.bin', 'application/octet-stream', bytes, trial);
  assert.equal(store.artifact(run.id, 'report.html'), { name: 'report.html', mediaType: 'text/html', content: '<p>final</p>' });
  assert.equal(store.artifact(run.id, 'policy.bin', trial), {
    name: 'policy.bin',
    mediaType: 'application/octet-stream',
    content: bytes,
  });
  assert.is(store.artifact(run.id, 'policy.bin'), undefined, 'a trial artifact is not a run-level one');
  assert.equal(store.artifact(run.id, 'trace.json', trial)?.content, '{"i":0}', 'recorded with the trial');
  assert.equal(store.listArtifacts(run.id), [
    { name: 'report.html', mediaType: 'text/html', bytes: 12 },
    { name: 'policy.bin', mediaType: 'application/octet-stream', bytes: 6, trialKey: trial.key, seed: trial.seed },
    { name: 'trace.json', mediaType: 'application/json', bytes: 7, trialKey: trial.key, seed: trial.seed },
  ]);
  assert.throws(() => store.addArtifact('no-such-run', 'x', 'text/plain', 'x'), /no run with id no-such-run/);
  assert.throws(() => store.addArtifact(run.id, 'x', 'text/plain', 'x', { key: 'nope', seed: 1 }), /has no trial nope#1/);
  store.close();
});

test('deleteRun removes the run and everything recorded for it, nothing else', () => {
  const path = tempPath();
  const store = Store.open(path);
  const doomed = store.createRun(newRun());
  const kept = store.createRun(newRun({ name: 'kept' }));
  store.recordTrials(doomed.id, [makeResult(0), makeResult(1)]);
  store.recordTrials(kept.id, [makeResult(0)]);
  store.addArtifact(doomed.id, 'report.html', 'text/html', '<p/>');
  assert.is(store.deleteRun(doomed.id), true);
  assert.is(store.deleteRun(doomed.id), false);
  assert.is(store.getRun(doomed.id), undefined);
  assert.is(store.countTrials(kept.id), 1);
  store.close();
  assert.equal(rowCounts(path), { trials: 1, metrics: 5, curves: 8, episodes: 2, artifacts: 1 });
});

test('an older database is migrated on open, keeping its data', () => {
  const path = tempPath();
  const db = new Database(path);
  MIGRATIONS[0]!.up(db);
  db.pragma('user_version = 1');
  db.prepare(
    `INSERT INTO runs (id, name, kind, config, config_text, config_hash, code_version, backend, machine, status, created_at)
     VALUES ('old-run', 'old', 'compare', '{"seeds":2}', 'seeds: 2', 'abc', '0.0.9', 'cpu', 'host', 'done', '2024-01-01T00:00:00.000Z')`,
  ).run();
  const trial = db
    .prepare(
      `INSERT INTO trials (run_id, trial_key, seed_index, seed, variant, params, duration_ms, finished_at)
       VALUES ('old-run', 'variant=a', 0, 11, 'a', '{"population":"default"}', 2.5, '2024-01-01T00:00:01.000Z')`,
    )
    .run().lastInsertRowid;
  db.prepare('INSERT INTO metrics (trial_id, name, value) VALUES (?, ?, ?)').run(trial, 'turnout', 0.125);
  db.close();

  const store = Store.open(path);
  assert.is(store.schemaVersion, SCHEMA_VERSION);
  assert.equal(store.getRun('old-run'), {
    id: 'old-run',
    name: 'old',
    kind: 'compare',
    config: { seeds: 2 },
    configText: 'seeds: 2',
    configHash: 'abc',
    codeVersion: '0.0.9',
    backend: 'cpu',
    machine: 'host',
    status: 'done',
    createdAt: '2024-01-01T00:00:00.000Z',
    finishedAt: null,
    trialsPlanned: 0,
  });
  assert.equal(store.trials('old-run', { detail: true }), [
    { key: 'variant=a', seedIndex: 0, seed: 11, variant: 'a', params: { population: 'default' }, metrics: { turnout: 0.125 }, durationMs: 2.5 },
  ]);
  const old = { key: 'variant=a', seedIndex: 0, seed: 11, variant: 'a', params: {}, metrics: {}, durationMs: 0 };
  assert.is(store.recordTrial('old-run', old), false, 'trials recorded before the migration still count');
  assert.is(store.recordTrial('old-run', { ...makeResult(1), key: 'variant=b' }), true, 'the new tables take writes');
  assert.is(store.trials('old-run', { detail: true })[1]?.episodes?.length, 2);
  store.close();
});

test('a database from a newer daogym, or not a database at all, fails with a clear error', () => {
  const newer = tempPath();
  Store.open(newer).close();
  const db = new Database(newer);
  db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
  db.close();
  assert.throws(
    () => Store.open(newer),
    (error: Error) =>
      error instanceof StoreError &&
      error.message === `${newer} has store schema version ${SCHEMA_VERSION + 5}, newer than this daogym knows (${SCHEMA_VERSION}): upgrade daogym to open it`,
  );
  const garbage = tempPath('notes.db');
  Store.open(garbage).close();
  writeFileSync(garbage, 'these are my notes, not a database '.repeat(200));
  rmSync(`${garbage}-wal`, { force: true });
  rmSync(`${garbage}-shm`, { force: true });
  assert.throws(
    () => Store.open(garbage),
    (error: Error) => error instanceof StoreError && error.message.startsWith(`${garbage} is not a daogym database`),
  );
});

test('kill -9 in the middle of writes leaves whole trials; recording again duplicates nothing', async () => {
  const path = tempPath();
  const setup = Store.open(path);
  const run = setup.createRun(newRun());
  setup.close();

  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/fixtures/store-writer.ts'), path, run.id], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let reported = 0;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) reported = Math.max(reported, Number(line));
      if (reported >= 300) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`the writer exited before it was killed: ${stderr}`)));
  });
  assert.is(await exited, 'SIGKILL');

  const store = Store.open(path);
  const recorded = store.countTrials(run.id);
  assert.ok(recorded >= reported, `every commit the writer reported survives (${recorded} >= ${reported})`);
  const raw = new Database(path, { readonly: true });
  assert.equal(raw.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  assert.equal(raw.pragma('foreign_key_check'), []);
  raw.close();
  // Whole: exactly results 0..recorded-1 (commits are sequential), each with all its metrics, curves, episodes, artifact.
  const expected = Array.from({ length: recorded }, (_, i) => makeResult(i)).sort(byKeyThenSeedIndex);
  assert.equal(store.trials(run.id, { detail: true }), expected);
  assert.equal(rowCounts(path), {
    trials: recorded,
    metrics: 5 * recorded,
    curves: 8 * recorded,
    episodes: 2 * recorded,
    artifacts: recorded,
  });

  // Resume: deliver everything again plus 50 new results.
  const all = Array.from({ length: recorded + 50 }, (_, i) => makeResult(i));
  assert.is(store.recordTrials(run.id, all), 50);
  assert.is(store.recordTrial(run.id, makeResult(0)), false);
  assert.is(store.countTrials(run.id), new Set(all.map((r) => `${r.key}#${r.seed}`)).size);
  assert.is(store.finishedTrialIds(run.id).size, recorded + 50);
  store.close();
  assert.is(rowCounts(path).metrics, 5 * (recorded + 50));
});

test.after(() => rmSync(temp, { recursive: true, force: true }));

test.run();
