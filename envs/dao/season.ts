/**
 * A governance season: honest grant proposals arriving over time, each with a hidden value and a noisy
 * public signal, plus a scripted attacker, all under one protocol. Used by dao/ProtocolDesign-v0 (and
 * by experiments) to score a protocol on welfare and on losses to attacks.
 */
import { AliasTable, lognormal, normal, poisson } from '../../lib/distributions.ts';
import type { Rng } from '../../lib/rng.ts';
import type { AttackOutcome } from './attack-outcome.ts';
import { ATTACKER, FINAL_STATES, GovernanceSimulation, TREASURY, type GuardianConfig, type Proposal, type SharedPopulationData } from './governance.ts';
import { formatTokens } from './refusal.ts';
import type { MarketConfig } from './market.ts';
import type { Population } from './population.ts';
import type { Protocol } from './protocol.ts';
import { BLOCKS_PER_DAY } from './protocol.ts';
import { FOR } from './tally.ts';
import { blankEvent, type TrajectoryEvent } from './trajectory.ts';

/**
 * Scripted strategies, each a drain proposal per season. Every one first gets what it needs to propose
 * (canvassing where `sponsorship` is on, else buying or borrowing the threshold), then applies its method
 * at vote time; STRATEGY_STEPS says each one's steps in words (`daogym list attacks`).
 */
export const ATTACK_STRATEGIES = ['none', 'buy-and-vote', 'flash-loan', 'bribe', 'late-vote', 'borrow-and-vote', 'coalition', 'sybil'] as const;
export type AttackStrategy = (typeof ATTACK_STRATEGIES)[number];
/** How many of the largest holders collude in the `coalition` strategy unless told. */
export const DEFAULT_COALITION_SIZE = 3;
/** The `sybil` strategy's accounts: bought tokens spread over this many fresh addresses (free on-chain). */
export const SYBIL_SPLIT = 100;
/** The `bribe` strategy's offer per vote, as a share of the token price. */
export const BRIBE_PRICE_SHARE = 0.3;

/** What each strategy does, step by step (printed by `daogym list attacks`). */
export const STRATEGY_STEPS: Record<AttackStrategy, string[]> = {
  none: ['No attack: the honest baseline (outcome no-attack).'],
  'buy-and-vote': [
    'On the attack day, buy tokens on the AMM with the whole budget.',
    'Propose the drain (below the threshold: canvass for backers where sponsorship > 0, else could-not-propose).',
    'Vote For with the tokens as soon as voting opens; sell them after the season.',
  ],
  'flash-loan': [
    'On the attack day, buy just the proposal threshold on the AMM (canvass first where sponsorship > 0); keep the rest of the budget.',
    'Propose the drain.',
    'While voting is open, each step: flash-borrow every token the lending market has, vote For, try emergencyCommit, repay with the fee, all in one transaction.',
    'Under a snapshot (Bravo, OZ) the loaned tokens count 0 votes: outcome votes-not-counted; under live balances (Beanstalk 2022) they count.',
  ],
  bribe: [
    'On the attack day, buy just the proposal threshold on the AMM (canvass first where sponsorship > 0).',
    'Propose the drain and vote For with the threshold tokens.',
    `From half-way through the voting period, each step: offer ${BRIBE_PRICE_SHARE} x the token price per vote to members who have not voted, cheapest first, until the rest of the budget runs out.`,
  ],
  'late-vote': [
    'On the attack day, buy tokens on the AMM with the whole budget and propose the drain.',
    'Vote For only in the last quarter day of the voting period (a late-quorum extension, where the protocol has one, then gives members time to answer).',
  ],
  'borrow-and-vote': [
    'On the attack day, borrow as many tokens as the budget collateralises at the lending market\'s loan-to-value (no-liquidity when it has none).',
    'Propose the drain and vote For with the borrowed tokens; repay after the season.',
  ],
  coalition: [
    'The population\'s largest holders (season.coalitionSize) back a drain to themselves: their power counts toward the threshold; the budget buys any gap.',
    'They vote For with their own weight when voting opens (a vote cap does not bind them: they split holdings like any buyer).',
  ],
  sybil: [
    `On the attack day, buy tokens with the whole budget and spread them over ${SYBIL_SPLIT} fresh addresses.`,
    'Propose the drain and vote For from every address: under quadratic voting k addresses get sqrt(k) times the votes of one; under token voting it is buy-and-vote.',
  ],
};

