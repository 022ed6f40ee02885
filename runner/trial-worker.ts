/** The worker-thread side of the thread executor (loaded by lib/pool-worker.mjs): one config per worker, chunks of trials. */
import '../envs/index.ts';
import type { ExperimentConfig } from './config.ts';
import { executeTrial, type TrialContext } from './execute.ts';
import type { TrialResult, TrialSpec } from './types.ts';

/** Runs a chunk of trials in order and returns their results in one message. */
export function createEvaluator(context: { config: ExperimentConfig; trialContext?: TrialContext }, index: number): (specs: TrialSpec[]) => Promise<TrialResult[]> {
  return async (specs) => {
    const results: TrialResult[] = [];
    for (const spec of specs) results.push({ ...(await executeTrial(context.config, spec, context.trialContext)), worker: `thread-${index}` });
    return results;
  };
}
