import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFileError, readGovernorEvents, readTokenSupplies } from '../../generators/import/governor-events.ts';
import { daoStatistics, median, nakamotoCoefficient, quantile } from '../../generators/import/statistics.ts';
import { featuresToCsv, memberFeatures, readSnapshotVotes } from '../../generators/import/features.ts';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const DATA = new URL('../../../shared/data/governor-events/', import.meta.url).pathname;
const haveData = existsSync(join(DATA, 'compound_governor_bravo.csv'));
if (!haveData) console.log(`skipping the real-data import tests: ${DATA} is missing`);
const realData = haveData ? test : test.skip;

realData('Compound Bravo events reproduce domain.md: median turnout 7.3 % (4.7-13.2 %), 36.5 voters, largest voter 29 %, 16 % late, 72 % passed', () => {
  const supply = readTokenSupplies(join(DATA, 'governance_token_supplies.csv')).get('COMP')!;
  assert.is(supply, 10_000_000);
  const events = readGovernorEvents(join(DATA, 'compound_governor_bravo.csv'));
  assert.is(events.format, 'compound');
  const stats = daoStatistics(events, supply);
  assert.ok(Math.abs(median(stats.turnout) - 0.073) < 0.001, `median turnout ${median(stats.turnout)}`);
  assert.ok(Math.abs(quantile(stats.turnout, 0.1) - 0.047) < 0.001 && Math.abs(quantile(stats.turnout, 0.9) - 0.132) < 0.002);
  assert.is(median(stats.voters), 36.5);
  assert.ok(Math.abs(median(stats.largestVoterShare) - 0.29) < 0.005);
  assert.ok(Math.abs(stats.lateVoteShare - 0.16) < 0.005, `late share ${stats.lateVoteShare}`);
  assert.ok(Math.abs(stats.passRate - 0.72) < 0.005, `pass rate ${stats.passRate}`);
});

realData('Compound Alpha late votes are 5 % of weight; Aave v2: 3.2 % mean turnout, 122 voters, 32 % largest voter, 10 % late, 83 % passed', () => {
  const supplies = readTokenSupplies(join(DATA, 'governance_token_supplies.csv'));
  const alpha = daoStatistics(readGovernorEvents(join(DATA, 'compound_governor_alpha.csv')), supplies.get('COMP')!);
  assert.ok(Math.abs(alpha.lateVoteShare - 0.05) < 0.005, `alpha late ${alpha.lateVoteShare}`);
  const aaveEvents = readGovernorEvents(join(DATA, 'aave_governance_v2.csv'));
  assert.is(aaveEvents.format, 'aave-v2');
  const aave = daoStatistics(aaveEvents, supplies.get('AAVE')!);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean(aave.turnout) - 0.032) < 0.001, `aave turnout ${mean(aave.turnout)}`);
  assert.ok(Math.abs(mean(aave.voters) - 122) < 1.5, `aave voters ${mean(aave.voters)}`);
  assert.ok(Math.abs(median(aave.largestVoterShare) - 0.32) < 0.005);
  assert.ok(Math.abs(aave.lateVoteShare - 0.10) < 0.006);
  assert.ok(Math.abs(aave.passRate - 0.83) < 0.005);
});

test('Nakamoto coefficient and quantiles', () => {
  assert.is(nakamotoCoefficient([40, 30, 20, 10]), 2);
  assert.is(nakamotoCoefficient([50, 50]), 2, 'exactly half is not a majority');
  assert.is(quantile([1, 2, 3, 4, 5], 0.25), 2);
  assert.is(median([3, 1, 2, 4]), 2.5);
});

