/**
 * Services shared by the trainers: building vector envs from an id or a factory, flattening
 * observations, deterministic evaluation on separately seeded envs, metrics records, and schedules.
 */
import { Env } from '../envs/core/env.ts';
import { make } from '../envs/core/registration.ts';
import type { Space } from '../envs/core/spaces.ts';
import { RecordEpisodeStatistics } from '../envs/core/wrappers.ts';

export type EnvSource = string | ((index: number) => Env<unknown, unknown>);

export function makeEnv(source: EnvSource, index: number, kwargs: Record<string, unknown> = {}): Env<unknown, unknown> {
  return typeof source === 'string' ? make(source, kwargs) : source(index);
}

/** Training envs record episode statistics so returns can be reported. */
export function makeTrainingEnv(source: EnvSource, index: number, kwargs: Record<string, unknown> = {}): Env<unknown, unknown> {
  return new RecordEpisodeStatistics(makeEnv(source, index, kwargs));
}

/** Flattens an observation into `out` at row `row` (rows of space.flatDim floats). */
export function writeObservation(space: Space, observation: unknown, out: Float32Array, row: number): void {
  space.flattenInto(observation, out, row * space.flatDim);
}

export interface MetricsRecord {
  algorithm: string;
  step: number;
  wallSeconds: number;
  stepsPerSecond: number;
  [metric: string]: number | string | null;
}

export interface EvaluationResult {
  step: number;
  meanReturn: number;
  stdReturn: number;
  returns: number[];
}

/**
 * Runs `episodes` episodes with a deterministic policy on envs seeded evalSeed, evalSeed + 1, ... (the
 * same seeds at every evaluation, and different from the training seeds).
 */
export function evaluate(
  source: EnvSource,
  kwargs: Record<string, unknown>,
  episodes: number,
  evalSeed: number,
  act: (observation: unknown, space: Space) => unknown,
  maxStepsPerEpisode = 100_000,
): { meanReturn: number; stdReturn: number; returns: number[] } {
  const env = makeEnv(source, 10_000, kwargs);
  const returns: number[] = [];
  for (let episode = 0; episode < episodes; episode++) {
    let { observation } = env.reset({ seed: evalSeed + episode });
    let total = 0;
    for (let t = 0; t < maxStepsPerEpisode; t++) {
      const result = env.step(act(observation, env.observationSpace));
      total += result.reward;
      observation = result.observation;
      if (result.terminated || result.truncated) break;
    }
    returns.push(total);
  }
  env.close();
  const meanReturn = returns.reduce((a, b) => a + b, 0) / returns.length;
  const stdReturn = Math.sqrt(returns.reduce((a, b) => a + (b - meanReturn) ** 2, 0) / returns.length);
  return { meanReturn, stdReturn, returns };
}

/** A value decaying linearly from `start` to `end` over `fraction` of training (SB3's linear schedules). */
export function linearSchedule(start: number, end: number, fraction: number, progress: number): number {
  if (fraction <= 0) return end;
  return start + (end - start) * Math.min(1, progress / fraction);
}

/** The index of the largest of values[start..start+count) (the first, on ties), relative to start. */
export function argmax(values: ArrayLike<number>, start = 0, count = values.length - start): number {
  let best = 0;
  for (let i = 1; i < count; i++) if (values[start + i]! > values[start + best]!) best = i;
  return best;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return values.length === 0 ? NaN : sum / values.length;
}

export interface EvaluationSchedule {
  /** Evaluate every `every` env steps on `episodes` episodes seeded from `seed`. */
  every: number;
  episodes: number;
  seed: number;
  /** Stop training once the mean evaluation return reaches this. */
  threshold: number | null;
}

/** The services every trainer offers: env kwargs, periodic evaluation with early stop, metric callbacks. */
export interface TrainingServices {
  envKwargs: Record<string, unknown>;
  evaluation: EvaluationSchedule | null;
  onMetrics?: (record: MetricsRecord) => void;
  onEvaluation?: (result: EvaluationResult) => void;
}

export interface TrainingResult<Agent> {
  agent: Agent;
  evaluations: EvaluationResult[];
  /** Env steps when an evaluation first reached the threshold (null if never). */
  stepsToThreshold: number | null;
  steps: number;
  wallSeconds: number;
  stepsPerSecond: number;
  /** The tfjs backend the run used. */
  backend: string;
}

/** Runs the evaluations a training loop owes at each step count and records them. */
export class Evaluations {
  readonly results: EvaluationResult[] = [];
  stepsToThreshold: number | null = null;
  private next: number;

  constructor(
    private readonly source: EnvSource,
    private readonly services: TrainingServices,
  ) {
    this.next = services.evaluation?.every ?? Infinity;
  }

  /** Evaluates if one is due at `step`; returns true when training should stop (threshold reached). */
  due(step: number, act: (observation: unknown) => unknown): boolean {
    const schedule = this.services.evaluation;
    if (schedule === null || step < this.next) return false;
    this.next += schedule.every;
    const outcome = evaluate(this.source, this.services.envKwargs, schedule.episodes, schedule.seed, (o) => act(o));
    const record = { step, ...outcome };
    this.results.push(record);
    this.services.onEvaluation?.(record);
    const reached = schedule.threshold !== null && outcome.meanReturn >= schedule.threshold;
    if (reached) this.stepsToThreshold ??= step;
    return reached;
  }
}
