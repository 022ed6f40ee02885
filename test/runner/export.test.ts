import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { Store, StoreError } from '../../runner/store.ts';
import { csvField, exportRun, findArtifact } from '../../runner/export.ts';
import type { TrialResult } from '../../runner/types.ts';
import { makeResult } from '../fixtures/store-results.ts';

const temp = mkdtempSync(join(tmpdir(), 'daogym-export-'));

const tricky = [
  'plain',
  'comma, inside',
  'say "hi"',
  'two\nlines',
  'crlf\r\nline',
  '"',
  ',',
  ' leading space',
  'trailing space ',
  '',
  'Ωmega “curly”',
];

/** A run with trials whose string params hold everything CSV must quote, and one trial missing a metric. */
function fixture(): { store: Store; runId: string; results: TrialResult[] } {
  const store = Store.open(':memory:');
  const run = store.createRun({
    name: 'export',
    kind: 'compare',
    config: {},
    configText: '',
    codeVersion: 'test',
    backend: 'cpu',
    machine: 'host',
    trialsPlanned: tricky.length,
  });
  const results = tricky.map((text, i) => {
    const result = makeResult(i);
    result.key = `k${String(i).padStart(2, '0')}`;
    result.params = { label: text, budgetUsd: i * 1e21 + 0.5 };
    return result;
  });
  delete results[4]!.metrics.turnout;
  results[2]!.metrics.extra = 0.1 + 0.2;
  store.recordTrials(run.id, results);
  return { store, runId: run.id, results };
}

async function exportToString(store: Store, runId: string, format: 'csv' | 'jsonl', what?: 'trials' | 'episodes' | 'artifacts') {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const summary = await exportRun(store, runId, format, sink, what === undefined ? {} : { what });
  assert.is(sink.writableEnded, false, 'a stream passed in is left open');
  sink.end();
  return { text, rows: summary.rows };
}

test('csvField quotes commas, quotes, line breaks and edge spaces (RFC 4180)', () => {
  assert.is(csvField('plain'), 'plain');
  assert.is(csvField('a,b'), '"a,b"');
  assert.is(csvField('say "hi"'), '"say ""hi"""');
  assert.is(csvField('a\nb'), '"a\nb"');
  assert.is(csvField('a\rb'), '"a\rb"');
  assert.is(csvField(' x'), '" x"');
  assert.is(csvField(0.30000000000000004), '0.30000000000000004');
  assert.is(csvField(undefined), '');
  assert.is(csvField(null), '');
});

test('CSV: one row per trial, params and metrics as columns, every value back exactly after parsing', async () => {
  const { store, runId, results } = fixture();
  const { text, rows } = await exportToString(store, runId, 'csv');
  assert.is(rows, results.length);
  const table = parse(text, { relax_column_count: false }) as string[][];
  assert.equal(table[0], [
    'run_id',
    'trial_key',
    'seed_index',
    'seed',
    'variant',
    'param.label',
    'param.budgetUsd',
    'metric.attackSuccess',
    'metric.treasuryLossUsd',
    'metric.turnout',
    'metric.quorumMargin',
    'metric.proposalsPassed',
    'metric.extra',
    'duration_ms',
  ]);
  assert.is(table.length, results.length + 1);
  results.forEach((result, i) => {
    const row = table[i + 1]!;
    assert.is(row[0], runId);
    assert.is(row[1], result.key);
    assert.is(Number(row[2]), result.seedIndex);
    assert.is(Number(row[3]), result.seed);
    assert.is(row[4], result.variant);
    assert.is(row[5], tricky[i], `label ${JSON.stringify(tricky[i])} survives quoting`);
    assert.is(Number(row[6]), result.params.budgetUsd);
    assert.is(Number(row[7]), result.metrics.attackSuccess);
    assert.is(Number(row[8]), result.metrics.treasuryLossUsd);
    assert.is(row[9], i === 4 ? '' : String(result.metrics.turnout), 'a missing metric is an empty cell');
    assert.is(Number(row[10]), result.metrics.quorumMargin);
    assert.is(Number(row[11]), result.metrics.proposalsPassed);
    assert.is(row[12], i === 2 ? '0.30000000000000004' : '');
    assert.is(Number(row[13]), result.durationMs);
  });
  assert.ok(text.endsWith('\r\n'));
  store.close();
});

test('JSONL: one object per trial with params and metrics nested', async () => {
  const { store, runId, results } = fixture();
  const { text, rows } = await exportToString(store, runId, 'jsonl');
  assert.is(rows, results.length);
  const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(
    lines,
    results.map((r) => ({
      run_id: runId,
      trial_key: r.key,
      seed_index: r.seedIndex,
      seed: r.seed,
      variant: r.variant,
      params: r.params,
      metrics: r.metrics,
      duration_ms: r.durationMs,
    })),
  );
  store.close();
});

