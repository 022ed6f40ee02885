/**
 * The `daogym` command line: thin yargs modules (one per command in cli/commands/) over the libraries.
 * Mistakes in arguments exit with code 2 and one clear line; internal errors exit 1 with a stack.
 */
import yargs from 'yargs';
import '../envs/index.ts';
import * as compare from './commands/compare.ts';
import * as data from './commands/data.ts';
import * as demo from './commands/demo.ts';
import * as generators from './commands/generators.ts';
import * as exportCommand from './commands/export.ts';
import * as list from './commands/list.ts';
import * as report from './commands/report.ts';
import * as resume from './commands/resume.ts';
import * as run from './commands/run.ts';
import * as show from './commands/show.ts';
import * as worker from './commands/worker.ts';
import { EXIT_USAGE, UsageError } from './errors.ts';

export async function main(argv: string[]): Promise<number> {
  // A reader that closes the pipe early (`daogym list presets | head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  let usageFailure: string | undefined;
  const parser = yargs(argv)
    .scriptName('daogym')
    .usage('$0 <command> [options]')
    .command(run)
    .command(resume)
    .command(show)
    .command(report)
    .command(compare)
    .command(exportCommand)
    .command(worker)
    .command(list)
    .command(demo)
    .command(data)
    .command(generators)
    .demandCommand(1, 'Give a command: run `daogym --help` to see them')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((message, error) => {
      // Throwing stops yargs here: a fail handler that returns lets the command's handler run anyway.
      if (error !== undefined && error !== null && !(error instanceof UsageError)) throw error;
      throw error ?? new UsageError(message);
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    if (error instanceof UsageError) usageFailure = error.message;
    else {
      console.error((error as Error).stack ?? String(error));
      return 1;
    }
  }
  if (usageFailure !== undefined) {
    console.error(`daogym: ${usageFailure}`);
    return EXIT_USAGE;
  }
  return 0;
}
