import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import * as daogym from '../index.ts';
import * as envs from '../envs/api.ts';
import * as agents from '../agents/api.ts';
import * as generators from '../generators/api.ts';
import * as runner from '../runner/api.ts';

test('the library entry point exposes the Gym contract and registers the built-in envs', () => {
  const env = daogym.make<Float32Array, number>('CartPole-v1');
  const { observation } = env.reset({ seed: 0 });
  assert.ok(env.observationSpace.contains(observation));
  assert.ok(daogym.listEnvs().includes('CartPole-v1'));
  assert.type(daogym.checkEnv, 'function');
  assert.type(daogym.AsyncVectorEnv.create, 'function');
  assert.type(daogym.distributions.dirichlet, 'function');
  assert.ok(daogym.presetNames().includes('compound-bravo'));
  assert.type(daogym.runExperiment, 'function');
  assert.ok(Object.keys(daogym).length <= 40, `a small main surface: ${Object.keys(daogym).length} names`);
});

test('the areas as subpaths (package.json exports) and as namespaces of the main module', () => {
  const exports = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).exports as Record<string, string | { types: string; default: string }>;
  assert.equal(Object.keys(exports).sort(), ['.', './agents', './envs', './generators', './package.json', './runner']);
  // Each area's compiled module and declarations come from a source module of the same path.
  for (const [key, target] of Object.entries(exports)) {
    if (typeof target === 'string') continue;
    const source = target.default.replace(/^\.\/dist\//, '../').replace(/\.js$/, '.ts');
    assert.ok(existsSync(new URL(source, import.meta.url)), `${key}: ${target.default} has no source ${source}`);
    assert.is(target.types, target.default.replace(/\.js$/, '.d.ts'), key);
  }
  assert.is(daogym.agents, agents);
  assert.is(daogym.generators, generators);
  assert.type(envs.GovernanceAttackEnv, 'function');
  assert.type(agents.trainPpo, 'function');
  assert.type(generators.GaussianCopula.fit, 'function');
  assert.ok(generators.GENERATOR_KINDS.some((k) => k.name === 'gan'));
  assert.type(runner.compareRuns, 'function');
  assert.ok(Object.keys(runner.KINDS).includes('loop'));
  assert.ok(Math.abs(generators.dpSgdEpsilon(0.04, 1.5, 2250, 1e-5).epsilon - 7.32911117143) < 1e-6);
});

test.run();
