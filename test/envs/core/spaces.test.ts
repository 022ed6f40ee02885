import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../../lib/rng.ts';
import { Box, Dict, Discrete, flatDim, flatten, flattenSpace, MultiBinary, MultiDiscrete, Space, spaceFromJSON, Tuple, unflatten } from '../../../envs/core/spaces.ts';

const nested = () =>
  new Dict({
    position: new Box(-1, 1, [2, 3], 'float32'),
    vote: new Discrete(3, -1),
    members: new MultiDiscrete([2, 4]),
    flags: new MultiBinary(5),
    extra: new Tuple([new Discrete(2), new Box(0, Infinity, [2], 'float64')]),
  });

const allSpaces = (): Space[] => [
  new Box(-2, 3, [4]),
  new Box([-1, 0, -Infinity, -Infinity], [1, Infinity, 5, Infinity], [4], 'float64'),
  new Box(0, 9, [3], 'int32'),
  new Discrete(5),
  new Discrete(4, 10),
  new MultiDiscrete([3, 2, 5]),
  new MultiBinary(6),
  nested(),
  new Tuple([new Discrete(3), new Box(-1, 1, [2])]),
];

test('samples are inside their space, and a seeded stream reproduces them', () => {
  for (const space of allSpaces()) {
    const rng = Rng.create(5);
    const first = Array.from({ length: 200 }, () => space.sample(rng));
    for (const x of first) assert.ok(space.contains(x), `${space} contains its sample ${JSON.stringify(x)}`);
    const rng2 = Rng.create(5);
    const second = Array.from({ length: 200 }, () => space.sample(rng2));
    assert.equal(first, second, `${space} sampling is reproducible`);
  }
});

test('space.seed() makes sample() without a stream reproducible, including nested subspaces', () => {
  for (const make of [() => new Discrete(7), () => new Box(-1, 1, [3]), nested]) {
    const a = make();
    const b = make();
    a.seed(42);
    b.seed(42);
    assert.equal(Array.from({ length: 20 }, () => a.sample()), Array.from({ length: 20 }, () => b.sample()));
  }
});

test('flatten / unflatten round-trip every space; flatDim matches Gymnasium’s layout', () => {
  for (const space of allSpaces()) {
    const rng = Rng.create(9);
    for (let i = 0; i < 50; i++) {
      const x = space.sample(rng);
      const flat = flatten(space, x, new Float64Array(flatDim(space)));
      assert.ok(flattenSpace(space).contains(flat), `${space}: flat value is inside flattenSpace`);
      assert.equal(unflatten(space, flat), x);
      const flat32 = flatten(space, x);
      assert.instance(flat32, Float32Array);
      assert.is(flat32.length, flatDim(space));
    }
  }
  assert.is(flatDim(new Discrete(5)), 5, 'Discrete is one-hot');
  assert.is(flatDim(new MultiDiscrete([3, 2, 5])), 10, 'MultiDiscrete is concatenated one-hots');
  assert.is(flatDim(nested()), 2 * 3 + 3 + (2 + 4) + 5 + (2 + 2));
  assert.equal(Array.from(flatten(new Discrete(4, 10), 12)), [0, 0, 1, 0]);
  assert.equal(Array.from(flatten(new MultiDiscrete([2, 3]), Int32Array.of(1, 0))), [0, 1, 1, 0, 0]);
});

test('Dict keys are sorted, so the flat layout does not depend on insertion order', () => {
  const a = new Dict({ b: new Discrete(2), a: new Box(0, 1, [1]) });
  const b = new Dict({ a: new Box(0, 1, [1]), b: new Discrete(2) });
  assert.equal(a.keys, ['a', 'b']);
  assert.ok(a.equals(b));
  assert.equal(Array.from(flatten(a, { a: Float32Array.of(0.5), b: 1 })), [0.5, 0, 1]);
});

