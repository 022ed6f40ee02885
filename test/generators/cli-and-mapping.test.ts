import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../lib/rng.ts';
import { normal } from '../../lib/distributions.ts';
import { populationFromFeatures } from '../../generators/mapping.ts';
import { votingPower, totalSupply } from '../../envs/dao/population.ts';
import { GovernanceAttackEnv } from '../../envs/dao/attack-env.ts';
import { checkEnv } from '../../envs/core/checker.ts';

const bin = new URL('../../bin/daogym.mjs', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

function featureCsv(n: number, seed: number): string {
  const rng = Rng.create(seed);
  const lines = ['member,logVotingPower,participation,supportRate,meanTiming,votes,tenureDays'];
  for (let i = 0; i < n; i++) {
    const power = Math.max(0, 2 + normal(rng, 0, 1.2));
    lines.push([`0x${i}`, power.toFixed(4), Math.min(1, 0.2 + 0.1 * power).toFixed(4), rng.random().toFixed(3), rng.random().toFixed(3), 1 + rng.int(20), (rng.random() * 300).toFixed(1)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

test('generators fit / sample / evaluate from the command line', () => {
  const directory = mkdtempSync(join(tmpdir(), 'daogym-gen-'));
  try {
    writeFileSync(join(directory, 'train.csv'), featureCsv(600, 1));
    writeFileSync(join(directory, 'holdout.csv'), featureCsv(600, 2));
    assert.is(run('generators', 'fit', '--data', join(directory, 'train.csv'), '--out', join(directory, 'model.json')).status, 0);
    assert.is(run('generators', 'sample', '--model', join(directory, 'model.json'), '--n', '600', '--seed', '3', '--out', join(directory, 'synth.csv')).status, 0);
    const evaluation = run('generators', 'evaluate', '--real', join(directory, 'train.csv'), '--synthetic', join(directory, 'synth.csv'), '--holdout', join(directory, 'holdout.csv'), '--json');
    assert.is(evaluation.status, 0, evaluation.stderr);
    const report = JSON.parse(evaluation.stdout);
    assert.ok(report.overallQuality > 0.9, JSON.stringify(report));
    assert.ok(report.dcrOverfittingProtection > 0.8 && report.membershipInferenceAuc < 0.65, JSON.stringify(report));
    const again = run('generators', 'sample', '--model', join(directory, 'model.json'), '--n', '600', '--seed', '3', '--out', join(directory, 'synth2.csv'));
    assert.is(again.status, 0);
    assert.is(readFileSync(join(directory, 'synth2.csv'), 'utf8'), readFileSync(join(directory, 'synth.csv'), 'utf8'), 'same seed, same sample');
    writeFileSync(join(directory, 'bad.csv'), 'member,logVotingPower\n0x1,abc\n');
    const bad = run('generators', 'fit', '--data', join(directory, 'bad.csv'), '--out', join(directory, 'never.json'));
    assert.is(bad.status, 2);
    assert.match(bad.stderr, /bad\.csv, line 2: column 'logVotingPower' must be a number, got "abc"/);
    assert.not.ok(existsSync(join(directory, 'never.json')));
    assert.is(run('generators', 'sample', '--model', join(directory, 'model.json'), '--n', '-1', '--out', join(directory, 'x.csv')).status, 2);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('a feature table maps to a Population the environments accept', () => {
  const rng = Rng.create(5);
  const n = 800;
  const table = {
    logVotingPower: Float64Array.from({ length: n }, () => Math.max(0, 2 + normal(rng, 0, 1.2))),
    participation: Float64Array.from({ length: n }, () => rng.random()),
    supportRate: Float64Array.from({ length: n }, () => rng.random()),
    meanTiming: Float64Array.from({ length: n }, () => rng.random()),
  };
  const population = populationFromFeatures(table, Rng.create(6), { supply: 1_000_000 });
  assert.ok(Math.abs(totalSupply(population) - 1_000_000) < 1e-3);
  const power = votingPower(population);
  const biggest = table.logVotingPower.indexOf(Math.max(...table.logVotingPower));
  assert.is(power.indexOf(Math.max(...power)), biggest, 'the largest voter stays the largest');
  const rate = table.supportRate[0]!;
  assert.ok(Math.sign(population.alignment[0]!) === Math.sign(rate - 0.5) || Math.abs(rate - 0.5) < 1e-9);
  checkEnv(new GovernanceAttackEnv({ population, budgetUsd: 1_000_000 }));
  assert.throws(() => populationFromFeatures({ logVotingPower: new Float64Array(2) }, rng, { supply: 1 }), /lacks column 'participation'/);
});

test.run();
