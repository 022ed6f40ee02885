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

/** How long a chunk of trials should take on a worker: long enough that messages and bookkeeping are a small share. */
const CHUNK_MS = 40;
const MAX_CHUNK = 64;

export class ThreadExecutor implements Executor {
  readonly description: string;
  private readonly pool: WorkerPool<TrialSpec[], TrialResult[]>;
  private stopped = false;

  constructor(config: ExperimentConfig, readonly workers = Math.max(1, availableParallelism()), context: TrialContext = {}) {
    // Two chunks per worker: a worker starts its next chunk while the main thread records the last one's results.
    this.pool = new WorkerPool<TrialSpec[], TrialResult[]>(siblingModule('./trial-worker.ts', import.meta.url), { config, trialContext: context }, workers, 2);
    this.description = `${workers} worker thread${workers === 1 ? '' : 's'}`;
  }

  /**
   * Hands the pool chunks of trials, sized from the trials' own durations so that each takes about CHUNK_MS
   * (one trial at a time until the first results say how long a trial takes): a worker returns a chunk's results
   * in one message, and short trials no longer wait on the main thread between them. A short queue per worker,
   * so stop() takes effect within a chunk.
   */
  async run(specs: readonly TrialSpec[], onResult: (result: TrialResult) => void): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    let failure: Error | undefined;
    let measuredMs = 0;
    let measured = 0;
    let next = 0;
    while (next < specs.length) {
      if (this.stopped || failure !== undefined) break;
      const perTrial = measured >= this.workers ? measuredMs / measured : Infinity;
      const size = Math.max(1, Math.min(MAX_CHUNK, Math.floor(CHUNK_MS / Math.max(perTrial, 1e-3))));
      const chunk = specs.slice(next, next + size);
      next += chunk.length;
      const task: Promise<void> = this.pool.run(chunk, 1).then(
        (results) => {
          inFlight.delete(task);
          if (failure !== undefined) return;
          for (const result of results) {
            measuredMs += result.durationMs;
            measured++;
            onResult(result);
          }
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
