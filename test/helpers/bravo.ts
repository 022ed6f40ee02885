/** The Compound Bravo voter table from ../shared/data, split 80/20 by member with a fixed shuffle (seed 42). */
import { existsSync } from 'node:fs';
import { Rng } from '../../lib/rng.ts';
import { readGovernorEvents } from '../../generators/import/governor-events.ts';
import { FEATURE_COLUMNS, memberFeatures } from '../../generators/import/features.ts';
import type { Table } from '../../generators/metrics.ts';

export const BRAVO = new URL('../../../shared/data/governor-events/compound_governor_bravo.csv', import.meta.url).pathname;
export const haveBravo = existsSync(BRAVO);

export interface BravoSplit {
  train: Table;
  holdout: Table;
  /** Training members, as many as the holdout (DCR overfitting protection needs equal sizes). */
  trainSubset: Table;
}

export function bravoSplit(): BravoSplit {
  const table = memberFeatures(readGovernorEvents(BRAVO));
  const order = Array.from({ length: table.members.length }, (_, i) => i);
  Rng.create(42).shuffle(order);
  const cut = Math.floor(order.length * 0.8);
  const pick = (indices: number[]): Table => Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, Float64Array.from(indices, (i) => table.columns[c][i]!)]));
  return { train: pick(order.slice(0, cut)), holdout: pick(order.slice(cut)), trainSubset: pick(order.slice(0, order.length - cut)) };
}
