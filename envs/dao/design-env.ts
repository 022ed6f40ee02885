/**
 * dao/ProtocolDesign-v0: the agent is a protocol designer. One step = one governance season: the
 * action (a Box in [-1, 1]^8, see DESIGN_PARAMETERS) sets the protocol's parameters, the season runs
 * honest grant proposals and a scripted attacker under them, and the reward is
 *   (net value of executed honest proposals - net value of good proposals that failed - treasury lost
 *    to the attack) / treasury,
 * with a per-day cost on the value of proposals kept waiting by long periods and timelocks. The
 * observation describes the DAO the designer is tuning for. A one-step episode: a contextual bandit,
 * which is what black-box search (CEM, CMA-ES) optimises.
 */
import { Env, type ResetOptions, type ResetResult, type StepResult } from '../core/env.ts';
import { Box } from '../core/spaces.ts';
import { EnvConfigError, numberKwarg, resolveDaoConfig, type DaoEnvKwargs, type ResolvedDaoConfig } from './config.ts';
import { DEFAULT_LATE_REACTION, sharePopulationData, type SharedPopulationData } from './governance.ts';
import { gini, topShare } from './population.ts';
import { BLOCKS_PER_DAY, parseProtocol, type Protocol } from './protocol.ts';
import { ATTACK_STRATEGIES, DEFAULT_COALITION_SIZE, runSeason, type AttackStrategy, type SeasonConfig, type SeasonResult } from './season.ts';

/** From this per-account cap up (the top of its range), the designed protocol has no vote cap. */
export const VOTE_CAP_OFF = 0.3;

/**
 * Each action dimension maps from [-1, 1] onto [low, high]: linearly, or geometrically where `log` is set
 * (the vote cap, whose useful values span more than a decade).
 */
export const DESIGN_PARAMETERS: readonly { name: string; low: number; high: number; log?: boolean; unit: string }[] = [
  { name: 'quorum', low: 0, high: 0.3, unit: 'share of supply (For + Abstain... per the preset counting)' },
  { name: 'proposalThreshold', low: 0, high: 0.05, unit: 'share of supply' },
  { name: 'votingPeriodDays', low: 1, high: 14, unit: 'days' },
  { name: 'timelockDays', low: 0, high: 14, unit: 'days' },
  { name: 'lateQuorumExtensionDays', low: 0, high: 3, unit: 'days' },
  { name: 'treasurySupermajority', low: 0.5, high: 0.9, unit: 'For share for treasury moves; 0.5 = off' },
  { name: 'guardianVeto', low: 0, high: 1, unit: 'on when > 0.5' },
  { name: 'voteCap', low: 0.01, high: VOTE_CAP_OFF, log: true, unit: `share of supply one account's votes count at most; off from ${VOTE_CAP_OFF * 100} %` },
];

/** The value of design parameter i for an action component a in [-1, 1] (clipped). */
export function designValue(i: number, a: number): number {
  const clipped = Math.max(-1, Math.min(1, Number(a)));
  if (Number.isNaN(clipped)) throw new RangeError(`ProtocolDesign action[${i}] is NaN`);
  const { low, high, log } = DESIGN_PARAMETERS[i]!;
  const u = (clipped + 1) / 2;
  return log ? low * (high / low) ** u : low + u * (high - low);
}

/** The parameter values an action selects, by name. */
export function designValues(action: ArrayLike<number>): Record<string, number> {
  return Object.fromEntries(DESIGN_PARAMETERS.map((p, i) => [p.name, designValue(i, action[i]!)]));
}

/** `base` with the eight designed parameters an action in [-1, 1]^8 selects. */
export function designedProtocol(base: Protocol, action: ArrayLike<number>): Protocol {
  if (action.length !== DESIGN_PARAMETERS.length) throw new RangeError(`ProtocolDesign action needs ${DESIGN_PARAMETERS.length} values, got ${action.length}`);
  const value = (i: number) => designValue(i, action[i]!);
  const supermajority = value(5);
  const cap = value(7);
  return parseProtocol({
    ...base,
    name: `designed-from-${base.name}`,
    quorum: { kind: 'fraction', fraction: value(0) },
    proposalThreshold: value(1),
    votingPeriod: Math.max(1, Math.round(value(2) * BLOCKS_PER_DAY)),
    votingDelay: Math.min(base.votingDelay, Math.round(value(2) * BLOCKS_PER_DAY)),
    timelock: Math.round(value(3) * BLOCKS_PER_DAY),
    lateQuorumExtension: Math.round(value(4) * BLOCKS_PER_DAY),
    treasurySupermajority: supermajority > 0.51 ? supermajority : null,
    guardianVeto: value(6) > 0.5,
    voteCap: cap < VOTE_CAP_OFF * (1 - 1e-9) ? cap : null,
  });
}

