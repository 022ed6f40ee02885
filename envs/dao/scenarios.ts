/**
 * Real incidents replayed in the simulator, each with the rule change that blocks it
 * (../shared/docs/domain.md, "Incidents to reproduce"). Each returns what happened and what it cost.
 */
import { Rng } from '../../lib/rng.ts';
import { ATTACKER, GovernanceSimulation, TREASURY, type Proposal } from './governance.ts';
import { allocatePopulation, defaultPopulation, type Population } from './population.ts';
import { BLOCKS_PER_DAY, parseProtocol, type ProtocolInput } from './protocol.ts';
import { PRESETS } from './presets.ts';

export interface ScenarioResult {
  /** Final state of the attack proposal. */
  state: Proposal['state'];
  /** usd value that left the treasury to the attacker. */
  drainedUsd: number;
  /** Change in the attacker's net worth (liquidation value), usd. */
  attackerProfit: number;
  /** Attacker weight as a share of all votes it could face (vote supply) when it voted. */
  attackerVoteShare: number;
  forVotes: number;
  againstVotes: number;
  /** Honest votes cast on the attack proposal as a share of supply. */
  honestTurnout: number;
}

function summarise(sim: GovernanceSimulation, proposal: Proposal, worthBefore: number, treasuryBefore: number, voteShare: number): ScenarioResult {
  const honest = proposal.forVotes + proposal.againstVotes + proposal.abstainVotes - proposal.attackerVotedWeight;
  return {
    state: proposal.state,
    drainedUsd: proposal.proposer === 'attacker' && proposal.state === 'executed' ? treasuryBefore - sim.ledger.balance(TREASURY, 'usd') : 0,
    attackerProfit: sim.market.netWorth(ATTACKER) - worthBefore,
    attackerVoteShare: voteShare,
    forVotes: proposal.forVotes,
    againstVotes: proposal.againstVotes,
    honestTurnout: honest / sim.tokenSupply(),
  };
}

export type BeanstalkFix = 'none' | 'snapshot' | 'timelock';

/**
 * Beanstalk, 17 April 2022. The attacker proposes a drain (BIP-18), waits the 24 h emergencyCommit
 * requires, then in one transaction flash-borrows enough governance tokens (Stalk in the real attack,
 * minted at once from deposits of borrowed funds) to hold ~79 % of votes, votes, commits, receives the
 * $182M treasury, buys the loan fee and repays. Fixes: weight snapshotted at proposal creation, or a
 * timelock (no same-block execution).
 */
export function beanstalkScenario(fix: BeanstalkFix = 'none', seed = 0): ScenarioResult {
  const rng = Rng.create(seed);
  const base = PRESETS['beanstalk-2022']!.protocol;
  const overrides: Partial<ProtocolInput> = fix === 'snapshot' ? { snapshot: 'creation' } : fix === 'timelock' ? { timelock: BLOCKS_PER_DAY } : {};
  const protocol = parseProtocol({ ...base, ...overrides });
  const sim = new GovernanceSimulation({
    protocol,
    population: defaultPopulation(2000, rng.stream('population'), { supply: 1_500_000, idleShare: 0.2 }),
    rng: rng.stream('simulation'),
    treasury: { usd: 182_000_000, token: 0 },
    market: { ammToken: 500_000, ammUsd: 500_000, lendingToken: 7_600_000, flashLoanFee: 0.0009 },
    attackerUsd: 100_000,
  });
  const worthBefore = sim.market.netWorth(ATTACKER);
  const treasuryBefore = sim.ledger.balance(TREASURY, 'usd');
  const proposal = sim.propose({ kind: 'drain', proposer: 'attacker', requestedShare: 1, signal: -2, attention: 0.3 });
  sim.advance(BLOCKS_PER_DAY + 1);
  let voteShare = 0;
  const loan = sim.market.availableToBorrow();
  sim.flashLoan(loan, () => {
    const weight = sim.attackerVote(proposal);
    voteShare = weight / sim.tokenSupply();
    sim.emergencyCommit(proposal);
    // Pay the loan fee out of whatever the attacker holds now.
    const fee = loan * sim.market.config.flashLoanFee;
    sim.market.buyTokens(ATTACKER, fee);
  });
  sim.advance(8 * BLOCKS_PER_DAY);
  sim.checkInvariants();
  return summarise(sim, proposal, worthBefore, treasuryBefore, voteShare);
}

