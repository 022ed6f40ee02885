// The daogym CLI, run in this process, writing the process's CPU time (all threads, seconds) to the file named by
// DAOGYM_BENCH_CPU when it exits: the main-job bench times whole runs as a user starts them.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  writeFileSync(process.env.DAOGYM_BENCH_CPU, JSON.stringify({ cpuSeconds: (user + system) / 1e6 }));
});
await import('../bin/daogym.mjs');
