/**
 * `npm run bench`: runs every benchmark and prints one JSON line per figure: {"name", "value", "unit", ...}.
 * `npm run bench -- cartpole` runs only the benchmarks whose name contains the argument.
 */
import { benchCartPole, type Figure } from './cartpole.ts';
import { benchAttackEnv, benchSeason, benchTally } from './dao.ts';
import { benchAgentSpeed, benchBlackBox, benchCartPoleAgents, benchDaoAgents } from './agents.ts';
import { benchGenerators } from './generators.ts';
import { benchGeneratorsPrivacy } from './generators-privacy.ts';
import { benchStore } from './runner.ts';
import { benchCompare } from './compare.ts';
import { benchMainJob } from './main-job.ts';

const benchmarks: Record<string, () => Figure[] | Promise<Figure[]>> = {
  cartpole: () => benchCartPole(),
  'dao-tally': () => benchTally(),
  'dao-attack-env': () => benchAttackEnv(),
  'dao-season': () => benchSeason(),
  'agents-blackbox': () => benchBlackBox(),
  'agents-cartpole': () => benchCartPoleAgents(),
  'agents-speed': () => benchAgentSpeed(),
  'agents-dao': () => benchDaoAgents(),
  generators: () => benchGenerators(),
  'generators-privacy': () => benchGeneratorsPrivacy(),
  'runner-store': () => benchStore(),
  'runner-compare': () => benchCompare(),
  'runner-main-job': () => benchMainJob(),
  // The same job at 4 x the seeds: how the 2-worker speed-up grows with the trials' share of the run.
  'runner-main-job-96-seeds': () => benchMainJob(96),
};

const filter = process.argv[2];
for (const [name, run] of Object.entries(benchmarks)) {
  if (filter !== undefined && !name.includes(filter)) continue;
  for (const figure of await run()) console.log(JSON.stringify(figure));
}
