/**
 * The package people install: `npm pack` builds dist/ (compiled JS and .d.ts) and packs it; the tarball installs
 * into an empty project offline (npm ci from a lockfile made of daogym's own, so every dependency comes from the
 * local npm cache that `npm ci` filled); then, with no tsx and no TypeScript sources in sight:
 * - a plain Node ESM script imports `daogym` and its subpaths, steps an env, runs vector envs and an experiment on
 *   worker threads (the compiled worker entries);
 * - TypeScript (tsc, NodeNext) compiles a consumer and the README's library block against the shipped .d.ts, and
 *   daogym's own declarations have no error even with skipLibCheck off;
 * - the `daogym` command answers --version, lists presets and runs a config.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  bin: Record<string, string>;
  engines: Record<string, string>;
};
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const work = mkdtempSync(join(tmpdir(), 'daogym-package-'));
const project = join(work, 'consumer');

function ok(result: SpawnSyncReturns<string>, what: string): string {
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  assert.is(result.status, 0, `${what} exited ${result.status} (${result.signal ?? 'no signal'}):\n${output.slice(-3000)}`);
  return result.stdout;
}
const run = (command: string, args: string[], cwd = project, timeout = 240_000) =>
  spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, FORCE_COLOR: '0', npm_config_update_notifier: 'false' } });

/** The consumer's lockfile: daogym from the tarball, its dependency tree exactly as daogym's own lockfile has it. */
function consumerLock(tarball: string): object {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const integrity = `sha512-${createHash('sha512').update(readFileSync(join(project, tarball))).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { daogym: `file:${tarball}` } },
    'node_modules/daogym': {
      version: pkg.version,
      resolved: `file:${tarball}`,
      integrity,
      license: 'MIT',
      dependencies: pkg.dependencies,
      optionalDependencies: pkg.optionalDependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev === true) continue;
    const { devOptional, ...rest } = entry;
    packages[path] = devOptional === true ? { ...rest, optional: true } : rest;
  }
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
}

let installed = false;

test('npm pack builds the package and it installs offline into an empty project', () => {
  mkdirSync(project, { recursive: true });
  ok(run(npm, ['pack', '--pack-destination', project, '--silent'], root), 'npm pack');
  const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote no tarball');
  const listing = execFileSync('tar', ['tzf', join(project, tarball)], { encoding: 'utf8' }).split('\n');
  assert.ok(listing.includes('package/dist/index.js') && listing.includes('package/dist/index.d.ts'), 'the tarball has dist/index.js and dist/index.d.ts');
  assert.ok(!listing.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'the tarball ships no TypeScript sources');
  assert.ok(!listing.some((f) => f.endsWith('.map')), 'the tarball ships no source maps (they would point at sources it does not ship)');

  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies: { daogym: `file:${tarball}` } }, null, 2));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(consumerLock(tarball), null, 2));
  // Offline: every tarball comes from the local cache. Install scripts are off (npm 11 asks before running a
  // dependency's), so better-sqlite3's native addon, which `npm ci` built from source for this checkout with the
  // same version and the same Node, is copied over instead of being compiled a second time.
  ok(run(npm, ['ci', '--offline', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund']), 'npm ci --offline in the empty project');
  const addon = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  mkdirSync(join(project, 'node_modules', 'better-sqlite3', 'build', 'Release'), { recursive: true });
  copyFileSync(join(root, addon), join(project, addon));
  assert.not.ok(existsSync(join(project, 'node_modules', 'tsx')), 'tsx is a development dependency only');
  assert.not.ok(existsSync(join(project, 'node_modules', 'typescript')), 'typescript is a development dependency only');
  installed = true;
});

test('plain Node ESM: import daogym and its subpaths, step an env, vector envs and an experiment on worker threads', () => {
  assert.ok(installed, 'the package did not install');
  writeFileSync(
    join(project, 'config.yaml'),
    [
      'name: package-smoke',
      'kind: compare',
      'seed: 3',
      'seeds: 2',
      'variants:',
      '  - { name: bravo, preset: compound-bravo }',
      'populations:',
      '  - { name: calibrated, members: 200 }',
      'attacks: [none, buy-and-vote]',
      'attackBudgetUsd: 20000000',
      'season: { days: 10, proposalsPerMonth: 6, treasuryUsd: 50000000 }',
      'report: { primaryMetric: score, baseline: bravo }',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(project, 'script.mjs'),
    `import { make, Rng, runExperiment, AsyncVectorEnv } from 'daogym';
import { GaussianCopula } from 'daogym/generators';
import { trainPpo } from 'daogym/agents';
import * as envs from 'daogym/envs';

const env = make('dao/GovernanceAttack-v0', { preset: 'compound-bravo', members: 200, budgetUsd: 20e6 });
env.reset({ seed: 42 });
const step = env.step(env.actionSpace.sample(Rng.create(42).stream('agent')));
const vector = await AsyncVectorEnv.create('CartPole-v1', 2);
const reset = await vector.reset({ seed: 0 });
await vector.close();
const rng = Rng.create(1);
const columns = { a: Array.from({ length: 200 }, (_, i) => i % 17), b: Array.from({ length: 200 }, (_, i) => (i * 7) % 13) };
const copula = GaussianCopula.fit(columns);
const outcome = await runExperiment('config.yaml', { db: 'runs.db', out: 'reports', workers: 2 });
console.log(JSON.stringify({
  reward: step.reward,
  vectorObservations: reset.observations.length,
  trainPpo: typeof trainPpo,
  registry: typeof envs.register,
  sampled: Object.keys(copula.sample(10, rng)).length,
  trials: outcome.executed,
  report: outcome.reportPath,
}));
`,
  );
  const printed = ok(run(process.execPath, ['script.mjs']), 'node script.mjs');
  const result = JSON.parse(printed.trim().split('\n').pop()!) as Record<string, unknown>;
  assert.type(result.reward, 'number');
  assert.is(result.vectorObservations, 2);
  assert.is(result.trainPpo, 'function');
  assert.is(result.registry, 'function');
  assert.ok((result.sampled as number) >= 2, 'the copula sampled both columns');
  assert.is(result.trials, 4, 'one variant x two attacks x two seeds');
  assert.ok(existsSync(join(project, 'runs.db')), 'the experiment wrote its SQLite store');
  assert.ok(typeof result.report === 'string' && existsSync(join(project, result.report)), `the experiment wrote its report: ${JSON.stringify(result)}`);
});

test("TypeScript without tsx: a consumer and the README's library block type-check against the shipped .d.ts", () => {
  assert.ok(installed, 'the package did not install');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /## The library in 20 lines\s+```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, "the README's library block");
  writeFileSync(join(project, 'readme-library.mts'), `${block[1]}\nexport {};\n`);
  writeFileSync(
    join(project, 'consumer.mts'),
    `import { make, Rng } from 'daogym';
import type { Env } from 'daogym/envs';
const env: Env<unknown, unknown> = make('CartPole-v1');
env.reset({ seed: 1 });
const step = env.step(env.actionSpace.sample(Rng.create(1).stream('agent')));
const reward: number = step.reward;
console.log(JSON.stringify({ reward, terminated: step.terminated }));
`,
  );
  const options = { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, types: ['node'] };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...options, skipLibCheck: true, outDir: 'out' }, files: ['consumer.mts', 'readme-library.mts'] }));
  ok(run(process.execPath, [tsc, '-p', '.']), 'tsc (strict, NodeNext, skipLibCheck)');
  const printed = ok(run(process.execPath, ['out/consumer.mjs']), 'node out/consumer.mjs');
  assert.type((JSON.parse(printed.trim()) as { reward: number }).reward, 'number');

  // With skipLibCheck off, TensorFlow.js's own declarations have errors (not ours to fix); daogym's must have none.
  writeFileSync(join(project, 'tsconfig.strict.json'), JSON.stringify({ compilerOptions: { ...options, skipLibCheck: false, noEmit: true }, files: ['consumer.mts'] }));
  const strict = run(process.execPath, [tsc, '-p', 'tsconfig.strict.json']);
  const ours = `${strict.stdout}`.split('\n').filter((line) => line.includes('node_modules/daogym/'));
  assert.equal(ours, [], "errors in daogym's declarations");
});

test('the daogym command from the installed package: --version, list presets, run a config', () => {
  assert.ok(installed, 'the package did not install');
  const bin = join(project, 'node_modules', '.bin', 'daogym');
  assert.is(ok(run(bin, ['--version']), 'daogym --version').trim(), pkg.version);
  assert.match(ok(run(bin, ['list', 'presets']), 'daogym list presets'), /compound-bravo: quorum/);
  const printed = ok(run(bin, ['run', 'config.yaml', '--db', 'cli.db', '--out', 'cli-reports', '--workers', '2', '--json', '--quiet']), 'daogym run');
  const outcome = JSON.parse(printed) as { status?: string; report?: string };
  assert.ok(outcome.status === 'done' && outcome.report !== undefined && existsSync(join(project, outcome.report)), `the CLI wrote its report: ${printed.slice(0, 400)}`);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
