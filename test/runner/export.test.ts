import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { Store, StoreError } from '../../runner/store.ts';
import { csvField, exportRun } from '../../runner/export.ts';
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

async function exportToString(store: Store, runId: string, format: 'csv' | 'jsonl', what?: 'trials' | 'episodes') {
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

test.after(() => rmSync(temp, { recursive: true, force: true }));

test.run();
