/**
 * A search trial: CMA-ES over dao/ProtocolDesign-v0's protocol parameters (one search per seed), starting
 * from the baseline preset's own parameters with step `initialStep`, within what `safeguards` and `hold`
 * leave free; each candidate is scored on the same training seasons of `trainPopulations` populations (the
 * seed's own first), by its mean score over them, or with `riskWeight` partly by its worst tenth of them. The
 * best design and the baseline preset are then scored on held-out seasons neither was tuned on: of the seed's
 * own population, and of `heldOutPopulations` populations no candidate met. The search keeps the baseline
 * when it finds nothing better on the training seasons. The curve is the best training objective by evaluations.
 */
import { cmaesMinimize } from '../../../agents/cmaes.ts';
import { scoreProtocol, type ProtocolScore } from '../../../agents/protocol-score.ts';
import { OutcomeTally } from '../../../envs/dao/attack-outcome.ts';
import { DESIGN_BOX, designValues, ProtocolDesignEnv, restrictedDesign } from '../../../envs/dao/design-env.ts';
import { PRESETS, presetProtocol } from '../../../envs/dao/presets.ts';
import type { Protocol } from '../../../envs/dao/protocol.ts';
import { memberSupply } from '../../../envs/dao/config.ts';
import { DEFAULT_MARKET } from '../../../envs/dao/market.ts';
import { mapMembers } from '../../world/members.ts';
import { PopulationGenerator } from '../../../generators/population-generator.ts';
import { stableArgsort } from '../../../lib/argsort.ts';
import { cvar } from '../../../lib/risk.ts';
import { Rng } from '../../../lib/rng.ts';
import type { SearchConfig } from '../../config.ts';
import { trialResult } from '../../plan.ts';
import { loadLoopData, prepareDataSource, resolveTurnoutScale } from '../../world/data.ts';
import type { TrialResult, TrialSpec } from '../../types.ts';

const meanOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The mean of the worst 10 % (at least one) of scores (higher is better): the lower tail. */
export function lowerTail(scores: readonly number[]): number {
  return -cvar(scores.map((score) => -score));
}

/** Training populations, held-out ones, and the fresh ones replay screens. */
type PopulationKind = 'train' | 'held-out' | 'screen';

/**
 * The population seeds of a search with trial seed `seed`: its `count` training populations (the first is
 * the seed's own population) or its `count` held-out ones, each drawn from its own stream of the seed.
 */
export function searchPopulationSeeds(seed: number, kind: PopulationKind, count: number): number[] {
  const root = Rng.create(seed);
  return Array.from({ length: count }, (_, k) => (kind === 'train' && k === 0 ? seed : root.stream(`${kind}-population`, k).int(2 ** 31 - 1)));
}

/**
 * A search's populations from real data (`data`): a copula with population effects fitted to its trial's
 * share of the members (the same split as a loop replicate with that seed), and a separate fit to the rest.
 * A draw samples the population's effects, then its members, and maps them onto the simulator's population
 * (the preset's supply less the market's tokens, as the design env's own default population).
 */
export function fittedGenerators(config: SearchConfig, seed: number) {
  const data = loadLoopData({ data: config.data!, holdoutShare: config.holdoutShare, seed }, seed);
  const presetSupply = PRESETS[config.baseline]!.supply;
  const supply = memberSupply(presetSupply, DEFAULT_MARKET);
  const train = PopulationGenerator.fit(data.train);
  // The trial's populations are mapped alike: the config's participation scale, or calibrated (a voting share)
  // so that the training fit's populations turn out data's median (as the loop's).
  const turnout = resolveTurnoutScale({ ...config, data: config.data! }, train, Rng.create(seed).stream('turnout-calibration'), supply / presetSupply);
  return {
    train,
    heldOut: PopulationGenerator.fit(data.holdout),
    turnout,
    draw: (generator: PopulationGenerator, rng: Rng) => mapMembers(generator.populationTable(config.members, generator.sampleEffects(rng), rng), rng, { supply, turnoutScale: turnout.scale, votingShare: turnout.votingShare }),
  };
}

