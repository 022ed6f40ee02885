/**
 * A governance protocol is a composition of small rules, each with a typed config: how voting power
 * is counted, when it is snapshotted, the quorum, the majority rule, timing, and execution safeguards.
 * `parseProtocol` validates a plain object (from kwargs or YAML) and names the failing field.
 * Times are in blocks of 12 s (7,200 a day); shares of supply are fractions (0.04 = 4 %).
 */
import { z } from 'zod';
import { checkQuorumExpression, QuorumExpressionError } from './quorum-expression.ts';
import { DURATION_FORMS, parseDuration } from './units.ts';

export const BLOCKS_PER_DAY = 7200;
export const BLOCKS_PER_HOUR = 300;

const fraction = z.number().min(0).max(1);

/**
 * A duration: a block count (a number, as library callers and presets give it) or a string with a unit
 * (`2d`, `36h`, `90m`, `13140 blocks`; units.ts), always blocks once parsed. Configs refuse the bare number
 * (runner/config.ts): there, a unit is never guessed.
 */
const duration = (min = 0) =>
  z
    .union([z.number(), z.string()], { error: () => DURATION_FORMS })
    .transform((value, ctx) => {
      if (typeof value === 'number') return value;
      const parsed = parseDuration(value);
      if ('error' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.error, input: value });
        return z.NEVER;
      }
      return parsed.blocks;
    })
    .pipe(z.number().int().min(min));
const blocks = duration(0);

const votingPower = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('token') }).strict(),
  z.object({ kind: z.literal('quadratic') }).strict(),
  z
    .object({
      kind: z.literal('conviction'),
      decay: z.number().gt(0).lt(1).default(0.9),
      maxRatio: z.number().gt(0).max(1).default(0.2),
      weight: z.number().gt(0).default(0.002),
      /** S is floored at this share of supply, as the 1Hive app floors total staked. */
      minStakeShare: fraction.default(0.2),
      /** Blocks per conviction period (one update of y = a y + x). */
      periodBlocks: duration(1).default(7200),
    })
    .strict(),
  z
    .object({
      kind: z.literal('lock'),
      multipliers: z.array(z.number().min(0)).min(1).default([0.1, 1, 2, 3, 4, 5, 6]),
    })
    .strict(),
]);

const quorum = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('absolute'), votes: z.number().min(0) }).strict(),
  z.object({ kind: z.literal('fraction'), fraction }).strict(),
  z
    .object({
      kind: z.literal('nouns'),
      minBps: z.number().int().min(0).max(10000),
      maxBps: z.number().int().min(0).max(10000),
      coefficient: z.number().int().min(0),
    })
    .strict()
    .refine((q) => q.minBps <= q.maxBps, { message: 'minBps must not exceed maxBps', path: ['minBps'] }),
  z.object({ kind: z.literal('expression'), expression: z.string().min(1) }).strict(),
]);

const majority = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('simple') }).strict(),
  z.object({ kind: z.literal('supermajority'), fraction: z.number().gt(0.5).max(1) }).strict(),
  /** Aave v2: For - Against must exceed this many basis points of supply. */
  z.object({ kind: z.literal('differential'), differentialBps: z.number().int().min(0).max(10000) }).strict(),
]);

