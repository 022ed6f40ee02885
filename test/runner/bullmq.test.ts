/**
 * Scale-out on a real Redis: a coordinator with the BullMQ executor, two `daogym worker` processes, one of
 * them killed (SIGKILL) in the middle of a trial. Every planned trial must be recorded exactly once, by
 * value equal to a local in-process run of the same config. Needs `redis-server` (.ci/run installs it).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import '../../envs/index.ts';
import { BullmqExecutor, jobConfigHash, runWorker, TrialFailedError, trialJobId } from '../../runner/bullmq.ts';
import { parseExperiment, type ExperimentConfig } from '../../runner/config.ts';
import { InProcessExecutor } from '../../runner/executors.ts';
import { planTrials } from '../../runner/plan.ts';
import { runExperiment } from '../../runner/run.ts';
import { Store, trialId } from '../../runner/store.ts';
import type { TrialResult } from '../../runner/types.ts';

const idOf = (trial: { key: string; seed: number }) => trialId(trial.key, trial.seed);

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const haveRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A throwaway redis-server on 127.0.0.1 (no persistence), ready when it answers PING. */
async function startRedis(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    const connection = new Redis(url, { lazyConnect: true, connectTimeout: 1000, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    connection.on('error', () => {});
    try {
      await connection.connect();
      if ((await connection.ping()) === 'PONG') return { url, process: server };
    } catch {
      await sleep(50);
    } finally {
      connection.disconnect();
    }
  }
  server.kill('SIGKILL');
  throw new Error('redis-server did not answer PING within 5 s');
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited(child);
  clearTimeout(timer);
}

function startWorker(url: string, queue: string, name: string): { process: ChildProcess; output: () => string } {
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'daogym.mjs'), 'worker', '--redis', url, '--queue', queue, '--name', name, '--lock-duration', '2000', '--stalled-interval', '1000'],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { process: child, output: () => output };
}

/** Two populations: a small one (trials of milliseconds) and a large one (trials of about a quarter of a second, to kill a worker in). */
const STRESS_YAML = `name: bullmq-scale-out
kind: compare
seed: 23
seeds: 5
variants:
  - { name: bravo, preset: compound-bravo }
  - { name: nouns, preset: nouns }
populations:
  - { name: small, members: 300 }
  - { name: large, members: 50000 }
attacks: [none, buy-and-vote]
attackBudgetUsd: 20000000
season:
  days: 12
report:
  primaryMetric: score
  metrics: [score, welfare, attackSucceeded]
`;

const SMALL_YAML = `name: bullmq-small
kind: compare
seed: 5
seeds: 2
variants:
  - { name: bravo, preset: compound-bravo }
populations:
  - { name: small, members: 300 }
attacks: [none]
season:
  days: 10
report:
  primaryMetric: score
  metrics: [score]
`;

async function localMetrics(config: ExperimentConfig): Promise<Map<string, TrialResult['metrics']>> {
  const metrics = new Map<string, TrialResult['metrics']>();
  await new InProcessExecutor(config).run(planTrials(config), (result) => metrics.set(idOf(result), result.metrics));
  return metrics;
}

