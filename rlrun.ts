import './envs/index.ts';
import { trainDqn } from './agents/dqn.ts';
import { trainPpo, PPO_CARTPOLE } from './agents/ppo.ts';
const algo = process.argv[2];
for (const seed of [1, 2, 3, 4, 5]) {
  const evaluation = { every: 5_000, episodes: 10, seed: 10_000, threshold: 475 };
  const r = algo === 'dqn' ? await trainDqn('CartPole-v1', { seed, evaluation }) : await trainPpo('CartPole-v1', { ...PPO_CARTPOLE, seed, evaluation });
  r.agent.dispose();
  console.log(JSON.stringify({ algo, seed, stepsToThreshold: r.stepsToThreshold, last: r.evaluations.at(-1)?.meanReturn, wall: +r.wallSeconds.toFixed(1), sps: Math.round(r.stepsPerSecond) }));
}
