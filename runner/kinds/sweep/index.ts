/**
 * `kind: sweep`: a grid (or a Latin hypercube or Sobol design) over protocol parameters of one base preset,
 * crossed with populations, attacks and seeds under common random numbers (every setting sees the same
 * populations and seasons). The base protocol itself runs beside the settings as variant `base`. The report
 * answers "which setting, at what honest cost": money at risk a season under each setting's strongest attack,
 * honest cost, the Pareto front of the two, the cheapest setting under the config's target, heatmaps over each
 * pair of swept parameters, and where the base sits (runner/report/sweep.ts).
 */
import { z } from 'zod';
import { ATTACK_STRATEGIES } from '../../../envs/dao/season.ts';
import { PRESETS, presetNames, presetProtocol } from '../../../envs/dao/presets.ts';
import { protocolSchema, type ProtocolInput } from '../../../envs/dao/protocol.ts';
import { Rng } from '../../../lib/rng.ts';
import type { SweepSpec } from '../../report/sweep.ts';
import { common, market, population, positiveInt, season, strict, trajectories, type Problem, type VariantConfig } from '../../schema.ts';
import { uniqueNames } from '../checks.ts';
import { resolvePopulations, seasonTrial } from '../season/schema.ts';
import { defineKind, type PlanCell } from '../types.ts';
import { gridPoints, latinHypercube, placePoint, SOBOL_MAX_DIMENSIONS, sobolPoints, type Placement } from './design.ts';
import { describePoint, parseSweepValue, SWEEP_PARAMETER_NAMES, SWEEP_PARAMETERS } from './parameters.ts';

/** The most settings one sweep may have (a grid's product, or a design's points). */
export const MAX_SWEEP_POINTS = 1000;
export const BASE_VARIANT = 'base';

const value = z.union([z.number(), z.string(), z.boolean()]);
const range = strict({
  low: z.union([z.number(), z.string()]),
  high: z.union([z.number(), z.string()]),
  /** Spread the design's points evenly in the value (linear) or in its logarithm (log: values > 0). */
  scale: z.enum(['linear', 'log']).default('linear'),
});
const parameterSpec = z.union([z.array(value).min(1, 'give at least one value').max(50), range], {
  error: () => "must be a list of values (e.g. [0.02, 0.04]) or, for design lhs or sobol, a range { low, high, scale }",
});

export const schema = strict({
  kind: z.literal('sweep'),
  ...common,
  /** The protocol every setting starts from: a preset, with fields changed for all settings. */
  base: strict({
    preset: z.enum(presetNames() as [string, ...string[]]).default('compound-bravo'),
    protocol: z.record(z.string(), z.unknown()).default({}),
  }).default({ preset: 'compound-bravo', protocol: {} }),
  /** The swept parameters: a list of values each (grid), or ranges (lhs, sobol). Shares are 0-1; durations carry a unit. */
  parameters: strict(Object.fromEntries(SWEEP_PARAMETER_NAMES.map((name) => [name, parameterSpec.optional()])) as Record<string, z.ZodOptional<typeof parameterSpec>>),
  /** grid: every combination of the listed values; lhs / sobol: `points` settings spread over the ranges. */
  design: strict({ kind: z.enum(['grid', 'lhs', 'sobol']).default('grid'), points: positiveInt(MAX_SWEEP_POINTS).optional() }).default({ kind: 'grid' }),
  populations: z.array(population).min(1, 'give at least one population').default([{ name: 'calibrated', members: 2000, generator: 'default', options: {} }]),
  attacks: z.array(z.enum(ATTACK_STRATEGIES)).min(1, 'give at least one attack (or none)').default(['none', 'buy-and-vote']),
  attackBudgetUsd: z.number().min(0).default(1_000_000),
  season: season.default(season.parse({})),
  market: market.default({}),
  /** The money at risk a season (usd) a setting must stay under (the upper end of its interval). */
  target: strict({ attackLossUsd: z.number().min(0).optional() }).default({}),
  trajectories,
});
export type SweepConfig = z.output<typeof schema>;

/** The parameters a config sweeps, in its order. */
export function sweptNames(config: SweepConfig): string[] {
  return Object.keys(config.parameters).filter((name) => config.parameters[name] !== undefined);
}

