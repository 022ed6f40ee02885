import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../lib/rng.ts';
import { beta, lognormal } from '../../lib/distributions.ts';
import { applyEffects, gaussianKl, PopulationGenerator, PRIOR_STD } from '../../generators/population-generator.ts';
import type { Table } from '../../generators/metrics.ts';

function memberTable(n: number, seed: number): Table {
  const rng = Rng.create(seed);
  return {
    logVotingPower: Float64Array.from({ length: n }, () => Math.log10(1 + lognormal(rng, 3, 2))),
    participation: Float64Array.from({ length: n }, () => beta(rng, 1, 4)),
    supportRate: Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1 : beta(rng, 5, 2))),
    meanTiming: Float64Array.from({ length: n }, () => beta(rng, 2, 3)),
  };
}

const mean = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / xs.length;
const spread = (xs: Float64Array) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
};

test('population effects: zero is the identity, each effect moves its feature the documented way', () => {
  const table = memberTable(2000, 1);
  assert.equal(applyEffects(table, [0, 0, 0, 0]), table);
  const quiet = applyEffects(table, [-0.5, 0, 0, 0]);
  assert.ok(Math.abs(mean(quiet.participation!) / mean(table.participation!) - Math.exp(-0.5)) < 1e-9);
  const whales = applyEffects(table, [0, 0.3, 0, 0]);
  assert.ok(spread(whales.logVotingPower!) > 1.2 * spread(table.logVotingPower!));
  const late = applyEffects(table, [0, 0, 0.5, 0]);
  assert.ok(mean(late.meanTiming!) > mean(table.meanTiming!) + 0.05);
  const sceptical = applyEffects(table, [0, 0, 0, -0.5]);
  assert.ok(mean(sceptical.supportRate!) < mean(table.supportRate!) - 0.05);
  // Members who always voted For keep doing so.
  for (let i = 0; i < 2000; i += 5) assert.is(sceptical.supportRate![i], 1);
  // The input is untouched.
  assert.equal(applyEffects(table, [0, 0, 0, 0]), memberTable(2000, 1));
});

test('KL between diagonal Gaussians matches the closed form', () => {
  const p = { mean: [0, 0], std: [1, 2] };
  assert.is(gaussianKl(p, p), 0);
  const q = { mean: [1, 0], std: [1, 1] };
  // KL(N(1,1)||N(0,1)) = 0.5; KL(N(0,1)||N(0,4)) = log 2 + 1/8 - 1/2.
  assert.ok(Math.abs(gaussianKl(q, p) - (0.5 + Math.log(2) + 0.125 - 0.5)) < 1e-12);
});

test('log density of population effects: independent normals (hand value) and it integrates the importance weights to 1', () => {
  const generator = PopulationGenerator.fit(memberTable(500, 3));
  // At z = 0 under N(0, PRIOR_STD^2): -sum log(sd sqrt(2 pi)).
  const atZero = -PRIOR_STD.reduce((a, sd) => a + Math.log(sd * Math.sqrt(2 * Math.PI)), 0);
  assert.ok(Math.abs(generator.logDensity([0, 0, 0, 0]) - atZero) < 1e-12);
  assert.ok(Math.abs(generator.logDensity([0.3, 0, 0, 0]) - (atZero - 0.5)) < 1e-12);
  // E_q[p(z)/q(z)] = 1: self-check of the density ratio the loop's importance weights use.
  const shifted = new PopulationGenerator({ ...generator.model, hyper: { mean: [-0.2, 0.1, 0, 0.1], std: [0.35, 0.15, 0.3, 0.25] } });
  const rng = Rng.create(9);
  let sum = 0;
  const n = 40_000;
  for (let k = 0; k < n; k++) {
    const z = shifted.sampleEffects(rng);
    sum += Math.exp(generator.logDensity(z) - shifted.logDensity(z));
  }
  assert.ok(Math.abs(sum / n - 1) < 0.03, `mean weight ${sum / n}`);
});

test('reward-weighted fine-tuning moves toward high-loss effects, the KL weight pulls back to G_1, sampling is seeded', () => {
  const generator = PopulationGenerator.fit(memberTable(1500, 2));
  assert.equal(generator.model.hyper.std, PRIOR_STD);
  const rng = Rng.create(3);
  const effects = Array.from({ length: 200 }, () => generator.sampleEffects(rng));
  // Loss is high where turnout is low (effect 0 negative): the tuned generator should make quieter DAOs.
  const losses = effects.map((z) => -z[0]!);
  const free = generator.fineTune(effects, losses, { temperature: 0.5, klWeight: 0 });
  const pulled = generator.fineTune(effects, losses, { temperature: 0.5, klWeight: 3 });
  assert.ok(free.generator.model.hyper.mean[0]! < -0.2, `turnout mean ${free.generator.model.hyper.mean[0]}`);
  assert.ok(Math.abs(free.generator.model.hyper.mean[1]!) < 0.05, 'an effect unrelated to loss stays put');
  assert.ok(pulled.generator.model.hyper.mean[0]! > free.generator.model.hyper.mean[0]! && pulled.generator.model.hyper.mean[0]! < 0);
  assert.ok(free.generator.klToPrior() > pulled.generator.klToPrior() && pulled.generator.klToPrior() > 0);
  assert.ok(free.effectiveSampleSize > 1 && free.effectiveSampleSize < 200);
  // Equal losses leave the generator at the sample moments: every weight is 1.
  assert.ok(Math.abs(generator.fineTune(effects, effects.map(() => 1), { temperature: 1, klWeight: 0 }).effectiveSampleSize - 200) < 1e-9);
  // The generator it came from is unchanged, and sampling is a pure function of the stream.
  assert.equal(generator.model.hyper.mean, [0, 0, 0, 0]);
  const a = generator.populationTable(300, generator.sampleEffects(Rng.create(9)), Rng.create(10));
  const b = generator.populationTable(300, generator.sampleEffects(Rng.create(9)), Rng.create(10));
  assert.equal(a, b);
  assert.is(generator.sampleMembers(1000, Rng.create(4)).participation!.length, 1000);
});

test.run();
