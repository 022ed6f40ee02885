import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normal } from '../../lib/distributions.ts';
import { Rng } from '../../lib/rng.ts';
import { initBackend, tf } from '../../lib/tf.ts';
import { federatedTrain, fitFederatedVae, vaeDataHolder, type DataHolder, type VaeTrainingPlan, type Weights } from '../../generators/federated.ts';
import { TabularVae, VaeNetwork, resolveDp } from '../../generators/vae.ts';
import { boundsFor } from '../../generators/dp/marginals.ts';
import { qualityReport, type Table } from '../../generators/metrics.ts';
import { existsSync } from 'node:fs';
import { readGovernorEvents } from '../../generators/import/governor-events.ts';
import { FEATURE_COLUMNS, memberFeatures } from '../../generators/import/features.ts';

/** A holder fitting y = w x + b by gradient descent on rows it never shares. */
function linearHolder(name: string, rows: { x: number; y: number }[], learningRate = 0.05): DataHolder {
  return {
    name,
    numExamples: rows.length,
    train(weights: Weights, { epochs, mu, globalWeights }) {
      let w = weights[0]![0]!;
      let b = weights[0]![1]!;
      const anchor = globalWeights[0]!;
      for (let e = 0; e < epochs; e++) {
        let gw = 0;
        let gb = 0;
        for (const { x, y } of rows) {
          const error = w * x + b - y;
          gw += (error * x) / rows.length;
          gb += error / rows.length;
        }
        gw += mu * (w - anchor[0]!);
        gb += mu * (b - anchor[1]!);
        w -= learningRate * gw;
        b -= learningRate * gb;
      }
      return [Float32Array.of(w, b)];
    },
  };
}

function data(rng: Rng, n: number, center: number): { x: number; y: number }[] {
  return Array.from({ length: n }, () => {
    const x = center + normal(rng);
    return { x, y: 3 * x - 1 + 0.1 * normal(rng) };
  });
}

test('FedAvg over non-IID holders reaches the pooled least-squares fit; weights are averaged by example count', async () => {
  const rng = Rng.create(1);
  const holders = [linearHolder('a', data(rng, 200, -2)), linearHolder('b', data(rng, 50, 0)), linearHolder('c', data(rng, 100, 3))];
  const result = await federatedTrain(holders, [new Float32Array(2)], { rounds: 200, localEpochs: 5 });
  assert.ok(Math.abs(result[0]![0]! - 3) < 0.02 && Math.abs(result[0]![1]! + 1) < 0.05, `w, b = ${Array.from(result[0]!)}`);
  // One round with one local step from zero equals the example-weighted average of the holders' steps.
  const one = await federatedTrain(holders, [new Float32Array(2)], { rounds: 1, localEpochs: 1 });
  const steps = await Promise.all(holders.map((h) => h.train([new Float32Array(2)], { round: 0, epochs: 1, mu: 0, globalWeights: [new Float32Array(2)] })));
  const expected = steps.reduce((sum, s, k) => sum + (s[0]![0]! * holders[k]!.numExamples) / 350, 0);
  assert.ok(Math.abs(one[0]![0]! - expected) < 1e-6);
});

test('FedProx keeps local updates near the round weights: less client drift per round', async () => {
  const rng = Rng.create(2);
  const holder = linearHolder('far', data(rng, 100, 5));
  const start = [Float32Array.of(0, 0)];
  const plain = (await holder.train(start, { round: 0, epochs: 50, mu: 0, globalWeights: start }))[0]!;
  const prox = (await holder.train(start, { round: 0, epochs: 50, mu: 1, globalWeights: start }))[0]!;
  assert.ok(Math.hypot(prox[0]!, prox[1]!) < Math.hypot(plain[0]!, plain[1]!));
  await federatedTrain([], start, { rounds: 1, localEpochs: 1 }).then(
    () => assert.unreachable('no holders'),
    (error: Error) => assert.match(error.message, /at least one data holder/),
  );
});