/**
 * The design envs of a search's `count` training or held-out populations (trial seed `seed`): population k
 * is the calibrated default drawn from its population seed, or with `data` a draw from the trial's fit.
 */
export function searchEnvs(config: SearchConfig, seed: number, kind: PopulationKind, count: number, fitted = config.data === undefined ? undefined : fittedGenerators(config, seed)): ProtocolDesignEnv[] {
  const { days: seasonDays, ...season } = config.season;
  const kwargs = { preset: config.baseline, members: config.members, attack: config.attacks, attackBudgetUsd: config.attackBudgetUsd, seasonDays, ...season };
  return searchPopulationSeeds(seed, kind, count).map((populationSeed, k) =>
    fitted === undefined
      ? new ProtocolDesignEnv({ ...kwargs, populationSeed })
      : new ProtocolDesignEnv({ ...kwargs, population: fitted.draw(kind === 'held-out' ? fitted.heldOut : fitted.train, Rng.create(seed).stream(`${kind}-population`, k, 'members')) }),
  );
}

/** The outcome counts of several scored protocols added up. */
function mergedOutcomes(scores: readonly ProtocolScore[]) {
  const tally = new OutcomeTally();
  for (const score of scores) tally.addAll(score.outcomes);
  return tally.records();
}

export async function runSearchTrial(config: SearchConfig, spec: TrialSpec): Promise<TrialResult> {
  const start = performance.now();
  // A generator model given as data is sampled once per thread before the (synchronous) fits read it.
  if (config.data !== undefined) await prepareDataSource(config.data);
  const fitted = config.data === undefined ? undefined : fittedGenerators(config, spec.seed);
  const trainEnvs = searchEnvs(config, spec.seed, 'train', config.trainPopulations, fitted);
  const env = trainEnvs[0]!;
  const trainSeeds = Array.from({ length: config.trainSeasons }, (_, i) => spec.seed + i);
  const heldOut = Array.from({ length: config.heldOutSeasons }, (_, i) => spec.seed + 1_000_000 + i);
  const baseline = presetProtocol(config.baseline);
  const { effective, design: designOf, start: startAction } = restrictedDesign(baseline, PRESETS[config.baseline]!.supply, config);
  const objectiveOn = (envs: readonly ProtocolDesignEnv[]) => (protocol: Protocol): number => {
    const scores = envs.map((e) => scoreProtocol(e, protocol, trainSeeds).score);
    return config.riskWeight === 0 ? meanOf(scores) : (1 - config.riskWeight) * meanOf(scores) + config.riskWeight * lowerTail(scores);
  };
  // One CMA-ES run from `from`; it keeps `from` when it finds nothing better (its best evaluated point need not beat it).
  const searchFrom = async (objective: (protocol: Protocol) => number, from: ArrayLike<number>, step: number, seed: number, maxEvaluations: number) => {
    const search = await cmaesMinimize((x: Float64Array) => -objective(designOf(x)), from, step, { seed, maxEvaluations, ...DESIGN_BOX });
    const fromScore = objective(designOf(from));
    return { search, fromScore, action: -search.f > fromScore ? effective(search.x) : from, score: Math.max(-search.f, fromScore) };
  };
  const { replay } = config;
  const firstEvaluations = replay === undefined ? config.maxEvaluations : Math.ceil(config.maxEvaluations / 2);
  const first = await searchFrom(objectiveOn(trainEnvs), startAction, config.initialStep, spec.seed, firstEvaluations);
  let final = first;
  let objective = objectiveOn(trainEnvs);
  let curves = first.search.history.map((h) => ({ name: 'bestTrainScore', step: h.evaluations, value: -h.best }));
  const replayMetrics: Record<string, number> = {};
  if (replay !== undefined) {
    // Screen fresh populations under the first half's design; the worst (or, as a control, the first) join training.
    const screened = searchEnvs(config, spec.seed, 'screen', replay.screen, fitted);
    const screenScores = screened.map((e) => scoreProtocol(e, designOf(first.action), trainSeeds).score);
    const picked = replay.pick === 'worst' ? Array.from(stableArgsort(screenScores)).slice(0, replay.keep) : Array.from({ length: replay.keep }, (_, i) => i);
    objective = objectiveOn([...trainEnvs, ...picked.map((i) => screened[i]!)]);
    final = await searchFrom(objective, first.action, config.initialStep / 2, spec.seed + 1, config.maxEvaluations - firstEvaluations);
    const offset = first.search.evaluations;
    curves = [...curves, ...final.search.history.map((h) => ({ name: 'bestTrainScoreAfterReplay', step: offset + h.evaluations, value: Math.max(-h.best, final.fromScore) }))];
    replayMetrics.replayedScore = meanOf(picked.map((i) => screenScores[i]!));
    replayMetrics.screenedScore = meanOf(screenScores);
  }
  const action = final.action;
  // The baseline preset's training objective, on the populations the final design was tuned on.
  const startScore = final === first ? first.fromScore : objective(designOf(startAction));
  const design = designOf(action);
  const designed = scoreProtocol(env, design, heldOut);
  const baselineScored = scoreProtocol(env, baseline, heldOut);
  // Populations no candidate was scored on: each scored over the held-out seasons, design and baseline alike.
  const heldOutEnvs = searchEnvs(config, spec.seed, 'held-out', config.heldOutPopulations, fitted);
  const designedThere = heldOutEnvs.map((e) => scoreProtocol(e, design, heldOut));
  const baselineThere = heldOutEnvs.map((e) => scoreProtocol(e, baseline, heldOut));
  const populationMetrics: Record<string, number> =
    heldOutEnvs.length === 0
      ? {}
      : {
          heldOutPopulationScore: meanOf(designedThere.map((r) => r.score)),
          heldOutPopulationBaselineScore: meanOf(baselineThere.map((r) => r.score)),
          heldOutPopulationImprovement: meanOf(designedThere.map((r, k) => r.score - baselineThere[k]!.score)),
          heldOutPopulationTailScore: lowerTail(designedThere.map((r) => r.score)),
          heldOutPopulationBaselineTailScore: lowerTail(baselineThere.map((r) => r.score)),
          heldOutPopulationAttackLoss: meanOf(designedThere.map((r) => r.attackLoss)),
          heldOutPopulationBaselineAttackLoss: meanOf(baselineThere.map((r) => r.attackLoss)),
          heldOutPopulationWelfare: meanOf(designedThere.map((r) => r.welfare)),
          heldOutPopulationBaselineWelfare: meanOf(baselineThere.map((r) => r.welfare)),
        };
  const parameters = Object.fromEntries(Object.entries(designValues(action)).map(([name, value]) => [`param.${name}`, value]));
  return trialResult(spec, start, {
    metrics: {
      heldOutScore: designed.score,
      baselineScore: baselineScored.score,
      heldOutImprovement: designed.score - baselineScored.score,
      heldOutAttackLoss: designed.attackLoss,
      baselineAttackLoss: baselineScored.attackLoss,
      ...populationMetrics,
      ...replayMetrics,
      // With data: how the populations were mapped (participation scale, voting share), and when calibrated the
      // median turnout it matched and the training fit's populations' turnout so mapped.
      ...(fitted === undefined ? {} : { turnoutScale: fitted.turnout.scale, votingShare: fitted.turnout.votingShare, realTurnout: fitted.turnout.realTurnout ?? Number.NaN, trainTurnout: fitted.turnout.turnout ?? Number.NaN }),
      trainScore: final.score,
      baselineTrainScore: startScore,
      evaluations: first.search.evaluations + (final === first ? 0 : final.search.evaluations),
      ...parameters,
    },
    curves,
    // How the attacks on the found design ended in its held-out seasons (the seed's population and the held-out ones).
    outcomes: mergedOutcomes([designed, ...designedThere]),
    artifacts: [
      { name: 'design.json', mediaType: 'application/json', content: JSON.stringify(design, null, 2) },
      // With replay: the first half's design, which picked the replayed populations.
      ...(final === first ? [] : [{ name: 'design-before-replay.json', mediaType: 'application/json', content: JSON.stringify(designOf(first.action), null, 2) }]),
    ],
  });
}
