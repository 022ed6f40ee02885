/**
 * Every bad input a user or an adversary gives (configs, CLI arguments, output paths, data and model files,
 * signals) ends with one clear line and exit code 2 (130 on SIGINT, 143 on SIGTERM), within seconds, and
 * writes nothing. Table-driven: each case names its arguments, the files it sets up, the exit code and the
 * message it expects.
 */
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const bin = fileURLToPath(new URL('../bin/daogym.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'daogym-bad-inputs-'));
const isRoot = process.getuid?.() === 0;

const CONFIG = `name: bad-inputs
kind: compare
seed: 2
seeds: 1
variants:
  - { name: bravo, preset: compound-bravo }
populations: [{ name: small, members: 200 }]
attacks: [none]
attackBudgetUsd: 30000000
season: { days: 5 }
`;

const withQuorum = (expression: string) =>
  CONFIG.replace('  - { name: bravo, preset: compound-bravo }', `  - { name: bravo, preset: compound-bravo }\n  - name: dyn\n    protocol: { quorum: { kind: expression, expression: '${expression}' } }`);

const TRAIN = `name: bad-train
kind: train
seed: 1
seeds: 1
envKwargs: { members: -5 }
variants: [{ name: bravo, preset: compound-bravo }]
agent: { kind: ppo, totalTimesteps: 1000 }
`;

const FEATURES = 'member,logVotingPower,participation,supportRate,meanTiming,votes,tenureDays\n';
const featureRows = (n: number) => FEATURES + Array.from({ length: n }, (_, i) => `0x${i},${2 + (i % 5) * 0.3},${0.2 + (i % 7) * 0.1},${(i % 3) / 2},${(i % 10) / 10},${1 + (i % 9)},${i % 300}`).join('\n') + '\n';

const LOG_HEADER = 'event_name,block_number,id,startBlock,endBlock,voter,proposalId,support,votes\n';
const created = 'ProposalCreated,100,1.0,110,200,,,,\n';
const vote = (votes: string, proposal = '1.0') => `VoteCast,150,,,,0xabc,${proposal},1,${votes}\n`;

/** Files every case can use; each case may add its own. */
function setUp(): void {
  writeFileSync(join(dir, 'ok.yaml'), CONFIG);
  writeFileSync(join(dir, 'a-file'), 'not a directory\n');
  mkdirSync(join(dir, 'a-dir'), { recursive: true });
  execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
  writeFileSync(join(dir, 'huge.yaml'), `${CONFIG}# ${'x'.repeat(2 * 1024 * 1024)}\n`);
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array<string>(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  writeFileSync(join(dir, 'bomb.yaml'), `${bomb.join('\n')}\n`);
  writeFileSync(join(dir, 'long-description.yaml'), `${CONFIG}description: "${'d'.repeat(200_000)}"\n`);
  for (const [name, expression] of [['nan', '0/0'], ['complex', 'sqrt(0 - supply)'], ['infinite', 'supply ^ 1e308'], ['first-proposal', 'supply*0.04*turnoutLast/turnoutMean'], ['negative', '0 - supply'], ['ctor', 'constructor'], ['tostring', 'toString'], ['proto', '__proto__']] as const) {
    writeFileSync(join(dir, `quorum-${name}.yaml`), withQuorum(expression));
  }
  writeFileSync(join(dir, 'train-kwargs.yaml'), TRAIN);
  const foreign = new Database(join(dir, 'foreign.db'));
  foreign.exec('CREATE TABLE runs (x TEXT); INSERT INTO runs VALUES (\'theirs\')');
  foreign.close();
  writeFileSync(join(dir, 'not-sqlite.db'), 'just text, not a database\n');
  writeFileSync(join(dir, 'one-row.csv'), featureRows(1));
  writeFileSync(join(dir, 'two-rows.csv'), featureRows(2));
  writeFileSync(join(dir, 'features.csv'), featureRows(300));
  writeFileSync(join(dir, 'unnamed-column.csv'), featureRows(50).replace('member,logVotingPower', 'member,'));
  writeFileSync(join(dir, 'twice-column.csv'), featureRows(50).replace('member,logVotingPower,participation', 'member,votes,participation'));
  writeFileSync(join(dir, 'log-orphan-vote.csv'), LOG_HEADER + created + vote('5e18', '9.0'));
  writeFileSync(join(dir, 'log-negative.csv'), LOG_HEADER + created + vote('-5e18'));
  writeFileSync(join(dir, 'log-huge.csv'), LOG_HEADER + created + vote('1e308'));
  writeFileSync(join(dir, 'log-backwards.csv'), LOG_HEADER + 'ProposalCreated,100,1.0,300,200,,,,\n' + vote('5e18'));
  mkdirSync(join(dir, 'locked'));
  chmodSync(join(dir, 'locked'), 0o555);
}

interface Case {
  args: string[];
  /** The one stderr line expected. */
  message: RegExp;
  code?: number;
  /** Runs once before all cases (e.g. to make a model file). */
  before?: () => void;
  /** Skipped where the machine cannot express it (root writes into a read-only directory). */
  skip?: string;
}

const run = (args: string[], timeoutMs = 30_000): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> =>
  new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });

/** Every path under the working directory with its size and mtime: what a case must leave as it found. */
function snapshot(): Map<string, string> {
  const seen = new Map<string, string>();
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      const stat = lstatSync(full);
      seen.set(relative(dir, full), `${stat.size}:${stat.mtimeMs}:${stat.mode}`);
      if (stat.isDirectory() && (stat.mode & 0o200) !== 0) walk(full);
    }
  };
  walk(dir);
  return seen;
}

