import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseExperiment, type SearchConfig } from '../../runner/config.ts';
import { planTrials } from '../../runner/plan.ts';
import { fittedGenerators, lowerTail, runSearchTrial, searchEnvs, searchPopulationSeeds } from '../../runner/kinds/search/trial.ts';
import { ConfigError } from '../../runner/config.ts';
import { loadExperiment } from '../../runner/run.ts';
import { Rng } from '../../lib/rng.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreProtocol } from '../../agents/protocol-score.ts';
import { ProtocolDesignEnv } from '../../envs/dao/design-env.ts';
import { designActionOf, designValues } from '../../envs/dao/design-env.ts';
import type { Protocol } from '../../envs/dao/protocol.ts';
import { PRESETS, presetProtocol } from '../../envs/dao/presets.ts';
import { BRAVO, haveBravo } from '../helpers/bravo.ts';

/** A `search` experiment small enough for a test (one seed, 500 members, 2 training seasons). */
function config(extra = ''): SearchConfig {
  return parseExperiment(`name: tiny-search
kind: search
seed: 5
seeds: 1
members: 500
attacks: [buy-and-vote, bribe, borrow-and-vote]
attackBudgetUsd: 30000000
maxEvaluations: 40
trainSeasons: 2
heldOutSeasons: 8
${extra}`, 'search.yaml') as SearchConfig;
}

const run = async (c: SearchConfig) => (await runSearchTrial(c, planTrials(c)[0]!)).metrics;
const runFull = async (c: SearchConfig) => runSearchTrial(c, planTrials(c)[0]!);
const bravoValues = designValues(designActionOf(presetProtocol('compound-bravo'), PRESETS['compound-bravo']!.supply));

test('search: CMA-ES from Bravo finds a design that resists the $30M attackers on held-out seasons', async () => {
  const m = await run(config());
  // Bravo loses about a fifth of its treasury a season to these attackers; the design must do much better
  // on seasons it was not tuned on, and never score worse in training than the preset it started from.
  assert.ok(m.baselineScore! < -0.1, `Bravo's held-out score ${m.baselineScore}`);
  assert.ok(m.heldOutImprovement! > 0.1, `held-out improvement ${m.heldOutImprovement}`);
  assert.ok(m.trainScore! >= m.baselineTrainScore!, `train ${m.trainScore} vs Bravo's ${m.baselineTrainScore}`);
  assert.ok(m.heldOutAttackLoss! < m.baselineAttackLoss! / 2, `attack loss ${m.heldOutAttackLoss} vs ${m.baselineAttackLoss}`);
});

test('search: held parameters stay at the baseline preset, disabled safeguards stay off', async () => {
  const m = await run(config('hold: [proposalThreshold, votingPeriodDays, timelockDays, lateQuorumExtensionDays, voteCap]\nsafeguards: none\n'));
  for (const name of ['proposalThreshold', 'votingPeriodDays', 'timelockDays', 'lateQuorumExtensionDays', 'voteCap']) {
    assert.ok(Math.abs(m[`param.${name}`]! - bravoValues[name]!) < 1e-9, `${name}: ${m[`param.${name}`]} vs Bravo's ${bravoValues[name]}`);
  }
  assert.ok(Math.abs(bravoValues.proposalThreshold! - 0.0025) < 1e-9, 'Bravo maps to its 0.25 % threshold');
  assert.equal(m['param.guardianVeto'], 0);
  assert.equal(m['param.treasurySupermajority'], 0.5);
  // The quorum alone was free: it moved from Bravo's 4 %, and the design stays at least as good in training.
  assert.ok(m['param.quorum'] !== bravoValues.quorum, `quorum ${m['param.quorum']}`);
  assert.ok(m.trainScore! >= m.baselineTrainScore!);
});

test('search: a tiny first step stays near the baseline; the same seed gives the same design', async () => {
  const near = await run(config('initialStep: 0.001\n'));
  assert.ok(Math.abs(near['param.quorum']! - bravoValues.quorum!) < 0.005, `quorum ${near['param.quorum']} vs ${bravoValues.quorum}`);
  assert.ok(Math.abs(near['param.votingPeriodDays']! - bravoValues.votingPeriodDays!) < 0.2, `period ${near['param.votingPeriodDays']}`);
  assert.equal(await run(config('initialStep: 0.001\n')), near);
});

