/**
 * `daogym generators fit|sample|evaluate`: fit a synthesizer to a feature table (CSV from
 * `daogym data import`), sample synthetic members, and report fidelity and privacy. Kinds available:
 * copula (Gaussian copula, empirical marginals), parametric (fitted families + copula), vae (TVAE-style,
 * tfjs) and gan (CTGAN-style, tfjs). Models are JSON
 * files; outputs are written atomically.
 */
import { MstGenerator, type MstPrivacy } from '../../generators/mst.ts';
import type { Argv } from 'yargs';
import { Rng } from '../../lib/rng.ts';
import type { DpOptions, PrivacyBudget } from '../../generators/vae.ts';
import { boundsFor } from '../../generators/dp/marginals.ts';
import { FITTABLE_KINDS, GENERATOR_KINDS, generatorKind, loadGenerator, privacyOf, type Generator, type GeneratorKind } from '../../generators/registry.ts';
import { ModelFileError } from '../../generators/model-io.ts';
import { outputFileProblem } from '../../lib/paths.ts';
import { DataFileError } from '../../generators/import/governor-events.ts';
import { dcrBreakdown, membershipInferenceAuc, qualityReport, type DcrBreakdown, type Table } from '../../generators/metrics.ts';
import { readTableCsv, writeTableCsv } from '../../generators/table-io.ts';
import { UsageError } from '../errors.ts';




function read(path: string, flag?: string): Table {
  try {
    return readTableCsv(path).table;
  } catch (error) {
    if (error instanceof DataFileError) throw new UsageError(flag === undefined ? error.message : `${flag}: ${error.message}`);
    throw error;
  }
}

function checkOutput(flag: string, path: string): void {
  const problem = outputFileProblem(path);
  if (problem !== undefined) throw new UsageError(`${flag}: ${problem}`);
}

async function load(path: string): Promise<Generator> {
  try {
    return await loadGenerator(path);
  } catch (error) {
    if (error instanceof ModelFileError) throw new UsageError(`--model: ${error.message}`);
    throw error;
  }
}

function checkColumns(real: Table, other: Table, what: string): void {
  const missing = Object.keys(real).filter((c) => !(c in other));
  if (missing.length > 0) throw new UsageError(`${what} lacks columns ${missing.join(', ')}`);
}

function describeMstPrivacy(p: MstPrivacy): string {
  return (
    `differential privacy: epsilon ${p.epsilon.toFixed(3)} at delta ${p.delta.toExponential()} (MST, zCDP rho ${p.rho.toFixed(4)} converted by the RDP accountant); ` +
    `one-way marginals noise std ${p.oneWayStd.toFixed(1)}, two-way ${p.twoWayStd.toFixed(1)} (counts of ${p.rows} rows), tree selection epsilon ${p.selectionEpsilonPerRound.toFixed(3)} a round`
  );
}

function dpOptions(epsilon: number | undefined, delta: number, kind: GeneratorKind, table: Table): DpOptions | undefined {
  if (epsilon === undefined) return undefined;
  if (!kind.dp) throw new UsageError(`--dp-epsilon applies to --kind ${GENERATOR_KINDS.filter((k) => k.dp).map((k) => k.name).join(', ')}, not ${kind.name}`);
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new UsageError(`--dp-epsilon must be a positive number, got ${epsilon}`);
  if (!(delta > 0 && delta < 1)) throw new UsageError(`--dp-delta must be in (0, 1), got ${delta}`);
  try {
    boundsFor(Object.keys(table));
  } catch (error) {
    throw new UsageError(`--dp-epsilon: ${(error as Error).message.replace(/ \(give .*\)$/, '')}; DP from the CLI supports the member feature columns of \`daogym data import\``);
  }
  return { epsilon, delta };
}

function describePrivacy(p: PrivacyBudget): string {
  return (
    `differential privacy: epsilon ${p.epsilon.toFixed(3)} at delta ${p.delta.toExponential()} (target ${p.targetEpsilon}; RDP accountant, order ${p.bestOrder}); ` +
    `DP-SGD noise multiplier ${p.noiseMultiplier.toFixed(3)}, sample rate ${p.sampleRate.toFixed(4)}, ${p.steps} steps, clip ${p.maxGradNorm}; ` +
    `marginals: Gaussian histograms, noise multiplier ${p.preprocessing.noiseMultiplier.toFixed(3)} (${Math.round(p.preprocessing.share * 100)}% share, epsilon ${p.preprocessing.epsilon.toFixed(3)} alone)`
  );
}

export const command = 'generators <action>';
export const describe = 'Population generators: fit, sample, evaluate';

