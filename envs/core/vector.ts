/**
 * Vector envs, after Gymnasium 1.x `gymnasium/vector/`: N copies of an env stepped together.
 *
 * Autoreset modes (Gymnasium's `AutoresetMode`):
 * - 'next-step' (default): the step that ends an episode returns that episode's final observation and
 *   info as usual; the next `step()` ignores the sub-env's action, resets it, and returns the reset
 *   observation with reward 0 and both flags false.
 * - 'same-step': the ending step resets at once and returns the reset observation; the finished
 *   episode's final observation and info are in `infos[i].finalObservation` / `infos[i].finalInfo`.
 * - 'disabled': nothing resets by itself; call `reset({options: {resetMask}})`.
 *
 * `reset({seed})` with one integer seeds sub-env i with seed + i, as Gymnasium does.
 * Infos come back as an array with one object per sub-env.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Env, type Info } from './env.ts';
import { make } from './registration.ts';
import { spaceFromJSON, type Space, type SpaceJSON } from './spaces.ts';

export type AutoresetMode = 'next-step' | 'same-step' | 'disabled';

export interface VectorResetOptions {
  seed?: number | (number | undefined)[];
  options?: Record<string, unknown> & { resetMask?: boolean[] };
}

export interface VectorResetResult<Obs> {
  observations: Obs[];
  infos: Info[];
}

export interface VectorStepResult<Obs> {
  observations: Obs[];
  rewards: Float64Array;
  terminations: boolean[];
  truncations: boolean[];
  infos: Info[];
}

type MaybePromise<T> = T | Promise<T>;

export interface VectorEnv<Obs = unknown, Act = unknown> {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space<Obs>;
  readonly singleActionSpace: Space<Act>;
  readonly autoresetMode: AutoresetMode;
  reset(options?: VectorResetOptions): MaybePromise<VectorResetResult<Obs>>;
  step(actions: readonly Act[]): MaybePromise<VectorStepResult<Obs>>;
  close(): MaybePromise<void>;
}

function seedsFor(seed: VectorResetOptions['seed'], numEnvs: number): (number | undefined)[] {
  if (seed === undefined) return new Array<undefined>(numEnvs).fill(undefined);
  if (typeof seed === 'number') return Array.from({ length: numEnvs }, (_, i) => seed + i);
  if (seed.length !== numEnvs) throw new RangeError(`reset seed list has ${seed.length} entries for ${numEnvs} envs`);
  return seed;
}

function checkActions(actions: readonly unknown[], numEnvs: number): void {
  if (actions.length !== numEnvs) throw new RangeError(`step() got ${actions.length} actions for ${numEnvs} envs`);
}

/**
 * The stepping logic shared by both vector envs: a list of envs in this thread and their autoreset
 * state. AsyncVectorEnv runs one of these inside each worker.
 */
export class EnvBatch<Obs, Act> {
  private readonly needsReset: boolean[];

  constructor(
    readonly envs: Env<Obs, Act>[],
    readonly autoresetMode: AutoresetMode,
  ) {
    this.needsReset = new Array<boolean>(envs.length).fill(false);
  }

  reset(seeds: (number | undefined)[], options: VectorResetOptions['options']): VectorResetResult<Obs> {
    const mask = options?.resetMask;
    if (mask !== undefined && mask.length !== this.envs.length) throw new RangeError(`resetMask has ${mask.length} entries for ${this.envs.length} envs`);
    const { resetMask: _ignored, ...envOptions } = options ?? {};
    const observations: Obs[] = [];
    const infos: Info[] = [];
    this.envs.forEach((env, i) => {
      if (mask !== undefined && !mask[i]) {
        observations.push(undefined as Obs);
        infos.push({});
        return;
      }
      const result = env.reset({ seed: seeds[i], options: options === undefined ? undefined : envOptions });
      observations.push(result.observation);
      infos.push(result.info);
      this.needsReset[i] = false;
    });
    return { observations, infos };
  }

