/**
 * TensorFlow.js with the best backend this machine has: `@tensorflow/tfjs-node` (native, an optional
 * dependency whose install downloads libtensorflow) when it loads, else `@tensorflow/tfjs-backend-wasm`
 * (SIMD, single-threaded in Node), else the plain JS 'cpu' backend. `DAOGYM_BACKEND=node|wasm|cpu` forces
 * one. One backend per thread: parallel work runs one per worker.
 */
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<BackendName> | undefined;

/** The errors that mean a backend's package or native code is not here (anything else is a bug and propagates). */
const NOT_INSTALLED = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND', 'ERR_DLOPEN_FAILED']);

/** Why each backend passed over was not used, in the order they were tried (this thread). */
export const backendFallbacks: Array<{ backend: BackendName; reason: string }> = [];

/** Records a backend that is not installed here and returns false; rethrows any other error. */
function notInstalled(backend: BackendName, error: unknown): false {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === undefined || !NOT_INSTALLED.has(code)) throw error;
  backendFallbacks.push({ backend, reason: `${code}: ${String((error as Error).message).split('\n')[0]}` });
  return false;
}

async function tryNode(): Promise<boolean> {
  try {
    // Registers the 'tensorflow' backend when the native addon is installed.
    await import('@tensorflow/tfjs-node' as string);
  } catch (error) {
    // tfjs-node is an optional dependency that cannot install without internet access: its absence, or a
    // native addon that fails to load, means the WASM backend.
    return notInstalled('tensorflow', error);
  }
  return tf.setBackend('tensorflow');
}

async function tryWasm(): Promise<boolean> {
  // The Emscripten module installs process handlers that rethrow every uncaught error from inside its
  // one-line minified source, which then prints that whole line; take them off again.
  const before = {
    uncaughtException: new Set(process.listeners('uncaughtException')),
    unhandledRejection: new Set(process.listeners('unhandledRejection')),
  };
  try {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
    } catch (error) {
      // Without the WASM package the caller falls back to tfjs's plain CPU backend.
      return notInstalled('wasm', error);
    }
    // setBackend itself reports a backend that fails to initialise (the WASM binary missing) by returning false.
    return await tf.setBackend('wasm');
  } finally {
    for (const listener of process.listeners('uncaughtException')) {
      if (!before.uncaughtException.has(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!before.unhandledRejection.has(listener)) process.removeListener('unhandledRejection', listener);
    }
  }
}

async function choose(): Promise<BackendName> {
  const forced = process.env.DAOGYM_BACKEND;
  if (forced !== undefined && forced !== '') {
    const wanted = forced === 'node' || forced === 'tensorflow' ? 'tensorflow' : forced;
    if (!['tensorflow', 'wasm', 'cpu'].includes(wanted)) throw new Error(`DAOGYM_BACKEND must be node, wasm or cpu, got '${forced}'`);
    const ok = wanted === 'tensorflow' ? await tryNode() : wanted === 'wasm' ? await tryWasm() : await tf.setBackend('cpu');
    if (!ok) throw new Error(`DAOGYM_BACKEND=${forced}: that backend is not available here`);
  } else if (!(await tryNode()) && !(await tryWasm())) {
    await tf.setBackend('cpu');
  }
  await tf.ready();
  return tf.getBackend() as BackendName;
}

/** Selects and initialises the backend once per thread; returns its name (record it with every run). */
export function initBackend(): Promise<BackendName> {
  chosen ??= choose();
  return chosen;
}

export { tf };
