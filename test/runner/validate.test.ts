/**
 * daogym validate. The scores against published values (CRPS of a normal forecast in closed form, Gneiting and
 * Raftery 2007); on proposals simulated from a known member model, that model's 80 % intervals cover about
 * 80 %, and a deliberately wrong model's do not; on Compound Bravo's real log (skipped, saying so, without
 * ../shared/data) the CLI prints the table, writes the report, and the improved model covers far better than
 * the model as daogym maps members today; bad arguments are one line and exit 2.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normal } from '../../lib/distributions.ts';
import { Rng } from '../../lib/rng.ts';
import { presetProtocol } from '../../envs/dao/presets.ts';
import { crps, QUANTITIES, scorePredictions, simulateProposal, type MemberModel, type Observation, type ProposalPrediction } from '../../runner/validate/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'daogym.mjs');
const bravo = join(root, '..', 'shared', 'data', 'governor-events', 'compound_governor_bravo.csv');

test('CRPS: a two-point sample, and a normal forecast against its closed form', () => {
  assert.is(crps([0, 1], 0), 0.25);
  assert.is(crps([3], 5), 2);
  // CRPS(N(0, 1), y) = y (2 Phi(y) - 1) + 2 phi(y) - 1 / sqrt(pi); at y = 0.5: 0.33137.
  const rng = Rng.create(3);
  const sample = Float64Array.from({ length: 40_000 }, () => normal(rng, 0, 1)).sort();
  assert.ok(Math.abs(crps(sample, 0.5) - 0.331_37) < 0.004, `${crps(sample, 0.5)}`);
});

/** A known member model: 400 members, power Pareto-like, participation 5-60 %, mixed support and timing. */
function knownModel(participationScale = 1): MemberModel {
  const rng = Rng.create(11);
  const n = 400;
  const table = {
    logVotingPower: Float64Array.from({ length: n }, () => 2 + 3 * rng.random() ** 2),
    participation: Float64Array.from({ length: n }, () => Math.min(1, (0.05 + 0.55 * rng.random()) * participationScale)),
    supportRate: Float64Array.from({ length: n }, () => 0.4 + 0.55 * rng.random()),
    meanTiming: Float64Array.from({ length: n }, () => rng.random()),
  };
  return { table, supply: 1_000_000, votingShare: 0.2, scale: 1, protocol: presetProtocol('oz-governor'), attention: (r) => 0.5 + r.random(), signalShift: 0 };
}

/** `count` proposals drawn once each from `truth` (what happened), predicted with `sims` draws from `model`. */
function predictions(truth: MemberModel, model: MemberModel, count: number): { predicted: ProposalPrediction[]; reference: Observation[] } {
  const predicted: ProposalPrediction[] = [];
  const reference: Observation[] = [];
  for (let i = 0; i < count; i++) {
    const window = 7200 * (2 + (i % 5));
    const real = simulateProposal(truth, window, 1, Rng.create(1000 + i));
    const observation = Object.fromEntries(QUANTITIES.map((q) => [q, real[q][0]!])) as Observation;
    const samples = simulateProposal(model, window, 100, Rng.create(5000 + i));
    for (const q of QUANTITIES) samples[q] = samples[q].filter(Number.isFinite).sort();
    predicted.push({ id: String(i), startBlock: i, real: observation, samples });
    const past = simulateProposal(truth, window, 1, Rng.create(9000 + i));
    reference.push(Object.fromEntries(QUANTITIES.map((q) => [q, past[q][0]!])) as Observation);
  }
  return { predicted, reference };
}