export interface SeasonConfig {
  protocol: Protocol;
  population: Population;
  shared?: SharedPopulationData;
  market: MarketConfig;
  treasuryUsd: number;
  /** Season length in days. */
  days: number;
  /** Honest proposals per 30 days (Poisson). */
  proposalsPerMonth: number;
  /** Attacker strategy and budget. */
  attack: AttackStrategy;
  attackBudgetUsd: number;
  /** Share of the treasury the attacker's drain requests. */
  attackShare: number;
  /** Day the attacker starts. */
  attackDay: number;
  /** Public signal and attention of the attacker's (disguised) proposal. */
  attackSignal: number;
  attackAttention: number;
  /** Value lost per day a good proposal waits to execute, as a share of its value. */
  delayCostPerDay: number;
  /** The guardian's detection and false-veto probabilities (default: the simulator's). */
  guardian?: GuardianConfig;
  /** The `coalition` strategy: how many of the largest holders collude (default DEFAULT_COALITION_SIZE). */
  coalitionSize?: number;
  /** How strongly members who have not voted answer a late-quorum extension (GovernanceSimulation's lateReaction; default DEFAULT_LATE_REACTION). */
  lateReaction?: number;
  /**
   * Autonomous proposals (0-1, default 0): a proposer below the proposal threshold canvasses the members
   * for the votes it lacks (GovernanceSimulation.canvass, reach = sponsorship), honest proposers and the
   * attacker alike; 0: a proposer below the threshold cannot propose.
   */
  sponsorship?: number;
  /** Record the season's timeline (envs/dao/trajectory.ts) in the result's `trajectory`; off by default. */
  record?: boolean;
}

export interface SeasonResult {
  /** Net value (hidden value - cost) of executed honest proposals, usd. */
  executedValue: number;
  /** Net value of good honest proposals that did not execute, usd (counted as a loss). */
  failedGoodValue: number;
  /**
   * Net value of every good honest idea of the season (usd), proposed or blocked by the threshold: what honest
   * proposers would deliver under rules that passed every good grant at once and no bad one.
   */
  goodValue: number;
  /** usd taken from the treasury by the attacker. */
  attackLoss: number;
  attackerProfit: number;
  attackSucceeded: boolean;
  honestProposals: number;
  honestExecuted: number;
  /** (executedValue - failedGoodValue - attackLoss) / treasury. */
  score: number;
  /** How the season's attack ended, and why. */
  attack: AttackOutcome;
  /** The season's events, when `record` was set. */
  trajectory?: TrajectoryEvent[];
}

interface HonestGrant {
  proposal: Proposal;
  netValue: number;
}

