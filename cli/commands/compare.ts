/**
 * `daogym compare A B`: runs A against runs B, trial by trial (matched by trial key and seed), each metric's
 * mean difference A - B with a bootstrap interval over trial seeds. For ablations that take a second run:
 * the same config with and without an option, on the same `seed:`.
 */
import { existsSync } from 'node:fs';
import type { Argv } from 'yargs';
import { CompareError, compareRuns, configDifferences, type ComparedRun, type Comparison, type ComparisonRow, type ConfigDifference, type MetricPair } from '../../runner/compare.ts';
import type { Store } from '../../runner/store.ts';
import { formatTable } from '../../runner/summary.ts';
import type { RunRecord } from '../../runner/types.ts';
import { UsageError } from '../errors.ts';
import { getRunOrFail, openStore } from './show.ts';

interface CompareArgs {
  a: string;
  b: string;
  db: string;
  metric?: string[];
  resamples: number;
  level: number;
  method: 'percentile' | 'bca';
  seed: number;
  json: boolean;
}

export const command = 'compare <a> <b>';
export const describe = 'Compare runs A with runs B trial by trial (same trial key and seed): mean A - B per metric with a bootstrap interval';

export function builder(yargs: Argv): Argv<CompareArgs> {
  return yargs
    .positional('a', { type: 'string', demandOption: true, describe: 'runs A: RUN-ID, FILE.db (its one run) or FILE.db:RUN-ID, comma-separated to pool' })
    .positional('b', { type: 'string', demandOption: true, describe: 'runs B, as A' })
    .option('db', { type: 'string', default: 'results/daogym.db', describe: 'SQLite database for bare run ids' })
    .option('metric', { type: 'string', array: true, describe: 'metric to compare (repeatable); NAME_A:NAME_B sets A\'s metric against another of B\'s (default: all shared)' })
    .option('resamples', { type: 'number', default: 4000, describe: 'bootstrap resamples' })
    .option('level', { type: 'number', default: 0.95, describe: 'confidence level' })
    .option('method', { choices: ['percentile', 'bca'] as const, default: 'percentile' as const, describe: 'bootstrap interval' })
    .option('seed', { type: 'number', default: 0, describe: 'seed of the bootstrap draws' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
    .strict() as unknown as Argv<CompareArgs>;
}

interface RunSpec {
  db: string;
  run?: string;
}

/** "RUN-ID" (in --db), "FILE.db" (its only run) or "FILE.db:RUN-ID". */
export function parseRunSpec(spec: string, db: string): RunSpec {
  const split = spec.lastIndexOf('.db:');
  if (split >= 0) return { db: spec.slice(0, split + 3), run: spec.slice(split + 4) };
  if (spec.endsWith('.db')) return { db: spec };
  return { db, run: spec };
}

function parseMetric(text: string): MetricPair {
  const parts = text.split(':');
  if (parts.length > 2 || parts.some((part) => part.trim() === '')) throw new UsageError(`--metric: give NAME or NAME_A:NAME_B, got '${text}'`);
  return { a: parts[0]!.trim(), b: (parts[1] ?? parts[0]!).trim() };
}

function pickRun(store: Store, spec: RunSpec, side: string): RunRecord {
  if (spec.run !== undefined) return getRunOrFail(store, spec.run, spec.db);
  const runs = store.listRuns();
  if (runs.length === 1) return runs[0]!;
  throw new UsageError(
    runs.length === 0 ? `${side}: ${spec.db} has no runs` : `${side}: ${spec.db} has ${runs.length} runs; name one as ${spec.db}:RUN-ID (${runs.slice(-3).map((r) => r.id).join(', ')}${runs.length > 3 ? ', ...' : ''})`,
  );
}

interface LoadedRun extends ComparedRun {
  record: RunRecord;
  db: string;
}

function loadSide(list: string, side: string, db: string, stores: Map<string, Store>): LoadedRun[] {
  const specs = list.split(',').map((s) => s.trim());
  if (specs.some((s) => s === '')) throw new UsageError(`${side}: an empty run in '${list}'; give RUN-ID, FILE.db or FILE.db:RUN-ID, comma-separated`);
  const seen = new Set<string>();
  return specs.map((text) => {
    const spec = parseRunSpec(text, db);
    if (spec.db !== db && !existsSync(spec.db)) throw new UsageError(`${side}: no database at ${spec.db}`);
    let store = stores.get(spec.db);
    if (store === undefined) stores.set(spec.db, (store = openStore(spec.db)));
    const record = pickRun(store, spec, side);
    if (seen.has(`${spec.db}:${record.id}`)) throw new UsageError(`${side}: run ${record.id} of ${spec.db} is given twice`);
    seen.add(`${spec.db}:${record.id}`);
    return { runId: record.id, record, db: spec.db, trials: store.trials(record.id) };
  });
}

/** Decimals that give the interval's width three significant digits (the larger mean three when it has no width). */
export function rowDecimals(row: Pick<ComparisonRow, 'lo' | 'hi' | 'meanA' | 'meanB'>): number {
  const width = row.hi - row.lo;
  const scale = width > 0 ? width : Math.max(Math.abs(row.meanA), Math.abs(row.meanB));
  if (!(scale > 0) || !Number.isFinite(scale)) return 0;
  return Math.max(0, Math.min(10, 2 - Math.floor(Math.log10(scale))));
}

const signed = (value: number, decimals: number): string => (value > 0 ? '+' : '') + value.toFixed(decimals);

export function formatComparison(comparison: Comparison, a: readonly LoadedRun[], b: readonly LoadedRun[], differences: readonly ConfigDifference[]): string {
  const describeRun = (run: LoadedRun) => `${run.runId} ${run.record.name} (${run.record.kind}), ${run.trials.length} trials, ${run.db}`;
  const level = `${Math.round(comparison.level * 1000) / 10} %`;
  const versions = (runs: readonly LoadedRun[]) => [...new Set(runs.map((run) => run.record.codeVersion))].sort().join(' | ');
  const codeA = versions(a);
  const codeB = versions(b);
  const lines = [
    ...a.map((run) => `A: ${describeRun(run)}`),
    ...b.map((run) => `B: ${describeRun(run)}`),
    differences.length === 0
      ? 'configs: the same on both sides'
      : `configs differ (A -> B): ${differences.map((d) => `${d.path} ${d.a.join(' | ')} -> ${d.b.join(' | ')}`).join('; ')}`,
    ...(codeA === codeB ? [] : [`code versions differ (A -> B): ${codeA} -> ${codeB}`]),
    `${comparison.pairs} pairs by trial key and seed (unpaired: ${comparison.unpairedA} of A's trials, ${comparison.unpairedB} of B's); ` +
      `A - B with ${level} bootstrap intervals (${comparison.method}, ${comparison.resamples} resamples of trial seeds)`,
    '',
  ];
  const rows = comparison.rows.map((row) => {
    const decimals = rowDecimals(row);
    return [
      row.metricA === row.metricB ? row.metricA : `${row.metricA} : ${row.metricB}`,
      String(row.pairs),
      row.meanA.toFixed(decimals),
      row.meanB.toFixed(decimals),
      signed(row.difference, decimals),
      `[${signed(row.lo, decimals)}, ${signed(row.hi, decimals)}]`,
      row.relative === null ? '-' : `${signed(row.relative * 100, 1)} %`,
      `${row.aHigher} / ${row.aLower} / ${row.ties}`,
    ];
  });
  lines.push(formatTable(['metric (A : B)', 'pairs', 'mean A', 'mean B', 'A - B', `${level} interval`, 'A / B - 1', 'A higher / lower / tied'], rows, { width: process.stdout.columns }));
  return lines.join('\n');
}

export function handler(args: CompareArgs): void {
  if (!Number.isInteger(args.resamples) || args.resamples < 100 || args.resamples > 1_000_000) throw new UsageError(`--resamples must be an integer from 100 to 1000000, got ${args.resamples}`);
  if (!(args.level >= 0.5 && args.level < 1)) throw new UsageError(`--level must be at least 0.5 and below 1, got ${args.level}`);
  if (!Number.isInteger(args.seed) || args.seed < 0) throw new UsageError(`--seed must be a non-negative integer, got ${args.seed}`);
  const metrics = args.metric?.map(parseMetric);
  const stores = new Map<string, Store>();
  try {
    const a = loadSide(args.a, 'A', args.db, stores);
    const b = loadSide(args.b, 'B', args.db, stores);
    let comparison: Comparison;
    try {
      comparison = compareRuns(a, b, { metrics, resamples: args.resamples, level: args.level, method: args.method, seed: args.seed });
    } catch (error) {
      if (error instanceof CompareError) throw new UsageError(error.message);
      throw error;
    }
    const differences = configDifferences(
      a.map((run) => run.record.config),
      b.map((run) => run.record.config),
    );
    if (args.json) {
      const side = (runs: LoadedRun[]) => runs.map((run) => ({ run: run.runId, db: run.db, trials: run.trials.length }));
      console.log(JSON.stringify({ a: side(a), b: side(b), configDifferences: differences, ...comparison }));
    } else console.log(formatComparison(comparison, a, b, differences));
  } finally {
    for (const store of stores.values()) store.close();
  }
}
