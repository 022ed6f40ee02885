/**
 * The main job at 24 seeds (experiments/quorum-stress.yaml with seeds: 24: 9,360 trials of about 2 ms), the whole
 * run through runExperiment (planning, trials, the store, the report) on 1 worker (in process) and on 2 worker
 * threads, and the ratio. Each setting runs twice, alternating (1, 2, 1, 2 workers), and the ratio is of the best
 * runs: run-to-run noise on this 2-core machine is +-10 %. Every run must agree with the first trial by trial.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runExperiment } from '../runner/run.ts';
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
    const measure = async (workers: number) => {
      attempt++;
      const db = join(directory, `w${workers}-${attempt}.db`);
      const start = performance.now();
      const outcome = await runExperiment(path, { db, out: join(directory, `w${workers}-${attempt}`), workers });
      const seconds = (performance.now() - start) / 1000;
      const store = Store.open(db);
      try {
        const metrics = new Map(store.trials(outcome.run.id).map((t) => [`${t.key}#${t.seed}`, JSON.stringify(t.metrics)]));
        return { seconds, trials: outcome.executed, metrics };
      } finally {
        store.close();
      }
    };
    const runs = [await measure(1), await measure(2), await measure(1), await measure(2)];
    const first = runs[0]!;
    const identical = runs.every((run) => run.metrics.size === first.metrics.size && [...first.metrics].every(([id, m]) => run.metrics.get(id) === m));
    if (!identical) throw new Error('the main job gave different results on 1 and 2 workers');
    const round = (value: number) => Number(value.toFixed(2));
    const one = Math.min(runs[0]!.seconds, runs[2]!.seconds);
    const two = Math.min(runs[1]!.seconds, runs[3]!.seconds);
    return [
      { name: 'runner.main_job_24_seeds.seconds.1_worker', value: round(one), unit: 's (best of 2)', runs: [round(runs[0]!.seconds), round(runs[2]!.seconds)], trials: first.trials },
      { name: 'runner.main_job_24_seeds.seconds.2_workers', value: round(two), unit: 's (best of 2)', runs: [round(runs[1]!.seconds), round(runs[3]!.seconds)], trials: first.trials },
      { name: 'runner.main_job_24_seeds.speedup_2_vs_1', value: round(one / two), unit: 'x', cores: availableParallelism(), identicalResults: identical, target: 1.8 },
    ];
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
