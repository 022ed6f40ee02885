/**
 * A pool of worker threads that evaluate candidates in parallel (black-box search, evaluation of many
 * seeds). Each worker imports `module` and calls its exported `createEvaluator(context)` once; the
 * returned function scores one task at a time. Results come back in task order; a worker error rejects
 * the batch with the worker's message. One tfjs backend per worker when evaluators use it.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class WorkerPool<Task = unknown, Result = unknown> {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { id: number; task: Task }[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly assigned = new Map<Worker, number>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(
    module: string | URL,
    context: unknown,
    readonly size = Math.max(1, availableParallelism()),
  ) {
    const entry = new URL(import.meta.url.endsWith('.ts') ? './pool-worker.mjs' : './pool-worker-entry.js', import.meta.url);
    const moduleUrl = module instanceof URL ? module.href : module.startsWith('file:') ? module : new URL(module, `file://${process.cwd()}/`).href;
    for (let i = 0; i < size; i++) {
      const worker = new Worker(entry, { workerData: { module: moduleUrl, context, index: i } });
      worker.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
        const call = this.pending.get(message.id);
        this.pending.delete(message.id);
        this.assigned.delete(worker);
        this.idle.push(worker);
        if (call !== undefined) {
          if (message.ok) call.resolve(message.result);
          else call.reject(new Error(message.error));
        }
        this.dispatch();
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0 && this.failure === undefined) this.fail(new Error(`pool worker exited with code ${code}`));
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.assigned.set(worker, job.id);
      worker.postMessage(job);
    }
  }

  run(task: Task): Promise<Result> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    const promise = new Promise<Result>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    this.queue.push({ id, task });
    this.dispatch();
    return promise;
  }

  map(tasks: Task[]): Promise<Result[]> {
    return Promise.all(tasks.map((task) => this.run(task)));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
