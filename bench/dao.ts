import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../lib/rng.ts';
import { defaultPopulation, votingPower } from '../envs/dao/population.ts';
import { tallyVotes, NO_VOTE } from '../envs/dao/tally.ts';
import type { Figure } from './cartpole.ts';
import { pythonModule, runReferenceScript } from './reference.ts';

/**
 * DAO simulator throughput: member-votes tallied per second over 1,000,000 members, beside NumPy's
 * `bincount(support + 1, weights=power)` on the same arrays in the same run (python3-numpy; said so when absent).
 */
export function benchTally(members = 1_000_000, rounds = 200): Figure[] {
  const rng = Rng.create(1);
  const population = defaultPopulation(members, rng.stream('population'));
  const weight = votingPower(population);
  const support = new Int8Array(members);
  const votes = rng.stream('votes');
  for (let i = 0; i < members; i++) support[i] = votes.random() < 0.3 ? votes.int(3) : NO_VOTE;
  let sink = tallyRounds(support, weight, 20);
  let best = 0;
  for (let repeat = 0; repeat < 3; repeat++) {
    const start = performance.now();
    sink += tallyRounds(support, weight, rounds);
    best = Math.max(best, (members * rounds) / ((performance.now() - start) / 1000));
  }
  if (!Number.isFinite(sink)) throw new Error('tally produced a non-finite sum');
  const figures: Figure[] = [{ name: 'dao.tally.member_votes_per_second', value: Math.round(best), unit: 'member-votes/s', members, rounds }];
  const numpyModule = pythonModule('numpy');
  const numpy = numpyModule.ok ? numpyBincount(support, weight, rounds) : null;
  if (numpy === null) {
    figures.push({ name: 'dao.tally.numpy_bincount_member_votes_per_second', value: null, unit: 'member-votes/s', note: `no reference measured: ${(numpyModule as { reason: string }).reason}` });
  } else {
    const sums = tallyVotes(support, weight);
    if (Math.abs(numpy.forVotes - sums.forVotes) > 1e-6 * sums.forVotes) throw new Error(`NumPy's For sum ${numpy.forVotes} differs from the tally's ${sums.forVotes}`);
    figures.push({ name: 'dao.tally.numpy_bincount_member_votes_per_second', value: Math.round(numpy.rate), unit: 'member-votes/s', members, rounds, reference: `numpy ${numpy.version} bincount` });
    figures.push({ name: 'dao.tally.speedup_vs_numpy', value: Math.round((best / numpy.rate) * 100) / 100, unit: 'x', target: 2.5 });
  }
  return figures;
}

/** `rounds` tallies in a function of their own (optimised whole, not entered mid-loop as the caller's loop would be). */
function tallyRounds(support: Int8Array, weight: Float64Array, rounds: number): number {
  let sink = 0;
  for (let r = 0; r < rounds; r++) sink += tallyVotes(support, weight).forVotes;
  return sink;
}

/** NumPy's weighted bincount over the same support codes and weights (written to a temporary file for bench/reference/bincount.py), best of 3. */
function numpyBincount(support: Int8Array, weight: Float64Array, rounds: number): { rate: number; forVotes: number; version: string } {
  const directory = mkdtempSync(join(tmpdir(), 'daogym-bench-'));
  try {
    writeFileSync(join(directory, 'support.bin'), support);
    writeFileSync(join(directory, 'weight.bin'), new Uint8Array(weight.buffer, weight.byteOffset, weight.byteLength));
    return runReferenceScript<{ rate: number; forVotes: number; version: string }>('bincount.py', [directory, String(rounds)], 300_000);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** dao/GovernanceAttack-v0 with 10,000 members under a uniformly random policy, through make(). */
export async function benchAttackEnv(steps = 200_000): Promise<Figure[]> {
  await import('../envs/index.ts');
  const { make } = await import('../envs/core/registration.ts');
  const run = (count: number): number => {
    const env = make<Float32Array, Int32Array>('dao/GovernanceAttack-v0', { members: 10_000 });
    env.reset({ seed: 1 });
    const policy = Rng.create(2);
    const start = performance.now();
    for (let t = 0; t < count; t++) {
      const result = env.step(env.actionSpace.sample(policy));
      if (result.terminated || result.truncated) env.reset();
    }
    return count / ((performance.now() - start) / 1000);
  };
  run(20_000);
  let best = 0;
  for (let i = 0; i < 3; i++) best = Math.max(best, run(steps));
  return [{ name: 'dao.governance_attack.steps_per_second', value: Math.round(best), unit: 'steps/s', members: 10_000, steps, policy: 'random' }];
}

/**
 * Governance seasons per second, the closed loop's unit of work: a 1,000-member calibrated population
 * under Compound Bravo's rules, honest grants arriving over a 30-day season and the scripted buy-and-vote
 * drain ($20M), as `kind: loop` scores each population (the season config's defaults).
 */
export async function benchSeason(seasons = 400): Promise<Figure[]> {
  const { parseExperiment } = await import('../runner/config.ts');
  const { runSeason } = await import('../envs/dao/season.ts');
  const { presetProtocol } = await import('../envs/dao/presets.ts');
  const { DEFAULT_MARKET } = await import('../envs/dao/market.ts');
  const config = parseExperiment('name: bench\nkind: loop\n', 'bench.yaml');
  if (config.kind !== 'loop') throw new Error('expected a loop config');
  const population = defaultPopulation(1000, Rng.create(1).stream('population'));
  const protocol = presetProtocol('compound-bravo');
  const run = (count: number, offset: number): number => {
    const start = performance.now();
    for (let k = 0; k < count; k++) {
      runSeason({ ...config.season, protocol, population, market: DEFAULT_MARKET, attack: 'buy-and-vote', attackBudgetUsd: 20_000_000 }, Rng.create(offset + k).stream('season'));
    }
    return count / ((performance.now() - start) / 1000);
  };
  run(50, 1_000_000);
  let best = 0;
  for (let i = 0; i < 3; i++) best = Math.max(best, run(seasons, i * seasons));
  return [{ name: 'dao.season.seasons_per_second', value: Math.round(best), unit: 'seasons/s', members: 1000, days: config.season.days, protocol: 'compound-bravo', attack: 'buy-and-vote' }];
}