if (!haveRedis) {
  test('bullmq scale-out (skipped)', () => {
    console.log('skipped: redis-server not installed');
  });
} else {
  test('two workers, one killed mid-trial: every trial recorded once, equal to a local run', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'daogym-bullmq-'));
    const redis = await startRedis();
    const queueName = `daogym-test-${process.pid}-${Date.now()}`;
    const workers: ReturnType<typeof startWorker>[] = [];
    const watcherConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const watcher = new Queue(queueName, { connection: watcherConnection });
    const started = Date.now();
    const phase = (label: string) => console.log(`  ${((Date.now() - started) / 1000).toFixed(1)} s: ${label}`);
    try {
      const path = join(temp, 'scale-out.yaml');
      writeFileSync(path, STRESS_YAML);
      const config = parseExperiment(STRESS_YAML, path);
      const specs = planTrials(config);
      assert.is(specs.length, 40);
      // Workers take seconds to load; they start while the local reference run computes.
      workers.push(startWorker(redis.url, queueName, 'w1'), startWorker(redis.url, queueName, 'w2'));
      const expected = await localMetrics(config);
      phase('local run done');
      const db = join(temp, 'runs.db');
      const running = runExperiment(path, {
        db,
        out: join(temp, 'out'),
        executor: (c) => new BullmqExecutor(c, { redis: redis.url, queue: queueName, pollMs: 500 }),
        report: false,
      });
      let finished = false;
      void running.then(
        () => (finished = true),
        () => (finished = true),
      );

      // Kill w1 early in a large-population trial: it holds that job's lock and never finishes it.
      let killed: { id: string; key: string; seed: number } | undefined;
      while (killed === undefined && !finished) {
        for (const job of await watcher.getActive()) {
          const spec = job.data.spec as { key: string; seed: number; params: { population: string } };
          if (job.processedBy === 'w1' && spec.params.population === 'large' && job.processedOn !== undefined && Date.now() - job.processedOn < 100) {
            workers[0]!.process.kill('SIGKILL');
            killed = { id: job.id!, key: spec.key, seed: spec.seed };
            break;
          }
        }
        if (killed === undefined) await sleep(20);
      }
      assert.ok(killed, 'w1 was seen running a large trial and killed');
      phase('w1 killed');
      await exited(workers[0]!.process);

      const outcome = await running;
      phase('distributed run done');
      assert.is(outcome.interrupted, false);
      assert.is(outcome.run.status, 'done');

      const store = Store.open(db);
      try {
        const trials = store.trials(outcome.run.id);
        assert.is(trials.length, specs.length, 'every planned trial recorded');
        assert.is(new Set(trials.map(idOf)).size, specs.length, 'each exactly once');
        assert.is(store.countTrials(outcome.run.id), specs.length);
        for (const trial of trials) assert.equal(trial.metrics, expected.get(idOf(trial)), `metrics of ${idOf(trial)} equal the local run's`);
        const workerNames = new Set(trials.map((t) => t.worker));
        assert.ok(workerNames.has('w2'), 'w2 ran trials');
        const rerun = trials.find((t) => t.key === killed!.key && t.seed === killed!.seed)!;
        assert.is(rerun.worker, 'w2', 'the killed trial was re-queued and finished by the surviving worker');
      } finally {
        store.close();
      }
      const job = await watcher.getJob(killed!.id);
      assert.ok(job !== undefined && job.attemptsStarted >= 2, `the killed trial was started again (attemptsStarted ${job?.attemptsStarted})`);
      assert.is(killed!.id, trialJobId(jobConfigHash(config), killed!));
      // The surviving worker stops on SIGTERM with the shell's code for it, 128 + 15.
      await stopProcess(workers[1]!.process);
      assert.is(workers[1]!.process.exitCode, 143, `a worker stopped by SIGTERM exits 143: ${workers[1]!.output()}`);
    } catch (error) {
      for (const [i, worker] of workers.entries()) console.log(`worker w${i + 1} output:\n${worker.output()}`);
      throw error;
    } finally {
      await watcher.close().catch(() => {});
      watcherConnection.disconnect();
      await Promise.all(workers.map((w) => stopProcess(w.process)));
      await stopProcess(redis.process, 'SIGKILL');
      rmSync(temp, { recursive: true, force: true });
    }
  });

  test('a trial enqueued twice runs once; a failing trial rejects the run with its key and error', async () => {
    const redis = await startRedis();
    const queueName = `daogym-test-dedupe-${process.pid}`;
    const controller = new AbortController();
    const worker = runWorker({ redis: redis.url, queue: queueName, name: 'in-test', signal: controller.signal, handleSignals: false });
    const watcherConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const watcher = new Queue(queueName, { connection: watcherConnection });
    const executors: BullmqExecutor[] = [];
    try {
      const config = parseExperiment(SMALL_YAML);
      const [first, second] = planTrials(config);
      const expected = await localMetrics(config);

      const executor = new BullmqExecutor(config, { redis: redis.url, queue: queueName, pollMs: 200 });
      executors.push(executor);
      const results: TrialResult[] = [];
      await executor.run([first!, first!, second!], (result) => results.push(result));
      assert.is(results.length, 2, 'one result per distinct trial');
      assert.equal(new Set(results.map(idOf)), new Set([idOf(first!), idOf(second!)]));
      for (const result of results) {
        assert.equal(result.metrics, expected.get(idOf(result)));
        assert.is(result.worker, 'in-test');
      }

      // Another coordinator enqueues the same trial: it is already done in Redis, so it is not run again.
      const again = new BullmqExecutor(config, { redis: redis.url, queue: queueName, pollMs: 200 });
      executors.push(again);
      const repeated: TrialResult[] = [];
      await again.run([first!], (result) => repeated.push(result));
      assert.is(repeated.length, 1);
      const original = results.find((r) => idOf(r) === idOf(first!))!;
      assert.equal(repeated[0], original, 'the stored result, not a recomputation (same duration)');
      const counts = await watcher.getJobCounts('completed', 'waiting', 'active', 'failed');
      assert.equal(counts, { completed: 2, waiting: 0, active: 0, failed: 0 }, 'two jobs in all');

      const failing = new BullmqExecutor(config, { redis: redis.url, queue: queueName, pollMs: 200, jobOptions: { attempts: 2, backoff: { type: 'fixed', delay: 50 } } });
      executors.push(failing);
      const bogus = { ...first!, key: 'variant=missing|population=small|attack=none', params: { ...first!.params, variant: 'missing' } };
      try {
        await failing.run([bogus], () => assert.unreachable('no result for a failing trial'));
        assert.unreachable('the run should reject');
      } catch (error) {
        assert.instance(error, TrialFailedError);
        const message = (error as Error).message;
        assert.match(message, 'variant=missing|population=small|attack=none');
        assert.match(message, 'after 2 attempts');
        assert.match(message, /names a (variant|population) the config lacks/);
      }
    } finally {
      for (const executor of executors) await executor.close();
      await watcher.close().catch(() => {});
      watcherConnection.disconnect();
      controller.abort();
      await worker;
      await stopProcess(redis.process, 'SIGKILL');
    }
  });
}

test.run();
