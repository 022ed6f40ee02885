import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, parseExperiment, type LoopConfig } from '../../runner/config.ts';
import { InProcessExecutor } from '../../runner/executors.ts';
import { planTrials } from '../../runner/plan.ts';
import { loadExperiment, resumeRun, runExperiment } from '../../runner/run.ts';
import { Store } from '../../runner/store.ts';
import { runLoopTrial } from '../../runner/kinds/loop/trial.ts';
import { addToLibrary, betweenPopulationShare, LIBRARY_SIZE, LoopWorld, samplePopulation } from '../../runner/kinds/loop/world.ts';
import { antagonistRegret, likelyFailureSignal } from '../../runner/kinds/loop/adversaries.ts';
import { ppoOutcomes, spreadFirst } from '../../runner/kinds/loop/ppo.ts';
import { topLosses } from '../../runner/kinds/loop/checkpoint.ts';
import { cvar, weightedCvar } from '../../lib/risk.ts';
import { loadLoopData, loopTable, realTurnout, resolveTurnoutScale } from '../../runner/world/data.ts';
import { designActionOf, designedProtocol } from '../../envs/dao/design-env.ts';
import { presetProtocol } from '../../envs/dao/presets.ts';
import { totalSupply } from '../../envs/dao/population.ts';
import { PopulationGenerator } from '../../generators/population-generator.ts';
import { Rng } from '../../lib/rng.ts';
import type { Table } from '../../generators/metrics.ts';
import { MAPPED_FEATURES } from '../../generators/mapping.ts';
import { loadGenerator } from '../../generators/registry.ts';
import { BRAVO, haveBravo } from '../helpers/bravo.ts';
import { daoStatistics, median } from '../../generators/import/statistics.ts';
import { readGovernorEvents } from '../../generators/import/governor-events.ts';

const dir = mkdtempSync(join(tmpdir(), 'daogym-loop-'));
const BIN = new URL('../../bin/daogym.mjs', import.meta.url).pathname;

/** A loop small enough for a test: calibrated 'default' data, 200 members, 10-day seasons. */
function tiny(extra = ''): string {
  return `name: tiny-loop
kind: loop
seed: 4
seeds: 1
data: default
rounds: 2
populationsPerRound: 6
members: 300
attacks: [buy-and-vote, borrow-and-vote]
attackBudgetUsd: 30000000
season: { days: 10, proposalsPerMonth: 6 }
protocolSearch: { maxEvaluations: 10, populations: 2 }
heldOut: { populations: 3, turnout: [-0.7], concentration: [0.3] }
${extra}`;
}

const parse = (text: string) => parseExperiment(text, 'loop.yaml') as LoopConfig;

/**
 * A world over `config`'s populations. runLoopTrial resolves turnoutScale 'calibrated' against its G_1; the
 * worlds these tests build map members at their own rates (scale 1, what 'calibrated' resolves to for 'default'
 * data) unless the config gives a number.
 */
const newWorld = (config: LoopConfig) => new LoopWorld(config.turnoutScale === 'calibrated' ? { ...config, turnoutScale: 1 } : config);

