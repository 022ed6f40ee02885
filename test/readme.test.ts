/**
 * The README's commands stay true: every `daogym ...` line in its code blocks names a command that exists and only
 * options that command's `--help` lists; every `npm run X` names a script of package.json; the cheap commands run.
 * The README stays a guide (about 300 lines at most).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../bin/daogym.mjs', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const daogym = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root, timeout: 60_000 });

/** The lines of the README's code blocks other than yaml and ts, and the inline `daogym ...` / `npx daogym ...` spans. */
function commandLines(): string[] {
  const lines: string[] = [];
  for (const block of readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
    if (block[1] === 'yaml' || block[1] === 'ts') continue;
    lines.push(...block[2]!.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== ''));
  }
  for (const span of readme.matchAll(/`((?:npx )?daogym [^`]+)`/g)) lines.push(span[1]!);
  return lines;
}

test('the README is a guide of about 300 lines at most', () => {
  const count = readme.split('\n').length;
  assert.ok(count <= 300, `${count} lines`);
});

test("every daogym command in the README exists and every option it shows is in that command's --help", () => {
  const commands = commandLines()
    .filter((l) => /^(npx )?daogym\b/.test(l))
    .map((l) => l.replace(/^npx /, ''));
  assert.ok(commands.length >= 20, `${commands.length} commands found`);
  const helps = new Map<string, string>();
  const problems: string[] = [];
  for (const line of commands) {
    const words = line.split(/\s+/).slice(1);
    // The command path: the leading words that are not options, placeholders or files.
    const path: string[] = [];
    for (const word of words) {
      if (word.startsWith('-') || word.startsWith('[') || /[A-Z.\/]|\.\.\./.test(word) || word.includes('|')) break;
      path.push(word);
    }
    while (path.length > 2) path.pop();
    const key = path.join(' ');
    if (!helps.has(key)) {
      const result = daogym(...path, '--help');
      helps.set(key, result.status === 0 ? result.stdout : '');
      if (result.status !== 0) problems.push(`daogym ${key}: --help exits ${result.status}: ${result.stderr.split('\n')[0]}`);
    }
    const help = helps.get(key)!;
    for (const option of line.match(/(?<![\w-])--?[a-zA-Z][\w-]*/g) ?? []) {
      if (option === '--help' || option === '--version' || option === '-V') continue;
      // yargs lists a one-letter option as -n (and takes --n as well).
      const shown = /^--\w$/.test(option) ? [option, option.slice(1)] : [option];
      if (!shown.some((o) => help.includes(o.startsWith('--') ? o : ` ${o}`))) problems.push(`daogym ${key}: '${option}' (in "${line}") is not in its --help`);
    }
  }
  assert.is(problems.length, 0, problems.join('\n'));
});

test('every npm script the README names exists', () => {
  const scripts = Object.keys((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts);
  for (const line of commandLines().filter((l) => l.startsWith('npm '))) {
    const script = line.match(/^npm (?:run )?(\S+)/)![1]!;
    if (['install', 'ci', 'pack'].includes(script)) continue;
    assert.ok(scripts.includes(script), `npm ${script} (README) is not a script of package.json`);
  }
});

test("the README's cheap commands run: --version, list presets, demo", () => {
  for (const args of [['--version'], ['list', 'presets'], ['list', 'attacks'], ['demo', '--episodes', '1']]) {
    const result = daogym(...args);
    assert.is(result.status, 0, `daogym ${args.join(' ')}: ${result.stderr}`);
    assert.ok(result.stdout.length > 0);
  }
});

test.run();
