import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseProtocol, ProtocolConfigError } from '../../../envs/dao/protocol.ts';
import { presetNames, presetProtocol } from '../../../envs/dao/presets.ts';
import { compileQuorumExpression, QuorumExpressionError } from '../../../envs/dao/quorum-expression.ts';

const scope = { supply: 1000, circulating: 600, forVotes: 30, againstVotes: 10, abstainVotes: 5, totalVotes: 45, turnoutLast: 0.05, turnoutMean: 0.07, voters: 9, requested: 100, treasury: 5000 };

// Each preset constant against the value its comment cites (envs/dao/presets.ts), in the contract's own units
// converted at 12 s a block: Compound GovernorBravoDelegate / Timelock, Uniswap GovernorAlpha, Aave v2 executors
// (short; long as redeployed by bgd-labs aave-gov-level-2-update), 1Hive conviction-voting-app's tests.
const SECONDS = (s: number) => s / 12;
const CITED: Record<string, Record<string, unknown>> = {
  'oz-governor': { votingDelay: 7200, votingPeriod: 50400, quorum: { kind: 'fraction', fraction: 0.04 }, quorumCounts: 'for+abstain', proposalThreshold: 0, proposalThresholdRule: 'at-least', gracePeriod: 0 },
  'compound-bravo': {
    votingDelay: 13140, votingPeriod: 19710, quorum: { kind: 'absolute', votes: 400_000 }, quorumCounts: 'for', snapshot: 'start',
    timelock: SECONDS(172_800), gracePeriod: SECONDS(14 * 86_400), proposalThreshold: 25_000 / 10_000_000, proposalThresholdRule: 'above',
  },
  'uniswap-alpha': {
    votingDelay: 1, votingPeriod: 40320, quorum: { kind: 'absolute', votes: 40_000_000 }, quorumCounts: 'for',
    timelock: SECONDS(172_800), gracePeriod: SECONDS(14 * 86_400), proposalThreshold: 10_000_000 / 1_000_000_000, proposalThresholdRule: 'above',
  },
  'aave-short': {
    votingDelay: 7200, votingPeriod: 19_200, quorum: { kind: 'fraction', fraction: 200 / 10_000 }, majority: { kind: 'differential', differentialBps: 50 },
    quorumCounts: 'for', timelock: SECONDS(86_400), gracePeriod: SECONDS(432_000), proposalThreshold: 50 / 10_000, proposalThresholdRule: 'at-least',
  },
  'aave-long': {
    votingDelay: 7200, votingPeriod: 64_000, quorum: { kind: 'fraction', fraction: 650 / 10_000 }, majority: { kind: 'differential', differentialBps: 650 },
    quorumCounts: 'for', timelock: SECONDS(604_800), gracePeriod: SECONDS(432_000), proposalThreshold: 125 / 10_000, proposalThresholdRule: 'at-least',
  },
  nouns: { quorum: { kind: 'nouns', minBps: 1000, maxBps: 1500, coefficient: 1_000_000 }, guardianVeto: true },
  moloch: { votingPeriod: 7 * 7200, timelock: 7 * 7200, ragequit: true, quorum: { kind: 'none' } },
  '1hive-conviction': { votingPower: { kind: 'conviction', decay: 0.9, maxRatio: 0.2, weight: 0.002, minStakeShare: 0.2, periodBlocks: 7200 } },
  'beanstalk-2022': { snapshot: 'current', timelock: 0, emergencyCommit: { afterBlocks: 7200, fraction: 2 / 3 } },
  'build-finance-2022': { timelock: 0, quorum: { kind: 'absolute', votes: 10_000 } },
};

test('every preset constant equals the value its comment cites (contract units at 12 s a block)', () => {
  assert.equal(presetNames().sort(), Object.keys(CITED).sort());
  for (const name of presetNames()) {
    const protocol = presetProtocol(name) as unknown as Record<string, unknown>;
    for (const [field, value] of Object.entries(CITED[name]!)) assert.equal(protocol[field], value, `${name}.${field}`);
  }
});

test('every preset value carries a comment naming its source (or saying it is an assumption)', () => {
  const source = readFileSync(new URL('../../../envs/dao/presets.ts', import.meta.url), 'utf8');
  const body = source.slice(source.indexOf('export const PRESETS'), source.indexOf('export function presetNames'));
  const fields = body.split('\n').filter((line) => /^\s{6}[a-zA-Z]+: /.test(line));
  assert.ok(fields.length > 80, `${fields.length} preset lines`);
  // A field line without a comment of its own is fine only where the line above says what it comes from.
  const lines = body.split('\n');
  const bare = lines.filter((line, i) => /^\s{6}[a-zA-Z]+: /.test(line) && !line.includes('//') && !/^\s*\/\//.test(lines[i - 1] ?? '') && !/^\s*(name: '|quorumCounts: 'for',|majority: \{ kind: 'simple' \},|gracePeriod: 0,)/.test(line));
  assert.equal(bare, []);
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
  // Durations: block counts or strings with a unit.
  assert.is(parseProtocol({ timelock: '2d' }).timelock, 14_400);
  assert.is(parseProtocol({ timelock: '36h', votingPeriod: '13140 blocks', lateQuorumExtension: '90m' }).votingPeriod, 13_140);
  assert.is(parseProtocol({ lateQuorumExtension: '90m' }).lateQuorumExtension, 450);
  assert.match(message({ timelock: '2 days' }), /^protocol\.timelock: must be a duration with a unit/);
  assert.match(message({ timelock: '1.5 blocks' }), /whole number/);
  assert.match(message({ snapshot: 'later' }), /^protocol\.snapshot: .*"creation"\|"start"\|"current"/);
  assert.throws(() => presetProtocol('compound'), /unknown preset 'compound'; valid presets: .*compound-bravo/);
});

test('quorum expressions evaluate over the named variables', () => {
  const expression = compileQuorumExpression('max(0.04 * supply, 1.5 * turnoutLast * supply)');
  assert.ok(Math.abs(expression.evaluate(scope) - 75) < 1e-9);
  assert.equal([...expression.variables].sort(), ['supply', 'turnoutLast']);
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