/** A swept parameter's placements (design kinds) or parsed values (grid), and its problems. */
function parseParameters(config: SweepConfig): { names: string[]; lists: number[][]; placements: Placement[]; problems: Problem[] } {
  const names = sweptNames(config);
  const lists: number[][] = [];
  const placements: Placement[] = [];
  const problems: Problem[] = [];
  const grid = config.design.kind === 'grid';
  for (const name of names) {
    const spec = config.parameters[name]!;
    const at = (...path: PropertyKey[]): PropertyKey[] => ['parameters', name, ...path];
    if (Array.isArray(spec)) {
      const values: number[] = [];
      spec.forEach((raw, i) => {
        const parsed = parseSweepValue(name, raw);
        if ('error' in parsed) problems.push([at(i), parsed.error]);
        else if (values.includes(parsed.value)) problems.push([at(i), `${JSON.stringify(raw)} is listed twice`]);
        else values.push(parsed.value);
      });
      lists.push(values);
      placements.push({ kind: 'list', values });
      continue;
    }
    if (grid) {
      problems.push([at(), 'a grid needs a list of values; a range { low, high } is for design: { kind: lhs | sobol }']);
      continue;
    }
    if (SWEEP_PARAMETERS[name]!.unit === 'switch') {
      problems.push([at(), 'a switch takes a list, [false, true]']);
      continue;
    }
    const low = parseSweepValue(name, spec.low);
    const high = parseSweepValue(name, spec.high);
    if ('error' in low) problems.push([at('low'), low.error]);
    if ('error' in high) problems.push([at('high'), high.error]);
    if ('error' in low || 'error' in high) continue;
    if (!(high.value > low.value)) problems.push([at('high'), `must be above low (${JSON.stringify(spec.low)}), got ${JSON.stringify(spec.high)}`]);
    if (spec.scale === 'log' && !(low.value > 0)) problems.push([at('low'), `a log scale needs low > 0, got ${JSON.stringify(spec.low)}`]);
    placements.push({ kind: 'range', low: low.value, high: high.value, scale: spec.scale });
  }
  return { names, lists, placements, problems };
}

/** A value as stored in a trial param: shares to 1e-6, durations to whole blocks. */
function tidy(name: string, value: number): number {
  return SWEEP_PARAMETERS[name]!.unit === 'duration' ? Math.round(value) : Math.round(value * 1e6) / 1e6;
}

