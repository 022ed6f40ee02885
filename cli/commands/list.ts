/** `daogym list envs`: what is registered. More kinds (presets, generators, agents) join as they land. */
import type { Argv } from 'yargs';
import { listEnvs, spec } from '../../envs/core/registration.ts';
import { listParallelEnvs } from '../../envs/core/parallel.ts';
import { PRESETS, presetNames, presetProtocol } from '../../envs/dao/presets.ts';
import type { Protocol } from '../../envs/dao/protocol.ts';

function describeProtocol(p: Protocol): string {
  const days = (blocks: number) => `${+(blocks / 7200).toFixed(2)}d`;
  const quorum = p.quorum.kind === 'fraction' ? `${p.quorum.fraction * 100}%` : p.quorum.kind === 'absolute' ? `${p.quorum.votes}` : p.quorum.kind;
  return `quorum ${quorum} (${p.quorumCounts}), ${p.majority.kind}, delay ${days(p.votingDelay)}, period ${days(p.votingPeriod)}, timelock ${days(p.timelock)}, snapshot ${p.snapshot}${p.guardianVeto ? ', veto' : ''}${p.ragequit ? ', ragequit' : ''}${p.emergencyCommit ? ', emergencyCommit' : ''}`;
}

const GENERATORS = [
  { name: 'parametric', describe: 'calibrated marginals + Gaussian dependence; works with no data (domain.md calibration)' },
  { name: 'copula', describe: 'Gaussian copula over empirical marginals (SDV GaussianCopula)' },
  { name: 'vae', describe: 'TVAE-style variational autoencoder (tfjs); DP-SGD optional' },
  { name: 'gan', describe: 'CTGAN-style GAN: mode-specific normalisation, WGAN-GP, PacGAN (tfjs); DP discriminator optional' },
];
const AGENTS = [
  { name: 'ppo', describe: 'PPO (CleanRL details), Discrete/MultiDiscrete/Box actions' },
  { name: 'dqn', describe: 'DQN (SB3 settings): replay, target network, epsilon schedule' },
  { name: 'cmaes', describe: 'CMA-ES (Hansen), black-box search over protocol parameters' },
  { name: 'cem', describe: 'noisy cross-entropy method (Szita & Lorincz)' },
  { name: 'random-search', describe: 'uniform random search baseline' },
  { name: 'scripted', describe: 'scripted attackers: buy-and-vote, flash-loan, bribe, late-vote, borrow-and-vote' },
];

interface ListArgs {
  what: 'envs' | 'presets' | 'generators' | 'agents';
  json: boolean;
}

export const command = 'list <what>';
export const describe = 'List what is available: envs, presets, generators, agents';

export function builder(yargs: Argv): Argv<ListArgs> {
  return yargs
    .positional('what', { choices: ['envs', 'presets', 'generators', 'agents'] as const, describe: 'what to list' })
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
    if (args.json) console.log(JSON.stringify(presets));
    else for (const p of presets) console.log(`${p.name.padEnd(20)} ${describeProtocol(p.protocol)}`);
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
