/**
 * What compare and stress configs share: protocol variants played over populations and scripted attacks in
 * seasons, and how their reports read (per variant, attack and population; success = the attack passed).
 */
import { z } from 'zod';
import { ATTACK_STRATEGIES } from '../../../envs/dao/season.ts';
import type { ReportSpec } from '../../report/analysis.ts';
import { common, market, population, report, season, trajectories, variant, type Problem } from '../../schema.ts';
import { LOWER_IS_BETTER, resolveGeneratorModel, uniqueNames, variantChecks } from '../checks.ts';
import type { PlanCell } from '../types.ts';
import { lazyModule } from '../../../lib/modules.ts';

/** The season trial's code, loaded by the first trial (workers need it; planning does not): compare, stress and sweep run it. */
export const seasonTrial = lazyModule(() => import('./trial.ts'));

export const seasonExperiment = {
  ...common,
  variants: z.array(variant).min(1, 'give at least one variant'),
  populations: z.array(population).min(1, 'give at least one population').default([{ name: 'calibrated', members: 2000, generator: 'default', options: {} }]),
  attacks: z.array(z.enum(ATTACK_STRATEGIES)).min(1, 'give at least one attack (or none)').default(['buy-and-vote']),
  attackBudgetUsd: z.number().min(0).default(1_000_000),
  season: season.default(season.parse({})),
  market: market.default({}),
  report: report.default(report.parse({})),
  trajectories,
};


export interface SeasonConfigShape {
  name: string;
  variants: Array<{ name: string }>;
  populations: Array<{ name: string; generator: string; turnout?: number }>;
  attacks: string[];
  report: { primaryMetric: string; baseline?: string; metrics: string[] };
}

/** Unique names, a baseline that is a variant, and a turnout calibration only where a generator file is used. */
export function seasonChecks(config: z.output<z.ZodObject<typeof seasonExperiment>>): Problem[] {
  const problems = [...variantChecks(config), ...uniqueNames(config.populations, 'populations')];
  config.populations.forEach((p, i) => {
    if (p.turnout !== undefined && p.generator === 'default') problems.push([['populations', i, 'turnout'], 'calibrates the populations of a generator file; the calibrated default population already turns out Compound Bravo\'s (scale it with options.turnoutScale)']);
  });
  return problems;
}

/** The cells of a season experiment: every variant x population x attack. */
export function seasonCells(config: SeasonConfigShape): PlanCell[] {
  return config.variants.flatMap((v) => config.populations.flatMap((p) => config.attacks.map((a) => ({ variant: v.name, params: { variant: v.name, population: p.name, attack: a } }))));
}

/** Generator model paths are relative to the config file, so runs do not depend on the working directory. */
export function resolvePopulations(config: Pick<SeasonConfigShape, 'populations'>, configPath: string): void {
  for (const population of config.populations) population.generator = resolveGeneratorModel(configPath, population.name, population.generator);
}

/** The report of a season experiment; a stress run adds its stressor. */
export function seasonReportSpec(config: SeasonConfigShape, stressor?: ReportSpec['stressor']): ReportSpec {
  return {
    title: config.name,
    primaryMetric: config.report.primaryMetric,
    higherIsBetter: !LOWER_IS_BETTER.has(config.report.primaryMetric),
    metrics: config.report.metrics,
    baselineVariant: config.report.baseline ?? config.variants[0]!.name,
    successMetric: 'attackSucceeded',
    stressor,
    groupBy: [...(config.attacks.length > 1 ? ['attack'] : []), ...(config.populations.length > 1 ? ['population'] : [])],
  };
}