export function builder(yargs: Argv): Argv {
  return yargs
    .command(
      'fit',
      'Fit a generator to a feature table',
      (y) =>
        y
          .option('kind', { choices: FITTABLE_KINDS, default: 'copula', describe: 'generator kind (daogym list generators)' })
          .option('data', { type: 'string', demandOption: true, describe: 'feature table CSV (from `daogym data import`)' })
          .option('out', { type: 'string', demandOption: true, describe: 'where to write the model (JSON)' })
          .option('epochs', { type: 'number', describe: 'training epochs (default: vae, gan 300; diffusion 400)' })
          .option('seed', { type: 'number', default: 0, describe: 'training seed (vae, gan)' })
          .option('dp-epsilon', { type: 'number', describe: 'differential privacy (vae: DP-SGD + DP marginals; mst: noisy marginals): total epsilon' })
          .option('dp-delta', { type: 'number', default: 1e-5, describe: 'delta of the DP guarantee (with --dp-epsilon)' })
          .strict(),
      async (args) => {
        checkOutput('--out', args.out as string);
        const table = read(args.data as string, '--data');
        const rows = Object.values(table)[0]?.length ?? 0;
        const kind = generatorKind(args.kind as string)!;
        if (rows < kind.minRows) throw new UsageError(`--data: ${args.data} has ${rows} row${rows === 1 ? '' : 's'}; the ${kind.label} needs at least ${kind.minRows}`);
        const epochs = args.epochs as number | undefined;
        if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1)) throw new UsageError(`--epochs must be a positive integer, got ${epochs}`);
        const dp = dpOptions(args['dp-epsilon'] as number | undefined, args['dp-delta'] as number, kind, table);
        const model = await kind.fit!(table, { ...(epochs === undefined ? {} : { epochs }), seed: args.seed as number, dp });
        await model.save(args.out as string);
        console.log(`fitted ${args.kind} on ${args.data} -> ${args.out}`);
        const privacy = privacyOf(model);
        if (privacy !== undefined) console.log(describePrivacy(privacy));
        if (model instanceof MstGenerator && model.privacy !== null) console.log(describeMstPrivacy(model.privacy));
      },
    )
    .command(
      'sample',
      'Sample synthetic members from a fitted generator',
      (y) =>
        y
          .option('model', { type: 'string', demandOption: true, describe: 'model JSON from `generators fit`' })
          .option('n', { type: 'number', default: 1000, describe: 'rows to sample (1-10,000,000)' })
          .option('seed', { type: 'number', default: 0, describe: 'seed of the sampling stream' })
          .option('out', { type: 'string', demandOption: true, describe: 'CSV to write' })
          .strict(),
      async (args) => {
        const n = args.n as number;
        if (!Number.isInteger(n) || n < 1 || n > 10_000_000) throw new UsageError(`--n must be an integer from 1 to 10,000,000, got ${n}`);
        const seed = args.seed as number;
        if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got ${seed}`);
        checkOutput('--out', args.out as string);
        const model = await load(args.model as string);
        writeTableCsv(args.out as string, model.sample(n, Rng.create(seed)));
        console.log(`sampled ${n} rows -> ${args.out}`);
      },
    )
    .command(
      'evaluate',
      'Quality (SDMetrics-style) and privacy (DCR, membership inference) of a synthetic table',
      (y) =>
        y
          .option('real', { type: 'string', demandOption: true, describe: 'the training feature table' })
          .option('synthetic', { type: 'string', demandOption: true, describe: 'the synthetic table' })
          .option('holdout', { type: 'string', describe: 'real rows not used for training (enables privacy metrics)' })
          .option('model', { type: 'string', describe: 'the model that made --synthetic (reports its DP budget, if any)' })
          .option('json', { type: 'boolean', default: false })
          .strict(),
      async (args) => {
        const real = read(args.real as string);
        const synthetic = read(args.synthetic as string);
        checkColumns(real, synthetic, `--synthetic ${args.synthetic}`);
        const report: Record<string, number> = {};
        const quality = qualityReport(real, synthetic);
        report.overallQuality = quality.overall;
        report.columnShapes = quality.columnShapes;
        report.columnPairTrends = quality.columnPairTrends;
        report.boundaryAdherence = quality.boundaryAdherence;
        let dcr: DcrBreakdown | undefined;
        if (args.holdout !== undefined) {
          const holdout = read(args.holdout as string);
          checkColumns(real, holdout, `--holdout ${args.holdout}`);
          dcr = dcrBreakdown(synthetic, real, holdout);
          report.dcrOverfittingProtection = dcr.score;
          report.membershipInferenceAuc = membershipInferenceAuc(synthetic, real, holdout);
        }
        let privacy: PrivacyBudget | undefined;
        if (args.model !== undefined) {
          const model = await load(args.model as string);
          privacy = privacyOf(model);
          if (privacy !== undefined) {
            report.dpEpsilon = privacy.epsilon;
            report.dpDelta = privacy.delta;
          }
          if (model instanceof MstGenerator && model.privacy !== null) {
            report.dpEpsilon = model.privacy.epsilon;
            report.dpDelta = model.privacy.delta;
          }
        }
        if (args.json) console.log(JSON.stringify({ ...report, ...(dcr === undefined ? {} : { dcr }), ...(privacy === undefined ? {} : { privacy }) }));
        else {
          for (const [key, value] of Object.entries(report)) console.log(`${key.padEnd(26)} ${value !== 0 && Math.abs(value) < 1e-3 ? value.toExponential(2) : value.toFixed(4)}`);
          if (dcr !== undefined) console.log(describeDcr(dcr));
          if (privacy !== undefined) console.log(describePrivacy(privacy));
        }
      },
    )
    .demandCommand(1, 'Give an action: fit, sample or evaluate')
    .strict();
}

export function handler(): void {}

/** How the DCR score was formed, in words: the sizes, the shares and the interval. */
export function describeDcr(dcr: DcrBreakdown): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
  return (
    `DCR overfitting protection ${dcr.score.toFixed(2)} (95 % interval ${dcr.interval[0].toFixed(2)}-${dcr.interval[1].toFixed(2)}): ` +
    `${pct(dcr.closerToTrain)} of ${dcr.syntheticRows} synthetic rows are closer to a training row than to a holdout row; ` +
    `with ${dcr.trainRows} training and ${dcr.holdoutRows} holdout rows an independent sample would show ${pct(dcr.expectedIfIndependent)}. ` +
    `1 = no closer to the training rows than that, 0 = on them (score = (1 - share) / (1 - expected), capped at 1).`
  );
}
