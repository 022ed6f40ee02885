import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

const bin = fileURLToPath(new URL('../bin/daogym.mjs', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

test('the README quick-start command runs and reports episode returns', () => {
  const result = run('demo');
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /episode +1 +return/);
  assert.match(result.stdout, /CartPole-v1, random agent, seed 0: mean return [\d.]+ \+- [\d.]+ over 5 episodes/);
});

test('demo is reproducible by seed and the heuristic agent balances the pole for 500 steps', () => {
  const a = JSON.parse(run('demo', '--json', '--seed', '4').stdout);
  const b = JSON.parse(run('demo', '--json', '--seed', '4').stdout);
  assert.equal(a, b);
  const heuristic = JSON.parse(run('demo', '--json', '--agent', 'heuristic', '--episodes', '2').stdout);
  assert.is(heuristic.meanReturn, 500);
});

test('bad arguments exit 2 with one clear line naming the argument', () => {
  for (const [args, pattern] of [
    [['demo', '--episodes', '0'], /--episodes must be an integer from 1 to 1000, got 0/],
    [['demo', '--env', 'CartPol-v1'], /--env: .*Did you mean: CartPole-v1/],
    [['demo', '--agent', 'genius'], /^daogym: --agent: must be one of random, heuristic; got 'genius'\n$/],
    [['demo', '--bogus'], /Unknown argument: bogus/],
    [['list', 'things'], /^daogym: list: must be one of envs, presets, generators, agents, attacks, stressors, scenarios; got 'things'\n$/],
    [[], /Give a command/],
  ] as const) {
    const result = run(...args);
    assert.is(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
    assert.is(result.stdout, '', `${args.join(' ')} printed nothing else`);
  }
});

test('--version prints the package version (with the git commit in a checkout)', () => {
  const result = run('--version');
  assert.is(result.status, 0, result.stderr);
  const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version as string;
  assert.match(result.stdout, new RegExp(`^${version.replace(/\./g, '\\.')}(\\+[0-9a-f]+(-dirty)?)?\\n$`));
});

test('list presets shows the real protocols', () => {
  const presets = JSON.parse(run('list', 'presets', '--json').stdout) as { name: string; protocol: { quorum: unknown } }[];
  assert.ok(presets.some((p) => p.name === 'compound-bravo'));
  assert.equal(presets.find((p) => p.name === 'compound-bravo')!.protocol.quorum, { kind: 'absolute', votes: 400000 });
  // Durations in blocks and time; thresholds with their comparison and token count.
  const text = run('list', 'presets').stdout;
  assert.match(text, /beanstalk-2022: quorum 50 % of supply \(for\), simple majority, no threshold, delay 0 blocks \(0 s\), period 50,400 blocks \(7 d\), timelock 0 blocks \(0 s\), grace none, snapshot current, emergencyCommit after 7,200 blocks \(1 d\)/);
  assert.match(text, /compound-bravo: quorum 400,000 votes \(4 % of 10,000,000\) \(for\), simple majority, threshold > 0\.25 % \(25,000 tokens\), delay 13,140 blocks \(1\.82 d\), period 19,710 blocks \(2\.74 d\), timelock 14,400 blocks \(2 d\), grace 100,800 blocks \(14 d\)/);
  assert.match(text, /aave-long: .*period 64,000 blocks \(8\.89 d\)/);
});

test('list attacks prints each strategy\'s steps and the outcomes', () => {
  const text = run('list', 'attacks').stdout;
  assert.match(text, /flash-loan\n  1\. On the attack day, buy just the proposal threshold/);
  assert.match(text, /Every attack ends in one outcome with a reason: executed, defeated, votes-not-counted/);
  const json = JSON.parse(run('list', 'attacks', '--json').stdout) as { attacks: { name: string }[]; notActed: string[] };
  assert.ok(json.attacks.some((a) => a.name === 'sybil') && json.notActed.includes('could-not-propose'));
});

test('list envs shows CartPole-v1 with its limits', () => {
  const rows = JSON.parse(run('list', 'envs', '--json').stdout);
  assert.ok(rows.some((r: { id: string; maxEpisodeSteps: number }) => r.id === 'CartPole-v1' && r.maxEpisodeSteps === 500));
});

test.run();
