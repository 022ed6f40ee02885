/**
 * `kind: loop`: the closed loop. Attacks on populations from a generator fitted to real voters fine-tune the
 * generator toward populations where the protocol fails (staying realistic), and the protocol is re-tuned
 * against them, round after round; held-out populations judge each round's protocol.
 */
import { z } from 'zod';
import { ATTACK_STRATEGIES } from '../../../envs/dao/season.ts';
import { presetNames } from '../../../envs/dao/presets.ts';
import { common, positiveInt, season, strict } from '../../schema.ts';
import { resolveDataFile } from '../checks.ts';
import { dataSupply, dataTurnout, dataTurnoutScale, designSearchFields } from '../design-fields.ts';
import { defineKind } from '../types.ts';
import { lazyModule } from '../../../lib/modules.ts';

export const schema = strict({
  kind: z.literal('loop'),
  ...common,
  /**
   * Real data G_1 is fitted to: a Governor event log CSV (as in ../shared/data/governor-events), a member
   * feature table CSV from `daogym data import`, a generator model JSON from `daogym generators fit` (4,000
   * members sampled from it stand in for real ones: with an MST fitted under differential privacy, the loop
   * never sees a real member), or 'default' (members of the calibrated population). Paths are relative to the
   * config file.
   */
  data: z.string().min(1).default('default'),
  /** Share of members held out of G_1's fit; the separate held-out generator is fitted to them. */
  holdoutShare: z.number().min(0.1).max(0.5).default(0.3),
  /**
   * per-seed: each replicate draws its own split of the real members (the intervals across seeds then cover
   * which members were held out too); fixed: one split for the whole run, from the config seed.
   */
  holdoutSplit: z.enum(['per-seed', 'fixed']).default('per-seed'),
  turnoutScale: dataTurnoutScale,
  dataSupply,
  dataTurnout,
  rounds: positiveInt(50).default(3),
  populationsPerRound: z.number().int().min(4).max(10_000).default(24),
  members: z.number().int().min(200).max(100_000).default(1000),
  /**
   * Seasons a population's loss is averaged over (its expected loss). Most of one season's outcome is the
   * season's own draws (who votes, when grants arrive), not the population; more seasons leave the loss
   * that belongs to the population.
   */
  seasonsPerPopulation: z.number().int().min(1).max(100).default(1),
  baseline: z.enum(presetNames() as [string, ...string[]]).default('compound-bravo'),
  attacks: z.array(z.enum(ATTACK_STRATEGIES)).min(1, 'give at least one attack').default(['buy-and-vote', 'borrow-and-vote', 'bribe']),
  attackBudgetUsd: z.number().min(0).default(20_000_000),
  /**
   * scripted: the worst of the listed strategies; cem: the worst strategy, then CEM over its share and day
   * (the round's strongest find joins the arm's attack library, which the protocol search and later rounds face);
   * ppo: the worst strategy, and a PPO attacker trained each round against P_r (dao/GovernanceAttack-v0 on
   * `ppoAttacker.populations` of the round's populations, the season's budget, market and disguised drain)
   * and played on every population: where it drains more than the scripted worst, the loss counts its drain.
   */
  attackSearch: z.enum(['scripted', 'cem', 'ppo']).default('scripted'),
  ppoAttacker: strict({
    /**
     * Environment steps per training. Buy, propose, vote and wait out the timelock is a sparse discovery
     * (buying costs price impact at once; the drain pays a few dozen steps later): on Bravo at $30M, PPO
     * with entropy 0.05 first finds it after 60-80k steps.
     */
    totalTimesteps: z.number().int().min(256).max(10_000_000).default(150_000),
    /** Training populations, one vectorised env each (the round's first ones). */
    populations: positiveInt(64).default(8),
    numSteps: positiveInt(4096).default(64),
    learningRate: z.number().gt(0).max(1).default(3e-4),
    /** Entropy bonus: CleanRL's 0.01 settles on waiting before it ever drains. */
    entCoef: z.number().min(0).max(1).default(0.05),
    /** Episodes of the trained (deterministic) policy per population; its drain is their mean. */
    episodes: positiveInt(100).default(2),
  }).default({ totalTimesteps: 150_000, populations: 8, numSteps: 64, learningRate: 3e-4, entCoef: 0.05, episodes: 2 }),
  season: season.default(season.parse({})),
  fineTune: strict({
    temperature: z.number().gt(0).max(100).default(1),
    klWeight: z.number().min(0).max(100).default(0.25),
    /** Quality score (SDMetrics-style, 0-1) of G_{r+1}'s members against the real data below which a round's update is rejected. */
    realismFloor: z.number().min(0).max(1).default(0.8),
    /**
     * loss: the generator seeks high loss; regret: high loss relative to `reference` (PAIRED with a fixed
     * reference); antagonist: high loss relative to the best, population by population, of `antagonists`
     * protocols drawn around the current one (PAIRED's antagonist: populations where P_r fails but a nearby
     * protocol would not, so the signal is the headroom a re-tune can take, not loss no protocol avoids);
     * likely-failure: adaptive stress testing's reward, the most likely failure (log density of the
     * population's effects under G_1, minus missPenalty x (1 + miss distance / failureLoss) where the loss
     * stayed below failureLoss), so the generator seeks failures near what real DAOs look like, not the worst.
     * shuffled: a control, not an adversary: the round's losses permuted across its populations, so the
     * generator moves as far as with `loss` (the same weights, the same effective sample size) but toward
     * no particular populations; the loop against it separates what the loss signal teaches from what a
     * wider training mix alone does.
     */
    adversary: z.enum(['loss', 'regret', 'antagonist', 'likely-failure', 'shuffled']).default('loss'),
    reference: z.enum(presetNames() as [string, ...string[]]).default('compound-bravo'),
    /** adversary antagonist: how many protocols, each the current design action plus antagonistStep x N(0, 1) per parameter (clipped to [-1, 1]). */
    antagonists: positiveInt(256).default(8),
    antagonistStep: z.number().gt(0).max(2).default(0.4),
    /** adversary likely-failure: a population has failed when its loss is at least this (a share of the treasury). */
    failureLoss: z.number().gt(0).max(10).default(0.1),
    /** adversary likely-failure: the penalty (nats) of a population that did not fail, at the failure line; twice it at zero loss. */
    missPenalty: z.number().min(0).max(1000).default(10),
  }).default({ temperature: 1, klWeight: 0.25, realismFloor: 0.8, adversary: 'loss', reference: 'compound-bravo', antagonists: 8, antagonistStep: 0.4, failureLoss: 0.1, missPenalty: 10 }),
  protocolSearch: strict({
    maxEvaluations: z.number().int().min(10).max(100_000).default(60),
    initialStep: designSearchFields.initialStep,
    /** Populations from each of G_1 and G_{r+1} that candidates are scored on. */
    populations: positiveInt(1000).default(6),
    /**
     * Populations from each of G_1 and G_{r+1} for the validation check that decides whether the search's best
     * point replaces the incumbent (default: `populations`). More of them make that choice less of a coin flip.
     */
    validationPopulations: positiveInt(1000).optional(),
    /**
     * Extra CMA-ES runs per re-tune, each with maxEvaluations: the first from the baseline preset's own
     * parameters, the others from random points of the design box. The best point of all runs (on the
     * training populations) goes to the validation check. An incumbent below the threshold cliff is a local
     * optimum a search from it rarely leaves.
     */
    restarts: z.number().int().min(0).max(20).default(0),
    /**
     * Replay (Prioritized Level Replay, Jiang et al. 2021): each round the `replay` populations with the
     * highest loss under P_r, each with the seasons it was attacked in, join the arm's replay buffer, and
     * every re-tune from then on (that round's included) counts the buffer in its CVaR term beside the fresh
     * training mix (the mean stays over the fresh mix). The validation check stays on fresh populations. Both
     * arms replay their own rounds, so the G_1-only arm is still the protocol tuned on G_1 alone with the same
     * method and budget. 0 = off.
     */
    replay: z.number().int().min(0).max(1000).default(0),
    /** Objective = (1 - riskWeight) x mean loss + riskWeight x CVaR-10 % loss. */
    riskWeight: z.number().min(0).max(1).default(0.5),
    safeguards: designSearchFields.safeguards,
    hold: designSearchFields.hold,
    /**
     * How the mix of G_1 and G_{r+1} populations is scored: `none` = every population counts the same;
     * `importance` = each counts p_1(z) / (p_1(z)/2 + p_{r+1}(z)/2) (multiple importance sampling), so the
     * objective estimates the risk under G_1 while G_{r+1} supplies more of its tail.
     */
    weighting: z.enum(['none', 'importance']).default('none'),
  }).default({ maxEvaluations: 60, initialStep: 0.8, populations: 6, riskWeight: 0.5, safeguards: 'all', hold: [], weighting: 'none', restarts: 0, replay: 0 }),
  heldOut: strict({
    populations: positiveInt(10_000).default(24),
    /** Population effects of the stress grid: every turnout x concentration pair. */
    turnout: z.array(z.number().min(-3).max(3)).min(1).default([-0.7, -0.35, 0]),
    concentration: z.array(z.number().min(-1).max(1)).min(1).default([0, 0.2, 0.4]),
    /** Also run the protocol search on the held-out populations themselves (the headroom: a bound, tuned on the test set). */
    oracle: z.boolean().default(true),
    /**
     * Seasons each held-out population is scored over (its mean loss; default: seasonsPerPopulation). One
     * season's drain is mostly that season's luck, so more seasons leave less noise in the comparison.
     */
    seasons: z.number().int().min(1).max(100).optional(),
    /**
     * Real data of another DAO for the separate-fit held-out populations (same formats as `data`, relative
     * to the config file): a copula fitted to all of its members replaces the one fitted to `data`'s held-out
     * members, so the held-out test asks how a protocol tuned on one DAO's electorate does on another's.
     * With turnoutScale 'calibrated' its populations are calibrated to its own proposals' median turnout
     * (votes cast over `dataSupply`: its token's total supply, e.g. 16,000,000 for Aave's AAVE; or `dataTurnout`
     * for a feature table), not to G_1's.
     */
    data: z.string().min(1).optional(),
    dataSupply,
    dataTurnout,
    /**
     * The attack search the held-out judge runs against each protocol on each held-out population (default:
     * `attackSearch`, so protocols are judged by the attacker they were tuned against in the rounds): scripted,
     * cem (CEM over the worst strategy's share and day, per population), or ppo (a PPO attacker trained
     * against each protocol on `ppoAttacker.populations` of the held-out populations, played on all of them).
     */
    attackSearch: z.enum(['scripted', 'cem', 'ppo']).optional(),
  }).default({ populations: 24, turnout: [-0.7, -0.35, 0], concentration: [0, 0.2, 0.4], oracle: true, dataSupply: 10_000_000 }),
});