export function runSeason(config: SeasonConfig, rng: Rng): SeasonResult {
  const sim = new GovernanceSimulation({
    protocol: config.protocol,
    population: config.population,
    shared: config.shared,
    rng: rng.stream('simulation'),
    treasury: { usd: config.treasuryUsd, token: 0 },
    market: config.market,
    attackerUsd: config.attackBudgetUsd,
    guardian: config.guardian,
    lateReaction: config.lateReaction,
  });
  const arrivals = rng.stream('arrivals');
  const sponsorship = config.sponsorship ?? 0;
  if (!(sponsorship >= 0 && sponsorship <= 1)) throw new RangeError(`sponsorship must be in [0, 1], got ${sponsorship}`);
  const stepBlocks = BLOCKS_PER_DAY / 4;
  const totalSteps = Math.round(config.days * 4);
  // Honest proposals: Poisson arrivals spread uniformly over the season's first 80 %.
  const count = poisson(arrivals, (config.proposalsPerMonth * config.days) / 30);
  const arrivalSteps = Array.from({ length: count }, () => Math.floor(arrivals.random() * totalSteps * 0.8)).sort((a, b) => a - b);
  const grants: HonestGrant[] = [];
  const proposers = proposerTable(sim);
  let blockedGoodValue = 0;
  const worthBefore = sim.market.netWorth(ATTACKER);
  const recorder = config.record ? new SeasonRecorder(sim) : undefined;
  const attacker = new ScriptedAttacker(sim, config, recorder);
  let next = 0;
  for (let step = 0; step < totalSteps; step++) {
    while (next < arrivalSteps.length && arrivalSteps[next]! <= step) {
      next++;
      const requestedUsd = Math.min(lognormal(arrivals, Math.log(config.treasuryUsd * 0.01), 0.8), config.treasuryUsd * 0.1);
      // Value multiple of cost: most grants are worth funding, some are not.
      const multiple = normal(arrivals, 1.4, 0.7);
      const signal = (multiple - 1) * 1.2 + normal(arrivals, 0, 0.5);
      // Honest proposers face the proposal threshold too: the author is an active member drawn in
      // proportion to voting power x participation; without enough votes the idea is never proposed.
      const proposer = proposers.sample(arrivals);
      const gap = sim.thresholdShortfall(proposer);
      const short = !sim.meetsThreshold(gap);
      // Below the threshold the author may canvass for the rest (sponsorship > 0); else the idea is dropped.
      const backers = short && sponsorship > 0 ? sim.canvass({ signal, attention: 1, streamKey: `arrival-${next - 1}`, gap: Math.max(gap, Number.MIN_VALUE), reach: sponsorship, exclude: proposer }) : undefined;
      if (short && backers === undefined) {
        blockedGoodValue += Math.max(0, requestedUsd * (multiple - 1));
        recorder?.blocked(Math.max(0, requestedUsd * (multiple - 1)), requestedUsd);
        continue;
      }
      const proposal = sim.propose({ kind: 'grant', proposer: 'honest', requestedUsd, trueValue: requestedUsd * multiple, signal, streamKey: `grant-${grants.length}`, backers });
      grants.push({ proposal, netValue: requestedUsd * (multiple - 1) });
      recorder?.proposed(proposal, requestedUsd, requestedUsd * (multiple - 1));
    }
    attacker.act(step);
    sim.advance(stepBlocks);
    sim.refreshAttackerVotes();
    recorder?.step();
  }
  attacker.unwind();
  recorder?.step();
  // Let proposals still in flight finish (no new arrivals): the season's decisions are counted.
  for (let extra = 0; extra < 4 * 60 && sim.proposals.some((p) => !FINAL_STATES.has(p.state)); extra++) {
    sim.advance(stepBlocks);
    recorder?.step();
  }
  sim.checkInvariants();

  let executedValue = 0;
  let failedGoodValue = blockedGoodValue;
  let goodValue = blockedGoodValue;
  let honestExecuted = 0;
  for (const { proposal, netValue } of grants) {
    if (netValue > 0) goodValue += netValue;
    if (proposal.state === 'executed') {
      honestExecuted++;
      const waitDays = (proposal.executedAt - proposal.createdAt) / BLOCKS_PER_DAY;
      const value = netValue - Math.abs(netValue) * config.delayCostPerDay * waitDays;
      executedValue += value;
    } else if (netValue > 0) {
      failedGoodValue += netValue;
    }
  }
  const attackLoss = attacker.proposal?.state === 'executed' ? attacker.proposal.paidUsd : 0;
  return {
    executedValue,
    failedGoodValue,
    goodValue,
    attackLoss,
    attackerProfit: sim.market.netWorth(ATTACKER) - worthBefore,
    attackSucceeded: attacker.proposal?.state === 'executed',
    honestProposals: grants.length,
    honestExecuted,
    score: (executedValue - failedGoodValue - attackLoss) / config.treasuryUsd,
    attack: attacker.outcome(totalSteps),
    ...(recorder === undefined ? {} : { trajectory: recorder.events }),
  };
}

/**
 * Records a season as it runs (SeasonConfig.record): honest ideas blocked, proposals made, each open proposal's
 * cumulative votes against its quorum at the end of every 6-hour step, state changes at their block (an
 * execution at its own block), the attacker's actions, and the treasury and price when they move.
 */
class SeasonRecorder {
  readonly events: TrajectoryEvent[] = [];
  private readonly states = new Map<number, string>();
  private lastTreasury = NaN;
  private lastPrice = NaN;

  constructor(private readonly sim: GovernanceSimulation) {
    this.market();
  }

  blocked(valueUsd: number, requestedUsd: number): void {
    const e = blankEvent(this.sim.block, 'blocked');
    e.proposer = 'honest';
    e.kind = 'grant';
    e.usd = valueUsd;
    e.detail = `an honest grant of ${usd(requestedUsd)} below the proposal threshold, never proposed`;
    this.events.push(e);
  }

  proposed(proposal: Proposal, requestedUsd: number, valueUsd: number | null): void {
    const e = this.proposalEvent(proposal, 'proposed', proposal.createdAt);
    e.usd = requestedUsd;
    e.valueUsd = valueUsd;
    this.events.push(e);
    this.states.set(proposal.id, proposal.state);
  }

