/**
 * dao/AttackDefense-v0 (PettingZoo Parallel API): an attacker (as in GovernanceAttack-v0) against a
 * guardian who may veto queued proposals, among background honest grants.
 *
 * Guardian: Discrete(2), veto (1) or pass (0) on the oldest queued proposal it has not ruled on. Its
 * observation: that proposal's public signal, For and Against shares, requested share of the treasury,
 * time left in the timelock, the number of queued proposals, and the episode's progress.
 * Rewards: the attacker's as in GovernanceAttack-v0 (change in net worth, budget units); the guardian's
 *   -(usd the attacker drained this step) / treasury - falseVetoCost x (net value of honest grants it
 *   vetoed this step) / treasury.
 * Protocols run without their built-in random guardian: the guardian agent replaces it.
 */
import type { Info } from '../core/env.ts';
import { ParallelEnv, type ParallelStepResult, type PerAgent } from '../core/parallel.ts';
import { Box, Discrete, type Space } from '../core/spaces.ts';
import { ATTACK_ENV_KWARGS, GovernanceAttackEnv, type GovernanceAttackKwargs } from './attack-env.ts';
import { EnvConfigError } from './config.ts';
import type { Proposal } from './governance.ts';

export interface AttackDefenseKwargs extends GovernanceAttackKwargs {
  /** Cost per usd of honest value vetoed, relative to usd drained (default 1). */
  falseVetoCost?: number;
}

type Observation = Float32Array;
type Action = Int32Array | number;

export class AttackDefenseEnv extends ParallelEnv<Observation, Action> {
  readonly possibleAgents = ['attacker', 'guardian'] as const;
  readonly attack: GovernanceAttackEnv;
  readonly falseVetoCost: number;
  private readonly guardianObservation = new Box(-10, 10, [7], 'float32');
  private readonly guardianAction = new Discrete(2);
  private readonly ruled = new Set<number>();

  constructor(kwargs: AttackDefenseKwargs = {}) {
    super();
    const { falseVetoCost, ...rest } = kwargs;
    for (const key of Object.keys(rest)) {
      if (!ATTACK_ENV_KWARGS.includes(key)) throw new EnvConfigError(`${key}: unknown kwarg; valid kwargs: ${[...ATTACK_ENV_KWARGS, 'falseVetoCost'].join(', ')}`, key);
    }
    const cost = falseVetoCost ?? 1;
    if (typeof cost !== 'number' || !(cost >= 0)) throw new EnvConfigError(`falseVetoCost: must be a number >= 0, got ${JSON.stringify(falseVetoCost)}`, 'falseVetoCost');
    this.falseVetoCost = cost;
    this.attack = new GovernanceAttackEnv({
      honestProposalsPerMonth: 6,
      ...rest,
      // A timelock gives the guardian a window; the protocol's own random guardian is switched off.
      protocol: { timelock: 2 * 7200, ...(rest.protocol ?? {}), guardianVeto: false },
    });
  }

  observationSpace(agent: string): Space<Observation> {
    if (agent === 'attacker') return this.attack.observationSpace;
    if (agent === 'guardian') return this.guardianObservation;
    throw new RangeError(`unknown agent '${agent}'; agents: attacker, guardian`);
  }

  actionSpace(agent: string): Space<Action> {
    if (agent === 'attacker') return this.attack.actionSpace as unknown as Space<Action>;
    if (agent === 'guardian') return this.guardianAction as unknown as Space<Action>;
    throw new RangeError(`unknown agent '${agent}'; agents: attacker, guardian`);
  }

  override reset(options: { seed?: number; options?: Record<string, unknown> } = {}): { observations: PerAgent<Observation>; infos: PerAgent<Info> } {
    super.reset(options);
    this.ruled.clear();
    const first = this.attack.reset({ seed: this.rng.nextUint32() });
    return { observations: { attacker: first.observation, guardian: this.observeGuardian() }, infos: { attacker: first.info, guardian: {} } };
  }

  /** The oldest queued proposal the guardian has not ruled on. */
  private pending(): Proposal | undefined {
    return this.attack.simulation.proposals.find((p) => p.state === 'queued' && !this.ruled.has(p.id));
  }

  private observeGuardian(): Float32Array {
    const sim = this.attack.simulation;
    const p = this.pending();
    const supply = sim.tokenSupply();
    const queued = sim.proposals.filter((q) => q.state === 'queued').length;
    const timelock = Math.max(1, sim.protocol.timelock);
    const values = p === undefined ? [0, 0, 0, 0, 0] : [p.signal, p.forVotes / supply, p.againstVotes / supply, p.requestedShare, (p.eta - sim.block) / timelock];
    const out = new Float32Array(7);
    values.forEach((v, i) => (out[i] = Math.max(-10, Math.min(10, v))));
    out[5] = Math.min(10, queued);
    out[6] = Math.min(1, sim.block / Math.max(1, this.attack.horizon * this.attack.config.blocksPerStep));
    return out;
  }

  step(actions: PerAgent<Action>): ParallelStepResult<Observation> {
    for (const agent of this.agents) if (!(agent in actions)) throw new RangeError(`step() needs an action for '${agent}'`);
    const sim = this.attack.simulation;
    const treasuryNet = this.falseVetoCost;
    let guardianReward = 0;
    const guardianAction = Number(actions.guardian);
    if (guardianAction !== 0 && guardianAction !== 1) throw new RangeError(`guardian action must be 0 or 1, got ${String(actions.guardian)}`);
    const target = this.pending();
    const treasuryScale = this.attack.config.treasuryUsd;
    if (target !== undefined) {
      this.ruled.add(target.id);
      if (guardianAction === 1 && sim.veto(target)) {
        const honest = this.attack.honestGrants.find((g) => g.proposal === target);
        if (honest !== undefined) guardianReward -= (treasuryNet * Math.max(0, honest.netValue)) / treasuryScale;
      }
    }
    const drainedBefore = this.drained();
    const attackerResult = this.attack.step(actions.attacker as Int32Array);
    guardianReward -= (this.drained() - drainedBefore) / treasuryScale;
    const done = attackerResult.terminated || attackerResult.truncated;
    const observations = { attacker: attackerResult.observation, guardian: this.observeGuardian() };
    const result: ParallelStepResult<Observation> = {
      observations,
      rewards: { attacker: attackerResult.reward, guardian: guardianReward },
      terminations: { attacker: attackerResult.terminated, guardian: attackerResult.terminated },
      truncations: { attacker: attackerResult.truncated, guardian: attackerResult.truncated },
      infos: { attacker: attackerResult.info, guardian: { vetoed: guardianAction === 1 && target !== undefined, ruledOn: target?.id ?? null } },
    };
    if (done) this.agents = [];
    return result;
  }

  private drained(): number {
    return this.attack.simulation.proposals.reduce((total, p) => total + (p.proposer === 'attacker' && p.state === 'executed' ? p.paidUsd : 0), 0);
  }
}
