/**
 * The config pieces every experiment kind builds on: strict objects with "did you mean" for unknown fields,
 * names, the common fields (name, description, seed, seeds, workers), and the season world's blocks (variants,
 * populations, market, season, report) that compare, stress and train configs share. Kinds add their own in
 * runner/kinds/<kind>/; runner/config.ts parses and reports.
 */
import { z } from 'zod';
import { DEFAULT_COALITION_SIZE } from '../envs/dao/season.ts';
import { DEFAULT_LATE_REACTION } from '../envs/dao/governance.ts';
import { presetNames } from '../envs/dao/presets.ts';

export class ConfigError extends Error {
  constructor(
    message: string,
    /** The first problem's field and line. */
    readonly field: string,
    readonly line: number | null,
    /** Every problem found, one `file:line: field: message` line each (the message joins them). */
    readonly problems: readonly string[] = [message],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** One problem of a config: the field's path and what is wrong. */
export type Problem = [PropertyKey[], string];

/** A strict object whose unknown-field error names the closest valid field and lists them all. */
export function strict<Shape extends z.ZodRawShape>(shape: Shape) {
  const fields = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? unknownFieldMessage(issue.keys[0]!, fields) : undefined),
  });
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps), for "did you mean". */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      rows[i]![j] = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i]![j] = Math.min(rows[i]![j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}

/** The valid name closest to `name` when it is close enough to be a typo of it. */
export function closestName(name: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

export function unknownFieldMessage(key: string, valid: readonly string[]): string {
  const guess = closestName(key, valid);
  return `unknown field '${key}'${guess === undefined ? '' : ` (did you mean '${guess}'?)`}; valid fields: ${valid.join(', ')}`;
}

export const slug = z.string().max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'must be a name of letters, digits, and . _ + - (no spaces)');
export const positiveInt = (max: number) => z.number().int().min(1).max(max);

export const METRICS = ['score', 'welfare', 'attackSucceeded', 'attackLoss', 'attackLossShare', 'attackerProfit', 'executedValue', 'failedGoodValue', 'honestExecutedShare', 'honestProposals'] as const;
export type SeasonMetric = (typeof METRICS)[number];

/** Population options a default population accepts, with their valid ranges. */
export const populationOptions = strict({
  supply: z.number().gt(0).optional(),
  balanceTail: z.number().min(0.5).max(5).optional(),
  idleShare: z.number().min(0).lt(1).optional(),
  delegates: positiveInt(10_000).optional(),
  turnoutScale: z.number().gt(0).max(20).optional(),
  lateShare: z.number().min(0).max(1).optional(),
  alignmentMean: z.number().min(-3).max(3).optional(),
});

export const population = strict({
  name: slug,
  members: z.number().int().min(200).max(1_000_000).default(2000),
  /** 'default' = the calibrated population; otherwise a saved generator model file (copula, parametric, vae, gan, diffusion, mst). */
  generator: z.string().min(1).default('default'),
  /**
   * With a generator file: the share of supply a proposal its populations should turn out on average (e.g.
   * 0.0726, the median `daogym data import` prints for Compound Bravo). Members mapped from real voters'
   * features turn out several times what the DAO did; calibrated, they hold only the share of the supply
   * that turns out this (the rest passive; generators/turnout.ts), and options.turnoutScale (or the
   * turnoutScale stressor) then scales their participation. Unset: they hold all of it.
   */
  turnout: z.number().gt(0).lt(1).optional(),
  options: populationOptions.default({}),
});

export const variant = strict({
  name: slug,
  preset: z.enum(presetNames() as [string, ...string[]]).default('compound-bravo'),
  protocol: z.record(z.string(), z.unknown()).default({}),
});

export const market = strict({
  ammToken: z.number().gt(0).optional(),
  ammUsd: z.number().gt(0).optional(),
  ammFee: z.number().min(0).lt(1).optional(),
  lendingToken: z.number().min(0).optional(),
  loanToValue: z.number().gt(0).max(1).optional(),
  interestPerBlock: z.number().min(0).optional(),
  flashLoanFee: z.number().min(0).lt(1).optional(),
});

export const season = strict({
  days: z.number().min(1).max(365).default(30),
  proposalsPerMonth: z.number().min(0).max(100).default(6),
  treasuryUsd: z.number().gt(0).default(50_000_000),
  attackShare: z.number().gt(0).max(1).default(0.3),
  attackDay: z.number().min(0).default(3),
  attackSignal: z.number().min(-5).max(5).default(-0.3),
  attackAttention: z.number().min(0).max(1).default(0.5),
  delayCostPerDay: z.number().min(0).max(1).default(0.005),
  /** The `coalition` attack: how many of the population's largest holders collude. */
  coalitionSize: z.number().int().min(1).max(1000).default(DEFAULT_COALITION_SIZE),
  /**
   * How strongly members who have not voted answer a late-quorum extension (0-1): each votes in the
   * extension with probability lateReaction x participation x attention (an assumption: no published figure).
   * 0: nobody answers, so the extension only delays.
   */
  lateReaction: z.number().min(0).max(1).default(DEFAULT_LATE_REACTION),
  /**
   * Autonomous proposals (0-1): a proposer below the proposal threshold canvasses the members for the rest;
   * each member is asked and looks with probability sponsorship x participation x attention and backs a
   * proposal it would vote For. 0 (default): below the threshold nobody proposes.
   */
  sponsorship: z.number().min(0).max(1).default(0),
});

/** A season block whose fields are all optional: unset ones keep the consumer's own defaults (kind search). */
export const searchSeason = strict(
  Object.fromEntries(Object.entries(season.shape).map(([name, field]) => [name, field.unwrap().optional()])) as {
    [K in keyof typeof season.shape]: z.ZodOptional<ReturnType<(typeof season.shape)[K]['unwrap']>>;
  },
);

/**
 * Record the season timeline of the first N seeds of every cell (0 or unset: none), kept with the run: exported
 * with `daogym export RUN --what trajectories` and replayed with `daogym report RUN --trial KEY --seed S`.
 */
export const trajectories = z.number().int().min(0).max(1000).optional();

export const report = strict({
  primaryMetric: z.enum(METRICS).default('score'),
  baseline: slug.optional(),
  metrics: z.array(z.enum(METRICS)).default(['score', 'welfare', 'attackSucceeded', 'attackLoss']),
});

export const common = {
  name: slug,
  /** Kept with the run and shown in its report: a paragraph, not a document. */
  description: z.string().max(10_000).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  seeds: positiveInt(10_000).default(10),
  workers: positiveInt(256).optional(),
};

export type VariantConfig = z.output<typeof variant>;
export type PopulationConfig = z.output<typeof population>;

/** A value as a config message quotes it. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
