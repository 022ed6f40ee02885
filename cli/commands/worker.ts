/** `daogym worker --redis URL`: consumes trials from a BullMQ queue (for `run --executor bullmq`). */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.ts';

interface WorkerArgs {
  redis: string;
  queue: string;
  concurrency: number;
  name?: string;
  lockDuration: number;
  stalledInterval: number;
  quiet: boolean;
}

export const command = 'worker';
export const describe = 'Run trials from a BullMQ queue on Redis (start one or more per machine)';

export function builder(yargs: Argv): Argv<WorkerArgs> {
  return yargs
    .option('redis', { type: 'string', demandOption: true, describe: 'Redis URL, e.g. redis://127.0.0.1:6379' })
    .option('queue', { type: 'string', default: 'daogym-trials', describe: 'BullMQ queue name' })
    .option('concurrency', { type: 'number', default: 1, describe: 'trials at once in this process (one worker thread each)' })
    .option('name', { type: 'string', describe: 'worker name recorded with its results (default: host:pid)' })
    .option('lock-duration', { type: 'number', default: 10_000, describe: 'ms a trial stays claimed without a lock renewal; a dead worker\'s trial is re-queued after about this' })
    .option('stalled-interval', { type: 'number', default: 5000, describe: 'ms between checks for trials of dead workers' })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' })
    .strict() as unknown as Argv<WorkerArgs>;
}

export async function handler(args: WorkerArgs): Promise<void> {
  if (!/^rediss?:\/\/[^\s]+$/.test(args.redis)) throw new UsageError(`--redis: must be a redis:// or rediss:// URL, got '${args.redis}'`);
  if (args.queue === '' || args.queue.includes(':')) throw new UsageError(`--queue: must be non-empty and contain no ':', got '${args.queue}'`);
  if (!(Number.isInteger(args.concurrency) && args.concurrency >= 1 && args.concurrency <= 64)) throw new UsageError(`--concurrency: must be an integer from 1 to 64, got ${args.concurrency}`);
  if (!(Number.isInteger(args.lockDuration) && args.lockDuration >= 500)) throw new UsageError(`--lock-duration: must be an integer number of ms, at least 500, got ${args.lockDuration}`);
  if (!(Number.isInteger(args.stalledInterval) && args.stalledInterval >= 100)) throw new UsageError(`--stalled-interval: must be an integer number of ms, at least 100, got ${args.stalledInterval}`);
  const { RedisUnreachableError, runWorker } = await import('../../runner/bullmq.ts');
  try {
    const { stoppedBy } = await runWorker({
      redis: args.redis,
      queue: args.queue,
      concurrency: args.concurrency,
      name: args.name,
      lockDurationMs: args.lockDuration,
      stalledIntervalMs: args.stalledInterval,
      log: args.quiet ? undefined : (message) => process.stderr.write(`${message}\n`),
    });
    // Stopped by a signal: 128 + its number, as shells report it.
    if (stoppedBy !== undefined) process.exitCode = stoppedBy === 'SIGTERM' ? 143 : 130;
  } catch (error) {
    // A wrong --redis or a server that is down: one line, not a stack.
    if (error instanceof RedisUnreachableError) throw new UsageError(`--redis: ${error.message}`);
    throw error;
  }
}
