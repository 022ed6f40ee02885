/**
 * The closed loop (experiment kind `loop`), one replicate per trial seed. Rounds r = 1..R:
 *   1. sample populations from G_r (population effects z_k, members from the copula fitted to real data);
 *   2. attack the current protocol P_r on each (the worst of the scripted strategies; or CEM over the
 *      worst one's parameters, whose strongest find joins the arm's attack library that the protocol search
 *      and later rounds face; or also a PPO attacker trained that round against P_r) and record each
 *      population's loss (minus the season score under the worst attack: funds drained + good grants
 *      failed - value executed, over the treasury; expected over the guardian's coin when the protocol has
 *      a guardian veto); with the regret adversary the generator sees loss(P_r) - loss(reference preset)
 *      instead (PAIRED), with the antagonist adversary loss(P_r) - the lowest loss of protocols near P_r,
 *      with the likely-failure adversary adaptive stress testing's reward (log density under G_1 of the
 *      failures, a penalty growing with the miss distance for the rest), and with the shuffled control the
 *      losses permuted across populations (the generator moves as far, toward nothing in particular);
 *   3. fine-tune the generator toward high-loss populations (reward-weighted, pulled toward G_1); the
 *      update is rejected when G_{r+1}'s quality score against the real data falls below the floor;
 *   4. re-tune the protocol by CMA-ES over dao/ProtocolDesign-v0's eight parameters on populations from
 *      G_1 and G_{r+1} (objective: mean and CVaR-10 % loss, weighted; optionally importance-weighted so it
 *      estimates the risk under G_1 with G_{r+1} supplying its tail);
 *   5. record the round: losses (mean, CVaR-10 %, worst), fidelity, the generator, the protocol, welfare;
 *      and as artifacts the round's generator checkpoint and every population's outcome.
 * The same rounds run a second time with the generator never fine-tuned (the ablation: the protocol tuned
 * on G_1 alone, with the same seeds and search budget). Protocol updates are elitist: CMA-ES starts from
 * the incumbent (at first the baseline preset's own parameters) and its best point replaces the incumbent
 * only if it also scores better on fresh validation populations from the same mix. At the end both arms'
 * last protocols and the baseline preset are scored on held-out populations no round trained on: from a
 * generator fitted to held-out members (or to another DAO's, heldOut.data), and from a stress grid of
 * population effects, each population scored over heldOut.seasons seasons; the same search run on those
 * populations themselves gives the headroom (how low any designed protocol gets there).
 * Every random draw comes from streams keyed by (trial seed, round, purpose), so a replicate resumed from
 * its round checkpoint continues exactly as an uninterrupted one.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../lib/files.ts';
import { dirname, join } from 'node:path';
import { Rng } from '../../../lib/rng.ts';
import { normal } from '../../../lib/distributions.ts';
import { stableArgsort } from '../../../lib/argsort.ts';
import { cemMinimize } from '../../../agents/cem.ts';
import { trainPpo } from '../../../agents/ppo.ts';
import { GovernanceAttackEnv, type GovernanceAttackKwargs } from '../../../envs/dao/attack-env.ts';
import { evaluateAttacker } from '../../../agents/experiments/beanstalk-attacker.ts';
import { cmaesMinimize } from '../../../agents/cmaes.ts';
import { DESIGN_BOX, designValues, restrictedDesign } from '../../../envs/dao/design-env.ts';
import { DEFAULT_GUARDIAN, type GuardianConfig } from '../../../envs/dao/governance.ts';
import { DEFAULT_MARKET } from '../../../envs/dao/market.ts';
import { memberSupply } from '../../../envs/dao/config.ts';
import { presetProtocol } from '../../../envs/dao/presets.ts';
import type { Protocol } from '../../../envs/dao/protocol.ts';
import { OutcomeTally } from '../../../envs/dao/attack-outcome.ts';
import { runSeason, type AttackStrategy, type SeasonResult } from '../../../envs/dao/season.ts';
import { populationFromFeatures } from '../../../generators/mapping.ts';
import { qualityReport, type Table } from '../../../generators/metrics.ts';
import { PopulationGenerator, type PopulationGeneratorModel } from '../../../generators/population-generator.ts';
import type { LoopConfig } from '../../config.ts';
import { loadLoopData, loopTable, resolveTurnoutScale } from '../../world/data.ts';
import { trialResult } from '../../plan.ts';
import type { ArtifactRecord, EpisodeRecord, TrialResult, TrialSpec } from '../../types.ts';
import { cvar, weightedCvar } from '../../../lib/risk.ts';

const TOTAL_SUPPLY = 10_000_000;
const SUPPLY = memberSupply(TOTAL_SUPPLY, DEFAULT_MARKET);
/** The share of the total supply the mapped members hold before turnout calibration (the rest is the market's). */
const MEMBER_SHARE = SUPPLY / TOTAL_SUPPLY;

