/** Worker side of WorkerPool: builds the evaluator once, then scores tasks as they arrive. */
import { parentPort, workerData } from 'node:worker_threads';

const { module, context, index } = workerData as { module: string; context: unknown; index: number };
const imported = (await import(module)) as { createEvaluator?: (context: unknown, index: number) => unknown };
if (typeof imported.createEvaluator !== 'function') throw new Error(`${module} does not export createEvaluator(context)`);
const evaluator = (await imported.createEvaluator(context, index)) as (task: unknown) => unknown;
// Tells the pool this worker started: a death from now on is a task's, not the evaluator's failing to load.
parentPort!.postMessage({ ready: true });

// Jobs run one at a time, in the order they arrive (the pool may hand a worker its next job before this one ends).
let previous: Promise<void> = Promise.resolve();
parentPort!.on('message', (job: { id: number; task: unknown }) => {
  previous = previous.then(async () => {
    try {
      parentPort!.postMessage({ id: job.id, ok: true, result: await evaluator(job.task) });
    } catch (error) {
      const e = error as Error;
      parentPort!.postMessage({ id: job.id, ok: false, error: e.stack ?? String(error), name: e.name, message: e.message });
    }
  });
});
