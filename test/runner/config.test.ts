import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, parseExperiment, parseExperimentWithWarnings } from '../../runner/config.ts';
import { planTrials, trialSeed } from '../../runner/plan.ts';

const HEAD = 'name: t\nkind: compare\n';

/** Each bad config and the exact one-line error it must give. */
const BAD: Array<[string, string]> = [
  ['name: t\nkind: comp\nvariants: [{name: a}]\n', 'bad.yaml:2: kind: must be one of: compare, stress, sweep, train, search, loop, got \'comp\''],
  ['kind: compare\nvariants: [{name: a}]\n', 'bad.yaml:1: name: required (string)'],
  ['name: "a b"\nkind: compare\nvariants: [{name: a}]\n', "bad.yaml:1: name: must be a name of letters, digits, and . _ + - (no spaces), got 'a b'"],
  [`${HEAD}variants: []\n`, 'bad.yaml:3: variants: give at least one variant'],
  [`${HEAD}seeds: 0\nvariants: [{name: a}]\n`, 'bad.yaml:3: seeds: must be >= 1, got 0'],
  [`${HEAD}seeds: 2.5\nvariants: [{name: a}]\n`, 'bad.yaml:3: seeds: must be an integer, got 2.5'],
  [`${HEAD}variants: [{name: a}]\nfoo: 1\n`, "bad.yaml:4: foo: unknown field 'foo'; valid fields: kind, name, description, seed, seeds, workers, variants, populations, attacks, attackBudgetUsd, season, market, report, trajectories"],
  [`${HEAD}variants: [{name: a}]\nseason:\n  days: ten\n`, "bad.yaml:5: season.days: must be a number, got 'ten'"],
  [`${HEAD}variants: [{name: a}]\nseason:\n  sponsorship: 2\n`, 'bad.yaml:5: season.sponsorship: must be <= 1, got 2'],
  [`${HEAD}variants:\n  - name: a\n    preset: foo\n`, "bad.yaml:5: variants[0].preset: must be one of: 1hive-conviction, aave-long, aave-short, beanstalk-2022, build-finance-2022, compound-bravo, moloch, nouns, oz-governor, uniswap-alpha, got 'foo'"],
  [`${HEAD}variants:\n  - name: a\n    protocol:\n      quorum: {kind: fraction, fraction: 1.5}\n`, 'bad.yaml:6: variants[0].protocol.quorum.fraction: must be <= 1, got 1.5'],
  [`${HEAD}variants:\n  - name: a\n    protocol: {quorum: {kind: magic}}\n`, 'bad.yaml:5: variants[0].protocol.quorum.kind: unknown kind; valid kinds: none, absolute, fraction, nouns, expression'],
  [`${HEAD}variants:\n  - name: a\n    protocol: {quorum: {kind: expression, expression: "import(1)"}}\n`, "bad.yaml:5: variants[0].protocol.quorum.expression: function 'import' is not allowed in quorum expression 'import(1)'; allowed functions: min, max, abs, sqrt, cbrt, floor, ceil, round, log, log10, log2, exp, pow, sign"],
  [`${HEAD}variants:\n  - name: a\n    protocol: {quorom: 1}\n`, "bad.yaml:5: variants[0].protocol.quorom: unknown field 'quorom' (did you mean 'quorum'?); valid fields: name, votingPower, snapshot, quorum, quorumCounts, majority, votingDelay, votingPeriod, lateQuorumExtension, timelock, gracePeriod, proposalThreshold, proposalThresholdRule, guardianVeto, ragequit, emergencyCommit, treasurySupermajority, voteCap"],
  [`${HEAD}variants: [{name: a}, {name: a}]\n`, "bad.yaml:3: variants[1].name: duplicate name 'a'; names must be unique"],
  [`${HEAD}variants: [{name: a}]\nattacks: [nuke]\n`, "bad.yaml:4: attacks[0]: must be one of: none, buy-and-vote, flash-loan, bribe, late-vote, borrow-and-vote, coalition, sybil, got 'nuke'"],
  [`${HEAD}variants: [{name: a}]\nreport: {baseline: b}\n`, "bad.yaml:4: report.baseline: 'b' is not a variant; valid: a"],
  ['name: t\nkind: stress\nvariants: [{name: a}]\nstress: {stressor: attackBudgetUsd, values: [3, 1]}\n', 'bad.yaml:4: stress.values[1]: values must increase, got 1 after 3'],
  ['name: t\nkind: stress\nvariants: [{name: a}]\nstress: {stressor: whales, values: [1, 2]}\n', "bad.yaml:4: stress.stressor: must be one of: attackBudgetUsd, turnoutScale, balanceTail, delegationShare, lateShare, attackShare, got 'whales'"],
  ['name: t\nkind: stress\nvariants: [{name: a}]\nstress: {stressor: delegationShare, values: [0.5, 1.5]}\n', 'bad.yaml:4: stress.values[1]: delegationShare must be in [0, 0.999], got 1.5'],
  ['name: t\nkind: stress\nvariants: [{name: a}]\n', 'bad.yaml:1: stress: required (object)'],
  [`${HEAD}variants: [{name: a}]\npopulations:\n  - name: p\n    members: 10\n`, 'bad.yaml:6: populations[0].members: must be >= 200, got 10'],
  ['name: t\n  kind: : compare\n', 'bad.yaml:1: invalid YAML: Nested mappings are not allowed in compact mappings'],
  ['- just\n- a list\n', 'bad.yaml: an experiment config must be a YAML mapping with name, kind, ...'],
  // Durations carry a unit: a bare number is refused, naming the field and the accepted forms.
  [`${HEAD}variants:\n  - name: a\n    protocol: {timelock: 7}\n`, "bad.yaml:5: variants[0].protocol.timelock: must be a duration with a unit: e.g. '2d', '36h', '90m', '1w' or '13140 blocks', got 7 (a bare number would be 7 blocks (1.4 min); write '7 blocks' if that is meant)"],
  [`${HEAD}variants:\n  - name: a\n    protocol: {timelock: 2 days}\n`, "bad.yaml:5: variants[0].protocol.timelock: must be a duration with a unit: e.g. '2d', '36h', '90m', '1w' or '13140 blocks', got '2 days'"],
  // A typo of a required field is one mistake: the unknown key with its closest valid one, not "required".
  [`${HEAD}variants:\n  - name: a\n    protocol: {quorum: {kind: fraction, fracton: 0.04}}\n`, "bad.yaml:5: variants[0].protocol.quorum.fracton: unknown field 'fracton' (did you mean 'fraction'?); valid fields: kind, fraction"],
];

