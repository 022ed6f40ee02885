/**
 * What an experiment kind is: its config schema and checks, the files it reads, its trials and how its report
 * reads. Each kind lives in runner/kinds/<kind>/ and is listed once in runner/kinds/index.ts; the runner's
 * common code (config.ts, plan.ts, execute.ts, run.ts) asks the kind and never tests a kind's name.
 */
import type { z } from 'zod';
import type { ReportSpec } from '../report/analysis.ts';
import type { Problem } from '../schema.ts';
import type { TrialResult, TrialSpec } from '../types.ts';

/** What a trial may use besides its config and spec (never part of its result's identity). */
export interface TrialContext {
  /** Directory for checkpoints inside a trial (the loop's rounds), so a killed trial resumes mid-way. */
  checkpointDir?: string;
}

/** One cell of a run's plan: its variant and the factors that name it; the runner crosses cells with seeds. */
export interface PlanCell {
  variant: string;
  params: Record<string, string | number>;
}

export interface KindDefinition<S extends z.ZodObject = z.ZodObject> {
  /** The config schema: a strict object whose `kind` is this kind's literal name. */
  schema: S;
  /** What the trials compute on: tfjs for trained agents, plain JS otherwise (recorded with the run). */
  backend: 'js' | 'tfjs';
  /**
   * Trials short and light enough (plain JS, about a millisecond, little memory) to run in the main thread by
   * default until the run proves long enough to pay for worker threads (runner/executors.ts AdaptiveExecutor).
   */
  lightTrials?: boolean;
  /** Whether the report loads curves, episodes and artifacts (learning curves, the loop's rounds). */
  reportDetail: boolean;
  /** Cross-field checks the schema cannot express. */
  checks?(config: z.output<S>): Problem[];
  /** Values that run but no deployed governor uses: warned about on stderr. */
  warnings?(config: z.output<S>): Problem[];
  /** Files the config names, checked and resolved relative to the config file, once, before any trial. */
  prepare?(config: z.output<S>, configPath: string): void;
  /** The cells of the plan (variants x populations x attacks x ...); seeds are crossed in by the runner. */
  plan(config: z.output<S>): PlanCell[];
  /** One trial: a pure function of (config, spec). */
  runTrial(config: z.output<S>, spec: TrialSpec, context: TrialContext): Promise<TrialResult>;
  /** How the report and the terminal summary read this kind's trials. */
  reportSpec(config: z.output<S>): ReportSpec;
  /** The kind's own report sections (tables in the user's units), after the verdict's key chart. */
  reportSections?(config: z.output<S>, trials: readonly TrialResult[]): ReportSection[];
}

/** A report section a kind adds: a titled table, plain text cells (the report escapes them), notes under it. */
export interface ReportSection {
  title: string;
  headers: string[];
  rows: string[][];
  notes?: string[];
}

export function defineKind<S extends z.ZodObject>(kind: KindDefinition<S>): KindDefinition<S> {
  return kind;
}