  attacker(detail: string, tokens: number | null, spentUsd: number | null, proposal?: Proposal): void {
    const e = proposal === undefined ? blankEvent(this.sim.block, 'attacker') : this.proposalEvent(proposal, 'attacker', this.sim.block);
    e.proposer = 'attacker';
    e.tokens = tokens;
    e.usd = spentUsd;
    e.detail = detail;
    this.events.push(e);
  }

  /** After a step: state changes, the open proposals' tallies, the market. */
  step(): void {
    const sim = this.sim;
    for (const proposal of sim.proposals) {
      const before = this.states.get(proposal.id);
      if (before !== proposal.state) {
        const at = proposal.state === 'executed' ? proposal.executedAt : proposal.state === 'active' ? proposal.startBlock : Math.min(sim.block, Math.max(proposal.endBlock, proposal.startBlock));
        const e = this.proposalEvent(proposal, 'state', at);
        this.withTally(e, proposal);
        if (proposal.state === 'executed') e.usd = proposal.paidUsd;
        e.detail = `${before ?? 'new'} -> ${proposal.state}`;
        this.events.push(e);
        this.states.set(proposal.id, proposal.state);
      }
      if (proposal.state === 'active') {
        const e = this.proposalEvent(proposal, 'tally', sim.block);
        this.withTally(e, proposal);
        this.events.push(e);
      }
    }
    this.market();
  }

  private market(): void {
    const treasury = this.sim.ledger.balance(TREASURY, 'usd');
    const price = this.sim.market.price();
    if (treasury === this.lastTreasury && price === this.lastPrice) return;
    const e = blankEvent(this.sim.block, 'market');
    e.treasuryUsd = treasury;
    e.priceUsd = price;
    this.events.push(e);
    this.lastTreasury = treasury;
    this.lastPrice = price;
  }

  private proposalEvent(proposal: Proposal, event: TrajectoryEvent['event'], block: number): TrajectoryEvent {
    const e = blankEvent(block, event);
    e.proposal = proposal.id;
    e.proposer = proposal.proposer;
    e.kind = proposal.kind;
    e.state = proposal.state;
    return e;
  }

  private withTally(e: TrajectoryEvent, proposal: Proposal): void {
    e.forVotes = proposal.forVotes;
    e.againstVotes = proposal.againstVotes;
    e.abstainVotes = proposal.abstainVotes;
    // An open vote's quorum as it stands now; a closed one's as it was decided.
    e.quorumVotes = proposal.state === 'active' && this.sim.protocol.votingPower.kind !== 'conviction' ? this.sim.quorumVotes(proposal) : proposal.quorumVotes;
  }
}

/** Indices of the `count` members with the most voting power (ties: lower index first). */
export function largestHolders(power: ArrayLike<number>, count: number): number[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`coalitionSize must be a positive integer, got ${count}`);
  return Array.from({ length: power.length }, (_, i) => i)
    .sort((a, b) => power[b]! - power[a]! || a - b)
    .slice(0, count);
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Voting power x participation, in a plain loop (Float64Array.from with a map function goes through the iterator
 * protocol, many times slower). A function of its own: inside proposerTable, V8 compiled the loop on stack
 * replacement and threw the code away at the table lookup after it, on every season (2,466 times in the main
 * job), so each season paid a fresh optimising compile.
 */
function proposerWeights(power: Float64Array, participation: Float64Array): Float64Array {
  const weights = new Float64Array(power.length);
  for (let i = 0; i < power.length; i++) weights[i] = power[i]! * participation[i]!;
  return weights;
}

/** The last proposer table built for each population, with the weights it was built from. */
const proposerTables = new WeakMap<Population, { weights: Float64Array; table: AliasTable }>();

/**
 * Honest proposers' alias table (voting power x participation). A population's seasons share it: rebuilt
 * only when the weights differ from the ones the cached table was built from.
 */
function proposerTable(sim: GovernanceSimulation): AliasTable {
  const weights = proposerWeights(sim.memberPower, sim.population.participation);
  const cached = proposerTables.get(sim.population);
  if (cached !== undefined && sameValues(cached.weights, weights)) return cached.table;
  const table = new AliasTable(weights);
  proposerTables.set(sim.population, { weights, table });
  return table;
}

