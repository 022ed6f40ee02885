/**
 * The `daogym` command line: thin yargs modules (one per command in cli/commands/) over the libraries.
 * Mistakes in arguments exit with code 2 and one clear line; internal errors exit 1 with a stack.
 */
import yargs from 'yargs';
import { codeVersion } from '../runner/version.ts';
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
import * as scenario from './commands/scenario.ts';
import * as show from './commands/show.ts';
import * as validateCommand from './commands/validate.ts';
import * as worker from './commands/worker.ts';
import { EXIT_USAGE, UsageError } from './errors.ts';

/**
 * yargs reads `--workers` at the end of a line, or before another option, as no value (and `--db` as ''), and the
 * command then runs with its default: a value-taking option without its value is refused instead.
 */
interface YargsOptions {
  number: string[];
  string: string[];
  alias: Record<string, string[]>;
}

function requireOptionValues(argv: readonly string[], options: YargsOptions): void {
  const canonical = new Map<string, string>();
  for (const [key, aliases] of Object.entries(options.alias)) for (const alias of aliases) canonical.set(alias, key);
  argv.forEach((token, i) => {
    const match = /^--?([A-Za-z][\w-]*)$/.exec(token);
    if (match === null) return;
    const name = canonical.get(match[1]!) ?? match[1]!;
    const kind = options.number.includes(name) ? 'a number' : options.string.includes(name) ? 'a value' : undefined;
    if (kind === undefined) return;
    const next = argv[i + 1];
    if (next === undefined || /^--?[A-Za-z]/.test(next)) throw new UsageError(`${token}: needs ${kind}`);
  });
}

/** yargs' multi-line messages in one line, naming the argument: `--format: must be one of csv, jsonl; got 'xml'`. */
function oneLine(message: string, argv: readonly string[]): string {
  const invalid = /^Invalid values:\s+Argument: ([\w-]+), Given: "(.*)", Choices: (.*)$/s.exec(message);
  if (invalid !== null) {
    const [, name, given, choices] = invalid;
    // A positional (`list things`) is named by its command.
    const flag = argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`)) ? `--${name}` : argv.some((a) => a === `-${name}`) ? `-${name}` : (argv[0] ?? name);
    return `${flag}: must be one of ${choices!.replace(/"/g, '')}; got '${given}'`;
  }
  return message.replace(/\s*\n\s*/g, '; ');
}

export async function main(argv: string[]): Promise<number> {
  // A reader that closes the pipe early (`daogym list presets | head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  // `daogym --version`: the package's version, and the git commit in a checkout (what runs record as their code).
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    console.log(codeVersion());
    return 0;
  }
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
    .command(scenario)
    .command(validateCommand)
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
    // yargs passes itself as the middleware's second argument (its typings declare only the first).
    .middleware(((_args: unknown, y: { getOptions(): YargsOptions }) => requireOptionValues(argv, y.getOptions())) as unknown as (args: unknown) => void)
    .fail((message, error) => {
      // Throwing stops yargs here: a fail handler that returns lets the command's handler run anyway.
      if (error !== undefined && error !== null && !(error instanceof UsageError)) throw error;
      throw error ?? new UsageError(oneLine(message, argv));
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
  // A command may have set its own code (130 or 143 for a run stopped by a signal).
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
