/**
 * The loop's world: populations sampled from a generator and mapped to simulator members, seasons played on
 * them under a protocol, each population's loss under the worst scripted attack (and the attack library's
 * variants, or a CEM search over the worst one), the protocol-tuning objective and its CMA-ES re-tune.
 */
import { Rng } from '../../../lib/rng.ts';
import { cemMinimize } from '../../../agents/cem.ts';
import { cmaesMinimize } from '../../../agents/cmaes.ts';
import { DESIGN_BOX } from '../../../envs/dao/design-env.ts';
import { DEFAULT_GUARDIAN, type GuardianConfig } from '../../../envs/dao/governance.ts';
import { DEFAULT_MARKET } from '../../../envs/dao/market.ts';
import { memberSupply } from '../../../envs/dao/config.ts';
import type { Protocol } from '../../../envs/dao/protocol.ts';
import { OutcomeTally } from '../../../envs/dao/attack-outcome.ts';
import { runSeason, type AttackStrategy, type SeasonResult } from '../../../envs/dao/season.ts';
import { mapMembers } from '../../world/members.ts';
import type { Table } from '../../../generators/metrics.ts';
import type { Population } from '../../../envs/dao/population.ts';
import type { PopulationGenerator } from '../../../generators/population-generator.ts';
import { cvar, weightedCvar } from '../../../lib/risk.ts';
import type { LoopConfig } from './index.ts';

export const TOTAL_SUPPLY = 10_000_000;
export const SUPPLY = memberSupply(TOTAL_SUPPLY, DEFAULT_MARKET);
/** The share of the total supply the mapped members hold before turnout calibration (the rest is the market's). */
export const MEMBER_SHARE = SUPPLY / TOTAL_SUPPLY;

export interface PopulationSample {
  table: Table;
  /** How its members are mapped (another DAO's calibration); the world's when absent. */
  mapping?: { turnoutScale: number; votingShare: number };
  /** Weight in the tuning objective (importance weighting; 1 when absent). */
  weight?: number;
  effects: Float64Array;
  /** Seed of the population's seasons (shared by every protocol scored on it). */
  seasonSeed: number;
}

/** One population from `generator`: effects z, then its members, both from `rng`. */
export function samplePopulation(generator: PopulationGenerator, members: number, rng: Rng, seasonSeed: number): PopulationSample {
  const effects = generator.sampleEffects(rng);
  return { effects, table: generator.populationTable(members, effects, rng), seasonSeed };
}

/** A scripted strategy with the requested share and start day an attack search found. */
export interface AttackVariant {
  attack: AttackStrategy;
  attackShare: number;
  attackDay: number;
}

/** Most variants an arm's attack library keeps (the oldest go first): each costs a season per population per scoring. */
export const LIBRARY_SIZE = 8;

/**
 * `library` plus `variant`, newest last and at most `size` of them; `library` itself when it already has one
 * of the same strategy within 0.02 of its share and 0.25 day of its start.
 */
export function addToLibrary(library: readonly AttackVariant[], variant: AttackVariant, size = LIBRARY_SIZE): readonly AttackVariant[] {
  const near = library.some((v) => v.attack === variant.attack && Math.abs(v.attackShare - variant.attackShare) < 0.02 && Math.abs(v.attackDay - variant.attackDay) < 0.25);
  return near ? library : [...library, variant].slice(-size);
}

export interface Outcome {
  loss: number;
  welfare: number;
  attackLossShare: number;
  /** 'ppo': the learned attacker (attackSearch ppo) drained more than any scripted strategy. */
  worstAttack: AttackStrategy | 'ppo';
  /** The worst attack's loss in each of the population's seasons. */
  seasonLosses?: number[];
  /** The worst attack's share and day when a library variant or the CEM search set the loss. */
  variant?: AttackVariant;
  /** attackSearch cem: how much the search's point raised the loss over the listed strategies and the library. */
  searchGain?: number;
}

