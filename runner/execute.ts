/** Runs one trial of any kind: the pure function (config, trial key, seed) -> result that executors call. */
import { EnvConfigError } from '../envs/dao/config.ts';
import { QuorumExpressionError } from '../envs/dao/quorum-expression.ts';
import type { ExperimentConfig } from './config.ts';
import { runSeasonTrial } from './kinds/season/trial.ts';
import type { TrialResult, TrialSpec } from './types.ts';

/** What a trial may use besides its config and spec (never part of its result's identity). */
export interface TrialContext {
  /** Directory for checkpoints inside a trial (the loop's rounds), so a killed trial resumes mid-way. */
  checkpointDir?: string;
}

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
    return await executeTrialOfKind(config, spec, context);
  } catch (error) {
    if (error instanceof QuorumExpressionError || error instanceof EnvConfigError) throw new TrialInputError(`variant '${spec.variant}': ${error.message}`);
    throw error;
  }
}

async function executeTrialOfKind(config: ExperimentConfig, spec: TrialSpec, context: TrialContext): Promise<TrialResult> {
  switch (config.kind) {
    case 'compare':
    case 'stress':
      return runSeasonTrial(config, spec);
    case 'train': {
      const { runTrainTrial } = await import('./kinds/train/trial.ts');
      return runTrainTrial(config, spec);
    }
    case 'search': {
      const { runSearchTrial } = await import('./kinds/search/trial.ts');
      return runSearchTrial(config, spec);
    }
    case 'loop': {
      const { runLoopTrial } = await import('./kinds/loop/trial.ts');
      return runLoopTrial(config, spec, context);
    }
  }
}
