/** Loads any saved generator model by the `kind` in its file. */
import { ModelFileError, readModelFile } from './model-io.ts';
import { GaussianCopula } from './copula.ts';
import { ParametricGenerator } from './parametric.ts';
import { PopulationGenerator } from './population-generator.ts';
import type { TabularGan } from './gan.ts';
import type { TabularVae } from './vae.ts';

export type Generator = GaussianCopula | ParametricGenerator | PopulationGenerator | TabularVae | TabularGan;

export async function loadGenerator(path: string): Promise<Generator> {
  const { kind } = readModelFile(path);
  if (kind === 'gaussian-copula') return GaussianCopula.load(path);
  if (kind === 'parametric') return ParametricGenerator.load(path);
  // The closed loop's generators (its artifacts generator-g1.json, generator-round-<r>.json, generator-final.json).
  if (kind === 'population-generator') return PopulationGenerator.load(path);
  // The neural generators load tfjs, which takes seconds: only when a model needs it.
  if (kind === 'tvae') return (await import('./vae.ts')).TabularVae.load(path);
  if (kind === 'ctgan') return (await import('./gan.ts')).TabularGan.load(path);
  throw new ModelFileError(`${path}: unknown model kind ${JSON.stringify(kind)}`);
}