  step(actions: readonly Act[]): VectorStepResult<Obs> {
    const n = this.envs.length;
    const observations = new Array<Obs>(n);
    const rewards = new Float64Array(n);
    const terminations = new Array<boolean>(n).fill(false);
    const truncations = new Array<boolean>(n).fill(false);
    const infos = new Array<Info>(n);
    for (let i = 0; i < n; i++) {
      const env = this.envs[i]!;
      if (this.autoresetMode === 'next-step' && this.needsReset[i]) {
        const reset = env.reset();
        observations[i] = reset.observation;
        infos[i] = reset.info;
      } else {
        if (this.autoresetMode === 'disabled' && this.needsReset[i]) {
          throw new Error(`sub-env ${i} finished its episode and autoreset is disabled: reset it with reset({options: {resetMask}}) first`);
        }
        const result = env.step(actions[i]!);
        rewards[i] = result.reward;
        terminations[i] = result.terminated;
        truncations[i] = result.truncated;
        if (this.autoresetMode === 'same-step' && (result.terminated || result.truncated)) {
          const reset = env.reset();
          observations[i] = reset.observation;
          infos[i] = { ...reset.info, finalObservation: result.observation, finalInfo: result.info };
        } else {
          observations[i] = result.observation;
          infos[i] = result.info;
        }
      }
      this.needsReset[i] = terminations[i]! || truncations[i]!;
    }
    return { observations, rewards, terminations, truncations, infos };
  }

  close(): void {
    for (const env of this.envs) env.close();
  }
}

export interface VectorEnvOptions {
  autoresetMode?: AutoresetMode;
}

/** Steps N envs one after another in this thread. */
export class SyncVectorEnv<Obs = unknown, Act = unknown> implements VectorEnv<Obs, Act> {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space<Obs>;
  readonly singleActionSpace: Space<Act>;
  readonly autoresetMode: AutoresetMode;
  private readonly batch: EnvBatch<Obs, Act>;
  private closed = false;

  constructor(envFns: (() => Env<Obs, Act>)[], options: VectorEnvOptions = {}) {
    if (envFns.length === 0) throw new RangeError('SyncVectorEnv needs at least one env');
    const envs = envFns.map((fn) => fn());
    this.numEnvs = envs.length;
    this.singleObservationSpace = envs[0]!.observationSpace;
    this.singleActionSpace = envs[0]!.actionSpace;
    envs.forEach((env, i) => {
      if (!env.observationSpace.equals(this.singleObservationSpace) || !env.actionSpace.equals(this.singleActionSpace)) {
        throw new TypeError(`sub-env ${i} has different spaces from sub-env 0; a vector env needs identical spaces`);
      }
    });
    this.autoresetMode = options.autoresetMode ?? 'next-step';
    this.batch = new EnvBatch(envs, this.autoresetMode);
  }

  get envs(): readonly Env<Obs, Act>[] {
    return this.batch.envs;
  }

  reset(options: VectorResetOptions = {}): VectorResetResult<Obs> {
    return this.batch.reset(seedsFor(options.seed, this.numEnvs), options.options);
  }

  step(actions: readonly Act[]): VectorStepResult<Obs> {
    checkActions(actions, this.numEnvs);
    return this.batch.step(actions);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.batch.close();
  }
}

/** `numEnvs` copies of a registered env in a SyncVectorEnv (Gymnasium's make_vec with 'sync'). */
export function makeVec<Obs = unknown, Act = unknown>(id: string, numEnvs: number, kwargs: Record<string, unknown> = {}, options: VectorEnvOptions = {}): SyncVectorEnv<Obs, Act> {
  return new SyncVectorEnv<Obs, Act>(
    Array.from({ length: numEnvs }, () => () => make<Obs, Act>(id, kwargs)),
    options,
  );
}

export interface AsyncVectorEnvOptions extends VectorEnvOptions {
  /** Worker threads to spread the envs over; default min(numEnvs, available cores). */
  numWorkers?: number;
  /** Modules each worker imports before making envs (those that register custom ids). */
  imports?: string[];
}

interface WorkerReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { message: string; stack?: string };
}

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (reason: Error) => void;
}

class EnvWorker {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, PendingCall>();
  private failure: Error | undefined;

