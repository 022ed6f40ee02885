/**
 * `daogym report RUN --trial KEY --seed S`: one trial's season replayed from its recorded trajectory, written
 * beside the run's report as <out>/<run-id>/trial-<seed>-<hash of the key>.html.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { decodeTrajectory, TRAJECTORY_ARTIFACT } from '../envs/dao/trajectory.ts';
import { writeFileAtomic } from '../lib/files.ts';
import { makeDirectories } from '../lib/paths.ts';
import { buildTrialReport } from './report/trial.ts';
import { StoreError, type Store } from './store.ts';
import type { RunRecord } from './types.ts';

export async function writeTrialReport(store: Store, run: RunRecord, key: string, seed: number, out: string): Promise<string> {
  const trial = store.trials(run.id).find((t) => t.key === key && t.seed === seed);
  const recorded = store.listArtifacts(run.id).filter((a) => a.name === TRAJECTORY_ARTIFACT && a.trialKey !== undefined);
  const hint =
    recorded.length === 0
      ? `run ${run.id} recorded no trajectories (set trajectories: N in its config and run it again)`
      : `recorded: ${recorded.slice(0, 3).map((a) => `--trial '${a.trialKey}' --seed ${a.seed}`).join('; ')}${recorded.length > 3 ? `; ... (${recorded.length} in all: daogym export ${run.id} --what artifacts)` : ''}`;
  if (trial === undefined) throw new StoreError(`run ${run.id} has no trial '${key}' with seed ${seed}; ${hint}`);
  const artifact = store.artifact(run.id, TRAJECTORY_ARTIFACT, { key, seed });
  if (artifact === undefined) throw new StoreError(`trial '${key}' seed ${seed} kept no trajectory; ${hint}`);
  const { header, events } = decodeTrajectory(artifact.content);
  const html = await buildTrialReport(run, trial, header, events);
  const path = join(out, run.id, `trial-${seed}-${createHash('sha256').update(key).digest('hex').slice(0, 8)}.html`);
  makeDirectories(dirname(path));
  writeFileAtomic(path, html);
  return path;
}
