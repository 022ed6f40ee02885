/** DAO simulator throughput: member-votes tallied per second over 1,000,000 members. */
import { Rng } from '../lib/rng.ts';
import { defaultPopulation, votingPower } from '../envs/dao/population.ts';
import { tallyVotes, NO_VOTE } from '../envs/dao/tally.ts';
import type { Figure } from './cartpole.ts';

export function benchTally(members = 1_000_000, rounds = 200): Figure[] {
  const rng = Rng.create(1);
  const population = defaultPopulation(members, rng.stream('population'));
  const weight = votingPower(population);
  const support = new Int8Array(members);
  const votes = rng.stream('votes');
  for (let i = 0; i < members; i++) support[i] = votes.random() < 0.3 ? votes.int(3) : NO_VOTE;
  let sink = 0;
  for (let r = 0; r < 20; r++) sink += tallyVotes(support, weight).forVotes;
  let best = 0;
  for (let repeat = 0; repeat < 3; repeat++) {
    const start = performance.now();
    for (let r = 0; r < rounds; r++) sink += tallyVotes(support, weight).forVotes;
    best = Math.max(best, (members * rounds) / ((performance.now() - start) / 1000));
  }
  if (!Number.isFinite(sink)) throw new Error('tally produced a non-finite sum');
  return [{ name: 'dao.tally.member_votes_per_second', value: Math.round(best), unit: 'member-votes/s', members, rounds }];
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