  constructor(workerData: unknown) {
    const bootstrap = new URL(import.meta.url.endsWith('.ts') ? './vector-worker.mjs' : './vector-worker-entry.js', import.meta.url);
    this.worker = new Worker(bootstrap, { workerData });
    this.worker.on('message', (reply: WorkerReply) => {
      const call = this.pending.get(reply.id);
      if (call === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) call.resolve(reply.result);
      else {
        const error = new Error(reply.error?.message ?? 'worker call failed');
        if (reply.error?.stack) error.stack = reply.error.stack;
        call.reject(error);
      }
    });
    const failAll = (error: Error) => {
      this.failure = error;
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', (error) => failAll(error));
    this.worker.on('exit', (code) => {
      if (this.pending.size > 0 || code !== 0) failAll(new Error(`vector env worker exited with code ${code}`));
    });
  }

  call<T>(type: string, payload: Record<string, unknown> = {}): Promise<T> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, type, ...payload });
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/**
 * Steps N envs on worker threads (each worker hosts a contiguous slice of them and steps it with
 * EnvBatch). Envs are made from registered ids, since functions cannot cross threads; custom ids need
 * their registering module in `imports`. Create with `await AsyncVectorEnv.create(...)`.
 */
export class AsyncVectorEnv<Obs = unknown, Act = unknown> implements VectorEnv<Obs, Act> {
  private closed = false;

  private constructor(
    readonly numEnvs: number,
    readonly singleObservationSpace: Space<Obs>,
    readonly singleActionSpace: Space<Act>,
    readonly autoresetMode: AutoresetMode,
    private readonly workers: EnvWorker[],
    private readonly slices: { start: number; count: number }[],
  ) {}

  static async create<Obs = unknown, Act = unknown>(
    id: string,
    numEnvs: number,
    kwargs: Record<string, unknown> = {},
    options: AsyncVectorEnvOptions = {},
  ): Promise<AsyncVectorEnv<Obs, Act>> {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new RangeError(`numEnvs must be a positive integer, got ${numEnvs}`);
    const autoresetMode = options.autoresetMode ?? 'next-step';
    const numWorkers = Math.max(1, Math.min(numEnvs, options.numWorkers ?? availableParallelism()));
    const slices: { start: number; count: number }[] = [];
    for (let w = 0, start = 0; w < numWorkers; w++) {
      const count = Math.floor(numEnvs / numWorkers) + (w < numEnvs % numWorkers ? 1 : 0);
      slices.push({ start, count });
      start += count;
    }
    const imports = (options.imports ?? []).map((m) => (m.startsWith('file:') || m.startsWith('node:') ? m : new URL(m, `file://${process.cwd()}/`).href));
    const workers = slices.map(({ count }) => new EnvWorker({ id, kwargs, count, autoresetMode, imports }));
    try {
      const spaces = await Promise.all(workers.map((w) => w.call<{ observationSpace: SpaceJSON; actionSpace: SpaceJSON }>('spaces')));
      const first = spaces[0]!;
      return new AsyncVectorEnv<Obs, Act>(
        numEnvs,
        spaceFromJSON(first.observationSpace) as Space<Obs>,
        spaceFromJSON(first.actionSpace) as Space<Act>,
        autoresetMode,
        workers,
        slices,
      );
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
  }

  async reset(options: VectorResetOptions = {}): Promise<VectorResetResult<Obs>> {
    const seeds = seedsFor(options.seed, this.numEnvs);
    const mask = options.options?.resetMask;
    const parts = await Promise.all(
      this.workers.map((worker, w) => {
        const { start, count } = this.slices[w]!;
        const sliceOptions = options.options === undefined ? undefined : { ...options.options, ...(mask ? { resetMask: mask.slice(start, start + count) } : {}) };
        return worker.call<VectorResetResult<Obs>>('reset', { seeds: seeds.slice(start, start + count), options: sliceOptions });
      }),
    );
    return { observations: parts.flatMap((p) => p.observations), infos: parts.flatMap((p) => p.infos) };
  }

  async step(actions: readonly Act[]): Promise<VectorStepResult<Obs>> {
    checkActions(actions, this.numEnvs);
    const parts = await Promise.all(
      this.workers.map((worker, w) => {
        const { start, count } = this.slices[w]!;
        return worker.call<VectorStepResult<Obs>>('step', { actions: actions.slice(start, start + count) });
      }),
    );
    const rewards = new Float64Array(this.numEnvs);
    let offset = 0;
    for (const part of parts) {
      rewards.set(part.rewards, offset);
      offset += part.rewards.length;
    }
    return {
      observations: parts.flatMap((p) => p.observations),
      rewards,
      terminations: parts.flatMap((p) => p.terminations),
      truncations: parts.flatMap((p) => p.truncations),
      infos: parts.flatMap((p) => p.infos),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.workers.map((w) => w.call('close')));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