/**
 * The share of the variance of one season's loss that lies between populations (the intraclass
 * correlation ICC(1), from the one-way ANOVA mean squares: (MSB - MSW) / (MSB + (n - 1) MSW), clamped at 0),
 * for k populations with n seasons each. Near 0: a season's outcome is its own draws, not its population.
 */
export function betweenPopulationShare(groups: readonly (readonly number[])[]): number {
  const k = groups.length;
  const n = groups[0]?.length ?? 0;
  if (k < 2 || n < 2 || groups.some((g) => g.length !== n)) return Number.NaN;
  const means = groups.map((g) => g.reduce((a, b) => a + b, 0) / n);
  const grand = means.reduce((a, b) => a + b, 0) / k;
  const msb = (n * means.reduce((a, m) => a + (m - grand) ** 2, 0)) / (k - 1);
  const msw = groups.reduce((a, g, i) => a + g.reduce((b, x) => b + (x - means[i]!) ** 2, 0), 0) / (k * (n - 1));
  if (msb + (n - 1) * msw === 0) return Number.NaN;
  return Math.max(0, (msb - msw) / (msb + (n - 1) * msw));
}

/** A loop config as a world maps it: with calibrated turnout, the voting share runLoopTrial resolved (1 when absent). */
export type WorldConfig = LoopConfig & { votingShare?: number };

export class LoopWorld {
  /**
   * `populations`: the simulator populations mapped so far, shared by worlds over the same samples;
   * `library`: attacks found by earlier searches, scored beside the listed strategies.
   */
  constructor(
    private readonly config: WorldConfig,
    private readonly populations = new Map<Table, Population>(),
    readonly library: readonly AttackVariant[] = [],
    /** How every season's attack ended (shared by the worlds of one trial). */
    readonly outcomes = new OutcomeTally(),
  ) {}

  population(sample: PopulationSample) {
    let population = this.populations.get(sample.table);
    if (population === undefined) {
      const turnoutScale = sample.mapping?.turnoutScale ?? this.config.turnoutScale;
      const votingShare = sample.mapping?.votingShare ?? this.config.votingShare ?? 1;
      // runLoopTrial resolves 'calibrated' against its G_1 (resolveTurnoutScale) before it builds a world.
      if (turnoutScale === 'calibrated') throw new Error("LoopWorld needs a numeric turnoutScale: resolve 'calibrated' with resolveTurnoutScale first");
      population = mapMembers(sample.table, Rng.create(sample.seasonSeed), { supply: SUPPLY, turnoutScale, votingShare });
      this.populations.set(sample.table, population);
    }
    return population;
  }

  /** One season; `replicate` picks its random draws (0: the population's first season). */
  season(protocol: Protocol, sample: PopulationSample, attack: AttackStrategy, overrides: { attackShare?: number; attackDay?: number; guardian?: GuardianConfig } = {}, replicate = 0): SeasonResult {
    const { season } = this.config;
    const result = runSeason(
      {
        // The config's season fields are SeasonConfig's own; the attack search may override share and day.
        ...season,
        protocol,
        population: this.population(sample),
        market: DEFAULT_MARKET,
        attack,
        attackBudgetUsd: this.config.attackBudgetUsd,
        attackShare: overrides.attackShare ?? season.attackShare,
        attackDay: overrides.attackDay ?? season.attackDay,
        guardian: overrides.guardian,
      },
      replicate === 0 ? Rng.create(sample.seasonSeed).stream('season') : Rng.create(sample.seasonSeed).stream('season', replicate),
    );
    this.outcomes.add(result.attack.outcome, `${attack}: ${result.attack.reason}`);
    return result;
  }

