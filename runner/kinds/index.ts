/**
 * The experiment kinds, one line each. A new kind is a folder under runner/kinds/ (schema, checks, plan, trial,
 * report spec: see types.ts) and one line here.
 */
import type { z } from 'zod';
import { compare } from './compare/index.ts';
import { loop } from './loop/index.ts';
import { search } from './search/index.ts';
import { stressKind } from './stress/index.ts';
import { sweep } from './sweep/index.ts';
import { train } from './train/index.ts';
import type { KindDefinition } from './types.ts';

export const KINDS = { compare, stress: stressKind, sweep, train, search, loop } as const;

export type ExperimentKindName = keyof typeof KINDS;
export type ExperimentConfig = { [K in ExperimentKindName]: z.output<(typeof KINDS)[K]['schema']> }[ExperimentKindName];

/** The kind of a validated config. */
export function kindOf(config: ExperimentConfig): KindDefinition {
  return KINDS[config.kind] as unknown as KindDefinition;
}