/**
 * The action in [-1, 1]^8 that selects `protocol`'s own parameters (as near as the design space
 * allows: an absolute quorum becomes its share of `supply`; parameters outside a range are clipped),
 * so that a search can start from a real protocol.
 */
export function designActionOf(protocol: Protocol, supply: number): number[] {
  const quorum = protocol.quorum.kind === 'fraction' ? protocol.quorum.fraction : protocol.quorum.kind === 'absolute' ? protocol.quorum.votes / supply : 0;
  const values = [
    quorum,
    protocol.proposalThreshold,
    protocol.votingPeriod / BLOCKS_PER_DAY,
    protocol.timelock / BLOCKS_PER_DAY,
    protocol.lateQuorumExtension / BLOCKS_PER_DAY,
    protocol.treasurySupermajority ?? 0.5,
    protocol.guardianVeto ? 1 : 0,
    protocol.voteCap ?? VOTE_CAP_OFF,
  ];
  return values.map((value, i) => {
    const { low, high, log } = DESIGN_PARAMETERS[i]!;
    const u = log ? Math.log(Math.max(value, low) / low) / Math.log(high / low) : (value - low) / (high - low);
    return Math.max(-1, Math.min(1, u * 2 - 1));
  });
}

/** Which safeguards a design search may turn on: all (guardian veto, treasury supermajority), all but the guardian, or none. */
export const DESIGN_SAFEGUARDS = ['all', 'no-guardian', 'none'] as const;
export type DesignSafeguards = (typeof DESIGN_SAFEGUARDS)[number];

/** The design space's bounds as CMA-ES / CEM take them. */
export const DESIGN_BOX = { lower: DESIGN_PARAMETERS.map(() => -1), upper: DESIGN_PARAMETERS.map(() => 1) };

/**
 * A design space around a baseline protocol for a search: safeguards the search may not use are held off
 * (-1 maps to off for both), parameters named in `hold` stay at the baseline's own values, and `start` is the
 * baseline's own action (as near as the design space allows), so a search begins at the protocol it is
 * compared against.
 */
export function restrictedDesign(baseline: Protocol, supply: number, options: { safeguards?: DesignSafeguards; hold?: readonly string[] } = {}) {
  const indexOf = (name: string): number => {
    const i = DESIGN_PARAMETERS.findIndex((p) => p.name === name);
    if (i < 0) throw new RangeError(`unknown design parameter '${name}': valid are ${DESIGN_PARAMETERS.map((p) => p.name).join(', ')}`);
    return i;
  };
  const safeguards = options.safeguards ?? 'all';
  const disabled = (safeguards === 'none' ? ['guardianVeto', 'treasurySupermajority'] : safeguards === 'no-guardian' ? ['guardianVeto'] : []).map(indexOf);
  const held = (options.hold ?? []).map(indexOf);
  const baselineAction = designActionOf(baseline, supply);
  const effective = (x: ArrayLike<number>): number[] => Array.from(x, (value, i) => (disabled.includes(i) ? -1 : held.includes(i) ? baselineAction[i]! : value));
  return {
    effective,
    design: (x: ArrayLike<number>): Protocol => designedProtocol(baseline, effective(x)),
    start: effective(baselineAction),
  };
}

/** A design season's length when `seasonDays` is not given. */
export const DESIGN_SEASON_DAYS = 60;

export interface ProtocolDesignKwargs extends DaoEnvKwargs {
  /** Scripted attacker(s): one strategy, or a list drawn uniformly per season. */
  attack?: AttackStrategy | AttackStrategy[];
  attackBudgetUsd?: number;
  attackShare?: number;
  seasonDays?: number;
  proposalsPerMonth?: number;
  delayCostPerDay?: number;
  /** The drain's start (days into the season; default a quarter of the season). */
  attackDay?: number;
  /** How good the drain looks to members (default -0.5: seen through by most) and how closely they look (default 0.7). */
  attackSignal?: number;
  attackAttention?: number;
  /** The `coalition` strategy: how many of the largest holders collude (default DEFAULT_COALITION_SIZE). */
  coalitionSize?: number;
  /** How strongly members answer a late-quorum extension (default DEFAULT_LATE_REACTION; runSeason's lateReaction). */
  lateReaction?: number;
  /** Autonomous proposals (0-1, default 0 = off): proposers below the threshold canvass for the rest (runSeason's sponsorship). */
  sponsorship?: number;
}

const KNOWN = ['preset', 'protocol', 'members', 'populationSeed', 'populationOptions', 'population', 'treasuryUsd', 'market', 'blocksPerStep', 'attack', 'attackBudgetUsd', 'attackShare', 'seasonDays', 'proposalsPerMonth', 'delayCostPerDay', 'attackDay', 'attackSignal', 'attackAttention', 'coalitionSize', 'lateReaction', 'sponsorship'];

