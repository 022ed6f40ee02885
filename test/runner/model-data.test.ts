import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MstGenerator } from '../../generators/mst.ts';
import { GaussianCopula } from '../../generators/copula.ts';
import { TabularDiffusion } from '../../generators/diffusion.ts';
import { Rng } from '../../lib/rng.ts';
import { ConfigError, type LoopConfig, type SearchConfig } from '../../runner/config.ts';
import { planTrials } from '../../runner/plan.ts';
import { loadExperiment } from '../../runner/run.ts';
import { runSearchTrial } from '../../runner/kinds/search/trial.ts';
import { runLoopTrial } from '../../runner/kinds/loop/trial.ts';
import { loopTable, MODEL_DATA_MEMBERS, prepareDataSource } from '../../runner/world/data.ts';

const dir = mkdtempSync(join(tmpdir(), 'daogym-model-data-'));
const mstPath = join(dir, 'mst-eps1.json');
const diffusionPath = join(dir, 'diffusion.json');

test.before(async () => {
  // An MST fitted under differential privacy (epsilon 1) to the calibrated default members' features.
  await MstGenerator.fit(loopTable('default'), { epsilon: 1, seed: 3 }).save(mstPath);
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const search = (data: string) => `name: model-search
kind: search
seed: 5
seeds: 1
members: 400
data: ${data}
attacks: [buy-and-vote, bribe]
attackBudgetUsd: 30000000
maxEvaluations: 10
trainSeasons: 1
heldOutSeasons: 2
`;

test('search: a generator model as data: members sampled from it (a DP MST here), split and fitted as real members', async () => {
  writeFileSync(join(dir, 'search.yaml'), search('mst-eps1.json'));
  const config = loadExperiment(join(dir, 'search.yaml')).config as SearchConfig;
  assert.is(config.data, mstPath);
  const result = await runSearchTrial(config, planTrials(config)[0]!);
  for (const metric of ['heldOutScore', 'baselineScore', 'heldOutPopulationBaselineScore']) assert.ok(Number.isFinite(result.metrics[metric]), `${metric} ${result.metrics[metric]}`);
  // The members the search fitted to are the model's, drawn from a fixed stream: every worker and resume reads the same.
  const members = loopTable(mstPath);
  assert.is(members.participation!.length, MODEL_DATA_MEMBERS);
  const model = await MstGenerator.load(mstPath);
  const again = model.sample(MODEL_DATA_MEMBERS, Rng.create(0).stream('model-data'));
  assert.equal(Array.from(members.logVotingPower!.subarray(0, 50)), Array.from(again.logVotingPower!.subarray(0, 50)));
  // Not the default members the MST was fitted to: a different table of the same kind.
  assert.not.equal(Array.from(members.participation!.subarray(0, 50)), Array.from(loopTable('default').participation!.subarray(0, 50)));
  assert.equal((await runSearchTrial(config, planTrials(config)[0]!)).metrics, result.metrics, 'the same seed gives the same search');
});

test('loop: a generator model as data and as heldOut.data runs both arms', async () => {
  writeFileSync(
    join(dir, 'loop.yaml'),
    `name: model-loop
kind: loop
seed: 4
seeds: 1
data: mst-eps1.json
rounds: 1
populationsPerRound: 4
members: 300
attacks: [buy-and-vote]
attackBudgetUsd: 30000000
season: { days: 10, proposalsPerMonth: 6 }
protocolSearch: { maxEvaluations: 10, populations: 2 }
heldOut: { populations: 2, turnout: [-0.7], concentration: [0.3], data: mst-eps1.json, dataTurnout: 0.05 }
`,
  );
  const config = loadExperiment(join(dir, 'loop.yaml')).config as LoopConfig;
  const result = await runLoopTrial(config, planTrials(config)[0]!);
  assert.equal(result.episodes!.map((r) => `${r.arm}:${r.round}`), ['adaptive:1', 'g1-only:1']);
  assert.ok(Number.isFinite(result.metrics.heldOutCvar10Final), `${result.metrics.heldOutCvar10Final}`);
});

test('a diffusion model as data is sampled through tfjs before the trial reads it', async () => {
  const table = loopTable('default');
  const small = Object.fromEntries(Object.entries(table).map(([k, v]) => [k, v.subarray(0, 400)]));
  const { diffusion } = await TabularDiffusion.fit(small, { epochs: 2, steps: 10, seed: 1 });
  await diffusion.save(diffusionPath);
  await prepareDataSource(diffusionPath);
  const members = loopTable(diffusionPath);
  assert.is(members.meanTiming!.length, MODEL_DATA_MEMBERS);
  assert.ok(members.meanTiming!.every(Number.isFinite));
});

test('a model that cannot give members is refused before the run, naming data', async () => {
  // Fitted without the mapped features: no member to map.
  const other = join(dir, 'other.json');
  await GaussianCopula.fit({ a: Float64Array.of(1, 2, 3, 4), b: Float64Array.of(2, 1, 4, 3) }).save(other);
  writeFileSync(join(dir, 'other.yaml'), search('other.json'));
  assert.throws(
    () => loadExperiment(join(dir, 'other.yaml')),
    (e: Error) => e instanceof ConfigError && e.field === 'data' && /data: .*other\.json: the model was fitted without the member features logVotingPower, participation/.test(e.message),
  );
  writeFileSync(join(dir, 'junk.json'), '{"kind": "nothing"}');
  writeFileSync(join(dir, 'junk.yaml'), search('junk.json'));
  assert.throws(() => loadExperiment(join(dir, 'junk.yaml')), (e: Error) => e instanceof ConfigError && e.field === 'data');
});

test.run();