test('malformed files get one clear error naming the file and line', () => {
  const directory = mkdtempSync(join(tmpdir(), 'daogym-import-'));
  const write = (name: string, text: string) => {
    const path = join(directory, name);
    writeFileSync(path, text);
    return path;
  };
  try {
    const header = 'event_name,block_number,id,startBlock,endBlock,voter,proposalId,support,votes\n';
    assert.throws(() => readGovernorEvents(write('quote.csv', `${header}ProposalCreated,1,1.0,2,3,,,,\nVoteCast,2,,,,0xabc,1.0,1,"5\n`)), (e: Error) => e instanceof DataFileError && /quote\.csv, line \d+: not a valid CSV file/.test(e.message));
    assert.throws(() => readGovernorEvents(write('support.csv', `${header}VoteCast,2,,,,0xabc,1.0,maybe,5\n`)), (e: Error) => /support\.csv, line 2: column 'support' must be 0, 1, 2, True or False, got "maybe"/.test(e.message));
    assert.throws(() => readGovernorEvents(write('votes.csv', `${header}VoteCast,2,,,,0xabc,1.0,1,lots\n`)), (e: Error) => /votes\.csv, line 2: column 'votes' must be a number/.test(e.message));
    assert.throws(() => readGovernorEvents(write('other.csv', 'a,b\n1,2\n')), /not a governor-events export/);
    assert.throws(() => readGovernorEvents(join(directory, 'missing.csv')), /cannot read/);
    const ok = readGovernorEvents(write('ok.csv', `${header}ProposalCreated,1,7.0,2,12,,,,\n"VoteCast",5,,,,0xABC,7.0,1,"2000000000000000000"\n`));
    assert.equal(ok.votes, [{ voter: '0xabc', proposalId: '7', support: 1, votes: 2, block: 5 }]);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('member features: participation over the tenure, support rate, timing; Snapshot exports with mapped columns', () => {
  const directory = mkdtempSync(join(tmpdir(), 'daogym-snapshot-'));
  try {
    const path = join(directory, 'votes.csv');
    // Three proposals; alice votes on the first and third (so two of three during her tenure... all three open then).
    writeFileSync(
      path,
      'address,power,choice,ts,prop\n' +
        'Alice,100,1,1000,p1\nBob,10,2,1012,p1\nCarol,1,3,1120,p1\n' +
        'Bob,10,1,2000,p2\nCarol,1,1,2120,p2\n' +
        'Alice,300,2,3000,p3\nBob,10,1,3120,p3\n',
    );
    const events = readSnapshotVotes(path, { voter: 'address', power: 'power', choice: 'choice', created: 'ts', proposal: 'prop' });
    const table = memberFeatures(events);
    assert.equal(table.members, ['alice', 'bob', 'carol']);
    const row = (name: string) => Object.fromEntries(Object.entries(table.columns).map(([k, v]) => [k, v[table.members.indexOf(name)]]));
    assert.equal(row('alice').participation, 2 / 3, 'alice skipped p2, which opened during her tenure');
    assert.equal(row('alice').supportRate, 0.5);
    assert.ok(Math.abs(row('alice').logVotingPower! - Math.log10(301)) < 1e-12);
    assert.equal(row('bob').participation, 1);
    assert.equal(row('carol').participation, 1);
    assert.equal(row('carol').meanTiming, 1, 'carol always voted last');
    assert.match(featuresToCsv(table), /^member,logVotingPower,participation,supportRate,meanTiming,votes,tenureDays\nalice,/);
    writeFileSync(path, 'voter,vp,choice,created,proposal\n0xa,5,7,1000,p\n');
    assert.throws(() => readSnapshotVotes(path), /line 2: column 'choice' must be 1 \(For\), 2 \(Against\) or 3 \(Abstain\), got "7"/);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

realData('daogym data import writes the feature table and prints the statistics; bad input exits 2 with nothing written', () => {
  const directory = mkdtempSync(join(tmpdir(), 'daogym-cli-import-'));
  const bin = new URL('../../bin/daogym.mjs', import.meta.url).pathname;
  try {
    const out = join(directory, 'features.csv');
    const ok = spawnSync(process.execPath, [bin, 'data', 'import', join(DATA, 'compound_governor_alpha.csv'), '--supply', '10000000', '--out', out, '--json'], { encoding: 'utf8' });
    assert.is(ok.status, 0, ok.stderr);
    const summary = JSON.parse(ok.stdout);
    assert.is(summary.proposals, 42);
    assert.ok(Math.abs(summary.statistics.lateVoteShare - 0.05) < 0.005);
    assert.is(readFileSync(out, 'utf8').trim().split('\n').length, summary.members + 1);
    const bad = spawnSync(process.execPath, [bin, 'data', 'import', join(directory, 'missing.csv'), '--out', join(directory, 'x.csv')], { encoding: 'utf8' });
    assert.is(bad.status, 2);
    assert.match(bad.stderr, /cannot read .*missing\.csv/);
    assert.not.ok(existsSync(join(directory, 'x.csv')));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
