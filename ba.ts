import { beanstalkAttackerExperiment } from './agents/experiments/beanstalk-attacker.ts';
const t = performance.now();
console.log(JSON.stringify(await beanstalkAttackerExperiment({ totalTimesteps: 60_000, evalEpisodes: 30 }), null, 1), ((performance.now() - t) / 1000).toFixed(0), 's');
