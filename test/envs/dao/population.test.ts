import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../../lib/rng.ts';
import { defaultPopulation, gini, NOT_DELEGATED, topShare, totalSupply, validatePopulation, votingPower } from '../../../envs/dao/population.ts';
import { tallyQuadratic, tallyVotes } from '../../../envs/dao/tally.ts';

test('voting power is the scatter-add of balances over delegates', () => {
  const population = defaultPopulation(500, Rng.create(1));
  population.balance.fill(0);
  population.delegate.fill(NOT_DELEGATED);
  population.balance.set([10, 20, 30, 40]);
  population.delegate.set([0, 0, 3, NOT_DELEGATED]);
  const power = votingPower(population);
  assert.equal(Array.from(power.subarray(0, 4)), [30, 0, 0, 30]);
  assert.is(power.reduce((a, b) => a + b, 0), 60, 'undelegated balance carries no votes');
});

test('tallies sum weight by support code; quadratic takes square roots', () => {
  const support = Int8Array.of(1, 0, 2, -1, 1);
  const weight = Float64Array.of(4, 9, 16, 25, 36);
  assert.equal(tallyVotes(support, weight), { forVotes: 40, againstVotes: 9, abstainVotes: 16 });
  assert.equal(tallyQuadratic(support, weight), { forVotes: 8, againstVotes: 3, abstainVotes: 4 });
});

test('the word-at-a-time tally gives the byte loop sums exactly: every count, aligned or not', () => {
  const rng = Rng.create(9);
  const buffer = new Int8Array(1_003);
  for (let i = 0; i < buffer.length; i++) buffer[i] = rng.random() < 0.4 ? rng.int(3) : -1;
  const weights = Float64Array.from({ length: 1_003 }, () => rng.random() * 1e6);
  // The byte loop's order (four rows by member index mod 4, the tail into row 0), written out plainly.
  const reference = (support: Int8Array, weight: Float64Array, count: number) => {
    const rows = new Float64Array(16);
    let i = 0;
    for (; i + 3 < count; i += 4) for (let r = 0; r < 4; r++) rows[4 * r + (support[i + r]! & 3)]! += weight[i + r]!;
    for (; i < count; i++) rows[support[i]! & 3]! += weight[i]!;
    const row = (c: number) => rows[c]! + rows[4 + c]! + rows[8 + c]! + rows[12 + c]!;
    return { forVotes: row(1), againstVotes: row(0), abstainVotes: row(2) };
  };
  for (const offset of [0, 1, 2, 3, 4]) {
    for (const count of [0, 5, 63, 64, 65, 71, 72, 100, 997]) {
      const support = buffer.subarray(offset, offset + 999);
      const weight = weights.subarray(offset, offset + 999);
      assert.equal(tallyVotes(support, weight, count), reference(support, weight, count), `offset ${offset}, count ${count}`);
    }
  }
});

test('the default population is valid, reproducible by seed, and spreads the requested supply', () => {
  const a = defaultPopulation(3000, Rng.create(5));
  const b = defaultPopulation(3000, Rng.create(5));
  validatePopulation(a);
  assert.equal(Array.from(a.balance.subarray(0, 50)), Array.from(b.balance.subarray(0, 50)));
  assert.equal(Array.from(a.delegate), Array.from(b.delegate));
  assert.ok(Math.abs(totalSupply(a) - 10_000_000) < 1e-3);
  assert.not.equal(Array.from(defaultPopulation(3000, Rng.create(6)).balance.subarray(0, 50)), Array.from(a.balance.subarray(0, 50)));
});

test('the default population matches the governance statistics of domain.md', () => {
  const seeds = [1, 2, 3, 4, 5, 6];
  const stats = seeds.map((seed) => {
    const population = defaultPopulation(10_000, Rng.create(seed));
    const power = votingPower(population);
    const supply = totalSupply(population);
    const topHolders = Float64Array.from(population.balance).sort().reverse().subarray(0, 1000);
    let selfDelegating = 0;
    for (let i = 0; i < population.size; i++) if (population.delegate[i] === i) selfDelegating++;
    // Simulated proposals: who votes follows participation; timing gives late weight.
    const votes = Rng.create(seed + 1000);
    const turnouts: number[] = [];
    let late = 0;
    let cast = 0;
    for (let proposal = 0; proposal < 200; proposal++) {
      let turnout = 0;
      for (let i = 0; i < population.size; i++) {
        const w = power[i]!;
        if (w > 0 && votes.random() < population.participation[i]!) {
          turnout += w;
          cast += w;
          if (population.timing[i]! >= 0.9) late += w;
        }
      }
      turnouts.push(turnout / supply);
    }
    turnouts.sort((x, y) => x - y);
    return {
      top10: topShare(power, 10),
      gini: gini(topHolders),
      selfDelegating: selfDelegating / population.size,
      medianTurnout: turnouts[100]!,
      lateShare: late / cast,
    };
  });
  const mean = (key: keyof (typeof stats)[number]) => stats.reduce((total, s) => total + s[key], 0) / stats.length;
  // Top-10 voters hold 57.9 % (Compound) and 44.7 % (Uniswap) of voting power.
  assert.ok(mean('top10') > 0.447 && mean('top10') < 0.7, `top-10 share ${mean('top10')}`);
  // Gini over the top 1,000 holders: 0.83 (ARB) to 0.94 (ENS); COMP 0.86.
  assert.ok(mean('gini') > 0.83 && mean('gini') < 0.94, `Gini ${mean('gini')}`);
  // 95 % of addresses self-delegate (Uniswap 2022).
  assert.ok(mean('selfDelegating') > 0.92 && mean('selfDelegating') < 0.97, `self-delegating ${mean('selfDelegating')}`);
  // Compound Bravo: median turnout 7.3 % of supply, 10th-90th percentile 4.7-13.2 %.
  assert.ok(mean('medianTurnout') > 0.047 && mean('medianTurnout') < 0.132, `median turnout ${mean('medianTurnout')}`);
  // 16 % of cast weight in the last 10 % of the window (Compound Bravo).
  assert.ok(Math.abs(mean('lateShare') - 0.16) < 0.03, `late share ${mean('lateShare')}`);
});

test('validatePopulation names the bad row and column', () => {
  const population = defaultPopulation(200, Rng.create(1));
  population.participation[17] = 1.5;
  assert.throws(() => validatePopulation(population), /population\.participation\[17\] must be in \[0, 1\]/);
  population.participation[17] = 0.5;
  population.delegate[3] = 999;
  assert.throws(() => validatePopulation(population), /population\.delegate\[3\] = 999/);
});

test.run();
