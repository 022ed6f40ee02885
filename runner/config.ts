/**
 * Experiment configs: YAML validated by zod into typed configs. Every mistake becomes one ConfigError
 * naming the file, the YAML line, the field path and what would be valid, e.g.
 *   experiments/x.yaml:14: variants[1].protocol.quorum.fraction: must be <= 1, got 1.5
 * Kinds: `compare` (protocol variants x populations x attacks x seeds), `stress` (the same over a grid
 * of one stressor, with breaking points), `train` (a PPO attacker per variant), `search` (CMA-ES over
 * protocol parameters), `loop` (the closed loop: attacks fine-tune the population generator, the protocol
 * is re-tuned against it).
 */
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { z } from 'zod';
import { ATTACK_STRATEGIES, DEFAULT_COALITION_SIZE } from '../envs/dao/season.ts';
import { DEFAULT_LATE_REACTION } from '../envs/dao/governance.ts';
import { GovernanceAttackEnv, type GovernanceAttackKwargs } from '../envs/dao/attack-env.ts';
import { EnvConfigError } from '../envs/dao/config.ts';
import { DESIGN_PARAMETERS, DESIGN_SAFEGUARDS, DESIGN_SEASON_DAYS } from '../envs/dao/design-env.ts';
import { PRESETS, presetNames, presetProtocol } from '../envs/dao/presets.ts';
import { BLOCKS_PER_HOUR, DURATION_FIELDS, formatIssue, protocolFieldsAt, protocolSchema } from '../envs/dao/protocol.ts';
import { DURATION_FORMS, formatDuration } from '../envs/dao/units.ts';
import { MAX_TURNOUT_SCALE } from '../generators/turnout.ts';

