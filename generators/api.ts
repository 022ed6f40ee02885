/**
 * `daogym/generators`: governance data import (Governor event logs, Snapshot exports), member features and DAO
 * statistics, the seeded member split, the generators behind one interface (copula, parametric, TVAE, CTGAN, the
 * loop's population generator; DP and federated training) and the SDMetrics-style quality and privacy metrics.
 */
export { readGovernorEvents, readTokenSupplies } from './import/governor-events.ts';
export { memberFeatures, readSnapshotVotes } from './import/features.ts';
export { daoStatistics } from './import/statistics.ts';
export { GaussianCopula } from './copula.ts';
export { qualityReport, distanceToClosestRecord, dcrBreakdown, dcrOverfittingProtection, membershipInferenceAuc, type DcrBreakdown, type Table } from './metrics.ts';
export { populationFromFeatures } from './mapping.ts';
export { computeRdp, dpSgdEpsilon, noiseMultiplierFor } from './dp/accountant.ts';
export { ParametricGenerator } from './parametric.ts';
export { TabularVae } from './vae.ts';
export { TabularGan } from './gan.ts';
export { GENERATOR_KINDS, generatorKind, loadGenerator, type Generator, type GeneratorKind, type SyntheticGenerator } from './registry.ts';
export { holdoutMembers, splitByMember } from './import/split.ts';
export { federatedTrain, fitFederatedVae, vaeDataHolder } from './federated.ts';
export { PopulationGenerator, applyEffects, EFFECTS } from './population-generator.ts';