/** The settings of a sweep, in design order: each a value per swept parameter. */
export function sweepPoints(config: SweepConfig): Array<Record<string, number>> {
  const { names, lists, placements } = parseParameters(config);
  const unit: number[][] =
    config.design.kind === 'grid'
      ? gridPoints(lists)
      : config.design.kind === 'lhs'
        ? latinHypercube(config.design.points!, names.length, Rng.create(config.seed).stream('sweep-design'))
        : sobolPoints(config.design.points!, names.length);
  const points = unit.map((coordinates) =>
    Object.fromEntries(names.map((name, j) => [name, tidy(name, config.design.kind === 'grid' ? coordinates[j]! : placePoint(coordinates[j]!, placements[j]!))])),
  );
  // A design may land twice on the same setting (lists, rounding): each setting runs once.
  const seen = new Set<string>();
  return points.filter((p) => {
    const key = JSON.stringify(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A setting's protocol fields: the base's changes, then the setting's. */
export function pointOverrides(config: SweepConfig, values: Record<string, number>): Partial<ProtocolInput> {
  const overrides = { ...config.base.protocol } as Partial<ProtocolInput>;
  for (const [name, v] of Object.entries(values)) SWEEP_PARAMETERS[name]!.apply(overrides, v);
  return overrides;
}

/** The base protocol's own value of each swept parameter (null where it has no such value), and how some were read. */
export function baseValues(config: SweepConfig): { values: Record<string, number | null>; notes: string[] } {
  const protocol = presetProtocol(config.base.preset, config.base.protocol as Partial<ProtocolInput>);
  const supply = PRESETS[config.base.preset]!.supply;
  const values: Record<string, number | null> = {};
  const notes: string[] = [];
  for (const name of sweptNames(config)) {
    const read = SWEEP_PARAMETERS[name]!.base(protocol, supply);
    values[name] = read === null ? null : tidy(name, read.value);
    if (read?.note !== undefined) notes.push(`The base's ${SWEEP_PARAMETERS[name]!.label} is read as ${describePoint({ [name]: values[name]! })} (${read.note}); the swept settings use a share of the vote supply at the snapshot.`);
    if (read === null) notes.push(`The base's ${SWEEP_PARAMETERS[name]!.label} has no single value to place it on the ${name} axis.`);
  }
  return { values, notes };
}

const pad = (i: number, n: number) => String(i + 1).padStart(String(n).length, '0');

function checks(config: SweepConfig): Problem[] {
  const problems = uniqueNames(config.populations, 'populations');
  const { names, lists, problems: parsed } = parseParameters(config);
  problems.push(...parsed);
  if (names.length === 0) problems.push([['parameters'], `name at least one parameter to sweep: ${SWEEP_PARAMETER_NAMES.join(', ')}`]);
  if (config.design.kind === 'grid') {
    if (config.design.points !== undefined) problems.push([['design', 'points'], 'a grid has one setting per combination of the listed values; points is for lhs and sobol']);
    const size = lists.reduce((n, list) => n * Math.max(1, list.length), 1);
    if (size > MAX_SWEEP_POINTS) problems.push([['parameters'], `the grid has ${size.toLocaleString('en-US')} settings; at most ${MAX_SWEEP_POINTS} (use design: { kind: lhs, points: N } for many parameters)`]);
  } else {
    if (config.design.points === undefined) problems.push([['design', 'points'], `required for design ${config.design.kind}: how many settings to spread over the ranges`]);
    if (config.design.kind === 'sobol' && names.length > SOBOL_MAX_DIMENSIONS) problems.push([['parameters'], `a Sobol design takes at most ${SOBOL_MAX_DIMENSIONS} parameters, got ${names.length}`]);
  }
  if (problems.length > 0) return problems;
  // Every setting's protocol must be valid (e.g. a late-quorum extension needs a quorum; a supermajority above the treasury's).
  const points = sweepPoints(config);
  for (const [i, values] of points.entries()) {
    const merged = { ...PRESETS[config.base.preset]!.protocol, ...pointOverrides(config, values) };
    const result = protocolSchema.safeParse(merged);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      problems.push([['parameters'], `setting ${i + 1} (${describePoint(values)}) is not a valid protocol: ${issue.path.join('.')}: ${issue.message}`]);
      break;
    }
  }
  return problems;
}

function cells(config: SweepConfig): PlanCell[] {
  const points = sweepPoints(config);
  const base = baseValues(config).values;
  // The base runs with its own values in its params (a string where it has none), so the report can place it.
  const baseParams = Object.fromEntries(Object.entries(base).map(([name, v]) => [name, v ?? 'n/a']));
  const settings = [{ variant: BASE_VARIANT, params: baseParams }, ...points.map((values, i) => ({ variant: `s${pad(i, points.length)}`, params: values }))];
  return settings.flatMap((s) => config.populations.flatMap((p) => config.attacks.map((a) => ({ variant: s.variant, params: { variant: s.variant, ...s.params, population: p.name, attack: a } }))));
}

/** The variant a trial runs: the base protocol, or the base with the setting's values. */
export function sweepVariant(config: SweepConfig, params: Record<string, string | number>): VariantConfig {
  if (params.variant === BASE_VARIANT) return { name: BASE_VARIANT, preset: config.base.preset, protocol: config.base.protocol };
  const values = Object.fromEntries(sweptNames(config).map((name) => [name, Number(params[name])]));
  return { name: String(params.variant), preset: config.base.preset, protocol: pointOverrides(config, values) as Record<string, unknown> };
}

export function sweepSpec(config: SweepConfig): SweepSpec {
  const base = baseValues(config);
  return {
    parameters: sweptNames(config),
    design: config.design.kind,
    targetLossUsd: config.target.attackLossUsd ?? null,
    baseVariant: BASE_VARIANT,
    basePreset: config.base.preset,
    baseValues: base.values,
    baseNotes: base.notes,
  };
}

export const sweep = defineKind({
  schema,
  backend: 'js',
  lightTrials: true,
  reportDetail: false,
  checks,
  prepare: resolvePopulations,
  plan: cells,
  runTrial: async (config, spec) => (await seasonTrial()).runSeasonWorld(config, spec, sweepVariant(config, spec.params), { honestCost: true }),
  reportSpec: (config) => ({
    title: config.name,
    primaryMetric: 'attackLoss',
    higherIsBetter: false,
    metrics: ['attackLoss', 'attackSucceeded', 'honestCost', 'failedGoodValue', 'executedValue'],
    successMetric: 'attackSucceeded',
    groupBy: [...(config.attacks.length > 1 ? ['attack'] : []), ...(config.populations.length > 1 ? ['population'] : [])],
    sweep: sweepSpec(config),
  }),
});