const fitModel = (kind: string, out: string) => () => {
  execFileSync(process.execPath, [bin, 'generators', 'fit', '--data', 'features.csv', '--kind', kind, '--out', out], { cwd: dir });
};

const CASES: Case[] = [
  // Output locations, checked before any work starts.
  { args: ['run', 'ok.yaml', '--db', ''], message: /^daogym: --db: is empty; give a file path$/ },
  { args: ['run', 'ok.yaml', '--db', '/proc/self/nope/d.db'], message: /^daogym: --db: (directory \/proc\/self is not writable|cannot make directory \/proc\/self\/nope)/ },
  { args: ['run', 'ok.yaml', '--out', '/proc/self/nope'], message: /^daogym: --out: (directory \/proc\/self is not writable|cannot make directory \/proc\/self\/nope)/ },
  { args: ['run', 'ok.yaml', '--db', 'locked/d.db'], message: /^daogym: --db: directory .*locked is not writable$/, skip: isRoot ? 'root writes into a 0555 directory' : undefined },
  { args: ['run', 'ok.yaml', '--out', 'locked/out'], message: /^daogym: --out: directory .*locked is not writable$/, skip: isRoot ? 'root writes into a 0555 directory' : undefined },
  { args: ['run', 'ok.yaml', '--db', 'a-dir'], message: /^daogym: --db: a-dir is a directory; give a file path$/ },
  { args: ['run', 'ok.yaml', '--db', 'a-file/d.db'], message: /^daogym: --db: .*a-file is not a directory$/ },
  { args: ['run', 'ok.yaml', '--out', 'a-file'], message: /^daogym: --out: a-file exists and is not a directory$/ },
  { args: ['run', 'ok.yaml', '--db', 'foreign.db'], message: /^daogym: --db: foreign\.db is not a daogym database \(it holds the table runs and no daogym schema\); give another --db$/ },
  { args: ['run', 'ok.yaml', '--db', 'not-sqlite.db'], message: /^daogym: --db: not-sqlite\.db is not a daogym database/ },
  { args: ['show', '--db', 'foreign.db'], message: /^daogym: --db: foreign\.db is not a daogym database/ },
  { args: ['export', 'x', '--db', 'a-dir'], message: /^daogym: --db: a-dir is a directory/ },
  // Config files: regular files only, of a sane size, without alias bombs.
  { args: ['run', 'a-dir', '--db', 'new/d.db'], message: /^daogym: a-dir: is a directory, not a config file$/ },
  { args: ['run', 'pipe.yaml', '--db', 'new/d.db'], message: /^daogym: pipe\.yaml: not a regular file$/ },
  { args: ['run', '/dev/zero', '--db', 'new/d.db'], message: /^daogym: \/dev\/zero: not a regular file$/ },
  { args: ['run', 'huge.yaml', '--db', 'new/d.db'], message: /^daogym: huge\.yaml: 2\.0 MB is larger than a config file may be \(1 MB\)$/ },
  { args: ['run', 'bomb.yaml', '--db', 'new/d.db'], message: /^daogym: bomb\.yaml: invalid YAML: its aliases expand past 100 copies/ },
  { args: ['run', 'long-description.yaml', '--db', 'new/d.db'], message: /^daogym: long-description\.yaml:11: description: at most 10,000 characters, got 200,000$/ },
  // Quorum expressions: evaluated at config time over plausible inputs, the first proposal included.
  { args: ['run', 'quorum-nan.yaml', '--db', 'new/d.db'], message: /^daogym: quorum-nan\.yaml:8: variants\[1\]\.protocol\.quorum\.expression: quorum expression '0\/0' gives NaN \(at supply 10000000, .*\)$/ },
  { args: ['run', 'quorum-complex.yaml', '--db', 'new/d.db'], message: /quorum\.expression: quorum expression 'sqrt\(0 - supply\)' gives a complex number/ },
  { args: ['run', 'quorum-infinite.yaml', '--db', 'new/d.db'], message: /quorum\.expression: quorum expression 'supply \^ 1e308' gives Infinity/ },
  { args: ['run', 'quorum-first-proposal.yaml', '--db', 'new/d.db'], message: /quorum\.expression: quorum expression 'supply\*0\.04\*turnoutLast\/turnoutMean' gives NaN .*the first proposal: turnoutLast = turnoutMean = 0/ },
  { args: ['run', 'quorum-negative.yaml', '--db', 'new/d.db'], message: /quorum\.expression: quorum expression '0 - supply' gives a negative quorum \(-10000000\)/ },
  { args: ['run', 'quorum-ctor.yaml', '--db', 'new/d.db'], message: /quorum\.expression: unknown variable 'constructor'/ },
  { args: ['run', 'quorum-tostring.yaml', '--db', 'new/d.db'], message: /quorum\.expression: unknown variable 'toString'/ },
  { args: ['run', 'quorum-proto.yaml', '--db', 'new/d.db'], message: /quorum\.expression: unknown variable '__proto__'/ },
  { args: ['run', 'train-kwargs.yaml', '--db', 'new/d.db'], message: /^daogym: train-kwargs\.yaml:5: envKwargs\.members: must be a positive integer, got -5$/ },
  { args: ['report', 'x', '--db', 'new.db', '--out', 'a-file'], message: /^daogym: --out: a-file exists and is not a directory$/ },
  { args: ['resume', 'x', '--db', 'new.db', '--out', 'a-file'], message: /^daogym: --out: a-file exists and is not a directory$/ },
  { args: ['resume', 'x', '--db', ''], message: /^daogym: --db: is empty; give the database `daogym run --db` wrote$/ },
  { args: ['compare', 'x', 'y', '--db', 'foreign.db'], message: /^daogym: --db: foreign\.db is not a daogym database/ },
  // Export destinations.
  { args: ['export', 'x', '--db', 'new.db', '-o', 'a-dir'], message: /^daogym: -o: a-dir is a directory; give a file path$/ },
  // Generators: too few rows, models of another kind, outputs that are directories.
  { args: ['generators', 'fit', '--data', 'one-row.csv', '--out', 'm.json'], message: /^daogym: --data: one-row\.csv has 1 row; the copula needs at least 2/ },
  { args: ['generators', 'fit', '--data', 'one-row.csv', '--kind', 'parametric', '--out', 'm.json'], message: /^daogym: --data: one-row\.csv has 1 row; the parametric generator needs at least 2/ },
  { args: ['generators', 'fit', '--data', 'two-rows.csv', '--kind', 'gan', '--out', 'm.json'], message: /^daogym: --data: two-rows\.csv has 2 rows; the GAN \(pac 10\) needs at least 10$/ },
  { args: ['generators', 'fit', '--data', 'unnamed-column.csv', '--out', 'm.json'], message: /^daogym: --data: unnamed-column\.csv: column 2 of the header has no name$/ },
  { args: ['generators', 'fit', '--data', 'twice-column.csv', '--out', 'm.json'], message: /^daogym: --data: twice-column\.csv: column 'votes' appears twice in the header$/ },
  {
    args: ['generators', 'sample', '--model', 'null-column.json', '--n', '5', '--out', 's.csv'],
    message: /^daogym: --model: null-column\.json: not a valid copula model: columns\.0: /,
    before: () => {
      fitModel('copula', 'null-column.json')();
      const model = JSON.parse(readFileSync(join(dir, 'null-column.json'), 'utf8'));
      writeFileSync(join(dir, 'null-column.json'), JSON.stringify({ ...model, columns: [null, ...model.columns.slice(1)] }));
    },
  },
  { args: ['generators', 'fit', '--data', 'features.csv', '--out', 'a-dir'], message: /^daogym: --out: a-dir is a directory; give a file path$/ },
  {
    args: ['generators', 'sample', '--model', 'mislabelled.json', '--n', '50', '--out', 's.csv'],
    message: /^daogym: --model: mislabelled\.json says kind 'parametric' but holds a copula model/,
    before: () => {
      fitModel('copula', 'mislabelled.json')();
      const model = JSON.parse(readFileSync(join(dir, 'mislabelled.json'), 'utf8'));
      writeFileSync(join(dir, 'mislabelled.json'), JSON.stringify({ ...model, kind: 'parametric' }));
    },
  },
  { args: ['generators', 'sample', '--model', 'copula.json', '--n', '5', '--out', 'a-dir'], message: /^daogym: --out: a-dir is a directory; give a file path$/, before: fitModel('copula', 'copula.json') },
  { args: ['generators', 'sample', '--model', 'features.csv', '--n', '5', '--out', 's.csv'], message: /^daogym: --model: features\.csv is not a model JSON/ },
  // Data files: every vote refers to a proposal; weights are finite and not negative; windows run forward.
  { args: ['data', 'import', 'log-orphan-vote.csv', '--out', 'f.csv'], message: /^daogym: log-orphan-vote\.csv, line 3: VoteCast on proposal 9, which the file never creates/ },
  { args: ['data', 'import', 'log-negative.csv', '--out', 'f.csv'], message: /^daogym: log-negative\.csv, line 3: column 'votes' must be a finite number >= 0/ },
  { args: ['data', 'import', 'log-huge.csv', '--out', 'f.csv'], message: /^daogym: log-huge\.csv, line 3: column 'votes' .* above any token supply/ },
  { args: ['data', 'import', 'log-backwards.csv', '--out', 'f.csv'], message: /^daogym: log-backwards\.csv, line 2: endBlock 200 is before startBlock 300$/ },
  { args: ['data', 'import', 'a-dir'], message: /^daogym: a-dir: is a directory, not a data file$/ },
  { args: ['data', 'import', 'pipe.yaml'], message: /^daogym: pipe\.yaml: not a regular file$/ },
  // Arguments.
  { args: ['run', 'ok.yaml', '--workers'], message: /^daogym: --workers: needs a number/ },
  { args: ['export', 'x', '--format', 'xml'], message: /^daogym: --format: must be one of csv, jsonl; got 'xml'$/ },
  { args: ['list', 'things'], message: /^daogym: list: must be one of envs, presets, generators, agents, attacks, stressors, scenarios; got 'things'$/ },
  { args: ['run', 'ok.yaml', '--executor', 'bullmq', '--redis', 'redis://127.0.0.1:1', '--db', 'new/d.db'], message: /^daogym: --redis: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/ },
];

