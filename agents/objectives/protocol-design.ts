/**
 * The ProtocolDesign-v0 objective for black-box search: a candidate (the env's action vector) scored by
 * its mean season score over a fixed list of seeds and attackers (common random numbers across
 * candidates). Runs in pool workers through `createEvaluator`, or in-process through `scoreDesign`.
 */
import { Rng } from '../../lib/rng.ts';
import { ProtocolDesignEnv, type ProtocolDesignKwargs } from '../../envs/dao/design-env.ts';
import type { Protocol } from '../../envs/dao/protocol.ts';
import { OutcomeTally, type OutcomeCount } from '../../envs/dao/attack-outcome.ts';
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
  outcomes: OutcomeCount[];
}

/** Mean season score of a protocol over seeds x attackers (every attacker on every seed). */
export function scoreProtocol(env: ProtocolDesignEnv, protocol: Protocol, seeds: number[]): ProtocolScore {
  let score = 0;
  let attackLoss = 0;
  let welfare = 0;
  let count = 0;
  const outcomes = new OutcomeTally();
  for (const seed of seeds) {
    for (const attack of env.attacks as AttackStrategy[]) {
      const result = env.season(protocol, attack, Rng.create(seed).stream('season'));
      score += result.score;
      attackLoss += result.attackLoss;
      welfare += result.executedValue - result.failedGoodValue;
      count++;
      outcomes.add(result.attack.outcome, `${attack}: ${result.attack.reason}`);
    }
  }
  return { score: score / count, attackLoss: attackLoss / count, welfare: welfare / count, outcomes: outcomes.records() };
}

export function createEvaluator(context: DesignContext): (task: DesignTask) => ProtocolScore {
  const env = new ProtocolDesignEnv(context.kwargs);
  return (task) => scoreProtocol(env, task.protocol ?? env.protocolFor(task.action!), context.seeds);
}