export type BuildFinanceFix = 'none' | 'supply-quorum' | 'timelock-veto';

/**
 * Build Finance, February 2022. Few members were watching (the attacker had disabled the community's
 * alerts); the attacker bought tokens on the market, proposed handing over the treasury, and voted;
 * the honest Against votes were too few. Fixes: a quorum as a share of supply (10 % of supply in For
 * votes), or a timelock with a guardian veto.
 */
export function buildFinanceScenario(fix: BuildFinanceFix = 'none', seed = 0, attackerBudgetUsd = 1_500_000): ScenarioResult {
  const rng = Rng.create(seed);
  const base = PRESETS['build-finance-2022']!.protocol;
  const overrides: Partial<ProtocolInput> =
    fix === 'supply-quorum' ? { quorum: { kind: 'fraction', fraction: 0.1 } } : fix === 'timelock-veto' ? { timelock: 2 * BLOCKS_PER_DAY, guardianVeto: true } : {};
  const sim = new GovernanceSimulation({
    protocol: parseProtocol({ ...base, ...overrides }),
    population: defaultPopulation(2000, rng.stream('population'), { supply: 800_000, idleShare: 0.3 }),
    rng: rng.stream('simulation'),
    treasury: { usd: 470_000, token: 0 },
    market: { ammToken: 200_000, ammUsd: 4_000_000, lendingToken: 0 },
    attackerUsd: attackerBudgetUsd,
    guardian: { detection: 1, falseVeto: 0 },
  });
  const worthBefore = sim.market.netWorth(ATTACKER);
  const treasuryBefore = sim.ledger.balance(TREASURY, 'usd');
  sim.market.buy(ATTACKER, attackerBudgetUsd);
  const proposal = sim.propose({ kind: 'drain', proposer: 'attacker', requestedShare: 1, signal: -2, attention: 0.15 });
  sim.advance(2);
  const weight = sim.attackerVote(proposal);
  sim.advance(3 * BLOCKS_PER_DAY);
  sim.advance(3 * BLOCKS_PER_DAY);
  sim.checkInvariants();
  return summarise(sim, proposal, worthBefore, treasuryBefore, weight / sim.tokenSupply());
}

export type Compound289Fix = 'none' | 'supermajority';

/**
 * Compound proposal 289, July 2024: a coordinated whale group passed a grant of 499,000 COMP (~5 % of
 * the treasury) to its own vault, 682,191 For vs 633,636 Against. The votes are replayed exactly; the
 * fix is a 60 % supermajority for proposals that move treasury funds.
 */