/** usd as people read it: "$1.2M", "$350k", "$12". */
function usd(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9) return `$${Number((value / 1e9).toPrecision(3))}B`;
  if (magnitude >= 1e6) return `$${Number((value / 1e6).toPrecision(3))}M`;
  if (magnitude >= 1e3) return `$${Number((value / 1e3).toPrecision(3))}k`;
  return `$${Number(value.toPrecision(3))}`;
}

/** The scripted strategies of the attacker baseline, on one drain proposal per season. */
class ScriptedAttacker {
  proposal: Proposal | undefined;
  private readonly startStep: number;
  /** Why the attack could not start (set on the attack day when it did not propose). */
  private refused: AttackOutcome | undefined;
  /** What the method did at vote time, for the outcome's reason. */
  private loans = { tried: 0, reverted: 0, noLiquidity: 0, counted: 0, loaned: 0, lastRevert: '' };
  private bribes = { bought: 0, cost: 0, members: 0, offered: 0, unaffordable: 0, budgetAtOffer: 0 };
  private thresholdBoughtUsd = 0;

  constructor(
    private readonly sim: GovernanceSimulation,
    private readonly config: SeasonConfig,
    private readonly recorder?: SeasonRecorder,
  ) {
    this.startStep = Math.round(config.attackDay * 4);
  }

  /** Runs `action` and, when recording, notes what it moved: tokens (held or owed) and dollars spent. */
  private noted<T>(detail: string, action: () => T, proposal?: Proposal): T {
    if (this.recorder === undefined) return action();
    const { sim } = this;
    const tokens = sim.attackerTokens() - sim.market.debtOf(ATTACKER);
    const held = sim.attackerTokens();
    const dollars = sim.ledger.balance(ATTACKER, 'usd');
    const weight = proposal?.attackerVotedWeight ?? 0;
    const result = action();
    const movedTokens = sim.attackerTokens() - held;
    const spent = dollars - sim.ledger.balance(ATTACKER, 'usd');
    const votes = (proposal?.attackerVotedWeight ?? 0) - weight;
    if (Math.abs(movedTokens) > 1e-6 || Math.abs(spent) > 1e-6 || votes !== 0) {
      const text = votes !== 0 ? `${detail}: ${formatTokens(votes)} votes For` : detail;
      this.recorder.attacker(text, votes !== 0 ? votes : movedTokens !== 0 ? movedTokens : tokens, spent !== 0 ? spent : null, proposal);
    }
    return result;
  }

  act(step: number): void {
    const { sim, config } = this;
    if (config.attack === 'none' || step < this.startStep) return;
    if (step === this.startStep) {
      this.start();
      return;
    }
    const proposal = this.proposal;
    if (proposal === undefined || proposal.state !== 'active') return;
    const market = sim.market;
    switch (config.attack) {
      case 'buy-and-vote':
      case 'borrow-and-vote':
      case 'sybil':
        this.noted('vote', () => sim.attackerVote(proposal, FOR), proposal);
        break;
      case 'late-vote':
        if (proposal.endBlock - sim.block <= BLOCKS_PER_DAY / 4) this.noted('vote late', () => sim.attackerVote(proposal, FOR), proposal);
        break;
      case 'flash-loan': {
        const tokens = market.availableToBorrow();
        this.loans.tried++;
        if (!(tokens > 0)) {
          this.loans.noLiquidity++;
          break;
        }
        let gained = 0;
        const result = this.noted(`flash loan of ${formatTokens(tokens)} tokens`, () => sim.flashLoan(tokens, () => {
          // What the loaned tokens add to the attacker's weight on this proposal (0 under a snapshot before the loan).
          gained = sim.attackerWeight(proposal) - sim.attackerWeight(proposal, sim.attackerTokens() - tokens);
          sim.attackerVote(proposal, FOR);
          sim.emergencyCommit(proposal);
          market.buyTokens(ATTACKER, tokens * market.config.flashLoanFee);
        }), proposal);
        if (!result.ok) {
          this.loans.reverted++;
          this.loans.lastRevert = result.reason;
        } else {
          this.loans.loaned = Math.max(this.loans.loaned, tokens);
          if (gained > 0) this.loans.counted++;
        }
        break;
      }
      case 'coalition':
        this.noted('sponsors vote', () => sim.sponsorsVote(proposal), proposal);
        break;
      case 'bribe':
        // The threshold tokens vote For at once; the bribes come half-way through the period.
        if (proposal.attackerVotedWeight === 0 && sim.attackerTokens() > 0) this.noted('vote', () => sim.attackerVote(proposal, FOR), proposal);
        if (sim.block - proposal.startBlock >= config.protocol.votingPeriod / 2) {
          const budget = sim.ledger.balance(ATTACKER, 'usd');
          this.bribes.offered++;
          this.bribes.budgetAtOffer = budget;
          const bought = sim.bribe(proposal, BRIBE_PRICE_SHARE * market.price(), budget);
          if (this.recorder !== undefined && bought.bought > 0) this.recorder.attacker(`bribe: ${formatTokens(bought.bought)} votes from ${bought.members} members`, bought.bought, bought.cost, proposal);
          this.bribes.bought += bought.bought;
          this.bribes.cost += bought.cost;
          this.bribes.members += bought.members;
          this.bribes.unaffordable = Math.max(this.bribes.unaffordable, bought.unaffordable);
        }
        break;
    }
  }

