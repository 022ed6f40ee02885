/**
 * daogym as a library. Importing it registers the built-in environments.
 *
 *   import { make, checkEnv, Rng } from 'daogym';
 *   const env = make('CartPole-v1');
 *   const { observation } = env.reset({ seed: 0 });
 */
import './envs/index.ts';

export { Rng, entropySeed, type StreamKey } from './lib/rng.ts';
export * as distributions from './lib/distributions.ts';
export { RunningMeanStd } from './lib/running-stats.ts';
export { setWarningHandler, captureWarnings, type WarningHandler } from './lib/warnings.ts';

export { Env, Wrapper, type Info, type ResetOptions, type ResetResult, type StepResult, type EnvMetadata } from './envs/core/env.ts';
export {
  Space,
  Box,
  Discrete,
  MultiDiscrete,
  MultiBinary,
  Dict,
  Tuple,
  flatten,
  unflatten,
  flatDim,
  flattenSpace,
  spaceFromJSON,
  type BoxDtype,
  type BoxValue,
  type SpaceJSON,
} from './envs/core/spaces.ts';
export { register, unregister, make, spec, listEnvs, parseEnvId, UnknownEnvError, type EnvSpec, type EnvSpecInput, type MakeOptions } from './envs/core/registration.ts';
export {
  TimeLimit,
  OrderEnforcing,
  PassiveEnvChecker,
  RecordEpisodeStatistics,
  NormalizeObservation,
  NormalizeReward,
  ClipAction,
  FlattenObservation,
  ResetNeeded,
  type EpisodeStatistics,
} from './envs/core/wrappers.ts';
export { checkEnv, EnvCheckError, type CheckEnvOptions } from './envs/core/checker.ts';
export {
  SyncVectorEnv,
  AsyncVectorEnv,
  makeVec,
  type VectorEnv,
  type AutoresetMode,
  type VectorResetResult,
  type VectorStepResult,
} from './envs/core/vector.ts';
export { CartPoleEnv } from './envs/classic/cartpole.ts';
