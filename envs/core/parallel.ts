/**
 * Multi-agent envs with PettingZoo's Parallel API: every live agent acts each step; observations,
 * rewards, terminations, truncations and infos are objects keyed by agent name. An agent leaves
 * `agents` once it is terminated or truncated. `parallelApiTest` runs the checks of PettingZoo's
 * `parallel_api_test` (plus seeded determinism).
 */
import { Rng, SeededStream } from '../../lib/rng.ts';
import { dataEquivalent, deepCopy, EnvCheckError } from './checker.ts';
import type { Info } from './env.ts';
import type { Space } from './spaces.ts';

export type PerAgent<T> = Record<string, T>;

export interface ParallelStepResult<Obs> {
  observations: PerAgent<Obs>;
  rewards: PerAgent<number>;
  terminations: PerAgent<boolean>;
  truncations: PerAgent<boolean>;
  infos: PerAgent<Info>;
}

export abstract class ParallelEnv<Obs = unknown, Act = unknown> {
  abstract readonly possibleAgents: readonly string[];
  agents: string[] = [];
  metadata: Record<string, unknown> = { name: this.constructor.name };
  private readonly stream = new SeededStream();

  abstract observationSpace(agent: string): Space<Obs>;
  abstract actionSpace(agent: string): Space<Act>;

  get rng(): Rng {
    return this.stream.rng;
  }

  get rngSeed(): number | undefined {
    return this.stream.seed;
  }

  /** Subclasses call super.reset(options) first, then return the first observations. */
  reset(options: { seed?: number; options?: Record<string, unknown> } = {}): { observations: PerAgent<Obs>; infos: PerAgent<Info> } {
    if (options.seed !== undefined) this.stream.reseed(options.seed);
    this.agents = [...this.possibleAgents];
    return undefined as unknown as { observations: PerAgent<Obs>; infos: PerAgent<Info> };
  }

  abstract step(actions: PerAgent<Act>): ParallelStepResult<Obs>;

  close(): void {}
}

function fail(message: string): never {
  throw new EnvCheckError(message);
}

/** PettingZoo's parallel_api_test checks, and determinism under a seed. */
export function parallelApiTest<Obs, Act>(env: ParallelEnv<Obs, Act>, numCycles = 200): void {
  if (env.possibleAgents.length === 0) fail('possibleAgents is empty');
  const rollout = () => {
    const trace: unknown[] = [];
    const { observations, infos } = env.reset({ seed: 42 });
    if (!dataEquivalent(Object.keys(observations).sort(), [...env.agents].sort())) fail('reset() observations must have one entry per live agent');
    if (!dataEquivalent(Object.keys(infos).sort(), [...env.agents].sort())) fail('reset() infos must have one entry per live agent');
    for (const agent of env.agents) {
      if (!env.observationSpace(agent).contains(observations[agent])) fail(`reset() observation of '${agent}' is outside its space`);
    }
    trace.push(deepCopy(observations));
    const samplers = Object.fromEntries(env.possibleAgents.map((agent, i) => [agent, Rng.create(1000 + i)]));
    for (let cycle = 0; cycle < numCycles && env.agents.length > 0; cycle++) {
      const live = [...env.agents];
      const actions = Object.fromEntries(live.map((agent) => [agent, env.actionSpace(agent).sample(samplers[agent])])) as PerAgent<Act>;
      const result = env.step(actions);
      for (const field of ['observations', 'rewards', 'terminations', 'truncations', 'infos'] as const) {
        if (!dataEquivalent(Object.keys(result[field]).sort(), [...live].sort())) fail(`step() ${field} must have one entry per agent that acted (${live.join(', ')})`);
      }
      for (const agent of live) {
        if (!env.observationSpace(agent).contains(result.observations[agent])) fail(`step() observation of '${agent}' is outside its space`);
        const reward = result.rewards[agent];
        if (typeof reward !== 'number' || !Number.isFinite(reward)) fail(`step() reward of '${agent}' must be a finite number, got ${reward}`);
        if (typeof result.terminations[agent] !== 'boolean' || typeof result.truncations[agent] !== 'boolean') fail(`step() flags of '${agent}' must be booleans`);
        const done = result.terminations[agent] || result.truncations[agent];
        if (done === env.agents.includes(agent)) fail(`'${agent}' must leave env.agents exactly when it is terminated or truncated`);
      }
      for (const agent of env.agents) if (!env.possibleAgents.includes(agent)) fail(`'${agent}' is not in possibleAgents`);
      trace.push(deepCopy(result));
    }
    return trace;
  };
  const first = rollout();
  const second = rollout();
  if (!dataEquivalent(first, second)) fail('the env is not deterministic under reset({seed: 42}) with seeded actions');
  env.close();
  env.close();
}

/** Registry of multi-agent (Parallel API) envs, beside the single-agent one. */
const parallelRegistry = new Map<string, (kwargs: Record<string, unknown>) => ParallelEnv<unknown, unknown>>();

export function registerParallel(id: string, entryPoint: (kwargs: Record<string, unknown>) => ParallelEnv<unknown, unknown>): void {
  parallelRegistry.set(id, entryPoint);
}

export function makeParallel<Obs = unknown, Act = unknown>(id: string, kwargs: Record<string, unknown> = {}): ParallelEnv<Obs, Act> {
  const entry = parallelRegistry.get(id);
  if (entry === undefined) throw new RangeError(`no multi-agent environment registered with id '${id}'; registered: ${[...parallelRegistry.keys()].sort().join(', ') || '(none)'}`);
  return entry(kwargs) as ParallelEnv<Obs, Act>;
}

export function listParallelEnvs(): string[] {
  return [...parallelRegistry.keys()].sort();
}