export const protocolSchema = z
  .object({
    name: z.string().default('custom'),
    votingPower: votingPower.default({ kind: 'token' }),
    /**
     * When vote weight is read: 'creation' (the block the proposal is made), 'start' (when voting opens,
     * as Compound Bravo's startBlock and OZ's voteStart), or 'current' (live balances: Beanstalk 2022).
     */
    snapshot: z.enum(['creation', 'start', 'current']).default('start'),
    quorum: quorum.default({ kind: 'fraction', fraction: 0.04 }),
    /** Which votes count toward quorum: For only (Bravo, Aave) or For + Abstain (OZ GovernorCountingSimple). */
    quorumCounts: z.enum(['for', 'for+abstain']).default('for+abstain'),
    majority: majority.default({ kind: 'simple' }),
    votingDelay: blocks.default(7200),
    votingPeriod: duration(1).default(50400),
    /** OZ GovernorPreventLateQuorum's voteExtension; 0 = off. */
    lateQuorumExtension: blocks.default(0),
    timelock: blocks.default(0),
    /** Blocks after the timelock during which a queued proposal may execute before it expires. */
    gracePeriod: blocks.default(14 * BLOCKS_PER_DAY),
    /** Share of supply a proposer needs. */
    proposalThreshold: fraction.default(0),
    /**
     * How the proposer's votes compare with the threshold: 'at-least' (>=: OZ Governor's propose, Aave v2's
     * isPropositionPowerEnough) or 'above' (>: GovernorBravoDelegate.propose, GovernorAlpha.propose).
     */
    proposalThresholdRule: z.enum(['at-least', 'above']).default('at-least'),
    /** A guardian (vetoer) may veto queued proposals. */
    guardianVeto: z.boolean().default(false),
    /** Moloch: members who voted Against may exit with their share during the grace period. */
    ragequit: z.boolean().default(false),
    /** Beanstalk's emergencyCommit: execute at once once `afterBlocks` have passed and For >= fraction of supply. */
    emergencyCommit: z.object({ afterBlocks: blocks, fraction: z.number().gt(0).max(1) }).strict().nullable().default(null),
    /** Optional stricter majority for proposals that move treasury funds (a supermajority fraction). */
    treasurySupermajority: z.number().gt(0.5).max(1).nullable().default(null),
    /**
     * Per-account vote cap: one member's votes count for at most this share of the members' token supply
     * (null = no cap). A buyer spreads bought tokens over fresh addresses at no cost (a sybil split), so the
     * cap binds members' own holdings and delegations, not an attacker's purchases.
     */
    voteCap: z.number().gt(0).max(1).nullable().default(null),
  })
  .strict()
  .superRefine((protocol, ctx) => {
    if (protocol.quorum.kind === 'expression') {
      try {
        checkQuorumExpression(protocol.quorum.expression);
      } catch (error) {
        if (!(error instanceof QuorumExpressionError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message, path: ['quorum', 'expression'] });
      }
    }
    if (protocol.votingPeriod < protocol.votingDelay) {
      ctx.addIssue({ code: 'custom', message: `votingPeriod (${protocol.votingPeriod}) is shorter than votingDelay (${protocol.votingDelay})`, path: ['votingPeriod'] });
    }
    if (protocol.votingPower.kind === 'lock' && protocol.votingPower.multipliers.length > 16) {
      ctx.addIssue({ code: 'custom', message: 'at most 16 lock levels', path: ['votingPower', 'multipliers'] });
    }
  });

export type Protocol = z.output<typeof protocolSchema>;
export type ProtocolInput = z.input<typeof protocolSchema>;

export class ProtocolConfigError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'ProtocolConfigError';
  }
}

/** Formats the first zod issue as `path: message`, with the field path joined by dots. */
export function formatIssue(error: z.ZodError, prefix: string, knownFields: readonly string[] = []): ProtocolConfigError {
  const issue = error.issues[0]!;
  const path = issue.path.map(String);
  let message = issue.message;
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    message = `unknown kind; valid kinds: ${describeKinds(issue.path)}`;
  } else if (issue.code === 'unrecognized_keys') {
    path.push(issue.keys[0]!);
    message = path.length === 1 && knownFields.length > 0 ? `unknown field; valid fields: ${knownFields.join(', ')}` : 'unknown field';
  }
  const field = [prefix, ...path].filter((p) => p !== '').join('.');
  return new ProtocolConfigError(`${field}: ${message}`, field);
}

/** The duration fields of a protocol (paths), which configs must give with a unit. */
export const DURATION_FIELDS: readonly (readonly string[])[] = [['votingDelay'], ['votingPeriod'], ['lateQuorumExtension'], ['timelock'], ['gracePeriod'], ['emergencyCommit', 'afterBlocks'], ['votingPower', 'periodBlocks']];

/**
 * The valid field names of the protocol object at `path` (top level, or one of its rules: quorum, majority,
 * votingPower by their `kind` in `data`, emergencyCommit); undefined where there is no object.
 */
export function protocolFieldsAt(path: readonly PropertyKey[], data: unknown): string[] | undefined {
  if (path.length === 0) return Object.keys(protocolSchema.shape);
  if (path.length !== 1) return undefined;
  const field = String(path[0]);
  const value = (data as Record<string, unknown> | undefined)?.[field] as { kind?: unknown } | undefined;
  const unions: Record<string, typeof quorum | typeof majority | typeof votingPower> = { quorum, majority, votingPower };
  if (field === 'emergencyCommit') return ['afterBlocks', 'fraction'];
  const union = unions[field];
  if (union === undefined) return undefined;
  for (const option of union.options) {
    const shape = option.shape as Record<string, unknown> & { kind: { value?: unknown } };
    if ((shape.kind as unknown as { value: unknown }).value === value?.kind) return Object.keys(shape);
  }
  return undefined;
}

function describeKinds(path: PropertyKey[]): string {
  const last = String(path.at(-2) ?? '');
  const kinds: Record<string, string> = {
    votingPower: 'token, quadratic, conviction, lock',
    quorum: 'none, absolute, fraction, nouns, expression',
    majority: 'simple, supermajority, differential',
  };
  return kinds[last] ?? 'see the protocol schema';
}

/** Validates a protocol config; throws ProtocolConfigError naming the field. */
export function parseProtocol(input: unknown, prefix = 'protocol'): Protocol {
  const result = protocolSchema.safeParse(input);
  if (!result.success) throw formatIssue(result.error, prefix, Object.keys(protocolSchema.shape));
  return result.data;
}