export class ProtocolDesignEnv extends Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box(0, 1, [5], 'float32');
  readonly actionSpace = new Box(-1, 1, [DESIGN_PARAMETERS.length], 'float32');
  readonly config: ResolvedDaoConfig;
  readonly attacks: AttackStrategy[];
  private readonly shared: SharedPopulationData;
  private readonly context: Float32Array;
  /** The season options every season of this env runs with (runSeason's own fields). */
  private readonly seasonOptions: Omit<SeasonConfig, 'protocol' | 'population' | 'shared' | 'market' | 'treasuryUsd' | 'attack' | 'guardian'>;

  constructor(kwargs: ProtocolDesignKwargs = {}) {
    super();
    this.config = resolveDaoConfig(kwargs, KNOWN);
    const attacks = kwargs.attack === undefined ? ['buy-and-vote', 'bribe', 'borrow-and-vote'] : Array.isArray(kwargs.attack) ? kwargs.attack : [kwargs.attack];
    for (const attack of attacks) {
      if (!ATTACK_STRATEGIES.includes(attack as AttackStrategy)) {
        throw new EnvConfigError(`attack: unknown strategy '${attack}'; valid strategies: ${ATTACK_STRATEGIES.join(', ')}`, 'attack');
      }
    }
    if (attacks.length === 0) throw new EnvConfigError('attack: give at least one strategy', 'attack');
    this.attacks = attacks as AttackStrategy[];
    const days = numberKwarg(kwargs.seasonDays, 'seasonDays', DESIGN_SEASON_DAYS, 1, 3650);
    this.seasonOptions = {
      attackBudgetUsd: numberKwarg(kwargs.attackBudgetUsd, 'attackBudgetUsd', 30_000_000, 0, 1e12),
      attackShare: numberKwarg(kwargs.attackShare, 'attackShare', 0.3, 0, 1),
      days,
      proposalsPerMonth: numberKwarg(kwargs.proposalsPerMonth, 'proposalsPerMonth', 6, 0, 1000),
      delayCostPerDay: numberKwarg(kwargs.delayCostPerDay, 'delayCostPerDay', 0.01, 0, 1),
      attackDay: numberKwarg(kwargs.attackDay, 'attackDay', days * 0.25, 0, days),
      attackSignal: numberKwarg(kwargs.attackSignal, 'attackSignal', -0.5, -5, 5),
      attackAttention: numberKwarg(kwargs.attackAttention, 'attackAttention', 0.7, 0, 1),
      coalitionSize: numberKwarg(kwargs.coalitionSize, 'coalitionSize', DEFAULT_COALITION_SIZE, 1, 1000, true),
      lateReaction: numberKwarg(kwargs.lateReaction, 'lateReaction', DEFAULT_LATE_REACTION, 0, 1),
      sponsorship: numberKwarg(kwargs.sponsorship, 'sponsorship', 0, 0, 1),
    };
    this.shared = sharePopulationData(this.config.population);
    const power = this.shared.memberPower;
    let participating = 0;
    let total = 0;
    let late = 0;
    for (let i = 0; i < power.length; i++) {
      const expected = power[i]! * this.config.population.participation[i]!;
      participating += expected;
      total += power[i]!;
      if (this.config.population.timing[i]! >= 0.9) late += expected;
    }
    const topHolders = Float64Array.from(this.config.population.balance).sort().reverse().subarray(0, 1000);
    this.context = Float32Array.of(
      Math.min(1, participating / this.shared.memberSupply),
      topShare(power, 10),
      gini(topHolders),
      participating > 0 ? late / participating : 0,
      Math.min(1, total / this.shared.memberSupply),
    );
  }

  /** The protocol an action selects (the preset with the designed parameters). */
  protocolFor(action: ArrayLike<number>): Protocol {
    return designedProtocol(this.config.protocol, action);
  }

  override reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(options);
    return { observation: Float32Array.from(this.context), info: {} };
  }

  /** Runs one season under the action's protocol. */
  step(action: Float32Array | ArrayLike<number>): StepResult<Float32Array> {
    const protocol = this.protocolFor(action);
    const attack = this.attacks[this.rng.int(this.attacks.length)]!;
    const result = this.season(protocol, attack, this.rng.split());
    return { observation: Float32Array.from(this.context), reward: result.score, terminated: true, truncated: false, info: { ...result, attack } };
  }

  /** A season under any protocol, e.g. to score a preset against the same attackers and seeds. */
  season(protocol: Protocol, attack: AttackStrategy, rng: ReturnType<ProtocolDesignEnv['rng']['split']>): SeasonResult {
    return runSeason(
      {
        protocol,
        population: this.config.population,
        shared: this.shared,
        market: this.config.market,
        treasuryUsd: this.config.treasuryUsd,
        attack,
        ...this.seasonOptions,
      },
      rng,
    );
  }
}
