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