  /**
   * A population's loss, welfare and drained share: the mean over `seasonsPerPopulation` seasons. Under a
   * guardian veto each season's are expectations over the guardian's coin (detection d: d x the season
   * where it catches the drain + (1 - d) x the one where it misses; both draw the same numbers), so a
   * population is not scored by the coin's luck.
   */
  private scored(protocol: Protocol, sample: PopulationSample, attack: AttackStrategy, overrides: { attackShare?: number; attackDay?: number } = {}) {
    const treasury = this.config.season.treasuryUsd;
    // Welfare: the net value honest proposals delivered (executed grants' value - cost - delay cost;
    // bad grants that passed count negative), as a share of the treasury.
    const score = (result: SeasonResult) => ({ loss: -result.score, welfare: result.executedValue / treasury, drained: result.attackLoss / treasury });
    const one = (replicate: number) => {
      if (!protocol.guardianVeto || attack === 'none') return score(this.season(protocol, sample, attack, overrides, replicate));
      const d = DEFAULT_GUARDIAN.detection;
      const caught = score(this.season(protocol, sample, attack, { ...overrides, guardian: { ...DEFAULT_GUARDIAN, detection: 1 } }, replicate));
      const missed = score(this.season(protocol, sample, attack, { ...overrides, guardian: { ...DEFAULT_GUARDIAN, detection: 0 } }, replicate));
      return { loss: d * caught.loss + (1 - d) * missed.loss, welfare: d * caught.welfare + (1 - d) * missed.welfare, drained: d * caught.drained + (1 - d) * missed.drained };
    };
    const seasons = this.config.seasonsPerPopulation;
    const total = { loss: 0, welfare: 0, drained: 0, losses: [] as number[] };
    for (let replicate = 0; replicate < seasons; replicate++) {
      const result = one(replicate);
      total.losses.push(result.loss);
      total.loss += result.loss / seasons;
      total.welfare += result.welfare / seasons;
      total.drained += result.drained / seasons;
    }
    return total;
  }

  /**
   * The worst of the scripted attacks on this population under `protocol`: the listed strategies, and the
   * library's variants of them (welfare: the mean over the listed strategies' seasons).
   */
  outcome(protocol: Protocol, sample: PopulationSample): Outcome {
    let worst: Outcome | undefined;
    let welfare = 0;
    for (const attack of this.config.attacks) {
      const result = this.scored(protocol, sample, attack);
      welfare += result.welfare;
      if (worst === undefined || result.loss > worst.loss) worst = { loss: result.loss, welfare: 0, attackLossShare: result.drained, worstAttack: attack, seasonLosses: result.losses };
    }
    for (const variant of this.library) {
      const result = this.scored(protocol, sample, variant.attack, variant);
      if (result.loss > worst!.loss) worst = { loss: result.loss, welfare: 0, attackLossShare: result.drained, worstAttack: variant.attack, seasonLosses: result.losses, variant };
    }
    return { ...worst!, welfare: welfare / this.config.attacks.length };
  }

  /**
   * The protocol-tuning objective on a set of populations: (1 - w) mean loss + w CVaR-10 % (w = riskWeight).
   * `tail` (the replay buffer: populations picked for their high loss) joins the CVaR's populations only, so
   * the mean still estimates the loss of the populations sampled as they come.
   */
  objective(protocol: Protocol, populations: readonly PopulationSample[], tail: readonly PopulationSample[] = []): number {
    const { riskWeight } = this.config.protocolSearch;
    const lossOf = (sample: PopulationSample) => this.outcome(protocol, sample).loss;
    const losses = populations.map(lossOf);
    const weights = populations.map((sample) => sample.weight ?? 1);
    const mean = losses.reduce((a, loss, k) => a + weights[k]! * loss, 0) / weights.reduce((a, b) => a + b, 0);
    const tailLosses = [...losses, ...tail.map(lossOf)];
    const tailWeights = [...weights, ...tail.map(() => 1)];
    const weighted = populations.some((sample) => sample.weight !== undefined);
    return (1 - riskWeight) * mean + riskWeight * (weighted ? weightedCvar(tailLosses, tailWeights) : cvar(tailLosses));
  }

