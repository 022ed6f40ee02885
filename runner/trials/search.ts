/**
 * A search trial: CMA-ES over dao/ProtocolDesign-v0's protocol parameters (one search per seed), each
 * candidate scored on the same training seasons; the best design and the baseline preset are then
 * scored on held-out seasons neither was tuned on. The curve is the best training score by evaluations.
 */
import { cmaesMinimize } from '../../agents/cmaes.ts';
import { scoreProtocol } from '../../agents/objectives/protocol-design.ts';
import { DESIGN_PARAMETERS, designValues, ProtocolDesignEnv } from '../../envs/dao/design-env.ts';
import { presetProtocol } from '../../envs/dao/presets.ts';
import type { SearchConfig } from '../config.ts';
import { trialResult } from '../plan.ts';
import type { TrialResult, TrialSpec } from '../types.ts';

export async function runSearchTrial(config: SearchConfig, spec: TrialSpec): Promise<TrialResult> {
  const start = performance.now();
  const env = new ProtocolDesignEnv({ preset: config.baseline, members: config.members, populationSeed: spec.seed, attack: config.attacks, attackBudgetUsd: config.attackBudgetUsd });
  const trainSeeds = Array.from({ length: config.trainSeasons }, (_, i) => spec.seed + i);
  const heldOut = Array.from({ length: config.heldOutSeasons }, (_, i) => spec.seed + 1_000_000 + i);
  const search = await cmaesMinimize((x: Float64Array) => -scoreProtocol(env, env.protocolFor(x), trainSeeds).score, new Float64Array(DESIGN_PARAMETERS.length), 0.5, {
    seed: spec.seed,
    maxEvaluations: config.maxEvaluations,
    lower: Array(DESIGN_PARAMETERS.length).fill(-1),
    upper: Array(DESIGN_PARAMETERS.length).fill(1),
  });
  const design = env.protocolFor(search.x);
  const designed = scoreProtocol(env, design, heldOut);
  const baseline = scoreProtocol(env, presetProtocol(config.baseline), heldOut);
  const parameters = Object.fromEntries(Object.entries(designValues(search.x)).map(([name, value]) => [`param.${name}`, value]));
  return trialResult(spec, start, {
    metrics: {
      heldOutScore: designed.score,
      baselineScore: baseline.score,
      heldOutImprovement: designed.score - baseline.score,
      heldOutAttackLoss: designed.attackLoss,
      baselineAttackLoss: baseline.attackLoss,
      trainScore: -search.f,
      evaluations: search.evaluations,
      ...parameters,
    },
    curves: search.history.map((h) => ({ name: 'bestTrainScore', step: h.evaluations, value: -h.best })),
    artifacts: [{ name: 'design.json', mediaType: 'application/json', content: JSON.stringify(design, null, 2) }],
  });
}