test('bad configs give an exact error naming the YAML line, the field and what is valid', () => {
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

test('a config with several mistakes reports all of them at once, each file:line: field: message, in file order', () => {
  const text = `${HEAD}seeds: 0\nvariants:\n  - name: a\n    preset: nouns\n    protocol: {timelock: 7, quorum: {kind: nouns, coefficient: 1}}\nattacks: [buy-and-vote, flash-loen]\nseasn: {days: 30}\n`;
  try {
    parseExperiment(text, 'bad.yaml');
    assert.unreachable('accepted');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    assert.equal(error.problems, [
      'bad.yaml:3: seeds: must be >= 1, got 0',
      "bad.yaml:7: variants[0].protocol.timelock: must be a duration with a unit: e.g. '2d', '36h', '90m', '1w' or '13140 blocks', got 7 (a bare number would be 7 blocks (1.4 min); write '7 blocks' if that is meant)",
      'bad.yaml:7: variants[0].protocol.quorum.minBps: required (number)',
      'bad.yaml:7: variants[0].protocol.quorum.maxBps: required (number)',
      "bad.yaml:8: attacks[1]: must be one of: none, buy-and-vote, flash-loan, bribe, late-vote, borrow-and-vote, coalition, sybil, got 'flash-loen'",
      "bad.yaml:9: seasn: unknown field 'seasn' (did you mean 'season'?); valid fields: kind, name, description, seed, seeds, workers, variants, populations, attacks, attackBudgetUsd, season, market, report, trajectories",
    ]);
    assert.is(error.message, error.problems.join('\n'));
  }
  // More than MAX_CONFIG_ERRORS: the first 20 and a count of the rest.
  const many = `${HEAD}variants: [{name: a}]\n${Array.from({ length: 25 }, (_, i) => `extra${i}: 1\n`).join('')}`;
  try {
    parseExperiment(many, 'bad.yaml');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    assert.is(error.problems.length, 21);
    assert.is(error.problems[20], 'bad.yaml: ... and 5 more problems');
  }
});

test('plausibility warnings: values no deployed governor uses are said (file:line: field: warning), never refused', () => {
  const { config, warnings } = parseExperimentWithWarnings(`${HEAD}variants:\n  - name: a\n    protocol: {timelock: 30m, quorum: {kind: nouns, minBps: 400, maxBps: 1500, coefficient: 1}}\n  - name: b\n    protocol: {quorum: {kind: fraction, fraction: 0.6}, votingDelay: 1 blocks, votingPeriod: 1h}\n`, 'w.yaml');
  assert.is(config.kind, 'compare');
  assert.is(warnings.length, 4);
  assert.match(warnings[0]!, /^w\.yaml:5: variants\[0\]\.protocol\.timelock: warning: 150 blocks \(30 min\) is under 1 h/);
  assert.match(warnings[1]!, /^w\.yaml:5: variants\[0\]\.protocol\.quorum\.coefficient: warning: 1 is under 1,000: the coefficient is fixed-point with 6 decimals/);
  assert.match(warnings.join('\n'), /votingPeriod: warning: 300 blocks \(1 h\) is shorter than any deployed voting period/);
  assert.match(warnings.join('\n'), /quorum\.fraction: warning: 60 % of supply is above 50 %/);
  // The presets' own values are the deployed ones: no warning for them.
  assert.equal(parseExperimentWithWarnings(`${HEAD}variants: [{name: a, preset: beanstalk-2022}]\n`, 'w.yaml').warnings, []);
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
