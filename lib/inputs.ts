/**
 * Input files read whole (configs, data files, models): regular files only, so a FIFO or a device cannot block
 * or flood a read, and no larger than a limit, so a huge file is refused at once instead of exhausting memory.
 */
import { readFileSync, statSync } from 'node:fs';

/** Why an input file cannot be read, in one line naming the file; callers wrap it in their own error type. */
export class InputFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputFileError';
  }
}

export const MB = 1024 * 1024;

function formatMb(bytes: number): string {
  return bytes >= MB ? `${(bytes / MB).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} kB`;
}

/**
 * The text of `path`, when it is a regular file of at most `maxBytes`. `what` names the file's role in the
 * message ('a config file', 'a data file', 'a model file').
 */
export function readInputText(path: string, what: string, maxBytes: number): string {
  if (path.trim() === '') throw new InputFileError(`'' is not a file name; give the path of ${what}`);
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new InputFileError(`${path}: is a directory, not ${what}`);
    if (!stat.isFile()) throw new InputFileError(`${path}: not a regular file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputFileError(`${path}: no such file`);
    if (code === 'ENOTDIR') throw new InputFileError(`${path}: no such file (a part of the path is not a directory)`);
    if (code === 'EACCES') throw new InputFileError(`${path}: permission denied`);
    throw error;
  }
  if (size > maxBytes) throw new InputFileError(`${path}: ${formatMb(size)} is larger than ${what} may be (${maxBytes % MB === 0 ? `${maxBytes / MB} MB` : formatMb(maxBytes)})`);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EISDIR' || code === 'EIO') throw new InputFileError(`${path}: cannot read it (${code})`);
    throw error;
  }
}
