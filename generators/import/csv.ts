/** Reading CSV files with one clear error for a missing or malformed file, naming the file and line. */
import { readFileSync } from 'node:fs';
import { parse, type Options } from 'csv-parse/sync';

export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFileError';
  }
}

/** Parses `path` with csv-parse; read and parse failures become DataFileError. */
export function parseCsvFile<T>(path: string, options: Options): T[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DataFileError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return parse(text, options) as T[];
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new DataFileError(`${path}${e.lines ? `, line ${e.lines}` : ''}: not a valid CSV file: ${e.message}`);
  }
}