test('search: the season block reaches every candidate\'s season; unset fields keep the design env\'s defaults; bad values are named', async () => {
  const small = (extra = ''): SearchConfig => ({ ...config(extra), maxEvaluations: 10, trainSeasons: 1, heldOutSeasons: 4 });
  const plain = await run(small());
  // Stating the defaults changes nothing; autonomous proposals change Bravo's own seasons (more honest proposers).
  assert.equal(await run(small('season: { days: 60, attackSignal: -0.5, sponsorship: 0 }\n')), plain);
  const open = await run(small('season: { sponsorship: 1 }\n'));
  assert.not.equal(open.baselineScore, plain.baselineScore);
  const bad = (extra: string) => () => config(extra);
  assert.throws(bad('season: { sponsorship: 2 }\n'), /search\.yaml:\d+: season\.sponsorship: must be <= 1, got 2/);
  assert.throws(bad('season: { days: 20, attackDay: 30 }\n'), /season\.attackDay: must be within the season \(0-20 days\), got 30/);
  assert.throws(bad('season: { attackDay: 61 }\n'), /season\.attackDay: must be within the season \(0-60 days\)/);
  assert.throws(bad('season: { sponsor: 1 }\n'), /season\.sponsor: unknown field 'sponsor'; valid fields: days, /);
});

test('search: the lower tail is the mean of the worst tenth of scores, at least one', () => {
  assert.equal(lowerTail([0.1, -0.3, 0.2]), -0.3);
  // 20 scores: the worst 2.
  const scores = Array.from({ length: 20 }, (_, i) => i / 10);
  assert.ok(Math.abs(lowerTail(scores) - 0.05) < 1e-12, `${lowerTail(scores)}`);
  assert.equal(lowerTail([0.4]), 0.4);
});

test('search: held-out populations judge the design apart from its training population, and leave the search alone', async () => {
  const small = (extra: string): SearchConfig => ({ ...config(extra), maxEvaluations: 12, trainSeasons: 1, heldOutSeasons: 3 });
  const none = await run(small('heldOutPopulations: 0\n'));
  const { metrics: judged, artifacts } = await runFull(small('heldOutPopulations: 3\n'));
  assert.equal(none.heldOutPopulationScore, undefined);
  // The held-out populations do not reach the search: the same design, the same own-population figures.
  for (const name of ['heldOutScore', 'baselineScore', 'trainScore', 'param.quorum', 'param.proposalThreshold']) assert.equal(judged[name], none[name], name);
  // Recomputed by hand: each held-out population (its own seed, not the training one) over the held-out seasons.
  const c = small('heldOutPopulations: 3\n');
  const seed = planTrials(c)[0]!.seed;
  const seeds = searchPopulationSeeds(seed, 'held-out', 3);
  assert.ok(!seeds.includes(seed) && new Set(seeds).size === 3, `${seeds}`);
  const design = JSON.parse(String(artifacts![0]!.content)) as Protocol;
  const heldOutSeasons = Array.from({ length: 3 }, (_, i) => seed + 1_000_000 + i);
  const envOf = (populationSeed: number) => new ProtocolDesignEnv({ preset: 'compound-bravo', members: 500, populationSeed, attack: c.attacks, attackBudgetUsd: c.attackBudgetUsd, seasonDays: 60 });
  const designed = seeds.map((s) => scoreProtocol(envOf(s), design, heldOutSeasons).score);
  const bravo = seeds.map((s) => scoreProtocol(envOf(s), presetProtocol('compound-bravo'), heldOutSeasons).score);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(judged.heldOutPopulationScore! - mean(designed)) < 1e-12);
  assert.ok(Math.abs(judged.heldOutPopulationBaselineScore! - mean(bravo)) < 1e-12);
  assert.ok(Math.abs(judged.heldOutPopulationImprovement! - (mean(designed) - mean(bravo))) < 1e-12);
  assert.equal(judged.heldOutPopulationTailScore, Math.min(...designed));
  assert.equal(judged.heldOutPopulationBaselineTailScore, Math.min(...bravo));
  // Other populations are other members: Bravo scores differently there than on the seed's own.
  assert.ok(bravo.some((b) => Math.abs(b - judged.baselineScore!) > 1e-6), `${bravo} vs ${judged.baselineScore}`);
});