  /**
   * Step 4: CMA-ES over the design parameters from the incumbent action (at first: the baseline preset's
   * own parameters) on the training populations (and `replay`, the replay buffer, in the CVaR term only).
   * The search's best point was picked on those populations
   * (a winner's curse), so it replaces the incumbent only if it also scores better on fresh validation
   * populations from the same mix.
   */
  async retune(
    design: (x: ArrayLike<number>) => Protocol,
    training: readonly PopulationSample[],
    validation: readonly PopulationSample[],
    incumbent: readonly number[],
    seed: number,
    restartFrom: readonly number[] = incumbent,
    replay: readonly PopulationSample[] = [],
  ): Promise<{ x: number[]; replaced: boolean }> {
    const { initialStep, maxEvaluations, restarts } = this.config.protocolSearch;
    // protocolSearch.restarts: more runs, from `restartFrom` (the baseline's own parameters), then from random points of the box.
    const rng = Rng.create(seed).stream('restarts');
    const starts = [incumbent, ...Array.from({ length: restarts }, (_, k) => (k === 0 ? restartFrom : DESIGN_BOX.lower.map((low, i) => low + (DESIGN_BOX.upper[i]! - low) * rng.random())))];
    let best: { x: Float64Array; f: number } | undefined;
    for (const [k, start] of starts.entries()) {
      const search = await cmaesMinimize((x: Float64Array) => this.objective(design(x), training, replay), start, initialStep, { seed: k === 0 ? seed : seed + k, maxEvaluations, ...DESIGN_BOX });
      if (best === undefined || search.f < best.f) best = search;
    }
    const replaced = this.objective(design(best!.x), validation) < this.objective(design(incumbent), validation);
    return replaced ? { x: Array.from(best!.x), replaced } : { x: [...incumbent], replaced };
  }

  /** The same world (populations mapped once) with another attack search. */
  withAttackSearch(attackSearch: LoopConfig['attackSearch']): LoopWorld {
    return attackSearch === this.config.attackSearch ? this : new LoopWorld({ ...this.config, attackSearch }, this.populations, this.library, this.outcomes);
  }

  /** The same world with another attack library. */
  withLibrary(library: readonly AttackVariant[]): LoopWorld {
    return library.length === 0 && this.library.length === 0 ? this : new LoopWorld(this.config, this.populations, library, this.outcomes);
  }

  /**
   * Step 2 with attackSearch 'cem': CEM over the worst strategy's requested share (5-100 %) and start day
   * (the first half of the season), from the worst library variant's point when one is the worst.
   */
  async searchedOutcome(protocol: Protocol, sample: PopulationSample, seed: number): Promise<Outcome> {
    const scripted = this.outcome(protocol, sample);
    if (this.config.attackSearch !== 'cem' || scripted.worstAttack === 'none') return scripted;
    const days = this.config.season.days;
    const clip = (v: number) => Math.min(1, Math.max(-1, v));
    const decode = (x: ArrayLike<number>) => ({ attackShare: 0.05 + 0.95 * ((clip(x[0]!) + 1) / 2), attackDay: ((clip(x[1]!) + 1) / 2) * days * 0.5 });
    const start = scripted.variant === undefined ? [0, 0] : [clip((2 * (scripted.variant.attackShare - 0.05)) / 0.95 - 1), clip((2 * scripted.variant.attackDay) / (days * 0.5) - 1)];
    const worst = scripted.worstAttack as AttackStrategy;
    // The attacker maximises the loss: CEM minimises its negative.
    const search = await cemMinimize((x: Float64Array) => -this.scored(protocol, sample, worst, decode(x)).loss, start, 0.5, { seed, popsize: 8, maxEvaluations: 24, lower: [-1, -1], upper: [1, 1] });
    // The best point's seasons again (the same draws, so the same loss), for its drained share.
    const point = decode(search.x);
    const best = this.scored(protocol, sample, worst, point);
    if (best.loss <= scripted.loss) return scripted;
    return { ...scripted, loss: best.loss, attackLossShare: best.drained, seasonLosses: best.losses, variant: { attack: worst, ...point }, searchGain: best.loss - scripted.loss };
  }
}

