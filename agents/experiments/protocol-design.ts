/**
 * The issue-4 design experiment: CMA-ES over dao/ProtocolDesign-v0's eight parameters, each candidate
 * scored on the same training seeds and scripted attackers (common random numbers), evaluated in
 * parallel on worker threads; the best design and the Compound Bravo preset are then scored on held-out
 * seeds they were never tuned on.
 */
import { cmaesMinimize } from '../cmaes.ts';
import { WorkerPool } from '../../lib/pool.ts';
import { ProtocolDesignEnv, DESIGN_PARAMETERS, type ProtocolDesignKwargs } from '../../envs/dao/design-env.ts';
import { presetProtocol } from '../../envs/dao/presets.ts';
import { scoreProtocol, type DesignTask } from '../objectives/protocol-design.ts';
import { siblingModule } from '../../lib/modules.ts';

export async function protocolDesignExperiment(options: { kwargs?: ProtocolDesignKwargs; trainSeeds?: number[]; heldOutSeeds?: number[]; maxEvaluations?: number; seed?: number; workers?: number } = {}) {
  const kwargs = options.kwargs ?? { members: 3000 };
  const trainSeeds = options.trainSeeds ?? [0, 1, 2, 3, 4, 5];
  const heldOut = options.heldOutSeeds ?? Array.from({ length: 20 }, (_, i) => 1000 + i);
  const pool = new WorkerPool<DesignTask, { score: number }>(siblingModule('../objectives/protocol-design.ts', import.meta.url), { kwargs, seeds: trainSeeds }, options.workers);
  const start = performance.now();
  let search;
  try {
    search = await cmaesMinimize(async (xs: Float64Array[]) => (await pool.map(xs.map((x) => ({ action: Array.from(x) })))).map((r) => -r.score), new Float64Array(DESIGN_PARAMETERS.length), 0.5, {
      batch: true,
      seed: options.seed ?? 1,
      maxEvaluations: options.maxEvaluations ?? 300,
      lower: Array(DESIGN_PARAMETERS.length).fill(-1),
      upper: Array(DESIGN_PARAMETERS.length).fill(1),
    });
  } finally {
    await pool.close();
  }
  const env = new ProtocolDesignEnv(kwargs);
  const design = env.protocolFor(search.x);
  return {
    evaluations: search.evaluations,
    searchSeconds: (performance.now() - start) / 1000,
    trainScore: -search.f,
    design,
    heldOut: { design: scoreProtocol(env, design, heldOut), bravo: scoreProtocol(env, presetProtocol('compound-bravo'), heldOut) },
  };
}
