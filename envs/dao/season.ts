/**
 * A governance season: honest grant proposals arriving over time, each with a hidden value and a noisy
 * public signal, plus a scripted attacker, all under one protocol. Used by dao/ProtocolDesign-v0 (and
 * by experiments) to score a protocol on welfare and on losses to attacks.
 */
import { AliasTable, lognormal, normal, poisson } from '../../lib/distributions.ts';
import type { Rng } from '../../lib/rng.ts';
import { ATTACKER, FINAL_STATES, GovernanceSimulation, type GuardianConfig, type Proposal, type SharedPopulationData } from './governance.ts';
import type { MarketConfig } from './market.ts';
import type { Population } from './population.ts';
import type { Protocol } from './protocol.ts';
import { BLOCKS_PER_DAY } from './protocol.ts';
import { FOR } from './tally.ts';

/**
 * Scripted strategies. `coalition` is an insider attack (Compound 289): the population's largest holders
 * (`coalitionSize` of them, by voting power) back a drain to themselves and vote For; no tokens are bought.
 */
export const ATTACK_STRATEGIES = ['none', 'buy-and-vote', 'flash-loan', 'bribe', 'late-vote', 'borrow-and-vote', 'coalition'] as const;
export type AttackStrategy = (typeof ATTACK_STRATEGIES)[number];
/** How many of the largest holders collude in the `coalition` strategy unless told. */
export const DEFAULT_COALITION_SIZE = 3;

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
}

export interface SeasonResult {
  /** Net value (hidden value - cost) of executed honest proposals, usd. */
  executedValue: number;
  /** Net value of good honest proposals that did not execute, usd (counted as a loss). */
  failedGoodValue: number;
  /** usd taken from the treasury by the attacker. */
  attackLoss: number;
  attackerProfit: number;
  attackSucceeded: boolean;
  honestProposals: number;
  honestExecuted: number;
  /** (executedValue - failedGoodValue - attackLoss) / treasury. */
  score: number;
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
  const attacker = new ScriptedAttacker(sim, config);
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
      // Below the threshold the author may canvass for the rest (sponsorship > 0); else the idea is dropped.
      const backers = gap > 0 && sponsorship > 0 ? sim.canvass({ signal, attention: 1, streamKey: `arrival-${next - 1}`, gap, reach: sponsorship, exclude: proposer }) : undefined;
      if (gap > 0 && backers === undefined) {
        blockedGoodValue += Math.max(0, requestedUsd * (multiple - 1));
        continue;
      }
      const proposal = sim.propose({ kind: 'grant', proposer: 'honest', requestedUsd, trueValue: requestedUsd * multiple, signal, streamKey: `grant-${grants.length}`, backers });
      grants.push({ proposal, netValue: requestedUsd * (multiple - 1) });
    }
    attacker.act(step);
    sim.advance(stepBlocks);
    sim.refreshAttackerVotes();
  }
  attacker.unwind();
  // Let proposals still in flight finish (no new arrivals): the season's decisions are counted.
  for (let extra = 0; extra < 4 * 60 && sim.proposals.some((p) => !FINAL_STATES.has(p.state)); extra++) sim.advance(stepBlocks);
  sim.checkInvariants();

  let executedValue = 0;
  let failedGoodValue = blockedGoodValue;
  let honestExecuted = 0;
  for (const { proposal, netValue } of grants) {
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
    attackLoss,
    attackerProfit: sim.market.netWorth(ATTACKER) - worthBefore,
    attackSucceeded: attacker.proposal?.state === 'executed',
    honestProposals: grants.length,
    honestExecuted,
    score: (executedValue - failedGoodValue - attackLoss) / config.treasuryUsd,
  };
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

/** The last proposer table built for each population, with the weights it was built from. */
const proposerTables = new WeakMap<Population, { weights: Float64Array; table: AliasTable }>();

/**
 * Honest proposers' alias table (voting power x participation). A population's seasons share it: rebuilt
 * only when the weights differ from the ones the cached table was built from.
 */
