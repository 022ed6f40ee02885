import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KeptValues } from '../../lib/kept.ts';

test('KeptValues makes each value once, drops the oldest past its weight limit, and always keeps the newest', () => {
  const kept = new KeptValues<string>(10);
  let made = 0;
  const make = (key: string) => () => `${key}#${++made}`;
  assert.is(kept.get('a', make('a'), 4), 'a#1');
  assert.is(kept.get('a', make('a'), 4), 'a#1');
  assert.is(kept.get('b', make('b'), 4), 'b#2');
  // 4 + 4 + 4 > 10: 'a', the oldest, goes.
  assert.is(kept.get('c', make('c'), 4), 'c#3');
  assert.is(kept.size, 2);
  assert.is(kept.get('b', make('b'), 4), 'b#2');
  assert.is(kept.get('a', make('a'), 4), 'a#4');
  // Heavier than the limit on its own: kept, alone.
  assert.is(kept.get('big', make('big'), 50), 'big#5');
  assert.is(kept.size, 1);
  assert.is(kept.get('big', make('big'), 50), 'big#5');
});

test.run();
