/**
 * Executors turn trial specs into results: in this process, or on worker threads (one per core by
 * default). Results arrive in completion order through `onResult`; `stop()` stops handing out new trials
 * and lets the running ones finish, so a stopped run loses nothing that finished. On worker threads, a
 * trial whose thread died (out of memory, a native crash) runs once more on the fresh thread that replaced
 * it; a second death, or an error the trial throws, stops the run (finished trials are kept: resume).
 */
import { availableParallelism } from 'node:os';
import { WorkerPool } from '../lib/pool.ts';
import type { ExperimentConfig } from './config.ts';
import { executeTrial, type TrialContext } from './execute.ts';
import type { TrialResult, TrialSpec } from './types.ts';
import { siblingModule } from '../lib/modules.ts';

export interface Executor {
  readonly description: string;
  run(specs: readonly TrialSpec[], onResult: (result: TrialResult) => void): Promise<void>;
  stop(): void;
  close(): Promise<void>;
}

export class InProcessExecutor implements Executor {
  readonly description = 'in-process';
  private stopped = false;

  constructor(
    private readonly config: ExperimentConfig,
    private readonly context: TrialContext = {},
  ) {}

  async run(specs: readonly TrialSpec[], onResult: (result: TrialResult) => void): Promise<void> {
    for (const spec of specs) {
      if (this.stopped) return;
      onResult({ ...(await executeTrial(this.config, spec, this.context)), worker: 'main' });
      // Let signals and timers run between trials.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  stop(): void {
    this.stopped = true;
  }

  async close(): Promise<void> {}
}

export class ThreadExecutor implements Executor {
  readonly description: string;
  private readonly pool: WorkerPool<TrialSpec, TrialResult>;
  private stopped = false;

  constructor(config: ExperimentConfig, readonly workers = Math.max(1, availableParallelism()), context: TrialContext = {}) {
    this.pool = new WorkerPool<TrialSpec, TrialResult>(siblingModule('./trial-worker.ts', import.meta.url), { config, trialContext: context }, workers);
    this.description = `${workers} worker thread${workers === 1 ? '' : 's'}`;
  }

  async run(specs: readonly TrialSpec[], onResult: (result: TrialResult) => void): Promise<void> {
    // Keep a short queue per worker rather than handing the pool everything, so stop() takes effect fast.
    const inFlight = new Set<Promise<void>>();
    let failure: Error | undefined;
    for (const spec of specs) {
      if (this.stopped || failure !== undefined) break;
      const task: Promise<void> = this.pool.run(spec, 1).then(
        (result) => {
          inFlight.delete(task);
          if (failure === undefined) onResult(result);
        },
        (error: Error) => {
          inFlight.delete(task);
          failure ??= error;
        },
      );
      inFlight.add(task);
      if (inFlight.size >= this.workers * 2) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
  }

  stop(): void {
    this.stopped = true;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

export function localExecutor(config: ExperimentConfig, workers: number | undefined, context: TrialContext = {}): Executor {
  const count = workers ?? config.workers ?? Math.max(1, availableParallelism());
  return count <= 1 ? new InProcessExecutor(config, context) : new ThreadExecutor(config, count, context);
}
