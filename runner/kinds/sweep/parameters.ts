/**
 * The protocol parameters a sweep may vary, in the units a config writes them and a report reads them. A trial
 * param holds the value as a number: a share (0-1) for quorum, threshold, majorities and the vote cap; blocks
 * for durations; 0/1 for a switch (0 also means "off" for the treasury supermajority and the vote cap).
 */
import type { Protocol, ProtocolInput } from '../../../envs/dao/protocol.ts';
import { formatTime, parseDuration } from '../../../envs/dao/units.ts';

export type SweepUnit = 'share' | 'duration' | 'switch';

export interface SweepParameter {
  label: string;
  unit: SweepUnit;
  /** Valid range of the numeric value (blocks for durations). */
  low: number;
  high: number;
  /** Whether 'off' (stored as 0) is a valid value: the rule is not applied. */
  offValue?: boolean;
  /** One line: what the value sets. */
  sets: string;
  /** The value's effect on a variant's protocol overrides. */
  apply(overrides: Partial<ProtocolInput>, value: number): void;
  /** The base protocol's own value (null when it has no such rule to read a value from), and a note when it was converted. */
  base(protocol: Protocol, supply: number): { value: number; note?: string } | null;
}

const durationBlocks = (value: number): string => `${Math.round(value)} blocks`;

function duration(field: 'votingDelay' | 'votingPeriod' | 'timelock' | 'lateQuorumExtension', label: string, sets: string, low = 0): SweepParameter {
  return {
    label,
    unit: 'duration',
    low,
    high: 365 * 7200,
    sets,
    apply: (overrides, value) => {
      (overrides as Record<string, unknown>)[field] = durationBlocks(value);
    },
    base: (protocol) => ({ value: protocol[field] }),
  };
}

export const SWEEP_PARAMETERS: Record<string, SweepParameter> = {
  quorum: {
    label: 'quorum',
    unit: 'share',
    low: 0,
    high: 1,
    sets: 'quorum: { kind: fraction, fraction: value } (a share of the vote supply at the snapshot; the base rule is replaced)',
    apply: (overrides, value) => {
      overrides.quorum = { kind: 'fraction', fraction: value };
    },
    base: (protocol, supply) => {
      const q = protocol.quorum;
      if (q.kind === 'fraction') return { value: q.fraction };
      if (q.kind === 'none') return { value: 0 };
      if (q.kind === 'absolute') return { value: q.votes / supply, note: `${q.votes.toLocaleString('en-US')} votes of a ${supply.toLocaleString('en-US')} supply` };
      if (q.kind === 'nouns') return { value: q.minBps / 10_000, note: "Nouns' dynamic quorum at its minimum" };
      return null;
    },
  },
  proposalThreshold: {
    label: 'proposal threshold',
    unit: 'share',
    low: 0,
    high: 1,
    sets: 'proposalThreshold: a share of supply a proposer needs',
    apply: (overrides, value) => {
      overrides.proposalThreshold = value;
    },
    base: (protocol) => ({ value: protocol.proposalThreshold }),
  },
  votingDelay: duration('votingDelay', 'voting delay', 'votingDelay: from a proposal to the opening of its vote'),
  votingPeriod: duration('votingPeriod', 'voting period', 'votingPeriod: how long the vote is open', 1),
  timelock: duration('timelock', 'timelock', 'timelock: from a passed vote to when the proposal may execute'),
  lateQuorumExtension: duration('lateQuorumExtension', 'late-quorum extension', "lateQuorumExtension: OZ GovernorPreventLateQuorum's voteExtension (0 = off)"),
  supermajority: {
    label: 'majority (For share of For + Against)',
    unit: 'share',
    low: 0.5,
    high: 1,
    sets: 'majority: { kind: supermajority, fraction: value } (0.5 = a simple majority, For > Against)',
    apply: (overrides, value) => {
      overrides.majority = value === 0.5 ? { kind: 'simple' } : { kind: 'supermajority', fraction: value };
    },
    base: (protocol) => (protocol.majority.kind === 'simple' ? { value: 0.5 } : protocol.majority.kind === 'supermajority' ? { value: protocol.majority.fraction } : null),
  },
  treasurySupermajority: {
    label: 'treasury supermajority',
    unit: 'share',
    low: 0.5,
    high: 1,
    offValue: true,
    sets: 'treasurySupermajority: For share of For + Against a proposal moving funds needs (off = none)',
    apply: (overrides, value) => {
      overrides.treasurySupermajority = value === 0 ? null : value;
    },
    base: (protocol) => ({ value: protocol.treasurySupermajority ?? 0 }),
  },
  guardianVeto: {
    label: 'guardian veto',
    unit: 'switch',
    low: 0,
    high: 1,
    sets: 'guardianVeto: a guardian may veto queued proposals (on/off)',
    apply: (overrides, value) => {
      overrides.guardianVeto = value === 1;
    },
    base: (protocol) => ({ value: protocol.guardianVeto ? 1 : 0 }),
  },
  voteCap: {
    label: 'vote cap per account',
    unit: 'share',
    low: 0,
    high: 1,
    offValue: true,
    sets: 'voteCap: the most votes one account casts, a share of supply (off = none)',
    apply: (overrides, value) => {
      overrides.voteCap = value === 0 ? null : value;
    },
    base: (protocol) => ({ value: protocol.voteCap ?? 0 }),
  },
};

