import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normal } from '../../lib/distributions.ts';
import { Rng } from '../../lib/rng.ts';
import { tf } from '../../lib/tf.ts';
import { TabularVae } from '../../generators/vae.ts';
import { composeRdp, computeRdp, gaussianMechanismRdp, privacySpent } from '../../generators/dp/accountant.ts';
import { BRAVO, bravoSplit, haveBravo } from '../helpers/bravo.ts';
import { dcrOverfittingProtection, membershipInferenceAuc, qualityReport, type Table } from '../../generators/metrics.ts';

const haveData = haveBravo;
if (!haveData) console.log(`skipping the Compound Bravo VAE tests: ${BRAVO} is missing`);

(haveData ? test : test.skip)('TVAE on the Compound Bravo voter table (80/20 split by member): quality >= 0.85, DCR protection >= 0.9, no leaked tensors', async () => {
  const { train, holdout } = bravoSplit();
  const before = tf.memory().numTensors;
  const { vae, losses } = await TabularVae.fit(train, { epochs: 100, seed: 1 });
  assert.is(tf.memory().numTensors, before, 'training frees every tensor it made');
  assert.ok(losses.at(-1)! < losses[0]!, 'the loss went down');
  assert.is(vae.privacy, undefined, 'no DP, no budget');
  const quality = qualityReport(holdout, vae.sample(holdout.votes!.length * 4, Rng.create(7)));
  assert.ok(quality.overall >= 0.85, `quality ${quality.overall}`);
  const protection = dcrOverfittingProtection(vae.sample(2000, Rng.create(8)), train, holdout);
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

(haveData ? test : test.skip)('DP TVAE on Compound Bravo at epsilon 8, delta 1e-5: quality >= 0.80, membership-inference AUC <= 0.6, the budget is saved and adds up', async () => {
  const { train, holdout } = bravoSplit();
  const before = tf.memory().numTensors;
  const started = Date.now();
  const { vae } = await TabularVae.fit(train, { epochs: 40, batchSize: 500, learningRate: 5e-3, seed: 1, dp: { epsilon: 8, delta: 1e-5 } });
  const fitSeconds = (Date.now() - started) / 1000;
  assert.is(tf.memory().numTensors, before, 'DP training frees every tensor it made');
  const p = vae.privacy!;
  assert.ok(p !== undefined);
  assert.ok(p.epsilon <= 8 && p.epsilon > 7.9, `epsilon spent ${p.epsilon}`);
  assert.is(p.delta, 1e-5);
  const n = train.votes!.length;
  assert.ok(Math.abs(p.sampleRate - 500 / n) < 1e-12 && p.steps === 40 * Math.round(n / 500), `q ${p.sampleRate}, ${p.steps} steps`);
  // The total is the composition of both mechanisms, recomputed here from the saved parameters.
  const total = privacySpent(composeRdp(gaussianMechanismRdp(p.preprocessing.noiseMultiplier), computeRdp(p.sampleRate, p.noiseMultiplier, p.steps)), p.delta);
  assert.ok(Math.abs(total.epsilon - p.epsilon) < 1e-9 && total.bestOrder === p.bestOrder);
  assert.ok(Math.abs(p.preprocessing.epsilon - 0.25 * 8) < 0.01, `the marginals alone spend ${p.preprocessing.epsilon}`);
  assert.ok(p.dpSgdEpsilon < p.epsilon && p.preprocessing.epsilon < p.epsilon, 'each part alone spends less than the total');

  const quality = qualityReport(holdout, vae.sample(holdout.votes!.length * 4, Rng.create(7)));
  assert.ok(quality.overall >= 0.8, `quality ${quality.overall}`);
  const synthetic = vae.sample(holdout.votes!.length, Rng.create(8));
  const auc = membershipInferenceAuc(synthetic, train, holdout);
  assert.ok(auc <= 0.6, `membership-inference AUC ${auc}`);
  console.log(`  DP TVAE: fit ${fitSeconds.toFixed(1)} s, quality ${quality.overall.toFixed(4)}, MIA AUC ${auc.toFixed(4)}, DCR protection ${dcrOverfittingProtection(synthetic, train, holdout).toFixed(4)}, epsilon ${p.epsilon.toFixed(3)} (sigma ${p.noiseMultiplier.toFixed(3)}, q ${p.sampleRate.toFixed(3)}, ${p.steps} steps)`);

  const directory = mkdtempSync(join(tmpdir(), 'daogym-dpvae-'));
  try {
    await vae.save(join(directory, 'vae.json'));
    const file = JSON.parse(readFileSync(join(directory, 'vae.json'), 'utf8'));
    assert.equal(file.marginals, [], 'a DP model file holds no training values');
    const loaded = await TabularVae.load(join(directory, 'vae.json'));
    assert.equal(loaded.privacy, p);
    assert.equal(Array.from(loaded.sample(5, Rng.create(1)).tenureDays!), Array.from(vae.sample(5, Rng.create(1)).tenureDays!));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

function smallTable(n: number, seed: number): Table {
  const rng = Rng.create(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const k = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = normal(rng);
    a[i] = Math.min(1, Math.max(0, 0.5 + 0.2 * z));
    b[i] = Math.min(1, Math.max(0, 0.5 + 0.15 * z + 0.1 * normal(rng)));
    k[i] = Math.min(50, Math.max(0, Math.round(5 + 3 * z)));
  }
  return { a, b, k };
}

const smallBounds = { a: { low: 0, high: 1 }, b: { low: 0, high: 1 }, k: { low: 0, high: 50, integer: true } };

test('DP TVAE on a small generated table: budget within target, samples within the public bounds, reproducible; bad DP options are refused', async () => {
  const table = smallTable(400, 1);
  const before = tf.memory().numTensors;
  const options = { epochs: 30, batchSize: 100, learningRate: 1e-2, hidden: [32, 32], latent: 4, seed: 3, dp: { epsilon: 4, delta: 1e-5, bounds: smallBounds, intervals: 16 } };
  const { vae } = await TabularVae.fit(table, options);
  assert.is(tf.memory().numTensors, before);
  const p = vae.privacy!;
  assert.ok(p.epsilon <= 4 && p.epsilon > 3.9, `epsilon ${p.epsilon}`);
  assert.is(p.steps, 30 * 4);
  const sample = vae.sample(500, Rng.create(2));
  assert.ok(sample.k!.every((v) => Number.isInteger(v) && v >= 0 && v <= 50), 'integer column: integers within its bounds');
  assert.ok(sample.a!.every((v) => v >= 0 && v <= 1));
  // Correlated columns stay correlated through DP training (the dependence is strong: rho about 0.8).
  const quality = qualityReport(table, vae.sample(2000, Rng.create(2)));
  assert.ok(quality.overall > 0.75 && quality.columnPairTrends > 0.85, `quality ${quality.overall}, pair trends ${quality.columnPairTrends}`);
  const again = (await TabularVae.fit(table, options)).vae.sample(20, Rng.create(2));
  assert.equal(Array.from(again.a!), Array.from(vae.sample(20, Rng.create(2)).a!), 'same seed, same model');
  await TabularVae.fit(table, { ...options, dp: { epsilon: 4, delta: 1e-5 } }).then(
    () => assert.unreachable('columns without public bounds'),
    (error: Error) => assert.match(error.message, /public bounds for column 'a'/),
  );
  for (const [dp, pattern] of [
    [{ epsilon: 0, delta: 1e-5 }, /dp\.epsilon/],
    [{ epsilon: 1, delta: 1 }, /dp\.delta/],
    [{ epsilon: 1, delta: 1e-5, preprocessingShare: 1 }, /preprocessingShare/],
  ] as const) {
    await TabularVae.fit(table, { ...options, dp: { ...dp, bounds: smallBounds } }).then(
      () => assert.unreachable(`accepted ${JSON.stringify(dp)}`),
      (error: Error) => assert.match(error.message, pattern),
    );
  }
  assert.is(tf.memory().numTensors, before);
});

test('daogym generators fit --dp-epsilon prints the budget; evaluate --model reports it; bad values exit 2 naming the option', () => {
  const bin = new URL('../../bin/daogym.mjs', import.meta.url).pathname;
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  const directory = mkdtempSync(join(tmpdir(), 'daogym-dpcli-'));
  try {
    const rng = Rng.create(4);
    const lines = ['member,logVotingPower,participation,supportRate,meanTiming,votes,tenureDays'];
    for (let i = 0; i < 300; i++) lines.push([`0x${i}`, (2 * rng.random()).toFixed(4), rng.random().toFixed(3), rng.random().toFixed(3), rng.random().toFixed(3), 1 + rng.int(20), (rng.random() * 300).toFixed(1)].join(','));
    const data = join(directory, 'train.csv');
    writeFileSync(data, `${lines.join('\n')}\n`);
    const model = join(directory, 'model.json');
    const fit = run('generators', 'fit', '--kind', 'vae', '--data', data, '--out', model, '--epochs', '2', '--dp-epsilon', '3', '--dp-delta', '1e-6');
    assert.is(fit.status, 0, fit.stderr);
    assert.match(fit.stdout, /differential privacy: epsilon 2\.9\d\d at delta 1e-6 \(target 3; RDP accountant/);
    assert.is(run('generators', 'sample', '--model', model, '--n', '300', '--out', join(directory, 'synth.csv')).status, 0);
    const evaluation = run('generators', 'evaluate', '--real', data, '--synthetic', join(directory, 'synth.csv'), '--model', model);
    assert.is(evaluation.status, 0, evaluation.stderr);
    assert.match(evaluation.stdout, /dpEpsilon\s+2\.9\d{3}/);
    assert.match(evaluation.stdout, /dpDelta\s+1\.00e-6/);
    assert.match(evaluation.stdout, /noise multiplier/);
    for (const [args, pattern] of [
      [['--kind', 'vae', '--dp-epsilon', '-1'], /--dp-epsilon must be a positive number/],
      [['--kind', 'vae', '--dp-epsilon', '1', '--dp-delta', '2'], /--dp-delta must be in \(0, 1\)/],
      [['--kind', 'copula', '--dp-epsilon', '1'], /--dp-epsilon applies to --kind vae/],
    ] as const) {
      const bad = run('generators', 'fit', '--data', data, '--out', join(directory, 'bad.json'), '--epochs', '1', ...args);
      assert.is(bad.status, 2, `${args.join(' ')}: ${bad.stderr}`);
      assert.match(bad.stderr, pattern);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
