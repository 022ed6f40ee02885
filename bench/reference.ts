/**
 * The Python references the benchmarks run beside daogym in the same invocation: Debian's python3-numpy and
 * python3-torch (under /usr/bin/python3 when it exists, so that a user-installed Python on PATH does not stand
 * in for them). A reference that is absent is reported as absent, never replaced by a stored figure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REFERENCE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'reference');

/** Debian's interpreter when present, else the first python3 on PATH. */
export function referencePython(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** One BLAS thread and one OpenMP thread, as daogym's single-threaded trainers. */
const SINGLE_THREAD = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

export type ReferenceResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Whether `module` imports under the reference interpreter, with its version. */
export function pythonModule(module: string): ReferenceResult<string> {
  const run = spawnSync(referencePython(), ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8', timeout: 60_000 });
  if (run.error !== undefined) return { ok: false, reason: `${referencePython()} not found` };
  if (run.status !== 0) return { ok: false, reason: `${referencePython()} has no ${module} (Debian: apt-get install python3-${module})` };
  return { ok: true, value: run.stdout.trim() };
}

/** Runs bench/reference/`script` with `args` (single-threaded) and parses the JSON line it prints. */
export function runReferenceScript<T>(script: string, args: string[], timeoutMs = 900_000): T {
  const run = spawnSync(referencePython(), [join(REFERENCE_DIR, script), ...args], { encoding: 'utf8', timeout: timeoutMs, cwd: REFERENCE_DIR, env: { ...process.env, ...SINGLE_THREAD } });
  if (run.error !== undefined) throw new Error(`the reference ${script} did not run: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`the reference ${script} failed: ${run.stderr.trim().split('\n').at(-1)}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as T;
}
