import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AdaptiveExecutor, InProcessExecutor, localExecutor, ThreadExecutor } from '../../runner/executors.ts';
import { parseExperimentWithWarnings } from '../../runner/config.ts';
import { planTrials, seedMajor } from '../../runner/plan.ts';
import { resumeRun, runExperiment } from '../../runner/run.ts';
import { Store } from '../../runner/store.ts';
import type { TrialResult } from '../../runner/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'daogym-run-'));
const BIN = new URL('../../bin/daogym.mjs', import.meta.url).pathname;

function config(name: string, members: number, seeds: number): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}
kind: stress
seed: 9
seeds: ${seeds}
variants:
  - { name: fixed-4pct, protocol: { quorum: { kind: fraction, fraction: 0.04 } } }
  - { name: fixed-10pct, protocol: { quorum: { kind: fraction, fraction: 0.1 } } }
populations: [{ name: calibrated, members: ${members} }]
attacks: [buy-and-vote]
season: { days: 20 }
stress: { stressor: attackBudgetUsd, values: [1000000, 10000000, 30000000, 100000000], scale: log }
`,
  );
  return path;
}

function storedTrials(db: string, runId: string): TrialResult[] {
  const store = Store.open(db);
  try {
    return store.trials(runId);
  } finally {
    store.close();
  }
}

/** The part of a result that must not depend on where or when it ran. */
function identity(trials: TrialResult[]) {
  return trials.map((t) => ({ key: t.key, seed: t.seed, metrics: t.metrics }));
}

test('by default, light trials run in process while the run is short, and move to threads with identical results once the rest would take long', async () => {
  const path = config('adaptive', 400, 3);
  const { config: parsed } = parseExperimentWithWarnings(readFileSync(path, 'utf8'), path);
  // The default for stress (no --workers, none in the config) on more than one core; a count given is obeyed.
  for (const [workers, kind] of [[undefined, availableParallelism() > 1 ? AdaptiveExecutor : InProcessExecutor], [2, ThreadExecutor], [1, InProcessExecutor]] as const) {
    const made = localExecutor(parsed, workers);
    await made.close();
    assert.instance(made, kind, `workers ${workers}`);
  }
  const reference = await runExperiment(path, { db: join(dir, 'adaptive-ref.db'), out: dir, executor: (c) => new InProcessExecutor(c), report: false });
  const expected = identity(storedTrials(join(dir, 'adaptive-ref.db'), reference.run.id));
  // A short run (24 trials, well under the default limits) never starts a thread.
  const short = await runExperiment(path, { db: join(dir, 'adaptive-short.db'), out: dir, executor: (c) => new AdaptiveExecutor(c, 2), report: false });
  const shortTrials = storedTrials(join(dir, 'adaptive-short.db'), short.run.id);
  assert.equal([...new Set(shortTrials.map((t) => t.worker))], ['main']);
  assert.equal(identity(shortTrials), expected);
  // Limits of zero: the first trial runs in process, the rest move to two threads.
  let executor: AdaptiveExecutor | undefined;
  const moved = await runExperiment(path, { db: join(dir, 'adaptive-moved.db'), out: dir, executor: (c) => (executor = new AdaptiveExecutor(c, 2, {}, { probeMs: 0, threadsWorthMs: 0 })), report: false });
  const movedTrials = storedTrials(join(dir, 'adaptive-moved.db'), moved.run.id);
  assert.equal(movedTrials.filter((t) => t.worker === 'main').length, 1);
  assert.equal(new Set(movedTrials.map((t) => t.worker)), new Set(['main', 'thread-0', 'thread-1']));
  assert.equal(identity(movedTrials), expected);
  assert.is(executor!.description, 'in-process, then 2 worker threads');
});

test('trials run seed by seed, in plan order within a seed', () => {
  const path = config('order', 400, 3);
  const { config: parsed } = parseExperimentWithWarnings(readFileSync(path, 'utf8'), path);
  const plan = planTrials(parsed);
  const ordered = seedMajor(plan);
  assert.equal(ordered.map((t) => t.seedIndex), [...Array(8).fill(0), ...Array(8).fill(1), ...Array(8).fill(2)]);
  for (const seedIndex of [0, 1, 2]) assert.equal(ordered.filter((t) => t.seedIndex === seedIndex), plan.filter((t) => t.seedIndex === seedIndex));
});

test('the same config gives identical results on 1 and on 2 workers', async () => {
  const path = config('workers', 400, 3);
  const one = await runExperiment(path, { db: join(dir, 'one.db'), out: dir, executor: (c) => new InProcessExecutor(c), report: false });
  const two = await runExperiment(path, { db: join(dir, 'two.db'), out: dir, executor: (c) => new ThreadExecutor(c, 2), report: false });
  assert.is(one.run.status, 'done');
  assert.is(two.executed, 24);
  const a = storedTrials(join(dir, 'one.db'), one.run.id);
  const b = storedTrials(join(dir, 'two.db'), two.run.id);
  assert.is(a.length, 24);
  assert.equal(identity(a), identity(b));
  // Two worker threads really shared the work, a seed at a time: after the first trials (one each, to time
  // them), each seed's trials ran on one thread, which drew its population once.
  assert.is(new Set(b.map((t) => t.worker)).size, 2);
  for (const seedIndex of [1, 2]) assert.is(new Set(b.filter((t) => t.seedIndex === seedIndex).map((t) => t.worker)).size, 1, `seed ${seedIndex}`);
  // Common random numbers: the honest side of each season is the same under both rules' seeds, and
  // more budget never makes the attack fail where less succeeded on the same seed (buying is monotone).
  const success = (variant: string, budget: number, seed: number) => a.find((t) => t.variant === variant && t.params.attackBudgetUsd === budget && t.seed === seed)!.metrics.attackSucceeded!;
  for (const seed of new Set(a.map((t) => t.seed))) {
    for (const variant of ['fixed-4pct', 'fixed-10pct']) {
      const curve = [1e6, 1e7, 3e7, 1e8].map((budget) => success(variant, budget, seed));
      assert.equal([...curve].sort(), curve, `${variant} seed ${seed}: ${curve}`);
    }
    assert.ok(success('fixed-10pct', 3e7, seed) <= success('fixed-4pct', 3e7, seed));
  }
});

test('a run killed with SIGKILL mid-run resumes: no trial lost or duplicated, results as an uninterrupted run', async () => {
  // 60 seeds x 8 cells: long enough (a few seconds) that the kill lands mid-run; a seed's population is drawn
  // once and shared by its 8 trials, so the seeds, not the cells, make the run long.
  const path = config('killed', 3000, 60);
  const total = 480;
  const db = join(dir, 'killed.db');
  const child = spawn(process.execPath, [BIN, 'run', path, '--db', db, '--out', dir, '--workers', '1', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let before = 0;
  let runId = '';
  for (let waited = 0; waited < 60_000 && before < 15; waited += 25) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    if (!existsSync(db)) continue;
    const store = Store.open(db);
    try {
      const run = store.listRuns()[0];
      if (run !== undefined) {
        runId = run.id;
        before = store.countTrials(run.id);
      }
    } finally {
      store.close();
    }
  }
  child.kill('SIGKILL');
  await exited;
  assert.ok(before >= 15, `child recorded ${before} trials before the kill; stderr: ${stderr}`);
  const store = Store.open(db);
  const atKill = store.countTrials(runId);
  assert.is(store.getRun(runId)!.status, 'running');
  store.close();
  assert.ok(atKill < total, `the run should have been cut short, had ${atKill}/${total}`);

  const resumed = await resumeRun(runId, { db, out: dir, executor: (c) => new InProcessExecutor(c), report: false });
  assert.is(resumed.run.status, 'done');
  assert.is(resumed.executed, total - atKill);
  const reference = await runExperiment(path, { db: join(dir, 'reference.db'), out: dir, executor: (c) => new InProcessExecutor(c), report: false });
  const got = storedTrials(db, runId);
  assert.is(got.length, total);
  assert.is(new Set(got.map((t) => `${t.key}#${t.seed}`)).size, total);
  assert.equal(identity(got), identity(storedTrials(join(dir, 'reference.db'), reference.run.id)));
});

test('a bad config writes nothing: no database, no report', async () => {
  const path = join(dir, 'bad.yaml');
  writeFileSync(path, 'name: bad\nkind: compare\nvariants: [{name: a, preset: nope}]\n');
  const db = join(dir, 'nothing', 'x.db');
  try {
    await runExperiment(path, { db, out: join(dir, 'nothing') });
    assert.unreachable('a bad config must not run');
  } catch (error) {
    assert.match((error as Error).message, /bad\.yaml:3: variants\[0\]\.preset: must be one of/);
  }
  assert.not.ok(existsSync(join(dir, 'nothing')));
  assert.ok(readFileSync(path, 'utf8').includes('nope'));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
