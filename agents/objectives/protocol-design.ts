/**
 * The ProtocolDesign-v0 objective for black-box search: a candidate (the env's action vector) scored by
 * its mean season score over a fixed list of seeds and attackers (common random numbers across
 * candidates). Runs in pool workers through `createEvaluator`, or in-process through `scoreDesign`.
 */
import { Rng } from '../../lib/rng.ts';
import { ProtocolDesignEnv, type ProtocolDesignKwargs } from '../../envs/dao/design-env.ts';
import type { Protocol } from '../../envs/dao/protocol.ts';
import type { AttackStrategy } from '../../envs/dao/season.ts';

export interface DesignContext {
  kwargs: ProtocolDesignKwargs;
  seeds: number[];
}

export interface DesignTask {
  /** An action vector, or a whole protocol to score (e.g. a preset). */
  action?: number[];
  protocol?: Protocol;
}

export interface ProtocolScore {
  score: number;
  attackLoss: number;
  welfare: number;
  /** How the attacks ended: per outcome, how many seasons and the first one's reason. */
  outcomes: Record<string, { count: number; reason: string }>;
}

/** Mean season score of a protocol over seeds x attackers (every attacker on every seed). */
export function scoreProtocol(env: ProtocolDesignEnv, protocol: Protocol, seeds: number[]): ProtocolScore {
  let score = 0;
  let attackLoss = 0;
  let welfare = 0;
  let count = 0;
  const outcomes: ProtocolScore['outcomes'] = {};
  for (const seed of seeds) {
    for (const attack of env.attacks as AttackStrategy[]) {
      const result = env.season(protocol, attack, Rng.create(seed).stream('season'));
      score += result.score;
      attackLoss += result.attackLoss;
      welfare += result.executedValue - result.failedGoodValue;
      count++;
      const seen = outcomes[result.attack.outcome];
      if (seen === undefined) outcomes[result.attack.outcome] = { count: 1, reason: `${attack}: ${result.attack.reason}` };
      else seen.count++;
    }
  }
  return { score: score / count, attackLoss: attackLoss / count, welfare: welfare / count, outcomes };
}

/** Outcome counts of several scores added up (the first reason of each outcome kept). */
export function mergeOutcomes(scores: readonly Pick<ProtocolScore, 'outcomes'>[]): Array<{ outcome: string; count: number; reason: string }> {
  const merged = new Map<string, { outcome: string; count: number; reason: string }>();
  for (const { outcomes } of scores) {
    for (const [outcome, { count, reason }] of Object.entries(outcomes)) {
      const entry = merged.get(outcome);
      if (entry === undefined) merged.set(outcome, { outcome, count, reason });
      else entry.count += count;
    }
  }
  return [...merged.values()].sort((a, b) => b.count - a.count || (a.outcome < b.outcome ? -1 : 1));
}

export function createEvaluator(context: DesignContext): (task: DesignTask) => ProtocolScore {
  const env = new ProtocolDesignEnv(context.kwargs);
  return (task) => scoreProtocol(env, task.protocol ?? env.protocolFor(task.action!), context.seeds);
}
