/**
 * `daogym validate --data EVENT_LOG`: how well the member model predicts real proposals it has not seen
 * (runner/validate/): coverage of predictive intervals, CRPS against a naive baseline, Brier score of passing;
 * for the model as daogym maps members today and with the improvements; a table on the terminal and an HTML
 * report.
 */
import { basename, dirname, extname, join } from 'node:path';
import type { Argv } from 'yargs';
import { DataFileError, readGovernorEvents, type GovernorEvents } from '../../generators/import/governor-events.ts';
import { PRESETS, presetNames } from '../../envs/dao/presets.ts';
import { writeFileAtomic } from '../../lib/files.ts';
import { makeDirectories, outputDirectoryProblem } from '../../lib/paths.ts';
import { formatTable } from '../../runner/summary.ts';
import { validate, type ValidateOptions, type ValidationResult } from '../../runner/validate/index.ts';
import { findings, SCORE_HEADERS, scoreRows, validationReport } from '../../runner/validate/report.ts';
import { UsageError } from '../errors.ts';
import { progressReporter } from '../progress.ts';

interface ValidateArgs {
  data: string;
  split: 'time' | 'random';
  holdout: number;
  supply?: number;
  preset?: string;
  sims: number;
  seed: number;
  out: string;
  json: boolean;
  quiet: boolean;
}

export const command = 'validate';
export const describe = 'How well the member model predicts held-out real proposals of a Governor event log';

export function builder(yargs: Argv): Argv<ValidateArgs> {
  return yargs
    .option('data', { type: 'string', demandOption: true, describe: 'a Governor event log (governor-events CSV: Compound Alpha / Bravo, Aave v2)' })
    .option('split', { choices: ['time', 'random'] as const, default: 'time' as const, describe: 'fit on the earlier proposals and predict the later ones, or a seeded random split' })
    .option('holdout', { type: 'number', default: 0.3, describe: 'share of proposals to predict (0.05-0.8)' })
    .option('supply', { type: 'number', describe: "the token's total supply in tokens (default: COMP's 10,000,000 for Compound logs, AAVE's 16,000,000 for Aave v2)" })
    .option('preset', { type: 'string', describe: 'the preset whose quorum and majority decide passing (default: compound-bravo for Compound logs, aave-short for Aave v2)' })
    .option('sims', { type: 'number', default: 200, describe: 'simulations per held-out proposal (20-5000)' })
    .option('seed', { type: 'number', default: 1, describe: 'seed of the simulations (and of a random split)' })
    .option('out', { type: 'string', default: 'results', describe: 'directory for the report (<out>/validate/<log>-<split>.html)' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress output' })
    .strict() as unknown as Argv<ValidateArgs>;
}

function checkArgs(args: ValidateArgs): void {
  if (!(args.holdout >= 0.05 && args.holdout <= 0.8)) throw new UsageError(`--holdout must be between 0.05 and 0.8, got ${args.holdout}`);
  if (!(Number.isInteger(args.sims) && args.sims >= 20 && args.sims <= 5000)) throw new UsageError(`--sims must be a whole number from 20 to 5000, got ${args.sims}`);
  if (!(Number.isInteger(args.seed) && args.seed >= 0)) throw new UsageError(`--seed must be a non-negative integer, got ${args.seed}`);
  if (args.supply !== undefined && !(args.supply > 0 && Number.isFinite(args.supply))) throw new UsageError(`--supply must be a positive number of tokens, got ${args.supply}`);
  if (args.preset !== undefined && PRESETS[args.preset] === undefined) throw new UsageError(`--preset must be one of ${presetNames().join(', ')}; got '${args.preset}'`);
  if (args.preset !== undefined && !['none', 'absolute', 'fraction'].includes(PRESETS[args.preset]!.protocol.quorum?.kind ?? 'fraction')) {
    throw new UsageError(`--preset ${args.preset}: validate decides a fixed quorum (none, absolute or a share of supply); ${args.preset}'s is ${PRESETS[args.preset]!.protocol.quorum!.kind}`);
  }
  const problem = outputDirectoryProblem(args.out);
  if (problem !== undefined) throw new UsageError(`--out: ${problem}`);
}

export async function handler(args: ValidateArgs): Promise<void> {
  checkArgs(args);
  let events: GovernorEvents;
  try {
    events = readGovernorEvents(args.data);
  } catch (error) {
    if (error instanceof DataFileError) throw new UsageError(`--data: ${error.message}`);
    throw error;
  }
  if (events.format === 'snapshot') throw new UsageError('--data: validate reads Governor event logs (on-chain votes with blocks and windows), not Snapshot exports');
  const supply = args.supply ?? (events.format === 'aave-v2' ? 16_000_000 : 10_000_000);
  const preset = args.preset ?? (events.format === 'aave-v2' ? 'aave-short' : 'compound-bravo');
  const base = { split: args.split, holdout: args.holdout, supply, preset, sims: args.sims, seed: args.seed };
  const progress = progressReporter('validate', args.quiet || args.json, 'proposals');
  let results: { today: ValidationResult; improved: ValidationResult };
  try {
    const run = (options: ValidateOptions, offset: number, total: number) => validate(events, options, (done, n) => progress.update({ done: offset + done, total: total * n, resumed: 0 }));
    const today = run({ ...base, attention: 'none', participation: 'tenure' }, 0, 2);
    const improved = run({ ...base, attention: 'fitted', participation: 'forward' }, today.testProposals, 2);
    results = { today, improved };
  } catch (error) {
    if (error instanceof RangeError && /training proposals/.test(error.message)) throw new UsageError(`--data: ${error.message}`);
    throw error;
  } finally {
    progress.stop();
  }
  const name = basename(args.data, extname(args.data));
  const path = join(args.out, 'validate', `${name}-${args.split}.html`);
  makeDirectories(dirname(path));
  writeFileAtomic(path, await validationReport({ ...results, data: basename(args.data) }));
  if (args.json) {
    const summary = (r: ValidationResult) => ({ trainProposals: r.trainProposals, testProposals: r.testProposals, unseenWeightShare: r.unseenWeightShare, scores: r.scores, brier: r.brier, brierBaseline: r.brierBaseline });
    console.log(JSON.stringify({ data: args.data, supply, preset, today: summary(results.today), improved: summary(results.improved), report: path }));
    return;
  }
  const t = results.today;
  console.log(`${basename(args.data)}: ${t.trainProposals} proposals fit the model, the ${t.testProposals} ${args.split === 'time' ? 'latest' : 'drawn'} are predicted (${args.sims} simulations each); supply ${supply.toLocaleString('en-US')}, passing by ${preset}'s rules.`);
  for (const [title, r] of [['as daogym maps members today', results.today], ['with the improvements (forward participation, fitted attention and merit)', results.improved]] as const) {
    console.log(`\n${title}`);
    console.log(formatTable(SCORE_HEADERS, scoreRows(r)));
    for (const line of findings(r)) console.log(`  off: ${line}`);
  }
  console.log(`\nreport: ${path}`);
}
