/** A trained attacker on dao/GovernanceAttack-v0, played on held-out episodes: profit, drains and how each episode ended. */
import { ACTIONS, GovernanceAttackEnv, type GovernanceAttackKwargs } from '../envs/dao/attack-env.ts';
import { episodeOutcome, OutcomeTally, type OutcomeCount } from '../envs/dao/attack-outcome.ts';

export interface AttackEvaluation {
  episodes: number;
  profitableShare: number;
  meanProfitUsd: number;
  /** Share of episodes in which the policy only waited. */
  idleShare: number;
  /** Mean share of the treasury's usd that left it during an episode. */
  meanDrainedShare: number;
  /** How the episodes ended: per outcome, how many and the first one's reason. */
  outcomes: OutcomeCount[];
  /** Each episode: its profit, the treasury share drained, how it ended, and how often the policy took each action. */
  records: EpisodeOfAttack[];
}

export interface EpisodeOfAttack {
  episode: number;
  profitUsd: number;
  drainedShare: number;
  outcome: string;
  /** Steps per action name (ACTIONS of dao/GovernanceAttack-v0). */
  actions: Record<string, number>;
}

export function evaluateAttacker(kwargs: GovernanceAttackKwargs, act: (observation: Float32Array) => Int32Array, episodes: number, seed: number): AttackEvaluation {
  const env = new GovernanceAttackEnv(kwargs);
  let profitable = 0;
  let profit = 0;
  let idle = 0;
  let drained = 0;
  const outcomes = new OutcomeTally();
  const records: EpisodeOfAttack[] = [];
  for (let episode = 0; episode < episodes; episode++) {
    let { observation, info } = env.reset({ seed: seed + episode });
    const treasuryBefore = info.treasuryUsd as number;
    let onlyWaited = true;
    const actions: Record<string, number> = {};
    let last: Record<string, unknown> = {};
    let proposeRefusal: string | undefined;
    for (;;) {
      const action = act(observation);
      if (action[0] !== 0) onlyWaited = false;
      const name = ACTIONS[action[0]!] ?? String(action[0]);
      actions[name] = (actions[name] ?? 0) + 1;
      const result = env.step(action);
      observation = result.observation;
      last = result.info;
      if (typeof last.actionError === 'string' && last.actionError.startsWith('proposal threshold')) proposeRefusal = last.actionError;
      if (result.terminated || result.truncated) break;
    }
    const ended = episodeOutcome(last.proposalState as string, proposeRefusal);
    outcomes.add(ended.outcome, ended.reason);
    const drainedShare = Math.max(0, treasuryBefore - (last.treasuryUsd as number)) / treasuryBefore;
    drained += drainedShare / episodes;
    const p = last.profitUsd as number;
    records.push({ episode, profitUsd: p, drainedShare, outcome: ended.outcome, actions });
    profit += p;
    if (p > 1) profitable++;
    if (onlyWaited) idle++;
  }
  return { episodes, profitableShare: profitable / episodes, meanProfitUsd: profit / episodes, idleShare: idle / episodes, meanDrainedShare: drained, outcomes: outcomes.records(), records };
}

