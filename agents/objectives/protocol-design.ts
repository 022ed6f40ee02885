/**
 * The ProtocolDesign-v0 objective for black-box search: a candidate (the env's action vector) scored by
 * its mean season score over a fixed list of seeds and attackers (common random numbers across
 * candidates). Runs in pool workers through `createEvaluator`, or in-process through `scoreDesign`.
 */
import { ProtocolDesignEnv, type ProtocolDesignKwargs } from '../../envs/dao/design-env.ts';
import type { Protocol } from '../../envs/dao/protocol.ts';
import { scoreProtocol, type ProtocolScore } from '../protocol-score.ts';

export interface DesignContext {
  kwargs: ProtocolDesignKwargs;
  seeds: number[];
}

export interface DesignTask {
  /** An action vector, or a whole protocol to score (e.g. a preset). */
  action?: number[];
  protocol?: Protocol;
}

export function createEvaluator(context: DesignContext): (task: DesignTask) => ProtocolScore {
  const env = new ProtocolDesignEnv(context.kwargs);
  return (task) => scoreProtocol(env, task.protocol ?? env.protocolFor(task.action!), context.seeds);
}

export { scoreProtocol, type ProtocolScore } from '../protocol-score.ts';
