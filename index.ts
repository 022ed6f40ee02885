/**
 * daogym as a library: the main surface here, the rest by area as subpaths (and as namespaces of this module):
 *   daogym/envs        the Gym API, CartPole, the governance simulator and its environments
 *   daogym/agents      PPO, DQN, CMA-ES, CEM, scripted attackers
 *   daogym/generators  data import, member generators, quality and privacy metrics
 *   daogym/runner      experiment configs, runs, the store, reports
 * Importing it registers the built-in environments.
 *
 *   import { make, Rng } from 'daogym';
 *   const env = make('CartPole-v1');
 *   const { observation } = env.reset({ seed: 0 });
 */
import './envs/index.ts';

export { Rng, entropySeed, type StreamKey } from './lib/rng.ts';
export * as distributions from './lib/distributions.ts';
export { Env, Wrapper, type Info, type ResetOptions, type ResetResult, type StepResult } from './envs/core/env.ts';
export { Box, Discrete, MultiDiscrete, MultiBinary, Dict, Tuple, type Space } from './envs/core/spaces.ts';
export { register, make, listEnvs, type EnvSpecInput } from './envs/core/registration.ts';
export { makeVec, AsyncVectorEnv, type VectorEnv } from './envs/core/vector.ts';
export { checkEnv, EnvCheckError } from './envs/core/checker.ts';
export { parseProtocol, type Protocol } from './envs/dao/protocol.ts';
export { PRESETS, presetNames, presetProtocol } from './envs/dao/presets.ts';
export { runExperiment, resumeRun, type RunOptions, type RunOutcome } from './runner/run.ts';
export { parseExperiment, ConfigError, type ExperimentConfig } from './runner/config.ts';
export { loadGenerator } from './generators/registry.ts';

export * as envs from './envs/api.ts';
export * as agents from './agents/api.ts';
export * as generators from './generators/api.ts';
export * as runner from './runner/api.ts';
