/**
 * A pool evaluator for tests that kills its worker thread: task `{ x, exit }` exits with code `exit`;
 * with `once`, only the first time (a marker file in `context.dir` records it), as a transient crash would.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function createEvaluator(context: { dir: string }): (task: { x: number; exit?: number; once?: string }) => number {
  return (task) => {
    if (task.exit === undefined) return task.x * 2;
    if (task.once !== undefined) {
      const marker = join(context.dir, task.once);
      if (existsSync(marker)) return task.x * 2;
      writeFileSync(marker, '');
    }
    process.exit(task.exit);
  };
}
