import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, parseExperiment } from '../../runner/config.ts';
import { planTrials, trialSeed } from '../../runner/plan.ts';

const HEAD = 'name: t\nkind: compare\n';

/** Each bad config and the exact one-line error it must give. */
const BAD: Array<[string, string]> = [
  ['name: t\nkind: comp\nvariants: [{name: a}]\n', 'bad.yaml:2: kind: must be one of: compare, stress, train, search, loop, got \'comp\''],
  ['kind: compare\nvariants: [{name: a}]\n', 'bad.yaml:1: name: required (string)'],
  ['name: "a b"\nkind: compare\nvariants: [{name: a}]\n', "bad.yaml:1: name: must be a name of letters, digits, and . _ + - (no spaces), got 'a b'"],
  [`${HEAD}variants: []\n`, 'bad.yaml:3: variants: give at least one variant'],
  [`${HEAD}seeds: 0\nvariants: [{name: a}]\n`, 'bad.yaml:3: seeds: must be >= 1, got 0'],
  [`${HEAD}seeds: 2.5\nvariants: [{name: a}]\n`, 'bad.yaml:3: seeds: must be an integer, got 2.5'],
  [`${HEAD}variants: [{name: a}]\nfoo: 1\n`, "bad.yaml:4: foo: unknown field 'foo'; valid fields: kind, name, description, seed, seeds, workers, variants, populations, attacks, attackBudgetUsd, season, market, report"],
  [`${HEAD}variants: [{name: a}]\nseason:\n  days: ten\n`, "bad.yaml:5: season.days: must be a number, got 'ten'"],
  [`${HEAD}variants: [{name: a}]\nseason:\n  sponsorship: 2\n`, 'bad.yaml:5: season.sponsorship: must be <= 1, got 2'],
  [`${HEAD}variants:\n  - name: a\n    preset: foo\n`, "bad.yaml:5: variants[0].preset: must be one of: 1hive-conviction, aave-long, aave-short, beanstalk-2022, build-finance-2022, compound-bravo, moloch, nouns, oz-governor, uniswap-alpha, got 'foo'"],
  [`${HEAD}variants:\n  - name: a\n    protocol:\n      quorum: {kind: fraction, fraction: 1.5}\n`, 'bad.yaml:6: variants[0].protocol.quorum.fraction: must be <= 1, got 1.5'],
  [`${HEAD}variants:\n  - name: a\n    protocol: {quorum: {kind: magic}}\n`, 'bad.yaml:5: variants[0].protocol.quorum.kind: unknown kind; valid kinds: none, absolute, fraction, nouns, expression'],
  [`${HEAD}variants:\n  - name: a\n    protocol: {quorum: {kind: expression, expression: "import(1)"}}\n`, "bad.yaml:5: variants[0].protocol.quorum.expression: function 'import' is not allowed in quorum expression 'import(1)'; allowed functions: min, max, abs, sqrt, cbrt, floor, ceil, round, log, log10, log2, exp, pow, sign"],
  [`${HEAD}variants:\n  - name: a\n    protocol: {quorom: 1}\n`, "bad.yaml:5: variants[0].protocol.quorom: unknown field; valid fields: name, votingPower, snapshot, quorum, quorumCounts, majority, votingDelay, votingPeriod, lateQuorumExtension, timelock, gracePeriod, proposalThreshold, guardianVeto, ragequit, emergencyCommit, treasurySupermajority, voteCap"],
  [`${HEAD}variants: [{name: a}, {name: a}]\n`, "bad.yaml:3: variants[1].name: duplicate name 'a'; names must be unique"],
  [`${HEAD}variants: [{name: a}]\nattacks: [nuke]\n`, "bad.yaml:4: attacks[0]: must be one of: none, buy-and-vote, flash-loan, bribe, late-vote, borrow-and-vote, coalition, got 'nuke'"],
  [`${HEAD}variants: [{name: a}]\nreport: {baseline: b}\n`, "bad.yaml:4: report.baseline: 'b' is not a variant; valid: a"],
  ['name: t\nkind: stress\nvariants: [{name: a}]\nstress: {stressor: attackBudgetUsd, values: [3, 1]}\n', 'bad.yaml:4: stress.values[1]: values must increase, got 1 after 3'],
  ['name: t\nkind: stress\nvariants: [{name: a}]\nstress: {stressor: whales, values: [1, 2]}\n', "bad.yaml:4: stress.stressor: must be one of: attackBudgetUsd, turnoutScale, balanceTail, delegationShare, lateShare, attackShare, got 'whales'"],
  ['name: t\nkind: stress\nvariants: [{name: a}]\nstress: {stressor: delegationShare, values: [0.5, 1.5]}\n', 'bad.yaml:4: stress.values[1]: delegationShare must be in [0, 0.999], got 1.5'],
  ['name: t\nkind: stress\nvariants: [{name: a}]\n', 'bad.yaml:1: stress: required (object)'],
  [`${HEAD}variants: [{name: a}]\npopulations:\n  - name: p\n    members: 10\n`, 'bad.yaml:6: populations[0].members: must be >= 200, got 10'],
  ['name: t\n  kind: : compare\n', 'bad.yaml:1: invalid YAML: Nested mappings are not allowed in compact mappings'],
  ['- just\n- a list\n', 'bad.yaml: an experiment config must be a YAML mapping with name, kind, ...'],
];

test('bad configs give one exact error naming the YAML line, the field and what is valid', () => {
  for (const [text, expected] of BAD) {
    try {
      parseExperiment(text, 'bad.yaml');
      assert.unreachable(`no error for:\n${text}`);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      assert.is(error.message, expected, text);
    }
  }
  assert.ok(BAD.length >= 10);
});

test('every shipped experiment config is valid and plans its trials', () => {
  const dir = new URL('../../experiments/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 4, `${files.length} configs`);
  for (const file of files) {
    const config = parseExperiment(readFileSync(new URL(file, dir), 'utf8'), file);
    assert.ok(planTrials(config).length > 0, file);
  }
});

test('plans: variants share seeds (common random numbers), keys are unique and stable', () => {
  const config = parseExperiment(
    'name: t\nkind: stress\nseed: 3\nseeds: 4\nvariants: [{name: a}, {name: b}]\nattacks: [buy-and-vote, late-vote]\nstress: {stressor: attackBudgetUsd, values: [1000, 10000, 100000]}\n',
    't.yaml',
  );
  const specs = planTrials(config);
  assert.is(specs.length, 2 * 2 * 3 * 4);
  assert.is(new Set(specs.map((s) => `${s.key}#${s.seed}`)).size, specs.length);
  const seedsOf = (variant: string) => specs.filter((s) => s.variant === variant).map((s) => s.seed);
  assert.equal(seedsOf('a'), seedsOf('b'));
  assert.is(new Set(seedsOf('a')).size, 4);
  assert.is(specs[0]!.key, 'variant=a|population=calibrated|attack=buy-and-vote|attackBudgetUsd=1000');
  assert.is(trialSeed(3, 2), specs.find((s) => s.seedIndex === 2)!.seed);
  assert.equal(planTrials(config), specs);
});

test.run();
