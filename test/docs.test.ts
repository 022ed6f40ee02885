import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CONFIG_DOC, configReference } from '../scripts/docs.ts';

test('docs/config.md is what `npm run docs` writes from the schemas (run it after changing a config field)', () => {
  const expected = configReference();
  assert.ok(readFileSync(CONFIG_DOC, 'utf8') === expected, 'docs/config.md is stale: run `npm run docs`');
  // Every kind and the protocol have their section; the fields people ask about are there with their units.
  for (const heading of ['## kind: compare', '## kind: stress', '## kind: train', '## kind: search', '## kind: loop', '## Protocol fields']) assert.ok(expected.includes(heading), heading);
  assert.match(expected, /\| `timelock` \| number or string \| duration: '2d', '36h', '90m', '1w' or '13140 blocks' \(12 s blocks\) \| .* \| from a passed vote to when the proposal may execute \|/);
  assert.match(expected, /\| `attackBudgetUsd` \| number \| usd \|/);
});

test.run();