export interface LoopContext {
  /** Where round checkpoints go (one file per replicate); absent = no round-level resume. */
  checkpointDir?: string;
}

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

interface Outcome {
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
    private readonly populations = new Map<Table, ReturnType<typeof populationFromFeatures>>(),
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
      population = populationFromFeatures(sample.table, Rng.create(sample.seasonSeed).stream('mapping'), { supply: SUPPLY, turnoutScale, votingShare });
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

/**
 * PAIRED's regret with an antagonist: per population, the protocol under test's loss (`losses`) minus the
 * lowest loss any of `antagonists` (or that protocol itself) reaches there, so it is never negative and is
 * zero where no nearby protocol does better.
 */
export function antagonistRegret(world: LoopWorld, populations: readonly PopulationSample[], losses: readonly number[], antagonists: readonly Protocol[]): number[] {
  return populations.map((sample, k) => {
    let best = losses[k]!;
    for (const antagonist of antagonists) best = Math.min(best, world.outcome(antagonist, sample).loss);
    return losses[k]! - best;
  });
}

/**
 * Adaptive stress testing's reward for one population (Lee et al., "Adaptive Stress Testing: Finding Likely
 * Failure Events with Reinforcement Learning", JAIR 2020): the log-likelihood of the disturbance, here the
 * population's effects under G_1, plus 0 when the failure event happened (loss >= failureLoss) and
 * -alpha - beta x miss distance when it did not (alpha = missPenalty, beta = missPenalty / failureLoss, so a
 * population with no loss at all costs twice the penalty). Reward-weighted on it, the generator moves toward
 * the most likely failures rather than the largest losses.
 */
export function likelyFailureSignal(g1: PopulationGenerator, effects: readonly ArrayLike<number>[], losses: readonly number[], options: { failureLoss: number; missPenalty: number }): number[] {
  const { failureLoss, missPenalty } = options;
  return effects.map((z, k) => {
    const miss = failureLoss - losses[k]!;
    return g1.logDensity(z) - (miss > 0 ? missPenalty + (missPenalty / failureLoss) * miss : 0);
  });
}

/** dao/GovernanceAttack-v0's kwargs against `protocol` on one loop population, with the season's treasury, market, budget and drain disguise. */
function attackEnvKwargs(config: LoopConfig, world: LoopWorld, protocol: Protocol, sample: PopulationSample): GovernanceAttackKwargs {
  const { season } = config;
  return {
    protocol,
    population: world.population(sample),
    treasuryUsd: season.treasuryUsd,
    market: DEFAULT_MARKET,
    budgetUsd: Math.max(1, config.attackBudgetUsd),
    drainSignal: season.attackSignal,
    drainAttention: season.attackAttention,
  };
}

/**
 * Step 2 with attackSearch 'ppo': a PPO attacker trained against `protocol` on `training` (default: the first
 * `ppoAttacker.populations` populations; one vectorised env each; the weights of its best periodic
 * evaluation, on one of them), then its deterministic policy played on
 * every population for `ppoAttacker.episodes` episodes. A population's drain is the treasury share the
 * policy takes on average; where that is more than the worst scripted strategy's, the scripted outcome's
 * loss is raised by the difference (the season's honest proposals are the scripted season's).
 */
export async function ppoOutcomes(
  config: LoopConfig,
  world: LoopWorld,
  protocol: Protocol,
  populations: readonly PopulationSample[],
  seed: number,
  training: readonly PopulationSample[] = populations.slice(0, Math.min(config.ppoAttacker.populations, populations.length)),
): Promise<{ outcomes: Outcome[]; drains: number[] }> {
  const scripted = populations.map((sample) => world.outcome(protocol, sample));
  const { ppoAttacker: options } = config;
  // Training envs get indices 0..n-1; the periodic evaluation asks for index 10,000 (one of the populations).
  const trained = await trainPpo((index) => new GovernanceAttackEnv(attackEnvKwargs(config, world, protocol, training[index % training.length]!)), {
    seed,
    totalTimesteps: options.totalTimesteps,
    numEnvs: training.length,
    numSteps: options.numSteps,
    learningRate: options.learningRate,
    entCoef: options.entCoef,
    gamma: 0.99,
    // PPO can find the drain and lose it again: keep the weights of the best periodic evaluation (as the
    // train kind does), on seeds apart from the populations' own.
    evaluation: { every: Math.max(training.length * options.numSteps, Math.floor(options.totalTimesteps / 10)), episodes: 4, seed: 900_000, threshold: null },
    keepBest: true,
  });
  try {
    const act = (observation: Float32Array) => trained.agent.act(observation) as Int32Array;
    const drains = populations.map((sample) => evaluateAttacker(attackEnvKwargs(config, world, protocol, sample), act, options.episodes, sample.seasonSeed).meanDrainedShare);
    const outcomes = scripted.map((outcome, k) =>
      drains[k]! > outcome.attackLossShare ? { ...outcome, loss: outcome.loss + drains[k]! - outcome.attackLossShare, attackLossShare: drains[k]!, worstAttack: 'ppo' as const, seasonLosses: undefined, variant: undefined } : outcome,
    );
    return { outcomes, drains };
  } finally {
    trained.agent.dispose();
  }
}

/**
 * The indices 0..length-1 with `picks` evenly spaced ones first (floor(i x length / picks)), then the rest in
 * order: the held-out populations a PPO judge trains on (the first ones) span both kinds, not just the first.
 */
export function spreadFirst(length: number, picks: number): number[] {
  const n = Math.min(picks, length);
  const first = Array.from({ length: n }, (_, i) => Math.floor((i * length) / n));
  const chosen = new Set(first);
  return [...first, ...Array.from({ length }, (_, k) => k).filter((k) => !chosen.has(k))];
}

interface LoopState {
  round: number;
  hyper: PopulationGeneratorModel['hyper'];
  x: number[];
  rounds: EpisodeRecord[];
  curves: NonNullable<TrialResult['curves']>;
  /** The rounds' artifacts (absent in checkpoints written before rounds stored them). */
  artifacts?: ArtifactRecord[];
  /** Attacks the rounds' CEM searches found (attackSearch cem), scored beside the listed strategies from the next step on. */
  library?: readonly AttackVariant[];
  /** protocolSearch.replay: the buffer's populations, each as the round, index and generator it was sampled with. */
  replay?: readonly ReplayEntry[];
}

/** A replayed population: re-sampled from the same generator and streams, so its members and seasons are the ones attacked. */
interface ReplayEntry {
  round: number;
  index: number;
  hyper: PopulationGeneratorModel['hyper'];
}

function replayRecord(world: LoopWorld, buffer: readonly PopulationSample[], before: Protocol, after: Protocol): Record<string, number> {
  const meanLoss = (protocol: Protocol) => buffer.reduce((a, sample) => a + world.outcome(protocol, sample).loss, 0) / buffer.length;
  return { replayBuffer: buffer.length, replayLossBefore: meanLoss(before), replayLossAfter: meanLoss(after) };
}

/** Indices of the `count` largest losses, largest first (ties: the lower index first). */
export function topLosses(losses: readonly number[], count: number): number[] {
  return Array.from(stableArgsort(losses.map((loss) => -loss)).subarray(0, count));
}

const json = (name: string, value: unknown): ArtifactRecord => ({ name, mediaType: 'application/json', content: JSON.stringify(value) });

function checkpointPath(context: LoopContext, spec: TrialSpec, arm: string): string | undefined {
  return context.checkpointDir === undefined ? undefined : join(context.checkpointDir, `${spec.key.replace(/[^A-Za-z0-9=_.-]/g, '_')}-${spec.seed}-${arm}.json`);
}

function saveCheckpoint(path: string | undefined, state: LoopState): void {
  if (path === undefined) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, JSON.stringify(state));
}

