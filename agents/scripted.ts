/**
 * Scripted baselines for dao/GovernanceAttack-v0: random, do-nothing, and the named attacks
 * (buy-and-vote, flash-loan vote, bribe the cheapest voters, late-vote sniping, sybil split). Each reads
 * only the observation, as a learned policy would, and keeps its own step counter.
 */
import type { Rng } from '../lib/rng.ts';
import { ACTIONS, LEVELS, OBSERVATION_FIELDS, type AttackAction } from '../envs/dao/attack-env.ts';

export interface ScriptedPolicy {
  readonly name: string;
  reset(): void;
  act(observation: Float32Array, rng: Rng): Int32Array;
}

const field = (name: (typeof OBSERVATION_FIELDS)[number]) => OBSERVATION_FIELDS.indexOf(name);
const HAS_PROPOSAL = field('hasProposal');
const ACTIVE = field('proposalActive');
const TIME_LEFT = field('votingTimeLeft');
const action = (name: AttackAction, level = LEVELS.length - 1) => Int32Array.of(ACTIONS.indexOf(name), level);

/** A script: a list of opening moves, then a rule applied while the proposal is active. */
class Script implements ScriptedPolicy {
  private step = 0;
  private voted = false;
  constructor(
    readonly name: string,
    private readonly opening: Int32Array[],
    private readonly whileActive: (observation: Float32Array, voted: boolean) => Int32Array | undefined,
  ) {}
  reset(): void {
    this.step = 0;
    this.voted = false;
  }
  act(observation: Float32Array): Int32Array {
    const move = this.opening[this.step++];
    if (move !== undefined) return move;
    if (observation[HAS_PROPOSAL] === 1 && observation[ACTIVE] === 1) {
      const next = this.whileActive(observation, this.voted);
      if (next !== undefined) {
        if (next[0] === ACTIONS.indexOf('vote')) this.voted = true;
        return next;
      }
    }
    return action('wait', 0);
  }
}

export const scriptedPolicies: Record<string, () => ScriptedPolicy> = {
  'do-nothing': () => new Script('do-nothing', [], () => undefined),
  random: () => ({
    name: 'random',
    reset() {},
    act: (_observation, rng) => Int32Array.of(rng.int(ACTIONS.length), rng.int(LEVELS.length)),
  }),
  'buy-and-vote': () => new Script('buy-and-vote', [action('buy'), action('propose')], (_o, voted) => (voted ? undefined : action('vote'))),
  'flash-loan-vote': () => new Script('flash-loan-vote', [action('propose')], () => action('flashLoanVote')),
  'bribe-cheapest': () => new Script('bribe-cheapest', [action('propose')], () => action('bribe', 2)),
  'late-vote': () =>
    new Script('late-vote', [action('buy'), action('propose')], (o, voted) => (!voted && o[TIME_LEFT]! < 0.1 ? action('vote') : undefined)),
  'sybil-split': () => new Script('sybil-split', [action('sybilSplit'), action('buy'), action('propose')], (_o, voted) => (voted ? undefined : action('vote'))),
};

export function scriptedPolicy(name: string): ScriptedPolicy {
  const make = scriptedPolicies[name];
  if (make === undefined) throw new RangeError(`unknown scripted policy '${name}'; valid: ${Object.keys(scriptedPolicies).join(', ')}`);
  return make();
}
