import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../envs/index.ts';
import { Env } from '../../../envs/core/env.ts';
import { make, parseEnvId, register, spec, UnknownEnvError, unregister } from '../../../envs/core/registration.ts';
import { OrderEnforcing, PassiveEnvChecker, ResetNeeded, TimeLimit } from '../../../envs/core/wrappers.ts';
import { CountingEnv } from '../../helpers/envs.ts';

test('ids parse as [namespace/]Name[-vN]', () => {
  assert.equal(parseEnvId('dao/GovernanceAttack-v0'), { namespace: 'dao', name: 'GovernanceAttack', version: 0 });
  assert.equal(parseEnvId('CartPole-v1'), { namespace: undefined, name: 'CartPole', version: 1 });
  assert.equal(parseEnvId('Plain'), { namespace: undefined, name: 'Plain', version: undefined });
  assert.throws(() => parseEnvId('bad id!'), /malformed environment id/);
});

test('make wraps in PassiveEnvChecker, OrderEnforcing and TimeLimit, in Gymnasium’s order', () => {
  const env = make('CartPole-v1');
  assert.instance(env, TimeLimit);
  const order = env as TimeLimit<unknown, unknown>;
  assert.is(order.maxEpisodeSteps, 500);
  assert.instance(order.env, OrderEnforcing);
  assert.instance((order.env as OrderEnforcing<unknown, unknown>).env, PassiveEnvChecker);
  assert.is(env.toString(), 'TimeLimit<OrderEnforcing<PassiveEnvChecker<CartPoleEnv<CartPole-v1>>>>');
  assert.equal(env.spec?.id, 'CartPole-v1');
  const unchecked = make('CartPole-v1', {}, { disableEnvChecker: true, maxEpisodeSteps: null });
  assert.instance(unchecked, OrderEnforcing);
});

test('OrderEnforcing refuses step before reset', () => {
  const env = make('CartPole-v1');
  assert.throws(() => env.step(0), (error: Error) => error instanceof ResetNeeded && /before calling env.reset/.test(error.message));
  env.reset({ seed: 0 });
  env.step(0);
});

test('register + make with kwargs overrides; maxEpisodeSteps override; class and factory entry points', () => {
  register({ id: 'test/Counting-v0', entryPoint: CountingEnv, maxEpisodeSteps: 3, kwargs: { length: 10 } });
  register({ id: 'test/Counting-v1', entryPoint: (kwargs) => new CountingEnv(kwargs) });
  try {
    const env = make<Float32Array, number>('test/Counting-v0');
    env.reset({ seed: 1 });
    const flags = [env.step(1), env.step(1), env.step(1)].map((r) => [r.terminated, r.truncated]);
    assert.equal(flags, [
      [false, false],
      [false, false],
      [false, true],
    ]);
    const longer = make<Float32Array, number>('test/Counting-v0', { length: 2 }, { maxEpisodeSteps: 100 });
    longer.reset({ seed: 1 });
    longer.step(0);
    assert.is(longer.step(0).terminated, true, 'kwargs override the spec’s');
    assert.equal(longer.spec?.kwargs, { length: 2 });
    assert.instance(make('test/Counting-v1').unwrapped, CountingEnv);
    assert.instance(make('test/Counting-v1').unwrapped, Env);
  } finally {
    unregister('test/Counting-v0');
    unregister('test/Counting-v1');
  }
});

test('unknown ids give a clear error listing close matches', () => {
  const message = (id: string) => {
    try {
      make(id);
    } catch (error) {
      assert.instance(error, UnknownEnvError);
      return (error as Error).message;
    }
    throw new Error('make did not throw');
  };
  assert.match(message('CartPol-v1'), /Did you mean: CartPole-v1/);
  assert.match(message('cartpole-v1'), /Did you mean: CartPole-v1/);
  assert.match(message('CartPole-v7'), /version v7 of 'CartPole' does not exist; registered: CartPole-v1/);
  assert.match(message('CartPole'), /needs a version: registered versions are CartPole-v1/);
  assert.match(message('nowhere/Thing-v0'), /Namespace 'nowhere' has no environments/);
  assert.throws(() => spec('Zzzzzzzzzzz-v0'), /Registered ids: .*CartPole-v1/);
});

test('register validates its input', () => {
  assert.throws(() => register({ id: 'x/Bad-v0', entryPoint: CountingEnv, maxEpisodeSteps: 0 }), /positive integer/);
  assert.throws(() => register({ id: 'x/Bad-v0', entryPoint: 5 as never }), /entryPoint/);
});

test.run();
