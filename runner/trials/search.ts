/**
 * A search trial: CMA-ES over dao/ProtocolDesign-v0's protocol parameters (one search per seed), starting
 * from the baseline preset's own parameters with step `initialStep`, within what `safeguards` and `hold`
 * leave free; each candidate is scored on the same training seasons; the best design and the baseline
 * preset are then scored on held-out seasons neither was tuned on. The search keeps the baseline when it
 * finds nothing better on the training seasons. The curve is the best training score by evaluations.
 */
import { cmaesMinimize } from '../../agents/cmaes.ts';
import { scoreProtocol } from '../../agents/objectives/protocol-design.ts';
import { DESIGN_BOX, designValues, ProtocolDesignEnv, restrictedDesign } from '../../envs/dao/design-env.ts';
import { PRESETS, presetProtocol } from '../../envs/dao/presets.ts';
import type { SearchConfig } from '../config.ts';
import { trialResult } from '../plan.ts';
import type { TrialResult, TrialSpec } from '../types.ts';

export async function runSearchTrial(config: SearchConfig, spec: TrialSpec): Promise<TrialResult> {
  const start = performance.now();
  const { days: seasonDays, ...season } = config.season;
  const env = new ProtocolDesignEnv({ preset: config.baseline, members: config.members, populationSeed: spec.seed, attack: config.attacks, attackBudgetUsd: config.attackBudgetUsd, seasonDays, ...season });
  const trainSeeds = Array.from({ length: config.trainSeasons }, (_, i) => spec.seed + i);
  const heldOut = Array.from({ length: config.heldOutSeasons }, (_, i) => spec.seed + 1_000_000 + i);
  const baseline = presetProtocol(config.baseline);
  const { effective, design: designOf, start: startAction } = restrictedDesign(baseline, PRESETS[config.baseline]!.supply, config);
  const search = await cmaesMinimize((x: Float64Array) => -scoreProtocol(env, designOf(x), trainSeeds).score, startAction, config.initialStep, {
    seed: spec.seed,
    maxEvaluations: config.maxEvaluations,
    ...DESIGN_BOX,
  });
  // CMA-ES reports the best point it evaluated; its start need not be among them.
  const startScore = scoreProtocol(env, designOf(startAction), trainSeeds).score;
  const action = -search.f > startScore ? effective(search.x) : startAction;
  const design = designOf(action);
  const designed = scoreProtocol(env, design, heldOut);
  const baselineScored = scoreProtocol(env, baseline, heldOut);
  const parameters = Object.fromEntries(Object.entries(designValues(action)).map(([name, value]) => [`param.${name}`, value]));
  return trialResult(spec, start, {
    metrics: {
      heldOutScore: designed.score,
      baselineScore: baselineScored.score,
      heldOutImprovement: designed.score - baselineScored.score,
      heldOutAttackLoss: designed.attackLoss,
      baselineAttackLoss: baselineScored.attackLoss,
      trainScore: Math.max(-search.f, startScore),
      baselineTrainScore: startScore,
      evaluations: search.evaluations,
      ...parameters,
    },
    curves: search.history.map((h) => ({ name: 'bestTrainScore', step: h.evaluations, value: -h.best })),
    artifacts: [{ name: 'design.json', mediaType: 'application/json', content: JSON.stringify(design, null, 2) }],
  });
}
