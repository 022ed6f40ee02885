import { readdirSync, readFileSync } from 'node:fs';
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

test('research results live in dated notes under docs/results/, each saying what it answers and how it was run', () => {
  const dir = new URL('../docs/results/', import.meta.url);
  const notes = readdirSync(dir).filter((f) => f.endsWith('.md'));
  assert.ok(notes.length >= 12, `${notes.length} notes`);
  for (const note of notes) {
    assert.match(note, /^\d{4}-\d{2}-\d{2}-[a-z0-9-]+\.md$/, `${note}: named YYYY-MM-DD-topic.md`);
    const text = readFileSync(new URL(note, dir), 'utf8');
    assert.match(text, /^# /, `${note}: a title`);
    assert.match(text, /\*\*Question\.\*\*/, `${note}: states its question`);
    assert.ok(/\*\*Config/.test(text) && /(\*\*Command|npx daogym|daogym [a-z]+ )/.test(text), `${note}: says how it was run`);
  }
  // The closed-loop page lists every closed-loop note.
  const loop = readFileSync(new URL('../docs/closed-loop.md', import.meta.url), 'utf8');
  for (const note of notes.filter((n) => n.includes('closed-loop'))) assert.ok(loop.includes(`results/${note}`), `docs/closed-loop.md lists ${note}`);
});

test('config headers say what a config does and how to read it, with no result figures (those are in docs/results/)', () => {
  const dir = new URL('../experiments/', import.meta.url);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const text = readFileSync(new URL(file, dir), 'utf8');
    const header = text.split('\n').filter((l) => l.startsWith('#')).join('\n');
    // An interval such as [+0.0016, +0.0084] or [0.164, 0.229] is a measured result.
    assert.not.match(header, /\[[-+]?\d*\.\d+, [-+]?\d*\.\d+\]/, `${file}: an interval in its comments`);
    assert.not.match(header, /README/, `${file}: points at the README for results`);
  }
});

test.run();
