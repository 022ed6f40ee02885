/**
 * Private population generators on real voters: Compound Bravo, Compound Alpha and Aave v2 (../shared/data),
 * each imported and split 80/20 by member (seed 42, as `daogym data split --holdout 0.2 --seed 42`). MST at
 * epsilon 1, 3 and 8 (delta 1e-5) and without DP, beside the Gaussian copula (no DP) in the same run: quality
 * against the training rows, DCR overfitting protection and membership-inference AUC against the holdout,
 * fit and sample time. (The VAE's and GAN's rows, DP-SGD and the diffusion generator are not here yet.)
 */
import { existsSync } from 'node:fs';
import { Rng } from '../lib/rng.ts';
import { GaussianCopula } from '../generators/copula.ts';
import { FEATURE_COLUMNS, memberFeatures } from '../generators/import/features.ts';
import { readGovernorEvents } from '../generators/import/governor-events.ts';
import { holdoutMembers } from '../generators/import/split.ts';
import { dcrBreakdown, membershipInferenceAuc, qualityReport, type Table } from '../generators/metrics.ts';
import { MstGenerator } from '../generators/mst.ts';
import type { Figure } from './cartpole.ts';

const DAOS = ['compound_governor_bravo', 'compound_governor_alpha', 'aave_governance_v2'];

function split(file: string): { train: Table; holdout: Table } {
  const table = memberFeatures(readGovernorEvents(file));
  const held = holdoutMembers(table.members, 0.2, 42);
  const pick = (holdout: boolean): Table => {
    const rows = table.members.flatMap((m, i) => (held.has(m) === holdout ? [i] : []));
    return Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, Float64Array.from(rows, (i) => table.columns[c][i]!)]));
  };
  return { train: pick(false), holdout: pick(true) };
}

export function benchGeneratorsPrivacy(): Figure[] {
  const figures: Figure[] = [];
  for (const dao of DAOS) {
    const file = new URL(`../../shared/data/governor-events/${dao}.csv`, import.meta.url).pathname;
    if (!existsSync(file)) {
      console.error(`bench generators-privacy: ${dao} skipped, ${file} is missing`);
      continue;
    }
    const { train, holdout } = split(file);
    const rows = train.votes!.length;
    const candidates: Array<[string, () => { sample(n: number, rng: Rng): Table }, number | null]> = [
      ['copula', () => GaussianCopula.fit(train), null],
      ['mst', () => MstGenerator.fit(train, { seed: 1 }), null],
      ...[1, 3, 8].map((epsilon) => [`mst-eps${epsilon}`, () => MstGenerator.fit(train, { epsilon, delta: 1e-5, seed: 1 }), epsilon] as [string, () => MstGenerator, number]),
    ];
    for (const [name, fit, epsilon] of candidates) {
      let start = performance.now();
      const generator = fit();
      const fitSeconds = (performance.now() - start) / 1000;
      start = performance.now();
      const synthetic = generator.sample(rows, Rng.create(7));
      const sampleSeconds = (performance.now() - start) / 1000;
      const quality = qualityReport(train, synthetic).overall;
      const dcr = dcrBreakdown(synthetic, train, holdout).score;
      const mia = membershipInferenceAuc(synthetic, train, holdout);
      const round = (x: number, d = 3) => Number(x.toFixed(d));
      figures.push({ name: `generators-privacy.${dao}.${name}.quality`, value: round(quality), unit: 'score', epsilon, delta: epsilon === null ? null : 1e-5, rows, holdout: holdout.votes!.length, dcrProtection: round(dcr), miaAuc: round(mia), fitSeconds: round(fitSeconds), sampleSeconds: round(sampleSeconds) });
    }
  }
  return figures;
}
