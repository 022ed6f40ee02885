/**
 * `kind: stress`: a compare run over a grid of one stressor (attack budget, turnout, balance tail, delegation,
 * late voting, attack share); the report finds each rule's breaking point, where attack success crosses the
 * threshold.
 */
import { z } from 'zod';
import { strict, type Problem } from '../../schema.ts';
import { variantWarnings } from '../checks.ts';
import { resolvePopulations, seasonCells, seasonChecks, seasonExperiment, seasonReportSpec, seasonTrial } from '../season/schema.ts';
import { defineKind } from '../types.ts';

/** What a stress test may sweep, and the valid range of each. */
export const STRESSORS = {
  attackBudgetUsd: { low: 0, high: 1e12, label: 'attacker budget (usd)', populationOnly: false },
  turnoutScale: { low: 1e-6, high: 20, label: 'turnout (x calibrated)', populationOnly: false },
  balanceTail: { low: 0.5, high: 5, label: 'balance tail (Pareto shape; smaller = whales)', populationOnly: true },
  delegationShare: { low: 0, high: 0.999, label: 'share of supply delegated', populationOnly: true },
  lateShare: { low: 0, high: 1, label: 'share of votes cast late', populationOnly: true },
  attackShare: { low: 1e-6, high: 1, label: 'treasury share the attacker requests', populationOnly: false },
} as const;
export type Stressor = keyof typeof STRESSORS;

export const stress = strict({
  stressor: z.enum(Object.keys(STRESSORS) as [Stressor, ...Stressor[]]),
  values: z.array(z.number()).min(2, 'give at least 2 values').max(50),
  scale: z.enum(['linear', 'log']).default('linear'),
  /** Attack success rate at which a rule counts as broken. */
  threshold: z.number().gt(0).lt(1).default(0.5),
});


export const schema = strict({ kind: z.literal('stress'), ...seasonExperiment, stress });
export type StressConfig = z.output<typeof schema>;

function stressChecks(config: StressConfig): Problem[] {
  const problems = seasonChecks(config);
  const { stressor, values } = config.stress;
  const range = STRESSORS[stressor];
  values.forEach((value, i) => {
    if (!(value >= range.low && value <= range.high)) problems.push([['stress', 'values', i], `${stressor} must be in [${range.low}, ${range.high}], got ${value}`]);
    if (i > 0 && !(value > values[i - 1]!)) problems.push([['stress', 'values', i], `values must increase, got ${value} after ${values[i - 1]}`]);
  });
  if (config.stress.scale === 'log' && values.some((v) => v <= 0)) problems.push([['stress', 'scale'], 'log scale needs values > 0']);
  if (range.populationOnly) {
    config.populations.forEach((p, i) => {
      if (p.generator !== 'default') problems.push([['populations', i, 'generator'], `stressor ${stressor} applies only to the calibrated population (generator: default)`]);
    });
  }
  if (stressor !== 'attackBudgetUsd' && stressor !== 'attackShare' && config.attacks.includes('none') && config.attacks.length === 1) {
    problems.push([['attacks'], 'a stress test needs at least one attack besides none']);
  }
  return problems;
}

export const stressKind = defineKind({
  schema,
  backend: 'js',
  lightTrials: true,
  reportDetail: false,
  checks: stressChecks,
  warnings: (config) => variantWarnings(config.variants),
  prepare: resolvePopulations,
  // compare's cells, each crossed with the stressor's grid.
  plan: (config) => seasonCells(config).flatMap((cell) => config.stress.values.map((value) => ({ ...cell, params: { ...cell.params, [config.stress.stressor]: value } }))),
  runTrial: async (config, spec) => (await seasonTrial()).runSeasonTrial(config, spec),
  reportSpec: (config) => seasonReportSpec(config, { param: config.stress.stressor, label: STRESSORS[config.stress.stressor].label, scale: config.stress.scale, threshold: config.stress.threshold }),
});
