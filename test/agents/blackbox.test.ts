import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cmaesMinimize, CmaEs } from '../../agents/cmaes.ts';
import { cemMinimize, randomSearchMinimize } from '../../agents/cem.ts';
import { WorkerExitError, WorkerPool } from '../../lib/pool.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rosenbrock = (x: Float64Array) => {
  let s = 0;
  for (let i = 0; i < x.length - 1; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
  return s;
};
const sphere = (x: Float64Array) => x.reduce((a, v) => a + v * v, 0);
const rastrigin = (x: Float64Array) => 10 * x.length + x.reduce((a, v) => a + v * v - 10 * Math.cos(2 * Math.PI * v), 0);

test('CMA-ES strategy parameters are Hansen’s defaults', () => {
  const es = new CmaEs(new Float64Array(10), 0.5);
  assert.is(es.lambda, 10, '4 + floor(3 ln 10)');
  assert.is(es.mu, 5);
  assert.ok(Math.abs(es.weights.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  // pycma announces a 10-D run as "(5_w,10)-aCMA-ES (mu_w=3.2,w_1=45%)".
  assert.ok(Math.abs(es.muEff - 3.2) < 0.05, `mu_eff ${es.muEff}`);
  assert.ok(es.weights[0]! > 0.45 && es.weights[0]! < 0.46, `w_1 ${es.weights[0]}`);
  assert.ok(Math.abs(es.chiN - Math.sqrt(10) * (1 - 1 / 40 + 1 / 2100)) < 1e-12);
});

test('CMA-ES minimises the 10-D Rosenbrock function below 1e-8 within 10,000 evaluations', async () => {
  for (const seed of [1, 2, 3]) {
    const result = await cmaesMinimize(rosenbrock, new Float64Array(10), 0.5, { seed, ftarget: 1e-8, maxEvaluations: 10_000 });
    assert.ok(result.f < 1e-8, `seed ${seed}: f = ${result.f} after ${result.evaluations}`);
    assert.ok(result.evaluations <= 10_000);
    for (const v of result.x) assert.ok(Math.abs(v - 1) < 1e-3);
  }
});

test('CMA-ES on the sphere: linear convergence, about 1,700 evaluations to 1e-10 in 10-D', async () => {
  const result = await cmaesMinimize(sphere, new Float64Array(10).fill(3), 1, { seed: 1, ftarget: 1e-10 });
  assert.ok(result.f < 1e-10);
  assert.ok(result.evaluations > 1000 && result.evaluations < 2500, `evaluations ${result.evaluations}`);
});

test('CMA-ES on Rastrigin: a large population finds the global optimum where the default one does not (Hansen & Kern 2004)', async () => {
  const successes = async (popsize: number) => {
    let count = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const r = await cmaesMinimize(rastrigin, new Float64Array(5).fill(3), 2, { seed, popsize, ftarget: 1e-8, maxEvaluations: 60_000, tolX: 1e-11, tolFun: 1e-12 });
      if (r.f < 1e-8) count++;
    }
    return count;
  };
  const small = await successes(10);
  const large = await successes(200);
  assert.ok(small <= 1, `default population succeeded ${small}/6`);
  assert.ok(large >= 4, `population 200 succeeded ${large}/6`);
});

test('CEM converges on the sphere; random search does far worse with the same budget', async () => {
  const cem = await cemMinimize(sphere, new Float64Array(10).fill(3), 1, { seed: 1, maxEvaluations: 20_000, ftarget: 1e-10 });
  assert.ok(cem.f < 1e-10, `CEM f = ${cem.f}`);
  const random = await randomSearchMinimize(sphere, new Float64Array(10).fill(3), 1, { seed: 1, maxEvaluations: 20_000 });
  assert.ok(random.f > 1, `random search f = ${random.f}`);
});

test('bounds are respected and runs are reproducible by seed', async () => {
  const lower = Array(4).fill(-1);
  const upper = Array(4).fill(1);
  const seen: Float64Array[] = [];
  const objective = (x: Float64Array) => {
    seen.push(x);
    return sphere(x.map((v) => v - 5));
  };
  const a = await cmaesMinimize(objective, new Float64Array(4), 0.5, { seed: 3, lower, upper, maxEvaluations: 400 });
  for (const x of seen) for (const v of x) assert.ok(v >= -1 && v <= 1);
  assert.ok(a.x.every((v) => Math.abs(v - 1) < 1e-6), 'the optimum on the boundary');
  const b = await cmaesMinimize(objective, new Float64Array(4), 0.5, { seed: 3, lower, upper, maxEvaluations: 400 });
  assert.equal(Array.from(a.x), Array.from(b.x));
});

test('the worker pool evaluates in parallel and returns results in task order', async () => {
  const pool = new WorkerPool<number[], number>(new URL('../helpers/square-evaluator.ts', import.meta.url), { offset: 1 }, 2);
  try {
    const tasks = Array.from({ length: 12 }, (_, i) => [i, i + 1]);
    const results = await pool.map(tasks);
    assert.equal(results, tasks.map(([a, b]) => a! * a! + b! * b! + 1));
    await pool.run([Number.NaN]).then(
      () => assert.unreachable('NaN should be refused'),
      (error: Error) => assert.match(error.message, /NaN input/),
    );
  } finally {
    await pool.close();
  }
});

test('a worker that dies fails only its own task and is replaced; a retry runs it on the fresh worker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'daogym-pool-'));
  const pool = new WorkerPool<{ x: number; exit?: number; once?: string }, number>(new URL('../helpers/crash-evaluator.ts', import.meta.url), { dir }, 2);
  try {
    const settled = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((x) => pool.run(x === 3 ? { x, exit: 3 } : { x })));
    assert.equal(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    const crash = (settled[2] as PromiseRejectedResult).reason as Error;
    assert.ok(crash instanceof WorkerExitError && /exit code 3/.test(crash.message), crash.message);
    assert.equal(settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<number>).value), [2, 4, 8, 10, 12]);
    // A transient crash with one retry: the task succeeds on the replacement worker.
    assert.is(await pool.run({ x: 7, exit: 4, once: 'seven' }, 1), 14);
    // A crash that recurs stays an error after its retry.
    await pool.run({ x: 8, exit: 5 }, 1).then(
      () => assert.unreachable('a task that always kills its worker must fail'),
      (error: Error) => assert.ok(error instanceof WorkerExitError && /exit code 5/.test(error.message), error.message),
    );
    assert.equal(await pool.map([{ x: 9 }, { x: 10 }]), [18, 20]);
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a pool whose workers cannot start fails with the reason instead of replacing them forever', async () => {
  const pool = new WorkerPool<number, number>(new URL('../helpers/no-such-evaluator.ts', import.meta.url), {}, 2);
  try {
    await pool.run(1).then(
      () => assert.unreachable('the module does not exist'),
      (error: Error) => assert.match(error.message, /^pool workers cannot start: .*no-such-evaluator/),
    );
  } finally {
    await pool.close();
  }
});

test.run();
