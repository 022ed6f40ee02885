/**
 * A pool of worker threads that evaluate candidates in parallel (black-box search, evaluation of many
 * seeds). Each worker imports `module` and calls its exported `createEvaluator(context)` once; the
 * returned function scores one task at a time. Results come back in task order; an evaluator error rejects
 * that task with the worker's message. A worker that dies (out of memory, process.exit, a native crash)
 * rejects only the task it was running, with a WorkerExitError, and is replaced, so the other tasks go on.
 * A worker that dies before its evaluator starts (a module that fails to load) gives its task back to the
 * queue; as many such deaths in a row as the pool has workers fail the pool with the reason, rather than
 * replacing workers forever. One tfjs backend per worker when evaluators use it.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** A task's worker thread died while running it; the same task may well succeed on a fresh worker. */
export class WorkerExitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerExitError';
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * A task's error as the worker threw it: same name and message (so callers can tell a typed refusal such as
 * TrialInputError from a bug), with the worker's stack.
 */
function remoteError(message: { error?: string; name?: string; message?: string }): Error {
  const error = new Error(message.message ?? message.error);
  if (message.name !== undefined) error.name = message.name;
  if (message.error !== undefined) error.stack = message.error;
  return error;
}

export class WorkerPool<Task = unknown, Result = unknown> {
  private readonly workers: Worker[] = [];
  private readonly queue: { id: number; task: Task }[] = [];
  private readonly pending = new Map<number, Pending>();
  /**
   * The jobs each worker holds, in the order it runs them: the first is running, the others wait in the
   * worker's own queue (given back to the pool's queue if the worker dies or could not start).
   */
  private readonly assigned = new Map<Worker, { id: number; task: Task }[]>();
  private nextId = 0;
  private failure: Error | undefined;
  private readonly entry: URL;
  private readonly workerData: { module: string; context: unknown };
  /** Workers that died before their evaluator started, since the last one that started. */
  private startFailures = 0;
  private closing = false;

  /**
   * `depth` jobs are handed to each worker at once (default 1): with 2, a worker starts its next job as soon
   * as it finishes one, without waiting for the main thread to read the result and send more.
   */
  constructor(
    module: string | URL,
    context: unknown,
    readonly size = Math.max(1, availableParallelism()),
    readonly depth = 1,
  ) {
    this.entry = new URL(import.meta.url.endsWith('.ts') ? './pool-worker.mjs' : './pool-worker-entry.js', import.meta.url);
    const moduleUrl = module instanceof URL ? module.href : module.startsWith('file:') ? module : new URL(module, `file://${process.cwd()}/`).href;
    this.workerData = { module: moduleUrl, context };
    for (let i = 0; i < size; i++) this.spawn(i);
  }

  private spawn(index: number): void {
    const worker = new Worker(this.entry, { workerData: { ...this.workerData, index } });
    let lastError: Error | undefined;
    let ready = false;
    worker.on('message', (message: { ready?: true; id: number; ok: boolean; result?: unknown; error?: string; name?: string; message?: string }) => {
      if (message.ready) {
        ready = true;
        this.startFailures = 0;
        return;
      }
      const call = this.pending.get(message.id);
      this.pending.delete(message.id);
      const held = this.assigned.get(worker);
      const at = held?.findIndex((job) => job.id === message.id) ?? -1;
      if (at >= 0) held!.splice(at, 1);
      if (call !== undefined) {
        if (message.ok) call.resolve(message.result);
        else call.reject(remoteError(message));
      }
      this.dispatch();
    });
    worker.on('error', (error) => {
      lastError = error;
    });
    worker.on('exit', (code) => {
      if (this.closing) return;
      const at = this.workers.indexOf(worker);
      if (at >= 0) this.workers.splice(at, 1);
      const held = this.assigned.get(worker) ?? [];
      this.assigned.delete(worker);
      const reason = lastError?.message ?? `exit code ${code}`;
      if (!ready) {
        // The evaluator never started: its tasks did not run, so they go back to the queue. As many such
        // deaths in a row as the pool has workers means the evaluator cannot start at all.
        this.queue.unshift(...held);
        if (++this.startFailures >= this.size) {
          this.fail(new Error(`pool workers cannot start: ${reason}`));
          return;
        }
      } else if (held.length > 0) {
        // The first job was running; those behind it never started and go back to the queue as they were.
        const [running, ...waiting] = held;
        this.queue.unshift(...waiting);
        const call = this.pending.get(running!.id);
        this.pending.delete(running!.id);
        call?.reject(new WorkerExitError(`pool worker ${index} died while running a task (${reason}); it was replaced`));
      }
      if (this.failure === undefined) {
        this.spawn(index);
        this.dispatch();
      }
    });
    this.workers.push(worker);
    this.assigned.set(worker, []);
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }

  /** Hands queued jobs to the least-loaded workers, up to `depth` each. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let target: Worker | undefined;
      let least = this.depth;
      for (const worker of this.workers) {
        const load = this.assigned.get(worker)?.length ?? this.depth;
        if (load < least) {
          least = load;
          target = worker;
        }
      }
      if (target === undefined) return;
      const job = this.queue.shift()!;
      this.assigned.get(target)!.push(job);
      target.postMessage(job);
    }
  }

  /** Scores one task; `retries` more attempts, each on a fresh worker, if its worker dies running it. */
  run(task: Task, retries = 0): Promise<Result> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    const promise = new Promise<Result>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    this.queue.push({ id, task });
    this.dispatch();
    return retries > 0 ? promise.catch((error: Error) => (error instanceof WorkerExitError ? this.run(task, retries - 1) : Promise.reject(error))) : promise;
  }

  map(tasks: Task[]): Promise<Result[]> {
    return Promise.all(tasks.map((task) => this.run(task)));
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
