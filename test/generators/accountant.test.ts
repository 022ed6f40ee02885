import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeRdp, DEFAULT_ORDERS, dpSgdEpsilon, logErfc, noiseMultiplierFor, privacySpent } from '../../generators/dp/accountant.ts';

test('the Opacus reference: q = 0.04, sigma = 1.5, 2,250 steps, delta = 1e-5 gives epsilon 7.32911117143 at order 3.9', () => {
  const { epsilon, bestOrder } = dpSgdEpsilon(0.04, 1.5, 2250, 1e-5);
  assert.ok(Math.abs(epsilon / 7.32911117143 - 1) < 1e-6, `epsilon ${epsilon}`);
  assert.is(bestOrder, 3.9);
});

test('orders are Opacus’s defaults; RDP composes additively and is continuous across integer orders', () => {
  assert.is(DEFAULT_ORDERS.length, 99 + 52 + 3);
  assert.equal([DEFAULT_ORDERS[0], DEFAULT_ORDERS[98], DEFAULT_ORDERS[99], DEFAULT_ORDERS.at(-1)], [1.1, 10.9, 12, 512]);
  const one = computeRdp(0.01, 1.1, 1, [2, 2.999999, 3, 3.000001]);
  const many = computeRdp(0.01, 1.1, 1000, [2, 3]);
  assert.ok(Math.abs(many[0]! - 1000 * one[0]!) < 1e-12 * many[0]!);
  // The fractional (erfc series) and integer (binomial) formulas agree where they meet.
  assert.ok(Math.abs(one[1]! - one[2]!) / one[2]! < 1e-4 && Math.abs(one[3]! - one[2]!) / one[2]! < 1e-4, `${Array.from(one)}`);
  // Full batch: the Gaussian mechanism's alpha / (2 sigma^2).
  assert.equal(Array.from(computeRdp(1, 2, 3, [2, 5])), [3 * (2 / 8), 3 * (5 / 8)]);
  assert.equal(Array.from(computeRdp(0, 2, 3, [2])), [0]);
});

test('more noise or fewer steps spend less; the epsilon conversion picks the best order', () => {
  const base = dpSgdEpsilon(0.01, 1.0, 1000, 1e-5).epsilon;
  assert.ok(dpSgdEpsilon(0.01, 2.0, 1000, 1e-5).epsilon < base);
  assert.ok(dpSgdEpsilon(0.01, 1.0, 100, 1e-5).epsilon < base);
  assert.ok(dpSgdEpsilon(0.01, 1.0, 1000, 1e-3).epsilon < base);
  const rdp = computeRdp(0.01, 1.0, 1000);
  const { epsilon, bestOrder } = privacySpent(rdp, 1e-5);
  const k = DEFAULT_ORDERS.indexOf(bestOrder);
  assert.ok(Math.abs(epsilon - (rdp[k]! - (Math.log(1e-5) + Math.log(bestOrder)) / (bestOrder - 1) + Math.log((bestOrder - 1) / bestOrder))) < 1e-12);
});

test('noise calibration round-trips: the chosen sigma meets the target within the accuracy', () => {
  for (const [target, q, steps] of [
    [8, 0.01, 5000],
    [1, 0.004, 10_000],
    [3, 0.05, 600],
  ] as const) {
    const sigma = noiseMultiplierFor(target, 1e-5, q, steps);
    const spent = dpSgdEpsilon(q, sigma, steps, 1e-5).epsilon;
    assert.ok(spent <= target && target - spent <= 0.01, `target ${target}: sigma ${sigma} spends ${spent}`);
  }
  const sigma = noiseMultiplierFor(7.32911117143, 1e-5, 0.04, 2250);
  assert.ok(Math.abs(sigma - 1.5) < 0.01, `sigma ${sigma} for the reference epsilon`);
});

test('log erfc stays finite and accurate where erfc underflows', () => {
  assert.ok(Math.abs(logErfc(1) - Math.log(0.15729920705028513)) < 1e-12);
  assert.ok(Math.abs(logErfc(24.999) - logErfc(25)) < 0.06);
  assert.ok(Number.isFinite(logErfc(40)) && logErfc(40) < -1600);
  assert.throws(() => dpSgdEpsilon(1.5, 1, 10, 1e-5), /sampling rate/);
  assert.throws(() => dpSgdEpsilon(0.1, 1, 10, 2), /delta/);
});

test.run();
