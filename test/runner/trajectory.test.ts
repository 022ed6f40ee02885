/**
 * Season trajectories: a recorded timeline replays to the trial's own metrics (score, values, drain, honest
 * counts, the final tallies the outcome quotes, the treasury); recording changes no result; a run records only
 * the seeds it was asked to; the export is tidy (one row per event, the same columns for all); the CLI replays a
 * trial to an HTML page with its vote race, and refuses a run that recorded nothing with one line and exit 2.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatTokens } from '../../envs/dao/refusal.ts';
import { decodeTrajectory, replaySeason, TRAJECTORY_ARTIFACT, TRAJECTORY_COLUMNS } from '../../envs/dao/trajectory.ts';
import { parseExperiment } from '../../runner/config.ts';
import { exportRun } from '../../runner/export.ts';
import { kindOf } from '../../runner/kinds/index.ts';
import { planTrials } from '../../runner/plan.ts';
import { runExperiment } from '../../runner/run.ts';
import { Store } from '../../runner/store.ts';
import type { TrialResult } from '../../runner/types.ts';

const bin = fileURLToPath(new URL('../../bin/daogym.mjs', import.meta.url));

const CONFIG = (trajectories: number) => `name: trajectories
kind: compare
seed: 5
seeds: 3
${trajectories > 0 ? `trajectories: ${trajectories}\n` : ''}variants:
  - { name: bravo, preset: compound-bravo }
  - { name: aave-short, preset: aave-short }
  - { name: nouns, preset: nouns }
populations: [{ name: calibrated, members: 400 }]
attacks: [none, buy-and-vote, bribe, flash-loan, late-vote, borrow-and-vote]
attackBudgetUsd: 20000000
season: { days: 30 }
`;

async function runAll(trajectories: number): Promise<TrialResult[]> {
  const config = parseExperiment(CONFIG(trajectories), 'trajectories.yaml');
  const results: TrialResult[] = [];
  for (const spec of planTrials(config)) results.push(await kindOf(config).runTrial(config, spec, {}));
  return results;
}

test('a recorded trajectory replays to the trial\'s own metrics, and recording changes no result', async () => {
  const recorded = await runAll(2);
  const plain = await runAll(0);
  assert.equal(recorded.map((t) => t.metrics), plain.map((t) => t.metrics), 'the same metrics with and without recording');
  const withTimeline = recorded.filter((t) => t.artifacts?.some((a) => a.name === TRAJECTORY_ARTIFACT));
  assert.is(withTimeline.length, 3 * 6 * 2, 'the first 2 of 3 seeds of each of the 18 cells');
  assert.ok(withTimeline.every((t) => t.seedIndex < 2));
  const outcomes = new Set<string>();
  let quoted = 0;
  for (const trial of withTimeline) {
    const { header, events } = decodeTrajectory(trial.artifacts!.find((a) => a.name === TRAJECTORY_ARTIFACT)!.content as Uint8Array);
    const replay = replaySeason(header, events);
    const m = trial.metrics;
    const where = `${trial.key} seed ${trial.seed}`;
    assert.is(replay.score, m.score, `score, ${where}`);
    assert.is(replay.executedValue, m.executedValue, `executedValue, ${where}`);
    assert.is(replay.failedGoodValue, m.failedGoodValue, `failedGoodValue, ${where}`);
    assert.is(replay.attackLoss, m.attackLoss, `attackLoss, ${where}`);
    assert.is(replay.attackSucceeded ? 1 : 0, m.attackSucceeded, `attackSucceeded, ${where}`);
    assert.is(replay.honestProposals, m.honestProposals, `honestProposals, ${where}`);
    // The treasury's last value is the start less everything paid out.
    const paid = [...replay.proposals.values()].reduce((s, p) => s + p.paidUsd, 0);
    assert.ok(Math.abs(replay.finalTreasuryUsd! - (header.treasuryUsd - paid)) < 1e-6 * header.treasuryUsd, `treasury, ${where}`);
    // A defeated drain's outcome quotes its final tally: the trajectory's last tally is that one.
    const outcome = trial.outcomes![0]!;
    outcomes.add(outcome.outcome);
    const drain = [...replay.proposals.values()].find((p) => p.proposer === 'attacker');
    if (drain !== undefined && /For [\d,.]+[kM]?, Against/.test(outcome.reason)) {
      const tally = `For ${formatTokens(drain.forVotes)}, Against ${formatTokens(drain.againstVotes)}, Abstain ${formatTokens(drain.abstainVotes)}`;
      assert.ok(outcome.reason.includes(tally), `${where}: '${outcome.reason}' quotes ${tally}`);
      quoted++;
    }
    if (drain !== undefined) assert.is(drain.state === 'executed', outcome.outcome === 'executed', `drain state, ${where}`);
  }
  assert.ok(quoted >= 3, `${quoted} defeated drains checked against the tally their outcome quotes`);
  assert.ok(outcomes.has('executed') && outcomes.has('defeated') && outcomes.size >= 3, `a spread of outcomes: ${[...outcomes].join(', ')}`);
});

test('export --what trajectories is tidy, and the CLI replays a trial (or refuses a run that recorded none)', async () => {
  const temp = mkdtempSync(join(tmpdir(), 'daogym-trajectory-'));
  try {
    const config = join(temp, 'recorded.yaml');
    writeFileSync(config, CONFIG(1).replace('seeds: 3', 'seeds: 2').replace('attacks: [none, buy-and-vote, bribe, flash-loan, late-vote, borrow-and-vote]', 'attacks: [none, bribe]'));
    const db = join(temp, 'runs.db');
    const outcome = await runExperiment(config, { db, out: join(temp, 'reports'), workers: 1, report: false });
    const store = Store.open(db);
    let lines: string[];
    let trial: TrialResult;
    try {
      const out = join(temp, 'trajectories.csv');
      const summary = await exportRun(store, outcome.run.id, 'csv', out, { what: 'trajectories' });
      lines = readFileSync(out, 'utf8').trimEnd().split('\r\n');
      assert.is(lines.length, summary.rows + 1);
      const header = lines[0]!.split(',');
      assert.equal(header, ['run_id', 'trial_key', 'seed_index', 'seed', 'variant', ...TRAJECTORY_COLUMNS.map((c) => c.name)]);
      // 3 variants x 2 attacks, first seed only; each trial's rows are its events.
      const recorded = store.trials(outcome.run.id, { detail: true }).filter((t) => t.artifacts?.some((a) => a.name === TRAJECTORY_ARTIFACT));
      assert.is(recorded.length, 6);
      const events = recorded.reduce((n, t) => n + decodeTrajectory(t.artifacts!.find((a) => a.name === TRAJECTORY_ARTIFACT)!.content as Uint8Array).events.length, 0);
      assert.is(summary.rows, events);
      trial = recorded.find((t) => t.params.attack === 'bribe' && t.variant === 'bravo')!;
    } finally {
      store.close();
    }
    const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
    const replay = cli('report', outcome.run.id, '--db', db, '--out', join(temp, 'reports'), '--trial', trial.key, '--seed', String(trial.seed), '--json');
    assert.is(replay.status, 0, replay.stderr);
    const page = readFileSync((JSON.parse(replay.stdout) as { report: string }).report, 'utf8');
    assert.match(page, /data-chart="vote-race"/);
    assert.match(page, /The vote race of proposal \d+ \(attacker drain\)/);
    assert.match(page, /bribe: [\d,]+ votes from \d+ members/);

    const missing = cli('report', outcome.run.id, '--db', db, '--out', join(temp, 'reports'), '--trial', 'nope', '--seed', '1');
    assert.is(missing.status, 2);
    assert.match(missing.stderr, /^daogym: --trial: run \S+ has no trial 'nope' with seed 1; recorded: --trial '/);
    assert.is(missing.stderr.trim().split('\n').length, 1);

    const plainConfig = join(temp, 'plain.yaml');
    writeFileSync(plainConfig, CONFIG(0).replace('seeds: 3', 'seeds: 1').replace('attacks: [none, buy-and-vote, bribe, flash-loan, late-vote, borrow-and-vote]', 'attacks: [none]'));
    const plain = await runExperiment(plainConfig, { db, out: join(temp, 'reports'), workers: 1, report: false });
    const out = join(temp, 'none.csv');
    const refused = cli('export', plain.run.id, '--db', db, '--what', 'trajectories', '-o', out);
    assert.is(refused.status, 2);
    assert.match(refused.stderr, /^daogym: --what trajectories: run \S+ recorded no trajectories: set trajectories: N in its config/);
    assert.not.ok(existsSync(out), 'nothing written');
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
});

test.run();
