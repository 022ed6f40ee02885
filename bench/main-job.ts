/**
 * The main job at 24 seeds (experiments/quorum-stress.yaml with seeds: 24: 9,360 trials of about 2 ms), the whole
 * run through runExperiment (planning, trials, the store, the report) on 1 worker (in process) and on 2 worker
 * threads, and the ratio. The two runs must agree trial by trial.
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
    const measure = async (workers: number) => {
      const db = join(directory, `w${workers}.db`);
      const start = performance.now();
      const outcome = await runExperiment(path, { db, out: join(directory, `w${workers}`), workers });
      const seconds = (performance.now() - start) / 1000;
      const store = Store.open(db);
      try {
        const metrics = new Map(store.trials(outcome.run.id).map((t) => [`${t.key}#${t.seed}`, JSON.stringify(t.metrics)]));
        return { seconds, trials: outcome.executed, metrics };
      } finally {
        store.close();
      }
    };
    const one = await measure(1);
    const two = await measure(2);
    const identical = one.metrics.size === two.metrics.size && [...one.metrics].every(([id, m]) => two.metrics.get(id) === m);
    if (!identical) throw new Error('the main job gave different results on 1 and 2 workers');
    const round = (value: number) => Number(value.toFixed(2));
    return [
      { name: 'runner.main_job_24_seeds.seconds.1_worker', value: round(one.seconds), unit: 's', trials: one.trials },
      { name: 'runner.main_job_24_seeds.seconds.2_workers', value: round(two.seconds), unit: 's', trials: two.trials },
      { name: 'runner.main_job_24_seeds.speedup_2_vs_1', value: round(one.seconds / two.seconds), unit: 'x', cores: availableParallelism(), identicalResults: identical, target: 1.8 },
    ];
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