test.before(() => {
  setUp();
  // Models the cases need, made before any case runs (the cases run in parallel and watch the directory).
  for (const c of CASES) c.before?.();
});

test(`${CASES.length} bad inputs: exit 2, one line, within seconds, nothing written`, async () => {
  const failures: string[] = [];
  const queue = [...CASES];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const c = next;
      if (c.skip !== undefined) {
        console.log(`  skipped: ${c.args.join(' ')} (${c.skip})`);
        continue;
      }
      const before = snapshot();
      const result = await run(c.args);
      const after = snapshot();
      const label = `daogym ${c.args.map((a) => (a === '' ? "''" : a)).join(' ')}`;
      const lines = result.stderr.trimEnd().split('\n');
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
      if (result.code !== (c.code ?? 2)) failures.push(`${label}: exit ${result.code ?? result.signal} (want ${c.code ?? 2}), ${result.ms} ms: ${result.stderr.slice(0, 300)}`);
      else if (lines.length !== 1 || !c.message.test(lines[0]!)) failures.push(`${label}: stderr ${JSON.stringify(result.stderr.slice(0, 400))} does not match ${c.message}`);
      else if (changed.length > 0) failures.push(`${label}: wrote or changed ${changed.join(', ')}`);
      else if (result.stdout !== '') failures.push(`${label}: printed ${JSON.stringify(result.stdout.slice(0, 200))}`);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  assert.is(failures.length, 0, `\n${failures.join('\n')}`);
  const foreign = new Database(join(dir, 'foreign.db'), { readonly: true });
  assert.is(foreign.pragma('journal_mode', { simple: true }), 'delete', 'the foreign database is not switched to WAL');
  foreign.close();
});