test('search: trainPopulations scores every candidate on several populations; riskWeight weighs the worst of them', async () => {
  const small = (extra: string): SearchConfig => ({ ...config(extra), maxEvaluations: 12, trainSeasons: 1, heldOutSeasons: 2, heldOutPopulations: 0 });
  const one = await run(small(''));
  const seed = planTrials(small(''))[0]!.seed;
  const seeds = searchPopulationSeeds(seed, 'train', 2);
  assert.equal(seeds[0], seed, 'the first training population is the seed\'s own');
  assert.not.equal(seeds[1], seed);
  const envs = seeds.map((populationSeed) => new ProtocolDesignEnv({ preset: 'compound-bravo', members: 500, populationSeed, attack: ['buy-and-vote', 'bribe', 'borrow-and-vote'], attackBudgetUsd: 30_000_000, seasonDays: 60 }));
  const scores = (protocol: Protocol) => envs.map((env) => scoreProtocol(env, protocol, [seed]).score);
  const bravo = scores(presetProtocol('compound-bravo'));
  assert.ok(Math.abs(one.baselineTrainScore! - bravo[0]!) < 1e-12, 'one population: the seed\'s own');
  assert.ok(Math.abs(bravo[0]! - bravo[1]!) > 1e-6, `the two populations score Bravo alike: ${bravo}`);
  // The objective, recomputed for the found design and for Bravo: the mean of the two populations (riskWeight
  // 0), their worse (riskWeight 1), and half of each (0.5; with two populations the worst tenth is the worse one).
  for (const riskWeight of [0, 0.5, 1]) {
    const { metrics, artifacts } = await runFull(small(`trainPopulations: 2\nriskWeight: ${riskWeight}\n`));
    const objective = (xs: number[]) => (1 - riskWeight) * ((xs[0]! + xs[1]!) / 2) + riskWeight * Math.min(...xs);
    const design = JSON.parse(String(artifacts![0]!.content)) as Protocol;
    assert.ok(Math.abs(metrics.trainScore! - objective(scores(design))) < 1e-12, `riskWeight ${riskWeight}: ${metrics.trainScore} vs ${objective(scores(design))}`);
    assert.ok(Math.abs(metrics.baselineTrainScore! - objective(bravo)) < 1e-12, `riskWeight ${riskWeight}: Bravo`);
    assert.ok(metrics.trainScore! >= metrics.baselineTrainScore!);
  }
  const bad = (extra: string) => () => config(extra);
  assert.throws(bad('riskWeight: 1.5\n'), /search\.yaml:\d+: riskWeight: must be <= 1, got 1\.5/);
  assert.throws(bad('trainPopulations: 0\n'), /search\.yaml:\d+: trainPopulations: must be >= 1, got 0/);
  assert.throws(bad('heldOutPopulations: -1\n'), /search\.yaml:\d+: heldOutPopulations: must be >= 0, got -1/);
});

