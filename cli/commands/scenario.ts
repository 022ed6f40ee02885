/** `daogym scenario <name>`: a real incident replayed as deployed and under each rule change that blocks it. */
import type { Argv } from 'yargs';
import { SCENARIOS } from '../../envs/dao/scenarios.ts';
import { formatTokens } from '../../envs/dao/refusal.ts';
import { formatUnit, formatUsd } from '../../runner/report/format.ts';
import { formatTable } from '../../runner/summary.ts';

interface ScenarioArgs {
  name: string;
  json: boolean;
}

export const command = 'scenario <name>';
export const describe = 'Replay a real incident (beanstalk, build-finance, compound-289) as deployed and under the rule changes that block it';

export function builder(yargs: Argv): Argv<ScenarioArgs> {
  return yargs
    .positional('name', { choices: SCENARIOS.map((s) => s.name), describe: 'the incident (daogym list scenarios)' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
    .strict() as unknown as Argv<ScenarioArgs>;
}

export function handler(args: ScenarioArgs): void {
  const scenario = SCENARIOS.find((s) => s.name === args.name)!;
  const rows = Object.entries(scenario.fixes).map(([fix, sets]) => ({ fix, sets, ...scenario.run(fix) }));
  if (args.json) {
    console.log(JSON.stringify({ scenario: scenario.name, title: scenario.title, real: scenario.real, results: rows }));
    return;
  }
  const deployed = rows.find((r) => r.fix === 'none')!;
  const passed = (state: string) => state === 'executed';
  console.log(`${scenario.title}: ${scenario.story}.`);
  console.log(`Real: ${scenario.real}. Replayed as deployed: the proposal ${deployed.state}${deployed.drainedUsd > 0 ? `, ${formatUsd(deployed.drainedUsd)} left the treasury` : ''}.`);
  const blocking = rows.filter((r) => r.fix !== 'none' && !passed(r.state)).map((r) => r.fix);
  console.log(blocking.length > 0 ? `Blocked by: ${blocking.join(', ')}.` : 'No rule change tried here blocks it.');
  console.log('');
  console.log(
    formatTable(
      ['rule', 'proposal', 'treasury drained', 'attacker profit', 'attacker share of votes', 'For / Against'],
      rows.map((r) => [r.fix, r.state, formatUsd(r.drainedUsd), formatUsd(r.attackerProfit), formatUnit('share', r.attackerVoteShare), `${formatTokens(r.forVotes)} / ${formatTokens(r.againstVotes)}`]),
    ),
  );
  console.log('');
  for (const r of rows) console.log(`${r.fix}: ${r.sets}`);
}
