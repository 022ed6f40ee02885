/**
 * The closed loop's real data: the member features G_1 and the separate held-out fit are fitted to, read
 * from a Governor event log, a member feature table, a saved generator model (members sampled from it), or
 * the calibrated default population. Kept apart from
 * the loop's runner so that a config's data files can be checked before a run without loading the agents.
 */
import { readDataText } from '../../generators/import/csv.ts';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { defaultPopulation } from '../../envs/dao/population.ts';
import { memberFeatures } from '../../generators/import/features.ts';
import { DataFileError, readGovernorEvents } from '../../generators/import/governor-events.ts';
import { daoStatistics, median } from '../../generators/import/statistics.ts';
import { MAPPED_FEATURES } from '../../generators/mapping.ts';
import type { Table } from '../../generators/metrics.ts';
import { readTableCsv } from '../../generators/table-io.ts';
import { readModelFile, ModelFileError } from '../../generators/model-io.ts';
import { calibrateTurnout, type TurnoutCalibration } from '../../generators/turnout.ts';
import type { PopulationGenerator } from '../../generators/population-generator.ts';
import { Rng } from '../../lib/rng.ts';
import type { LoopConfig } from '../config.ts';

export interface RealData {
  train: Table;
  holdout: Table;
}

const dataCache = new Map<string, RealData>();

/** The member features of the calibrated default population (the 'default' data). */
function defaultFeatures(members: number): Table {
  const population = defaultPopulation(members, Rng.create(0).stream('loop-default-data'));
  const n = population.size;
  const table: Table = Object.fromEntries(MAPPED_FEATURES.map((f) => [f, new Float64Array(n)]));
  for (let i = 0; i < n; i++) {
    table.logVotingPower![i] = Math.log10(population.balance[i]! + 1);
    table.participation![i] = population.participation[i]!;
    // The mapping's inverse: alignment = probit(support) x 0.6.
    table.supportRate![i] = normalCdf(population.alignment[i]! / 0.6, 0, 1);
    table.meanTiming![i] = population.timing[i]!;
  }
  return table;
}

const tableCache = new Map<string, Table>();
/** An event log's median votes cast per proposal (tokens), by source. */
const medianCastCache = new Map<string, number>();

/** Fewest real members a loop will fit a copula to. */
const MIN_MEMBERS = 30;

/**
 * Members drawn from a generator model given as data (e.g. an MST fitted under differential privacy: what is
 * sampled from it is post-processing and spends no further privacy), from a fixed stream so that every worker
 * and every resume reads the same members.
 */
export const MODEL_DATA_MEMBERS = 4000;

/** Whether `source` names a saved generator model (a JSON file) rather than a CSV. */
export function isModelSource(source: string): boolean {
  return source.toLowerCase().endsWith('.json');
}

/**
 * Checks a generator model given as data without loading its networks: a model file `daogym generators fit`
 * wrote (any kind but the loop's own population generator), whose columns include the features the mapping
 * reads. A DataFileError otherwise.
 */
export function checkModelSource(source: string): void {
  let read: ReturnType<typeof readModelFile>;
  try {
    read = readModelFile(source);
  } catch (error) {
    if (error instanceof ModelFileError) throw new DataFileError(error.message);
    throw error;
  }
  if (read.kind === 'population-generator') throw new DataFileError(`${source}: a loop's population generator holds no member table to sample; give a model from \`daogym generators fit\``);
  const columns = read.model.columns;
  if (Array.isArray(columns)) {
    const missing = MAPPED_FEATURES.filter((f) => !columns.includes(f));
    if (missing.length > 0) throw new DataFileError(`${source}: the model was fitted without the member features ${missing.join(', ')}; fit it to a feature table from \`daogym data import\``);
  }
}

/**
 * Loads a generator model given as data and samples its members (MODEL_DATA_MEMBERS rows), so that loopTable
 * finds them: trials await this before reading their data (models with networks load tfjs asynchronously).
 */
export async function prepareDataSource(source: string): Promise<void> {
  if (!isModelSource(source) || tableCache.has(source)) return;
  checkModelSource(source);
  const { loadGenerator } = await import('../../generators/registry.ts');
  const model = await loadGenerator(source);
  const sampled = model.sample(MODEL_DATA_MEMBERS, Rng.create(0).stream('model-data'));
  const missing = MAPPED_FEATURES.filter((f) => !sampled[f]);
  if (missing.length > 0) throw new DataFileError(`${source}: the model's members lack the features ${missing.join(', ')}; fit it to a feature table from \`daogym data import\``);
  tableCache.set(source, Object.fromEntries(MAPPED_FEATURES.map((f) => [f, Float64Array.from(sampled[f]!)])));
}

/**
 * The real member features (the four the mapping reads) of `source`: a Governor event log CSV, a member
 * feature table CSV from `daogym data import`, a generator model already sampled by prepareDataSource, or
 * 'default'. A file that is none of these, or holds fewer than MIN_MEMBERS members, is a DataFileError.
 */
