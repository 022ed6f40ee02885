/** Worker side of AsyncVectorEnv: makes its slice of envs and answers reset/step/close calls. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Env } from './env.ts';
import { make } from './registration.ts';
import { EnvBatch, type AutoresetMode } from './vector.ts';
import '../index.ts';

interface Setup {
  id: string;
  kwargs: Record<string, unknown>;
  count: number;
  autoresetMode: AutoresetMode;
  imports: string[];
}

const setup = workerData as Setup;
for (const module of setup.imports) await import(module);

let batch: EnvBatch<unknown, unknown> | undefined;
let setupError: Error | undefined;
try {
  const envs: Env<unknown, unknown>[] = [];
  for (let i = 0; i < setup.count; i++) envs.push(make(setup.id, setup.kwargs));
  batch = new EnvBatch(envs, setup.autoresetMode);
} catch (error) {
  setupError = error as Error;
}

parentPort!.on('message', (message: { id: number; type: string; seeds?: (number | undefined)[]; options?: Record<string, unknown>; actions?: unknown[] }) => {
  try {
    if (setupError !== undefined) throw setupError;
    let result: unknown;
    switch (message.type) {
      case 'spaces':
        result = { observationSpace: batch!.envs[0]!.observationSpace.toJSON(), actionSpace: batch!.envs[0]!.actionSpace.toJSON() };
        break;
      case 'reset':
        result = batch!.reset(message.seeds!, message.options);
        break;
      case 'step':
        result = batch!.step(message.actions!);
        break;
      case 'close':
        batch!.close();
        result = null;
        break;
      default:
        throw new Error(`unknown vector env worker call '${message.type}'`);
    }
    parentPort!.postMessage({ id: message.id, ok: true, result });
  } catch (error) {
    const err = error as Error;
    parentPort!.postMessage({ id: message.id, ok: false, error: { message: err.message, stack: err.stack } });
  }
});
