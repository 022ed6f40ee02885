/**
 * `daogym/runner`: experiment configs (parse, kinds), plans and trials, executors, runs and resumes, the SQLite
 * store, export, comparison of runs, reports and their statistics.
 */
export { parseExperiment, ConfigError, type ExperimentConfig } from './config.ts';
export { planTrials, trialSeed } from './plan.ts';
export { executeTrial } from './execute.ts';
export { InProcessExecutor, ThreadExecutor, type Executor } from './executors.ts';
export { runExperiment, resumeRun, loadExperiment, writeReport, type RunOptions, type RunOutcome } from './run.ts';
export { Store, configHash } from './store.ts';
export { exportRun } from './export.ts';
export { compareRuns, CompareError, type ComparedRun, type Comparison, type ComparisonRow } from './compare.ts';
export { analyse, type ReportSpec } from './report/analysis.ts';
export { buildReport } from './report/html.ts';
export { bootstrapMean, pairedDifference, wilsonInterval, breakingPoint } from './stats.ts';
export { KINDS, kindOf } from './kinds/index.ts';
export { defineKind, type KindDefinition } from './kinds/types.ts';
