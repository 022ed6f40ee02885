/** `daogym list envs|presets|generators|agents|attacks|stressors|scenarios`: what is available, with units and sources. */
import type { Argv } from 'yargs';
import { GENERATOR_KINDS } from '../../generators/registry.ts';
import { listEnvs, spec } from '../../envs/core/registration.ts';
import { listParallelEnvs } from '../../envs/core/parallel.ts';
import { PRESETS, presetNames, presetProtocol } from '../../envs/dao/presets.ts';
import { ATTACK_OUTCOMES, NOT_ACTED } from '../../envs/dao/attack-outcome.ts';
import { ATTACK_STRATEGIES, STRATEGY_STEPS } from '../../envs/dao/season.ts';
import { describeProtocol } from '../../envs/dao/describe.ts';
import { SECONDS_PER_BLOCK } from '../../envs/dao/units.ts';
import { SCENARIOS } from '../../envs/dao/scenarios.ts';
import { STRESSORS } from '../../runner/kinds/stress/index.ts';


const GENERATORS = GENERATOR_KINDS.map((k) => ({ name: k.name, describe: k.describe }));
const AGENTS = [
  { name: 'ppo', describe: 'PPO (CleanRL details), Discrete/MultiDiscrete/Box actions' },
  { name: 'dqn', describe: 'DQN (SB3 settings): replay, target network, epsilon schedule' },
  { name: 'cmaes', describe: 'CMA-ES (Hansen), black-box search over protocol parameters' },
  { name: 'cem', describe: 'noisy cross-entropy method (Szita & Lorincz)' },
  { name: 'random-search', describe: 'uniform random search baseline' },
  { name: 'scripted', describe: `scripted attackers: ${ATTACK_STRATEGIES.filter((a) => a !== 'none').join(', ')} (daogym list attacks)` },
];

interface ListArgs {
  what: 'envs' | 'presets' | 'generators' | 'agents' | 'attacks' | 'stressors' | 'scenarios';
  json: boolean;
}

export const command = 'list <what>';
export const describe = 'List what is available: envs, presets, generators, agents, attacks, stressors, scenarios';

export function builder(yargs: Argv): Argv<ListArgs> {
  return yargs
    .positional('what', { choices: ['envs', 'presets', 'generators', 'agents', 'attacks', 'stressors', 'scenarios'] as const, describe: 'what to list' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
    .strict() as unknown as Argv<ListArgs>;
}

export function handler(args: ListArgs): void {
  if (args.what === 'generators' || args.what === 'agents') {
    const items = args.what === 'generators' ? GENERATORS : AGENTS;
    if (args.json) console.log(JSON.stringify(items));
    else for (const item of items) console.log(`${item.name.padEnd(14)} ${item.describe}`);
    return;
  }
  if (args.what === 'presets') {
    const presets = presetNames().map((name) => ({ name, supply: PRESETS[name]!.supply, notes: PRESETS[name]!.notes, protocol: presetProtocol(name) }));
    if (args.json) {
      console.log(JSON.stringify(presets.map((p) => ({ ...p, secondsPerBlock: SECONDS_PER_BLOCK }))));
      return;
    }
    console.log(`Durations in blocks of ${SECONDS_PER_BLOCK} s (configs take '2d', '36h', '90m' or '13140 blocks'); each value's source (contract and constant) is in envs/dao/presets.ts in the repository.`);
    for (const p of presets) console.log(`\n${p.name}: ${describeProtocol(p.protocol, p.supply)}\n  ${p.notes}`);
    return;
  }
  if (args.what === 'stressors') {
    const stressors = Object.entries(STRESSORS).map(([name, s]) => ({ name, label: s.label, low: s.low, high: s.high, populationOnly: s.populationOnly }));
    if (args.json) {
      console.log(JSON.stringify(stressors));
      return;
    }
    console.log('What a stress experiment (kind: stress, stress.stressor) may vary, and its valid range:');
    for (const s of stressors) console.log(`${s.name.padEnd(16)} ${s.label}; ${s.low} to ${s.high}${s.populationOnly ? ' (the calibrated population only)' : ''}`);
    console.log('A sweep (kind: sweep) varies protocol parameters instead: docs/config.md, "kind: sweep".');
    return;
  }
  if (args.what === 'scenarios') {
    const scenarios = SCENARIOS.map(({ name, title, story, real, fixes }) => ({ name, title, story, real, fixes }));
    if (args.json) {
      console.log(JSON.stringify(scenarios));
      return;
    }
    for (const s of scenarios) {
      console.log(`${s.name}: ${s.title}\n  ${s.story}; real: ${s.real}.`);
      for (const [fix, sets] of Object.entries(s.fixes)) console.log(`  ${fix.padEnd(14)} ${sets}`);
    }
    console.log('\nRun one: daogym scenario NAME (as deployed and under each fix).');
    return;
  }
  if (args.what === 'attacks') {
    const attacks = ATTACK_STRATEGIES.map((name) => ({ name, steps: STRATEGY_STEPS[name] }));
    if (args.json) {
      console.log(JSON.stringify({ attacks, outcomes: ATTACK_OUTCOMES, notActed: [...NOT_ACTED] }));
      return;
    }
    for (const attack of attacks) console.log(`${attack.name}\n${attack.steps.map((step, i) => `  ${i + 1}. ${step}`).join('\n')}`);
    console.log(`\nEvery attack ends in one outcome with a reason: ${ATTACK_OUTCOMES.join(', ')}.`);
    console.log(`Where it never acted (${[...NOT_ACTED].join(', ')}) in most trials, a row is marked NOT TESTED.`);
    return;
  }
  const rows = [
    ...listEnvs().map((id) => {
      const s = spec(id);
      return { id, api: 'gym', maxEpisodeSteps: s.maxEpisodeSteps ?? null, rewardThreshold: s.rewardThreshold ?? null };
    }),
    ...listParallelEnvs().map((id) => ({ id, api: 'parallel', maxEpisodeSteps: null, rewardThreshold: null })),
  ].sort((a, b) => a.id.localeCompare(b.id));
  if (args.json) {
    console.log(JSON.stringify(rows));
    return;
  }
  const width = Math.max(2, ...rows.map((r) => r.id.length));
  console.log(`${'id'.padEnd(width)}  api       max steps  reward threshold`);
  for (const row of rows) {
    console.log(`${row.id.padEnd(width)}  ${row.api.padEnd(8)}  ${String(row.maxEpisodeSteps ?? '-').padStart(9)}  ${String(row.rewardThreshold ?? '-').padStart(16)}`);
  }
}