export type LoopConfig = z.output<typeof schema>;

/** The trial code, loaded by the first trial (workers need it; planning does not). */
const loopTrial = lazyModule(() => import('./trial.ts'));

export const loop = defineKind({
  schema,
  backend: 'js',
  reportDetail: true,
  prepare: (config, path) => {
    config.data = resolveDataFile(path, 'data', config.data);
    if (config.heldOut.data !== undefined) config.heldOut.data = resolveDataFile(path, 'heldOut.data', config.heldOut.data);
  },
  plan: () => [{ variant: 'loop', params: { variant: 'loop' } }],
  runTrial: async (config, spec, context) => (await loopTrial()).runLoopTrial(config, spec, context),
  reportSpec: (config) => ({
    title: config.name,
    primaryMetric: 'cvar10Improvement',
    curvesTitle: 'Round by round',
    integerSteps: true,
    higherIsBetter: true,
    metrics: [
      'heldOutCvar10Final',
      'heldOutCvar10G1',
      'heldOutCvar10Baseline',
      'cvar10ImprovementSeparate',
      'cvar10ImprovementGrid',
      // Another DAO's electorate (heldOut.data): both arms and the baseline there, loss tail and welfare.
      ...(config.heldOut.data !== undefined ? ['heldOutCvar10SeparateFinal', 'heldOutCvar10SeparateG1', 'heldOutCvar10SeparateBaseline', 'heldOutWelfareSeparateFinal', 'heldOutWelfareSeparateG1'] : []),
      // The held-out bound, when the config runs it.
      ...(config.heldOut.oracle ? ['heldOutCvar10Oracle', 'cvar10Headroom'] : []),
      'heldOutWelfareFinal',
      'heldOutWelfareG1',
      'welfareGapRelative',
      'fidelityG1',
      'fidelityFinal',
      'roundsAccepted',
      // How members were mapped (participation scale, their share of the supply), and with calibrated turnout the log's median and G_1's.
      'turnoutScale',
      'votingShare',
      ...(config.turnoutScale === 'calibrated' ? ['realTurnout', 'g1Turnout', 'g1TurnoutUnscaled'] : []),
    ],
  }),
});
