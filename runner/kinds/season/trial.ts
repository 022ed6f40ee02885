/**
 * A compare/stress trial: one governance season (envs/dao/season.ts) under one protocol variant, one
 * population, one scripted attack and (for stress) one stressor value. The population and the season
 * are drawn from streams of the trial seed only, so variants see the same world.
 * Absolute numbers in a preset (Uniswap's 40M-vote quorum) refer to the preset's supply, so the token
 * side of the world is scaled to it: population supply and market token reserves x supply / 10M, with
 * the usd side unchanged (the market cap, treasury and attacker budget stay comparable).
 */
import { Rng } from '../../../lib/rng.ts';
import { defaultPopulation, type DefaultPopulationOptions, type Population } from '../../../envs/dao/population.ts';
import { presetProtocol } from '../../../envs/dao/presets.ts';
import type { Protocol } from '../../../envs/dao/protocol.ts';
import { attackActed } from '../../../envs/dao/attack-outcome.ts';
import { runSeason, type AttackStrategy } from '../../../envs/dao/season.ts';
import { sharePopulationData, type SharedPopulationData } from '../../../envs/dao/governance.ts';
import { encodeTrajectory, TRAJECTORY_ARTIFACT, TRAJECTORY_MEDIA_TYPE } from '../../../envs/dao/trajectory.ts';
import { loadGenerator, type Generator } from '../../../generators/registry.ts';
import { mapMembers, memberSupply, presetMarket } from '../../world/members.ts';
import { calibrateTurnout, type TurnoutCalibration } from '../../../generators/turnout.ts';
import type { PopulationConfig, SeasonExperimentConfig, VariantConfig } from '../../config.ts';
import type { Stressor } from '../stress/index.ts';
import { trialResult } from '../../plan.ts';
import { KeptValues } from '../../../lib/kept.ts';
import type { MetricValues, TrialResult, TrialSpec } from '../../types.ts';

const generatorCache = new Map<string, Promise<Generator>>();

export async function makePopulation(config: PopulationConfig, options: DefaultPopulationOptions, supply: number, totalSupply: number, rng: Rng): Promise<Population> {
  if (config.generator === 'default') return defaultPopulation(config.members, rng.stream('population'), { ...options, supply });
  let generator = generatorCache.get(config.generator);
  if (generator === undefined) {
    generator = loadGenerator(config.generator);
    generatorCache.set(config.generator, generator);
  }
  const table = await (await generator).sample(config.members, rng.stream('population'));
  // With `turnout`, the calibrated voting share and scale; options.turnoutScale scales participation on top.
  const calibrated = config.turnout === undefined ? { votingShare: 1, scale: 1 } : await calibratedMapping(config, await generator, supply / totalSupply);
  return mapMembers(table, rng, { supply, votingShare: calibrated.votingShare, turnoutScale: calibrated.scale * (options.turnoutScale ?? 1) });
}

/** Populations of a generator file a turnout calibration samples (each `members` rows, from its own stream of seed 0). */
export const GENERATOR_CALIBRATION_SAMPLES = 8;
const calibrationCache = new Map<string, Promise<TurnoutCalibration>>();

/**
 * The voting share (and participation scale) at which a generator file's populations
 * (GENERATOR_CALIBRATION_SAMPLES of them, the same for every trial) turn out `config.turnout` of the total
 * supply on average, the members holding `memberShare` of it before the calibration (generators/turnout.ts).
 * Cached per generator, size, target and share.
 */
export function calibratedMapping(config: PopulationConfig, generator: Generator, memberShare: number): Promise<TurnoutCalibration> {
  const key = `${config.generator}|${config.members}|${config.turnout}|${memberShare}`;
  let calibration = calibrationCache.get(key);
  if (calibration === undefined) {
    calibration = (async () => {
      const tables = [];
      for (let k = 0; k < GENERATOR_CALIBRATION_SAMPLES; k++) tables.push(await generator.sample(config.members, Rng.create(0).stream('turnout-calibration', k)));
      return calibrateTurnout(tables, config.turnout!, memberShare);
    })();
    calibrationCache.set(key, calibration);
  }
  return calibration;
}

/**
 * Members a process keeps in cached populations, at most: about 85 bytes each with what seasons derive from a
 * population (voting power, bribe order, proposer table, timing order), so 85 MB at most. The main job's 48
 * populations of 2,000 members are 96,000.
 */
export const POPULATION_CACHE_MEMBERS = 1_000_000;
const populations = new KeptValues<Promise<{ population: Population; shared: SharedPopulationData }>>(POPULATION_CACHE_MEMBERS);

/**
 * makePopulation, kept per (seed, population, options, supply): a population is a pure function of them, and a
 * run's variants, attacks and stressor values share each seed's population (common random numbers), so a stress
 * grid draws each one once per process instead of once per trial. Seasons only read their population (a test
 * holds them to it). The oldest entries go when the cache holds more than POPULATION_CACHE_MEMBERS members.
 */
