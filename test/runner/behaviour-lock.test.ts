/**
 * Behaviour lock: every shipped config, shrunk to seconds (fewer seeds, evaluations, rounds and steps), is run
 * and its results reduced to one digest per config: every trial's metrics, curves, attack outcomes, episodes and
 * artifacts, as stored. A refactor must leave these digests byte-identical; a change of behaviour made on purpose
 * updates them (`UPDATE_DIGESTS=1 npm test -- behaviour-lock`) and says so in its commit.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runExperiment } from '../../runner/run.ts';
import { shrink } from '../helpers/shrink.ts';
import { Store } from '../../runner/store.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const digestsFile = join(root, 'test', 'fixtures', 'behaviour-digests.json');
const haveData = existsSync(join(root, '..', 'shared', 'data', 'governor-events', 'compound_governor_bravo.csv'));

/** Everything a run stored that is not timing or identity: metrics, curves, outcomes, episodes, artifacts. */
function digestOf(store: Store, runId: string): { digest: string; described: string } {
  const hash = createHash('sha256');
  const trials = store.trials(runId, { detail: true }).sort((a, b) => a.key.localeCompare(b.key) || a.seed - b.seed);
  for (const t of trials) {
    const artifacts = (t.artifacts ?? []).map((a) => ({ name: a.name, content: a.content }));
    // Wall-clock metrics (trainSeconds) are measurements of the machine, not results.
    const metrics = Object.fromEntries(Object.entries(t.metrics).filter(([name]) => !/Seconds$/.test(name)));
    hash.update(JSON.stringify({ key: t.key, seed: t.seed, metrics, curves: t.curves ?? null, outcomes: t.outcomes ?? null, episodes: t.episodes ?? null, artifacts }));
  }
  const count = (pick: (t: (typeof trials)[number]) => unknown[] | undefined) => trials.reduce((n, t) => n + (pick(t)?.length ?? 0), 0);
  const finite = trials.reduce((n, t) => n + Object.values(t.metrics).filter(Number.isFinite).length, 0);
  return { digest: hash.digest('hex'), described: `${trials.length} trials, ${finite} finite metrics, ${count((t) => t.curves)} curve points, ${count((t) => t.episodes)} episodes, ${count((t) => t.artifacts)} artifacts` };
}

/**
 * Shipped configs with one option changed, so the lock covers paths the shipped ones do not take (the loop's
 * other adversaries, its CEM attack search, replay, importance weighting, several seasons per population, a
 * guardian veto). Each is named `<config>#<label>`.
 */
const VARIANTS: Array<{ file: string; label: string; change: (config: Record<string, unknown>) => void }> = [
  ...(['regret', 'antagonist', 'likely-failure', 'shuffled'] as const).map((adversary) => ({
    file: 'closed-loop.yaml',
    label: `adversary-${adversary}`,
    change: (c: Record<string, unknown>) => void ((c.fineTune as Record<string, unknown>).adversary = adversary),
  })),
  { file: 'closed-loop.yaml', label: 'cem', change: (c) => void (c.attackSearch = 'cem') },
  { file: 'closed-loop.yaml', label: 'replay-importance', change: (c) => void Object.assign(c.protocolSearch as object, { replay: 2, weighting: 'importance', restarts: 1 }) },
  { file: 'closed-loop.yaml', label: 'seasons-2', change: (c) => void Object.assign(c, { seasonsPerPopulation: 2 }) },
  { file: 'closed-loop.yaml', label: 'guardian', change: (c) => void Object.assign(c.protocolSearch as object, { safeguards: 'all' }) },
  { file: 'design-search.yaml', label: 'data', change: (c) => void Object.assign(c, { data: '../../shared/data/governor-events/compound_governor_bravo.csv', members: 200 }) },
];

const configs = readdirSync(join(root, 'experiments')).filter((f) => f.endsWith('.yaml')).sort();
const runs: Array<{ name: string; file: string; change?: (config: Record<string, unknown>) => void }> = [
  ...configs.map((file) => ({ name: file, file })),
  ...VARIANTS.map((v) => ({ name: `${v.file}#${v.label}`, file: v.file, change: v.change })),
];

test(`behaviour lock: ${configs.length} shipped configs and ${VARIANTS.length} variants, shrunk, give the recorded digests`, async () => {
  const expected = existsSync(digestsFile) ? (JSON.parse(readFileSync(digestsFile, 'utf8')) as Record<string, string>) : {};
  const found: Record<string, string> = {};
  const directory = mkdtempSync(join(tmpdir(), 'daogym-lock-'));
  try {
    for (const { name, file, change } of runs) {
      const text = readFileSync(join(root, 'experiments', file), 'utf8');
      const config = parse(text) as Record<string, unknown>;
      const shrunk = shrink(config);
      change?.(shrunk);
      if (typeof shrunk.data === 'string' && !haveData) {
        console.log(`  skipping ${name}: it reads ../shared/data, which is missing`);
        continue;
      }
      const path = join(root, 'experiments', `.lock-${name.replace('#', '-')}`);
      writeFileSync(path, stringify(shrunk));
      const started = Date.now();
      let summary = '';
      try {
        const db = join(directory, `${name.replace('#', '-')}.db`);
        const outcome = await runExperiment(path, { db, out: directory, workers: 1, report: false });
        const store = Store.open(db);
        try {
          const { digest, described } = digestOf(store, outcome.run.id);
          found[name] = digest;
          summary = described;
        } finally {
          store.close();
        }
      } finally {
        rmSync(path, { force: true });
      }
      console.log(`  ${name}: ${found[name]!.slice(0, 16)} (${summary}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  if (process.env.UPDATE_DIGESTS === '1') {
    writeFileSync(digestsFile, `${JSON.stringify({ ...expected, ...found }, null, 2)}\n`);
    console.log(`  wrote ${digestsFile}`);
    return;
  }
  for (const [file, digest] of Object.entries(found)) assert.is(digest, expected[file], `${file}: its shrunk run no longer gives the recorded results`);
});

test.run();
