/**
 * Shared kwargs of the DAO environments: which protocol (a preset name plus overrides, or a full
 * protocol object), which population (a size and seed for the calibrated default, or a Population),
 * the treasury and the market. Bad kwargs raise one error naming the field.
 */
import { Rng } from '../../lib/rng.ts';
import { DEFAULT_MARKET, type MarketConfig } from './market.ts';
import { defaultPopulation, validatePopulation, type DefaultPopulationOptions, type Population } from './population.ts';
import { parseProtocol, ProtocolConfigError, type Protocol, type ProtocolInput } from './protocol.ts';
import { PRESETS, presetNames } from './presets.ts';

export class EnvConfigError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'EnvConfigError';
  }
}

export interface DaoEnvKwargs {
  /** A preset name (see `presetNames()`); default 'compound-bravo'. */
  preset?: string;
  /** Protocol fields overriding the preset's, or a whole protocol. */
  protocol?: Partial<ProtocolInput>;
  /** Members of the default population (ignored when `population` is given). */
  members?: number;
  populationSeed?: number;
  populationOptions?: DefaultPopulationOptions;
  population?: Population;
  treasuryUsd?: number;
  market?: Partial<MarketConfig>;
  /** Blocks simulated per env step (default 1,200 = 4 hours). */
  blocksPerStep?: number;
  renderMode?: string;
}

export interface ResolvedDaoConfig {
  protocol: Protocol;
  population: Population;
  treasuryUsd: number;
  market: MarketConfig;
  blocksPerStep: number;
}

/** A kwarg number within [low, high] (integer if asked), or the fallback when absent; else EnvConfigError. */
export function numberKwarg(value: unknown, field: string, fallback: number, low: number, high: number, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= low && value <= high) || (integer && !Number.isInteger(value))) {
    throw new EnvConfigError(`${field}: must be ${integer ? 'an integer' : 'a number'} in [${low}, ${high}], got ${JSON.stringify(value)}`, field);
  }
  return value;
}

function positiveNumber(value: unknown, field: string, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new EnvConfigError(`${field}: must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(value)}`, field);
  }
  return value;
}

/** The tokens a preset's members hold: its supply less what the market's pool and lending hold. */
export function memberSupply(presetSupply: number, market: Pick<MarketConfig, 'ammToken' | 'lendingToken'>): number {
  return Math.max(1, presetSupply - market.ammToken - market.lendingToken);
}

export function resolveDaoConfig(kwargs: DaoEnvKwargs, knownKeys: readonly string[]): ResolvedDaoConfig {
  for (const key of Object.keys(kwargs)) {
    if (!knownKeys.includes(key) && key !== 'renderMode') throw new EnvConfigError(`${key}: unknown kwarg; valid kwargs: ${knownKeys.join(', ')}`, key);
  }
  const presetName = kwargs.preset ?? 'compound-bravo';
  const preset = PRESETS[presetName];
  if (preset === undefined) throw new EnvConfigError(`preset: unknown preset '${presetName}'; valid presets: ${presetNames().join(', ')}`, 'preset');
  let protocol: Protocol;
  try {
    protocol = parseProtocol({ ...preset.protocol, ...(kwargs.protocol ?? {}) });
  } catch (error) {
    if (error instanceof ProtocolConfigError) throw new EnvConfigError(error.message, error.field);
    throw error;
  }
  const market: MarketConfig = { ...DEFAULT_MARKET, ...(kwargs.market ?? {}) };
  for (const [key, value] of Object.entries(market)) {
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) throw new EnvConfigError(`market.${key}: must be a finite number >= 0, got ${JSON.stringify(value)}`, `market.${key}`);
  }
  if (market.loanToValue <= 0 || market.loanToValue > 1) throw new EnvConfigError(`market.loanToValue: must be in (0, 1], got ${market.loanToValue}`, 'market.loanToValue');
  let population: Population;
  if (kwargs.population !== undefined) {
    try {
      validatePopulation(kwargs.population);
    } catch (error) {
      throw new EnvConfigError((error as Error).message, 'population');
    }
    population = kwargs.population;
  } else {
    const members = positiveNumber(kwargs.members, 'members', 10_000, true);
    const seed = kwargs.populationSeed ?? 0;
    if (!Number.isInteger(seed) || seed < 0) throw new EnvConfigError(`populationSeed: must be a non-negative integer, got ${JSON.stringify(seed)}`, 'populationSeed');
    const supply = kwargs.populationOptions?.supply ?? memberSupply(preset.supply, market);
    try {
      population = defaultPopulation(members, Rng.create(seed).stream('population'), { ...kwargs.populationOptions, supply });
    } catch (error) {
      throw new EnvConfigError(`populationOptions: ${(error as Error).message}`, 'populationOptions');
    }
  }
  return {
    protocol,
    population,
    treasuryUsd: positiveNumber(kwargs.treasuryUsd, 'treasuryUsd', 20_000_000),
    market,
    blocksPerStep: positiveNumber(kwargs.blocksPerStep, 'blocksPerStep', 1200, true),
  };
}