function cachedPopulation(config: PopulationConfig, options: DefaultPopulationOptions, supply: number, totalSupply: number, rng: Rng) {
  const key = JSON.stringify([rng.seed, rng.path, config, options, supply, totalSupply]);
  return populations.get(key, () => makePopulation(config, options, supply, totalSupply, rng).then((population) => ({ population, shared: sharePopulationData(population) })), config.members);
}

/** Parsed protocols (a sweep makes one variant per grid point). */
const protocols = new KeptValues<Protocol>(1024);

/**
 * A variant's protocol, parsed once per process: every season of the variant runs under it (a simulation replaces
 * its protocol when a parameter change executes, and never changes the object it was given).
 */
function variantProtocol(variant: VariantConfig): Protocol {
  return protocols.get(JSON.stringify([variant.preset, variant.protocol ?? null]), () => presetProtocol(variant.preset, variant.protocol));
}

/** What a season trial needs of its config besides the variant: the populations, the attack budget, the season and the market. */
export type SeasonWorld = Pick<SeasonExperimentConfig, 'populations' | 'attackBudgetUsd' | 'season' | 'market' | 'trajectories'>;

/** A compare or stress trial: the spec's variant, and (stress) the stressor's value. */
export async function runSeasonTrial(config: SeasonExperimentConfig, spec: TrialSpec): Promise<TrialResult> {
  const variant = config.variants.find((v) => v.name === spec.params.variant);
  if (variant === undefined) throw new Error(`trial ${spec.key} names a variant the config lacks`);
  const stressor = config.kind === 'stress' ? { name: config.stress.stressor, value: Number(spec.params[config.stress.stressor]) } : undefined;
  return runSeasonWorld(config, spec, variant, { stressor });
}

export interface SeasonTrialOptions {
  /** A stress run's stressor and its value in this trial. */
  stressor?: { name: Stressor; value: number };
  /** Also report honestCost (good value not delivered; the sweep's honest cost). */
  honestCost?: boolean;
}

/** One season of `variant` in the spec's population under the spec's attack. */
export async function runSeasonWorld(config: SeasonWorld, spec: TrialSpec, variant: VariantConfig, trialOptions: SeasonTrialOptions = {}): Promise<TrialResult> {
  const start = performance.now();
  const populationConfig = config.populations.find((p) => p.name === spec.params.population);
  if (populationConfig === undefined) throw new Error(`trial ${spec.key} names a population the config lacks`);
  const attack = spec.params.attack as AttackStrategy;
  const options: DefaultPopulationOptions = { ...populationConfig.options };
  let budget = config.attackBudgetUsd;
  let attackShare = config.season.attackShare;
  const stressor = trialOptions.stressor;
  if (stressor !== undefined) {
    const value = stressor.value;
    switch (stressor.name) {
      case 'attackBudgetUsd':
        budget = value;
        break;
      case 'attackShare':
        attackShare = value;
        break;
      case 'delegationShare':
        options.idleShare = 1 - value;
        break;
      case 'turnoutScale':
      case 'balanceTail':
      case 'lateShare':
        options[stressor.name] = value;
        break;
    }
  }
  const protocol = variantProtocol(variant);
  const { market, totalSupply: presetSupply } = presetMarket(variant.preset, config.market);
  const totalSupply = options.supply ?? presetSupply;
  const rng = Rng.create(spec.seed);
  const { population, shared } = await cachedPopulation(populationConfig, options, memberSupply(totalSupply, market), totalSupply, rng);
  const season = config.season;
  // The first `trajectories` seeds of every cell keep their timeline.
  const record = spec.seedIndex < (config.trajectories ?? 0);
  const result = runSeason(
    {
      // The config's season fields are SeasonConfig's own (treasury, days, attack timing and signal...).
      ...season,
      protocol,
      population,
      shared,
      market,
      attack,
      attackBudgetUsd: budget,
      attackShare,
      record,
    },
    rng.stream('season'),
  );
  const metrics: MetricValues = {
    score: result.score,
    welfare: (result.executedValue - result.failedGoodValue) / season.treasuryUsd,
    attackSucceeded: result.attackSucceeded ? 1 : 0,
    attackLoss: result.attackLoss,
    attackLossShare: result.attackLoss / season.treasuryUsd,
    attackerProfit: result.attackerProfit,
    executedValue: result.executedValue,
    failedGoodValue: result.failedGoodValue,
    honestProposals: result.honestProposals,
  };
  if (trialOptions.honestCost) metrics.honestCost = result.goodValue - result.executedValue;
  if (result.honestProposals > 0) metrics.honestExecutedShare = result.honestExecuted / result.honestProposals;
  const acted = attackActed(result.attack.outcome);
  if (acted !== null) metrics.attackActed = acted ? 1 : 0;
  const artifacts = result.trajectory === undefined ? undefined : [{ name: TRAJECTORY_ARTIFACT, mediaType: TRAJECTORY_MEDIA_TYPE, content: encodeTrajectory({ treasuryUsd: season.treasuryUsd, delayCostPerDay: season.delayCostPerDay }, result.trajectory) }];
  return trialResult(spec, start, { metrics, outcomes: [{ outcome: result.attack.outcome, count: 1, reason: result.attack.reason }], ...(artifacts === undefined ? {} : { artifacts }) });
}
