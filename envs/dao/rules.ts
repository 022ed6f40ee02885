/**
 * Governance formulas as pure functions, each matching its published source (see
 * ../shared/docs/domain.md): Nouns dynamic quorum, 1Hive conviction voting, quadratic voting and
 * funding, OpenZeppelin's late-quorum extension, Aave v2's vote differential, OpenGov lock multipliers.
 * The simulator and the environments call these; tests pin them to the published numbers.
 */

/** Nouns DAO V3 `dynamicQuorumVotes`, in the contract's integer arithmetic. */
export interface NounsQuorumParams {
  minQuorumVotesBps: number;
  maxQuorumVotesBps: number;
  /** Fixed point with 6 decimals: 1,000,000 = 1.0. */
  quorumCoefficient: number;
}

export function nounsDynamicQuorumVotes(againstVotes: number, totalSupply: number, params: NounsQuorumParams): number {
  if (!(totalSupply > 0)) return 0;
  const againstBps = Math.floor((10000 * againstVotes) / totalSupply);
  const adjustmentBps = Math.floor((params.quorumCoefficient * againstBps) / 1e6);
  const quorumBps = Math.min(params.maxQuorumVotesBps, params.minQuorumVotesBps + adjustmentBps);
  return Math.floor((totalSupply * quorumBps) / 10000);
}

/** 1Hive conviction voting parameters (defaults in its JS: decay 0.9, maxRatio 0.2, weight 0.02). */
export interface ConvictionParams {
  /** a: the share of conviction kept per period. */
  decay: number;
  /** beta: the largest share of the pool one proposal may request. */
  maxRatio: number;
  /** rho. */
  weight: number;
}

export const CONVICTION_1HIVE_DEFAULTS: ConvictionParams = { decay: 0.9, maxRatio: 0.2, weight: 0.02 };

/** One period of y_t = a * y_{t-1} + x_t. */
export function convictionStep(previous: number, staked: number, decay: number): number {
  return decay * previous + staked;
}

/** Closed form after t periods of a constant stake x: y_0 a^t + x (1 - a^t) / (1 - a). */
export function convictionAfter(initial: number, staked: number, decay: number, periods: number): number {
  const kept = decay ** periods;
  return initial * kept + (staked * (1 - kept)) / (1 - decay);
}

/**
 * Conviction needed to pass a request of `requested` from a pool of `funds`, with `totalStaked`
 * tokens staked across proposals: rho S / ((1 - a) (beta - r/R)^2), or Infinity when r/R >= beta.
 */
export function convictionThreshold(requested: number, funds: number, totalStaked: number, params: ConvictionParams): number {
  const share = requested / funds;
  if (!(share < params.maxRatio)) return Infinity;
  return (params.weight * totalStaked) / ((1 - params.decay) * (params.maxRatio - share) ** 2);
}

/**
 * Periods until conviction from y_0 under a constant stake x reaches `threshold`:
 * ln(((a - 1) y* + x) / ((a - 1) y_0 + x)) / ln a. Infinity when x / (1 - a) never gets there.
 */
export function convictionTimeToPass(threshold: number, staked: number, initial: number, decay: number): number {
  if (initial >= threshold) return 0;
  const numerator = (decay - 1) * threshold + staked;
  const denominator = (decay - 1) * initial + staked;
  // numerator <= 0 means x / (1 - a) never exceeds y*; the tolerance keeps y* = x / (1 - a) exactly
  // (reached only in the limit) from passing on a rounding residue.
  if (!(numerator > 1e-12 * staked) || !(denominator > 0)) return Infinity;
  return Math.log(numerator / denominator) / Math.log(decay);
}

/** Quadratic voting: the votes bought with `credits` are sqrt(credits); weight per account is sqrt(balance). */
export function quadraticVotes(balance: number): number {
  return Math.sqrt(Math.max(0, balance));
}

/** Votes of one holder split evenly across k accounts under quadratic voting: sqrt(k) * sqrt(balance). */
export function sybilSplitVotes(balance: number, accounts: number): number {
  return accounts * quadraticVotes(balance / accounts);
}