  /** The attack day: acquire the votes (and the threshold), then propose. */
  private start(): void {
    const { sim, config } = this;
    const market = sim.market;
    const attack = config.attack;
    if (attack === 'buy-and-vote' || attack === 'late-vote' || attack === 'sybil') {
      const budget = sim.ledger.balance(ATTACKER, 'usd');
      if (budget > 0) this.noted('buy', () => market.buy(ATTACKER, budget));
      if (attack === 'sybil') sim.sybilAccounts = SYBIL_SPLIT;
    }
    if (attack === 'borrow-and-vote') {
      const affordable = (sim.ledger.balance(ATTACKER, 'usd') * market.config.loanToValue) / market.price();
      const tokens = Math.min(market.availableToBorrow(), affordable * 0.98);
      if (tokens > 0) this.noted('borrow', () => market.borrow(ATTACKER, tokens));
      else if (!(market.availableToBorrow() > 0)) {
        this.refused = { outcome: 'no-liquidity', reason: 'the lending market had no tokens to lend' };
        return;
      }
    }
    // Drains come disguised as ordinary proposals (Compound 289's was pitched as an investment):
    // members see a mildly negative signal and fewer of them pay attention.
    const sponsors = attack === 'coalition' ? largestHolders(sim.memberPower, config.coalitionSize ?? DEFAULT_COALITION_SIZE) : undefined;
    // Short of the threshold, the attacker canvasses first: members fooled by the disguise lend it votes.
    const gap = sim.thresholdShortfall('attacker', sponsors);
    const sponsorship = config.sponsorship ?? 0;
    const backers = !sim.meetsThreshold(gap) && sponsorship > 0 ? sim.canvass({ signal: config.attackSignal, attention: config.attackAttention, streamKey: 'attack', gap: Math.max(gap, Number.MIN_VALUE), reach: sponsorship, exclude: -1 }) : undefined;
    // Strategies that do not spend their budget on tokens up front buy just the threshold's gap.
    if (!sim.meetsThreshold(gap) && backers === undefined && (attack === 'flash-loan' || attack === 'bribe' || attack === 'coalition')) {
      // A hair over the gap: Bravo wants strictly more votes than the threshold.
      const cost = market.costToBuy(Math.max(gap, 0) * 1.000001 + 1e-6) * 1.000001;
      if (Number.isFinite(cost) && cost <= sim.ledger.balance(ATTACKER, 'usd')) {
        this.noted('buy the proposal threshold', () => market.buy(ATTACKER, cost));
        this.thresholdBoughtUsd = cost;
      }
    }
    const result = sim.tryPropose({ kind: 'drain', proposer: 'attacker', requestedShare: config.attackShare, signal: config.attackSignal, attention: config.attackAttention, streamKey: 'attack', sponsors, backers });
    if ('refusal' in result) {
      const { needed, held } = result.refusal;
      const cost = market.costToBuy(needed);
      const price = Number.isFinite(cost) ? `buying it costs about ${usd(cost)}` : 'the AMM cannot supply it';
      const means = attack === 'borrow-and-vote' ? `borrowed ${formatTokens(sim.attackerTokens())}` : `budget ${usd(config.attackBudgetUsd)}`;
      const canvassed = sponsorship > 0 ? '; canvassing found too few backers' : '';
      this.refused = { outcome: 'could-not-propose', reason: `proposal threshold: needs ${formatTokens(needed)} tokens, had ${formatTokens(held)} (${means}; ${price}${canvassed})` };
      return;
    }
    this.proposal = result.proposal;
    this.recorder?.proposed(result.proposal, config.attackShare * sim.ledger.balance(TREASURY, 'usd'), null);
  }