export function compound289Scenario(fix: Compound289Fix = 'none'): ScenarioResult & { grantUsd: number } {
  const forVotes = 682_191;
  const againstVotes = 633_636;
  const coalition = [300_000, 250_000, 132_191];
  const opponents = [200_000, 150_000, 100_000, 90_000, 50_000, 43_636];
  const population: Population = allocatePopulation(coalition.length + opponents.length + 1);
  const idle = 10_000_000 - forVotes - againstVotes;
  [...coalition, ...opponents, idle].forEach((votes, i) => {
    population.balance[i] = votes;
    population.delegate[i] = i < coalition.length + opponents.length ? i : -1;
    population.participation[i] = i < coalition.length + opponents.length ? 1 : 0;
    population.alignment[i] = i < coalition.length ? 10 : -10;
    population.timing[i] = (i + 1) / 20;
    population.corruptibility[i] = 1e9;
  });
  const price = 50;
  const grantUsd = 499_000 * price;
  const protocol = parseProtocol({ ...PRESETS['compound-bravo']!.protocol, ...(fix === 'supermajority' ? { treasurySupermajority: 0.6 } : {}) });
  const sim = new GovernanceSimulation({
    protocol,
    population,
    rng: Rng.create(289),
    treasury: { usd: grantUsd / 0.05, token: 0 },
    market: { ammToken: 100_000, ammUsd: 100_000 * price, lendingToken: 0 },
    judgementNoise: 0,
  });
  const treasuryBefore = sim.ledger.balance(TREASURY, 'usd');
  const proposal = sim.propose({ kind: 'grant', proposer: 'honest', requestedUsd: grantUsd, trueValue: -grantUsd, signal: 0 });
  sim.advance(protocol.votingDelay + protocol.votingPeriod + 1);
  sim.advance(protocol.timelock + 1);
  sim.checkInvariants();
  if (Math.abs(proposal.forVotes - forVotes) > 1e-6 || Math.abs(proposal.againstVotes - againstVotes) > 1e-6) {
    throw new Error(`Compound 289 replay counted ${proposal.forVotes} For / ${proposal.againstVotes} Against`);
  }
  return {
    state: proposal.state,
    drainedUsd: treasuryBefore - sim.ledger.balance(TREASURY, 'usd'),
    attackerProfit: 0,
    attackerVoteShare: forVotes / (forVotes + againstVotes),
    forVotes: proposal.forVotes,
    againstVotes: proposal.againstVotes,
    honestTurnout: (proposal.forVotes + proposal.againstVotes) / sim.tokenSupply(),
    grantUsd,
  };
}

/** A replayed incident: what happened, what the real one cost, and the rule changes that block it. */
export interface ScenarioDefinition {
  name: string;
  title: string;
  /** What happened, in a sentence. */
  story: string;
  /** What the real incident cost or counted (the figure the replay is held to). */
  real: string;
  /** The rule changes tried, each with what it sets; 'none' is the protocol as deployed. */
  fixes: Record<string, string>;
  run(fix: string): ScenarioResult;
}

export const SCENARIOS: readonly ScenarioDefinition[] = [
  {
    name: 'beanstalk',
    title: 'Beanstalk, 17 April 2022',
    story: 'a flash loan bought ~79 % of the votes for one transaction; emergencyCommit executed the drain after 24 h',
    real: '$182M drained from the treasury (the attacker netted about $76-80M after swapping what it took; the model pays the treasury out in dollars)',
    fixes: { none: 'as deployed: weight at the current balance, emergencyCommit with 2/3 after 24 h', snapshot: 'vote weight snapshotted at proposal creation', timelock: 'a one-day timelock (no same-block execution)' },
    run: (fix) => beanstalkScenario(fix as BeanstalkFix),
  },
  {
    name: 'build-finance',
    title: 'Build Finance DAO, February 2022',
    story: 'with few members watching, the attacker bought tokens, proposed handing over the treasury and voted it through',
    real: 'about $470k taken',
    fixes: { none: 'as deployed: a quorum of 1 % of supply, no timelock', 'supply-quorum': 'a quorum of 10 % of supply in For votes', 'timelock-veto': 'a two-day timelock with a guardian veto' },
    run: (fix) => buildFinanceScenario(fix as BuildFinanceFix),
  },
  {
    name: 'compound-289',
    title: 'Compound proposal 289, July 2024',
    story: 'a coordinated whale group passed a grant of 499,000 COMP (~5 % of the treasury) to its own vault; the votes are replayed exactly',
    real: '682,191 For against 633,636 Against: passed',
    fixes: { none: "as deployed: Compound Governor Bravo's simple majority", supermajority: 'a 60 % supermajority for proposals that move treasury funds' },
    run: (fix) => compound289Scenario(fix as Compound289Fix),
  },
];