/**
 * Quadratic funding match per project: (sum_i sqrt(c_i))^2 - sum_i c_i, all matches scaled down
 * together when they exceed the matching pool.
 */
export function quadraticFundingMatch(contributionsByProject: readonly (readonly number[])[], matchingPool = Infinity): number[] {
  const raw = contributionsByProject.map((contributions) => {
    let rootSum = 0;
    let sum = 0;
    for (const c of contributions) {
      if (!(c >= 0)) throw new RangeError(`contributions must be >= 0, got ${c}`);
      rootSum += Math.sqrt(c);
      sum += c;
    }
    return rootSum * rootSum - sum;
  });
  const total = raw.reduce((a, b) => a + b, 0);
  const scale = total > matchingPool ? matchingPool / total : 1;
  return raw.map((m) => m * scale);
}

/**
 * OpenZeppelin GovernorPreventLateQuorum: the first time quorum is reached, the deadline becomes
 * max(deadline, now + extension). It triggers once; `alreadyExtended` carries that state.
 */
export function lateQuorumDeadline(
  deadline: number,
  now: number,
  extension: number,
  quorumReached: boolean,
  alreadyExtended: boolean,
): { deadline: number; extended: boolean } {
  if (!quorumReached || alreadyExtended) return { deadline, extended: alreadyExtended };
  return { deadline: Math.max(deadline, now + extension), extended: true };
}

/**
 * Aave governance v2 ProposalValidator, in its integer basis points (ONE_HUNDRED_WITH_PRECISION =
 * 10,000): quorum iff forVotes >= supply * quorumBps / 10000; differential iff
 * floor(for * 10000 / supply) > floor(against * 10000 / supply) + differentialBps (strictly, as the contract).
 */
export function aaveQuorumValid(forVotes: number, votingSupply: number, quorumBps: number): boolean {
  return forVotes >= Math.floor((votingSupply * quorumBps) / 10000);
}

export function aaveDifferentialValid(forVotes: number, againstVotes: number, votingSupply: number, differentialBps: number): boolean {
  const forBps = Math.floor((forVotes * 10000) / votingSupply);
  const againstBps = Math.floor((againstVotes * 10000) / votingSupply);
  return forBps > againstBps + differentialBps;
}

/** The votes a quorum counts: For alone (Compound's Governors) or For and Abstain (OpenZeppelin's default). */
export function quorumCounted(quorumCounts: 'for' | 'for+abstain', forVotes: number, abstainVotes: number): number {
  return quorumCounts === 'for' ? forVotes : forVotes + abstainVotes;
}

/** The majority a proposal needs: For > Against, For a share of For + Against, or Aave's differential of `supply`. */
export type MajorityRule = { kind: 'simple' } | { kind: 'supermajority'; fraction: number } | { kind: 'differential'; differentialBps: number };

export function majorityMet(rule: MajorityRule, forVotes: number, againstVotes: number, supply: number): boolean {
  switch (rule.kind) {
    case 'simple':
      return forVotes > againstVotes;
    case 'supermajority':
      return forVotes + againstVotes > 0 && forVotes / (forVotes + againstVotes) >= rule.fraction;
    case 'differential':
      return aaveDifferentialValid(forVotes, againstVotes, supply, rule.differentialBps);
  }
}

/** Polkadot OpenGov conviction: 0 -> 0.1x with no lock; 1..6 -> 1x..6x, locked 1, 2, 4, 8, 16, 32 periods. */
export const OPENGOV_MULTIPLIERS = [0.1, 1, 2, 3, 4, 5, 6] as const;
export const OPENGOV_LOCK_PERIODS = [0, 1, 2, 4, 8, 16, 32] as const;

export function lockMultiplier(conviction: number, multipliers: readonly number[] = OPENGOV_MULTIPLIERS): number {
  const m = multipliers[conviction];
  if (m === undefined) throw new RangeError(`conviction level must be 0..${multipliers.length - 1}, got ${conviction}`);
  return m;
}

/** Moloch ragequit: the treasury share paid out for burning `shares` of `totalShares`. */
export function ragequitPayout(shares: number, totalShares: number, treasury: number): number {
  return totalShares > 0 ? (treasury * shares) / totalShares : 0;
}
