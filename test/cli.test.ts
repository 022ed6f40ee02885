import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
    [['demo', '--agent', 'genius'], /Argument: agent, Given: "genius", Choices: "random", "heuristic"/],
    [['demo', '--bogus'], /Unknown argument: bogus/],
    [['list', 'things'], /Choices: "envs", "presets"/],
    [[], /Give a command/],
  ] as const) {
    const result = run(...args);
    assert.is(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
    assert.is(result.stdout, '', `${args.join(' ')} printed nothing else`);
  }
});

test('list presets shows the real protocols', () => {
  const presets = JSON.parse(run('list', 'presets', '--json').stdout) as { name: string; protocol: { quorum: unknown } }[];
  assert.ok(presets.some((p) => p.name === 'compound-bravo'));
  assert.equal(presets.find((p) => p.name === 'compound-bravo')!.protocol.quorum, { kind: 'absolute', votes: 400000 });
  assert.match(run('list', 'presets').stdout, /beanstalk-2022 +quorum 50% \(for\), simple, delay 0d, period 7d, timelock 0d, snapshot current, emergencyCommit/);
});

test('list envs shows CartPole-v1 with its limits', () => {
  const rows = JSON.parse(run('list', 'envs', '--json').stdout);
  assert.ok(rows.some((r: { id: string; maxEpisodeSteps: number }) => r.id === 'CartPole-v1' && r.maxEpisodeSteps === 500));
});

test.run();
