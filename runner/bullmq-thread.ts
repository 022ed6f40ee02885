/**
 * The worker-thread side of `daogym worker` (loaded by lib/pool-worker.mjs): runs one trial per task.
 * Trials run off the worker's main thread so that thread stays free to renew BullMQ's job locks; a trial
 * that blocked it for longer than the lock would be taken for a dead worker's and run again elsewhere.
 */
import '../envs/index.ts';
import type { ExperimentConfig } from './config.ts';
import { executeTrial } from './execute.ts';
import type { TrialResult, TrialSpec } from './types.ts';

export interface TrialTask {
  config: ExperimentConfig;
  spec: TrialSpec;
}

/** `null` is a ping: it answers once the thread has loaded the envs, so a worker can wait for that before taking jobs. */
export function createEvaluator(): (task: TrialTask | null) => Promise<TrialResult | null> {
  return async (task) => (task === null ? null : executeTrial(task.config, task.spec));
}
