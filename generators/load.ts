/** Loads any saved generator model by the `kind` in its file. */
import { readFile } from 'node:fs/promises';
import type { Rng } from '../lib/rng.ts';
import { GaussianCopula } from './copula.ts';
import type { Table } from './metrics.ts';
import { ParametricGenerator } from './parametric.ts';
import { TabularGan } from './gan.ts';
import { TabularVae } from './vae.ts';

export type Generator = GaussianCopula | ParametricGenerator | TabularVae | TabularGan;

export interface LoadedGenerator {
  sample(n: number, rng: Rng): Table | Promise<Table>;
}

export async function loadGenerator(path: string): Promise<Generator> {
  const kind = (JSON.parse(await readFile(path, 'utf8')) as { kind?: string }).kind;
  if (kind === 'gaussian-copula') return GaussianCopula.load(path);
  if (kind === 'parametric') return ParametricGenerator.load(path);
  if (kind === 'tvae') return TabularVae.load(path);
  if (kind === 'ctgan') return TabularGan.load(path);
  throw new Error(`unknown model kind ${JSON.stringify(kind)}`);
}
