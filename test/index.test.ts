import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as daogym from '../index.ts';

test('the library entry point exposes the Gym contract and registers the built-in envs', () => {
  const env = daogym.make<Float32Array, number>('CartPole-v1');
  const { observation } = env.reset({ seed: 0 });
  assert.ok(env.observationSpace.contains(observation));
  assert.ok(daogym.listEnvs().includes('CartPole-v1'));
  assert.type(daogym.checkEnv, 'function');
  assert.type(daogym.AsyncVectorEnv.create, 'function');
  assert.type(daogym.distributions.dirichlet, 'function');
  assert.ok(daogym.presetNames().includes('compound-bravo'));
  assert.type(daogym.trainPpo, 'function');
  assert.type(daogym.GaussianCopula.fit, 'function');
  assert.type(daogym.compareRuns, 'function');
  assert.ok(Math.abs(daogym.dpSgdEpsilon(0.04, 1.5, 2250, 1e-5).epsilon - 7.32911117143) < 1e-6);
});

test.run();
