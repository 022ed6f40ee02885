/**
 * `daogym demo`: runs a few episodes of an environment with a simple agent and prints their returns.
 * A smoke test of an installation; the README quick start runs it until the experiment runner lands.
 */
import type { Argv } from 'yargs';
import { Rng } from '../../lib/rng.ts';
import { make, listEnvs, spec } from '../../envs/core/registration.ts';
import { RecordEpisodeStatistics, type EpisodeStatistics } from '../../envs/core/wrappers.ts';
import { UsageError } from '../errors.ts';

interface DemoArgs {
  env: string;
  episodes: number;
  seed: number;
  agent: 'random' | 'heuristic';
  json: boolean;
}

export const command = 'demo';
export const describe = 'Run a short demo: a few episodes of an env with a random or heuristic agent';

export function builder(yargs: Argv): Argv<DemoArgs> {
  return yargs
    .option('env', { type: 'string', default: 'CartPole-v1', describe: 'registered environment id' })
    .option('episodes', { type: 'number', default: 5, describe: 'episodes to run (1-1000)' })
    .option('seed', { type: 'number', default: 0, describe: 'seed for the env and the agent' })
    .option('agent', { choices: ['random', 'heuristic'] as const, default: 'random' as const, describe: 'random actions, or the pole-angle heuristic (CartPole only)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object instead of a table' })
    .strict() as unknown as Argv<DemoArgs>;
}

export function handler(args: DemoArgs): void {
  if (!Number.isInteger(args.episodes) || args.episodes < 1 || args.episodes > 1000) {
    throw new UsageError(`--episodes must be an integer from 1 to 1000, got ${args.episodes}`);
  }
  if (!Number.isInteger(args.seed) || args.seed < 0) throw new UsageError(`--seed must be a non-negative integer, got ${args.seed}`);
  try {
    spec(args.env);
  } catch (error) {
    throw new UsageError(`--env: ${(error as Error).message}`);
  }
  if (args.agent === 'heuristic' && !args.env.startsWith('CartPole')) {
    throw new UsageError(`--agent heuristic works only on CartPole; use --agent random for ${args.env} (envs: ${listEnvs().join(', ')})`);
  }

  const env = new RecordEpisodeStatistics(make<Float32Array, unknown>(args.env));
  const agentRng = Rng.create(args.seed).stream('agent');
  const act = (observation: Float32Array): unknown =>
    args.agent === 'heuristic' ? (observation[2]! + 0.5 * observation[3]! > 0 ? 1 : 0) : env.actionSpace.sample(agentRng);

  const episodes: EpisodeStatistics[] = [];
  let { observation } = env.reset({ seed: args.seed });
  while (episodes.length < args.episodes) {
    const result = env.step(act(observation));
    observation = result.observation;
    if (result.terminated || result.truncated) {
      episodes.push(result.info.episode as EpisodeStatistics);
      if (!args.json) {
        const stats = episodes.at(-1)!;
        console.log(`episode ${String(episodes.length).padStart(3)}  return ${stats.r.toFixed(1).padStart(7)}  length ${String(stats.l).padStart(4)}`);
      }
      observation = env.reset().observation;
    }
  }
  env.close();
  const returns = episodes.map((e) => e.r);
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
  if (args.json) {
    console.log(JSON.stringify({ env: args.env, agent: args.agent, seed: args.seed, episodes: episodes.map(({ r, l }) => ({ return: r, length: l })), meanReturn: mean, stdReturn: std }));
  } else {
    console.log(`${args.env}, ${args.agent} agent, seed ${args.seed}: mean return ${mean.toFixed(2)} +- ${std.toFixed(2)} over ${episodes.length} episodes`);
  }
}