test('search: populations from data are drawn from the trial\'s fit, the held-out ones from the separate fit', async () => {
  const small = (extra: string): SearchConfig => ({ ...config(extra), maxEvaluations: 12, trainSeasons: 1, heldOutSeasons: 2 });
  const c = small('data: default\ntrainPopulations: 2\nheldOutPopulations: 2\n');
  const seed = planTrials(c)[0]!.seed;
  const fitted = fittedGenerators(c, seed);
  const train = searchEnvs(c, seed, 'train', 2, fitted);
  const heldOut = searchEnvs(c, seed, 'held-out', 2, fitted);
  // Each held-out population is a draw of the separate fit (to the members the trial's split held out), not of the training fit.
  for (const [k, env] of heldOut.entries()) {
    const rng = () => Rng.create(seed).stream('held-out-population', k, 'members');
    assert.equal(Array.from(env.config.population.balance), Array.from(fitted.draw(fitted.heldOut, rng()).balance));
    assert.not.equal(Array.from(env.config.population.balance), Array.from(fitted.draw(fitted.train, rng()).balance));
    assert.equal(env.config.population.size, 500);
  }
  assert.not.equal(Array.from(train[0]!.config.population.balance), Array.from(train[1]!.config.population.balance));
  // turnoutScale scales the mapped members' participation (README: Compound's voters turn out too much unscaled).
  const quiet = searchEnvs({ ...c, turnoutScale: 0.2 }, seed, 'held-out', 1)[0]!.config.population;
  assert.equal(Array.from(quiet.balance), Array.from(heldOut[0]!.config.population.balance));
  quiet.participation.forEach((p, i) => assert.ok(Math.abs(p - Math.min(1, 0.2 * heldOut[0]!.config.population.participation[i]!)) < 1e-12));
  // The judged figures are those populations' (recomputed by hand), and they are not the calibrated default's.
  const metrics = await run(c);
  const bravo = presetProtocol('compound-bravo');
  const seasons = [seed + 1_000_000, seed + 1_000_001];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(metrics.heldOutPopulationBaselineScore! - mean(heldOut.map((env) => scoreProtocol(env, bravo, seasons).score))) < 1e-12);
  assert.ok(Math.abs(metrics.baselineScore! - scoreProtocol(train[0]!, bravo, seasons).score) < 1e-12);
  const plain = await run(small('trainPopulations: 2\nheldOutPopulations: 2\n'));
  assert.not.equal(plain.heldOutPopulationBaselineScore, metrics.heldOutPopulationBaselineScore);
  assert.equal(await run(c), metrics, 'the same seed gives the same search');
  // 'default' data has no proposals to calibrate the turnout to: all the supply at the members' own rates, recorded.
  assert.equal([fitted.turnout.scale, fitted.turnout.votingShare], [1, 1]);
  assert.equal([metrics.turnoutScale, metrics.votingShare], [1, 1]);
  assert.ok(Number.isNaN(metrics.realTurnout));
  if (!haveBravo) {
    console.log('  (skipped the calibrated search populations from Compound Bravo: ../shared/data is missing)');
    return;
  }
  // From Bravo's voters the default calibration gives them the share of the supply that turns out its proposals' 7.26 % median.
  const bravoFit = fittedGenerators(small(`data: ${BRAVO}\n`), seed);
  assert.is(bravoFit.turnout.scale, 1);
  assert.ok(bravoFit.turnout.votingShare > 0.1 && bravoFit.turnout.votingShare < 0.35, `${bravoFit.turnout.votingShare}`);
  assert.ok(Math.abs(bravoFit.turnout.realTurnout! - 0.0726) < 0.001);
  // Eight populations the calibration never drew turn out near that median (unscaled they would turn out about 35 %).
  let cast = 0;
  for (let k = 0; k < 8; k++) {
    const drawn = bravoFit.draw(bravoFit.train, Rng.create(9).stream('fresh', k));
    for (let i = 0; i < drawn.size; i++) cast += (drawn.balance[i]! * drawn.participation[i]!) / 8;
  }
  const turnout = cast / PRESETS['compound-bravo']!.supply;
  assert.ok(Math.abs(turnout - 0.0726) < 0.2 * 0.0726, `fresh populations turn out ${turnout}`);
});

