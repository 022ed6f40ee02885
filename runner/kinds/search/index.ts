/**
 * `kind: search`: CMA-ES over the protocol parameters of dao/ProtocolDesign-v0, scored on training seasons and
 * populations against scripted attacks, judged on held-out ones; the report reads the improvement over the
 * baseline preset and the search's curve.
 */
import { z } from 'zod';
import { ATTACK_STRATEGIES } from '../../../envs/dao/season.ts';
import { DESIGN_SEASON_DAYS } from '../../../envs/dao/design-env.ts';
import { PRESETS, presetNames, presetProtocol } from '../../../envs/dao/presets.ts';
import { describeProtocol } from '../../../envs/dao/describe.ts';
import type { Protocol } from '../../../envs/dao/protocol.ts';
import { common, positiveInt, searchSeason, strict, type Problem } from '../../schema.ts';
import { resolveDataFile } from '../checks.ts';
import { dataSupply, dataTurnout, dataTurnoutScale, designSearchFields } from '../design-fields.ts';
import { defineKind } from '../types.ts';
import { lazyModule } from '../../../lib/modules.ts';

export const schema = strict({
  kind: z.literal('search'),
  ...common,
  /** The preset the search starts from (its own parameters) and is compared against. */
  baseline: z.enum(presetNames() as [string, ...string[]]).default('compound-bravo'),
  members: z.number().int().min(200).max(1_000_000).default(2000),
  attacks: z.array(z.enum(ATTACK_STRATEGIES)).min(1).default(['buy-and-vote', 'bribe', 'borrow-and-vote']),
  attackBudgetUsd: z.number().min(0).default(30_000_000),
  maxEvaluations: z.number().int().min(10).max(1_000_000).default(200),
  ...designSearchFields,
  trainSeasons: positiveInt(1000).default(4),
  heldOutSeasons: positiveInt(10_000).default(20),
  /**
   * Populations every candidate is scored on (each over trainSeasons x attacks): the seed's own population
   * (the only one when 1; with `data`, a draw from the trial's fit) and trainPopulations - 1 more drawn like
   * it. A design tuned on one population fits that population's members.
   */
  trainPopulations: positiveInt(1000).default(1),
  /**
   * Objective = (1 - riskWeight) x the mean score over the training populations + riskWeight x the mean
   * of the worst 10 % of them (at least one): how much the design search weighs its worst population.
   */
  riskWeight: z.number().min(0).max(1).default(0),
  /**
   * Populations no candidate was scored on, drawn like the training ones, on which the design and the
   * baseline are also judged over heldOutSeasons each (heldOutPopulation* metrics; the report's primary
   * metric when > 0). 0 = judge on the seed's own population only.
   */
  heldOutPopulations: z.number().int().min(0).max(10_000).default(8),
  /**
   * Where populations come from. Unset: the calibrated default population, drawn anew per population seed.
   * Real data (as the loop's `data`: a Governor event log CSV, a member feature table from `daogym data
   * import`, a generator model from `daogym generators fit` whose 4,000 sampled members stand in for real ones
   * (an MST fitted under differential privacy shares no member), or 'default' for the calibrated population's
   * members; relative to the config file): the training
   * populations are drawn from a Gaussian copula with population effects fitted to 1 - holdoutShare of its
   * members (each trial its own split), the held-out populations from a separate fit to the rest.
   */
  data: z.string().min(1).optional(),
  holdoutShare: z.number().min(0.1).max(0.5).default(0.3),
  turnoutScale: dataTurnoutScale,
  dataSupply,
  dataTurnout,
  /**
   * Replay (as the loop's `protocolSearch.replay`, Prioritized Level Replay): the search spends half its
   * evaluations, then scores its best design on `screen` fresh populations (drawn like the training ones,
   * over the training seasons), adds the `keep` where it scores lowest to the training populations, and
   * spends the other half from that design with half the first step. `pick: random` keeps the first `keep`
   * screened instead of the worst: a control (as many more populations, none picked for doing badly).
   * Unset = one search over the training populations.
   */
  replay: strict({
    screen: positiveInt(1000).default(24),
    keep: positiveInt(1000).default(4),
    pick: z.enum(['worst', 'random']).default('worst'),
  }).optional(),
  /**
   * The season every candidate is scored in (dao/ProtocolDesign-v0's season options), with the same fields and
   * ranges as a compare or stress experiment's `season`; fields left out keep the design env's own defaults
   * (a 60-day season, 6 proposals a month, the drain on day 15 with signal -0.5 and attention 0.7, delay cost
   * 0.01 a day, no autonomous proposals).
   */
  season: searchSeason.default({}),
});

