/** `daogym resume <run-id>`: continues an interrupted or killed run; finished trials are kept. */
import type { Argv } from 'yargs';
import { resumeRun } from '../../runner/run.ts';
import { checkExecutionArgs, executionOptions, withExecution, type ExecutionArgs } from './run.ts';

interface ResumeArgs extends ExecutionArgs {
  run: string;
}

export const command = 'resume <run>';
export const describe = 'Resume an interrupted run by its id (see `daogym show`)';

export function builder(yargs: Argv): Argv<ResumeArgs> {
  return executionOptions(yargs).positional('run', { type: 'string', demandOption: true, describe: 'run id' }).strict() as unknown as Argv<ResumeArgs>;
}

export async function handler(args: ResumeArgs): Promise<void> {
  checkExecutionArgs(args);
  await withExecution(args, args.run, (options) => resumeRun(args.run, options));
}
