/** `daogym list envs`: what is registered. More kinds (presets, generators, agents) join as they land. */
import type { Argv } from 'yargs';
import { listEnvs, spec } from '../../envs/core/registration.ts';
import { listParallelEnvs } from '../../envs/core/parallel.ts';

interface ListArgs {
  what: 'envs';
  json: boolean;
}

export const command = 'list <what>';
export const describe = 'List registered things: envs';

export function builder(yargs: Argv): Argv<ListArgs> {
  return yargs
    .positional('what', { choices: ['envs'] as const, describe: 'what to list' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
    .strict() as unknown as Argv<ListArgs>;
}

export function handler(args: ListArgs): void {
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
