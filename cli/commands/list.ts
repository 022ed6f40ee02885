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

interface ListArgs {
  what: 'envs' | 'presets';
  json: boolean;
}

export const command = 'list <what>';
export const describe = 'List registered things: envs, presets';

export function builder(yargs: Argv): Argv<ListArgs> {
  return yargs
    .positional('what', { choices: ['envs', 'presets'] as const, describe: 'what to list' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
    .strict() as unknown as Argv<ListArgs>;
}

export function handler(args: ListArgs): void {
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
