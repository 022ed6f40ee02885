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

// The governance simulator and its environments.
export { GovernanceSimulation, type Proposal, type ProposalKind, type ProposalState } from './envs/dao/governance.ts';
export { defaultPopulation, votingPower, allocatePopulation, validatePopulation, type Population } from './envs/dao/population.ts';
export { parseProtocol, type Protocol, type ProtocolInput } from './envs/dao/protocol.ts';
export { PRESETS, presetNames, presetProtocol } from './envs/dao/presets.ts';
export * as rules from './envs/dao/rules.ts';
export { beanstalkScenario, buildFinanceScenario, compound289Scenario } from './envs/dao/scenarios.ts';
export { GovernanceAttackEnv, ProtocolDesignEnv, TreasuryAllocationEnv, AttackDefenseEnv } from './envs/dao/index.ts';
export { ParallelEnv, makeParallel, parallelApiTest } from './envs/core/parallel.ts';

// Agents.
export { initBackend } from './lib/tf.ts';
export { trainPpo, PpoAgent, PPO_DEFAULTS, PPO_CARTPOLE, type PpoConfig } from './agents/ppo.ts';
export { trainDqn, DqnAgent, DQN_CARTPOLE, type DqnConfig } from './agents/dqn.ts';
export { CmaEs, cmaesMinimize } from './agents/cmaes.ts';
export { cemMinimize, randomSearchMinimize } from './agents/cem.ts';
export { WorkerPool } from './lib/pool.ts';
export { scriptedPolicy, scriptedPolicies } from './agents/scripted.ts';

// Populations from data.
export { readGovernorEvents, readTokenSupplies } from './generators/import/governor-events.ts';
export { memberFeatures, readSnapshotVotes } from './generators/import/features.ts';
export { daoStatistics } from './generators/import/statistics.ts';
export { GaussianCopula } from './generators/copula.ts';
export { qualityReport, distanceToClosestRecord, dcrOverfittingProtection, membershipInferenceAuc } from './generators/metrics.ts';
export { populationFromFeatures } from './generators/mapping.ts';
export { computeRdp, dpSgdEpsilon, noiseMultiplierFor } from './generators/dp/accountant.ts';
export { ParametricGenerator } from './generators/parametric.ts';
export { TabularVae } from './generators/vae.ts';
export { TabularGan } from './generators/gan.ts';
export { loadGenerator } from './generators/registry.ts';
export { federatedTrain, fitFederatedVae, vaeDataHolder } from './generators/federated.ts';
export { PopulationGenerator, applyEffects, EFFECTS } from './generators/population-generator.ts';

// Experiments.
export { parseExperiment, ConfigError, type ExperimentConfig } from './runner/config.ts';
export { planTrials, trialSeed } from './runner/plan.ts';
export { executeTrial } from './runner/execute.ts';
export { InProcessExecutor, ThreadExecutor, type Executor } from './runner/executors.ts';
export { runExperiment, resumeRun, loadExperiment, writeReport, type RunOptions, type RunOutcome } from './runner/run.ts';
export { Store, configHash } from './runner/store.ts';
export { exportRun } from './runner/export.ts';
export { compareRuns, CompareError, type ComparedRun, type Comparison, type ComparisonRow } from './runner/compare.ts';
export { analyse, buildReport, type ReportSpec } from './runner/report.ts';
export { bootstrapMean, pairedDifference, wilsonInterval, breakingPoint } from './runner/stats.ts';