export type SearchConfig = z.output<typeof schema>;

function searchChecks(config: SearchConfig): Problem[] {
  const problems: Problem[] = [];
  const { attackDay, days = DESIGN_SEASON_DAYS } = config.season;
  if (attackDay !== undefined && attackDay > days) problems.push([['season', 'attackDay'], `must be within the season (0-${days} days), got ${attackDay}`]);
  if (config.replay !== undefined && config.replay.keep > config.replay.screen) problems.push([['replay', 'keep'], `must be at most replay.screen (${config.replay.screen}), got ${config.replay.keep}`]);
  return problems;
}

/** The trial code, loaded by the first trial (workers need it; planning does not). */
const searchTrial = lazyModule(() => import('./trial.ts'));

export const search = defineKind({
  schema,
  backend: 'js',
  reportDetail: true,
  checks: searchChecks,
  prepare: (config, path) => {
    if (config.data !== undefined) config.data = resolveDataFile(path, 'data', config.data);
  },
  plan: () => [{ variant: 'designed', params: { variant: 'designed' } }],
  reportSections: (config, trials) => {
    const designs = trials.flatMap((t) => {
      const artifact = t.artifacts?.find((a) => a.name === 'design.json');
      return artifact === undefined ? [] : [{ seed: t.seedIndex, design: JSON.parse(String(artifact.content)) as Protocol }];
    });
    if (designs.length === 0 || PRESETS[config.baseline] === undefined) return [];
    const supply = PRESETS[config.baseline]!.supply;
    const vetoed = designs.filter((d) => d.design.guardianVeto).length;
    return [
      {
        title: 'Designs found',
        headers: ['protocol', 'rules (durations in 12 s blocks and time)'],
        rows: [[`baseline: ${config.baseline}`, describeProtocol(presetProtocol(config.baseline), supply)], ...designs.map((d) => [`seed index ${d.seed}`, describeProtocol(d.design, supply)])],
        notes: vetoed > 0 ? [`${vetoed} of ${designs.length} designs rely on a guardian veto: their scores assume a vetoer who catches the drain.`] : [],
      },
    ];
  },
  runTrial: async (config, spec) => (await searchTrial()).runSearchTrial(config, spec),
  reportSpec: (config) =>
    // Judged on populations the search never met when there are any; else on the seed's own population.
    config.heldOutPopulations > 0
      ? {
          title: config.name,
          primaryMetric: 'heldOutPopulationImprovement',
          higherIsBetter: true,
          metrics: [
            'heldOutPopulationScore',
            'heldOutPopulationBaselineScore',
            'heldOutPopulationImprovement',
            'heldOutPopulationTailScore',
            'heldOutPopulationBaselineTailScore',
            'heldOutImprovement',
            'evaluations',
            ...(config.data === undefined ? [] : ['turnoutScale', 'votingShare', ...(config.turnoutScale === 'calibrated' ? ['realTurnout', 'trainTurnout'] : [])]),
          ],
        }
      : { title: config.name, primaryMetric: 'heldOutImprovement', higherIsBetter: true, metrics: ['heldOutScore', 'baselineScore', 'heldOutImprovement', 'evaluations'] },
});
