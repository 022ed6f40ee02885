import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const bin = fileURLToPath(new URL('../../bin/daogym.mjs', import.meta.url));
/** The text marks of one chart of a report. */
const chartText = (html: string, id: string): string => {
  const start = html.indexOf(`data-chart="${id}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</figure>', start));
};
const dir = mkdtempSync(join(tmpdir(), 'daogym-cli-runner-'));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000, cwd: dir });

const CONFIG = `name: cli-compare
kind: compare
seed: 2
seeds: 3
variants:
  - { name: bravo, preset: compound-bravo }
  - { name: ten-percent, protocol: { quorum: { kind: fraction, fraction: 0.1 } } }
populations: [{ name: small, members: 300 }]
attacks: [none, buy-and-vote]
attackBudgetUsd: 30000000
season: { days: 10 }
`;

test('run -> show -> export -> report: the database, the summary, the CSV and the HTML report', () => {
  writeFileSync(join(dir, 'compare.yaml'), CONFIG);
  const result = run('run', 'compare.yaml', '--workers', '1', '--json');
  assert.is(result.status, 0, result.stderr);
  const outcome = JSON.parse(result.stdout) as { runId: string; status: string; executed: number; report: string; db: string };
  assert.is(outcome.status, 'done');
  assert.is(outcome.executed, 12);
  assert.ok(existsSync(join(dir, 'results', 'daogym.db')));
  const html = readFileSync(join(dir, outcome.report), 'utf8');
  assert.ok((html.match(/<svg/g) ?? []).length >= 2);
  // The verdict first, in dollars; the money-at-risk grid (variant x attack, dollars in every cell) under it.
  assert.ok(html.indexOf('<h2>Verdict</h2>') < html.indexOf('data-chart="risk-grid"') && html.indexOf('<h2>Verdict</h2>') < html.indexOf('<h2>Summary by variant'));
  assert.match(html, /<p class="answer">[^<]*loses least: \$[\d.]+[kM]? \[/);
  assert.ok((chartText(html, 'risk-grid').match(/\$[\d.]+[kM]?|\$0/g) ?? []).length >= 4, 'a dollar figure in each of the 4 cells');
  // The protocols as run, durations in blocks and time, the variant's change over its preset applied.
  assert.match(html, /<td>bravo<\/td><td>compound-bravo<\/td><td>quorum 400,000 votes .*timelock 14,400 blocks \(2 d\)/);
  assert.match(html, /<td>ten-percent<\/td><td>compound-bravo<\/td><td>quorum 10 % of supply/);
  const shown = run('show', outcome.runId);
  assert.is(shown.status, 0, shown.stderr);
  assert.match(shown.stdout, /run .*: cli-compare \(compare\), done, 12\/12 trials/);
  assert.match(shown.stdout, /paired differences vs bravo/);
  const listed = JSON.parse(run('show', '--json').stdout) as Array<{ id: string; trialsDone: number }>;
  assert.equal(listed.map((r) => [r.id, r.trialsDone]), [[outcome.runId, 12]]);
  const csv = run('export', outcome.runId, '--format', 'csv');
  assert.is(csv.status, 0, csv.stderr);
  const lines = csv.stdout.trim().split(/\r?\n/);
  assert.is(lines.length, 13);
  assert.match(lines[0]!, /^run_id,trial_key,seed_index,seed,variant,param\.variant,param\.population,param\.attack,metric\.score/);
  const again = run('run', 'compare.yaml', '--workers', '1', '--resume', '--json');
  assert.is(JSON.parse(again.stdout).executed, 12, 'a finished run is not resumed: --resume starts a new one');
  const report = run('report', outcome.runId, '--out', 'again');
  assert.is(report.status, 0, report.stderr);
  assert.ok(existsSync(join(dir, 'again', outcome.runId, 'report.html')));
});

test('runner commands: bad input exits 2 with one line, and writes nothing', () => {
  writeFileSync(join(dir, 'bad.yaml'), CONFIG.replace('fraction: 0.1', 'fraction: 1.1'));
  for (const [args, pattern] of [
    [['run', 'missing.yaml', '--db', 'fresh/x.db'], /^daogym: missing\.yaml: no such config file\n$/],
    [['run', 'bad.yaml', '--db', 'fresh/x.db'], /^daogym: bad\.yaml:7: variants\[1\]\.protocol\.quorum\.fraction: must be <= 1, got 1\.1\n$/],
    [['run', 'compare.yaml', '--workers', '0', '--db', 'fresh/x.db'], /^daogym: --workers: must be an integer from 1 to 256, got 0\n$/],
    [['run', 'compare.yaml', '--executor', 'bullmq', '--db', 'fresh/x.db'], /^daogym: --redis: required with --executor bullmq/],
    [['show', '--db', 'fresh/x.db'], /^daogym: --db: no database at fresh\/x\.db/],
    [['resume', 'nope', '--db', 'fresh/x.db'], /^daogym: --db: no database at fresh\/x\.db/],
    [['show', 'nope'], /^daogym: run 'nope' is not in results\/daogym\.db; runs: /],
    [['export', 'nope', '--format', 'xml'], /^daogym: --format: must be one of csv, jsonl; got 'xml'\n$/],
  ] as const) {
    const result = run(...args);
    assert.is(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern, args.join(' '));
    assert.is(result.stdout, '');
  }
  assert.not.ok(existsSync(join(dir, 'fresh')), 'nothing written for bad input');
});

test('compare: runs of two configs pair trial by trial; A - B is the mean of the paired differences', () => {
  writeFileSync(join(dir, 'compare.yaml'), CONFIG);
  writeFileSync(join(dir, 'low-quorum.yaml'), CONFIG.replace('fraction: 0.1', 'fraction: 0.001'));
  for (const [config, db] of [['compare.yaml', 'cmp/a.db'], ['low-quorum.yaml', 'cmp/b.db']] as const) {
    const result = run('run', config, '--db', db, '--workers', '1', '--quiet');
    assert.is(result.status, 0, result.stderr);
  }
  const compared = run('compare', 'cmp/a.db', 'cmp/b.db', '--metric', 'score', '--metric', 'score:welfare', '--json');
  assert.is(compared.status, 0, compared.stderr);
  const out = JSON.parse(compared.stdout) as { a: { run: string }[]; b: { run: string }[]; pairs: number; rows: { metricA: string; metricB: string; difference: number; lo: number; hi: number; ties: number }[] };
  assert.is(out.pairs, 12);
  // The same pairs by hand, from the two runs' exports.
  const exported = (runId: string, db: string) =>
    new Map(run('export', runId, '--db', db, '--format', 'jsonl').stdout.trim().split('\n').map((line) => {
      const row = JSON.parse(line) as { trial_key: string; seed: number; metrics: Record<string, number> };
      return [`${row.trial_key}#${row.seed}`, row.metrics] as const;
    }));
  const a = exported(out.a[0]!.run, 'cmp/a.db');
  const b = exported(out.b[0]!.run, 'cmp/b.db');
  const expected = (ma: string, mb: string) => [...a].reduce((sum, [key, metrics]) => sum + metrics[ma]! - b.get(key)![mb]!, 0) / a.size;
  const [score, cross] = out.rows;
  assert.ok(Math.abs(score!.difference - expected('score', 'score')) < 1e-12);
  assert.ok(Math.abs(cross!.difference - expected('score', 'welfare')) < 1e-12);
  assert.ok(score!.difference > 0 && score!.lo > 0, "B's 0.1 % quorum lets the buyer through, so A scores higher");
  assert.ok(score!.ties >= 6, "Bravo's trials are the same in both runs");
  const text = run('compare', 'cmp/a.db', 'cmp/b.db', '--metric', 'score');
  assert.match(text.stdout, /^12 pairs by trial key and seed \(unpaired: 0 of A's trials, 0 of B's\)/m);
  assert.match(text.stdout, /^configs differ \(A -> B\): variants .*"fraction":0\.1\b.* -> .*"fraction":0\.001/m, 'the one field the two configs differ in');
  assert.match(text.stdout, /^score +12 +-?\d/m);
  assert.is(run('run', 'compare.yaml', '--db', 'cmp/a.db', '--workers', '1', '--quiet').status, 0);
  for (const [args, pattern] of [
    [['compare', 'cmp/a.db', 'cmp/b.db'], /^daogym: A: cmp\/a\.db has 2 runs; name one as cmp\/a\.db:RUN-ID/],
    [['compare', `cmp/a.db:${out.a[0]!.run}`, 'cmp/missing.db'], /^daogym: B: no database at cmp\/missing\.db\n$/],
    [['compare', `cmp/a.db:${out.a[0]!.run}`, 'cmp/b.db', '--metric', 'nope'], /^daogym: --metric: 'nope' is not a metric of A's paired trials; they report: .*score/],
    [['compare', `cmp/a.db:${out.a[0]!.run}`, 'cmp/b.db', '--resamples', '5'], /^daogym: --resamples must be an integer from 100 to 1000000, got 5\n$/],
  ] as const) {
    const result = run(...args);
    assert.is(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern, args.join(' '));
    assert.is(result.stdout, '');
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
