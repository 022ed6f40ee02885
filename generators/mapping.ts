/**
 * From a member feature table (real or synthetic) to the simulator's Population:
 *   balance        10^logVotingPower - 1 tokens, then scaled so the members hold `votingShare` x `supply` in
 *                  all; the rest of `supply` is passive (Population.passiveSupply: held, never voting)
 *   delegate       self (each row is a voting account; delegation is already inside its weight)
 *   participation  the member's participation rate, times `turnoutScale`, capped at 1
 *   alignment      probit(supportRate) x `alignmentScale`: a member who voted For 84 % of the time
 *                  has alignment 1 (one noise standard deviation in favour)
 *   timing         meanTiming (position in the window), kept inside [0, 1)
 *   corruptibility not in governance data: lognormal around `corruptibilityMedian` from `rng`
 *   lock           0
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { lognormal } from '../lib/distributions.ts';
import type { Rng } from '../lib/rng.ts';
import { allocatePopulation, validatePopulation, type Population } from '../envs/dao/population.ts';
import type { Table } from './metrics.ts';

export interface MappingOptions {
  supply: number;
  turnoutScale?: number;
  /** Share of `supply` the members hold (default 1); the rest is held passively. */
  votingShare?: number;
  alignmentScale?: number;
  corruptibilityMedian?: number;
}

/** The member features the mapping reads. */
export const MAPPED_FEATURES = ['logVotingPower', 'participation', 'supportRate', 'meanTiming'] as const;

export function populationFromFeatures(table: Table, rng: Rng, options: MappingOptions): Population {
  for (const column of MAPPED_FEATURES) if (!(column in table)) throw new RangeError(`feature table lacks column '${column}'; needs ${MAPPED_FEATURES.join(', ')}`);
  const n = table.logVotingPower!.length;
  const population = allocatePopulation(n);
  let total = 0;
  for (let i = 0; i < n; i++) total += population.balance[i] = Math.max(0, 10 ** table.logVotingPower![i]! - 1);
  const votingShare = options.votingShare ?? 1;
  if (!(votingShare > 0 && votingShare <= 1)) throw new RangeError(`votingShare must be in (0, 1], got ${votingShare}`);
  const scale = total > 0 ? (votingShare * options.supply) / total : 0;
  population.passiveSupply = (1 - votingShare) * options.supply;
  const alignmentScale = options.alignmentScale ?? 0.6;
  for (let i = 0; i < n; i++) {
    population.balance[i] = population.balance[i]! * scale;
    population.delegate[i] = i;
    population.participation[i] = Math.min(1, Math.max(0, table.participation![i]! * (options.turnoutScale ?? 1)));
    const support = Math.min(0.99, Math.max(0.01, table.supportRate![i]!));
    population.alignment[i] = normalQuantile(support, 0, 1) * alignmentScale;
    population.timing[i] = Math.min(0.999999, Math.max(0, table.meanTiming![i]!));
    population.corruptibility[i] = lognormal(rng, Math.log(options.corruptibilityMedian ?? 0.3), 0.8);
  }
  validatePopulation(population);
  return population;
}