/** A small two-column table whose location differs by holder (non-IID holders). */
function holderTable(n: number, seed: number, shift: number): Table {
  const rng = Rng.create(seed);
  const participation = new Float64Array(n);
  const votes = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = normal(rng);
    participation[i] = Math.min(1, Math.max(0, 0.4 + shift + 0.15 * z));
    votes[i] = Math.max(1, Math.round(4 + 8 * shift + 2 * z + normal(rng)));
  }
  return { participation, votes };
}

const concat = (a: Table, b: Table): Table => Object.fromEntries(Object.keys(a).map((c) => [c, Float64Array.from([...a[c]!, ...b[c]!])]));

function distance(x: Weights, y: Weights): number {
  let sum = 0;
  x.forEach((w, k) => w.forEach((v, i) => (sum += (v - y[k]![i]!) ** 2)));
  return Math.sqrt(sum);
}

test('federated TVAE on generated tables: holders share only public-grid histograms; FedProx pulls towards the round weights; DP inside each holder with its own budget', async () => {
  await initBackend();
  const a = holderTable(300, 1, 0);
  const b = holderTable(200, 2, 0.3);
  const before = tf.memory().numTensors;
  const columns = ['participation', 'votes'];
  // What a holder shares before training: histograms on the public grid, nothing else.
  const holder = vaeDataHolder('a', a);
  const plan: VaeTrainingPlan = { columns, bounds: boundsFor(columns), intervals: 16, latent: 4, hidden: [16, 16], lossFactor: 2, batchSize: 100, learningRate: 1e-2, rounds: 2, localEpochs: 1, seed: 1 };
  const shared = holder.setup(plan);
  assert.equal(Object.keys(shared[0]!).sort(), ['counts', 'highs', 'integer', 'kind', 'lows']);
  assert.is(shared[1]!.counts.reduce((x, y) => x + y, 0), 300);
  assert.equal(shared[0]!.lows, vaeDataHolder('other', b).setup(plan)[0]!.lows, 'cells do not depend on the data');
  holder.useMarginals(shared);
  // FedProx: from the same start, a large mu ends the local epochs nearer the round weights than plain FedAvg.
  const network = new VaeNetwork(2, 4, [16, 16], Rng.create(9));
  const start = network.getWeights();
  network.dispose();
  const plain = await holder.train(start, { round: 0, epochs: 3, mu: 0, globalWeights: start });
  const other = vaeDataHolder('a', a);
  other.setup(plan);
  other.useMarginals(shared);
  const prox = await other.train(start, { round: 0, epochs: 3, mu: 50, globalWeights: start });
  assert.ok(distance(prox, start) < 0.7 * distance(plain, start), `drift ${distance(prox, start)} (mu 50) vs ${distance(plain, start)} (mu 0)`);
  holder.dispose();
  other.dispose();
  assert.is(tf.memory().numTensors, before, 'holders free their tensors');

  // DP inside each holder: each holder plans its own budget; the model reports the largest.
  const dpVae = await fitFederatedVae([vaeDataHolder('a', a), vaeDataHolder('b', b)], columns, { rounds: 10, localEpochs: 3, batchSize: 100, learningRate: 1e-2, hidden: [32, 32], latent: 4, seed: 2, dp: { epsilon: 4, delta: 1e-5, intervals: 16 } });
  assert.is(tf.memory().numTensors, before, 'federated training frees its tensors');
  const budgets = dpVae.federated!.privacy!;
  assert.equal(Object.keys(budgets), ['a', 'b']);
  for (const [name, rows] of [['a', 300], ['b', 200]] as const) {
    const p = budgets[name]!;
    assert.ok(p.epsilon <= 4 && p.epsilon > 3.9, `${name}: epsilon ${p.epsilon}`);
    assert.ok(Math.abs(p.sampleRate - 100 / rows) < 1e-12 && p.steps === 30 * Math.round(rows / 100), `${name}: q ${p.sampleRate}, ${p.steps} steps`);
  }
  assert.is(dpVae.privacy!.epsilon, Math.max(budgets.a!.epsilon, budgets.b!.epsilon));
  const pooled = concat(a, b);
  const quality = qualityReport(pooled, dpVae.sample(2000, Rng.create(3)));
  assert.ok(quality.overall > 0.7, `DP federated quality ${quality.overall}`);
  const sampled = dpVae.sample(500, Rng.create(4));
  assert.ok(sampled.votes!.every((v) => Number.isInteger(v)) && sampled.participation!.every((v) => v >= 0 && v <= 1));

  // A holder refuses to train past the epochs its budget was planned for.
  const capped = vaeDataHolder('a', a);
  const dpPlan = { ...plan, rounds: 1, localEpochs: 1, dp: resolveDp({ epsilon: 4, delta: 1e-5 }, columns) };
  capped.useMarginals(capped.setup(dpPlan));
  const w = await capped.train(start, { round: 0, epochs: 1, mu: 0, globalWeights: start });
  assert.throws(() => capped.train(w, { round: 1, epochs: 1, mu: 0, globalWeights: w }), /exceed its privacy budget/);
  capped.dispose();
  assert.is(tf.memory().numTensors, before);
});

