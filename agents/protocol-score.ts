/** A protocol's score on dao/ProtocolDesign-v0 over seeded seasons: the objective every design search minimises. */
import { Rng } from '../lib/rng.ts';
import type { ProtocolDesignEnv } from '../envs/dao/design-env.ts';
import type { Protocol } from '../envs/dao/protocol.ts';
import { OutcomeTally, type OutcomeCount } from '../envs/dao/attack-outcome.ts';
import type { AttackStrategy } from '../envs/dao/season.ts';

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

