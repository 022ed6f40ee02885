/**
 * Where every kind's world gets its members and its market: synthetic member tables mapped onto the simulator
 * the one way (`mapMembers`), and the tokens members hold, which is the preset's supply less what the market's
 * pool and lending hold (`memberSupply`).
 *
 * Known difference between kinds, kept for now because changing it changes results: compare and stress scale
 * the default market's pool and lending with the preset's supply (`presetMarket`); search and the loop use the
 * default market as it is (the loop on a 10,000,000-token DAO whatever its baseline preset).
 */
import { memberSupply } from '../../envs/dao/config.ts';
import { DEFAULT_MARKET, type MarketConfig } from '../../envs/dao/market.ts';
import type { Population } from '../../envs/dao/population.ts';
import { PRESETS } from '../../envs/dao/presets.ts';
import type { Table } from '../../generators/metrics.ts';
import { populationFromFeatures } from '../../generators/mapping.ts';
import type { Rng } from '../../lib/rng.ts';

export { memberSupply };

/** The supply the default market was sized for (Compound's 10,000,000 COMP). */
export const REFERENCE_SUPPLY = 10_000_000;

/** How members are mapped: the tokens they hold, their participation scale and the share of the supply that votes. */
export interface MemberMapping {
  supply: number;
  turnoutScale: number;
  votingShare: number;
}

/** A synthetic member table as a simulator population, its draws from `rng`'s 'mapping' stream. */
export function mapMembers(table: Table, rng: Rng, mapping: MemberMapping): Population {
  return populationFromFeatures(table, rng.stream('mapping'), mapping);
}

/** The default market scaled to a preset's supply, with a config's overrides on top (compare and stress). */
export function presetMarket(preset: string, overrides: Partial<MarketConfig> = {}): { market: MarketConfig; totalSupply: number } {
  const scale = PRESETS[preset]!.supply / REFERENCE_SUPPLY;
  return { market: { ...DEFAULT_MARKET, ammToken: DEFAULT_MARKET.ammToken * scale, lendingToken: DEFAULT_MARKET.lendingToken * scale, ...overrides }, totalSupply: REFERENCE_SUPPLY * scale };
}
