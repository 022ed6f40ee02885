/**
 * The main job at 24 seeds (experiments/quorum-stress.yaml with seeds: 24: 9,360 trials of about 0.5 ms), the
 * whole run as a user starts it (`daogym run --workers N` in a fresh process: start-up, checks, trials, the store,
 * the report) on 1 worker (in process), on 2 worker threads, and with no --workers (the adaptive default), and the
 * ratios. Each setting runs twice, alternating (1, 2, default, 1, 2, default), and the ratios are of the best
 * runs: run-to-run noise on this 2-core machine is +-10 %. Every run must agree with the first trial by trial.
 * Each run's process CPU time (all threads) is recorded too: V8 compiles and collects garbage on threads of its
 * own, so a 1-worker run already keeps more than one core busy, and 2 x its wall time / its CPU time bounds what
 * 2 cores can give (a 2-worker run does at least the same work, plus a second isolate's start and JIT warm-up).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { Store } from '../runner/store.ts';
import type { Figure } from './cartpole.ts';

export async function benchMainJob(seeds = 24): Promise<Figure[]> {
  const directory = mkdtempSync(join(tmpdir(), 'daogym-bench-main-'));
  try {
    const config = parse(readFileSync(new URL('../experiments/quorum-stress.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
    config.seeds = seeds;
    const path = join(directory, 'main-job.yaml');
    writeFileSync(path, stringify(config));
    let attempt = 0;
    const measure = async (workers: number | 'default') => {
      attempt++;
      const db = join(directory, `w${workers}-${attempt}.db`);
      const cpuFile = join(directory, `w${workers}-${attempt}.cpu.json`);
      const start = performance.now();
      const child = spawnSync(process.execPath, [fileURLToPath(new URL('./timed-cli.mjs', import.meta.url)), 'run', path, ...(workers === 'default' ? [] : ['--workers', String(workers)]), '--db', db, '--out', join(directory, `w${workers}-${attempt}`), '--quiet'], {
        env: { ...process.env, DAOGYM_BENCH_CPU: cpuFile },
        encoding: 'utf8',
      });
      const seconds = (performance.now() - start) / 1000;
      if (child.status !== 0) throw new Error(`daogym run --workers ${workers} exited with ${child.status}: ${child.stderr}`);
      const { cpuSeconds } = JSON.parse(readFileSync(cpuFile, 'utf8')) as { cpuSeconds: number };
      const store = Store.open(db);
      try {
        const run = store.listRuns()[0]!;
        const metrics = new Map(store.trials(run.id).map((t) => [`${t.key}#${t.seed}`, JSON.stringify(t.metrics)]));
        return { seconds, cpuSeconds, trials: metrics.size, metrics };
      } finally {
        store.close();
      }
    };
    const runs = [await measure(1), await measure(2), await measure('default'), await measure(1), await measure(2), await measure('default')];
    const first = runs[0]!;
    const identical = runs.every((run) => run.metrics.size === first.metrics.size && [...first.metrics].every(([id, m]) => run.metrics.get(id) === m));
    if (!identical) throw new Error('the main job gave different results on 1 and 2 workers');
    const round = (value: number) => Number(value.toFixed(2));
    const best = (a: (typeof runs)[number], b: (typeof runs)[number]) => (a.seconds <= b.seconds ? a : b);
    const one = best(runs[0]!, runs[3]!);
    const two = best(runs[1]!, runs[4]!);
    const auto = best(runs[2]!, runs[5]!);
    return [
      { name: `runner.main_job_${seeds}_seeds.seconds.1_worker`, value: round(one.seconds), unit: 's (best of 2)', runs: [round(runs[0]!.seconds), round(runs[3]!.seconds)], cpuSeconds: round(one.cpuSeconds), trials: first.trials },
      { name: `runner.main_job_${seeds}_seeds.seconds.2_workers`, value: round(two.seconds), unit: 's (best of 2)', runs: [round(runs[1]!.seconds), round(runs[4]!.seconds)], cpuSeconds: round(two.cpuSeconds), trials: first.trials },
      { name: `runner.main_job_${seeds}_seeds.seconds.default`, value: round(auto.seconds), unit: 's (best of 2; no --workers)', runs: [round(runs[2]!.seconds), round(runs[5]!.seconds)], cpuSeconds: round(auto.cpuSeconds), speedupVs1Worker: round(one.seconds / auto.seconds) },
      { name: `runner.main_job_${seeds}_seeds.speedup_2_vs_1`, value: round(one.seconds / two.seconds), unit: 'x', cores: availableParallelism(), identicalResults: identical, target: 1.8 },
      {
        name: `runner.main_job_${seeds}_seeds.speedup_bound_2_cores`,
        value: round((availableParallelism() * one.seconds) / one.cpuSeconds),
        unit: 'x (cores x 1-worker wall / 1-worker CPU)',
        note: 'the most the cores could give if the 2-worker run did no more work than the 1-worker run',
      },
    ];
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
