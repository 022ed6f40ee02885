/** How a set of trials' attack attempts ended (envs/dao/attack-outcome.ts): for the report's rows and its verdict. */
import { NOT_ACTED, OutcomeTally, type AttackOutcomeKind, type OutcomeCount } from '../../envs/dao/attack-outcome.ts';
import type { TrialResult } from '../types.ts';

/** Attack outcomes of a row (envs/dao/attack-outcome.ts), over every attempt in its trials. */
export interface OutcomeSummary {
  attempts: number;
  /** Attempts per outcome, most frequent first, each with the reason of its first attempt (by trial key and seed). */
  counts: Array<{ outcome: string; count: number; reason: string }>;
  /** Attempts in which the attack never acted (no proposal, or its method never applied). */
  notActed: number;
  /** The attack never acted in a majority of attempts: the row says nothing about the protocol's resistance to it. */
  untested: boolean;
  /** The most frequent way it did not act, with a reason (null when it always acted). */
  notActedTop: OutcomeCount | null;
}

/** The outcomes of a set of trials (null when none records any); trials in key and seed order. */
export function summariseOutcomes(trials: readonly TrialResult[]): OutcomeSummary | null {
  const tally = new OutcomeTally();
  for (const trial of trials) tally.addAll(trial.outcomes ?? []);
  const counts = tally.records();
  const attempts = counts.reduce((sum, c) => sum + c.count, 0);
  if (attempts === 0) return null;
  const notActedCounts = counts.filter((c) => NOT_ACTED.has(c.outcome as AttackOutcomeKind));
  const notActed = notActedCounts.reduce((sum, c) => sum + c.count, 0);
  const noAttack = tally.count('no-attack');
  const untested = notActed > (attempts - noAttack) / 2 && attempts > noAttack;
  return { attempts, counts, notActed, untested, notActedTop: notActedCounts[0] ?? null };
}
