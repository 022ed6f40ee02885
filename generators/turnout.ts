/**
 * Turnout calibration for populations mapped from real voters (generators/mapping.ts).
 *
 * A Governor event log's voters, mapped onto a population that holds the whole supply (less the market's
 * tokens), each voting at their own participation rate (votes / proposals in their tenure, at their largest
 * vote weight), turn out far more than the DAO did: about 35 % of supply a proposal for Compound Bravo's
 * voters, against the 7.26 % median of its real proposals. Part of the supply never votes (exchanges,
 * reserves, holders who never delegated), and a voter's weight and attention vary over time. Calibration
 * makes the populations a generator draws turn out, on average, what the DAO's proposals did at the median:
 * by giving the voting accounts only part of the supply (the rest passive), or, where they turn out too
 * little even with all of it, by scaling their participation up.
 */
import type { Table } from './metrics.ts';

/** Highest scale the calibration (and a config's turnoutScale) may reach. */
export const MAX_TURNOUT_SCALE = 20;

/**
 * The expected turnout, as a share of the total supply, of a population mapped from `table` with
 * `scale`: sum of balance x min(1, participation x scale), the members holding `memberShare` of the total
 * supply between them (the mapping's balances: 10^logVotingPower - 1, scaled to their supply).
 */
export function mappedTurnout(table: Table, scale: number, memberShare: number): number {
  const power = table.logVotingPower!;
  const participation = table.participation!;
  let total = 0;
  let voting = 0;
  for (let i = 0; i < power.length; i++) {
    const balance = Math.max(0, 10 ** power[i]! - 1);
    total += balance;
    voting += balance * Math.min(1, Math.max(0, participation[i]! * scale));
  }
  return total > 0 ? (memberShare * voting) / total : 0;
}

export interface TurnoutCalibration {
  /** The share of their supply the members hold (the rest passive): at most 1. */
  votingShare: number;
  /** The participation scale: 1 unless the members, holding all their supply, turn out less than the target. */
  scale: number;
  /** The tables' mean expected turnout so calibrated (share of supply). */
  turnout: number;
  /** Their mean expected turnout holding all their supply at their own rates. */
  unscaled: number;
}

/**
 * How `tables` (populations a generator drew) turn out `target` of the supply on average. First by the
 * voters' share of the supply: the members keep their own participation and hold only `votingShare` of it,
 * the rest passive (exchanges, reserves, holders who never delegate); turnout is proportional to it. Mapped
 * from a Governor event log, this keeps each proposal's largest voter's share of the votes and the spread of
 * turnout between proposals near the DAO's (README, "Populations from data"). Only when the members, holding
 * all of it, fall short of the target does the participation scale rise above 1 (bisection: turnout rises
 * with it until members reach participation 1; capped at MAX_TURNOUT_SCALE).
 */
export function calibrateTurnout(tables: readonly Table[], target: number, memberShare: number): TurnoutCalibration {
  if (!(target > 0 && target < 1)) throw new RangeError(`turnout target must be in (0, 1), got ${target}`);
  if (tables.length === 0) throw new RangeError('turnout calibration needs at least one population');
  const meanAt = (scale: number) => tables.reduce((a, table) => a + mappedTurnout(table, scale, memberShare), 0) / tables.length;
  const unscaled = meanAt(1);
  if (unscaled >= target) return { votingShare: target / unscaled, scale: 1, turnout: target, unscaled };
  if (meanAt(MAX_TURNOUT_SCALE) <= target) return { votingShare: 1, scale: MAX_TURNOUT_SCALE, turnout: meanAt(MAX_TURNOUT_SCALE), unscaled };
  let low = 1;
  let high = MAX_TURNOUT_SCALE;
  for (let k = 0; k < 60; k++) {
    const mid = (low + high) / 2;
    if (meanAt(mid) < target) low = mid;
    else high = mid;
  }
  return { votingShare: 1, scale: high, turnout: meanAt(high), unscaled };
}