export async function runLoopTrial(loopConfig: LoopConfig, spec: TrialSpec, context: LoopContext = {}): Promise<TrialResult> {
  const start = performance.now();
  const data = loadLoopData(loopConfig, loopConfig.holdoutSplit === 'fixed' ? loopConfig.seed : spec.seed);
  const g1 = PopulationGenerator.fit(data.train);
  // Every population of the trial (G_1's, the fine-tuned generators', the held-out ones) is mapped alike: the
  // config's participation scale, or calibrated (a voting share) so that G_1's populations turn out data's median.
  const turnout = resolveTurnoutScale(loopConfig, g1, Rng.create(spec.seed).stream('turnout-calibration'), MEMBER_SHARE);
  const config: WorldConfig = { ...loopConfig, turnoutScale: turnout.scale, votingShare: turnout.votingShare };
  // The separate fit: the held-out members of `data`, or all members of another DAO's data (heldOut.data).
  const separate = PopulationGenerator.fit(config.heldOut.data === undefined ? data.holdout : loopTable(config.heldOut.data));
  // Another DAO's held-out voters are calibrated to that DAO's own turnout when its data has proposals (an
  // event log); otherwise they are mapped with G_1's scale.
  const heldOutCalibration =
    config.heldOut.data === undefined || loopConfig.turnoutScale !== 'calibrated'
      ? undefined
      : resolveTurnoutScale({ ...config, turnoutScale: 'calibrated', data: config.heldOut.data, dataSupply: config.heldOut.dataSupply, dataTurnout: config.heldOut.dataTurnout }, separate, Rng.create(spec.seed).stream('turnout-calibration', 'held-out'), MEMBER_SHARE);
  const separateTurnout = heldOutCalibration?.realTurnout === undefined ? undefined : heldOutCalibration;
  const world = new LoopWorld(config);
  const root = Rng.create(spec.seed);
  const baseline = presetProtocol(config.baseline);
  const reference = presetProtocol(config.fineTune.reference);
  const seedOf = (...keys: (string | number)[]) => root.stream(...keys).int(2 ** 31 - 1);
  // Safeguards the search may not use are held off, held parameters stay at the baseline's own values, and
  // the searches start from the baseline's own parameters (as near as the design space allows).
  const { effective, design, start: startAction } = restrictedDesign(baseline, TOTAL_SUPPLY, config.protocolSearch);

  const sampleOne = (generator: PopulationGenerator, k: number, ...keys: (string | number)[]): PopulationSample =>
    samplePopulation(generator, config.members, root.stream(...keys, k), seedOf(...keys, k, 'season'));
  const samplePopulations = (generator: PopulationGenerator, count: number, ...keys: (string | number)[]): PopulationSample[] =>
    Array.from({ length: count }, (_, k) => sampleOne(generator, k, ...keys));

  /** The antagonists of round `round`: design actions around `x` (held and disabled parameters stay put through `design`). */
  const antagonistsNear = (x: readonly number[], round: number): Protocol[] => {
    const rng = root.stream('round', round, 'antagonists');
    const { antagonists, antagonistStep } = config.fineTune;
    return Array.from({ length: antagonists }, () => design(x.map((v) => Math.min(1, Math.max(-1, v + antagonistStep * normal(rng))))));
  };

  const realismReference = data.train;
  const fidelityOf = (generator: PopulationGenerator, round: number) =>
    qualityReport(realismReference, generator.sampleMembers(Math.min(4000, realismReference.participation!.length), root.stream('fidelity', round))).overall;

  /**
   * The rounds. `adaptive` = the loop as configured; otherwise the ablation: the same rounds, seeds and
   * search budget, but the generator is never fine-tuned (G_{r+1} = G_1), i.e. the protocol tuned on G_1 alone.
   */
  const runArm = async (adaptive: boolean): Promise<LoopState> => {
    const path = checkpointPath(context, spec, adaptive ? 'adaptive' : 'g1-only');
    let state: LoopState = { round: 0, hyper: g1.model.hyper, x: startAction, rounds: [], curves: [] };
    if (path !== undefined && existsSync(path)) state = JSON.parse(readFileSync(path, 'utf8')) as LoopState;
    // A checkpoint written before searches started from the baseline holds no action yet.
    if (state.x.length === 0) state = { ...state, x: startAction };
    // protocolSearch.replay: the buffer's populations, re-sampled once (after a resume, from their generators and streams).
    const replayed = new Map<string, PopulationSample>();
    const replayKey = (entry: ReplayEntry) => `${entry.round}:${entry.index}`;
    const replaySample = (entry: ReplayEntry): PopulationSample => {
      let sample = replayed.get(replayKey(entry));
      if (sample === undefined) {
        sample = sampleOne(new PopulationGenerator({ ...g1.model, hyper: entry.hyper }), entry.index, 'round', entry.round, 'populations');
        replayed.set(replayKey(entry), sample);
      }
      return sample;
    };
    for (let round = state.round + 1; round <= config.rounds; round++) {
      const generator = new PopulationGenerator({ ...g1.model, hyper: state.hyper });
      const protocol = round === 1 ? baseline : design(state.x);
      // The arm's attack library so far: what its CEM searches found in earlier rounds.
      const library = state.library ?? [];
      const roundWorld = world.withLibrary(library);
      // 1-2: populations from G_r, attacked under P_r.
      const populations = samplePopulations(generator, config.populationsPerRound, 'round', round, 'populations');
      const outcomes: Outcome[] = [];
      if (config.attackSearch === 'ppo') outcomes.push(...(await ppoOutcomes(config, roundWorld, protocol, populations, seedOf('round', round, 'ppo'))).outcomes);
      else for (const [k, sample] of populations.entries()) outcomes.push(await roundWorld.searchedOutcome(protocol, sample, seedOf('round', round, 'attack-search', k)));
      const losses = outcomes.map((o) => o.loss);
      // The round's highest-loss populations join the replay buffer (the same samples: their members and seasons).
      const newReplay = topLosses(losses, config.protocolSearch.replay).map((index) => ({ round, index, hyper: generator.model.hyper }));
      for (const entry of newReplay) replayed.set(replayKey(entry), populations[entry.index]!);
      const replay = [...(state.replay ?? []), ...newReplay];
      const buffer = replay.map(replaySample);
      // The search's strongest find (the largest gain over the listed strategies and the library) joins the
      // library, so the protocol search below, and the next rounds, face it.
      const found = outcomes.reduce<Outcome | undefined>((a, o) => ((o.searchGain ?? 0) > (a?.searchGain ?? 0) ? o : a), undefined);
      const nextLibrary = found?.variant === undefined ? library : addToLibrary(library, found.variant);
      let next = generator;
      let fidelity = NaN;
      let accepted = false;
      let effectiveSampleSize = NaN;
      const artifacts: ArtifactRecord[] = [];
      if (adaptive) {
        const signal =
          config.fineTune.adversary === 'regret'
            ? populations.map((sample, k) => losses[k]! - roundWorld.outcome(reference, sample).loss)
            : config.fineTune.adversary === 'antagonist'
              ? antagonistRegret(roundWorld, populations, losses, antagonistsNear(state.x, round))
              : config.fineTune.adversary === 'likely-failure'
                ? likelyFailureSignal(g1, populations.map((p) => p.effects), losses, config.fineTune)
                : config.fineTune.adversary === 'shuffled'
                  ? (root.stream('round', round, 'shuffle').shuffle([...losses]) as number[])
                  : losses;
        // 3: fine-tune toward high loss, under the realism floor.
        const tuned = generator.fineTune(
          populations.map((p) => p.effects),
          signal,
          { temperature: config.fineTune.temperature, klWeight: config.fineTune.klWeight },
        );
        fidelity = fidelityOf(tuned.generator, round);
        accepted = fidelity >= config.fineTune.realismFloor;
        effectiveSampleSize = tuned.effectiveSampleSize;
        if (accepted) next = tuned.generator;
        // The round's generator checkpoint: the fine-tuned proposal, kept whether or not the floor let it in
        // (the round's record says which); loadable by `daogym generators sample --model`.
        artifacts.push(json(`generator-round-${round}.json`, tuned.generator.model));
      }
      // 4: re-tune the protocol on G_1 and G_{r+1} populations.
      const { populations: tuneCount, validationPopulations: validateCount = tuneCount } = config.protocolSearch;
      const mixOf = (purpose: string, count: number) => {
        const mix = [...samplePopulations(g1, count, 'round', round, `${purpose}-g1`), ...samplePopulations(next, count, 'round', round, `${purpose}-next`)];
        if (config.protocolSearch.weighting === 'none') return mix;
        // Multiple importance sampling with the balance heuristic: the mix's density is the even mixture.
        return mix.map((sample) => ({ ...sample, weight: 1 / (0.5 + 0.5 * Math.exp(next.logDensity(sample.effects) - g1.logDensity(sample.effects))) }));
      };
      const retuneWorld = world.withLibrary(nextLibrary);
      const { x, replaced } = await retuneWorld.retune(design, mixOf('tune', tuneCount), mixOf('validate', validateCount), state.x, seedOf('round', round, 'cmaes'), startAction, buffer);
      const nextProtocol = design(x);
      // 5: the round's record.
      const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
      const welfare = outcomes.reduce((a, o) => a + o.welfare, 0) / outcomes.length;
      const record: EpisodeRecord = {
        arm: adaptive ? 'adaptive' : 'g1-only',
        round,
        lossMean: mean,
        lossCvar10: cvar(losses),
        lossWorst: Math.max(...losses),
        welfare,
        attackSuccessShare: outcomes.filter((o) => o.attackLossShare > 0).length / outcomes.length,
        // attackSearch ppo: the share of populations where the learned attacker drained more than any scripted one.
        learnedAttackShare: config.attackSearch === 'ppo' ? outcomes.filter((o) => o.worstAttack === 'ppo').length / outcomes.length : null,
        // With several seasons per population: how much of a season's loss is the population's (ICC).
        lossBetweenPopulationShare: config.seasonsPerPopulation > 1 && outcomes.every((o) => o.seasonLosses) ? betweenPopulationShare(outcomes.map((o) => o.seasonLosses!)) : null,
        fidelity: adaptive ? fidelity : null,
        accepted: adaptive ? accepted : null,
        effectiveSampleSize: adaptive ? effectiveSampleSize : null,
        klToG1: next.klToPrior(),
        protocolReplaced: replaced,
        // attackSearch cem: variants of the listed strategies the protocol search faced this round.
        attackLibrary: config.attackSearch === 'cem' ? nextLibrary.length : null,
        // protocolSearch.replay: the buffer the re-tune scored on, and its mean loss under P_r and under P_{r+1}.
        ...(config.protocolSearch.replay > 0 ? replayRecord(retuneWorld, buffer, protocol, nextProtocol) : {}),
        ...Object.fromEntries(next.model.hyper.mean.map((m, i) => [`effect.${['turnout', 'concentration', 'lateness', 'support'][i]}.mean`, m])),
        ...Object.fromEntries(Object.entries(designValues(effective(x))).map(([name, value]) => [`protocol.${name}`, value])),
      };
      const curves = adaptive
        ? [
            { name: 'lossMean', step: round, value: mean },
            { name: 'lossCvar10', step: round, value: record.lossCvar10 as number },
            { name: 'lossWorst', step: round, value: record.lossWorst as number },
            { name: 'fidelity', step: round, value: fidelity },
            { name: 'welfare', step: round, value: welfare },
          ]
        : [];
      // The round's whole loss distribution: every population's effects and outcome under P_r.
      artifacts.push(
        json(`round-${round}-${record.arm}.json`, {
          arm: record.arm,
          round,
          protocol,
          nextProtocol,
          libraryAdded: nextLibrary === library ? null : nextLibrary[nextLibrary.length - 1],
          // protocolSearch.replay: which of this round's populations joined the replay buffer.
          ...(config.protocolSearch.replay > 0 ? { replayAdded: newReplay.map((e) => e.index) } : {}),
          populations: populations.map((sample, k) => ({
            effects: Array.from(sample.effects),
            loss: outcomes[k]!.loss,
            welfare: outcomes[k]!.welfare,
            drainedShare: outcomes[k]!.attackLossShare,
            worstAttack: outcomes[k]!.worstAttack,
            // Its share and day when a library variant or the CEM search set the loss.
            variant: outcomes[k]!.variant ?? null,
          })),
        }),
      );
      state = { round, hyper: next.model.hyper, x, rounds: [...state.rounds, record], curves: [...state.curves, ...curves], artifacts: [...(state.artifacts ?? []), ...artifacts], library: nextLibrary, replay };
      saveCheckpoint(path, state);
    }
    return state;
  };

  const state = await runArm(true);
  const ablation = await runArm(false);
  const finalProtocol = design(state.x);
  const g1Protocol = design(ablation.x);
  const heldOut = [
    ...samplePopulations(separate, config.heldOut.populations, 'held-out', 'separate-fit').map((sample) =>
      separateTurnout === undefined ? sample : { ...sample, mapping: { turnoutScale: separateTurnout.scale, votingShare: separateTurnout.votingShare } },
    ),
    ...config.heldOut.turnout.flatMap((turnout, i) =>
      config.heldOut.concentration.map((concentration, j) => {
        const effects = Float64Array.of(turnout, concentration, 0, 0);
        const rng = root.stream('held-out', 'grid', i, j);
        return { effects, table: g1.populationTable(config.members, effects, rng), seasonSeed: seedOf('held-out', 'grid', i, j, 'season') };
      }),
    ),
  ];
  const separateCount = config.heldOut.populations;
  // The held-out judge: the same world, scoring each population over heldOut.seasons seasons.
  const heldOutSeasons = config.heldOut.seasons ?? config.seasonsPerPopulation;
  const judgeConfig = { ...config, seasonsPerPopulation: heldOutSeasons };
  const judge = heldOutSeasons === config.seasonsPerPopulation ? world : new LoopWorld(judgeConfig, undefined, undefined, world.outcomes);
  // The judge's attacker: by default the one the rounds used. CEM searches with the same seed per population
  // for every protocol (common random numbers); a PPO attacker is trained against each protocol on held-out
  // populations spread over both kinds (every k-th first), then played on all of them.
  const heldOutAttack = config.heldOut.attackSearch ?? config.attackSearch;
  const ppoTraining = spreadFirst(heldOut.length, config.ppoAttacker.populations)
    .slice(0, Math.min(config.ppoAttacker.populations, heldOut.length))
    .map((k) => heldOut[k]!);
  // CEM: both arms' libraries, so every protocol faces every attack either arm's rounds found, then its own search.
  const cemJudge = heldOutAttack === 'cem' ? judge.withAttackSearch('cem').withLibrary((ablation.library ?? []).reduce((union, variant) => addToLibrary(union, variant, Infinity), state.library ?? [])) : judge;
  const heldOutOutcomes = async (protocol: Protocol, label: string): Promise<Outcome[]> => {
    if (heldOutAttack === 'scripted') return heldOut.map((sample) => judge.outcome(protocol, sample));
    if (heldOutAttack === 'cem') {
      const outcomes: Outcome[] = [];
      for (const [k, sample] of heldOut.entries()) outcomes.push(await cemJudge.searchedOutcome(protocol, sample, seedOf('held-out', 'attack-search', k)));
      return outcomes;
    }
    return (await ppoOutcomes(judgeConfig, judge, protocol, heldOut, seedOf('held-out', 'ppo', label), ppoTraining)).outcomes;
  };
  const score = async (protocol: Protocol, label: string) => {
    const outcomes = await heldOutOutcomes(protocol, label);
    const losses = outcomes.map((o) => o.loss);
    return {
      cvar10: cvar(losses),
      // The two kinds of held-out population apart: from the separate fit, and from the stress grid.
      cvar10Separate: cvar(losses.slice(0, separateCount)),
      cvar10Grid: cvar(losses.slice(separateCount)),
      mean: losses.reduce((a, b) => a + b, 0) / losses.length,
      welfare: outcomes.reduce((a, o) => a + o.welfare, 0) / outcomes.length,
      welfareSeparate: outcomes.slice(0, separateCount).reduce((a, o) => a + o.welfare, 0) / separateCount,
    };
  };
  const final = await score(finalProtocol, 'final');
  const g1Score = await score(g1Protocol, 'g1');
  const baselineScore = await score(baseline, 'baseline');
  // The headroom: the same search, run on the held-out populations themselves (from the better arm's
  // protocol; it keeps its start if it finds nothing better). Tuned on the test populations and their
  // seasons, it is optimistic: roughly how low a designed protocol gets there. When it is hardly below the
  // better arm, there was little on these populations for any re-tuning to gain.
  let oracleCvar10 = Number.NaN;
  if (config.heldOut.oracle) {
    const start = final.cvar10 <= g1Score.cvar10 ? state.x : ablation.x;
    const heldOutCvar = (x: ArrayLike<number>) => cvar(heldOut.map((sample) => judge.outcome(design(x), sample).loss));
    const search = await cmaesMinimize(heldOutCvar, start, config.protocolSearch.initialStep, {
      seed: seedOf('held-out', 'oracle'),
      maxEvaluations: config.protocolSearch.maxEvaluations,
      ...DESIGN_BOX,
    });
    // The search itself faces the scripted strategies (a CEM or PPO attacker per candidate is out of reach);
    // under a searched or learned judge its protocol is then judged like the arms'.
    const found = heldOutAttack === 'scripted' ? search.f : (await score(design(search.x), 'oracle')).cvar10;
    oracleCvar10 = Math.min(found, Math.min(final.cvar10, g1Score.cvar10));
  }
  const lastHyper = state.hyper;
  const finalGenerator = new PopulationGenerator({ ...g1.model, hyper: lastHyper });
  return trialResult(spec, start, {
    metrics: {
      heldOutCvar10Final: final.cvar10,
      heldOutCvar10G1: g1Score.cvar10,
      heldOutCvar10Baseline: baselineScore.cvar10,
      cvar10Improvement: g1Score.cvar10 - final.cvar10,
      cvar10ImprovementSeparate: g1Score.cvar10Separate - final.cvar10Separate,
      cvar10ImprovementGrid: g1Score.cvar10Grid - final.cvar10Grid,
      // The separate fit's populations alone (another DAO's electorate with heldOut.data).
      heldOutCvar10SeparateFinal: final.cvar10Separate,
      heldOutCvar10SeparateG1: g1Score.cvar10Separate,
      heldOutCvar10SeparateBaseline: baselineScore.cvar10Separate,
      heldOutWelfareSeparateFinal: final.welfareSeparate,
      heldOutWelfareSeparateG1: g1Score.welfareSeparate,
      heldOutWelfareSeparateBaseline: baselineScore.welfareSeparate,
      // NaN (stored as NULL) when heldOut.oracle is off.
      heldOutCvar10Oracle: oracleCvar10,
      cvar10Headroom: Math.min(final.cvar10, g1Score.cvar10) - oracleCvar10,
      heldOutMeanLossFinal: final.mean,
      heldOutMeanLossG1: g1Score.mean,
      heldOutWelfareFinal: final.welfare,
      heldOutWelfareG1: g1Score.welfare,
      heldOutWelfareBaseline: baselineScore.welfare,
      // Welfare (the honest proposals' delivered value, a share of the treasury) of the loop's protocol
      // against the G_1-only one: the gap, and the gap relative to the G_1-only welfare (null when that is
      // not positive, where a ratio means nothing: NaN, stored as NULL).
      welfareGap: final.welfare - g1Score.welfare,
      welfareGapRelative: g1Score.welfare > 0 ? (final.welfare - g1Score.welfare) / g1Score.welfare : Number.NaN,
      fidelityG1: fidelityOf(g1, 0),
      fidelityFinal: fidelityOf(finalGenerator, config.rounds + 1),
      roundsAccepted: state.rounds.filter((r) => r.accepted === true).length,
      klToG1Final: finalGenerator.klToPrior(),
      // How the populations were mapped (participation scale, the members' share of their supply); with
      // 'calibrated' and an event log, the log's median turnout and G_1's populations' mean expected turnout
      // holding all their supply at their own rates, and calibrated (NaN else).
      turnoutScale: turnout.scale,
      votingShare: turnout.votingShare,
      realTurnout: turnout.realTurnout ?? Number.NaN,
      g1TurnoutUnscaled: turnout.unscaledTurnout ?? Number.NaN,
      g1Turnout: turnout.turnout ?? Number.NaN,
      // heldOut.data, calibrated: the scale of its populations and its own median turnout.
      separateTurnoutScale: separateTurnout?.scale ?? Number.NaN,
      separateVotingShare: separateTurnout?.votingShare ?? Number.NaN,
      separateRealTurnout: separateTurnout?.realTurnout ?? Number.NaN,
    },
    curves: state.curves,
    // Every scripted season of the trial (rounds, searches, held-out judge; a guardian's caught and missed seasons both).
    outcomes: world.outcomes.records(),
    episodes: [...state.rounds, ...ablation.rounds],
    artifacts: [
      // Generators as loadable models (kind population-generator): G_1 and the last accepted one.
      json('generator-g1.json', g1.model),
      json('generator-final.json', finalGenerator.model),
      json('protocol-final.json', finalProtocol),
      json('protocol-g1.json', g1Protocol),
      ...(state.artifacts ?? []),
      ...(ablation.artifacts ?? []),
    ],
  });
}
