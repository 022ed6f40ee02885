/**
 * Output paths checked before any work starts: a bad `--out`, `--db` or `-o` is one clear problem found at once,
 * not a stack trace after every trial has run. Missing directories are made one level at a time (not with
 * `mkdirSync(..., { recursive: true })`, which spins forever under /proc on Node 20).
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Why an output path cannot be used, or undefined when it can. */
export type PathProblem = string | undefined;

function kindOf(path: string): 'file' | 'directory' | 'other' | 'missing' {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'ENOTDIR') return 'other';
    throw error;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    // access(2) answers with an error code only: every code means "not writable" here.
    return false;
  }
}

/** The nearest existing ancestor of `path` must be a writable directory; anything in between is made later. */
function ancestorProblem(path: string): PathProblem {
  let current = dirname(resolve(path));
  for (;;) {
    const kind = kindOf(current);
    if (kind === 'directory') return writable(current) ? undefined : `directory ${current} is not writable`;
    if (kind !== 'missing') return `${current} is not a directory`;
    const parent = dirname(current);
    if (parent === current) return `no existing directory above it`;
    current = parent;
  }
}

/** A file to be written (created or replaced). */
export function outputFileProblem(path: string): PathProblem {
  if (path.trim() === '') return 'is empty; give a file path';
  const kind = kindOf(path);
  if (kind === 'directory') return `${path} is a directory; give a file path`;
  if (kind === 'other') return `${path} is not a regular file`;
  if (kind === 'file' && !writable(dirname(resolve(path)))) return `directory ${dirname(resolve(path))} is not writable`;
  return ancestorProblem(path);
}

/** A directory to write into (made when missing). */
export function outputDirectoryProblem(path: string): PathProblem {
  if (path.trim() === '') return 'is empty; give a directory';
  const kind = kindOf(path);
  if (kind === 'directory') return writable(path) ? undefined : `directory ${path} is not writable`;
  if (kind !== 'missing') return `${path} exists and is not a directory`;
  return ancestorProblem(path);
}

/** Makes `directory` and its missing parents, one level at a time; throws the first failure's error. */
export function makeDirectories(directory: string): void {
  const missing: string[] = [];
  let current = resolve(directory);
  while (kindOf(current) === 'missing') {
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const path of missing.reverse()) mkdirSync(path);
}
