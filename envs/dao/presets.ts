/**
 * Real protocols as protocol configs: each value carries a comment naming the contract and constant it comes
 * from (checked against the upstream sources; test/envs/dao/presets.test.ts asserts every one), or says that
 * it is a deployment choice or a modelling assumption. Block counts are the contracts' own where the
 * contract counts blocks (Bravo, Aave v2's VOTING_DURATION); seconds in a contract are converted at 12 s a
 * block (7,200 a day).
 */
import { BLOCKS_PER_DAY, parseProtocol, type Protocol, type ProtocolInput } from './protocol.ts';

export interface Preset {
  protocol: ProtocolInput;
  /** Token supply the absolute numbers refer to. */
  supply: number;
  notes: string;
}

const day = BLOCKS_PER_DAY;

export const PRESETS: Record<string, Preset> = {
  'oz-governor': {
    supply: 10_000_000,
    protocol: {
      name: 'oz-governor',
      votingDelay: 7200, // OZ Contracts Wizard / governance guide default: votingDelay 1 day = 7,200 blocks
      votingPeriod: 50400, // OZ guide default: votingPeriod 1 week = 50,400 blocks
      quorum: { kind: 'fraction', fraction: 0.04 }, // GovernorVotesQuorumFraction(4): quorumNumerator 4 of 100
      quorumCounts: 'for+abstain', // GovernorCountingSimple._quorumReached: forVotes + abstainVotes
      majority: { kind: 'simple' },
      snapshot: 'start', // GovernorVotes: weight at proposalSnapshot = creation + votingDelay
      timelock: 2 * day, // TimelockController minDelay: a deployment choice (2 days here, as Compound's Timelock MINIMUM_DELAY)
      gracePeriod: 0, // TimelockController has no grace period: a ready operation never expires
      proposalThreshold: 0, // Governor.proposalThreshold() default 0
      proposalThresholdRule: 'at-least', // Governor.propose: getVotes(proposer) >= proposalThreshold()
    },
    notes: 'OpenZeppelin guide defaults; the timelock delay is a deployment choice (2 days here); TimelockController has no expiry (gracePeriod 0).',
  },
  'compound-bravo': {
    supply: 10_000_000,
    protocol: {
      name: 'compound-bravo',
      votingDelay: 13140, // GovernorBravoDelegator storage votingDelay on mainnet (within MIN_VOTING_DELAY 1 - MAX_VOTING_DELAY 40,320)
      votingPeriod: 19710, // storage votingPeriod on mainnet (within MIN_VOTING_PERIOD 5,760 - MAX_VOTING_PERIOD 80,640)
      quorum: { kind: 'absolute', votes: 400_000 }, // GovernorBravoDelegate.quorumVotes = 400000e18 (4 % of 10M COMP)
      quorumCounts: 'for', // GovernorBravoDelegate.state: forVotes < quorumVotes -> Defeated
      majority: { kind: 'simple' }, // state: forVotes <= againstVotes -> Defeated
      snapshot: 'start', // castVoteInternal: comp.getPriorVotes(voter, proposal.startBlock)
      timelock: 2 * day, // Timelock.delay on mainnet = MINIMUM_DELAY = 2 days (172,800 s)
      gracePeriod: 14 * day, // Timelock.GRACE_PERIOD = 14 days
      proposalThreshold: 25_000 / 10_000_000, // storage proposalThreshold 25,000e18 COMP on mainnet (MIN_PROPOSAL_THRESHOLD 1,000e18)
      proposalThresholdRule: 'above', // GovernorBravoDelegate.propose: getPriorVotes(msg.sender, block - 1) > proposalThreshold
    },
    notes: 'Compound GovernorBravoDelegate with its mainnet storage (votingDelay 13,140, votingPeriod 19,710 blocks, proposalThreshold 25,000 COMP) and Timelock (2-day delay, 14-day grace).',
  },
  'uniswap-alpha': {
    supply: 1_000_000_000,
    protocol: {
      name: 'uniswap-alpha',
      votingDelay: 1, // Uniswap GovernorAlpha.votingDelay() = 1 block
      votingPeriod: 40320, // GovernorAlpha.votingPeriod() = 40,320 blocks
      quorum: { kind: 'absolute', votes: 40_000_000 }, // GovernorAlpha.quorumVotes() = 40,000,000e18 (4 % of 1B UNI)
      quorumCounts: 'for', // GovernorAlpha.state: forVotes < quorumVotes() -> Defeated
      majority: { kind: 'simple' }, // state: forVotes <= againstVotes -> Defeated
      snapshot: 'start', // castVote: uni.getPriorVotes(voter, proposal.startBlock)
      timelock: 2 * day, // Timelock (Compound's) delay 2 days = MINIMUM_DELAY
      gracePeriod: 14 * day, // Timelock.GRACE_PERIOD = 14 days
      proposalThreshold: 0.01, // GovernorAlpha.proposalThreshold() = 10,000,000e18 (1 % of UNI)
      proposalThresholdRule: 'above', // GovernorAlpha.propose: getPriorVotes(msg.sender, block - 1) > proposalThreshold()
    },
    notes: 'GovernorAlpha counts For votes toward quorum; timelock 2 days as the Compound timelock it reuses.',
  },
  nouns: {
    supply: 800,
    protocol: {
      name: 'nouns',
      votingDelay: 3 * day, // modelling assumption, not checked against a contract: Nouns sets votingDelay by governance
      votingPeriod: 4 * day, // modelling assumption, not checked against a contract: Nouns sets votingPeriod by governance
      quorum: { kind: 'nouns', minBps: 1000, maxBps: 1500, coefficient: 1_000_000 }, // NounsDAOV3DynamicQuorum params: minQuorumVotesBPS 1,000, maxQuorumVotesBPS 1,500, quorumCoefficient 1e6 (domain.md's common settings)
      quorumCounts: 'for', // NounsDAOV3DynamicQuorum: forVotes < quorumVotes -> Defeated
      majority: { kind: 'simple' }, // forVotes <= againstVotes -> Defeated
      snapshot: 'start', // modelling assumption: Nouns V3 reads votes at the proposal's creation block - 1 (not checked here)
      timelock: 2 * day, // NounsDAOExecutor delay: modelling assumption (2 days), not checked against mainnet storage
      gracePeriod: 21 * day, // modelling assumption, not checked against NounsDAOExecutor.GRACE_PERIOD
      proposalThreshold: 0.0025, // modelling assumption (proposalThresholdBPS 25), not checked against mainnet storage
      guardianVeto: true, // NounsDAOV3 vetoer: the vetoer may veto any proposal before execution
    },
    notes: 'Dynamic quorum as in NounsDAOV3DynamicQuorum; delay, period, timelock, grace and threshold are modelling assumptions, not checked against Nouns mainnet storage.',
  },
  'aave-short': {
    supply: 16_000_000,
    protocol: {
      name: 'aave-short',
      votingDelay: 7200, // AaveGovernanceV2.setVotingDelay(7200) by the 2022 level-2 update (ProposalPayloadNewLongExecutor.VOTING_DELAY), governance-wide
      votingPeriod: 19200, // short Executor VOTING_DURATION = 19,200 blocks (about 3 days at the 13.5 s blocks of 2020)
      quorum: { kind: 'fraction', fraction: 0.02 }, // short Executor MINIMUM_QUORUM = 200 bps
      quorumCounts: 'for', // ProposalValidator.isQuorumValid: forVotes >= getMinimumVotingPowerNeeded
      majority: { kind: 'differential', differentialBps: 50 }, // short Executor VOTE_DIFFERENTIAL = 50 bps (strictly above: isVoteDifferentialValid)
      snapshot: 'start', // AaveGovernanceV2.submitVote: voting power at proposal.startBlock
      timelock: 1 * day, // short Executor delay = 86,400 s
      gracePeriod: 5 * day, // short Executor GRACE_PERIOD = 432,000 s
      proposalThreshold: 0.005, // short Executor PROPOSITION_THRESHOLD = 50 bps
      proposalThresholdRule: 'at-least', // ProposalValidator.isPropositionPowerEnough: power >= getMinimumPropositionPowerNeeded
    },
    notes: 'Aave governance v2 short executor (level 1), with the governance-wide 7,200-block voting delay of the 2022 level-2 update.',
  },
  'aave-long': {
    supply: 16_000_000,
    protocol: {
      name: 'aave-long',
      votingDelay: 7200, // AaveGovernanceV2.setVotingDelay(7200): ProposalPayloadNewLongExecutor.VOTING_DELAY (bgd-labs aave-gov-level-2-update)
      votingPeriod: 64000, // long Executor VOTING_DURATION = 64,000 blocks (DeployGovLvl2Proposals.s.sol)
      quorum: { kind: 'fraction', fraction: 0.065 }, // long Executor MINIMUM_QUORUM = 650 bps (2022 update)
      quorumCounts: 'for', // ProposalValidator.isQuorumValid: forVotes >= getMinimumVotingPowerNeeded
      majority: { kind: 'differential', differentialBps: 650 }, // long Executor VOTE_DIFFERENTIAL = 650 bps (2022 update; strictly above)
      snapshot: 'start', // AaveGovernanceV2.submitVote: voting power at proposal.startBlock
      timelock: 7 * day, // long Executor DELAY = 604,800 s
      gracePeriod: 5 * day, // long Executor GRACE_PERIOD = 432,000 s
      proposalThreshold: 0.0125, // long Executor PROPOSITION_THRESHOLD = 125 bps (2022 update)
      proposalThresholdRule: 'at-least', // ProposalValidator.isPropositionPowerEnough: power >= getMinimumPropositionPowerNeeded
    },
    notes: 'Aave governance v2 long executor (level 2) as redeployed by the October 2022 level-2 update (bgd-labs aave-gov-level-2-update).',
  },
  moloch: {
    supply: 10_000,
    protocol: {
      name: 'moloch',
      votingDelay: 0, // modelling assumption: Moloch v1 queues proposals into periods, without a separate delay
      votingPeriod: 7 * day, // Moloch v1 deployment: votingPeriodLength 35 periods of 4.8 h (domain.md: 7 days)
      quorum: { kind: 'none' }, // Moloch v1 has no quorum
      quorumCounts: 'for',
      majority: { kind: 'simple' }, // processProposal: yesVotes > noVotes
      snapshot: 'current', // shares vote as held: no snapshot
      timelock: 7 * day, // Moloch v1 deployment: gracePeriodLength 35 periods (7 days), modelled as the delay before execution
      gracePeriod: 0,
      ragequit: true, // Moloch.ragequit: members who voted No may leave during the grace period
    },
    notes: 'Moloch v1: shares vote (no snapshot), yes > no, then a grace period in which No voters may ragequit.',
  },
  '1hive-conviction': {
    supply: 1_000_000,
    protocol: {
      name: '1hive-conviction',
      // 1Hive conviction-voting-app test/conviction-voting.js: DEFAULT_ALPHA 0.9, DEFAULT_BETA 0.2, DEFAULT_RHO 0.002,
      // MIN_THRESHOLD_STAKE_PERCENTAGE 0.2; its threshold is rho S / (1 - a) / (beta - r/R)^2 (rules.ts). The app
      // decays per block; one conviction update a day here (periodBlocks), a modelling choice.
      votingPower: { kind: 'conviction', decay: 0.9, maxRatio: 0.2, weight: 0.002, minStakeShare: 0.2, periodBlocks: day },
      votingDelay: 0, // conviction voting has no delay: stake accrues from the proposal's creation
      votingPeriod: 60 * day, // modelling assumption: how long a proposal may stay open (the app has no end)
      quorum: { kind: 'none' }, // conviction's threshold replaces a quorum
      majority: { kind: 'simple' },
      snapshot: 'current', // staked tokens count as staked now
      timelock: 0, // executeProposal runs once conviction passes the threshold
      gracePeriod: 0,
    },
    notes: '1Hive conviction voting with its contract tests\' settings (a = 0.9, beta = 0.2, rho = 0.002, stake floor 20 % of supply), one conviction update a day; votingPeriod is how long a proposal may stay open.',
  },
  'beanstalk-2022': {
    supply: 10_000_000,
    protocol: {
      name: 'beanstalk-2022',
      votingDelay: 0, // Beanstalk GovernanceFacet.propose: voting starts at once
      votingPeriod: 7 * day, // Beanstalk BIP period: 7 days (domain.md; GovernanceFacet's period in Seasons of 1 h: 168)
      snapshot: 'current', // Beanstalk 2022 counted Stalk at the current balance; deposits minted Stalk at once (domain.md)
      quorum: { kind: 'fraction', fraction: 0.5 }, // commit: a BIP passes at the end with a majority of all Stalk
      quorumCounts: 'for',
      majority: { kind: 'simple' },
      timelock: 0, // no timelock: the exploit's emergencyCommit executed in the same transaction
      gracePeriod: 0,
      emergencyCommit: { afterBlocks: 1 * day, fraction: 2 / 3 }, // GovernanceFacet.emergencyCommit: after 24 h with >= 2/3 of Stalk (domain.md)
    },
    notes: 'Beanstalk BIPs as of 17 April 2022: a BIP passed with a majority of all Stalk at the end of 7 days, or at once via emergencyCommit after 24 h with 2/3 of Stalk.',
  },
  'build-finance-2022': {
    supply: 1_000_000,
    protocol: {
      name: 'build-finance-2022',
      votingDelay: 1, // modelling assumption (the Build Finance governor's numbers are not public in domain.md)
      votingPeriod: 3 * day, // modelling assumption
      snapshot: 'start', // modelling assumption
      quorum: { kind: 'absolute', votes: 10_000 }, // modelling assumption: a low absolute quorum (1 % of supply), the incident's weakness
      quorumCounts: 'for',
      majority: { kind: 'simple' },
      timelock: 0, // no timelock: the attacker's proposal executed at once (domain.md)
      gracePeriod: 0,
    },
    notes: 'A token-weighted simple-majority DAO with a low absolute quorum (1 % of supply) and no timelock; the exact Build Finance governor numbers are not public in domain.md, so these are modelling assumptions.',
  },
};

export function presetNames(): string[] {
  return Object.keys(PRESETS).sort();
}

/** A preset's validated protocol; unknown names get a clear error listing the valid ones. */
export function presetProtocol(name: string, overrides: Partial<ProtocolInput> = {}): Protocol {
  const preset = PRESETS[name];
  if (preset === undefined) throw new RangeError(`unknown preset '${name}'; valid presets: ${presetNames().join(', ')}`);
  return parseProtocol({ ...preset.protocol, ...overrides });
}
