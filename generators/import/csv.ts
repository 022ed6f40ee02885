/** Reading CSV files with one clear error for a missing or malformed file, naming the file and line. */
import { InputFileError, MB, readInputText } from '../../lib/inputs.ts';
import { parse, type Options } from 'csv-parse/sync';

export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFileError';
  }
}

/** Data files (CSV exports, feature tables) are read whole: at most this many bytes. */
export const MAX_DATA_BYTES = 256 * MB;

/** The text of a data file: a regular file of at most MAX_DATA_BYTES, else a DataFileError. */
export function readDataText(path: string): string {
  try {
    return readInputText(path, 'a data file', MAX_DATA_BYTES);
  } catch (error) {
    if (error instanceof InputFileError) throw new DataFileError(error.message);
    throw error;
  }
}

/** Parses `path` with csv-parse; read and parse failures become DataFileError. */
export function parseCsvFile<T>(path: string, options: Options): T[] {
  const text = readDataText(path);
  try {
    return parse(text, options) as T[];
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new DataFileError(`${path}${e.lines ? `, line ${e.lines}` : ''}: not a valid CSV file: ${e.message}`);
  }
}
