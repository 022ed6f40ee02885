/**
 * Real protocols as protocol configs. Parameters marked (domain.md) are the published values listed in
 * ../shared/docs/domain.md with their sources; the others are the deployments' usual settings and are
 * named as such in `notes`. Blocks are 12 s (7,200 a day).
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
      votingDelay: 7200, // (domain.md) 1 day
      votingPeriod: 50400, // (domain.md) 1 week
      quorum: { kind: 'fraction', fraction: 0.04 }, // (domain.md) GovernorVotesQuorumFraction 4
      quorumCounts: 'for+abstain', // (domain.md) GovernorCountingSimple
      majority: { kind: 'simple' },
      snapshot: 'start',
      timelock: 2 * day, // TimelockController minDelay is set at deployment; 2 days as Compound-style timelocks
      gracePeriod: 0,
      proposalThreshold: 0,
    },
    notes: 'OpenZeppelin guide defaults; the timelock delay is a deployment choice (2 days here); TimelockController has no expiry (gracePeriod 0).',
  },
  'compound-bravo': {
    supply: 10_000_000,
    protocol: {
      name: 'compound-bravo',
      votingDelay: 13140,
      votingPeriod: 19710,
      quorum: { kind: 'absolute', votes: 400_000 }, // (domain.md) 4 % of 10M COMP
      quorumCounts: 'for', // (domain.md) only For votes count
      majority: { kind: 'simple' },
      snapshot: 'start', // (domain.md) weight read at startBlock
      timelock: 2 * day, // (domain.md) Compound timelock minimum 2 days
      gracePeriod: 14 * day, // (domain.md) grace period 14 days
      proposalThreshold: 25_000 / 10_000_000, // (domain.md) 25k COMP
    },
    notes: 'votingDelay 13,140 and votingPeriod 19,710 blocks are the mainnet settings (within the domain.md bounds 1-40,320 and 5,760-80,640).',
  },
  'uniswap-alpha': {
    supply: 1_000_000_000,
    protocol: {
      name: 'uniswap-alpha',
      votingDelay: 1, // (domain.md)
      votingPeriod: 40320, // (domain.md)
      quorum: { kind: 'absolute', votes: 40_000_000 }, // (domain.md) 4 %
      quorumCounts: 'for',
      majority: { kind: 'simple' },
      snapshot: 'start',
      timelock: 2 * day,
      gracePeriod: 14 * day,
      proposalThreshold: 0.01, // (domain.md) 10M UNI
    },
    notes: 'GovernorAlpha counts For votes toward quorum; timelock 2 days as the Compound timelock it reuses.',
  },
  nouns: {
    supply: 800,
    protocol: {
      name: 'nouns',
      votingDelay: 3 * day,
      votingPeriod: 4 * day,
      quorum: { kind: 'nouns', minBps: 1000, maxBps: 1500, coefficient: 1_000_000 }, // (domain.md) common settings
      quorumCounts: 'for',
      majority: { kind: 'simple' },
      snapshot: 'start',
      timelock: 2 * day,
      gracePeriod: 21 * day,
      proposalThreshold: 0.0025,
      guardianVeto: true, // (domain.md) there is a vetoer
    },
    notes: 'Dynamic quorum as in NounsDAOV3DynamicQuorum; delay, period, timelock and threshold are typical deployment values, not from domain.md.',
  },
  'aave-short': {
    supply: 16_000_000,
    protocol: {
      name: 'aave-short',
      votingDelay: 0,
      votingPeriod: 3 * day, // (domain.md) 3 days
      quorum: { kind: 'fraction', fraction: 0.02 }, // (domain.md) 2 %
      quorumCounts: 'for', // Aave's isQuorumValid counts For votes
      majority: { kind: 'differential', differentialBps: 50 }, // (domain.md) 0.5 %
      snapshot: 'start',
      timelock: 1 * day, // (domain.md)
      gracePeriod: 5 * day,
      proposalThreshold: 0.005, // (domain.md) 0.5 %
    },
    notes: 'Aave governance v2 short executor (level 1); grace period 5 days is the executor default.',
  },
  'aave-long': {
    supply: 16_000_000,
    protocol: {
      name: 'aave-long',
      votingDelay: 0,
      votingPeriod: 10 * day, // (domain.md)
      quorum: { kind: 'fraction', fraction: 0.065 }, // (domain.md) 6.5 %
      quorumCounts: 'for',
      majority: { kind: 'differential', differentialBps: 650 }, // (domain.md) 6.5 %
      snapshot: 'start',
      timelock: 7 * day, // (domain.md)
      gracePeriod: 5 * day,
      proposalThreshold: 0.0125, // (domain.md) 1.25 %
    },
    notes: 'Aave governance v2 long executor (level 2) as in 2022.',
  },
  moloch: {
    supply: 10_000,
    protocol: {
      name: 'moloch',
      votingDelay: 0,
      votingPeriod: 7 * day, // (domain.md) 7 days
      quorum: { kind: 'none' },
      quorumCounts: 'for',
      majority: { kind: 'simple' },
      snapshot: 'current',
      timelock: 7 * day, // (domain.md) the 7-day grace period, modelled as the delay before execution
      gracePeriod: 0,
      ragequit: true, // (domain.md) No voters may ragequit during grace
    },
    notes: 'Moloch v1: shares vote (no snapshot), yes > no, then a grace period in which No voters may ragequit.',
  },
  '1hive-conviction': {
    supply: 1_000_000,
    protocol: {
      name: '1hive-conviction',
      votingPower: { kind: 'conviction', decay: 0.9, maxRatio: 0.2, weight: 0.02, minStakeShare: 0.002, periodBlocks: day }, // (domain.md) JS defaults
      votingDelay: 0,
      votingPeriod: 60 * day,
      quorum: { kind: 'none' },
      majority: { kind: 'simple' },
      snapshot: 'current',
      timelock: 0,
      gracePeriod: 0,
    },
    notes: 'Conviction voting with the 1Hive app defaults a = 0.9, beta = 0.2, rho = 0.02 (one update a day here); votingPeriod is how long a proposal may stay open.',
  },
  'beanstalk-2022': {
    supply: 10_000_000,
    protocol: {
      name: 'beanstalk-2022',
      votingDelay: 0,
      votingPeriod: 7 * day,
      snapshot: 'current', // (domain.md) votes counted at current balance, deposits minted power at once
      quorum: { kind: 'fraction', fraction: 0.5 },
      quorumCounts: 'for',
      majority: { kind: 'simple' },
      timelock: 0,
      gracePeriod: 0,
      emergencyCommit: { afterBlocks: 1 * day, fraction: 2 / 3 }, // (domain.md) after 24 h with >= 2/3 of votes
    },
    notes: 'Beanstalk BIPs as of 17 April 2022: a BIP passed with a majority of all Stalk at the end of 7 days, or at once via emergencyCommit after 24 h with 2/3 of Stalk.',
  },
  'build-finance-2022': {
    supply: 1_000_000,
    protocol: {
      name: 'build-finance-2022',
      votingDelay: 1,
      votingPeriod: 3 * day,
      snapshot: 'start',
      quorum: { kind: 'absolute', votes: 10_000 },
      quorumCounts: 'for',
      majority: { kind: 'simple' },
      timelock: 0,
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
