/**
 * `daogym/envs`: the Gymnasium-style API (Env, spaces, registry, wrappers, checker, vector envs), CartPole, and
 * the governance simulator with its environments. Importing it registers the built-in environments.
 */
import './index.ts';

export { RunningMeanStd } from '../lib/running-stats.ts';
export { setWarningHandler, captureWarnings, type WarningHandler } from '../lib/warnings.ts';
export { Env, Wrapper, type Info, type ResetOptions, type ResetResult, type StepResult, type EnvMetadata } from './core/env.ts';
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
} from './core/spaces.ts';
export { register, unregister, make, spec, listEnvs, parseEnvId, UnknownEnvError, type EnvSpec, type EnvSpecInput, type MakeOptions } from './core/registration.ts';
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
} from './core/wrappers.ts';
export { checkEnv, EnvCheckError, type CheckEnvOptions } from './core/checker.ts';
export {
  SyncVectorEnv,
  AsyncVectorEnv,
  makeVec,
  type VectorEnv,
  type AutoresetMode,
  type VectorResetResult,
  type VectorStepResult,
} from './core/vector.ts';
export { CartPoleEnv } from './classic/cartpole.ts';

export { GovernanceSimulation, type Proposal, type ProposalKind, type ProposalState } from './dao/governance.ts';
export { defaultPopulation, votingPower, allocatePopulation, validatePopulation, type Population } from './dao/population.ts';
export { parseProtocol, type Protocol, type ProtocolInput } from './dao/protocol.ts';
export { PRESETS, presetNames, presetProtocol } from './dao/presets.ts';
export * as rules from './dao/rules.ts';
export { beanstalkScenario, buildFinanceScenario, compound289Scenario } from './dao/scenarios.ts';
export { GovernanceAttackEnv, ProtocolDesignEnv, TreasuryAllocationEnv, AttackDefenseEnv } from './dao/index.ts';
export { ParallelEnv, makeParallel, parallelApiTest } from './core/parallel.ts';

