/**
 * A loop arm's state after each round, written atomically beside the database so a killed replicate resumes
 * at its last finished round (every draw comes from keyed streams, so it continues exactly as it would have).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stableArgsort } from '../../../lib/argsort.ts';
import { writeFileAtomic } from '../../../lib/files.ts';
import { makeDirectories } from '../../../lib/paths.ts';
import type { Protocol } from '../../../envs/dao/protocol.ts';
import type { PopulationGeneratorModel } from '../../../generators/population-generator.ts';
import type { ArtifactRecord, EpisodeRecord, TrialResult, TrialSpec } from '../../types.ts';
import type { AttackVariant, LoopWorld, PopulationSample } from './world.ts';

export interface LoopContext {
  /** Where round checkpoints go (one file per replicate); absent = no round-level resume. */
  checkpointDir?: string;
}

export interface LoopState {
  round: number;
  hyper: PopulationGeneratorModel['hyper'];
  x: number[];
  rounds: EpisodeRecord[];
  curves: NonNullable<TrialResult['curves']>;
  /** The rounds' artifacts (absent in checkpoints written before rounds stored them). */
  artifacts?: ArtifactRecord[];
  /** Attacks the rounds' CEM searches found (attackSearch cem), scored beside the listed strategies from the next step on. */
  library?: readonly AttackVariant[];
  /** protocolSearch.replay: the buffer's populations, each as the round, index and generator it was sampled with. */
  replay?: readonly ReplayEntry[];
}

/** A replayed population: re-sampled from the same generator and streams, so its members and seasons are the ones attacked. */
export interface ReplayEntry {
  round: number;
  index: number;
  hyper: PopulationGeneratorModel['hyper'];
}

export function replayRecord(world: LoopWorld, buffer: readonly PopulationSample[], before: Protocol, after: Protocol): Record<string, number> {
  const meanLoss = (protocol: Protocol) => buffer.reduce((a, sample) => a + world.outcome(protocol, sample).loss, 0) / buffer.length;
  return { replayBuffer: buffer.length, replayLossBefore: meanLoss(before), replayLossAfter: meanLoss(after) };
}

/** Indices of the `count` largest losses, largest first (ties: the lower index first). */
export function topLosses(losses: readonly number[], count: number): number[] {
  return Array.from(stableArgsort(losses.map((loss) => -loss)).subarray(0, count));
}

export const json = (name: string, value: unknown): ArtifactRecord => ({ name, mediaType: 'application/json', content: JSON.stringify(value) });

export function checkpointPath(context: LoopContext, spec: TrialSpec, arm: string): string | undefined {
  return context.checkpointDir === undefined ? undefined : join(context.checkpointDir, `${spec.key.replace(/[^A-Za-z0-9=_.-]/g, '_')}-${spec.seed}-${arm}.json`);
}

export function saveCheckpoint(path: string | undefined, state: LoopState): void {
  if (path === undefined) return;
  makeDirectories(dirname(path));
  writeFileAtomic(path, JSON.stringify(state));
}


/** The arm's saved state, or a fresh one at round 0. */
export function loadCheckpoint(path: string | undefined, fresh: LoopState): LoopState {
  if (path === undefined || !existsSync(path)) return fresh;
  const state = JSON.parse(readFileSync(path, 'utf8')) as LoopState;
  // A checkpoint written before searches started from the baseline holds no action yet.
  return state.x.length === 0 ? { ...state, x: fresh.x } : state;
}
