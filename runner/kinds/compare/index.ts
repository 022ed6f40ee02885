/**
 * `kind: compare`: protocol variants x populations x scripted attacks x seeds, each trial one season; the
 * report compares the variants on common seeds.
 */
import { z } from 'zod';
import { strict } from '../../schema.ts';
import { variantWarnings } from '../checks.ts';
import { resolvePopulations, seasonCells, seasonChecks, seasonExperiment, seasonReportSpec, seasonTrial } from '../season/schema.ts';
import { defineKind } from '../types.ts';

export const schema = strict({ kind: z.literal('compare'), ...seasonExperiment });
export type CompareConfig = z.output<typeof schema>;

export const compare = defineKind({
  schema,
  backend: 'js',
  lightTrials: true,
  reportDetail: false,
  checks: seasonChecks,
  warnings: (config) => variantWarnings(config.variants),
  prepare: resolvePopulations,
  plan: seasonCells,
  runTrial: async (config, spec) => (await seasonTrial()).runSeasonTrial(config, spec),
  reportSpec: (config) => seasonReportSpec(config),
});
