import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseProtocol, ProtocolConfigError } from '../../../envs/dao/protocol.ts';
import { PRESETS, presetNames, presetProtocol } from '../../../envs/dao/presets.ts';
import { compileQuorumExpression, QuorumExpressionError } from '../../../envs/dao/quorum-expression.ts';

const scope = { supply: 1000, circulating: 600, forVotes: 30, againstVotes: 10, abstainVotes: 5, totalVotes: 45, turnoutLast: 0.05, turnoutMean: 0.07, voters: 9, requested: 100, treasury: 5000 };

test('every preset validates and carries the published parameters', () => {
  for (const name of presetNames()) presetProtocol(name);
  const oz = presetProtocol('oz-governor');
  assert.equal([oz.votingDelay, oz.votingPeriod, oz.quorum, oz.quorumCounts], [7200, 50400, { kind: 'fraction', fraction: 0.04 }, 'for+abstain']);
  const bravo = presetProtocol('compound-bravo');
  assert.equal(bravo.quorum, { kind: 'absolute', votes: 400_000 });
  assert.is(bravo.quorumCounts, 'for');
  assert.is(bravo.timelock, 2 * 7200);
  assert.is(bravo.gracePeriod, 14 * 7200);
  assert.ok(bravo.votingPeriod >= 5760 && bravo.votingPeriod <= 80640 && bravo.votingDelay >= 1 && bravo.votingDelay <= 40320);
  assert.is(bravo.proposalThreshold * PRESETS['compound-bravo']!.supply, 25_000);
  const uni = presetProtocol('uniswap-alpha');
  assert.equal([uni.quorum, uni.proposalThreshold * 1e9, uni.votingDelay, uni.votingPeriod], [{ kind: 'absolute', votes: 40_000_000 }, 10_000_000, 1, 40320]);
  assert.equal(presetProtocol('nouns').quorum, { kind: 'nouns', minBps: 1000, maxBps: 1500, coefficient: 1_000_000 });
  assert.ok(presetProtocol('nouns').guardianVeto);
  const short = presetProtocol('aave-short');
  assert.equal([short.timelock, short.proposalThreshold, short.votingPeriod, short.majority, short.quorum], [7200, 0.005, 3 * 7200, { kind: 'differential', differentialBps: 50 }, { kind: 'fraction', fraction: 0.02 }]);
  const long = presetProtocol('aave-long');
  assert.equal([long.timelock, long.proposalThreshold, long.votingPeriod, long.majority, long.quorum], [7 * 7200, 0.0125, 10 * 7200, { kind: 'differential', differentialBps: 650 }, { kind: 'fraction', fraction: 0.065 }]);
  const moloch = presetProtocol('moloch');
  assert.equal([moloch.votingPeriod, moloch.timelock, moloch.ragequit], [7 * 7200, 7 * 7200, true]);
  assert.equal(presetProtocol('1hive-conviction').votingPower, { kind: 'conviction', decay: 0.9, maxRatio: 0.2, weight: 0.02, minStakeShare: 0.002, periodBlocks: 7200 });
  const bean = presetProtocol('beanstalk-2022');
  assert.equal([bean.snapshot, bean.timelock, bean.emergencyCommit], ['current', 0, { afterBlocks: 7200, fraction: 2 / 3 }]);
});

test('bad protocol configs are refused with the field path and what is valid', () => {
  const message = (input: unknown) => {
    try {
      parseProtocol(input);
    } catch (error) {
      assert.instance(error, ProtocolConfigError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };
  assert.match(message({ quorum: { kind: 'fraction', fraction: -0.04 } }), /^protocol\.quorum\.fraction: .*>=0/);
  assert.match(message({ quorum: { kind: 'magic' } }), /^protocol\.quorum\.kind: unknown kind; valid kinds: none, absolute, fraction, nouns, expression/);
  assert.match(message({ votingDelay: 7200, votingPeriod: 100 }), /^protocol\.votingPeriod: votingPeriod \(100\) is shorter than votingDelay \(7200\)/);
  assert.match(message({ quorum: { kind: 'expression', expression: 'supply *' } }), /^protocol\.quorum\.expression: .*does not parse/);
  assert.match(message({ quorom: 1 }), /^protocol\.quorom: unknown field; valid fields: name, votingPower/);
  assert.match(message({ snapshot: 'later' }), /^protocol\.snapshot: .*"creation"\|"start"\|"current"/);
  assert.throws(() => presetProtocol('compound'), /unknown preset 'compound'; valid presets: .*compound-bravo/);
});

test('quorum expressions evaluate over the named variables', () => {
  const expression = compileQuorumExpression('max(0.04 * supply, 1.5 * turnoutLast * supply)');
  assert.ok(Math.abs(expression.evaluate(scope) - 75) < 1e-9);
  assert.equal(expression.variables.sort(), ['supply', 'turnoutLast']);
  assert.is(compileQuorumExpression('forVotes > againstVotes ? 0.02 * supply : 0.1 * supply').evaluate(scope), 20);
  assert.is(compileQuorumExpression('min(circulating / 10, 2^6) + abs(-1)').evaluate(scope), 61);
});

test('quorum expressions cannot reach anything outside their variables', () => {
  const attempts: [string, RegExp][] = [
    ['import({evil: 1}, {override: true})', /function 'import' is not allowed/],
    ['evaluate("supply")', /function 'evaluate' is not allowed/],
    ['parse("1")', /function 'parse' is not allowed/],
    ['createUnit("votes")', /function 'createUnit' is not allowed/],
    ['f(x) = x', /a function definition is not allowed/],
    ['supply = 0', /assignment is not allowed/],
    ['supply.constructor', /property or index access is not allowed/],
    ['supply["constructor"]', /property or index access is not allowed|indexing is not allowed/],
    ['[1, 2]', /a matrix or array is not allowed/],
    ['{a: 1}', /an object literal is not allowed/],
    ['x = 1; x', /several statements|assignment/],
    ['process', /unknown variable 'process'/],
    ['"text"', /only numbers are allowed/],
    ['5 cm', /unknown variable 'cm'/],
    ['cos(supply)', /function 'cos' is not allowed/],
    ['', /non-empty/],
  ];
  for (const [source, pattern] of attempts) {
    assert.throws(() => compileQuorumExpression(source), (error: Error) => error instanceof QuorumExpressionError && pattern.test(error.message), source);
  }
});

test.run();
