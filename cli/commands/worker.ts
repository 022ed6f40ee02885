/** `daogym worker --redis URL`: consumes trials from a BullMQ queue (for `run --executor bullmq`). */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.ts';

interface WorkerArgs {
  redis: string;
  queue: string;
  concurrency: number;
  name?: string;
}

export const command = 'worker';
export const describe = 'Run trials from a BullMQ queue on Redis (start one or more per machine)';

export function builder(yargs: Argv): Argv<WorkerArgs> {
  return yargs
    .option('redis', { type: 'string', demandOption: true, describe: 'Redis URL, e.g. redis://127.0.0.1:6379' })
    .option('queue', { type: 'string', default: 'daogym-trials', describe: 'BullMQ queue name' })
    .option('concurrency', { type: 'number', default: 1, describe: 'trials at once in this process' })
    .option('name', { type: 'string', describe: 'worker name recorded with its results (default: host:pid)' })
    .strict() as unknown as Argv<WorkerArgs>;
}

export async function handler(args: WorkerArgs): Promise<void> {
  if (!/^rediss?:\/\/[^\s]+$/.test(args.redis)) throw new UsageError(`--redis: must be a redis:// or rediss:// URL, got '${args.redis}'`);
  if (!(Number.isInteger(args.concurrency) && args.concurrency >= 1 && args.concurrency <= 64)) throw new UsageError(`--concurrency: must be an integer from 1 to 64, got ${args.concurrency}`);
  const { runWorker } = await import('../../runner/bullmq.ts');
  await runWorker({ redis: args.redis, queue: args.queue, concurrency: args.concurrency, name: args.name });
}