test('proposals simulated from a known model: its 80 % intervals cover about 80 %; a wrong model\'s do not', () => {
  const truth = knownModel();
  const right = scorePredictions(...Object.values(predictions(truth, truth, 120)) as [ProposalPrediction[], Observation[]]);
  for (const s of right.scores) {
    if (s.quantity === 'lateShare') continue; // timing is deterministic per member: the real value sits on the sample's atoms
    assert.ok(Math.abs(s.coverage['0.8']! - 0.8) < 0.1, `${s.quantity}: 80 % intervals cover ${s.coverage['0.8']}`);
    assert.ok(s.coverage['0.5']! < s.coverage['0.8']! && s.coverage['0.8']! <= s.coverage['0.95']!, `${s.quantity}: coverage rises with the level`);
  }
  // Members voting three times as often: turnout and voters are predicted far too high.
  const wrong = scorePredictions(...Object.values(predictions(truth, knownModel(3), 120)) as [ProposalPrediction[], Observation[]]);
  for (const quantity of ['turnout', 'voters'] as const) {
    const score = wrong.scores.find((s) => s.quantity === quantity)!;
    assert.ok(score.coverage['0.8']! < 0.3, `${quantity}: the wrong model's 80 % intervals cover ${score.coverage['0.8']}`);
    assert.ok(score.below > 80, `${quantity}: real values mostly below the wrong model's intervals (${score.below})`);
    assert.ok(score.skill < right.scores.find((s) => s.quantity === quantity)!.skill, `${quantity}: the wrong model scores worse`);
  }
});

const cli = (...args: string[]) => spawnSync(process.execPath, [bin, 'validate', ...args], { encoding: 'utf8', timeout: 120_000 });

if (!existsSync(bravo)) console.log('skipping daogym validate on Compound Bravo: ../shared/data is missing');

(existsSync(bravo) ? test : test.skip)('Compound Bravo: the table, the report, and the improved model covering where today\'s does not', () => {
  const out = mkdtempSync(join(tmpdir(), 'daogym-validate-'));
  try {
    const run = cli('--data', bravo, '--out', out, '--sims', '60', '--json');
    assert.is(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { today: { testProposals: number; scores: Array<{ quantity: string; coverage: Record<string, number> }> }; improved: { scores: Array<{ quantity: string; coverage: Record<string, number> }> }; report: string };
    assert.is(result.today.testProposals, 27);
    const cover = (side: 'today' | 'improved', q: string) => result[side].scores.find((s) => s.quantity === q)!.coverage['0.8']!;
    for (const q of ['turnout', 'voters', 'largestShare']) {
      assert.ok(cover('today', q) < 0.3, `today's ${q}: ${cover('today', q)}`);
      assert.ok(cover('improved', q) > 0.7, `improved ${q}: ${cover('improved', q)}`);
    }
    const page = readFileSync(result.report, 'utf8');
    assert.match(page, /<h2>Verdict<\/h2>/);
    assert.match(page, /data-chart="validate-turnout"/);
    const text = cli('--data', bravo, '--out', out, '--sims', '20', '--holdout', '0.1', '--quiet');
    assert.is(text.status, 0, text.stderr);
    assert.match(text.stdout, /as daogym maps members today\nquantity +50 % cover +80 % cover +95 % cover/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('bad arguments: one line naming the argument, exit 2, nothing written', () => {
  const out = mkdtempSync(join(tmpdir(), 'daogym-validate-bad-'));
  try {
    const cases: Array<[string[], RegExp]> = [
      [['--data', join(out, 'missing.csv')], /^daogym: --data: .*missing\.csv/],
      [['--data', bravo, '--holdout', '0.95'], /^daogym: --holdout must be between 0\.05 and 0\.8, got 0\.95$/],
      [['--data', bravo, '--sims', '5'], /^daogym: --sims must be a whole number from 20 to 5000, got 5$/],
      [['--data', bravo, '--preset', 'nouns'], /^daogym: --preset nouns: validate decides a fixed quorum/],
    ];
    const snapshot = join(out, 'snapshot.csv');
    writeFileSync(snapshot, 'voter,vp,choice,created,proposal\n0xa,10,1,1650000000,p1\n');
    cases.push([['--data', snapshot], /^daogym: --data: /]);
    for (const [args, expected] of cases) {
      const run = cli(...args, '--out', join(out, 'reports'));
      assert.is(run.status, 2, `${args.join(' ')}: exit ${run.status}: ${run.stderr}`);
      assert.is(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr.trim(), expected);
      assert.not.ok(existsSync(join(out, 'reports')), 'nothing written');
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