/** A run long enough to be stopped: many seeds on one worker thread. */
const LONG = CONFIG.replace('seeds: 1', 'seeds: 3000').replace('members: 200', 'members: 3000').replace('days: 5', 'days: 30');

/** Starts a run, waits for its first finished trial, sends the signals, and returns the exit and the run's row. */
async function stopRun(name: string, signals: NodeJS.Signals[], gapMs = 100): Promise<{ code: number | null; status: string; trials: number; stderr: string }> {
  writeFileSync(join(dir, `${name}.yaml`), LONG.replace('name: bad-inputs', `name: ${name}`));
  const child = spawn(process.execPath, [bin, 'run', `${name}.yaml`, '--db', `${name}/d.db`, '--out', `${name}/out`, '--workers', '1'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.on('close', (c) => reject(new Error(`${name}: the run ended (exit ${c}) before it could be stopped: ${stderr}`)));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (/[1-9]\d*\/3000 trials/.test(stderr)) resolve();
    });
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  for (const signal of signals) {
    child.kill(signal);
    await new Promise((r) => setTimeout(r, gapMs));
  }
  const code = await closed;
  const db = new Database(join(dir, name, 'd.db'), { readonly: true });
  const run = db.prepare('SELECT id, status FROM runs').get() as { id: string; status: string };
  const trials = (db.prepare('SELECT count(*) AS n FROM trials WHERE run_id = ?').get(run.id) as { n: number }).n;
  db.close();
  return { code, status: run.status, trials, stderr };
}

test('signals: Ctrl-C exits 130 and SIGTERM 143 with the run interrupted and its trials kept; a second Ctrl-C quits at once, still interrupted', async () => {
  const sigint = await stopRun('sigint', ['SIGINT']);
  assert.equal([sigint.code, sigint.status], [130, 'interrupted']);
  assert.ok(sigint.trials >= 1 && sigint.trials < 3000, `${sigint.trials} trials kept`);
  const sigterm = await stopRun('sigterm', ['SIGTERM']);
  assert.equal([sigterm.code, sigterm.status], [143, 'interrupted']);
  const twice = await stopRun('twice', ['SIGINT', 'SIGINT'], 2);
  assert.equal([twice.code, twice.status], [130, 'interrupted']);
  assert.not.match(twice.stderr, /continue with/, 'the second Ctrl-C quit before the summary');
});

test.after(() => {
  chmodSync(join(dir, 'locked'), 0o755);
  rmSync(dir, { recursive: true, force: true });
});

test.run();
