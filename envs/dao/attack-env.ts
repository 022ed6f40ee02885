/**
 * dao/GovernanceAttack-v0: the agent is an attacker with a budget, trying to extract value from a DAO.
 *
 * Action: MultiDiscrete([10, 5]) = [what, level]. Levels pick a size from LEVELS (fractions) or a
 * price / account count, per action:
 *   0 wait            1 buy tokens with level x usd      2 sell level x tokens
 *   3 borrow level x of the lending pool                 4 repay level x of the debt
 *   5 propose a drain of level x of the treasury         6 vote For on the own proposal now
 *   7 flash-loan level x of the pool, vote, try to commit/execute, repay, all in one transaction
 *   8 bribe at BRIBE_PRICES[level] x token price per vote, with up to a quarter of the usd
 *   9 split holdings across SYBIL_ACCOUNTS[level] accounts (matters under quadratic voting)
 * Late-vote sniping is a policy: wait, then vote near the deadline.
 *
 * Observation: a normalised Box(17) (see OBSERVATION_FIELDS). Reward: the change in the attacker's net
 * worth at liquidation value (extraction minus costs, fees, interest, price impact and bribes), in units
 * of its starting budget (`rewardUnit: 'usd'` for dollars). The episode terminates once the attacker's
 * last proposal is final and no loan is open, and truncates at the horizon (voting delay + period +
 * timelock, plus slack).
 */
import { Env, type Info, type ResetOptions, type ResetResult, type StepResult } from '../core/env.ts';
import { Box, MultiDiscrete } from '../core/spaces.ts';
import { resolveDaoConfig, EnvConfigError, type DaoEnvKwargs, type ResolvedDaoConfig } from './config.ts';
import { ATTACKER, FINAL_STATES, GovernanceSimulation, sharePopulationData, TREASURY, type Proposal, type SharedPopulationData } from './governance.ts';
import { FOR } from './tally.ts';
import { isRefusal } from './refusal.ts';
import { lognormal, normal, poisson } from '../../lib/distributions.ts';
import { BLOCKS_PER_DAY } from './protocol.ts';

export const LEVELS = [0.05, 0.1, 0.25, 0.5, 1] as const;
export const BRIBE_PRICES = [0.05, 0.1, 0.2, 0.5, 1] as const;
export const SYBIL_ACCOUNTS = [1, 4, 16, 64, 256] as const;
export const ACTIONS = ['wait', 'buy', 'sell', 'borrow', 'repay', 'propose', 'vote', 'flashLoanVote', 'bribe', 'sybilSplit'] as const;
export type AttackAction = (typeof ACTIONS)[number];

export const OBSERVATION_FIELDS = [
  'treasuryValue',
  'price',
  'usd',
  'tokenValue',
  'debtValue',
  'tokenShareOfSupply',
  'hasProposal',
  'proposalActive',
  'proposalQueued',
  'forShare',
  'againstShare',
  'quorumShare',
  'votingTimeLeft',
  'timelockLeft',
  'turnoutLast',
  'episodeProgress',
  'weightShareIfVotedNow',
] as const;

export interface GovernanceAttackKwargs extends DaoEnvKwargs {
  budgetUsd?: number;
  rewardUnit?: 'budget' | 'usd';
  /** Steps per episode; default covers delay + period + timelock with slack. */
  horizon?: number;
  /** Background honest grant proposals per 30 days (default 0). */
  honestProposalsPerMonth?: number;
  /**
   * The public signal members see on the attacker's drain and the share of their usual attention it gets
   * (defaults -2 and 1: an obvious drain, as GovernanceSimulation.propose has it); a season's disguised
   * drain (`attackSignal`, `attackAttention`) sets these to match.
   */
  drainSignal?: number;
  drainAttention?: number;
}

export const ATTACK_ENV_KWARGS = ['preset', 'protocol', 'members', 'populationSeed', 'populationOptions', 'population', 'treasuryUsd', 'market', 'blocksPerStep', 'budgetUsd', 'rewardUnit', 'horizon', 'honestProposalsPerMonth', 'drainSignal', 'drainAttention'];

