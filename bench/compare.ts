/**
 * Trials per second of a 200-trial `compare` experiment (4 presets x 5 attacks x 10 seeds, 20,000 members,
 * 30-day seasons) on 1 worker thread and on 2, and the ratio (the scaling; it cannot pass the core count).
 * Each executor first runs one trial per thread so that thread start-up (loading the envs takes seconds)
 * is reported apart from the steady rate. The two runs must agree trial by trial (same seeds).
 */
import { availableParallelism } from 'node:os';
import { parseExperiment } from '../runner/config.ts';
import { ThreadExecutor } from '../runner/executors.ts';
import { planTrials, seedMajor } from '../runner/plan.ts';
import { trialId } from '../runner/store.ts';
import type { TrialResult } from '../runner/types.ts';
import type { Figure } from './cartpole.ts';

const idOf = (trial: { key: string; seed: number }) => trialId(trial.key, trial.seed);

const MEMBERS = 20_000;
const DAYS = 30;

const CONFIG = `name: bench-compare
kind: compare
seed: 101
seeds: 10
variants:
  - { name: compound-bravo, preset: compound-bravo }
  - { name: oz-governor, preset: oz-governor }
  - { name: nouns, preset: nouns }
  - { name: build-finance-2022, preset: build-finance-2022 }
populations:
  - { name: calibrated, members: ${MEMBERS} }
attacks: [none, buy-and-vote, flash-loan, bribe, late-vote]
attackBudgetUsd: 20000000
season:
  days: ${DAYS}
report:
  primaryMetric: score
  metrics: [score]
`;

async function measure(workers: number): Promise<{ rate: number; startupSeconds: number; seconds: number; metrics: Map<string, string> }> {
  const config = parseExperiment(CONFIG, 'bench-compare');
  const specs = seedMajor(planTrials(config));
  const started = performance.now();
  const executor = new ThreadExecutor(config, workers);
  try {
    await executor.run(specs.slice(0, workers), () => {});
    const startupSeconds = (performance.now() - started) / 1000;
    const metrics = new Map<string, string>();
    const start = performance.now();
    await executor.run(specs, (result: TrialResult) => metrics.set(idOf(result), JSON.stringify(result.metrics)));
    const seconds = (performance.now() - start) / 1000;
    if (metrics.size !== specs.length) throw new Error(`bench-compare: ${metrics.size} results for ${specs.length} trials`);
    return { rate: specs.length / seconds, startupSeconds, seconds, metrics };
  } finally {
    await executor.close();
  }
}

export async function benchCompare(): Promise<Figure[]> {
  const one = await measure(1);
  const two = await measure(2);
  const identical = [...one.metrics].every(([id, metrics]) => two.metrics.get(id) === metrics);
  const round = (value: number, digits: number) => Number(value.toFixed(digits));
  const common = { trials: one.metrics.size, members: MEMBERS, days: DAYS };
  return [
    { name: 'runner-compare.trials_per_s.1_thread', value: round(one.rate, 2), unit: 'trials/s', ...common, seconds: round(one.seconds, 2), startupSeconds: round(one.startupSeconds, 2) },
    { name: 'runner-compare.trials_per_s.2_threads', value: round(two.rate, 2), unit: 'trials/s', ...common, seconds: round(two.seconds, 2), startupSeconds: round(two.startupSeconds, 2) },
    { name: 'runner-compare.scaling.2_vs_1', value: round(two.rate / one.rate, 2), unit: 'x', cores: availableParallelism(), identicalResults: identical },
  ];
}
