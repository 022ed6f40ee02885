/** The worker-thread side of the thread executor (loaded by lib/pool-worker.mjs): one config per worker. */
import '../envs/index.ts';
import type { ExperimentConfig } from './config.ts';
import { executeTrial, type TrialContext } from './execute.ts';
import type { TrialResult, TrialSpec } from './types.ts';

export function createEvaluator(context: { config: ExperimentConfig; trialContext?: TrialContext }, index: number): (spec: TrialSpec) => Promise<TrialResult> {
  return async (spec) => ({ ...(await executeTrial(context.config, spec, context.trialContext)), worker: `thread-${index}` });
}
