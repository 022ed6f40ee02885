/**
 * Executors turn trial specs into results: in this process, or on worker threads (one per core by default;
 * light trials start in process and move to threads when the run is long enough to pay for them). Results
 * arrive in completion order through `onResult`; `stop()` stops handing out new trials and lets the running
 * ones finish, so a stopped run loses nothing that finished. On worker threads, a trial whose thread died (out
 * of memory, a native crash) runs once more on the fresh thread that replaced it; a second death, or an error
 * the trial throws, stops the run (finished trials are kept: resume).
 */
import { availableParallelism } from 'node:os';
import { WorkerPool } from '../lib/pool.ts';
import type { ExperimentConfig } from './config.ts';
import { executeTrial, type TrialContext } from './execute.ts';
import type { TrialResult, TrialSpec } from './types.ts';
import { siblingModule } from '../lib/modules.ts';
import { kindOf } from './kinds/index.ts';

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
    await this.runUntil(specs, onResult, () => false);
  }

  /** Runs trials in order until `handOver(done)` says to stop after `done` of them (or stop()); returns how many ran. */
  async runUntil(specs: readonly TrialSpec[], onResult: (result: TrialResult) => void, handOver: (done: number) => boolean): Promise<number> {
    let done = 0;
    while (done < specs.length && !this.stopped) {
      onResult({ ...(await executeTrial(this.config, specs[done]!, this.context)), worker: 'main' });
      done++;
      // Let signals and timers run between trials.
      await new Promise((resolve) => setImmediate(resolve));
      if (handOver(done)) break;
    }
    return done;
  }

  stop(): void {
    this.stopped = true;
  }

  async close(): Promise<void> {}
}

/** How long a chunk of trials should take on a worker: long enough that messages and bookkeeping are a small share. */
const CHUNK_MS = 40;
const MAX_CHUNK = 64;
/**
 * A chunk runs on to the end of its seed when the rest of the seed takes no longer than this (ms): a seed's trials
 * share its population, which each worker draws once, so a seed kept on one worker is drawn once in all.
 */
const SEED_CHUNK_MS = 250;

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
      let size = Math.max(1, Math.min(MAX_CHUNK, Math.floor(CHUNK_MS / Math.max(perTrial, 1e-3))));
      let seedEnd = next;
      while (seedEnd < specs.length && specs[seedEnd]!.seedIndex === specs[next]!.seedIndex) seedEnd++;
      if ((seedEnd - next) * perTrial <= SEED_CHUNK_MS) size = Math.max(size, seedEnd - next);
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

/** How long the adaptive executor runs trials in process before it judges whether threads would pay (ms). */
export const PROBE_MS = 1500;
/**
 * Trials left that would take longer than this in process (ms) are handed to worker threads. Each thread costs
 * about 1.5 s of CPU to start (modules, V8's warm-up) on cores the trials need, and a 1-worker run already has
 * V8 compiling and collecting garbage on the second core: the main job broke even near 5 s of trials on 2 cores
 * (docs/results/2026-12-07-main-job-speed.md).
 */
export const THREADS_WORTH_MS = 8000;

/**
 * The default for light trials when neither --workers nor the config sets a count: trials run in process, and
 * once PROBE_MS of them say the rest would take longer than THREADS_WORTH_MS, the rest go to `workers` threads.
 * Short runs never pay for threads they cannot use; long ones get every core.
 */
export class AdaptiveExecutor implements Executor {
  description: string;
  private readonly inProcess: InProcessExecutor;
  private threads: ThreadExecutor | undefined;
  private stopped = false;

  constructor(
    private readonly config: ExperimentConfig,
    readonly workers = Math.max(1, availableParallelism()),
    private readonly context: TrialContext = {},
    private readonly limits = { probeMs: PROBE_MS, threadsWorthMs: THREADS_WORTH_MS },
  ) {
    this.description = `in-process, then ${workers} worker threads if the trials left need them`;
    this.inProcess = new InProcessExecutor(config, context);
  }

  async run(specs: readonly TrialSpec[], onResult: (result: TrialResult) => void): Promise<void> {
    const start = performance.now();
    const next = await this.inProcess.runUntil(specs, onResult, (done) => {
      const elapsed = performance.now() - start;
      return elapsed >= this.limits.probeMs && (elapsed / done) * (specs.length - done) > this.limits.threadsWorthMs;
    });
    if (next >= specs.length || this.stopped) return;
    this.threads = new ThreadExecutor(this.config, this.workers, this.context);
    this.description = `in-process, then ${this.threads.description}`;
    await this.threads.run(specs.slice(next), onResult);
  }

  stop(): void {
    this.stopped = true;
    this.inProcess.stop();
    this.threads?.stop();
  }

  async close(): Promise<void> {
    await this.threads?.close();
  }
}

/**
 * The executor for `workers` (the CLI's --workers, else the config's): 1 runs in process, more run on that many
 * threads. With neither, light trials (compare, stress, sweep) run adaptively, others on one thread per core.
 */
export function localExecutor(config: ExperimentConfig, workers: number | undefined, context: TrialContext = {}): Executor {
  const cores = Math.max(1, availableParallelism());
  const count = workers ?? config.workers;
  if (count === undefined && cores > 1 && kindOf(config).lightTrials === true) return new AdaptiveExecutor(config, cores, context);
  const threads = count ?? cores;
  return threads <= 1 ? new InProcessExecutor(config, context) : new ThreadExecutor(config, threads, context);
}
