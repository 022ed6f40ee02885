import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../lib/rng.ts';
import { tf } from '../../lib/tf.ts';
import { TabularVae } from '../../generators/vae.ts';
import { BRAVO, bravoSplit, haveBravo } from '../helpers/bravo.ts';
import { dcrOverfittingProtection, qualityReport } from '../../generators/metrics.ts';

const haveData = haveBravo;
if (!haveData) console.log(`skipping the Compound Bravo VAE test: ${BRAVO} is missing`);

(haveData ? test : test.skip)('TVAE on the Compound Bravo voter table (80/20 split by member): quality >= 0.85, DCR protection >= 0.9, no leaked tensors', async () => {
  const { train, holdout, trainSubset } = bravoSplit();
  const before = tf.memory().numTensors;
  const { vae, losses } = await TabularVae.fit(train, { epochs: 100, seed: 1 });
  assert.is(tf.memory().numTensors, before, 'training frees every tensor it made');
  assert.ok(losses.at(-1)! < losses[0]!, 'the loss went down');
  const quality = qualityReport(holdout, vae.sample(holdout.votes!.length * 4, Rng.create(7)));
  assert.ok(quality.overall >= 0.85, `quality ${quality.overall}`);
  const protection = dcrOverfittingProtection(vae.sample(holdout.votes!.length, Rng.create(8)), trainSubset, holdout);
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
