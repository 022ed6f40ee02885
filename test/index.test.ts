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
});

test.run();
