/**
 * The shapes shared by the runner's parts: planning (config -> trials), executors (trial -> result),
 * the store (results -> SQLite), statistics and reports. A trial is a pure function of (config, trial
 * key, seed), so a result is identified by (run id, trial key, seed) everywhere.
 */
import type { OutcomeCount } from '../envs/dao/attack-outcome.ts';

export type ExperimentKind = 'compare' | 'stress' | 'sweep' | 'train' | 'search' | 'loop';

/** A scalar a trial reports; booleans are stored as 0/1. */
export type MetricValues = Record<string, number>;

/** One planned unit of work. `params` are the factors that define it (variant, population, attacker, stressor values). */
export interface TrialSpec {
  /** Stable across runs of the same config, e.g. "variant=fixed-4pct|population=default|attack=buy-and-vote|budget=1000000". */
  key: string;
  /** The seed index within the trial key (0..seeds-1) and the derived integer seed. Variants share seeds (common random numbers). */
  seedIndex: number;
  seed: number;
  /** The protocol variant (compare/stress), or the config's name for single-variant kinds. */
  variant: string;
  /** Factor values, e.g. { population: 'default', attack: 'buy-and-vote', budgetUsd: 1e6 }. */
  params: Record<string, string | number>;
}

/** One episode inside a trial (e.g. an evaluation episode or one season). */
export type EpisodeRecord = Record<string, number | string | boolean | null>;

export interface ArtifactRecord {
  name: string;
  mediaType: string;
  content: string | Uint8Array;
}

/**
 * How a trial's attack attempts ended (envs/dao/attack-outcome.ts): one record per outcome, with how many
 * attempts ended so and the reason of the first of them. A compare/stress trial has one attempt.
 */
export type AttackOutcomeRecord = OutcomeCount;

export interface TrialResult {
  key: string;
  seedIndex: number;
  seed: number;
  variant: string;
  params: Record<string, string | number>;
  metrics: MetricValues;
  /** Learning curves (train kind): metric by step. */
  curves?: Array<{ name: string; step: number; value: number }>;
  episodes?: EpisodeRecord[];
  artifacts?: ArtifactRecord[];
  /** Attack outcomes, for trials with scripted attacks. */
  outcomes?: AttackOutcomeRecord[];
  durationMs: number;
  /** Which worker ran it (for the record; never part of the result's identity). */
  worker?: string;
}

/** What a run is, as the store records it. */
export interface RunRecord {
  id: string;
  name: string;
  kind: ExperimentKind;
  /** The validated config as JSON, and the YAML text it came from. */
  config: unknown;
  configText: string;
  configHash: string;
  codeVersion: string;
  backend: string;
  machine: string;
  status: 'running' | 'done' | 'interrupted' | 'failed';
  createdAt: string;
  finishedAt: string | null;
  trialsPlanned: number;
}
