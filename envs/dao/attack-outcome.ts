/**
 * How an attack attempt ended, with the reason in words. Every scripted attack in a season ends in exactly
 * one of these (a passed drain never expires: the attacker executes it the block its timelock ends), so that "the drain never passed" always says whether the protocol stopped it (defeated,
 * vetoed, votes-not-counted, ...) or the attacker never got to try (could-not-propose, no-liquidity, ...).
 */
export const ATTACK_OUTCOMES = [
  /** The drain executed: the treasury paid out. */
  'executed',
  /** The vote failed (quorum, majority or vote differential), with the attacker's votes counted. */
  'defeated',
  /** The method's votes were not counted: tokens acquired after the snapshot (a flash loan under Bravo). */
  'votes-not-counted',
  /** A guardian vetoed the queued drain. */
  'vetoed',
  /** Cancelled: the proposer fell below the proposal threshold before execution. */
  'cancelled',
  /** Still pending, voting or queued when the season (and its run-out) ended. */
  'unresolved',
  /** The attacker could not reach the proposal threshold with its budget (and backers). */
  'could-not-propose',
  /** The lending market had no tokens to lend (borrow, flash loan). */
  'no-liquidity',
  /** Nothing left to apply the method with (bribes after the threshold purchase spent the budget). */
  'budget-exhausted',
  /** Every flash loan reverted (the attacker could not repay it). */
  'reverted',
  /** The attack day lies after the season's end. */
  'not-started',
  /** A learned attacker (dao/GovernanceAttack-v0) that never proposed a drain in its episode. */
  'idle',
  /** The `none` strategy: the honest baseline. */
  'no-attack',
] as const;
export type AttackOutcomeKind = (typeof ATTACK_OUTCOMES)[number];

export interface AttackOutcome {
  outcome: AttackOutcomeKind;
  /** What happened, in words and units, e.g. "proposal threshold: needs 25,000 tokens, had 3,012". */
  reason: string;
}

/**
 * Outcomes in which the attack never acted: no drain proposal, or the method never applied. A result over
 * such trials says nothing about the protocol's resistance to the method (a breaking point is "not tested").
 */
export const NOT_ACTED: ReadonlySet<AttackOutcomeKind> = new Set(['could-not-propose', 'no-liquidity', 'budget-exhausted', 'reverted', 'not-started', 'idle']);

/** True when the attack acted (its proposal existed and its method applied), false when it never did, null for `no-attack`. */
export function attackActed(outcome: AttackOutcomeKind): boolean | null {
  if (outcome === 'no-attack') return null;
  return !NOT_ACTED.has(outcome);
}

/** The outcome's index in ATTACK_OUTCOMES (how a numeric metric records it). */
export function outcomeCode(outcome: AttackOutcomeKind): number {
  return ATTACK_OUTCOMES.indexOf(outcome);
}

/**
 * How an episode of dao/GovernanceAttack-v0 ended for the attacker: its drain proposal's final state, or, with
 * none, could-not-propose (it tried, below the threshold: `proposeRefusal`) or idle (it never tried).
 */
export function episodeOutcome(proposalState: string, proposeRefusal: string | undefined): AttackOutcome {
  switch (proposalState) {
    case 'none':
      return proposeRefusal !== undefined ? { outcome: 'could-not-propose', reason: proposeRefusal } : { outcome: 'idle', reason: 'the policy never proposed a drain' };
    case 'executed':
    case 'defeated':
    case 'vetoed':
    case 'cancelled':
      return { outcome: proposalState, reason: `the drain proposal ended ${proposalState}` };
    default:
      return { outcome: 'unresolved', reason: `the drain proposal was still ${proposalState} when the episode ended` };
  }
}

/** One outcome's tally: how many attempts ended so, and the first one's reason. */
export interface OutcomeCount {
  outcome: string;
  count: number;
  reason: string;
}

/** Counts attempts per outcome, keeping the first reason of each (seasons of a search, episodes, trials of a row). */
export class OutcomeTally {
  private readonly byOutcome = new Map<string, OutcomeCount>();

  add(outcome: string, reason: string, count = 1): void {
    const entry = this.byOutcome.get(outcome);
    if (entry === undefined) this.byOutcome.set(outcome, { outcome, count, reason });
    else entry.count += count;
  }

  addAll(records: Iterable<OutcomeCount>): void {
    for (const record of records) this.add(record.outcome, record.reason, record.count);
  }

  count(outcome: string): number {
    return this.byOutcome.get(outcome)?.count ?? 0;
  }

  /** Most frequent first; ties in ATTACK_OUTCOMES order. */
  records(): OutcomeCount[] {
    const order = (outcome: string) => ATTACK_OUTCOMES.indexOf(outcome as AttackOutcomeKind);
    return [...this.byOutcome.values()].map((r) => ({ ...r })).sort((a, b) => b.count - a.count || order(a.outcome) - order(b.outcome));
  }
}