const EVENTS = new URL('../../../shared/data/governor-events/', import.meta.url).pathname;
const haveEvents = existsSync(`${EVENTS}compound_governor_bravo.csv`) && existsSync(`${EVENTS}aave_governance_v2.csv`);
if (!haveEvents) console.log(`skipping the federated Compound + Aave VAE test: ${EVENTS} lacks compound_governor_bravo.csv or aave_governance_v2.csv`);

/** A DAO's member table split 80/20 by member with the same fixed shuffle as test/helpers/bravo.ts (seed 42). */
function daoSplit(file: string): { train: Table; holdout: Table } {
  const table = memberFeatures(readGovernorEvents(`${EVENTS}${file}`));
  const order = Array.from({ length: table.members.length }, (_, i) => i);
  Rng.create(42).shuffle(order);
  const cut = Math.floor(order.length * 0.8);
  const pick = (indices: number[]): Table => Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, Float64Array.from(indices, (i) => table.columns[c][i]!)]));
  return { train: pick(order.slice(0, cut)), holdout: pick(order.slice(cut)) };
}

(haveEvents ? test : test.skip)('federated TVAE over Compound (Bravo) and Aave holders scores within 0.03 overall quality of the centralised TVAE on the pooled holdout', async () => {
  const compound = daoSplit('compound_governor_bravo.csv');
  const aave = daoSplit('aave_governance_v2.csv');
  const holdout = concat(compound.holdout, aave.holdout);
  const before = tf.memory().numTensors;
  let started = Date.now();
  const { vae: central } = await TabularVae.fit(concat(compound.train, aave.train), { epochs: 40, learningRate: 3e-3, seed: 1 });
  const centralSeconds = (Date.now() - started) / 1000;
  started = Date.now();
  const federated = await fitFederatedVae([vaeDataHolder('compound', compound.train), vaeDataHolder('aave', aave.train)], [...FEATURE_COLUMNS], { rounds: 10, localEpochs: 4, learningRate: 3e-3, seed: 1 });
  const federatedSeconds = (Date.now() - started) / 1000;
  assert.is(tf.memory().numTensors, before);
  assert.equal(federated.federated!.holders, ['compound', 'aave']);
  const rows = holdout.votes!.length * 2;
  const centralQuality = qualityReport(holdout, central.sample(rows, Rng.create(7))).overall;
  const federatedQuality = qualityReport(holdout, federated.sample(rows, Rng.create(7))).overall;
  console.log(`  centralised ${centralQuality.toFixed(4)} (${centralSeconds.toFixed(1)} s), federated ${federatedQuality.toFixed(4)} (${federatedSeconds.toFixed(1)} s), gap ${(centralQuality - federatedQuality).toFixed(4)}`);
  assert.ok(federatedQuality >= centralQuality - 0.03, `federated ${federatedQuality} vs centralised ${centralQuality}`);
});

test.run();
