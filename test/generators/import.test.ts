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
    assert.throws(() => readGovernorEvents(join(directory, 'missing.csv')), /missing\.csv: no such file/);
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
    const seven = readSnapshotVotes(path);
    assert.is(seven.votes[0]!.support, 2, 'a choice of 7 makes the proposal multi-option: turnout with no side');
    assert.is(seven.snapshot.multiChoiceVotes.single, 1);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('Snapshot exports as people have them: weighted, ranked and approval votes import (counted as turnout), unreadable choices are skipped with a count, --space filters, common column names', () => {
  const directory = mkdtempSync(join(tmpdir(), 'daogym-snapshot-'));
  try {
    const path = join(directory, 'votes.csv');
    // Two spaces; aave.eth has one basic proposal (b1), one weighted (w1), one ranked-choice (r1), one approval
    // (a1) and a row whose choice is empty.
    writeFileSync(
      path,
      'id,voter,voting_power,choice,timestamp,proposal_id,space\n' +
        'v1,0xA,100,1,1000,b1,aave.eth\n' +
        'v2,0xB,50,2,1100,b1,aave.eth\n' +
        'v3,0xC,5,3,1200,b1,aave.eth\n' +
        'v4,0xA,100,"{""1"":3,""2"":1}",2000,w1,aave.eth\n' +
        'v5,0xB,50,"{""2"":1}",2100,w1,aave.eth\n' +
        'v6,0xA,100,"[2,1,3]",3000,r1,aave.eth\n' +
        'v7,0xC,5,"[1,3]",4000,a1,aave.eth\n' +
        'v8,0xD,7,,4100,a1,aave.eth\n' +
        'v9,0xE,9,1,1000,x1,uniswap\n' +
        'v10,0xF,9,2,1000,x1,uniswap\n',
    );
    const events = readSnapshotVotes(path, {}, { space: 'AAVE.eth' });
    const report = events.snapshot;
    assert.equal(report.columns, { voter: 'voter', power: 'voting_power', choice: 'choice', created: 'timestamp', proposal: 'proposal_id' });
    assert.is(report.filteredOut, 2, 'the uniswap rows are left out');
    assert.is(report.basicVotes, 3);
    assert.equal(report.multiChoiceVotes, { single: 0, 'approval-or-ranked': 2, weighted: 2 });
    assert.is(report.multiChoiceProposals, 3);
    assert.equal(report.unreadable, { count: 1, firstLine: 9 });
    assert.is(events.proposals.size, 4);
    assert.equal(events.votes.map((v) => v.support), [1, 0, 2, 2, 2, 2, 2], 'basic votes keep their side; the rest count as Abstain');
    const skipped = readSnapshotVotes(path, {}, { space: 'aave.eth', multiChoice: 'skip' });
    assert.is(skipped.votes.length, 3);
    assert.is(skipped.proposals.size, 1);
    assert.throws(() => readSnapshotVotes(path, {}, { space: 'ens.eth' }), /no row matches --space ens\.eth; the file holds aave\.eth \(8\), uniswap \(2\)/);
    assert.throws(() => readSnapshotVotes(path, {}, { symbol: 'AAVE' }), /--symbol needs a column 'symbol'/);
    assert.throws(() => readSnapshotVotes(path, { power: 'vp' }), /no column 'vp' for power; columns are id, voter, voting_power/);
    const stats = daoStatistics(events);
    assert.equal(stats.turnout, [], 'no supply, no turnout');
    assert.ok(Number.isNaN(stats.passRate), 'Snapshot proposals are not executed on chain: no pass rate');
    assert.equal(stats.voters.sort(), [1, 1, 2, 3]);
    // The command line prints the accounting and the statistics without --supply.
    const bin = new URL('../../bin/daogym.mjs', import.meta.url).pathname;
    const cli = spawnSync(process.execPath, [bin, 'data', 'import', path, '--format', 'snapshot', '--space', 'aave.eth'], { encoding: 'utf8' });
    assert.is(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /4 votes on 3 multi-option proposals \(2 approval-or-ranked, 2 weighted\) counted as turnout with no side/);
    assert.match(cli.stdout, /1 rows skipped: choice not a number, list or object \(first at line 9\)/);
    assert.match(cli.stdout, /medianVoters\s+1\.5000/);
    assert.match(cli.stdout, /passRate\s+n\/a/);
    const wrongFormat = spawnSync(process.execPath, [bin, 'data', 'import', path, '--space', 'aave.eth'], { encoding: 'utf8' });
    assert.is(wrongFormat.status, 2);
    assert.match(wrongFormat.stderr, /--space applies to --format snapshot only/);
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
    assert.match(bad.stderr, /missing\.csv: no such file/);
    assert.not.ok(existsSync(join(directory, 'x.csv')));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('daogym data split: seeded, every member on one side, proposal rows in both, the same split as the feature table\'s', () => {
  const directory = mkdtempSync(join(tmpdir(), 'daogym-split-'));
  const bin = new URL('../../bin/daogym.mjs', import.meta.url).pathname;
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'data', 'split', ...args], { encoding: 'utf8' });
  try {
    const log = join(directory, 'log.csv');
    const lines = ['event_name,voter,proposalId,votes'];
    for (let p = 0; p < 3; p++) {
      lines.push(`ProposalCreated,,${p},`);
      for (let m = 0; m < 20; m++) lines.push(`VoteCast,0x${m.toString(16).toUpperCase()},${p},${m}`);
    }
    writeFileSync(log, `${lines.join('\n')}\n`);
    const result = run(log, '--holdout', '0.25', '--seed', '7', '--json');
    assert.is(result.status, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.equal([summary.train.members, summary.holdout.members, summary.sharedRows], [15, 5, 3]);
    const read = (path: string) => readFileSync(path, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const train = read(join(directory, 'log.train.csv'));
    const holdout = read(join(directory, 'log.holdout.csv'));
    const voters = (rows: string[][]) => new Set(rows.map((r) => r[1]).filter((v) => v !== ''));
    assert.is(voters(train).size, 15);
    assert.is(voters(holdout).size, 5);
    assert.ok([...voters(holdout)].every((v) => !voters(train).has(v)), 'no member on both sides');
    assert.is(train.filter((r) => r[0] === 'ProposalCreated').length, 3);
    assert.is(holdout.filter((r) => r[0] === 'VoteCast').length, 15, 'every vote of a held-out member is held out');
    // Same seed, same split; a feature table of the same members splits the same way (members compared in lower case).
    const features = join(directory, 'features.csv');
    writeFileSync(features, `member,votes\n${Array.from({ length: 20 }, (_, m) => `0x${m.toString(16)},${m}`).join('\n')}\n`);
    assert.is(run(features, '--holdout', '0.25', '--seed', '7').status, 0);
    const heldFeatures = new Set(read(join(directory, 'features.holdout.csv')).map((r) => r[0]));
    assert.equal([...heldFeatures].sort(), [...voters(holdout)].map((v) => v!.toLowerCase()).sort());
    const before = readFileSync(join(directory, 'log.train.csv'), 'utf8');
    assert.is(run(log, '--holdout', '0.25', '--seed', '7').status, 0);
    assert.is(readFileSync(join(directory, 'log.train.csv'), 'utf8'), before);
    for (const [args, message] of [
      [[log, '--holdout', '1.5'], /--holdout must be a share between 0 and 1/],
      [[log, '--train', directory], /--train: .* is a directory/],
      [[log, '--train', log], /--train: .* is the input file/],
      [[log, '--member-column', 'who'], /no member column 'who'; columns are event_name, voter, proposalId, votes/],
      [[join(directory, 'missing.csv')], /missing\.csv: no such file/],
    ] as const) {
      const bad = run(...args);
      assert.is(bad.status, 2, `${args.join(' ')}: ${bad.stderr}`);
      assert.match(bad.stderr, message);
      assert.is(bad.stderr.trim().split('\n').length, 1, 'one line');
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
