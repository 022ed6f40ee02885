import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stableArgsort } from '../../lib/argsort.ts';
import { Rng } from '../../lib/rng.ts';

/** The reference: a stable sort of the indices by key (Array.prototype.sort is stable since ES2019). */
const reference = (keys: ArrayLike<number>, count: number) => Array.from({ length: count }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]!);

test('stableArgsort orders by key, equal keys in index order, at every size around the run and merge boundaries', () => {
  const rng = Rng.create(11);
  for (const n of [0, 1, 2, 3, 23, 24, 25, 47, 48, 49, 96, 97, 200, 1000, 4099]) {
    for (const distinct of [3, 50, 1e9]) {
      // Few distinct values: many ties; 1e9: almost none.
      const keys = Float64Array.from({ length: n }, () => Math.floor(rng.random() * distinct) - distinct / 2);
      assert.equal(Array.from(stableArgsort(keys, n)), reference(keys, n), `n ${n}, ${distinct} distinct`);
    }
  }
  assert.equal(Array.from(stableArgsort([5, 1, 5, 0, 1])), [3, 1, 4, 0, 2]);
});

test('stableArgsort sorts only the first `count` keys', () => {
  const keys = Float64Array.of(3, 2, 1, -10, -20);
  assert.equal(Array.from(stableArgsort(keys, 3)), [2, 1, 0]);
});

test.run();
