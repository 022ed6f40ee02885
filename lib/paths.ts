/**
 * Output paths checked before any work starts: a bad `--out`, `--db` or `-o` is one clear problem found at once,
 * not a stack trace after every trial has run. Missing directories are made one level at a time (not with
 * `mkdirSync(..., { recursive: true })`, which spins forever under /proc on Node 20).
 */
import { accessSync, constants, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Why an output path cannot be used, or undefined when it can. */
export type PathProblem = string | undefined;

function kindOf(path: string): 'file' | 'directory' | 'other' | 'missing' {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: a part of the path is a file; the walk up to the nearest existing ancestor names it.
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw error;
  }
}

/** access(2)'s answers that mean "you may not write here"; any other failure propagates. */
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
    return true;
  } catch (error) {
    if (NOT_WRITABLE.has((error as NodeJS.ErrnoException).code ?? '')) return false;
    throw error;
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

/** A directory could not be made (the message names it and the system's reason). */
export class OutputPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputPathError';
  }
}

/**
 * Makes `directory` and its missing parents, one level at a time; returns the directories it made (outermost
 * first), so a caller that fails later can take them back with `removeDirectories`. On failure it removes what
 * it made and throws an OutputPathError.
 */
export function makeDirectories(directory: string): string[] {
  const missing: string[] = [];
  let current = resolve(directory);
  while (kindOf(current) === 'missing') {
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  const made: string[] = [];
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path);
    } catch (error) {
      // Another process made it meanwhile (two runs sharing --out): it is there, and not ours to remove.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && kindOf(path) === 'directory') continue;
      removeDirectories(made);
      throw new OutputPathError(`cannot make directory ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    made.push(path);
  }
  return made;
}

/** Removes directories `makeDirectories` made, innermost first, where they are still empty. */
export function removeDirectories(made: readonly string[]): void {
  for (const path of [...made].reverse()) {
    try {
      rmdirSync(path);
    } catch (error) {
      // Something was written into it meanwhile (ENOTEMPTY) or it is gone (ENOENT): leave it as it is.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'ENOENT' && code !== 'EEXIST') throw error;
    }
  }
}