export class GovernanceAttackEnv extends Env<Float32Array, Int32Array> {
  readonly observationSpace = new Box(-10, 10, [OBSERVATION_FIELDS.length], 'float32');
  readonly actionSpace = new MultiDiscrete([ACTIONS.length, LEVELS.length]);
  readonly config: ResolvedDaoConfig;
  readonly budgetUsd: number;
  readonly horizon: number;
  readonly rewardUnit: 'budget' | 'usd';
  private readonly shared: SharedPopulationData;
  private sim: GovernanceSimulation | undefined;
  private proposal: Proposal | undefined;
  private steps = 0;
  private netWorth = 0;
  private initialTreasury = 1;
  private initialPrice = 1;

  constructor(kwargs: GovernanceAttackKwargs = {}) {
    super();
    this.metadata = { renderModes: ['ansi'] };
    this.renderMode = kwargs.renderMode as string | undefined;
    this.config = resolveDaoConfig(kwargs, ATTACK_ENV_KWARGS);
    const budget = kwargs.budgetUsd ?? 5_000_000;
    if (!(budget > 0) || !Number.isFinite(budget)) throw new EnvConfigError(`budgetUsd: must be a positive number, got ${JSON.stringify(kwargs.budgetUsd)}`, 'budgetUsd');
    this.budgetUsd = budget;
    const rewardUnit = kwargs.rewardUnit ?? 'budget';
    if (rewardUnit !== 'budget' && rewardUnit !== 'usd') throw new EnvConfigError(`rewardUnit: must be 'budget' or 'usd', got ${JSON.stringify(rewardUnit)}`, 'rewardUnit');
    this.rewardUnit = rewardUnit;
    const p = this.config.protocol;
    const lifecycle = p.votingDelay + p.votingPeriod + p.timelock + (p.lateQuorumExtension ?? 0);
    this.horizon = kwargs.horizon ?? Math.ceil(lifecycle / this.config.blocksPerStep) + 12;
    if (!Number.isInteger(this.horizon) || this.horizon < 1) throw new EnvConfigError(`horizon: must be a positive integer, got ${JSON.stringify(kwargs.horizon)}`, 'horizon');
    this.shared = sharePopulationData(this.config.population);
    const rate = kwargs.honestProposalsPerMonth ?? 0;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1000)) throw new EnvConfigError(`honestProposalsPerMonth: must be a number in [0, 1000], got ${JSON.stringify(rate)}`, 'honestProposalsPerMonth');
    this.honestRate = rate;
    const { drainSignal, drainAttention } = kwargs;
    if (drainSignal !== undefined && !(typeof drainSignal === 'number' && Math.abs(drainSignal) <= 10)) throw new EnvConfigError(`drainSignal: must be a number in [-10, 10], got ${JSON.stringify(drainSignal)}`, 'drainSignal');
    if (drainAttention !== undefined && !(typeof drainAttention === 'number' && drainAttention >= 0 && drainAttention <= 1)) throw new EnvConfigError(`drainAttention: must be a number in [0, 1], got ${JSON.stringify(drainAttention)}`, 'drainAttention');
    this.drain = { signal: drainSignal, attention: drainAttention };
  }

  private readonly drain: { signal: number | undefined; attention: number | undefined };
  private readonly honestRate: number;
  /** Honest grants of this episode with their net value (hidden value - cost). */
  readonly honestGrants: { proposal: Proposal; netValue: number }[] = [];

  private arriveHonestProposals(): void {
    if (this.honestRate === 0) return;
    const sim = this.simulation;
    const expected = (this.honestRate * this.config.blocksPerStep) / (30 * BLOCKS_PER_DAY);
    const arrivals = poisson(this.rng, expected);
    for (let k = 0; k < arrivals; k++) {
      const treasury = sim.ledger.balance(TREASURY, 'usd');
      const requestedUsd = Math.min(lognormal(this.rng, Math.log(treasury * 0.01 + 1), 0.8), treasury * 0.1);
      const multiple = normal(this.rng, 1.4, 0.7);
      const signal = (multiple - 1) * 1.2 + normal(this.rng, 0, 0.5);
      const proposal = sim.propose({ kind: 'grant', proposer: 'honest', requestedUsd, trueValue: requestedUsd * multiple, signal, streamKey: `grant-${this.honestGrants.length}` });
      this.honestGrants.push({ proposal, netValue: requestedUsd * (multiple - 1) });
    }
  }

  /** The attacker's current (or last) proposal. */
  get attackProposal(): Proposal | undefined {
    return this.proposal;
  }

  /** The simulation of the current episode (for scripted attackers and tests). */
  get simulation(): GovernanceSimulation {
    if (this.sim === undefined) throw new Error('call reset() first');
    return this.sim;
  }

  override reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(options);
    const { protocol, population, treasuryUsd, market } = this.config;
    this.sim = new GovernanceSimulation({
      protocol,
      population,
      rng: this.rng.split(),
      treasury: { usd: treasuryUsd, token: 0 },
      market,
      attackerUsd: this.budgetUsd,
      shared: this.shared,
    });
    this.proposal = undefined;
    this.honestGrants.length = 0;
    this.steps = 0;
    this.netWorth = this.sim.market.netWorth(ATTACKER);
    this.initialTreasury = this.sim.treasuryValue();
    this.initialPrice = this.sim.market.price();
    return { observation: this.observe(), info: this.info(undefined) };
  }

  step(action: Int32Array | ArrayLike<number>): StepResult<Float32Array> {
    const sim = this.simulation;
    const kind = action[0]!;
    const level = action[1]!;
    if (!Number.isInteger(kind) || kind < 0 || kind >= ACTIONS.length || !Number.isInteger(level) || level < 0 || level >= LEVELS.length) {
      throw new RangeError(`GovernanceAttack action must be [0..${ACTIONS.length - 1}, 0..${LEVELS.length - 1}], got [${kind}, ${level}]`);
    }
    const outcome = this.act(ACTIONS[kind]!, level);
    this.arriveHonestProposals();
    sim.advance(this.config.blocksPerStep);
    sim.refreshAttackerVotes();
    this.steps++;
    const worth = sim.market.netWorth(ATTACKER);
    const delta = worth - this.netWorth;
    this.netWorth = worth;
    const resolved = this.proposal !== undefined && FINAL_STATES.has(this.proposal.state);
    const terminated = resolved && sim.market.debtOf(ATTACKER) <= 1e-9;
    const truncated = !terminated && this.steps >= this.horizon;
    const reward = this.rewardUnit === 'budget' ? delta / this.budgetUsd : delta;
    return { observation: this.observe(), reward, terminated, truncated, info: this.info(outcome) };
  }

  /** Carries out one action; returns an error message if it could not be done (the step still passes). */
  private act(action: AttackAction, level: number): string | undefined {
    const sim = this.simulation;
    const market = sim.market;
    const fraction = LEVELS[level]!;
    try {
      switch (action) {
        case 'wait':
          return undefined;
        case 'buy': {
          const usd = sim.ledger.balance(ATTACKER, 'usd') * fraction;
          if (usd <= 0) return 'no usd to buy with';
          market.buy(ATTACKER, usd);
          return undefined;
        }
        case 'sell': {
          const tokens = sim.attackerTokens() * fraction;
          if (tokens <= 0) return 'no tokens to sell';
          market.sell(ATTACKER, tokens);
          return undefined;
        }
        case 'borrow': {
          const price = market.price();
          const affordable = (sim.ledger.balance(ATTACKER, 'usd') * market.config.loanToValue) / price;
          const tokens = Math.min(market.availableToBorrow() * fraction, affordable);
          if (tokens <= 0) return 'nothing to borrow';
          market.borrow(ATTACKER, tokens);
          return undefined;
        }
        case 'repay': {
          const owed = market.debtOf(ATTACKER);
          if (owed <= 0) return 'no debt';
          market.repay(ATTACKER, owed * fraction);
          return undefined;
        }
        case 'propose': {
          if (this.proposal !== undefined && !FINAL_STATES.has(this.proposal.state)) return 'a proposal is already open';
          this.proposal = sim.propose({ kind: 'drain', proposer: 'attacker', requestedShare: fraction, signal: this.drain.signal, attention: this.drain.attention });
          return undefined;
        }
        case 'vote': {
          if (this.proposal === undefined || this.proposal.state !== 'active') return 'no active proposal to vote on';
          sim.attackerVote(this.proposal, FOR);
          return undefined;
        }
        case 'flashLoanVote': {
          const proposal = this.proposal;
          if (proposal === undefined || proposal.state !== 'active') return 'no active proposal to vote on';
          const tokens = market.availableToBorrow() * fraction;
          if (tokens <= 0) return 'nothing to flash-borrow';
          const result = sim.flashLoan(tokens, () => {
            sim.attackerVote(proposal, FOR);
            sim.emergencyCommit(proposal);
            // The fee in tokens, bought now; a pool that cannot supply them reverts the loan (a refusal).
            market.buyTokens(ATTACKER, tokens * market.config.flashLoanFee);
          });
          return result.ok ? undefined : `flash loan reverted: ${result.reason}`;
        }
        case 'bribe': {
          if (this.proposal === undefined || this.proposal.state !== 'active') return 'no active proposal to bribe for';
          sim.bribe(this.proposal, BRIBE_PRICES[level]! * market.price(), sim.ledger.balance(ATTACKER, 'usd') * 0.25);
          return undefined;
        }
        case 'sybilSplit':
          sim.sybilAccounts = SYBIL_ACCOUNTS[level]!;
          return undefined;
      }
    } catch (error) {
      // An expected refusal (a payment above a balance, a proposal below the threshold) is the step's outcome; a bug propagates.
      if (!isRefusal(error)) throw error;
      return error.message;
    }
  }

  private observe(): Float32Array {
    const sim = this.simulation;
    const price = sim.market.price();
    const supply = sim.tokenSupply();
    const p = this.proposal;
    const protocol = this.config.protocol;
    const values = [
      sim.treasuryValue() / this.initialTreasury,
      price / this.initialPrice,
      sim.ledger.balance(ATTACKER, 'usd') / this.budgetUsd,
      (sim.attackerTokens() * price) / this.budgetUsd,
      (sim.market.debtOf(ATTACKER) * price) / this.budgetUsd,
      sim.attackerTokens() / supply,
      p === undefined ? 0 : 1,
      p?.state === 'active' ? 1 : 0,
      p?.state === 'queued' ? 1 : 0,
      p === undefined ? 0 : p.forVotes / supply,
      p === undefined ? 0 : p.againstVotes / supply,
      p === undefined ? 0 : sim.quorumVotes(p) / supply,
      p?.state === 'active' ? (p.endBlock - sim.block) / protocol.votingPeriod : p?.state === 'pending' ? 1 : 0,
      p?.state === 'queued' && protocol.timelock > 0 ? (p.eta - sim.block) / protocol.timelock : 0,
      sim.turnoutHistory.at(-1) ?? 0,
      this.steps / this.horizon,
      p === undefined ? 0 : sim.attackerWeight(p) / supply,
    ];
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = Math.max(-10, Math.min(10, Number.isFinite(values[i]) ? values[i]! : 10));
    return out;
  }

  private info(actionError: string | undefined): Info {
    const sim = this.simulation;
    const info: Info = {
      netWorthUsd: sim.market.netWorth(ATTACKER),
      profitUsd: sim.market.netWorth(ATTACKER) - this.budgetUsd,
      treasuryUsd: sim.ledger.balance(TREASURY, 'usd'),
      proposalState: this.proposal?.state ?? 'none',
    };
    if (actionError !== undefined) info.actionError = actionError;
    return info;
  }

  override render(): string {
    const sim = this.simulation;
    const p = this.proposal;
    return `block ${sim.block} treasury $${sim.ledger.balance(TREASURY, 'usd').toFixed(0)} price ${sim.market.price().toFixed(2)} attacker $${sim.market.netWorth(ATTACKER).toFixed(0)} proposal ${p ? `${p.state} for ${p.forVotes.toFixed(0)} against ${p.againstVotes.toFixed(0)}` : 'none'}`;
  }
}
