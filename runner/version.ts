/** What code and machine produced a result: recorded with every run, and part of distributed job ids. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, hostname, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let cached: string | undefined;

/** package version plus the git commit when run from a checkout. */
export function codeVersion(): string {
  if (cached !== undefined) return cached;
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    cached = `${version}+${commit}${dirty ? '-dirty' : ''}`;
    return cached;
  } catch {
    // A deliberate fallback: outside a git checkout (an installed package) or without git, the package version alone.
    cached = version;
    return cached;
  }
}

export function machineDescription(): string {
  return `${hostname()} (${platform()}, ${cpus().length} cores, node ${process.versions.node})`;
}