export const SWEEP_PARAMETER_NAMES = Object.keys(SWEEP_PARAMETERS) as [string, ...string[]];

/** A value as a config writes it (a number, a duration string, true/false, 'off'), as the trial param's number; or why not. */
export function parseSweepValue(name: string, raw: unknown): { value: number } | { error: string } {
  const parameter = SWEEP_PARAMETERS[name]!;
  if (parameter.offValue && (raw === 'off' || raw === false || raw === null)) return { value: 0 };
  let value: number;
  if (parameter.unit === 'switch') {
    if (raw === true || raw === 'on') return { value: 1 };
    if (raw === false || raw === 'off') return { value: 0 };
    return { error: `must be true or false (on/off), got ${JSON.stringify(raw)}` };
  }
  if (parameter.unit === 'duration') {
    if (typeof raw !== 'string') return { error: `must be a duration with a unit, e.g. '2d', '36h' or '13140 blocks', got ${JSON.stringify(raw)} (a bare number would be blocks, and is refused)` };
    const parsed = parseDuration(raw);
    if ('error' in parsed) return parsed;
    value = parsed.blocks;
  } else {
    if (typeof raw !== 'number' || !Number.isFinite(raw)) return { error: `must be a share between ${parameter.low} and ${parameter.high}${parameter.offValue ? " or 'off'" : ''} (e.g. 0.04 for 4 %), got ${JSON.stringify(raw)}` };
    value = raw;
  }
  if (!(value >= parameter.low && value <= parameter.high)) {
    const shown = parameter.unit === 'duration' ? `${formatTime(parameter.low)} to ${formatTime(parameter.high)}` : `${parameter.low} to ${parameter.high}`;
    return { error: `must be ${shown}${parameter.offValue ? " or 'off'" : ''}, got ${JSON.stringify(raw)}` };
  }
  return { value };
}

/** A trial param's number as people read it: "4 %", "2 d", "on", "off". */
export function formatSweepValue(name: string, value: number): string {
  const parameter = SWEEP_PARAMETERS[name];
  if (parameter === undefined) return String(value);
  if (parameter.unit === 'switch') return value === 1 ? 'on' : 'off';
  if (parameter.offValue && value === 0) return 'off';
  if (parameter.unit === 'duration') return value === 0 ? '0' : formatTime(value);
  return `${Number((value * 100).toPrecision(3))} %`;
}

/** "quorum 4 %, timelock 2 d". */
export function describePoint(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([name, value]) => `${SWEEP_PARAMETERS[name]?.label ?? name} ${formatSweepValue(name, value)}`)
    .join(', ');
}
