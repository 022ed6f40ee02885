import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../lib/rng.ts';
import { tf } from '../../lib/tf.ts';
import { TabularVae } from '../../generators/vae.ts';
import { readGovernorEvents } from '../../generators/import/governor-events.ts';
import { FEATURE_COLUMNS, memberFeatures } from '../../generators/import/features.ts';
import { dcrOverfittingProtection, qualityReport, type Table } from '../../generators/metrics.ts';

const BRAVO = new URL('../../../shared/data/governor-events/compound_governor_bravo.csv', import.meta.url).pathname;
const haveData = existsSync(BRAVO);
if (!haveData) console.log(`skipping the Compound Bravo VAE test: ${BRAVO} is missing`);

(haveData ? test : test.skip)('TVAE on the Compound Bravo voter table (80/20 split by member): quality >= 0.85, DCR protection >= 0.9, no leaked tensors', async () => {
  const table = memberFeatures(readGovernorEvents(BRAVO));
  const order = Array.from({ length: table.members.length }, (_, i) => i);
  Rng.create(42).shuffle(order);
  const cut = Math.floor(order.length * 0.8);
  const pick = (indices: number[]): Table => Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, Float64Array.from(indices, (i) => table.columns[c][i]!)]));
  const train = pick(order.slice(0, cut));
  const holdout = pick(order.slice(cut));
  const before = tf.memory().numTensors;
  const { vae, losses } = await TabularVae.fit(train, { epochs: 100, seed: 1 });
  assert.is(tf.memory().numTensors, before, 'training frees every tensor it made');
  assert.ok(losses.at(-1)! < losses[0]!, 'the loss went down');
  const quality = qualityReport(holdout, vae.sample(holdout.votes!.length * 4, Rng.create(7)));
  assert.ok(quality.overall >= 0.85, `quality ${quality.overall}`);
  const protection = dcrOverfittingProtection(vae.sample(order.length - cut, Rng.create(8)), pick(order.slice(0, order.length - cut)), holdout);
  assert.ok(protection >= 0.9, `DCR overfitting protection ${protection}`);
  const directory = mkdtempSync(join(tmpdir(), 'daogym-vae-'));
  try {
    await vae.save(join(directory, 'vae.json'));
    const loaded = await TabularVae.load(join(directory, 'vae.json'));
    assert.equal(Array.from(loaded.sample(3, Rng.create(1)).votes!), Array.from(vae.sample(3, Rng.create(1)).votes!));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
