/** Small file helpers shared by everything that writes results. */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes `content` to `path` whole or not at all: to a temporary name beside it, then renamed, so a reader
 * (or a run killed mid-write) sees the old file or the new one, never half of one. A failed write or rename
 * removes the temporary file.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