test('search: a data file that is missing or not governance data stops the run before it starts, naming data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'daogym-search-'));
  try {
    const base = 'name: s\nkind: search\nseeds: 1\nmembers: 500\nmaxEvaluations: 10\n';
    writeFileSync(join(dir, 'missing.yaml'), `${base}data: nope.csv\n`);
    assert.throws(() => loadExperiment(join(dir, 'missing.yaml')), (e: Error) => e instanceof ConfigError && e.field === 'data' && /missing\.yaml: data: no file at .*nope\.csv \(give a Governor event log CSV/.test(e.message));
    writeFileSync(join(dir, 'junk.csv'), 'a,b\n1,2\n');
    writeFileSync(join(dir, 'junk.yaml'), `${base}data: junk.csv\n`);
    assert.throws(() => loadExperiment(join(dir, 'junk.yaml')), (e: Error) => e instanceof ConfigError && e.field === 'data' && /junk\.yaml: data: .*junk\.csv/.test(e.message));
    // A good one resolves against the config's directory.
    writeFileSync(join(dir, 'good.yaml'), `${base}data: default\nholdoutShare: 0.2\n`);
    const { config: good } = loadExperiment(join(dir, 'good.yaml')) as { config: SearchConfig };
    assert.equal(good.data, 'default');
    assert.throws(() => config('holdoutShare: 0.7\n'), /search\.yaml:\d+: holdoutShare: must be <= 0\.5, got 0\.7/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('search: replay adds the screened populations the first half\'s design does worst on (or, as a control, the first ones) and tunes on', async () => {
  const small = (extra: string): SearchConfig => ({ ...config(`safeguards: none\ntrainPopulations: 2\nheldOutPopulations: 0\n${extra}`), maxEvaluations: 24, trainSeasons: 1, heldOutSeasons: 2 });
  const seed = planTrials(small(''))[0]!.seed;
  const train = searchEnvs(small(''), seed, 'train', 2);
  const screened = searchEnvs(small(''), seed, 'screen', 6);
  const score = (env: ProtocolDesignEnv, protocol: Protocol) => scoreProtocol(env, protocol, [seed]).score;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const pick of ['worst', 'random'] as const) {
    const { metrics, artifacts, curves } = await runFull(small(`replay: { screen: 6, keep: 2, pick: ${pick} }\n`));
    const before = JSON.parse(String(artifacts!.find((a) => a.name === 'design-before-replay.json')!.content)) as Protocol;
    const design = JSON.parse(String(artifacts!.find((a) => a.name === 'design.json')!.content)) as Protocol;
    // The screen, recomputed by hand: the first half's design on the 6 fresh populations.
    const screenScores = screened.map((env) => score(env, before));
    const order = screenScores.map((_, i) => i).sort((a, b) => screenScores[a]! - screenScores[b]!);
    const picked = pick === 'worst' ? order.slice(0, 2) : [0, 1];
    assert.ok(Math.abs(metrics.screenedScore! - mean(screenScores)) < 1e-12);
    assert.ok(Math.abs(metrics.replayedScore! - mean(picked.map((i) => screenScores[i]!))) < 1e-12, `${pick}: replayed ${metrics.replayedScore}`);
    if (pick === 'worst') assert.ok(metrics.replayedScore! <= metrics.screenedScore!);
    // The second half tunes on the training populations and the picked ones: its objective, by hand.
    const tuned = [...train, ...picked.map((i) => screened[i]!)];
    assert.ok(Math.abs(metrics.trainScore! - mean(tuned.map((env) => score(env, design)))) < 1e-12, `${pick}: train ${metrics.trainScore}`);
    assert.ok(Math.abs(metrics.baselineTrainScore! - mean(tuned.map((env) => score(env, presetProtocol('compound-bravo'))))) < 1e-12);
    // Never worse than the first half's design on that objective; the budget is split, not doubled (each half
    // ends on a whole CMA-ES generation of at most 10 candidates here).
    assert.ok(metrics.trainScore! >= mean(tuned.map((env) => score(env, before))) - 1e-12);
    assert.ok(metrics.evaluations! >= 24 && metrics.evaluations! <= 24 + 2 * 10, `${metrics.evaluations}`);
    const after = curves!.filter((c) => c.name === 'bestTrainScoreAfterReplay');
    assert.ok(after.length > 0 && after[0]!.step > Math.max(...curves!.filter((c) => c.name === 'bestTrainScore').map((c) => c.step)) - 1);
  }
  const plain = await runFull(small(''));
  assert.equal(plain.metrics.replayedScore, undefined);
  assert.equal(plain.artifacts!.map((a) => a.name), ['design.json']);
  const bad = (extra: string) => () => config(extra);
  assert.throws(bad('replay: { screen: 3, keep: 4 }\n'), /search\.yaml:\d+: replay\.keep: must be at most replay\.screen \(3\), got 4/);
  assert.throws(bad('replay: { pick: best }\n'), /search\.yaml:\d+: replay\.pick: must be one of: worst, random, got 'best'/);
});

test.run();
