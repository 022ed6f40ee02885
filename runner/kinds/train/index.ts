/**
 * `kind: train`: a PPO attacker trained per protocol variant on dao/GovernanceAttack-v0, then evaluated on
 * held-out episodes; the report reads the share of profitable attacks and the learning curves.
 */
import { z } from 'zod';
import { GovernanceAttackEnv, type GovernanceAttackKwargs } from '../../../envs/dao/attack-env.ts';
import { EnvConfigError } from '../../../envs/dao/config.ts';
import { common, positiveInt, slug, strict, variant, type Problem } from '../../schema.ts';
import { variantChecks, variantWarnings } from '../checks.ts';
import { defineKind } from '../types.ts';
import { formatUnit, formatUsd } from '../../report/format.ts';
import { lazyModule } from '../../../lib/modules.ts';

const ppo = strict({
  totalTimesteps: z.number().int().min(1000).max(100_000_000).default(100_000),
  numEnvs: positiveInt(256).default(8),
  numSteps: positiveInt(100_000).default(128),
  learningRate: z.number().gt(0).max(1).default(3e-4),
  /** Where the networks train: 'fused' (WebAssembly SIMD kernels, several times faster) or 'tfjs' (TensorFlow.js). */
  trainer: z.enum(['fused', 'tfjs']).default('fused'),
});

export const schema = strict({
  kind: z.literal('train'),
  ...common,
  env: z.literal('dao/GovernanceAttack-v0').default('dao/GovernanceAttack-v0'),
  /** Env kwargs shared by every variant (members, market, treasuryUsd, budgetUsd, ...). */
  envKwargs: z.record(z.string(), z.unknown()).default({}),
  variants: z.array(variant).min(1, 'give at least one variant'),
  agent: strict({ kind: z.literal('ppo'), ...ppo.shape }).default({ kind: 'ppo', ...ppo.parse({}) }),
  evalEpisodes: positiveInt(10_000).default(50),
  report: strict({ primaryMetric: z.enum(['profitableShare', 'meanProfitUsd']).default('profitableShare'), baseline: slug.optional() }).default({ primaryMetric: 'profitableShare' }),
});

export type TrainConfig = z.output<typeof schema>;

/** The env refuses bad kwargs when it is made: made here once per variant, a mistake stops the config, not a trial. */
function envChecks(config: TrainConfig): Problem[] {
  const problems: Problem[] = [];
  config.variants.forEach((v, i) => {
    try {
      new GovernanceAttackEnv({ ...config.envKwargs, preset: v.preset, protocol: v.protocol } as GovernanceAttackKwargs).close();
    } catch (error) {
      if (!(error instanceof EnvConfigError)) throw error;
      const field = error.field.split('.')[0]!;
      const inKwargs = Object.hasOwn(config.envKwargs, field);
      problems.push([inKwargs ? ['envKwargs', ...error.field.split('.')] : ['variants', i], inKwargs ? error.message.slice(error.message.indexOf(':') + 2) : error.message]);
    }
  });
  return problems;
}

/** The trial code, loaded by the first trial (workers need it; planning does not). */
const trainTrial = lazyModule(() => import('./trial.ts'));

export const train = defineKind({
  schema,
  backend: 'tfjs',
  reportDetail: true,
  checks: (config) => [...variantChecks(config), ...envChecks(config)],
  warnings: (config) => variantWarnings(config.variants),
  plan: (config) => config.variants.map((v) => ({ variant: v.name, params: { variant: v.name } })),
  runTrial: async (config, spec) => (await trainTrial()).runTrainTrial(config, spec),
  reportSections: (config, trials) => {
    const rows = (config.variants ?? []).flatMap((variant) => {
      const episodes = trials.filter((t) => t.variant === variant.name).flatMap((t) => t.episodes ?? []);
      if (episodes.length === 0) return [];
      const profits = episodes.map((e) => Number(e.profitUsd)).sort((a, b) => a - b);
      const at = (q: number) => profits[Math.min(profits.length - 1, Math.floor(q * profits.length))]!;
      const steps = new Map<string, number>();
      for (const e of episodes) for (const [key, value] of Object.entries(e)) if (key.startsWith('action.')) steps.set(key.slice(7), (steps.get(key.slice(7)) ?? 0) + Number(value));
      const total = [...steps.values()].reduce((a, b) => a + b, 0);
      const mix = [...steps.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([name, n]) => `${name} ${formatUnit('share', n / total)}`).join(', ');
      const drained = episodes.reduce((a, e) => a + Number(e.drainedShare), 0) / episodes.length;
      return [[variant.name, String(episodes.length), `${formatUsd(at(0))} / ${formatUsd(at(0.1))} / ${formatUsd(at(0.5))} / ${formatUsd(at(0.9))} / ${formatUsd(profits.at(-1)!)}`, formatUnit('share', drained), mix || '-']];
    });
    return rows.length === 0
      ? []
      : [{ title: 'Held-out episodes of the trained attacker', headers: ['variant', 'episodes', 'profit: min / 10 % / median / 90 % / max', 'treasury drained (mean)', 'actions taken (share of steps)'], rows }];
  },
  reportSpec: (config) => ({
    title: config.name,
    primaryMetric: config.report.primaryMetric,
    higherIsBetter: false,
    metrics: ['profitableShare', 'meanProfitUsd', 'trainSeconds'],
    baselineVariant: config.report.baseline ?? config.variants[0]!.name,
    successMetric: undefined,
    // The attack env's reward is the change in the attacker's net worth, in units of its starting budget unless
    // envKwargs.rewardUnit is 'usd' (envs/dao/attack-env.ts).
    curveLabels: { evalReturn: config.envKwargs.rewardUnit === 'usd' ? 'profit (usd)' : 'profit (x budget)' },
  }),
});