export function loopTable(source: string): Table {
  const cached = tableCache.get(source);
  if (cached) return cached;
  if (isModelSource(source)) throw new Error(`loopTable: the generator model ${source} must be sampled first (await prepareDataSource)`);
  let table: Table;
  if (source === 'default') table = defaultFeatures(6000);
  else {
    const header = readDataText(source).split('\n', 1)[0] ?? '';
    if (header.includes('logVotingPower')) {
      table = readTableCsv(source).table;
      const missing = MAPPED_FEATURES.filter((f) => !table[f]);
      if (missing.length > 0) throw new DataFileError(`${source}: a member feature table needs the columns ${MAPPED_FEATURES.join(', ')}; missing ${missing.join(', ')}`);
    } else {
      const events = readGovernorEvents(source);
      const features = memberFeatures(events);
      table = Object.fromEntries(MAPPED_FEATURES.map((f) => [f, Float64Array.from(features.columns[f])]));
      // Turnout as a share of a supply of 1: the votes cast per proposal, in tokens.
      medianCastCache.set(source, median(daoStatistics(events, 1).turnout));
    }
  }
  const members = table.logVotingPower!.length;
  if (members < MIN_MEMBERS) throw new DataFileError(`${source}: ${members} members; the loop fits a copula to at least ${MIN_MEMBERS}`);
  const picked: Table = Object.fromEntries(MAPPED_FEATURES.map((f) => [f, table[f]!]));
  tableCache.set(source, picked);
  return picked;
}

/**
 * The median turnout of the real proposals in `source` (votes cast over `tokenSupply`, the total supply of
 * the token it logs), or undefined when `source` is not a Governor event log (a feature table, 'default') or
 * logs no votes: then there are no proposals to calibrate the mapped populations' turnout to.
 */
export function realTurnout(source: string, tokenSupply: number): number | undefined {
  loopTable(source);
  const cast = medianCastCache.get(source);
  return cast === undefined || !(cast > 0) ? undefined : cast / tokenSupply;
}

/**
 * Real member features split by member into G_1's part and a holdout, by `splitSeed` (a replicate's own
 * seed when `holdoutSplit` is per-seed, so the intervals across seeds also cover which members were held out).
 */
export function loadLoopData(config: Pick<LoopConfig, 'data' | 'holdoutShare' | 'seed'>, splitSeed = config.seed): RealData {
  const cacheKey = `${config.data}|${config.holdoutShare}|${splitSeed}`;
  const cached = dataCache.get(cacheKey);
  if (cached) return cached;
  const picked = loopTable(config.data);
  const n = picked.participation!.length;
  const order = Array.from({ length: n }, (_, i) => i);
  Rng.create(splitSeed).stream('loop-data-split').shuffle(order);
  const cut = Math.round(n * (1 - config.holdoutShare));
  const pick = (indices: number[]): Table => Object.fromEntries(MAPPED_FEATURES.map((f) => [f, Float64Array.from(indices, (i) => picked[f]![i]!)]));
  const data = { train: pick(order.slice(0, cut)), holdout: pick(order.slice(cut)) };
  dataCache.set(cacheKey, data);
  return data;
}

/** Populations a turnout calibration draws from the generator. */
export const CALIBRATION_POPULATIONS = 32;

/** How the trial maps its populations (a calibration's scale and voting share, or the config's scale and 1). */
export interface ResolvedTurnout extends Pick<TurnoutCalibration, 'scale' | 'votingShare'> {
  /** When calibrated: the median turnout matched, and the generator's populations' mean expected turnout holding all their supply at their own rates, and calibrated. */
  realTurnout?: number;
  unscaledTurnout?: number;
  turnout?: number;
}

/**
 * How a trial maps members: with a numeric turnoutScale, that participation scale (the members holding all
 * their supply); with 'calibrated', the voting share (and, only if that cannot reach it, the participation
 * scale) at which CALIBRATION_POPULATIONS populations of `members` drawn from `generator` (effects, then
 * members, from `rng`) turn out the median of `data`'s real proposals (votes cast over `dataSupply`); as they
 * are when `data` has no proposals (a feature table, 'default') and `dataTurnout` does not give the median
 * instead. `memberShare`: the share of the total supply the mapped members hold (the rest is the market's).
 */
export function resolveTurnoutScale(
  config: { data: string; turnoutScale: number | 'calibrated'; dataSupply: number; dataTurnout?: number; members: number },
  generator: PopulationGenerator,
  rng: Rng,
  memberShare: number,
): ResolvedTurnout {
  if (config.turnoutScale !== 'calibrated') return { scale: config.turnoutScale, votingShare: 1 };
  const target = config.dataTurnout ?? realTurnout(config.data, config.dataSupply);
  if (target === undefined) return { scale: 1, votingShare: 1 };
  if (!(target < 1)) throw new DataFileError(`${config.data}: the median proposal cast ${target} of dataSupply ${config.dataSupply}: is dataSupply the token's total supply?`);
  const tables = Array.from({ length: CALIBRATION_POPULATIONS }, (_, k) => {
    const draw = rng.stream('population', k);
    return generator.populationTable(config.members, generator.sampleEffects(draw), draw);
  });
  const calibration = calibrateTurnout(tables, target, memberShare);
  return { scale: calibration.scale, votingShare: calibration.votingShare, realTurnout: target, unscaledTurnout: calibration.unscaled, turnout: calibration.turnout };
}
