/**
 * The generator kinds behind one interface: each fits to a numeric member table, samples rows from a seeded
 * stream, saves a model JSON and loads it back (model-io.ts checks the file against its kind). The CLI, the
 * runner's populations and the loader all go through this table; the neural kinds load tfjs only when used.
 */
import type { Rng } from '../lib/rng.ts';
import type { Table } from './metrics.ts';
import { ModelFileError, readModelFile, type ModelKind } from './model-io.ts';
import { GaussianCopula } from './copula.ts';
import { ParametricGenerator } from './parametric.ts';
import { PopulationGenerator } from './population-generator.ts';
import { MstGenerator } from './mst.ts';
import type { TabularGan } from './gan.ts';
import type { TabularDiffusion } from './diffusion.ts';
import type { DpOptions, PrivacyBudget, TabularVae } from './vae.ts';

/** What every generator does once fitted or loaded. */
export interface SyntheticGenerator {
  sample(n: number, rng: Rng): Table;
  save(path: string): Promise<void>;
  /** The differential-privacy budget training spent, where it was trained under DP. */
  readonly privacy?: unknown;
}

export type Generator = GaussianCopula | ParametricGenerator | PopulationGenerator | TabularVae | TabularGan | MstGenerator | TabularDiffusion;

export interface FitOptions {
  /** Training epochs (neural kinds). */
  epochs?: number;
  /** Training seed (neural kinds). */
  seed?: number;
  /** Differential privacy (kinds with `dp`). */
  dp?: DpOptions;
}

export interface GeneratorKind {
  /** The name the CLI and configs use (`--kind copula`). */
  name: string;
  /** How messages name it ("the copula needs at least 2 rows"). */
  label: string;
  /** The `kind` its model files carry. */
  modelKind: ModelKind;
  describe: string;
  /** Rows a fit needs: two for any correlation, a whole pack for the GAN's PacGAN discriminator. */
  minRows: number;
  /** Whether `fit` takes `dp` (DP-SGD with DP marginals). */
  dp: boolean;
  /** Absent for kinds that come from elsewhere (the closed loop's population generators). */
  fit?(table: Table, options: FitOptions): Promise<Generator>;
  load(path: string): Promise<Generator>;
}

export const GENERATOR_KINDS: readonly GeneratorKind[] = [
  {
    name: 'parametric',
    label: 'parametric generator',
    modelKind: 'parametric',
    describe: 'calibrated marginals + Gaussian dependence; works with no data (domain.md calibration)',
    minRows: 2,
    dp: false,
    fit: async (table) => ParametricGenerator.fit(table),
    load: (path) => ParametricGenerator.load(path),
  },
  {
    name: 'copula',
    label: 'copula',
    modelKind: 'gaussian-copula',
    describe: 'Gaussian copula over empirical marginals (SDV GaussianCopula)',
    minRows: 2,
    dp: false,
    fit: async (table) => GaussianCopula.fit(table),
    load: (path) => GaussianCopula.load(path),
  },
  {
    name: 'vae',
    label: 'VAE',
    modelKind: 'tvae',
    describe: 'TVAE-style variational autoencoder (tfjs); DP-SGD optional',
    minRows: 2,
    dp: true,
    fit: async (table, options) => (await (await import('./vae.ts')).TabularVae.fit(table, { epochs: options.epochs, seed: options.seed, ...(options.dp === undefined ? {} : { dp: options.dp }) })).vae,
    load: async (path) => (await import('./vae.ts')).TabularVae.load(path),
  },
  {
    name: 'gan',
    label: 'GAN (pac 10)',
    modelKind: 'ctgan',
    describe: 'CTGAN-style GAN: mode-specific normalisation, WGAN-GP, PacGAN (tfjs); DP discriminator optional',
    minRows: 10,
    dp: false,
    fit: async (table, options) => (await (await import('./gan.ts')).TabularGan.fit(table, { epochs: options.epochs, seed: options.seed })).gan,
    load: async (path) => (await import('./gan.ts')).TabularGan.load(path),
  },
  {
    name: 'diffusion',
    label: 'diffusion model',
    modelKind: 'tabddpm',
    describe: 'TabDDPM-style Gaussian diffusion over quantile-normalised columns, MLP denoiser (tfjs)',
    minRows: 2,
    dp: false,
    fit: async (table, options) => (await (await import('./diffusion.ts')).TabularDiffusion.fit(table, { epochs: options.epochs, seed: options.seed })).diffusion,
    load: async (path) => (await import('./diffusion.ts')).TabularDiffusion.load(path),
  },
  {
    name: 'mst',
    label: 'MST',
    modelKind: 'mst',
    describe: 'MST (McKenna et al. 2021): noisy one- and two-way marginals on a public grid over a private maximum spanning tree; DP at small epsilon',
    minRows: 2,
    dp: true,
    fit: async (table, options) => MstGenerator.fit(table, { seed: options.seed, ...(options.dp === undefined ? {} : { epsilon: options.dp.epsilon, delta: options.dp.delta, bounds: options.dp.bounds }) }),
    load: (path) => MstGenerator.load(path),
  },
  {
    name: 'population-generator',
    label: 'population generator',
    modelKind: 'population-generator',
    describe: 'the closed loop\'s generator: a copula with population effects (its artifacts generator-*.json)',
    minRows: 2,
    dp: false,
    load: (path) => PopulationGenerator.load(path),
  },
];

/** The kinds `daogym generators fit --kind` accepts. */
export const FITTABLE_KINDS = GENERATOR_KINDS.filter((k) => k.fit !== undefined).map((k) => k.name);

export function generatorKind(name: string): GeneratorKind | undefined {
  return GENERATOR_KINDS.find((k) => k.name === name);
}

/** Loads any saved generator model by the `kind` in its file (checked against its content). */
export async function loadGenerator(path: string): Promise<Generator> {
  const { kind } = readModelFile(path);
  const generator = GENERATOR_KINDS.find((k) => k.modelKind === kind);
  if (generator === undefined) throw new ModelFileError(`${path}: unknown model kind ${JSON.stringify(kind)}`);
  return generator.load(path);
}

/** The DP budget a model carries, if it was trained under DP. */
export function privacyOf(model: Generator): PrivacyBudget | undefined {
  // The VAE's budget (DP-SGD and DP marginals composed); the GAN's DP record has another shape.
  const privacy = (model as { privacy?: unknown }).privacy;
  return privacy !== null && typeof privacy === 'object' && 'dpSgdEpsilon' in privacy ? (privacy as PrivacyBudget) : undefined;
}
