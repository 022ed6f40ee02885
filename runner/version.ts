/** What code and machine produced a result: recorded with every run, and part of distributed job ids. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, hostname, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root: the folder above runner/ in a checkout, above dist/runner/ in the installed package. */
function packageRoot(): string {
  let dir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  if (!existsSync(join(dir, 'package.json'))) dir = resolve(dir, '..');
  return dir;
}

let cached: string | undefined;

/** package version plus the git commit when run from a checkout. */
export function codeVersion(): string {
  if (cached !== undefined) return cached;
  const root = packageRoot();
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  // Only a checkout of daogym itself has a commit to record: an installed package inside someone else's git
  // repository must not report their commit.
  if (!existsSync(join(root, '.git'))) return (cached = version);
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    cached = `${version}+${commit}${dirty ? '-dirty' : ''}`;
    return cached;
  } catch (error) {
    // git not installed (ENOENT) or refusing the folder (a non-zero exit, e.g. "dubious ownership"): the
    // version alone, marked so that nobody reads it as a release build. Anything else is a bug and propagates.
    const failure = error as NodeJS.ErrnoException & { status?: number | null };
    if (failure.code !== 'ENOENT' && typeof failure.status !== 'number') throw error;
    cached = `${version}+unknown-commit`;
    return cached;
  }
}

export function machineDescription(): string {
  return `${hostname()} (${platform()}, ${cpus().length} cores, node ${process.versions.node})`;
}