function proposerTable(sim: GovernanceSimulation): AliasTable {
  const { participation } = sim.population;
  const power = sim.memberPower;
  // A plain loop: Float64Array.from with a map function goes through the iterator protocol, many times slower.
  const weights = new Float64Array(power.length);
  for (let i = 0; i < power.length; i++) weights[i] = power[i]! * participation[i]!;
  const cached = proposerTables.get(sim.population);
  if (cached !== undefined && sameValues(cached.weights, weights)) return cached.table;
  const table = new AliasTable(weights);
  proposerTables.set(sim.population, { weights, table });
  return table;
}

/** The scripted strategies of the attacker baseline, on one drain proposal per season. */
class ScriptedAttacker {
  proposal: Proposal | undefined;
  private readonly startStep: number;

  constructor(
    private readonly sim: GovernanceSimulation,
    private readonly config: SeasonConfig,
  ) {
    this.startStep = Math.round(config.attackDay * 4);
  }

  act(step: number): void {
    const { sim, config } = this;
    if (config.attack === 'none' || step < this.startStep) return;
    const market = sim.market;
    if (step === this.startStep) {
      if (config.attack === 'buy-and-vote' || config.attack === 'late-vote') market.buy(ATTACKER, sim.ledger.balance(ATTACKER, 'usd'));
      if (config.attack === 'borrow-and-vote') {
        const affordable = (sim.ledger.balance(ATTACKER, 'usd') * market.config.loanToValue) / market.price();
        const tokens = Math.min(market.availableToBorrow(), affordable * 0.98);
        if (tokens > 0) market.borrow(ATTACKER, tokens);
      }
      try {
        // Drains come disguised as ordinary proposals (Compound 289's was pitched as an investment):
        // members see a mildly negative signal and fewer of them pay attention.
        const sponsors = config.attack === 'coalition' ? largestHolders(sim.memberPower, config.coalitionSize ?? DEFAULT_COALITION_SIZE) : undefined;
        // Short of the threshold, the attacker canvasses too: members fooled by the disguise lend it votes.
        const gap = sim.thresholdShortfall('attacker', sponsors);
        const sponsorship = config.sponsorship ?? 0;
        const backers = gap > 0 && sponsorship > 0 ? sim.canvass({ signal: config.attackSignal, attention: config.attackAttention, streamKey: 'attack', gap, reach: sponsorship, exclude: -1 }) : undefined;
        this.proposal = sim.propose({ kind: 'drain', proposer: 'attacker', requestedShare: config.attackShare, signal: config.attackSignal, attention: config.attackAttention, streamKey: 'attack', sponsors, backers });
      } catch {
        this.proposal = undefined; // below the proposal threshold: no attack this season
      }
      return;
    }
    const proposal = this.proposal;
    if (proposal === undefined || proposal.state !== 'active') return;
    switch (config.attack) {
      case 'buy-and-vote':
      case 'borrow-and-vote':
        sim.attackerVote(proposal, FOR);
        break;
      case 'late-vote':
        if (proposal.endBlock - sim.block <= BLOCKS_PER_DAY / 4) sim.attackerVote(proposal, FOR);
        break;
      case 'flash-loan': {
        const tokens = market.availableToBorrow();
        sim.flashLoan(tokens, () => {
          sim.attackerVote(proposal, FOR);
          sim.emergencyCommit(proposal);
          market.buy(ATTACKER, market.costToBuy(tokens * market.config.flashLoanFee) * 1.000001);
        });
        break;
      }
      case 'coalition':
        sim.sponsorsVote(proposal);
        break;
      case 'bribe':
        if (sim.block - proposal.startBlock >= config.protocol.votingPeriod / 2) sim.bribe(proposal, 0.3 * market.price(), sim.ledger.balance(ATTACKER, 'usd'));
        break;
    }
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
        if (Number.isFinite(cost) && cost <= sim.ledger.balance(ATTACKER, 'usd')) market.buy(ATTACKER, cost);
      }
      market.repay(ATTACKER, owed);
    }
    const tokens = sim.attackerTokens();
    if (tokens > 0 && !(this.proposal && !FINAL_STATES.has(this.proposal.state))) market.sell(ATTACKER, tokens);
  }
}
