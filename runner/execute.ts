/** Runs one trial of any kind: the pure function (config, trial key, seed) -> result that executors call. */
import { EnvConfigError } from '../envs/dao/config.ts';
import { QuorumExpressionError } from '../envs/dao/quorum-expression.ts';
import type { ExperimentConfig } from './config.ts';
import { kindOf } from './kinds/index.ts';
import type { TrialContext } from './kinds/types.ts';
import type { TrialResult, TrialSpec } from './types.ts';

export type { TrialContext } from './kinds/types.ts';

/**
 * A trial refused what the config gave it (a quorum expression that gives NaN on a state the config-time check
 * did not try, env kwargs an env refuses): the user's input, named with the variant, not a bug.
 */
export class TrialInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrialInputError';
  }
}

export async function executeTrial(config: ExperimentConfig, spec: TrialSpec, context: TrialContext = {}): Promise<TrialResult> {
  try {
    return await kindOf(config).runTrial(config, spec, context);
  } catch (error) {
    if (error instanceof QuorumExpressionError || error instanceof EnvConfigError) throw new TrialInputError(`variant '${spec.variant}': ${error.message}`);
    throw error;
  }
}

