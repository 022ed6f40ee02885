import './envs/index.ts';
import { trainDqn } from './agents/dqn.ts';
const hidden = JSON.parse(process.argv[2]!);
for (const seed of JSON.parse(process.argv[3]!)) {
  const r = await trainDqn('CartPole-v1', { seed, hidden, evaluation: { every: 5_000, episodes: 10, seed: 10_000, threshold: 475 } });
  console.log(JSON.stringify({ hidden, seed, stepsToThreshold: r.stepsToThreshold, evals: r.evaluations.map((e) => Math.round(e.meanReturn)), wall: Math.round(r.wallSeconds) }));
  r.agent.dispose();
}
