/** `daogym/agents`: PPO, DQN, CMA-ES, CEM, scripted attackers, attacker evaluation, and the worker pool they use. */
export { initBackend } from '../lib/tf.ts';
export { trainPpo, PpoAgent, PPO_DEFAULTS, PPO_CARTPOLE, type PpoConfig } from './ppo.ts';
export { trainDqn, DqnAgent, DQN_CARTPOLE, type DqnConfig } from './dqn.ts';
export { CmaEs, cmaesMinimize } from './cmaes.ts';
export { cemMinimize, randomSearchMinimize } from './cem.ts';
export { WorkerPool } from '../lib/pool.ts';
export { scriptedPolicy, scriptedPolicies } from './scripted.ts';

export { evaluateAttacker, type AttackEvaluation } from './evaluate.ts';
export { scoreProtocol, type ProtocolScore } from './protocol-score.ts';
