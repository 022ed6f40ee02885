import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../lib/rng.ts';

const draws = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.nextUint32());

test('the same seed gives the same stream; different seeds differ', () => {
  assert.equal(draws(Rng.create(1), 50), draws(Rng.create(1), 50));
  assert.not.equal(draws(Rng.create(1), 50), draws(Rng.create(2), 50));
});

test('named streams are pure functions of (seed, path), independent of parent consumption', () => {
  const a = Rng.create(9);
  const first = draws(a.stream('env', 3), 20);
  draws(a, 1000);
  assert.equal(draws(a.stream('env', 3), 20), first, 'drawing from the parent does not move its children');
  assert.not.equal(draws(a.stream('env', 4), 20), first);
  assert.not.equal(draws(a.stream('agent', 3), 20), first);
  assert.not.equal(draws(a.stream('env').stream(3), 5), draws(a.stream('env', 3, 0), 5));
  assert.equal(draws(Rng.create(9).stream('env').stream(3), 20), first, 'a path can be built in steps');
  assert.equal(a.stream('trial', 7).path, ['trial', 7]);
});

test('split() advances the parent and gives reproducible children', () => {
  const a = Rng.create(5);
  const b = Rng.create(5);
  assert.equal(draws(a.split(), 10), draws(b.split(), 10));
  assert.not.equal(draws(a.split(), 10), draws(Rng.create(5).split(), 10), 'the second split differs from the first');
});

test('random() is uniform on [0, 1): mean, variance and a chi-square over 100 bins', () => {
  const rng = Rng.create(123);
  const n = 200_000;
  const bins = new Float64Array(100);
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const u = rng.random();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    sumSq += u * u;
    bins[Math.floor(u * 100)]!++;
  }
  const mean = sum / n;
  assert.ok(Math.abs(mean - 0.5) < 0.003, `mean ${mean}`);
  assert.ok(Math.abs(sumSq / n - mean * mean - 1 / 12) < 0.002);
  const expected = n / 100;
  let chi = 0;
  for (const count of bins) chi += ((count - expected) ** 2) / expected;
  // 99 degrees of freedom: the 99.9 % quantile is about 148.2.
  assert.ok(chi < 148.2, `chi-square ${chi}`);
});

test('int(n) is unbiased for n that does not divide 2^32', () => {
  const rng = Rng.create(77);
  const n = 3;
  const counts = [0, 0, 0];
  for (let i = 0; i < 90_000; i++) counts[rng.int(n)]!++;
  for (const c of counts) assert.ok(Math.abs(c - 30_000) < 600, `counts ${counts}`);
  for (let i = 0; i < 1000; i++) {
    const v = rng.integer(-2, 2);
    assert.ok(Number.isInteger(v) && v >= -2 && v <= 2);
  }
  assert.throws(() => rng.int(0), /positive integer/);
});

test('state save and restore replays the stream; clone does not disturb the original', () => {
  const rng = Rng.create(31);
  draws(rng, 7);
  const state = rng.getState();
  const ahead = draws(rng.clone(), 5);
  const next = draws(rng, 5);
  assert.equal(ahead, next);
  rng.setState(state);
  assert.equal(draws(rng, 5), next);
});

test('seeds are validated', () => {
  assert.throws(() => Rng.create(-1), /non-negative integer/);
  assert.throws(() => Rng.create(1.5), /non-negative integer/);
  assert.throws(() => Rng.create(0).stream(-3), /stream key/);
  Rng.create(Number.MAX_SAFE_INTEGER);
});

test.run();
