/**
 * Population generators on the Compound Bravo voter table (../shared/data; the 80% training split of
 * test/helpers/bravo.ts): fit and sample time of each generator, and the sampling rate of parametric and
 * copula over 1,000,000 members (target: 1,000,000 members/s or faster).
 * VAE and GAN are fitted with the settings their tests use (VAE 100 epochs; GAN 40 epochs, (128, 128)
 * networks, latent 64), not the reference 300 epochs, to keep the bench to a couple of minutes.
 */
import { Rng } from '../lib/rng.ts';
import { initBackend } from '../lib/tf.ts';
import { GaussianCopula } from '../generators/copula.ts';
import { TabularGan } from '../generators/gan.ts';
import type { Table } from '../generators/metrics.ts';
import { ParametricGenerator } from '../generators/parametric.ts';
import { TabularVae } from '../generators/vae.ts';
import { BRAVO, bravoSplit, haveBravo } from '../test/helpers/bravo.ts';
import type { Figure } from './cartpole.ts';

interface Sampler {
  sample(n: number, rng: Rng): Table;
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

/** Best of three members-per-second over `members` rows (after one warm-up run). */
function samplingRate(generator: Sampler, members: number): number {
  generator.sample(10_000, Rng.create(0));
  let best = 0;
  for (let repeat = 0; repeat < 3; repeat++) {
    const start = performance.now();
    const table = generator.sample(members, Rng.create(repeat + 1));
    best = Math.max(best, members / seconds(start));
    if (!Number.isFinite(Object.values(table)[0]![members - 1]!)) throw new Error('sampling produced a non-finite value');
  }
  return best;
}

export async function benchGenerators(): Promise<Figure[]> {
  if (!haveBravo) {
    console.error(`bench generators: skipped, ${BRAVO} is missing`);
    return [];
  }
  const backend = await initBackend();
  const { train } = bravoSplit();
  const rows = train.votes!.length;
  const figures: Figure[] = [];
  const fitters: [string, () => Promise<Sampler> | Sampler, Record<string, unknown>][] = [
    ['parametric', () => ParametricGenerator.fit(train), {}],
    ['copula', () => GaussianCopula.fit(train), {}],
    ['vae', async () => (await TabularVae.fit(train, { epochs: 100, seed: 1 })).vae, { epochs: 100, backend }],
    ['gan', async () => (await TabularGan.fit(train, { epochs: 40, seed: 1, embeddingDim: 64, generatorDims: [128, 128], discriminatorDims: [128, 128] })).gan, { epochs: 40, hidden: [128, 128], backend }],
  ];
  for (const [kind, fit, settings] of fitters) {
    let start = performance.now();
    const generator = await fit();
    figures.push({ name: `generators.${kind}.fit_seconds`, value: +seconds(start).toFixed(3), unit: 's', rows, ...settings });
    const n = 10_000;
    start = performance.now();
    generator.sample(n, Rng.create(1));
    figures.push({ name: `generators.${kind}.sample_seconds`, value: +seconds(start).toFixed(3), unit: 's', members: n });
    if (kind === 'parametric' || kind === 'copula') {
      const members = 1_000_000;
      figures.push({ name: `generators.${kind}.members_per_second`, value: Math.round(samplingRate(generator, members)), unit: 'members/s', members, target: 1_000_000 });
    }
  }
  return figures;
}
