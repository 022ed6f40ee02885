/** The Compound Bravo voter table from ../shared/data, split 80/20 by member with a fixed shuffle (seed 42). */
import { existsSync } from 'node:fs';
import { holdoutMembers } from '../../generators/import/split.ts';
import { readGovernorEvents } from '../../generators/import/governor-events.ts';
import { FEATURE_COLUMNS, memberFeatures } from '../../generators/import/features.ts';
import type { Table } from '../../generators/metrics.ts';

export const BRAVO = new URL('../../../shared/data/governor-events/compound_governor_bravo.csv', import.meta.url).pathname;
export const haveBravo = existsSync(BRAVO);

export interface BravoSplit {
  train: Table;
  holdout: Table;
}

/** The split `daogym data split features.csv --holdout 0.2 --seed 42` makes of the imported table. */
export function bravoSplit(): BravoSplit {
  const table = memberFeatures(readGovernorEvents(BRAVO));
  const held = holdoutMembers(table.members, 0.2, 42);
  const indices = (holdout: boolean) => table.members.flatMap((m, i) => (held.has(m) === holdout ? [i] : []));
  const pick = (rows: number[]): Table => Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, Float64Array.from(rows, (i) => table.columns[c][i]!)]));
  return { train: pick(indices(false)), holdout: pick(indices(true)) };
}
