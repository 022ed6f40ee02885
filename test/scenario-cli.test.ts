/**
 * The incident scenarios from the command line: `daogym scenario NAME` replays each as deployed and under the
 * rule changes that block it (the figures of the real incidents), `daogym list scenarios|stressors` lists them,
 * and an unknown name is one line with exit 2.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const bin = fileURLToPath(new URL('../bin/daogym.mjs', import.meta.url));
const daogym = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

interface Row {
  fix: string;
  state: string;
  drainedUsd: number;
  forVotes: number;
  againstVotes: number;
  attackerVoteShare: number;
}

const results = (name: string): Row[] => {
  const run = daogym('scenario', name, '--json');
  assert.is(run.status, 0, run.stderr);
  return (JSON.parse(run.stdout) as { results: Row[] }).results;
};

test('Beanstalk: $182M drained as deployed with ~79 % of the votes; a snapshot or a timelock blocks it', () => {
  const [none, snapshot, timelock] = results('beanstalk');
  assert.is(none!.state, 'executed');
  assert.ok(Math.abs(none!.drainedUsd - 182e6) < 1, `${none!.drainedUsd}`);
  assert.ok(Math.abs(none!.attackerVoteShare - 0.79) < 0.01, `${none!.attackerVoteShare}`);
  assert.equal([snapshot!.fix, snapshot!.state, snapshot!.drainedUsd], ['snapshot', 'defeated', 0]);
  assert.equal([timelock!.fix, timelock!.state, timelock!.drainedUsd], ['timelock', 'defeated', 0]);
});

test("Build Finance: the treasury's $470k taken; a supply quorum or a timelock with a veto blocks it", () => {
  const rows = results('build-finance');
  assert.is(rows[0]!.state, 'executed');
  assert.ok(Math.abs(rows[0]!.drainedUsd - 470_000) < 1);
  assert.equal(rows.slice(1).map((r) => [r.fix, r.state]), [['supply-quorum', 'defeated'], ['timelock-veto', 'vetoed']]);
});

test('Compound 289: 682,191 For against 633,636 Against passes; a 60 % treasury supermajority defeats it', () => {
  const [none, fix] = results('compound-289');
  assert.equal([none!.state, none!.forVotes, none!.againstVotes], ['executed', 682_191, 633_636]);
  assert.is(fix!.state, 'defeated');
  const text = daogym('scenario', 'compound-289');
  assert.match(text.stdout, /^Compound proposal 289, July 2024: .*\nReal: 682,191 For against 633,636 Against: passed\. Replayed as deployed: the proposal executed, \$24\.9M left the treasury\.\nBlocked by: supermajority\./);
});

test('list scenarios and stressors; an unknown scenario is one line and exit 2', () => {
  const scenarios = JSON.parse(daogym('list', 'scenarios', '--json').stdout) as Array<{ name: string }>;
  assert.equal(scenarios.map((s) => s.name), ['beanstalk', 'build-finance', 'compound-289']);
  const stressors = JSON.parse(daogym('list', 'stressors', '--json').stdout) as Array<{ name: string }>;
  assert.equal(stressors.map((s) => s.name), ['attackBudgetUsd', 'turnoutScale', 'balanceTail', 'delegationShare', 'lateShare', 'attackShare']);
  const unknown = daogym('scenario', 'mango');
  assert.is(unknown.status, 2);
  assert.equal(unknown.stderr.trim().split('\n'), ["daogym: scenario: must be one of beanstalk, build-finance, compound-289; got 'mango'"]);
});

test.run();