test('episodes: one row per episode, to a file path (directories created)', async () => {
  const { store, runId, results } = fixture();
  const csvPath = join(temp, 'out', 'deeper', 'episodes.csv');
  assert.equal(await exportRun(store, runId, 'csv', csvPath, { what: 'episodes' }), { rows: 2 * results.length });
  const table = parse(readFileSync(csvPath, 'utf8')) as string[][];
  assert.equal(table[0], [
    'run_id',
    'trial_key',
    'seed_index',
    'seed',
    'variant',
    'episode',
    'data.index',
    'data.reward',
    'data.passed',
    'data.outcome',
    'data.blocker',
  ]);
  const first = results[0]!;
  assert.equal(table[1], [runId, first.key, '0', String(first.seed), first.variant, '0', '0', '0', 'true', 'drained, then "vetoed"', '']);
  assert.equal(table[2]!.slice(5), ['1', '1', '0', 'false', 'quorum missed', 'veto']);

  const jsonlPath = join(temp, 'episodes.jsonl');
  assert.equal(await exportRun(store, runId, 'jsonl', jsonlPath, { what: 'episodes' }), { rows: 2 * results.length });
  const lines = readFileSync(jsonlPath, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { data: unknown });
  assert.is(lines.length, 2 * results.length);
  assert.equal(lines[3], {
    run_id: runId,
    trial_key: results[1]!.key,
    seed_index: results[1]!.seedIndex,
    seed: results[1]!.seed,
    variant: results[1]!.variant,
    episode: 1,
    data: results[1]!.episodes![1],
  });
  store.close();
});

test('an unknown run fails with a StoreError and writes nothing', async () => {
  const { store } = fixture();
  const path = join(temp, 'never.csv');
  try {
    await exportRun(store, 'no-such-run', 'csv', path);
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, StoreError);
    assert.match((error as Error).message, /no run with id no-such-run/);
  }
  assert.throws(() => readFileSync(path));
  store.close();
});

test('artifacts: listed one row each; --artifact finds one by name, narrowed by seed and trial, and says what is there when it cannot', async () => {
  const path = join(temp, 'artifacts.db');
  const store = Store.open(path);
  const run = store.createRun({ name: 'artifacts', kind: 'loop', config: {}, configText: '', codeVersion: 'test', backend: 'cpu', machine: 'host', trialsPlanned: 2 });
  const results = [0, 1].map((i) => {
    const result = makeResult(i);
    result.artifacts = [
      { name: 'generator-final.json', mediaType: 'application/json', content: `{"trial":${i}}` },
      ...(i === 1 ? [{ name: 'weights.bin', mediaType: 'application/octet-stream', content: Uint8Array.of(0, 255, 7) }] : []),
    ];
    return result;
  });
  store.recordTrials(run.id, results);
  store.addArtifact(run.id, 'report.html', 'text/html', '<p>r</p>');
  const { text, rows } = await exportToString(store, run.id, 'csv', 'artifacts');
  assert.is(rows, 4);
  assert.equal(parse(text, { columns: true }), [
    { run_id: run.id, trial_key: '', seed: '', name: 'report.html', media_type: 'text/html', bytes: '8' },
    { run_id: run.id, trial_key: results[0]!.key, seed: String(results[0]!.seed), name: 'generator-final.json', media_type: 'application/json', bytes: '11' },
    { run_id: run.id, trial_key: results[1]!.key, seed: String(results[1]!.seed), name: 'generator-final.json', media_type: 'application/json', bytes: '11' },
    { run_id: run.id, trial_key: results[1]!.key, seed: String(results[1]!.seed), name: 'weights.bin', media_type: 'application/octet-stream', bytes: '3' },
  ]);
  assert.is(findArtifact(store, run.id, 'report.html').content, '<p>r</p>');
  assert.equal(findArtifact(store, run.id, 'weights.bin').content, Uint8Array.of(0, 255, 7));
  assert.is(findArtifact(store, run.id, 'generator-final.json', { seed: results[1]!.seed }).content, '{"trial":1}');
  assert.throws(() => findArtifact(store, run.id, 'generator-final.json'), (e: Error) => e instanceof StoreError && /in 2 places .*pick one with --seed/.test(e.message));
  assert.throws(() => findArtifact(store, run.id, 'nope.json'), (e: Error) => e instanceof StoreError && /no artifact 'nope\.json'; it has: report\.html, generator-final\.json, weights\.bin/.test(e.message));
  assert.throws(() => findArtifact(store, run.id, 'weights.bin', { seed: results[0]!.seed }), (e: Error) => e instanceof StoreError && new RegExp(`seed ${results[0]!.seed}; it is in: trial ${results[1]!.key} seed ${results[1]!.seed}`).test(e.message));
  store.close();
  // Through the CLI: the content to a file (written whole), and an ambiguous name is a usage error, exit 2.
  const bin = new URL('../../bin/daogym.mjs', import.meta.url).pathname;
  const cli = (...args: string[]) => spawnSync(process.execPath, [bin, 'export', run.id, '--db', path, ...args], { encoding: 'utf8', timeout: 60_000 });
  const out = join(temp, 'out', 'g.json');
  const ok = cli('--artifact', 'generator-final.json', '--seed', String(results[0]!.seed), '-o', out);
  assert.is(ok.status, 0, ok.stderr);
  assert.is(readFileSync(out, 'utf8'), '{"trial":0}');
  const ambiguous = cli('--artifact', 'generator-final.json', '-o', join(temp, 'out', 'never.json'));
  assert.is(ambiguous.status, 2);
  assert.match(ambiguous.stderr, /--artifact: artifact 'generator-final\.json' is in 2 places/);
  assert.throws(() => readFileSync(join(temp, 'out', 'never.json')));
  assert.is(cli('--seed', '3').status, 2, '--seed without --artifact');
});

test.after(() => rmSync(temp, { recursive: true, force: true }));

test.run();
