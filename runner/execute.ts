/** Runs one trial of any kind: the pure function (config, trial key, seed) -> result that executors call. */
import type { ExperimentConfig } from './config.ts';
import { runSeasonTrial } from './trials/season.ts';
import type { TrialResult, TrialSpec } from './types.ts';

export async function executeTrial(config: ExperimentConfig, spec: TrialSpec): Promise<TrialResult> {
  switch (config.kind) {
    case 'compare':
    case 'stress':
      return runSeasonTrial(config, spec);
    case 'train': {
      const { runTrainTrial } = await import('./trials/train.ts');
      return runTrainTrial(config, spec);
    }
    case 'search': {
      const { runSearchTrial } = await import('./trials/search.ts');
      return runSearchTrial(config, spec);
    }
  }
}
