import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  aaveDifferentialValid,
  aaveQuorumValid,
  CONVICTION_1HIVE_DEFAULTS,
  convictionAfter,
  convictionStep,
  convictionThreshold,
  convictionTimeToPass,
  lateQuorumDeadline,
  lockMultiplier,
  nounsDynamicQuorumVotes,
  quadraticFundingMatch,
  ragequitPayout,
  sybilSplitVotes,
} from '../../../envs/dao/rules.ts';

const close = (a: number, b: number, tolerance = 1e-9) => assert.ok(Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('Nouns dynamic quorum: integer BPS arithmetic of NounsDAOV3DynamicQuorum', () => {
  const wide = { minQuorumVotesBps: 1000, maxQuorumVotesBps: 4000, quorumCoefficient: 1_000_000 };
  // 12 of 200 against = 600 BPS; 1000 + 600 = 1600 BPS of 200 = 32 votes.
  assert.is(nounsDynamicQuorumVotes(12, 200, wide), 32);
  assert.is(nounsDynamicQuorumVotes(0, 200, wide), 20, 'no against votes: the minimum, 10 %');
  assert.is(nounsDynamicQuorumVotes(200, 200, wide), 80, 'capped at the maximum, 40 %');
  const common = { minQuorumVotesBps: 1000, maxQuorumVotesBps: 1500, quorumCoefficient: 1_000_000 };
  assert.is(nounsDynamicQuorumVotes(12, 200, common), 30, 'common settings cap at 15 %');
  // Nouns' docs: with ~1080 supply-equivalent quorum of 108 at 0 against, max 162 (15 %): 1080 * 0.15 = 162.
  assert.is(nounsDynamicQuorumVotes(0, 1080, common), 108);
  assert.is(nounsDynamicQuorumVotes(55, 1080, common), 162);
  // Flooring: 7 of 300 against = floor(233.33) = 233 BPS; coefficient 1.5: floor(349.5) = 349; 1349 BPS of 300 = floor(40.47) = 40.
  assert.is(nounsDynamicQuorumVotes(7, 300, { minQuorumVotesBps: 1000, maxQuorumVotesBps: 2000, quorumCoefficient: 1_500_000 }), 40);
});

test('conviction voting: recurrence, closed form, threshold and time to pass (1Hive formulas)', () => {
  const { decay } = CONVICTION_1HIVE_DEFAULTS;
  let y = 50;
  for (let t = 1; t <= 20; t++) {
    y = convictionStep(y, 100, decay);
    close(y, convictionAfter(50, 100, decay, t));
  }
  close(convictionAfter(0, 100, decay, 10_000), 100 / (1 - decay), 1e-12);
  // y* = rho S / ((1 - a)(beta - r/R)^2) = 0.02 * 1000 / (0.1 * 0.1^2) = 20,000 for r/R = 0.1.
  close(convictionThreshold(100, 1000, 1000, CONVICTION_1HIVE_DEFAULTS), 20_000);
  assert.is(convictionThreshold(200, 1000, 1000, CONVICTION_1HIVE_DEFAULTS), Infinity, 'r/R at beta never passes');
  // t = ln(((a-1) y* + x) / ((a-1) y0 + x)) / ln a = ln(0.5) / ln(0.9) = 6.5788 periods for x = 4000.
  const t = convictionTimeToPass(20_000, 4000, 0, decay);
  close(t, Math.log(0.5) / Math.log(0.9));
  close(t, 6.578813478960584, 1e-12);
  // The recurrence crosses the threshold at period ceil(t) = 7 and not before.
  let conviction = 0;
  let periods = 0;
  while (conviction < 20_000) {
    conviction = convictionStep(conviction, 4000, decay);
    periods++;
  }
  assert.is(periods, 7);
  assert.is(convictionTimeToPass(20_000, 2000, 0, decay), Infinity, 'x / (1 - a) = 20,000 only in the limit');
});

test('quadratic: a holder split across k accounts gains sqrt(k); QF match (sum sqrt c)^2 - sum c, scaled to the pool', () => {
  close(sybilSplitVotes(10_000, 1), 100);
  close(sybilSplitVotes(10_000, 4), 200);
  close(sybilSplitVotes(10_000, 9) / sybilSplitVotes(10_000, 1), 3);
  // Gitcoin's textbook example: 4 donors of 1 -> (4)^2 - 4 = 12; one donor of 4 -> 0.
  assert.equal(quadraticFundingMatch([[1, 1, 1, 1], [4]]), [12, 0]);
  const scaled = quadraticFundingMatch([[1, 1, 1, 1], [9, 16]], 12);
  // Raw matches 12 and (3 + 4)^2 - 25 = 24; the pool of 12 pays one third of each.
  close(scaled[0]!, 4);
  close(scaled[1]!, 8);
});

test('OZ GovernorPreventLateQuorum: the first time quorum is reached the deadline becomes max(deadline, now + extension), once', () => {
  assert.equal(lateQuorumDeadline(1000, 990, 100, true, false), { deadline: 1090, extended: true });
  assert.equal(lateQuorumDeadline(1000, 500, 100, true, false), { deadline: 1000, extended: true }, 'early quorum does not shorten');
  assert.equal(lateQuorumDeadline(1090, 1080, 100, true, true), { deadline: 1090, extended: true }, 'it triggers once');
  assert.equal(lateQuorumDeadline(1000, 990, 100, false, false), { deadline: 1000, extended: false });
});

test('Aave v2 ProposalValidator: For-only quorum and a strict vote differential in integer BPS', () => {
  const supply = 16_000_000;
  assert.ok(aaveQuorumValid(320_000, supply, 200), '2 % of 16M = 320,000 exactly');
  assert.not.ok(aaveQuorumValid(319_999, supply, 200));
  // 0.5 % differential: 400,000 For (250 BPS) vs 320,000 Against (200 BPS): 250 > 250 is false.
  assert.not.ok(aaveDifferentialValid(400_000, 320_000, supply, 50));
  assert.ok(aaveDifferentialValid(401_600, 320_000, supply, 50), '251 BPS > 250');
  // Long executor: 6.5 %.
  assert.ok(aaveDifferentialValid(1_300_000, 200_000, supply, 650));
  assert.not.ok(aaveDifferentialValid(1_200_000, 160_000, supply, 650));
});

test('OpenGov lock multipliers and Moloch ragequit', () => {
  assert.equal([0, 1, 2, 3, 4, 5, 6].map((level) => lockMultiplier(level)), [0.1, 1, 2, 3, 4, 5, 6]);
  assert.throws(() => lockMultiplier(7), /0\.\.6/);
  close(ragequitPayout(25, 100, 1_000_000), 250_000);
});

test.run();
