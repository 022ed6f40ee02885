/**
 * Population generators on real voters: Compound Bravo, Compound Alpha and Aave v2 (../shared/data), each
 * imported and split 80/20 by member (seed 42, as `daogym data split --holdout 0.2 --seed 42`). Without DP: the
 * Gaussian copula, the VAE (100 epochs), the GAN (40 epochs, 128 x 128; the settings of their tests), the
 * diffusion generator (its defaults) and MST; with DP: MST at epsilon 1, 3 and 8 (delta 1e-5). Quality against
 * the training rows, DCR overfitting protection and membership-inference AUC against the holdout, fit and sample
 * time, all in one run; and the VAE under DP-SGD at epsilon 1, 3 and 8 (40 epochs, lr 5e-3), and the GAN with its
 * DP discriminator at epsilon 1, 3 and 8 (40 epochs, its bench size; public bounds from FEATURE_BOUNDS, so
 * nothing is read off the data outside the budget).
 * `npm run bench -- generators-privacy` takes about 25 minutes on 2 cores; DAOCHECK=fast leaves the neural ones out.
 */
import { existsSync } from 'node:fs';
import { Rng } from '../lib/rng.ts';
import { GaussianCopula } from '../generators/copula.ts';
import { FEATURE_COLUMNS, memberFeatures } from '../generators/import/features.ts';
import { readGovernorEvents } from '../generators/import/governor-events.ts';
import { holdoutMembers } from '../generators/import/split.ts';
import { dcrBreakdown, membershipInferenceAuc, qualityReport, type Table } from '../generators/metrics.ts';
import { MstGenerator } from '../generators/mst.ts';
import { FEATURE_BOUNDS } from '../generators/dp/marginals.ts';
import type { Figure } from './cartpole.ts';

const DAOS = ['compound_governor_bravo', 'compound_governor_alpha', 'aave_governance_v2'];

/** The member features' public bounds (dp/marginals.ts FEATURE_BOUNDS) in the GAN's form. */
const GAN_BOUNDS = Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, [FEATURE_BOUNDS[c]!.low, FEATURE_BOUNDS[c]!.high] as [number, number]]));

function split(file: string): { train: Table; holdout: Table } {
  const table = memberFeatures(readGovernorEvents(file));
  const held = holdoutMembers(table.members, 0.2, 42);
  const pick = (holdout: boolean): Table => {
    const rows = table.members.flatMap((m, i) => (held.has(m) === holdout ? [i] : []));
    return Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, Float64Array.from(rows, (i) => table.columns[c][i]!)]));
  };
  return { train: pick(false), holdout: pick(true) };
}

export async function benchGeneratorsPrivacy(): Promise<Figure[]> {
  const fast = process.env.DAOCHECK === 'fast';
  const { TabularVae } = await import('../generators/vae.ts');
  const { TabularGan } = await import('../generators/gan.ts');
  const { TabularDiffusion } = await import('../generators/diffusion.ts');
  const figures: Figure[] = [];
  for (const dao of DAOS) {
    const file = new URL(`../../shared/data/governor-events/${dao}.csv`, import.meta.url).pathname;
    if (!existsSync(file)) {
      console.error(`bench generators-privacy: ${dao} skipped, ${file} is missing`);
      continue;
    }
    const { train, holdout } = split(file);
    const rows = train.votes!.length;
    type Sampler = { sample(n: number, rng: Rng): Table };
    const candidates: Array<[string, () => Sampler | Promise<Sampler>, number | null]> = [
      ['copula', () => GaussianCopula.fit(train), null],
      ...(fast
        ? []
        : ([
            ['vae', async () => (await TabularVae.fit(train, { epochs: 100, seed: 1 })).vae, null],
            ['gan', async () => (await TabularGan.fit(train, { epochs: 40, seed: 1, embeddingDim: 64, generatorDims: [128, 128], discriminatorDims: [128, 128] })).gan, null],
            ['diffusion', async () => (await TabularDiffusion.fit(train, { seed: 1 })).diffusion, null],
          ] as Array<[string, () => Promise<Sampler>, null]>)),
      // The VAE under DP-SGD with DP marginals, as docs/modules.md measured it at epsilon 8 (40 epochs, lr 5e-3).
      // The GAN with its DP discriminator (per-pack clipping, DP-SGD) and DP mode-specific normalisation, on public bounds.
      ...(fast
        ? []
        : [1, 3, 8].map(
            (epsilon) =>
              [
                `gan-eps${epsilon}`,
                async () => (await TabularGan.fit(train, { epochs: 40, seed: 1, embeddingDim: 64, generatorDims: [128, 128], discriminatorDims: [128, 128], dp: { epsilon, delta: 1e-5, bounds: GAN_BOUNDS } })).gan,
                epsilon,
              ] as [string, () => Promise<Sampler>, number],
          )),
      ...(fast ? [] : [1, 3, 8].map((epsilon) => [`vae-eps${epsilon}`, async () => (await TabularVae.fit(train, { epochs: 40, seed: 1, learningRate: 5e-3, dp: { epsilon, delta: 1e-5 } })).vae, epsilon] as [string, () => Promise<Sampler>, number])),
      ['mst', () => MstGenerator.fit(train, { seed: 1 }), null],
      ...[1, 3, 8].map((epsilon) => [`mst-eps${epsilon}`, () => MstGenerator.fit(train, { epsilon, delta: 1e-5, seed: 1 }), epsilon] as [string, () => MstGenerator, number]),
    ];
    for (const [name, fit, epsilon] of candidates) {
      let start = performance.now();
      const generator = await fit();
      const fitSeconds = (performance.now() - start) / 1000;
      start = performance.now();
      const synthetic = generator.sample(rows, Rng.create(7));
      const sampleSeconds = (performance.now() - start) / 1000;
      const quality = qualityReport(train, synthetic).overall;
      const dcr = dcrBreakdown(synthetic, train, holdout).score;
      const mia = membershipInferenceAuc(synthetic, train, holdout);
      const round = (x: number, d = 3) => Number(x.toFixed(d));
      // The budget the fit reports spending (its accountant's epsilon at delta), and anything read off the data outside it.
      const privacy = (generator as { privacy?: { epsilon?: number; inferredFromData?: string[] } }).privacy;
      figures.push({ name: `generators-privacy.${dao}.${name}.quality`, value: round(quality), unit: 'score', epsilon, delta: epsilon === null ? null : 1e-5, spentEpsilon: privacy?.epsilon === undefined ? null : round(privacy.epsilon), inferredFromData: privacy?.inferredFromData ?? [], rows, holdout: holdout.votes!.length, dcrProtection: round(dcr), miaAuc: round(mia), fitSeconds: round(fitSeconds), sampleSeconds: round(sampleSeconds) });
    }
  }
  return figures;
}