test('CVaR-10 % is the mean of the worst tenth', () => {
  assert.is(cvar([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 10);
  assert.is(cvar([5, 1, 9, 3, 7, 2, 8, 4, 6, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]), (11 + 10) / 2);
});

test('weighted CVaR: equal weights give the tail mean; weights count as probability mass, the boundary loss in part', () => {
  const losses = [5, 1, 9, 3, 7, 2, 8, 4, 6, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11];
  assert.is(weightedCvar(losses, losses.map(() => 1)), cvar(losses));
  assert.is(weightedCvar(losses, losses.map(() => 3)), cvar(losses));
  // Total weight 10 -> the worst 1.0: loss 9 has weight 0.5, loss 7 the next 0.5 of its 2.
  assert.ok(Math.abs(weightedCvar([9, 7, 1], [0.5, 2, 7.5]) - (0.5 * 9 + 0.5 * 7) / 1) < 1e-12);
  // A heavy worst loss fills the tail alone.
  assert.is(weightedCvar([4, 2, 1], [5, 1, 1]), 4);
});

test('a loop replicate records every round of both arms, scores the held-out populations, and is deterministic', async () => {
  const config = parse(tiny('fineTune: { realismFloor: 0.5 }\n'));
  const spec = planTrials(config)[0]!;
  const result = await runLoopTrial(config, spec);
  const rounds = result.episodes!;
  assert.equal(rounds.map((r) => `${r.arm}:${r.round}`), ['adaptive:1', 'adaptive:2', 'g1-only:1', 'g1-only:2']);
  for (const round of rounds) {
    for (const field of ['lossMean', 'lossCvar10', 'lossWorst', 'welfare', 'protocol.quorum', 'protocol.timelockDays']) assert.type(round[field], 'number', `${field} in round ${round.round}`);
    assert.ok((round.lossWorst as number) >= (round.lossCvar10 as number) && (round.lossCvar10 as number) >= (round.lossMean as number));
  }
  const adaptive = rounds.filter((r) => r.arm === 'adaptive');
  assert.ok(adaptive.every((r) => typeof r.fidelity === 'number' && (r.fidelity as number) > 0.5 && r.accepted === true));
  // The ablation never moves its generator; the adaptive arm does.
  assert.ok(rounds.filter((r) => r.arm === 'g1-only').every((r) => r.klToG1 === 0));
  assert.ok((adaptive[1]!.klToG1 as number) > 0);
  for (const metric of ['heldOutCvar10Final', 'heldOutCvar10G1', 'heldOutCvar10Baseline', 'fidelityG1', 'fidelityFinal', 'welfareGap']) assert.type(result.metrics[metric], 'number', metric);
  assert.is(result.metrics.cvar10Improvement, result.metrics.heldOutCvar10G1! - result.metrics.heldOutCvar10Final!);
  // Apart: 3 populations from the separate fit (CVaR-10 % = the worst) and 1 from the grid; together the worst of 4.
  const [separate, grid] = [result.metrics.cvar10ImprovementSeparate!, result.metrics.cvar10ImprovementGrid!];
  assert.ok(Number.isFinite(separate) && Number.isFinite(grid));
  if (separate === 0 && grid === 0) assert.is(result.metrics.cvar10Improvement, 0);
  // The headroom search on the held-out populations never ends above the better arm.
  assert.ok(result.metrics.heldOutCvar10Oracle! <= Math.min(result.metrics.heldOutCvar10G1!, result.metrics.heldOutCvar10Final!));
  assert.ok(result.metrics.cvar10Headroom! >= 0);
  assert.is(result.metrics.roundsAccepted, 2);
  assert.equal(result.artifacts!.map((a) => a.name), [
    'generator-g1.json', 'generator-final.json', 'protocol-final.json', 'protocol-g1.json',
    'generator-round-1.json', 'round-1-adaptive.json', 'generator-round-2.json', 'round-2-adaptive.json',
    'round-1-g1-only.json', 'round-2-g1-only.json',
  ]);
  const artifact = (name: string) => JSON.parse(result.artifacts!.find((a) => a.name === name)!.content as string);
  // Step 5's store: each round's whole loss distribution gives the round record's mean, CVaR-10 % and worst.
  for (const round of rounds) {
    const stored = artifact(`round-${round.round}-${round.arm}.json`);
    const losses = stored.populations.map((p: { loss: number }) => p.loss) as number[];
    assert.is(losses.length, 6);
    assert.ok(Math.abs(losses.reduce((a, b) => a + b, 0) / 6 - (round.lossMean as number)) < 1e-12);
    assert.is(cvar(losses), round.lossCvar10);
    assert.is(Math.max(...losses), round.lossWorst);
    // Round 1 attacks the baseline; each round's re-tuned protocol is the one the next round attacks.
    if (round.round === 1) assert.equal(stored.protocol, JSON.parse(JSON.stringify(presetProtocol('compound-bravo'))));
    else assert.equal(stored.protocol, artifact(`round-${(round.round as number) - 1}-${round.arm}.json`).nextProtocol);
  }
  assert.equal(artifact('round-2-adaptive.json').nextProtocol, artifact('protocol-final.json'));
  assert.equal(artifact('round-2-g1-only.json').nextProtocol, artifact('protocol-g1.json'));
  // The generator checkpoints load as generators: round 2's is the final one (accepted), and its effects
  // are the round record's.
  const modelPath = join(dir, 'generator-round-2.json');
  writeFileSync(modelPath, result.artifacts!.find((a) => a.name === 'generator-round-2.json')!.content);
  const loaded = await loadGenerator(modelPath);
  assert.ok(loaded instanceof PopulationGenerator);
  assert.equal((loaded as PopulationGenerator).model.hyper, artifact('generator-final.json').hyper);
  assert.is((loaded as PopulationGenerator).model.hyper.mean[0], adaptive[1]!['effect.turnout.mean']);
  assert.equal(artifact('generator-g1.json').hyper, artifact('generator-g1.json').prior);
  assert.is(loaded.sample(50, Rng.create(1)).participation!.length, 50);
  assert.equal(result.curves!.filter((c) => c.name === 'fidelity').map((c) => c.step), [1, 2]);
  assert.ok(rounds.every((r) => r.lossBetweenPopulationShare === null), 'one season per population: no variance split');
  const again = await runLoopTrial(config, spec);
  assert.equal(again.metrics, result.metrics);
});

test('step 4: CMA-ES re-tuning from Compound Bravo stops the drain Bravo lets through, and never returns a protocol worse on validation', async () => {
  const config = parse(tiny('attacks: [buy-and-vote]\nprotocolSearch: { maxEvaluations: 48, populations: 4, safeguards: none }\n').replace('attacks: [buy-and-vote, borrow-and-vote]\n', '').replace('protocolSearch: { maxEvaluations: 10, populations: 2 }\n', ''));
  const g1 = PopulationGenerator.fit(loadLoopData(config).train);
  const world = newWorld(config);
  const rng = Rng.create(21);
  const populations = (key: string) => Array.from({ length: 4 }, (_, k) => samplePopulation(g1, config.members, rng.stream(key, k), 100 * k + key.length));
  const [training, validation] = [populations('training'), populations('validation')];
  const bravo = presetProtocol('compound-bravo');
  // Safeguards held off, as in the search (-1 = off).
  const design = (x: ArrayLike<number>) => designedProtocol(bravo, Array.from(x, (v, i) => (i >= 5 ? -1 : v)));
  const incumbent = designActionOf(bravo, 10_000_000).map((v, i) => (i >= 5 ? -1 : v));
  // Bravo's 4 % quorum and 0.25 % threshold: a $30M buyer drains every validation population.
  assert.ok(validation.every((sample) => world.outcome(design(incumbent), sample).attackLossShare > 0));
  const tuned = await world.retune(design, training, validation, incumbent, 5);
  assert.ok(tuned.replaced, 'the search beat Bravo on the validation populations');
  assert.ok(world.objective(design(tuned.x), validation) < world.objective(design(incumbent), validation) - 0.05);
  assert.ok(validation.filter((sample) => world.outcome(design(tuned.x), sample).attackLossShare > 0).length <= 1, 'the tuned protocol stops the drain');
  // A second search from the tuned protocol keeps it unless it does better on validation.
  const again = await world.retune(design, training, validation, tuned.x, 6);
  assert.ok(world.objective(design(again.x), validation) <= world.objective(design(tuned.x), validation));
  if (!again.replaced) assert.equal(again.x, tuned.x);
});

test('step 2 with attackSearch cem: CEM over share and day finds a bigger drain than the scripted 30 % under Bravo, and nothing under a threshold out of reach', async () => {
  const config = parse(tiny('attackSearch: cem\n'));
  const g1 = PopulationGenerator.fit(loadLoopData(config).train);
  const world = newWorld(config);
  const bravo = presetProtocol('compound-bravo');
  const fortified = { ...bravo, proposalThreshold: 0.05 };
  for (let k = 0; k < 2; k++) {
    const sample = samplePopulation(g1, config.members, Rng.create(50 + k), 500 + k);
    const scripted = world.outcome(bravo, sample);
    assert.ok(Math.abs(scripted.attackLossShare - 0.3) < 1e-9, 'the scripted buyer takes the 30 % it asks for');
    const searched = await world.searchedOutcome(bravo, sample, 7);
    // The attacker maximises: asking for more of the treasury passes too, so the loss rises by most of the rest.
    assert.ok(searched.attackLossShare > 0.7 && searched.loss > scripted.loss + 0.4, `searched ${searched.loss} vs scripted ${scripted.loss}`);
    assert.ok(Math.abs(searched.loss - scripted.loss - (searched.attackLossShare - scripted.attackLossShare)) < 0.05, 'the extra loss is the extra drain');
    // More than $30M buys is needed to propose under a 5 % threshold: nothing to find.
    assert.equal(await world.searchedOutcome(fortified, sample, 7), world.outcome(fortified, sample));
    // The found attack as a library variant: scored beside the listed strategies, it is the worst, with the
    // search's loss (the same seasons); honest welfare is the listed strategies' seasons', as before.
    const armed = world.withLibrary([searched.variant!]);
    const withVariant = armed.outcome(bravo, sample);
    assert.equal(withVariant.variant, searched.variant);
    assert.is(withVariant.loss, searched.loss);
    assert.is(withVariant.welfare, scripted.welfare);
    // A search that starts from the library's point never ends below it.
    assert.ok((await armed.searchedOutcome(bravo, sample, 8)).loss >= searched.loss);
  }
});

test('attack library: a variant near one already kept (same strategy, share within 0.02, day within 0.25) is not added; the oldest go past the size', () => {
  const v = (attackShare: number, attackDay = 3, attack: 'buy-and-vote' | 'bribe' = 'buy-and-vote') => ({ attack, attackShare, attackDay });
  const one = addToLibrary([], v(0.5));
  assert.is(addToLibrary(one, v(0.51, 3.2)), one);
  assert.equal(addToLibrary(one, v(0.51, 3.2, 'bribe')), [v(0.5), v(0.51, 3.2, 'bribe')]);
  assert.equal(addToLibrary(one, v(0.53)), [v(0.5), v(0.53)]);
  let library = one;
  for (let k = 1; k <= LIBRARY_SIZE; k++) library = addToLibrary(library, v(0.5 + 0.05 * k));
  assert.is(library.length, LIBRARY_SIZE);
  assert.equal(library[0], v(0.55));
  assert.is(addToLibrary(library, v(0.01), Infinity).length, LIBRARY_SIZE + 1);
});

test('the held-out judge attacks with the configured search: CEM by default with attackSearch cem, scripted with heldOut.attackSearch; the rounds do not change', async () => {
  const searched = parse(tiny('attackSearch: cem\n'));
  const scripted = parse(tiny('attackSearch: cem\n').replace('concentration: [0.3] }', 'concentration: [0.3], attackSearch: scripted }'));
  assert.is(scripted.heldOut.attackSearch, 'scripted');
  const a = await runLoopTrial(searched, planTrials(searched)[0]!);
  const b = await runLoopTrial(scripted, planTrials(scripted)[0]!);
  assert.equal(a.episodes, b.episodes);
  // Round 1 attacks Bravo: the search's strongest find (a bigger share than 30 %) joins each arm's library,
  // which the protocol search of that round and the next round's attacks face.
  for (const arm of ['adaptive', 'g1-only']) {
    const [first, second] = a.episodes!.filter((r) => r.arm === arm);
    assert.is(first!.attackLibrary, 1);
    assert.ok((second!.attackLibrary as number) >= 1);
    const added = JSON.parse(a.artifacts!.find((x) => x.name === `round-1-${arm}.json`)!.content as string).libraryAdded;
    assert.ok(added.attackShare > 0.5, JSON.stringify(added));
  }
  for (const arm of ['Final', 'G1', 'Baseline']) assert.ok(a.metrics[`heldOutCvar10${arm}`]! >= b.metrics[`heldOutCvar10${arm}`]! - 1e-12, arm);
  // Bravo's tail: the scripted buyer takes 30 %, the searched one nearly all of the treasury.
  assert.ok(b.metrics.heldOutCvar10Baseline! < 0.4 && a.metrics.heldOutCvar10Baseline! > 0.8, `${a.metrics.heldOutCvar10Baseline} vs ${b.metrics.heldOutCvar10Baseline}`);
  assert.throws(() => parse(tiny().replace('concentration: [0.3] }', 'concentration: [0.3], attackSearch: rl }')), /heldOut\.attackSearch: must be one of: scripted, cem, ppo/);
});

test('spreadFirst: the PPO judge\'s training populations are spread over the held-out list; the order is a permutation', () => {
  assert.equal(spreadFirst(10, 4), [0, 2, 5, 7, 1, 3, 4, 6, 8, 9]);
  assert.equal(spreadFirst(3, 8), [0, 1, 2]);
  const order = spreadFirst(33, 8);
  assert.equal([...order].sort((x, y) => x - y), Array.from({ length: 33 }, (_, k) => k));
  assert.ok(order.slice(0, 8).some((k) => k >= 24), 'the stress grid (the last 9) is among the first 8');
});

test('the protocol search\'s initial step: the default reaches a proposal threshold above the attacker\'s reach from Bravo, a small one does not', async () => {
  const base = tiny('attacks: [buy-and-vote]\nattackBudgetUsd: 25000000\nprotocolSearch: { maxEvaluations: 80, populations: 3, safeguards: none, initialStep: STEP, restarts: RESTARTS }\n').replace('attacks: [buy-and-vote, borrow-and-vote]\n', '').replace('attackBudgetUsd: 30000000\n', '').replace('protocolSearch: { maxEvaluations: 10, populations: 2 }\n', '');
  const bravo = presetProtocol('compound-bravo');
  const incumbent = designActionOf(bravo, 10_000_000).map((v, i) => (i >= 5 ? -1 : v));
  // Only the proposal threshold moves (a flat landscape up to the cliff); the rest stays at Bravo's.
  const design = (x: ArrayLike<number>) => designedProtocol(bravo, incumbent.map((v, i) => (i === 1 ? x[1]! : v)));
  // $25M buys 2M x 25 / (100 + 25) = 400,000 of the AMM's tokens: 4 % of the 10M supply.
  const reach = (2_000_000 * 25) / 125 / 10_000_000;
  const found = async (step: string, restarts = 0) => {
    const config = parse(base.replace('STEP', step).replace('RESTARTS', String(restarts)));
    const g1 = PopulationGenerator.fit(loadLoopData(config).train);
    const world = newWorld(config);
    let count = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const rng = Rng.create(seed);
      const populations = (key: string) => Array.from({ length: 3 }, (_, k) => samplePopulation(g1, config.members, rng.stream(key, k), 100 * k + key.length + seed));
      const tuned = await world.retune(design, populations('training'), populations('validation'), incumbent, seed);
      if (design(tuned.x).proposalThreshold > reach) count++;
    }
    return count;
  };
  assert.is(parse(base.replace('STEP', '0.8').replace('RESTARTS', '0')).protocolSearch.initialStep, 0.8);
  const [wide, narrow, restarted] = [await found('0.8'), await found('0.1'), await found('0.1', 3)];
  // Measured: 2 of 6 with the default step, 0 of 6 with 0.1 (the others stay at or below Bravo's).
  assert.ok(wide >= 2, `default step: ${wide} of 6 searches cross the threshold cliff`);
  assert.is(narrow, 0, 'a 0.1 step stays near Bravo\'s 0.25 %');
  // protocolSearch.restarts: runs from random points of the box find the cliff that a search from Bravo's does not.
  assert.ok(restarted >= 3, `with 3 restarts ${restarted} of 6 searches cross the cliff`);
  assert.throws(() => parse(base.replace('STEP', '3').replace('RESTARTS', '0')), /protocolSearch\.initialStep/);
  assert.throws(() => parse(base.replace('STEP', '0.8').replace('RESTARTS', '-1')), /protocolSearch\.restarts/);
});

test('held design parameters stay at the baseline preset\'s values in every round; a bad name is a config error', async () => {
  const configWith = (hold: string) =>
    parse(tiny(`protocolSearch: { maxEvaluations: 10, populations: 2, safeguards: none, hold: [${hold}] }\nheldOut: { populations: 3, turnout: [-0.7], concentration: [0.3], oracle: false }\n`).replace('protocolSearch: { maxEvaluations: 10, populations: 2 }\n', '').replace('heldOut: { populations: 3, turnout: [-0.7], concentration: [0.3] }\n', ''));
  // Free, the search moves the threshold or the quorum away from Bravo's in some round.
  const free = await runLoopTrial(configWith(''), planTrials(configWith(''))[0]!);
  assert.ok(free.episodes!.some((r) => Math.abs((r['protocol.proposalThreshold'] as number) - 0.0025) > 1e-6 || Math.abs((r['protocol.quorum'] as number) - 0.04) > 1e-6));
  const config = configWith('proposalThreshold, quorum');
  const result = await runLoopTrial(config, planTrials(config)[0]!);
  for (const round of result.episodes!) {
    // Compound Bravo: 25,000 of 10M COMP to propose, a quorum of 400,000 (4 %).
    assert.ok(Math.abs((round['protocol.proposalThreshold'] as number) - 0.0025) < 1e-12, `threshold in ${round.arm} ${round.round}`);
    assert.ok(Math.abs((round['protocol.quorum'] as number) - 0.04) < 1e-12, `quorum in ${round.arm} ${round.round}`);
    assert.is(round['protocol.guardianVeto'], 0);
  }
  assert.ok(Number.isNaN(result.metrics.heldOutCvar10Oracle));
  assert.throws(() => parse(tiny('protocolSearch: { hold: [quorom] }\n').replace('protocolSearch: { maxEvaluations: 10, populations: 2 }\n', '')), /protocolSearch\.hold\[0\].*quorum, proposalThreshold/);
});

test('each replicate holds out its own members (per-seed split), a partition of the real members', () => {
  const config = parse(tiny());
  assert.is(config.holdoutSplit, 'per-seed');
  const [a, b] = [loadLoopData(config, 1), loadLoopData(config, 2)];
  const sorted = (values: Float64Array[]) => values.flatMap((v) => Array.from(v)).sort((x, y) => x - y);
  // Each split is a partition of the same members: together they are the whole table.
  assert.equal(sorted([a.train.logVotingPower!, a.holdout.logVotingPower!]), sorted([b.train.logVotingPower!, b.holdout.logVotingPower!]));
  const total = a.train.participation!.length + a.holdout.participation!.length;
  assert.ok(Math.abs(a.holdout.participation!.length - 0.3 * total) <= 1);
  assert.not.equal(Array.from(a.holdout.logVotingPower!), Array.from(b.holdout.logVotingPower!));
  assert.equal(Array.from(loadLoopData(config, 1).holdout.meanTiming!), Array.from(a.holdout.meanTiming!));
});

test('heldOut.data: the separate-fit held-out populations come from another DAO\'s members; the rounds and the grid do not change', async () => {
  // Another DAO: the default members' voting power, but a loud, sceptical electorate (nearly everyone votes, and Against).
  const members = loadLoopData(parse(tiny()), 1).train;
  const loud: Table = { ...members, participation: members.participation!.map((p) => 0.9 + 0.1 * p), supportRate: members.supportRate!.map((p) => 0.05 * p) };
  const columns = MAPPED_FEATURES;
  const n = loud.participation!.length;
  const lines = [columns.join(','), ...Array.from({ length: n }, (_, i) => columns.map((c) => loud[c]![i]).join(','))];
  const file = join(dir, 'loud-dao.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  assert.equal(Array.from(loopTable(file).supportRate!), Array.from(loud.supportRate!));
  const heldOut = 'heldOut: { populations: 3, turnout: [-0.7], concentration: [0.3], oracle: false }\n';
  const base = tiny(`fineTune: { realismFloor: 0.5 }\n${heldOut}`).replace('heldOut: { populations: 3, turnout: [-0.7], concentration: [0.3] }\n', '');
  const own = parse(base);
  const other = parse(base.replace('oracle: false', `oracle: false, data: ${file}`));
  const spec = planTrials(own)[0]!;
  const [a, b] = [await runLoopTrial(own, spec), await runLoopTrial(other, spec)];
  assert.equal(b.episodes, a.episodes, 'the rounds never see the held-out data');
  assert.is(b.metrics.cvar10ImprovementGrid, a.metrics.cvar10ImprovementGrid);
  // Bravo lets the $30M buyer drain the default DAOs; on the loud, sceptical one the members vote it down. The grid alone is unchanged.
  assert.ok(a.metrics.heldOutCvar10SeparateBaseline! > 0.25, `own: ${a.metrics.heldOutCvar10SeparateBaseline}`);
  assert.ok(b.metrics.heldOutCvar10SeparateBaseline! < 0.05, `other: ${b.metrics.heldOutCvar10SeparateBaseline}`);
});

test('a loop config\'s data files are read before the run: a missing or malformed one is a config error naming its field, exit 2, nothing written', async () => {
  writeFileSync(join(dir, 'not-events.csv'), 'a,b\n1,2\n');
  writeFileSync(join(dir, 'bad-data.yaml'), tiny().replace('data: default', 'data: not-events.csv'));
  writeFileSync(join(dir, 'bad-heldout.yaml'), tiny().replace('concentration: [0.3] }', 'concentration: [0.3], data: nope.csv }'));
  assert.throws(() => loadExperiment(join(dir, 'bad-data.yaml')), (e: Error) => e instanceof ConfigError && e.field === 'data' && /data: .*not-events\.csv: not a governor-events export \(needs columns event_name and block_number; found a, b/.test(e.message));
  assert.throws(() => loadExperiment(join(dir, 'bad-heldout.yaml')), (e: Error) => e instanceof ConfigError && e.field === 'heldOut.data' && /heldOut\.data: no file at .*nope\.csv/.test(e.message));
  const child = spawn(process.execPath, [BIN, 'run', 'bad-data.yaml', '--db', 'bad/x.db'], { cwd: dir });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((done) => child.on('close', done));
  assert.is(code, 2, stderr);
  assert.match(stderr, /^daogym: .*bad-data\.yaml: data: .*not a governor-events export/);
  assert.not.ok(existsSync(join(dir, 'bad')), 'nothing written');
});

test('a population\'s loss is its mean over seasonsPerPopulation seasons, each with its own draws', () => {
  const config = parse(tiny('attacks: [buy-and-vote]\nseasonsPerPopulation: 3\n').replace('attacks: [buy-and-vote, borrow-and-vote]\n', ''));
  const world = newWorld(config);
  const g1 = PopulationGenerator.fit(loadLoopData(config).train);
  const sample = samplePopulation(g1, config.members, Rng.create(8).stream('population'), 12345);
  const bravo = presetProtocol('compound-bravo');
  const seasons = [0, 1, 2].map((replicate) => world.season(bravo, sample, 'buy-and-vote', {}, replicate));
  // The replicates are different seasons (arrivals, who votes), not copies of one.
  assert.ok(new Set(seasons.map((s) => s.score)).size > 1);
  const outcome = world.outcome(bravo, sample);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(Math.abs(outcome.loss - mean(seasons.map((s) => -s.score))) < 1e-12);
  assert.ok(Math.abs(outcome.attackLossShare - mean(seasons.map((s) => s.attackLoss / config.season.treasuryUsd))) < 1e-12);
  // One season per population is the first replicate alone.
  const single = newWorld({ ...config, seasonsPerPopulation: 1 });
  assert.is(single.outcome(bravo, sample).loss, -seasons[0]!.score);
});

test('heldOut.seasons scores held-out populations over more seasons without touching the rounds; 0 is a config error', async () => {
  const configWith = (seasons: string) =>
    parse(tiny(`heldOut: { populations: 3, turnout: [-0.7], concentration: [0.3], oracle: false${seasons} }\n`).replace('heldOut: { populations: 3, turnout: [-0.7], concentration: [0.3] }\n', ''));
  const one = configWith('');
  const spec = planTrials(one)[0]!;
  const base = await runLoopTrial(one, spec);
  // The default is seasonsPerPopulation (1): saying so changes nothing.
  assert.equal((await runLoopTrial(configWith(', seasons: 1'), spec)).metrics, base.metrics);
  const four = await runLoopTrial(configWith(', seasons: 4'), spec);
  // Training is untouched: every round of both arms, and so both final protocols, are the same.
  assert.equal(four.episodes, base.episodes);
  assert.equal(four.artifacts, base.artifacts);
  // The held-out scores are not: 4 populations, each now its mean loss over 4 seasons (the first is the same season).
  const changed = ['heldOutCvar10Baseline', 'heldOutMeanLossG1', 'heldOutWelfareBaseline'].filter((m) => four.metrics[m] !== base.metrics[m]);
  assert.ok(changed.length > 0, 'held-out scores over 4 seasons differ from 1');
  assert.throws(() => configWith(', seasons: 0'), /heldOut\.seasons/);
});

test('protocolSearch.validationPopulations: the default is populations; more change only the validation check', async () => {
  const configWith = (extra: string) => parse(tiny().replace('protocolSearch: { maxEvaluations: 10, populations: 2 }', `protocolSearch: { maxEvaluations: 10, populations: 2${extra} }`));
  const base = configWith('');
  const spec = planTrials(base)[0]!;
  const result = await runLoopTrial(base, spec);
  assert.equal((await runLoopTrial(configWith(', validationPopulations: 2'), spec)).metrics, result.metrics);
  const more = await runLoopTrial(configWith(', validationPopulations: 8'), spec);
  // Round 1 attacks Bravo on the same populations in both, so its losses are the same; what follows may differ.
  const round1 = (r: typeof result) => r.episodes!.filter((e) => e.round === 1).map((e) => [e.arm, e.lossMean, e.lossCvar10]);
  assert.is(round1(result).length, 2);
  assert.equal(round1(more), round1(result));
  assert.throws(() => configWith(', validationPopulations: 0'), /protocolSearch\.validationPopulations/);
});

if (!haveBravo) console.log(`skipping the vote-cap test on Compound Bravo populations: ${BRAVO} is missing`);
(haveBravo ? test : test.skip)('a vote cap stops drains that fooled whales carry; a tighter cap costs honest welfare', () => {
  // Whale-heavy populations (concentration +0.4) from a copula fitted to Compound Bravo's voters; members see
  // through the drain (attackSignal -1.5) but big holders who misjudge it still carry it past a 14 % quorum.
  // At the voters' own participation rates (turnoutScale 1), where the README's cap figures were measured.
  const config = parse(`name: cap\nkind: loop\nseed: 4\nseeds: 1\ndata: ${BRAVO}\nturnoutScale: 1\nmembers: 1000\nattacks: [buy-and-vote, borrow-and-vote]\nattackBudgetUsd: 20000000\nseasonsPerPopulation: 4\nseason: { attackSignal: -1.5 }\n`);
  // (Bribes are left out: they buy many small holders' votes, which no cap binds; until the scripted attackers
  // bought the threshold first, the bribe never proposed under Bravo and was inert here.)
  const g1 = PopulationGenerator.fit(loadLoopData(config).train);
  const world = newWorld(config);
  const effects = Float64Array.of(0, 0.4, 0, 0);
  const whales = Array.from({ length: 12 }, (_, k) => ({ effects, table: g1.populationTable(1000, effects, Rng.create(8).stream('whales', k)), seasonSeed: 5000 + k }));
  const base = { ...presetProtocol('compound-bravo'), proposalThreshold: 0.0025, quorum: { kind: 'fraction' as const, fraction: 0.14 } };
  const [none, six, three] = [null, 0.06, 0.03].map((voteCap) => {
    const outcomes = whales.map((sample) => world.outcome({ ...base, voteCap }, sample));
    const mean = (f: (o: (typeof outcomes)[number]) => number) => outcomes.reduce((a, o) => a + f(o), 0) / outcomes.length;
    return { loss: mean((o) => o.loss), drained: mean((o) => o.attackLossShare), welfare: mean((o) => o.welfare) };
  });
  assert.ok(none!.drained > 0.01, `without a cap fooled whales carry drains: ${none!.drained}`);
  assert.ok(six!.drained < none!.drained / 2, `a 6 % cap: ${six!.drained} vs ${none!.drained}`);
  assert.ok(six!.loss < none!.loss - 0.005, `a 6 % cap lowers the loss: ${six!.loss} vs ${none!.loss}`);
  assert.ok(three!.drained <= six!.drained && three!.welfare < six!.welfare && six!.welfare < none!.welfare, 'a tighter cap: fewer drains, less honest welfare');
});

test('between-population share of the loss variance: ICC(1) from the one-way ANOVA mean squares', async () => {
  // Group means 2 and 6 (grand 4): MSB = 2 x (4 + 4) / 1 = 16, MSW = 4 / 2 = 2, ICC = (16 - 2) / (16 + 2) = 7/9.
  assert.ok(Math.abs(betweenPopulationShare([[1, 3], [5, 7]]) - 7 / 9) < 1e-12);
  // All the spread between populations: 1; all within (equal means): 0 (the estimate, clamped).
  assert.is(betweenPopulationShare([[1, 1, 1], [4, 4, 4]]), 1);
  assert.is(betweenPopulationShare([[0, 1, 0, 1], [1, 0, 1, 0]]), 0);
  assert.ok(Number.isNaN(betweenPopulationShare([[1, 2]])));
  // Recorded per round when populations are scored over several seasons.
  const config = parse(tiny('seasonsPerPopulation: 2\nheldOut: { populations: 3, turnout: [-0.7], concentration: [0.3], oracle: false }\n').replace('heldOut: { populations: 3, turnout: [-0.7], concentration: [0.3] }\n', ''));
  const result = await runLoopTrial(config, planTrials(config)[0]!);
  for (const round of result.episodes!) {
    const share = round.lossBetweenPopulationShare as number;
    assert.ok(share >= 0 && share <= 1, `${round.arm} ${round.round}: ${share}`);
  }
});

test('adversary antagonist: the regret is the loss minus the best nearby protocol\'s, zero where none does better; the loop runs with it, deterministically', async () => {
  const config = parse(tiny('attacks: [buy-and-vote]\n').replace('attacks: [buy-and-vote, borrow-and-vote]\n', ''));
  const g1 = PopulationGenerator.fit(loadLoopData(config).train);
  const world = newWorld(config);
  const populations = Array.from({ length: 4 }, (_, k) => samplePopulation(g1, config.members, Rng.create(31).stream('p', k), 700 + k));
  const bravo = presetProtocol('compound-bravo');
  const losses = populations.map((sample) => world.outcome(bravo, sample).loss);
  // Against itself there is no regret.
  assert.equal(antagonistRegret(world, populations, losses, [bravo]), [0, 0, 0, 0]);
  // A 5 % proposal threshold is out of the $30M buyer's reach (4 % of supply): it blocks the drain Bravo lets through.
  const blocker = { ...bravo, proposalThreshold: 0.05 };
  const blocked = populations.map((sample) => world.outcome(blocker, sample).loss);
  assert.ok(populations.every((sample) => world.outcome(bravo, sample).attackLossShare > 0), 'Bravo is drained everywhere');
  const regret = antagonistRegret(world, populations, losses, [bravo, blocker]);
  regret.forEach((r, k) => assert.ok(Math.abs(r - Math.max(0, losses[k]! - blocked[k]!)) < 1e-12));
  assert.ok(regret.every((r) => r > 0.05), `the blocker's headroom: ${regret.map((r) => r.toFixed(3))}`);
  // The other way round, Bravo as the antagonist of the blocker: it does worse everywhere, so no regret.
  assert.equal(antagonistRegret(world, populations, blocked, [bravo]), [0, 0, 0, 0]);

  const loop = parse(tiny('fineTune: { realismFloor: 0.5, adversary: antagonist, antagonists: 3 }\n'));
  assert.is(loop.fineTune.antagonistStep, 0.4);
  const [a, b] = [await runLoopTrial(loop, planTrials(loop)[0]!), await runLoopTrial(loop, planTrials(loop)[0]!)];
  assert.equal(a.metrics, b.metrics);
  assert.is(a.episodes!.filter((r) => r.arm === 'adaptive').length, 2);
  assert.throws(() => parse(tiny('fineTune: { adversary: antagonist, antagonists: 0 }\n')), /fineTune\.antagonists/);
  // Round 1's protocol is the baseline: against the baseline as its fixed reference (regret) the signal is zero
  // everywhere and every population weighs the same (effective sample size = all of them), while the
  // antagonists find populations where a nearby protocol does better.
  const fixed = parse(tiny('fineTune: { realismFloor: 0.5, adversary: regret, reference: compound-bravo }\n'));
  const firstRound = (result: Awaited<ReturnType<typeof runLoopTrial>>) => result.episodes!.find((r) => r.arm === 'adaptive' && r.round === 1)!;
  assert.is(firstRound(await runLoopTrial(fixed, planTrials(fixed)[0]!)).effectiveSampleSize, fixed.populationsPerRound);
  assert.ok((firstRound(a).effectiveSampleSize as number) < loop.populationsPerRound - 0.5, `antagonist ESS ${firstRound(a).effectiveSampleSize}`);
});

test('attackSearch ppo: a PPO attacker finds the buy-propose-vote drain under Bravo that the listed flash loan misses (its loaned votes are not counted), the loss counts it, and a threshold out of reach stops it', async () => {
  // Until the scripted attackers bought the threshold before proposing, the listed bribe never proposed under
  // Bravo and this test used it; it now buys the threshold and bribes (and drains), so the flash loan, which
  // Bravo's snapshot stops, is the scripted attack that misses.
  const config = parse(tiny('attacks: [flash-loan]\nattackSearch: ppo\nppoAttacker: { totalTimesteps: 120000, populations: 4 }\n').replace('attacks: [buy-and-vote, borrow-and-vote]\n', ''));
  assert.is(config.ppoAttacker.entCoef, 0.05);
  const g1 = PopulationGenerator.fit(loadLoopData(config).train);
  const world = newWorld(config);
  const populations = Array.from({ length: 6 }, (_, k) => samplePopulation(g1, config.members, Rng.create(31).stream('p', k), 700 + k));
  const bravo = presetProtocol('compound-bravo');
  const scripted = populations.map((sample) => world.outcome(bravo, sample));
  assert.ok(scripted.every((o) => o.attackLossShare === 0), 'a $30M flash loan drains nothing under Bravo');
  const found = await ppoOutcomes(config, world, bravo, populations, 11);
  // Measured: half the treasury from five populations, a quarter from the sixth (120k steps, about 30 s).
  assert.ok(found.drains.filter((d) => d >= 0.2).length >= 5, `PPO drains ${found.drains.map((d) => d.toFixed(2))}`);
  found.outcomes.forEach((o, k) => {
    if (found.drains[k]! > 0) assert.is(o.worstAttack, 'ppo');
    assert.ok(Math.abs(o.loss - (scripted[k]!.loss + found.drains[k]!)) < 1e-12);
  });
  // A 5 % proposal threshold is more than $30M buys (4 % of supply): the learned attacker gets nothing. No
  // policy can propose there, so a short training shows it as well as a long one (and saves a minute).
  const short = { ...config, ppoAttacker: { ...config.ppoAttacker, totalTimesteps: 4096 } };
  const blocked = await ppoOutcomes(short, world, { ...bravo, proposalThreshold: 0.05 }, populations, 11);
  assert.equal(blocked.drains, [0, 0, 0, 0, 0, 0]);
});

test('a loop with attackSearch ppo runs both arms round by round and is deterministic', async () => {
  const config = parse(tiny('attackSearch: ppo\nppoAttacker: { totalTimesteps: 1024, populations: 2, numSteps: 32 }\nfineTune: { realismFloor: 0.5 }\n'));
  const [a, b] = [await runLoopTrial(config, planTrials(config)[0]!), await runLoopTrial(config, planTrials(config)[0]!)];
  assert.equal(a.metrics, b.metrics);
  assert.is(a.episodes!.length, 4);
  assert.ok(a.episodes!.every((r) => typeof r.learnedAttackShare === 'number' && r.learnedAttackShare >= 0 && r.learnedAttackShare <= 1));
  // The held-out judge trained a PPO attacker per protocol: it only adds to the scripted strategies' losses.
  const scripted = parse(tiny('attackSearch: ppo\nppoAttacker: { totalTimesteps: 1024, populations: 2, numSteps: 32 }\nfineTune: { realismFloor: 0.5 }\n').replace('concentration: [0.3] }', 'concentration: [0.3], attackSearch: scripted }'));
  const c = await runLoopTrial(scripted, planTrials(scripted)[0]!);
  assert.equal(c.episodes, a.episodes);
  for (const arm of ['Final', 'G1', 'Baseline']) assert.ok(a.metrics[`heldOutCvar10${arm}`]! >= c.metrics[`heldOutCvar10${arm}`]! - 1e-12, arm);
  assert.throws(() => parse(tiny('attackSearch: ppo\nppoAttacker: { populations: 0 }\n')), /ppoAttacker\.populations/);
});

test('adversary likely-failure (adaptive stress testing): the generator moves to the most likely failures, not the largest losses', async () => {
  const g1 = PopulationGenerator.fit(loadLoopData(parse(tiny())).train);
  const options = { failureLoss: 0.1, missPenalty: 10 };
  // The reward: log density under G_1, minus the penalty where the loss stayed below the failure line.
  const [mode, tail] = [Float64Array.of(0, 0, 0, 0), Float64Array.of(-1, 0.3, 0, 0)];
  const [atMode, inTail, missed, none] = likelyFailureSignal(g1, [mode, tail, mode, mode], [0.2, 0.9, 0.05, 0], options);
  assert.ok(atMode! > inTail!, 'a failure where DAOs are common beats a bigger one where they are rare');
  assert.ok(Math.abs(atMode! - g1.logDensity(mode)) < 1e-12);
  assert.ok(Math.abs(missed! - (atMode! - 15)) < 1e-9, 'half-way to the line: the penalty and half again');
  assert.ok(Math.abs(none! - (atMode! - 20)) < 1e-9, 'no loss: twice the penalty');
  // A controlled failure region: quieter DAOs lose, failing (loss >= 0.1) from a turnout effect of -0.4 down.
  const rng = Rng.create(3);
  const effects = Array.from({ length: 400 }, () => g1.sampleEffects(rng));
  const losses = effects.map((z) => Math.max(0, -z[0]! - 0.3));
  const fine = { temperature: 0.5, klWeight: 0 };
  const byLoss = g1.fineTune(effects, losses, fine);
  const byLikelihood = g1.fineTune(effects, likelyFailureSignal(g1, effects, losses, options), fine);
  const turnout = (g: PopulationGenerator) => g.model.hyper.mean[0]!;
  // AST settles just past the failure line on the failing populations as a whole; the loss adversary chases
  // the few most extreme ones, and whatever else they happen to share (its other effects drift).
  assert.ok(turnout(byLikelihood.generator) < -0.4 && turnout(byLikelihood.generator) > -0.6, `${turnout(byLikelihood.generator)}`);
  assert.ok(turnout(byLoss.generator) < turnout(byLikelihood.generator) - 0.15, `${turnout(byLoss.generator)}`);
  assert.ok(byLikelihood.effectiveSampleSize > 30 && byLoss.effectiveSampleSize < 10);
  assert.ok(byLikelihood.generator.model.hyper.mean.slice(1).every((m) => Math.abs(m) < 0.05));
  // It runs in the loop, deterministically; a bad value is a config error naming the field.
  const config = parse(tiny('fineTune: { adversary: likely-failure, realismFloor: 0.5, failureLoss: 0.05 }\n'));
  const [a, b] = [await runLoopTrial(config, planTrials(config)[0]!), await runLoopTrial(config, planTrials(config)[0]!)];
  assert.equal(a.metrics, b.metrics);
  assert.ok(a.episodes!.filter((r) => r.arm === 'adaptive').every((r) => r.accepted === true));
  assert.throws(() => parse(tiny('fineTune: { failureLoss: 0 }\n')), /fineTune\.failureLoss/);
});

test('adversary shuffled (the control): the same weights on permuted populations, so the generator moves as far toward nothing', async () => {
  const g1 = PopulationGenerator.fit(loadLoopData(parse(tiny())).train);
  // The controlled failure region again: quieter DAOs lose.
  const rng = Rng.create(5);
  const effects = Array.from({ length: 400 }, () => g1.sampleEffects(rng));
  const losses = effects.map((z) => Math.max(0, -z[0]! - 0.3));
  const fine = { temperature: 0.5, klWeight: 0 };
  const byLoss = g1.fineTune(effects, losses, fine);
  const shuffled = g1.fineTune(effects, Rng.create(6).shuffle([...losses]) as number[], fine);
  const turnout = (g: PopulationGenerator) => g.model.hyper.mean[0]!;
  assert.ok(Math.abs(shuffled.effectiveSampleSize - byLoss.effectiveSampleSize) < 1e-9, 'the same weights');
  assert.ok(turnout(byLoss.generator) < -0.6, `${turnout(byLoss.generator)}`);
  assert.ok(Math.abs(turnout(shuffled.generator) - turnout(g1)) < 0.3, `${turnout(shuffled.generator)}`);
  // In the loop: round 1 attacks the same populations under the same protocol, so its losses are the loss
  // adversary's and the control's weights are theirs permuted; the generator lands elsewhere. The G_1-only
  // arm does not depend on the adversary, so runs of both pair replicate by replicate.
  const run = async (adversary: string) => {
    const config = parse(tiny(`fineTune: { adversary: ${adversary}, realismFloor: 0.5 }\n`));
    return runLoopTrial(config, planTrials(config)[0]!);
  };
  const [loss, control, again] = [await run('loss'), await run('shuffled'), await run('shuffled')];
  assert.equal(control.metrics, again.metrics);
  const first = (r: typeof loss) => r.episodes!.find((e) => e.arm === 'adaptive' && e.round === 1)!;
  assert.equal(first(control).lossMean, first(loss).lossMean);
  assert.ok(Math.abs((first(control).effectiveSampleSize as number) - (first(loss).effectiveSampleSize as number)) < 1e-9);
  assert.ok(first(control).effectiveSampleSize as number < 6, 'the weights are not uniform');
  assert.not.equal(first(control)['effect.turnout.mean'], first(loss)['effect.turnout.mean']);
  assert.is(control.metrics.heldOutCvar10G1, loss.metrics.heldOutCvar10G1);
  assert.equal(control.episodes!.filter((e) => e.arm === 'g1-only'), loss.episodes!.filter((e) => e.arm === 'g1-only'));
  assert.throws(() => parse(tiny('fineTune: { adversary: random }\n')), /fineTune\.adversary/);
});

test('protocolSearch.replay: each round\'s highest-loss populations join both arms\' buffers, the re-tunes score on them, and a resumed loop re-samples them exactly', async () => {
  assert.equal(topLosses([0.1, 0.5, -0.2, 0.5, 0.3], 3), [1, 3, 4]);
  assert.equal(topLosses([0.1, 0.5], 0), []);
  assert.equal(topLosses([0.1, 0.5], 5), [1, 0]);
  const configWith = (extra: string, rounds = 2) =>
    parse(tiny().replace('protocolSearch: { maxEvaluations: 10, populations: 2 }', `protocolSearch: { maxEvaluations: 10, populations: 2${extra} }`).replace('rounds: 2', `rounds: ${rounds}`));
  // The buffer counts in the objective's CVaR term only: the mean stays over the populations as sampled.
  {
    const g1 = PopulationGenerator.fit(loadLoopData(configWith('')).train);
    const samples = Array.from({ length: 6 }, (_, k) => samplePopulation(g1, 300, Rng.create(9).stream('objective', k), 900 + k));
    const [fresh, tail] = [samples.slice(0, 4), samples.slice(4)];
    const bravo = presetProtocol('compound-bravo');
    const worldAt = (riskWeight: number) => newWorld(configWith(`, riskWeight: ${riskWeight}`));
    const lossesOf = (world: LoopWorld, list: typeof samples) => list.map((sample) => world.outcome(bravo, sample).loss);
    const meanOnly = worldAt(0);
    assert.is(meanOnly.objective(bravo, fresh, tail), meanOnly.objective(bravo, fresh));
    const tailOnly = worldAt(1);
    assert.is(tailOnly.objective(bravo, fresh, tail), cvar(lossesOf(tailOnly, samples)));
    assert.is(tailOnly.objective(bravo, fresh), cvar(lossesOf(tailOnly, fresh)));
  }
  const base = configWith('');
  const spec = planTrials(base)[0]!;
  const plain = await runLoopTrial(base, spec);
  assert.equal((await runLoopTrial(configWith(', replay: 0'), spec)).metrics, plain.metrics);
  const replayed = await runLoopTrial(configWith(', replay: 2'), spec);
  for (const arm of ['adaptive', 'g1-only']) {
    const rounds = replayed.episodes!.filter((e) => e.arm === arm);
    // Two populations a round join: 2 in round 1's re-tune, 4 in round 2's.
    assert.equal(rounds.map((e) => e.replayBuffer), [2, 4], arm);
    const first = rounds[0]!;
    const unreplayed = plain.episodes!.find((e) => e.arm === arm && e.round === 1)!;
    // Round 1 attacks Bravo on the same populations: the same losses, and the buffer holds its worst two.
    assert.is(first.lossMean, unreplayed.lossMean);
    assert.ok((first.replayLossBefore as number) >= (first.lossMean as number), `${first.replayLossBefore} vs ${first.lossMean}`);
    assert.ok((first.replayLossBefore as number) <= (first.lossWorst as number) + 1e-12);
  }
  // The round's artifact names them: its two highest losses.
  const artifact = JSON.parse(String(replayed.artifacts!.find((a) => a.name === 'round-1-adaptive.json')!.content)) as { replayAdded: number[]; populations: { loss: number }[] };
  assert.equal(artifact.replayAdded, topLosses(artifact.populations.map((p) => p.loss), 2));
  assert.is(JSON.parse(String(plain.artifacts!.find((a) => a.name === 'round-1-adaptive.json')!.content)).replayAdded, undefined);
  // Round 1's buffer is the same worst two populations in both arms (the same populations, the same protocol).
  const round1 = replayed.episodes!.filter((e) => e.round === 1).map((e) => e.replayLossBefore);
  assert.is(round1[0], round1[1]);
  // A loop that stops after round 1 and is then resumed from its checkpoints rebuilds the buffer from the
  // stored generators and streams: the resumed run ends exactly as the uninterrupted one.
  const checkpointDir = mkdtempSync(join(dir, 'replay-'));
  await runLoopTrial(configWith(', replay: 2', 1), spec, { checkpointDir });
  assert.is(readdirSync(checkpointDir).length, 2, 'one checkpoint per arm after round 1');
  const resumed = await runLoopTrial(configWith(', replay: 2'), spec, { checkpointDir });
  assert.equal(resumed.metrics, replayed.metrics);
  assert.equal(resumed.episodes, replayed.episodes);
  assert.throws(() => configWith(', replay: -1'), /protocolSearch\.replay/);
});

test('a round whose fine-tuned generator falls below the realism floor is rejected', async () => {
  const config = parse(tiny('fineTune: { realismFloor: 0.999 }\n'));
  const result = await runLoopTrial(config, planTrials(config)[0]!);
  const adaptive = result.episodes!.filter((r) => r.arm === 'adaptive');
  assert.ok(adaptive.every((r) => r.accepted === false && (r.fidelity as number) < 0.999));
  // Rejected updates leave G_1 in place: nothing moved away from it.
  assert.ok(adaptive.every((r) => r.klToG1 === 0));
  assert.is(result.metrics.roundsAccepted, 0);
  assert.is(result.metrics.klToG1Final, 0);
});

test('a loop run killed with SIGKILL after a round resumes from its checkpoint and ends as an uninterrupted run', async () => {
  const path = join(dir, 'loop.yaml');
  writeFileSync(path, tiny('rounds: 3\n').replace('rounds: 2\n', ''));
  const db = join(dir, 'killed.db');
  const child = spawn(process.execPath, [BIN, 'run', path, '--db', db, '--out', dir, '--workers', '1', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const checkpoints = join(dir, 'checkpoints');
  let seen = false;
  for (let waited = 0; waited < 120_000 && !seen; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    seen = existsSync(checkpoints) && readdirSync(checkpoints, { recursive: true }).some((f) => String(f).endsWith('adaptive.json'));
  }
  child.kill('SIGKILL');
  await exited;
  assert.ok(seen, `no round checkpoint appeared; stderr: ${stderr}`);
  let store = Store.open(db);
  const run = store.listRuns()[0]!;
  assert.is(store.countTrials(run.id), 0, 'killed inside the only trial');
  store.close();
  const resumed = await resumeRun(run.id, { db, out: dir, executor: (c, context) => new InProcessExecutor(c, context), report: false });
  assert.is(resumed.run.status, 'done');
  const reference = await runExperiment(path, { db: join(dir, 'reference.db'), out: dir, executor: (c) => new InProcessExecutor(c), report: false });
  store = Store.open(db);
  const got = store.trials(run.id, { detail: true });
  store.close();
  const other = Store.open(join(dir, 'reference.db'));
  const want = other.trials(reference.run.id, { detail: true });
  other.close();
  assert.is(got.length, 1);
  assert.equal(got[0]!.metrics, want[0]!.metrics);
  assert.equal(got[0]!.episodes, want[0]!.episodes);
  // The rounds' artifacts (generator checkpoints, loss distributions) survive the kill too.
  assert.equal(got[0]!.artifacts, want[0]!.artifacts);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test('turnoutScale: a number scales mapped members\' participation; calibrated, populations from Compound Bravo\'s voters turn out what its proposals did, with its largest voters\' share', () => {
  const sample = samplePopulation(PopulationGenerator.fit(loadLoopData(parse(tiny()), 1).train), 300, Rng.create(3).stream('p'), 11);
  const plain = newWorld(parse(tiny('turnoutScale: 1\n'))).population(sample);
  const quiet = newWorld(parse(tiny('turnoutScale: 0.2\n'))).population(sample);
  assert.equal(Array.from(quiet.balance), Array.from(plain.balance));
  for (let i = 0; i < plain.size; i++) assert.ok(Math.abs(quiet.participation[i]! - Math.min(1, 0.2 * plain.participation[i]!)) < 1e-12);
  assert.throws(() => parse(tiny('turnoutScale: 0\n')), /loop\.yaml:\d+: turnoutScale: must be > 0, got 0/);
  assert.throws(() => parse(tiny('turnoutScale: calibrate\n')), /loop\.yaml:\d+: turnoutScale: must be 'calibrated' or a number in \(0, 20\], got 'calibrate'/);
  assert.is(parse(tiny()).turnoutScale, 'calibrated');
  // 'default' data has no proposals to calibrate to: the members hold all their supply at their own rates.
  const g1Default = PopulationGenerator.fit(loadLoopData(parse(tiny()), 1).train);
  assert.equal(resolveTurnoutScale(parse(tiny()), g1Default, Rng.create(1).stream('c'), 0.7), { scale: 1, votingShare: 1 });
  // dataTurnout gives the median such data lacks (a feature table from `daogym data import`, which prints it).
  // The default members turn out about 3.8 % holding all their supply: 2 % takes a voting share, 5 % more participation.
  const given = resolveTurnoutScale(parse(tiny('dataTurnout: 0.02\n')), g1Default, Rng.create(1).stream('c'), 0.7);
  assert.is(given.realTurnout, 0.02);
  assert.ok(Math.abs(given.turnout! - 0.02) < 1e-12 && given.votingShare < 1 && given.scale === 1, JSON.stringify(given));
  const louder = resolveTurnoutScale(parse(tiny('dataTurnout: 0.05\n')), g1Default, Rng.create(1).stream('c'), 0.7);
  assert.ok(Math.abs(louder.turnout! - 0.05) < 1e-9 && louder.votingShare === 1 && louder.scale > 1, JSON.stringify(louder));
  assert.throws(() => parse(tiny('dataTurnout: 1.2\n')), /loop\.yaml:\d+: dataTurnout: must be < 1, got 1\.2/);
  if (!haveBravo) {
    console.log('  (skipped the Compound Bravo turnout check: ../shared/data is missing)');
    return;
  }
  // Bravo's real proposals (domain.md: median turnout 7.3 % of supply, largest voter 29 % of the votes cast).
  const stats = daoStatistics(readGovernorEvents(BRAVO), 10_000_000);
  const real = median(stats.turnout);
  assert.ok(Math.abs(real - 0.0726) < 0.001, `real median turnout ${real}`);
  assert.is(realTurnout(BRAVO, 10_000_000), real);
  const config = (extra: string) => parse(tiny(extra).replace('data: default', `data: ${BRAVO}`));
  const g1 = PopulationGenerator.fit(loadLoopData(config(''), 1).train);
  // The members hold the 10M supply less the market's 2.8M tokens.
  const calibration = resolveTurnoutScale(config(''), g1, Rng.create(1).stream('turnout-calibration'), 0.72);
  assert.is(calibration.realTurnout, real);
  assert.is(calibration.scale, 1);
  assert.ok(calibration.votingShare > 0.1 && calibration.votingShare < 0.35, `voting share ${calibration.votingShare}`);
  // Populations the calibration never drew (another stream, 1000 members), mapped by worlds, each voting on 20
  // proposals (a member votes with its participation): turnout per proposal and the largest voter's share.
  const proposals = (world: LoopWorld) => {
    const turnouts: number[] = [];
    const largest: number[] = [];
    const votes = Rng.create(6).stream('votes');
    for (let k = 0; k < 12; k++) {
      const population = world.population(samplePopulation(g1, 1000, Rng.create(5).stream('bravo', k), k));
      assert.ok(Math.abs(totalSupply(population) - 7_200_000) < 1e-3, 'the members and the passive holders hold the supply less the market\'s');
      for (let p = 0; p < 20; p++) {
        let [cast, top] = [0, 0];
        for (let i = 0; i < population.size; i++) {
          if (votes.random() < population.participation[i]!) {
            cast += population.balance[i]!;
            top = Math.max(top, population.balance[i]!);
          }
        }
        turnouts.push(cast / 10_000_000);
        largest.push(top / cast);
      }
    }
    return { turnout: median(turnouts), largest: median(largest) };
  };
  const own = proposals(newWorld(config('turnoutScale: 1\n')));
  const calibrated = proposals(new LoopWorld({ ...config(''), turnoutScale: 1, votingShare: calibration.votingShare }));
  const scaled = proposals(newWorld(config('turnoutScale: 0.2\n')));
  const realLargest = median(stats.largestVoterShare);
  assert.ok(own.turnout > 4 * real, `own rates: ${own.turnout} against the real ${real}`);
  assert.ok(Math.abs(calibrated.turnout - real) < 0.15 * real, `calibrated: ${calibrated.turnout} against the real ${real}`);
  // Calibrated by the voting share, the largest voter's share of a proposal's votes stays near the real one;
  // scaling participation instead doubles it (a whale that votes dominates a quiet proposal).
  assert.ok(Math.abs(calibrated.largest - realLargest) < 0.07, `largest voter: ${calibrated.largest} against the real ${realLargest}`);
  assert.ok(scaled.largest > 1.6 * realLargest, `participation x 0.2: largest voter ${scaled.largest}`);
});

test.run();