  /** How the attack ended, once the season and its run-out are over. */
  outcome(totalSteps: number): AttackOutcome {
    const { config, sim } = this;
    if (config.attack === 'none') return { outcome: 'no-attack', reason: 'no attacker (honest baseline)' };
    if (this.startStep >= totalSteps) return { outcome: 'not-started', reason: `attack day ${config.attackDay} is after the season's ${config.days} days` };
    if (this.refused !== undefined) return this.refused;
    const proposal = this.proposal!;
    const loans = this.loans;
    const method = this.methodNote();
    switch (proposal.state) {
      case 'executed':
        return { outcome: 'executed', reason: `drained ${usd(proposal.paidUsd)} (${Number((proposal.requestedShare * 100).toPrecision(3))} % of the treasury)${method}` };
      case 'vetoed':
        return { outcome: 'vetoed', reason: `the vote passed; the guardian vetoed the queued drain${method}` };
      case 'cancelled':
        return { outcome: 'cancelled', reason: `the proposer fell below the proposal threshold before execution${method}` };
      case 'defeated': {
        const why = sim.defeatReason(proposal);
        if (config.attack === 'flash-loan') {
          if (loans.tried > 0 && loans.noLiquidity === loans.tried) return { outcome: 'no-liquidity', reason: `the lending market had no tokens to flash-borrow; ${why}` };
          if (loans.tried > 0 && loans.reverted === loans.tried) return { outcome: 'reverted', reason: `every flash loan reverted (${loans.lastRevert}); ${why}` };
          if (loans.tried > 0 && loans.counted === 0) {
            return { outcome: 'votes-not-counted', reason: `snapshot at block ${proposal.startBlock}, before the loan: ${formatTokens(loans.loaned)} flash-loaned tokens counted 0 votes; ${why}` };
          }
        }
        if (config.attack === 'bribe' && this.bribes.offered > 0 && this.bribes.bought === 0 && this.bribes.unaffordable > 0) {
          return { outcome: 'budget-exhausted', reason: `${this.bribes.unaffordable} members would sell their votes, but the threshold purchase (${usd(this.thresholdBoughtUsd)}) left ${usd(this.bribes.budgetAtOffer)}, too little for any of them; ${why}` };
        }
        // The outcome already says "defeated": the reason says which rule.
        return { outcome: 'defeated', reason: `${why.replace(/^defeated: /, '')}${method}` };
      }
      default:
        return { outcome: 'unresolved', reason: `still ${proposal.state} when the season's run-out ended` };
    }
  }

  /** What the method did, as a clause for a reason ("; bribes bought 1.2M votes from 40 members for $3M"). */
  private methodNote(): string {
    const { loans, bribes } = this;
    if (this.config.attack === 'flash-loan' && loans.tried > 0) {
      if (loans.counted === 0 && loans.reverted < loans.tried && loans.noLiquidity < loans.tried) return '; the flash-loaned tokens counted 0 votes (snapshot before the loan)';
      if (loans.reverted > 0) return `; ${loans.reverted} of ${loans.tried} flash loans reverted`;
    }
    if (this.config.attack === 'bribe' && bribes.offered > 0) return `; bribes bought ${formatTokens(bribes.bought)} votes from ${bribes.members} members for ${usd(bribes.cost)}`;
    return '';
  }

  /** After the season: sell tokens, repay loans. */
  unwind(): void {
    const { sim } = this;
    const market = sim.market;
    const owed = market.debtOf(ATTACKER);
    if (owed > 0) {
      const missing = owed - sim.attackerTokens();
      if (missing > 0) {
        const cost = market.costToBuy(missing) * 1.000001;
        if (Number.isFinite(cost) && cost <= sim.ledger.balance(ATTACKER, 'usd')) this.noted('buy back to repay', () => market.buy(ATTACKER, cost));
      }
      this.noted('repay the loan', () => market.repay(ATTACKER, owed));
    }
    const tokens = sim.attackerTokens();
    if (tokens > 0 && !(this.proposal && !FINAL_STATES.has(this.proposal.state))) this.noted('sell', () => market.sell(ATTACKER, tokens));
  }
}