test('contains rejects wrong shapes, types and out-of-range values', () => {
  const box = new Box(-1, 1, [3]);
  assert.ok(box.contains(Float32Array.of(0, 1, -1)));
  assert.ok(box.contains([0, 0.5, -0.5]));
  assert.not.ok(box.contains(Float32Array.of(0, 1.5, 0)));
  assert.not.ok(box.contains(Float32Array.of(0, 0)));
  assert.not.ok(box.contains('abc'));
  assert.not.ok(box.contains([0, NaN, 0]));
  const intBox = new Box(0, 5, [2], 'int32');
  assert.not.ok(intBox.contains(Float64Array.of(1.5, 2)));
  const discrete = new Discrete(3, 1);
  assert.ok(discrete.contains(1) && discrete.contains(3));
  assert.not.ok(discrete.contains(0) || discrete.contains(4) || discrete.contains(1.5) || discrete.contains('1'));
  assert.not.ok(new MultiDiscrete([2, 2]).contains([1, 2]));
  assert.not.ok(new MultiBinary(2).contains([1, 2]));
  const dict = nested();
  const value = dict.sample(Rng.create(1)) as Record<string, unknown>;
  assert.ok(dict.contains(value));
  assert.not.ok(dict.contains({ ...value, extraKey: 1 }));
  const { vote: _drop, ...missing } = value;
  assert.not.ok(dict.contains(missing));
  assert.not.ok(new Tuple([new Discrete(2)]).contains([0, 1]));
});

test('Box sampling follows Gymnasium: uniform when bounded, exponential when half-bounded, normal when unbounded', () => {
  const box = new Box([0, 2, -Infinity, -Infinity], [1, Infinity, 3, Infinity], [4], 'float64');
  const rng = Rng.create(3);
  const n = 40_000;
  const sums = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const x = box.sample(rng);
    for (let j = 0; j < 4; j++) sums[j]! += x[j]!;
  }
  const means = sums.map((s) => s / n);
  assert.ok(Math.abs(means[0]! - 0.5) < 0.01, `uniform mean ${means[0]}`);
  assert.ok(Math.abs(means[1]! - 3) < 0.03, `low + Exp(1) mean ${means[1]}`);
  assert.ok(Math.abs(means[2]! - 2) < 0.03, `high - Exp(1) mean ${means[2]}`);
  assert.ok(Math.abs(means[3]!) < 0.03, `N(0, 1) mean ${means[3]}`);
  const ints = new Box(0, 2, [1], 'int32');
  const seen = new Set<number>();
  for (let i = 0; i < 300; i++) seen.add(ints.sample(rng)[0]!);
  assert.equal([...seen].sort(), [0, 1, 2], 'integer boxes include the upper bound');
});

test('Discrete sample with a mask draws only allowed actions', () => {
  const space = new Discrete(5);
  const rng = Rng.create(8);
  const mask = Int8Array.of(0, 1, 0, 1, 0);
  for (let i = 0; i < 200; i++) assert.ok([1, 3].includes(space.sample(rng, mask)));
  assert.is(space.sample(rng, new Int8Array(5)), 0, 'no allowed action gives start, as Gymnasium does');
});

test('invalid spaces are rejected with a clear message', () => {
  assert.throws(() => new Box(1, 0, [2]), /low\[0\] = 1 is above high\[0\] = 0/);
  assert.throws(() => new Box([0, 0], [1], [2]), /high has 1 values/);
  assert.throws(() => new Discrete(0), /positive integer/);
  assert.throws(() => new MultiDiscrete([2, 0]), /nvec\[1\]/);
  assert.throws(() => new Dict({}), /at least one/);
});

test('spaces survive a JSON round trip (how they reach worker threads)', () => {
  for (const space of allSpaces()) {
    const copy = spaceFromJSON(JSON.parse(JSON.stringify(space.toJSON())));
    assert.ok(copy.equals(space), `${space} round-trips`);
  }
  assert.is(new Box(-1, 1, [2]).toString(), 'Box(-1, 1, (2,), float32)');
  assert.is(new Discrete(3).toString(), 'Discrete(3)');
});

test.run();
