/** Checks and file preparation several kinds share. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BLOCKS_PER_HOUR } from '../../envs/dao/protocol.ts';
import { PRESETS, presetProtocol } from '../../envs/dao/presets.ts';
import { formatDuration } from '../../envs/dao/units.ts';
import { DataFileError } from '../../generators/import/governor-events.ts';
import { ModelFileError, readModelFile } from '../../generators/model-io.ts';
import { ConfigError, type Problem, type VariantConfig } from '../schema.ts';
import { checkModelSource, isModelSource, loopTable } from '../world/data.ts';

/** Duplicate names in a list of named items (variants, populations). */
export function uniqueNames(items: ReadonlyArray<{ name: string }>, field: string): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name)) problems.push([[field, i, 'name'], `duplicate name '${item.name}'; names must be unique`]);
    seen.add(item.name);
  });
  return problems;
}

/** Unique variant names, and a report baseline that is one of them. */
export function variantChecks(config: { variants: VariantConfig[]; report: { baseline?: string } }): Problem[] {
  const problems = uniqueNames(config.variants, 'variants');
  const baseline = config.report.baseline;
  if (baseline !== undefined && !config.variants.some((v) => v.name === baseline)) {
    problems.push([['report', 'baseline'], `'${baseline}' is not a variant; valid: ${config.variants.map((v) => v.name).join(', ')}`]);
  }
  return problems;
}

/**
 * Values no deployed governor uses, likely a unit mistake: said on stderr, never refused. Only what a variant
 * sets is checked (a preset's own values are the deployed ones).
 */
export function variantWarnings(variants: readonly VariantConfig[]): Problem[] {
  const warnings: Problem[] = [];
  variants.forEach((v, i) => {
    const own = v.protocol as Record<string, unknown>;
    const protocol = presetProtocol(v.preset, own);
    const at = (...path: PropertyKey[]): PropertyKey[] => ['variants', i, 'protocol', ...path];
    const supply = PRESETS[v.preset]!.supply;
    if ('timelock' in own && protocol.timelock > 0 && protocol.timelock < BLOCKS_PER_HOUR) {
      warnings.push([at('timelock'), `${formatDuration(protocol.timelock)} is under 1 h; deployed timelocks run from 1 day (Aave short executor) to 7 days (Aave long); Compound's Timelock refuses less than 2 days (MINIMUM_DELAY)`]);
    }
    if ('votingPeriod' in own && protocol.votingPeriod < 5760) {
      warnings.push([at('votingPeriod'), `${formatDuration(protocol.votingPeriod)} is shorter than any deployed voting period (GovernorBravoDelegate MIN_VOTING_PERIOD is 5,760 blocks, about 19 h)`]);
    }
    const quorum = protocol.quorum;
    if ('quorum' in own) {
      if (quorum.kind === 'nouns' && quorum.coefficient < 1000) {
        warnings.push([at('quorum', 'coefficient'), `${quorum.coefficient} is under 1,000: the coefficient is fixed-point with 6 decimals (NounsDAOV3DynamicQuorum: 1,000,000 = +1 bps of quorum per bps of Against votes), so this quorum barely moves from minBps; deployed Nouns uses 1,000,000 and more`]);
      }
      if (quorum.kind === 'fraction' && quorum.fraction > 0.5) warnings.push([at('quorum', 'fraction'), `${quorum.fraction * 100} % of supply is above 50 %; no deployed governor asks for that (OZ's default is 4 %)`]);
      if (quorum.kind === 'absolute' && quorum.votes > 0.5 * supply) warnings.push([at('quorum', 'votes'), `${quorum.votes.toLocaleString('en-US')} votes is above half of ${v.preset}'s supply of ${supply.toLocaleString('en-US')} tokens`]);
      if (quorum.kind === 'nouns' && quorum.maxBps > 6000) warnings.push([at('quorum', 'maxBps'), `${quorum.maxBps} bps is above NounsDAOV3DynamicQuorum's MAX_QUORUM_VOTES_BPS_UPPER_BOUND of 6,000`]);
    }
  });
  return warnings;
}

/** A population's generator model, resolved relative to the config file and checked against its kind. */
export function resolveGeneratorModel(configPath: string, name: string, generator: string): string {
  if (generator === 'default') return generator;
  const file = resolve(dirname(configPath), generator);
  if (!existsSync(file)) throw new ConfigError(`${configPath}: populations.${name}.generator: no model file at ${file}`, 'populations.generator', null);
  try {
    readModelFile(file);
  } catch (error) {
    if (error instanceof ModelFileError) throw new ConfigError(`${configPath}: populations.${name}.generator: ${error.message}`, 'populations.generator', null);
    throw error;
  }
  return file;
}

/** A real data file (event log or feature table), resolved relative to the config file and read once. */
export function resolveDataFile(configPath: string, field: string, source: string): string {
  if (source === 'default') return source;
  const file = resolve(dirname(configPath), source);
  if (!existsSync(file)) throw new ConfigError(`${configPath}: ${field}: no file at ${file} (give a Governor event log CSV, a feature table from \`daogym data import\`, a generator model from \`daogym generators fit\`, or 'default')`, field, null);
  try {
    if (isModelSource(file)) checkModelSource(file);
    else loopTable(file);
  } catch (error) {
    if (error instanceof DataFileError) throw new ConfigError(`${configPath}: ${field}: ${error.message}`, field, null);
    throw error;
  }
  return file;
}

/** Metrics where less is better (losses, attack success): the report's comparisons turn on this. */
export const LOWER_IS_BETTER = new Set(['attackSucceeded', 'attackLoss', 'attackLossShare', 'attackerProfit', 'failedGoodValue', 'profitableShare', 'meanProfitUsd']);
