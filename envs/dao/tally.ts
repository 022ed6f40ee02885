/**
 * Vote tallies over the member table: the simulator's innermost loop. Support codes follow Governor
 * Bravo: 0 = Against, 1 = For, 2 = Abstain; -1 = did not vote.
 */
export const AGAINST = 0;
export const FOR = 1;
export const ABSTAIN = 2;
export const NO_VOTE = -1;

export interface Tally {
  forVotes: number;
  againstVotes: number;
  abstainVotes: number;
}

/**
 * Sums `weight` by `support` over all members. Three scalar accumulators and one branch per member;
 * no allocation, so V8 keeps everything in registers.
 */
export function tallyVotes(support: Int8Array, weight: Float64Array, count = support.length): Tally {
  let forVotes = 0;
  let againstVotes = 0;
  let abstainVotes = 0;
  for (let i = 0; i < count; i++) {
    const s = support[i]!;
    const w = weight[i]!;
    if (s === FOR) forVotes += w;
    else if (s === AGAINST) againstVotes += w;
    else if (s === ABSTAIN) abstainVotes += w;
  }
  return { forVotes, againstVotes, abstainVotes };
}

/** Quadratic tally: each member's votes are sqrt(weight). */
export function tallyQuadratic(support: Int8Array, weight: Float64Array, count = support.length): Tally {
  let forVotes = 0;
  let againstVotes = 0;
  let abstainVotes = 0;
  for (let i = 0; i < count; i++) {
    const s = support[i]!;
    if (s < 0) continue;
    const w = Math.sqrt(weight[i]!);
    if (s === FOR) forVotes += w;
    else if (s === AGAINST) againstVotes += w;
    else abstainVotes += w;
  }
  return { forVotes, againstVotes, abstainVotes };
}