export class ConfigError extends Error {
  constructor(
    message: string,
    /** The first problem's field and line. */
    readonly field: string,
    readonly line: number | null,
    /** Every problem found, one `file:line: field: message` line each (the message joins them). */
    readonly problems: readonly string[] = [message],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A strict object whose unknown-field error names the closest valid field and lists them all. */
function strict<Shape extends z.ZodRawShape>(shape: Shape) {
  const fields = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? unknownFieldMessage(issue.keys[0]!, fields) : undefined),
  });
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps), for "did you mean". */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      rows[i]![j] = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i]![j] = Math.min(rows[i]![j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}

/** The valid name closest to `name` when it is close enough to be a typo of it. */
export function closestName(name: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function unknownFieldMessage(key: string, valid: readonly string[]): string {
  const guess = closestName(key, valid);
  return `unknown field '${key}'${guess === undefined ? '' : ` (did you mean '${guess}'?)`}; valid fields: ${valid.join(', ')}`;
}

const slug = z.string().max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'must be a name of letters, digits, and . _ + - (no spaces)');
const positiveInt = (max: number) => z.number().int().min(1).max(max);

export const METRICS = ['score', 'welfare', 'attackSucceeded', 'attackLoss', 'attackLossShare', 'attackerProfit', 'executedValue', 'failedGoodValue', 'honestExecutedShare', 'honestProposals'] as const;
export type SeasonMetric = (typeof METRICS)[number];

/** Population options a default population accepts, with their valid ranges. */
const populationOptions = strict({
  supply: z.number().gt(0).optional(),
  balanceTail: z.number().min(0.5).max(5).optional(),
  idleShare: z.number().min(0).lt(1).optional(),
  delegates: positiveInt(10_000).optional(),
  turnoutScale: z.number().gt(0).max(20).optional(),
  lateShare: z.number().min(0).max(1).optional(),
  alignmentMean: z.number().min(-3).max(3).optional(),
});

const population = strict({
  name: slug,
  members: z.number().int().min(200).max(1_000_000).default(2000),
  /** 'default' = the calibrated population; otherwise a saved generator model file (copula, parametric, vae, gan). */
  generator: z.string().min(1).default('default'),
  /**
   * With a generator file: the share of supply a proposal its populations should turn out on average (e.g.
   * 0.0726, the median `daogym data import` prints for Compound Bravo). Members mapped from real voters'
   * features turn out several times what the DAO did; calibrated, they hold only the share of the supply
   * that turns out this (the rest passive; generators/turnout.ts), and options.turnoutScale (or the
   * turnoutScale stressor) then scales their participation. Unset: they hold all of it.
   */
  turnout: z.number().gt(0).lt(1).optional(),
  options: populationOptions.default({}),
});

const variant = strict({
  name: slug,
  preset: z.enum(presetNames() as [string, ...string[]]).default('compound-bravo'),
  protocol: z.record(z.string(), z.unknown()).default({}),
});

const market = strict({
  ammToken: z.number().gt(0).optional(),
  ammUsd: z.number().gt(0).optional(),
  ammFee: z.number().min(0).lt(1).optional(),
  lendingToken: z.number().min(0).optional(),
  loanToValue: z.number().gt(0).max(1).optional(),
  interestPerBlock: z.number().min(0).optional(),
  flashLoanFee: z.number().min(0).lt(1).optional(),
});

const season = strict({
  days: z.number().min(1).max(365).default(30),
  proposalsPerMonth: z.number().min(0).max(100).default(6),
  treasuryUsd: z.number().gt(0).default(50_000_000),
  attackShare: z.number().gt(0).max(1).default(0.3),
  attackDay: z.number().min(0).default(3),
  attackSignal: z.number().min(-5).max(5).default(-0.3),
  attackAttention: z.number().min(0).max(1).default(0.5),
  delayCostPerDay: z.number().min(0).max(1).default(0.005),
  /** The `coalition` attack: how many of the population's largest holders collude. */
  coalitionSize: z.number().int().min(1).max(1000).default(DEFAULT_COALITION_SIZE),
  /**
   * How strongly members who have not voted answer a late-quorum extension (0-1): each votes in the
   * extension with probability lateReaction x participation x attention (an assumption: no published figure).
   * 0: nobody answers, so the extension only delays.
   */
  lateReaction: z.number().min(0).max(1).default(DEFAULT_LATE_REACTION),
  /**
   * Autonomous proposals (0-1): a proposer below the proposal threshold canvasses the members for the rest;
   * each member is asked and looks with probability sponsorship x participation x attention and backs a
   * proposal it would vote For. 0 (default): below the threshold nobody proposes.
   */
  sponsorship: z.number().min(0).max(1).default(0),
});

/** A season block whose fields are all optional: unset ones keep the consumer's own defaults (kind search). */
const searchSeason = strict(
  Object.fromEntries(Object.entries(season.shape).map(([name, field]) => [name, field.unwrap().optional()])) as {
    [K in keyof typeof season.shape]: z.ZodOptional<ReturnType<(typeof season.shape)[K]['unwrap']>>;
  },
);

/** What a stress test may sweep, and the valid range of each. */
export const STRESSORS = {
  attackBudgetUsd: { low: 0, high: 1e12, label: 'attacker budget (usd)', populationOnly: false },
  turnoutScale: { low: 1e-6, high: 20, label: 'turnout (x calibrated)', populationOnly: false },
  balanceTail: { low: 0.5, high: 5, label: 'balance tail (Pareto shape; smaller = whales)', populationOnly: true },
  delegationShare: { low: 0, high: 0.999, label: 'share of supply delegated', populationOnly: true },
  lateShare: { low: 0, high: 1, label: 'share of votes cast late', populationOnly: true },
  attackShare: { low: 1e-6, high: 1, label: 'treasury share the attacker requests', populationOnly: false },
} as const;
export type Stressor = keyof typeof STRESSORS;

const stress = strict({
  stressor: z.enum(Object.keys(STRESSORS) as [Stressor, ...Stressor[]]),
  values: z.array(z.number()).min(2, 'give at least 2 values').max(50),
  scale: z.enum(['linear', 'log']).default('linear'),
  /** Attack success rate at which a rule counts as broken. */
  threshold: z.number().gt(0).lt(1).default(0.5),
});

const report = strict({
  primaryMetric: z.enum(METRICS).default('score'),
  baseline: slug.optional(),
  metrics: z.array(z.enum(METRICS)).default(['score', 'welfare', 'attackSucceeded', 'attackLoss']),
});

const common = {
  name: slug,
  /** Kept with the run and shown in its report: a paragraph, not a document. */
  description: z.string().max(10_000).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  seeds: positiveInt(10_000).default(10),
  workers: positiveInt(256).optional(),
};

const seasonExperiment = {
  ...common,
  variants: z.array(variant).min(1, 'give at least one variant'),
  populations: z.array(population).min(1, 'give at least one population').default([{ name: 'calibrated', members: 2000, generator: 'default', options: {} }]),
  attacks: z.array(z.enum(ATTACK_STRATEGIES)).min(1, 'give at least one attack (or none)').default(['buy-and-vote']),
  attackBudgetUsd: z.number().min(0).default(1_000_000),
  season: season.default(season.parse({})),
  market: market.default({}),
  report: report.default(report.parse({})),
};

const compareConfig = strict({ kind: z.literal('compare'), ...seasonExperiment });
const stressConfig = strict({ kind: z.literal('stress'), ...seasonExperiment, stress });

const ppo = strict({
  totalTimesteps: z.number().int().min(1000).max(100_000_000).default(100_000),
  numEnvs: positiveInt(256).default(8),
  numSteps: positiveInt(100_000).default(128),
  learningRate: z.number().gt(0).max(1).default(3e-4),
});

const trainConfig = strict({
  kind: z.literal('train'),
  ...common,
  env: z.literal('dao/GovernanceAttack-v0').default('dao/GovernanceAttack-v0'),
  /** Env kwargs shared by every variant (members, market, treasuryUsd, budgetUsd, ...). */
  envKwargs: z.record(z.string(), z.unknown()).default({}),
  variants: z.array(variant).min(1, 'give at least one variant'),
  agent: strict({ kind: z.literal('ppo'), ...ppo.shape }).default({ kind: 'ppo', ...ppo.parse({}) }),
  evalEpisodes: positiveInt(10_000).default(50),
  report: strict({ primaryMetric: z.enum(['profitableShare', 'meanProfitUsd']).default('profitableShare'), baseline: slug.optional() }).default({ primaryMetric: 'profitableShare' }),
});

/** What a CMA-ES search over dao/ProtocolDesign-v0's parameters may change, and how it starts (search and loop). */
const designSearchFields = {
  /**
   * CMA-ES's initial step size, in design-action units (each parameter spans [-1, 1]). Small steps stay
   * near the start (the baseline preset's own parameters); a proposal threshold above what the attacker
   * can buy is a cliff far from it.
   */
  initialStep: z.number().gt(0).max(2).default(0.8),
  /** Which safeguards the search may turn on: all (guardian veto, treasury supermajority), all but the guardian, or none. */
  safeguards: z.enum(DESIGN_SAFEGUARDS).default('all'),
  /** Design parameters the search may not change: held at the baseline preset's own value. */
  hold: z.array(z.enum(DESIGN_PARAMETERS.map((p) => p.name) as [string, ...string[]])).default([]),
};

/**
 * With real data: how mapped members turn out. A Governor event log's voters, mapped onto a population that
 * holds the whole supply and votes all at once, turn out far more than the DAO did: Compound Bravo's about
 * 35 % of supply a proposal against the 7.26 % median of its real proposals. 'calibrated' (the default): the
 * members hold only the share of the supply (the rest passive) at which the trial's fitted generator's
 * populations turn out the log's median on average (generators/turnout.ts; about a fifth for Bravo's voters),
 * at their own participation rates; with a member feature table or 'default' there are no proposals to
 * calibrate to, and they hold all of it. A number: they hold all of it and each one's participation is
 * multiplied by it (capped at 1; 1 = the voters' own rates, as every run before calibration).
 */
const dataTurnoutScale = z
  .union([z.literal('calibrated'), z.number().gt(0).max(MAX_TURNOUT_SCALE)], {
    error: (issue) => (issue.code === 'invalid_union' ? `must be 'calibrated' or a number in (0, ${MAX_TURNOUT_SCALE}], got ${describeValue(issue.input)}` : undefined),
  })
  .default('calibrated');
/**
 * The total supply of the token whose votes `data` logs (tokens): the real turnout a calibrated population
 * matches is votes cast / it. Default 10,000,000 (COMP: Compound's Governor Alpha and Bravo); Aave
 * governance v2's AAVE is 16,000,000 (../shared/data/governance_token_supplies.csv).
 */
const dataSupply = z.number().gt(0).default(10_000_000);
/**
 * The median turnout (share of supply a proposal) to calibrate to instead of the one `data`'s proposals give:
 * for a member feature table (from `daogym data import`, which prints it), which holds no proposals.
 */
const dataTurnout = z.number().gt(0).lt(1).optional();

const searchConfig = strict({
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
   * import`, or 'default' for the calibrated population's members; relative to the config file): the training
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

const loopConfig = strict({
  kind: z.literal('loop'),
  ...common,
  /**
   * Real data G_1 is fitted to: a Governor event log CSV (as in ../shared/data/governor-events), a member
   * feature table CSV from `daogym data import`, or 'default' (members of the calibrated population).
   * Paths are relative to the config file.
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

export const experimentSchema = z.discriminatedUnion('kind', [compareConfig, stressConfig, trainConfig, searchConfig, loopConfig], {
  error: (issue) => (issue.code === 'invalid_union' ? `must be one of: compare, stress, train, search, loop, got ${describeValue((issue.input as Record<string, unknown> | undefined)?.kind)}` : undefined),
});

export type ExperimentConfig = z.output<typeof experimentSchema>;
export type SeasonExperimentConfig = z.output<typeof compareConfig> | z.output<typeof stressConfig>;
export type StressConfig = z.output<typeof stressConfig>;
export type TrainConfig = z.output<typeof trainConfig>;
export type SearchConfig = z.output<typeof searchConfig>;
export type LoopConfig = z.output<typeof loopConfig>;
export type VariantConfig = z.output<typeof variant>;
export type PopulationConfig = z.output<typeof population>;

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out === '' ? '(top level)' : out;
}

/** The message for one zod issue, saying what is valid. */
function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int' && typeof input === 'number') return `must be an integer, got ${input}`;
      return input === undefined ? `required (${issue.expected})` : `must be ${issue.expected === 'number' || issue.expected === 'int' ? 'a number' : issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`}, got ${describeValue(input)}`;
    case 'too_small':
      if (issue.origin === 'array') return issue.message.startsWith('give') ? issue.message : `needs at least ${String(issue.minimum)} entries`;
      if (issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}, got ${describeValue(input)}`;
    case 'too_big':
      if (issue.origin === 'array') return `at most ${String(issue.maximum)} entries`;
      if (issue.origin === 'string') return `at most ${Number(issue.maximum).toLocaleString('en-US')} characters, got ${typeof input === 'string' ? input.length.toLocaleString('en-US') : describeValue(input)}`;
      return `must be ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}, got ${describeValue(input)}`;
    case 'invalid_value':
      return `must be ${issue.values.length === 1 ? `'${String(issue.values[0])}'` : `one of: ${issue.values.map(String).join(', ')}`}, got ${describeValue(input)}`;
    case 'invalid_format':
      return `${issue.message}, got ${describeValue(input)}`;
    case 'not_multiple_of':
      return `must be an integer, got ${describeValue(input)}`;
    default:
      return issue.message;
  }
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let node = data;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part as string];
  }
  return node;
}

/** The 1-based line of the deepest YAML node on `path` (the parent's when the field is missing). */
function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | null {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as (string | number)[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return null;
}

/** Cross-field checks zod's shapes cannot express; each returns [path, message] or nothing. */
function crossChecks(config: ExperimentConfig): Array<[PropertyKey[], string]> {
  const problems: Array<[PropertyKey[], string]> = [];
  const uniqueNames = (items: Array<{ name: string }>, field: string) => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      if (seen.has(item.name)) problems.push([[field, i, 'name'], `duplicate name '${item.name}'; names must be unique`]);
      seen.add(item.name);
    });
  };
  if (config.kind === 'compare' || config.kind === 'stress' || config.kind === 'train') {
    uniqueNames(config.variants, 'variants');
    const baseline = config.report.baseline;
    if (baseline !== undefined && !config.variants.some((v) => v.name === baseline)) {
      problems.push([['report', 'baseline'], `'${baseline}' is not a variant; valid: ${config.variants.map((v) => v.name).join(', ')}`]);
    }
  }
  if (config.kind === 'train') {
    // The env refuses bad kwargs when it is made; made here once per variant, a mistake stops the config, not a trial.
    config.variants.forEach((variant) => {
      try {
        new GovernanceAttackEnv({ ...config.envKwargs, preset: variant.preset, protocol: variant.protocol } as GovernanceAttackKwargs).close();
      } catch (error) {
        if (!(error instanceof EnvConfigError)) throw error;
        const field = error.field.split('.')[0]!;
        const inKwargs = Object.hasOwn(config.envKwargs, field);
        problems.push([inKwargs ? ['envKwargs', ...error.field.split('.')] : ['variants', config.variants.indexOf(variant)], inKwargs ? error.message.slice(error.message.indexOf(':') + 2) : error.message]);
      }
    });
  }
  if (config.kind === 'search') {
    const { attackDay, days = DESIGN_SEASON_DAYS } = config.season;
    if (attackDay !== undefined && attackDay > days) problems.push([['season', 'attackDay'], `must be within the season (0-${days} days), got ${attackDay}`]);
    if (config.replay !== undefined && config.replay.keep > config.replay.screen) problems.push([['replay', 'keep'], `must be at most replay.screen (${config.replay.screen}), got ${config.replay.keep}`]);
  }
  if (config.kind === 'compare' || config.kind === 'stress') {
    uniqueNames(config.populations, 'populations');
    config.populations.forEach((p, i) => {
      if (p.turnout !== undefined && p.generator === 'default') problems.push([['populations', i, 'turnout'], 'calibrates the populations of a generator file; the calibrated default population already turns out Compound Bravo\'s (scale it with options.turnoutScale)']);
    });
    if (config.kind === 'stress') {
      const { stressor, values } = config.stress;
      const range = STRESSORS[stressor];
      values.forEach((value, i) => {
        if (!(value >= range.low && value <= range.high)) problems.push([['stress', 'values', i], `${stressor} must be in [${range.low}, ${range.high}], got ${value}`]);
        if (i > 0 && !(value > values[i - 1]!)) problems.push([['stress', 'values', i], `values must increase, got ${value} after ${values[i - 1]}`]);
      });
      if (config.stress.scale === 'log' && values.some((v) => v <= 0)) problems.push([['stress', 'scale'], 'log scale needs values > 0']);
      if (range.populationOnly) {
        config.populations.forEach((p, i) => {
          if (p.generator !== 'default') problems.push([['populations', i, 'generator'], `stressor ${stressor} applies only to the calibrated population (generator: default)`]);
        });
      }
      if (stressor !== 'attackBudgetUsd' && stressor !== 'attackShare' && config.attacks.includes('none') && config.attacks.length === 1) {
        problems.push([['attacks'], 'a stress test needs at least one attack besides none']);
      }
    }
  }
  return problems;
}

/**
 * The protocol of every variant, checked on the raw config (so its problems are listed beside the schema's):
 * the preset's protocol with the variant's fields over it, every issue, and durations without a unit.
 */
function variantProtocolProblems(data: unknown): Problem[] {
  const problems: Problem[] = [];
  const variants = (data as { variants?: unknown } | null)?.variants;
  if (!Array.isArray(variants)) return problems;
  variants.forEach((raw: unknown, i) => {
    if (raw === null || typeof raw !== 'object') return;
    const v = raw as { preset?: unknown; protocol?: unknown };
    const presetName = v.preset ?? 'compound-bravo';
    if (typeof presetName !== 'string' || PRESETS[presetName] === undefined) return; // the schema names the preset
    if (v.protocol !== undefined && (v.protocol === null || typeof v.protocol !== 'object' || Array.isArray(v.protocol))) return; // the schema says it must be a mapping
    const own = (v.protocol ?? {}) as Record<string, unknown>;
    const merged = { ...PRESETS[presetName]!.protocol, ...own };
    const at = (path: readonly PropertyKey[]): PropertyKey[] => ['variants', i, 'protocol', ...path];
    // A duration is never a bare number in a config: `timelock: 7` meant as days would be 7 blocks.
    for (const path of DURATION_FIELDS) {
      const value = valueAt(own, path);
      if (typeof value === 'number') {
        problems.push([at(path), `must be ${DURATION_FORMS}, got ${value} (a bare number would be ${formatDuration(value)}; write '${value} blocks' if that is meant)`]);
      }
    }
    const parsed = protocolSchema.safeParse(merged, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) problems.push([at([...issue.path, key]), unknownFieldMessage(key, protocolFieldsAt(issue.path, merged) ?? [])]);
          continue;
        }
        // A bare number at a duration field is reported above; its range check would only repeat it.
        if (DURATION_FIELDS.some((path) => path.join('.') === issue.path.join('.')) && typeof valueAt(own, issue.path) === 'number') continue;
        const plain = issue.code === 'invalid_type' || issue.code === 'too_big' || issue.code === 'too_small' || issue.code === 'invalid_value';
        const known = formatIssue(new z.ZodError([issue]), 'protocol');
        const message = plain ? issueMessage(issue, valueAt(merged, issue.path)) : known.message.slice(known.field.length + 2);
        problems.push([at(issue.path), message]);
      }
    }
  });
  return problems;
}

/** At most this many problems are listed; the rest are counted. */
export const MAX_CONFIG_ERRORS = 20;

type Problem = [PropertyKey[], string];

/** The problems one zod issue stands for (one per unknown key), with messages that say what is valid. */
function issueProblems(issue: z.core.$ZodIssue, data: unknown): Problem[] {
  if (issue.code === 'unrecognized_keys') {
    const valid = /valid fields: (.*)$/.exec(issue.message)?.[1]?.split(', ') ?? [];
    return issue.keys.map((key) => [[...issue.path, key], unknownFieldMessage(key, valid)]);
  }
  if (issue.code === 'invalid_union' && issue.path.length === 0) {
    return [[['kind'], `must be one of: compare, stress, train, search, loop, got ${describeValue((data as Record<string, unknown>).kind)}`]];
  }
  return [[issue.path as PropertyKey[], issueMessage(issue, valueAt(data, issue.path))]];
}

/**
 * A typo of a required field is one mistake, not two: "unknown field 'fracton' (did you mean 'fraction'?)"
 * replaces "fraction: required" beside it.
 */
function withoutTypoEchoes(problems: Problem[]): Problem[] {
  const echoes = new Set<string>();
  for (const [path, message] of problems) {
    const guess = /\(did you mean '([^']+)'\?\)/.exec(message)?.[1];
    if (guess !== undefined) echoes.add(JSON.stringify([...path.slice(0, -1), guess]));
  }
  const seen = new Set<string>();
  return problems.filter(([path, message]) => {
    const key = JSON.stringify([path, message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return !(message.startsWith('required') && echoes.has(JSON.stringify(path)));
  });
}

/** Problems as `file:line: field: message` lines in file order, at most MAX_CONFIG_ERRORS, as one ConfigError. */
function configError(file: string, doc: Document, counter: LineCounter, problems: Problem[]): ConfigError {
  const located = problems.map(([path, message]) => ({ field: formatPath(path), line: lineOf(doc, counter, path), message }));
  located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const lines = located.slice(0, MAX_CONFIG_ERRORS).map(({ field, line, message }) => `${file}${line === null ? '' : `:${line}`}: ${field}: ${message}`);
  if (located.length > MAX_CONFIG_ERRORS) lines.push(`${file}: ... and ${located.length - MAX_CONFIG_ERRORS} more problems`);
  const first = located[0]!;
  return new ConfigError(lines.join('\n'), first.field, first.line, lines);
}

/**
 * Parses and validates experiment YAML; throws a ConfigError listing every problem found (up to
 * MAX_CONFIG_ERRORS), one `file:line: field: message` line each.
 */
/** Alias references a config may expand; a nest of aliases beyond it is refused as an expansion bomb. */
const MAX_YAML_ALIASES = 100;

export function parseExperiment(text: string, file = 'config'): ExperimentConfig {
  return parseExperimentWithWarnings(text, file).config;
}

/** parseExperiment, and the plausibility warnings (`file:line: field: warning: ...`) for stderr. */
export function parseExperimentWithWarnings(text: string, file = 'config'): { config: ExperimentConfig; warnings: string[] } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The first syntax error only: the parser's later ones are mostly its echoes.
    const lines = doc.errors.slice(0, 1).map((error) => {
      const line = error.linePos?.[0]?.line ?? null;
      const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return `${file}${line === null ? '' : `:${line}`}: invalid YAML: ${message}`;
    });
    throw new ConfigError(lines.join('\n'), '(yaml)', doc.errors[0]!.linePos?.[0]?.line ?? null, lines);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    // The yaml package refuses alias expansion beyond the count with a ReferenceError (a "billion laughs" file).
    if (!(error instanceof ReferenceError && /alias/i.test(error.message))) throw error;
    throw new ConfigError(`${file}: invalid YAML: its aliases expand past ${MAX_YAML_ALIASES} copies (a config never needs that many)`, '(yaml)', null);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`${file}: an experiment config must be a YAML mapping with name, kind, ...`, '(top level)', null);
  const result = experimentSchema.safeParse(data);
  const protocolProblems = variantProtocolProblems(data);
  if (!result.success) throw configError(file, doc, counter, withoutTypoEchoes([...result.error.issues.flatMap((issue) => issueProblems(issue, data)), ...protocolProblems]));
  const problems = withoutTypoEchoes([...protocolProblems, ...crossChecks(result.data)]);
  if (problems.length > 0) throw configError(file, doc, counter, problems);
  const warnings = plausibilityWarnings(result.data).map(([path, message]) => {
    const line = lineOf(doc, counter, path);
    return `${file}${line === null ? '' : `:${line}`}: ${formatPath(path)}: warning: ${message}`;
  });
  return { config: result.data, warnings };
}

/**
 * Values no deployed governor uses, likely a unit mistake: said on stderr, never refused. Only what the
 * config sets is checked (a preset's own values are the deployed ones).
 */
function plausibilityWarnings(config: ExperimentConfig): Problem[] {
  const warnings: Problem[] = [];
  if (config.kind !== 'compare' && config.kind !== 'stress' && config.kind !== 'train') return warnings;
  config.variants.forEach((v, i) => {
    const own = v.protocol as Record<string, unknown>;
    const protocol = presetProtocol(v.preset, own);
    const at = (...path: PropertyKey[]): PropertyKey[] => ['variants', i, 'protocol', ...path];
    const supply = PRESETS[v.preset]!.supply;
    if ('timelock' in own && protocol.timelock > 0 && protocol.timelock < BLOCKS_PER_HOUR) {
      warnings.push([at('timelock'), `${formatDuration(protocol.timelock)} is under 1 h; deployed timelocks run from 1 day (Aave short executor) to 7 days (Aave long); Compound's Timelock refuses less than 2 days (MINIMUM_DELAY)`]);
    }
    if ('votingPeriod' in own && protocol.votingPeriod < 5760) {
      warnings.push([at('votingPeriod'), `${formatDuration(protocol.votingPeriod)} is shorter than any deployed voting period (GovernorBravoDelegate MIN_VOTING_PERIOD is 5,760 blocks, about 19 h)`]);
    }
    const quorum = protocol.quorum;
    if ('quorum' in own) {
      if (quorum.kind === 'nouns' && quorum.coefficient < 1000) {
        warnings.push([at('quorum', 'coefficient'), `${quorum.coefficient} is under 1,000: the coefficient is fixed-point with 6 decimals (NounsDAOV3DynamicQuorum: 1,000,000 = +1 bps of quorum per bps of Against votes), so this quorum barely moves from minBps; deployed Nouns uses 1,000,000 and more`]);
      }
      if (quorum.kind === 'fraction' && quorum.fraction > 0.5) warnings.push([at('quorum', 'fraction'), `${quorum.fraction * 100} % of supply is above 50 %; no deployed governor asks for that (OZ's default is 4 %)`]);
      if (quorum.kind === 'absolute' && quorum.votes > 0.5 * supply) warnings.push([at('quorum', 'votes'), `${quorum.votes.toLocaleString('en-US')} votes is above half of ${v.preset}'s supply of ${supply.toLocaleString('en-US')} tokens`]);
      if (quorum.kind === 'nouns' && quorum.maxBps > 6000) warnings.push([at('quorum', 'maxBps'), `${quorum.maxBps} bps is above NounsDAOV3DynamicQuorum's MAX_QUORUM_VOTES_BPS_UPPER_BOUND of 6,000`]);
    }
  });
  return warnings;
}
