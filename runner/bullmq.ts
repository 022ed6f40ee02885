/**
 * Scale-out on Redis through BullMQ: the coordinator's executor enqueues trials, `daogym worker` processes
 * on any machine run them, and the results come back to the coordinator, which alone writes SQLite.
 *
 * - The config goes to Redis once per run, under a key named by its hash (`bull:<queue>:daogym-config:<hash>`,
 *   expiring a week after the last run that used it); a job carries that key and its trial spec.
 * - A job's id is a hash of (config hash, trial key, seed), so enqueueing a trial that is already in Redis
 *   is a no-op: a trial is computed once however often it is enqueued, and a completed job still in Redis
 *   (kept a day by default) gives its result to any later run of the same config without recomputing it.
 *   A trial is a pure function of (config, trial key, seed), so that result is the one it would compute.
 * - Results are delivered at least once (events, then a periodic check of the jobs' states in Redis, which
 *   also catches events missed while disconnected); the store's writes are idempotent, so a duplicate
 *   changes nothing.
 * - A failed attempt is retried with backoff (3 attempts by default); a trial whose attempts are exhausted
 *   rejects the run with its key and the worker's error. A trial that failed in an earlier run is retried
 *   afresh when a new run enqueues it.
 * - A worker killed mid-trial (even by SIGKILL) stops renewing its job's lock; BullMQ's stalled-job check in
 *   the other workers moves the job back to the queue within about lockDuration + 2 x stalledInterval.
 *   Trials run on worker threads so the worker's main thread is always free to renew its locks.
 *
 * BullMQ 6 ships no Redis driver; daogym gives it ioredis clients (BullMQ wraps them in its ioredis adapter).
 * Each is opened once a probe has reached the server, so an unreachable Redis fails at once instead of
 * being retried forever; once open, a lost connection is retried and commands wait for it.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue, QueueEvents, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { WorkerPool } from '../lib/pool.ts';
import type { TrialTask } from './bullmq-thread.ts';
import type { ExperimentConfig } from './config.ts';
import type { Executor } from './executors.ts';
import { configHash } from './store.ts';
import { codeVersion } from './version.ts';
import type { TrialResult, TrialSpec } from './types.ts';
import { siblingModule } from '../lib/modules.ts';

/** What a job carries: where its config is and which trial to run. */
export interface TrialJobData {
  configKey: string;
  configHash: string;
  spec: TrialSpec;
}

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

const CONFIG_TTL_SECONDS = 7 * 24 * 3600;
const ENQUEUE_CHUNK = 500;
const CHECK_CHUNK = 256;

export function configKeyFor(queue: string, hash: string): string {
  return `bull:${queue}:daogym-config:${hash}`;
}

/** The config's identity on the queue; the code version is part of it, so results cached in Redis are not reused after a code change. */
export function jobConfigHash(config: ExperimentConfig): string {
  return configHash({ config, code: codeVersion() });
}

/** Deterministic and never an integer or containing ':', as BullMQ requires of custom ids. */
export function trialJobId(hash: string, spec: Pick<TrialSpec, 'key' | 'seed'>): string {
  return `t-${createHash('sha256').update(`${hash}\n${spec.key}\n${spec.seed}`).digest('hex').slice(0, 40)}`;
}

/** A URL without its password, for descriptions and messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch (error) {
    // Not a URL at all (the URL parser's TypeError): nothing to redact; checkRedisUrl reports it to the person.
    if (error instanceof TypeError) return url;
    throw error;
  }
}

/** ioredis parses the URL; this only rejects what it would misread (another scheme, a path that is no database number). */
function checkRedisUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    // The URL parser's own message (a TypeError) names no field; this one says what a Redis URL looks like.
    if (!(error instanceof TypeError)) throw error;
    throw new Error(`not a Redis URL: '${url}' (expected redis://host:port or rediss://host:port)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`not a Redis URL: '${url}' (expected redis:// or rediss://)`);
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) throw new Error(`Redis URL '${redactRedisUrl(url)}': the path must be a database number, got '${path}'`);
}

/** Redis could not be reached (or refused the connection: authentication, database) when a run or worker started. */
export class RedisUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    super(`cannot reach Redis at ${redactRedisUrl(url)}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'RedisUnreachableError';
  }
}

const PROBE_TIMEOUT_MS = 5000;

/** Connects once, without retrying, and sends PING; fails within PROBE_TIMEOUT_MS with a RedisUnreachableError. */
export async function checkReachable(url: string): Promise<void> {
  let firstError: Error | undefined;
  const client = new Redis(url, { lazyConnect: true, connectTimeout: PROBE_TIMEOUT_MS, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', (error: Error) => (firstError ??= error));
  try {
    await client.connect();
    await client.ping();
    // ioredis reports a failed SELECT (a database the server lacks) as an event, not by rejecting.
    if (firstError !== undefined) throw firstError;
  } catch (error) {
    throw new RedisUnreachableError(url, firstError ?? error);
  } finally {
    client.disconnect();
  }
}

/**
 * A long-lived connection, for BullMQ's `connection` option and daogym's own commands. A lost connection is
 * retried with backoff while the client is open, and commands wait for it (maxRetriesPerRequest: null, which
 * BullMQ requires of blocking connections; it duplicates this client for those). BullMQ does not close a
 * client it was given: disconnect() it after closing the queue or worker.
 */
function redisConnection(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 500, 5000) });
  // BullMQ forwards errors as its objects' 'error' events while it uses the client; without a listener of
  // its own, ioredis would print the errors of a client BullMQ has stopped using.
  client.on('error', () => {});
  return client;
}

function checkQueueName(queue: string): void {
  if (queue === '' || queue.includes(':')) throw new Error(`BullMQ queue name must be non-empty and contain no ':', got '${queue}'`);
}

// JSON loses NaN, the infinities and bytes; results cross Redis as JSON, so they are tagged on the way.
const NUMBER_TAG = '$number';
const BYTES_TAG = '$bytes';

/** A JSON-safe copy of a result: non-finite numbers and Uint8Arrays tagged so fromWire restores them exactly. */
export function toWire(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, function (this: Record<string, unknown>, key: string, converted: unknown) {
      const original = this[key];
      if (typeof original === 'number' && !Number.isFinite(original)) return { [NUMBER_TAG]: String(original) };
      if (original instanceof Uint8Array) return { [BYTES_TAG]: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') };
      return converted;
    }),
  );
}

export function fromWire<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value), (_key, item: unknown) => {
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const record = item as Record<string, unknown>;
      const keys = Object.keys(record);
      if (keys.length === 1 && keys[0] === NUMBER_TAG) return Number(record[NUMBER_TAG]);
      if (keys.length === 1 && keys[0] === BYTES_TAG) return new Uint8Array(Buffer.from(String(record[BYTES_TAG]), 'base64'));
    }
    return item;
  }) as T;
}

/** A trial whose attempts on the workers are exhausted. */
export class TrialFailedError extends Error {
  constructor(
    readonly spec: TrialSpec,
    readonly reason: string,
    readonly attempts: number,
  ) {
    super(`trial ${spec.key} (seed ${spec.seed}) failed on a BullMQ worker after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`);
    this.name = 'TrialFailedError';
  }
}

export interface BullmqExecutorOptions {
  /** redis:// or rediss:// URL. */
  redis: string;
  queue: string;
  /** Merged over DEFAULT_JOB_OPTIONS (attempts, backoff, removeOnComplete, removeOnFail, priority...); jobId is always the trial's. */
  jobOptions?: JobsOptions;
  /** How often the states of the unfinished jobs are read from Redis besides the event stream (ms, default 2000). */
  pollMs?: number;
  /** Connection errors while BullMQ reconnects; library code does not print. */
  log?: (message: string) => void;
}

export class BullmqExecutor implements Executor {
  readonly description: string;
  private readonly hash: string;
  private readonly configKey: string;
  private readonly jobOptions: JobsOptions;
  private readonly pollMs: number;
  private readonly connections: Redis[] = [];
  private opened: Promise<{ queue: Queue; events: QueueEvents; redis: Redis }> | undefined;
  private stopped = false;
  private running = false;
  private checkRequested = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly config: ExperimentConfig,
    private readonly options: BullmqExecutorOptions,
  ) {
    checkRedisUrl(options.redis);
    checkQueueName(options.queue);
    this.hash = jobConfigHash(config);
    this.configKey = configKeyFor(options.queue, this.hash);
    this.jobOptions = { ...DEFAULT_JOB_OPTIONS, ...options.jobOptions };
    this.pollMs = options.pollMs ?? 2000;
    this.description = `BullMQ queue ${options.queue} on ${redactRedisUrl(options.redis)}`;
  }

  /** The queue, its events, and a connection for the config key (the queue's: BullMQ does not block on it). */
  private open(): Promise<{ queue: Queue; events: QueueEvents; redis: Redis }> {
    this.opened ??= (async () => {
      await checkReachable(this.options.redis);
      const queueConnection = redisConnection(this.options.redis);
      const eventsConnection = redisConnection(this.options.redis);
      this.connections.push(queueConnection, eventsConnection);
      const queue = new Queue(this.options.queue, { connection: queueConnection });
      const events = new QueueEvents(this.options.queue, { connection: eventsConnection });
      const onError = (error: Error) => this.options.log?.(`redis: ${error.message}`);
      queue.on('error', onError);
      events.on('error', onError);
      try {
        await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      } catch (error) {
        throw new RedisUnreachableError(this.options.redis, error);
      }
      return { queue, events, redis: queueConnection };
    })();
    return this.opened;
  }

  async run(specs: readonly TrialSpec[], onResult: (result: TrialResult) => void): Promise<void> {
    if (this.running) throw new Error('BullmqExecutor.run: one run at a time per executor');
    if (this.stopped || specs.length === 0) return;
    this.running = true;
    try {
      await this.runTrials(specs, onResult);
    } finally {
      this.running = false;
    }
  }

  private async runTrials(specs: readonly TrialSpec[], onResult: (result: TrialResult) => void): Promise<void> {
    const { queue, events, redis } = await this.open();
    await redis.set(this.configKey, JSON.stringify(this.config), 'EX', CONFIG_TTL_SECONDS);

    const outstanding = new Map<string, TrialSpec>();
    for (const spec of specs) outstanding.set(trialJobId(this.hash, spec), spec);
    let failure: Error | undefined;
    const deliver = (jobId: string, returnvalue: unknown): void => {
      if (failure !== undefined || !outstanding.has(jobId)) return;
      outstanding.delete(jobId);
      try {
        onResult(fromWire<TrialResult>(returnvalue));
      } catch (error) {
        failure = error as Error;
      }
      if (failure !== undefined || outstanding.size === 0) this.wake?.();
    };
    const onCompleted = (event: { jobId: string; returnvalue: unknown }) => deliver(event.jobId, event.returnvalue);
    // A failed event is final in BullMQ (retries are 'delayed' or 'waiting'); the state check confirms it.
    const onFailed = (event: { jobId: string }) => {
      if (!outstanding.has(event.jobId)) return;
      this.checkRequested = true;
      this.wake?.();
    };
    events.on('completed', onCompleted);
    events.on('failed', onFailed);
    try {
      await this.enqueue(queue, outstanding);
      let initial = true;
      let lastCheck = 0;
      while (failure === undefined && outstanding.size > 0) {
        if (initial || this.checkRequested || Date.now() - lastCheck >= this.pollMs) {
          this.checkRequested = false;
          lastCheck = Date.now();
          failure ??= await this.check(queue, redis, outstanding, deliver, initial);
          initial = false;
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, lastCheck + this.pollMs - Date.now()));
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    } finally {
      this.wake = undefined;
      events.off('completed', onCompleted);
      events.off('failed', onFailed);
    }
    if (failure !== undefined) throw failure;
  }

  private async enqueue(queue: Queue, outstanding: Map<string, TrialSpec>): Promise<void> {
    const ids = [...outstanding.keys()];
    for (let start = 0; start < ids.length; start += ENQUEUE_CHUNK) {
      if (this.stopped) {
        for (const id of ids.slice(start)) outstanding.delete(id);
        return;
      }
      // A trial can be delivered before its chunk is added (another coordinator's run completed it).
      const chunk = ids.slice(start, start + ENQUEUE_CHUNK).filter((id) => outstanding.has(id));
      await queue.addBulk(chunk.map((id) => this.jobFor(id, outstanding.get(id)!)));
    }
  }

  private jobFor(jobId: string, spec: TrialSpec): { name: string; data: TrialJobData; opts: JobsOptions } {
    return { name: spec.key, data: { configKey: this.configKey, configHash: this.hash, spec }, opts: { ...this.jobOptions, jobId } };
  }

  /**
   * Reads the state of every unfinished job: delivers completed ones, reports a failed one, re-adds a job
   * that vanished, and once stopped removes the ones no worker has started. On the first check after
   * enqueueing, a job already failed (by an earlier run) is retried rather than reported.
   */
  private async check(queue: Queue, redis: Redis, outstanding: Map<string, TrialSpec>, deliver: (jobId: string, returnvalue: unknown) => void, initial: boolean): Promise<Error | undefined> {
    // A run may outlast the config key's expiry; every check renews it.
    if (!initial) await redis.expire(this.configKey, CONFIG_TTL_SECONDS);
    const ids = [...outstanding.keys()];
    for (let start = 0; start < ids.length; start += CHECK_CHUNK) {
      const chunk = ids.slice(start, start + CHECK_CHUNK);
      const states = await Promise.all(chunk.map((id) => queue.getJobState(id)));
      for (let i = 0; i < chunk.length; i++) {
        const id = chunk[i]!;
        const spec = outstanding.get(id);
        if (spec === undefined) continue;
        const state = states[i]!;
        if (state === 'completed') {
          const job = await queue.getJob(id);
          if (job !== undefined && job.finishedOn !== undefined) deliver(id, job.returnvalue);
        } else if (state === 'failed') {
          const job = await queue.getJob(id);
          if (job === undefined) continue;
          // Another coordinator may retry it first; then the next check sees its new state.
          if (initial && !this.stopped) await (job as Job).retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }).catch(() => {});
          else return new TrialFailedError(spec, job.failedReason ?? 'unknown error', job.attemptsMade);
        } else if (state === 'unknown') {
          if (this.stopped) outstanding.delete(id);
          else await queue.add(spec.key, this.jobFor(id, spec).data, this.jobFor(id, spec).opts);
        } else if (this.stopped && state !== 'active') {
          // A job a worker took in the meantime is locked and stays; its result will come.
          if ((await queue.remove(id).catch(() => 0)) === 1) outstanding.delete(id);
        }
      }
    }
    return undefined;
  }

  /** Stops enqueueing, removes this run's trials that no worker has started, and waits only for the running ones. */
  stop(): void {
    this.stopped = true;
    this.checkRequested = true;
    this.wake?.();
  }

  async close(): Promise<void> {
    this.stop();
    const opened = this.opened;
    this.opened = undefined;
    if (opened !== undefined) {
      let handles: Awaited<typeof opened> | undefined;
      try {
        handles = await opened;
      } catch (error) {
        // Never opened (Redis unreachable, already reported by run): there is nothing to close but the connections.
        if (!(error instanceof RedisUnreachableError)) throw error;
      }
      if (handles !== undefined) {
        await handles.events.close();
        await handles.queue.close();
      }
    }
    for (const connection of this.connections.splice(0)) connection.disconnect();
  }
}

export interface RunWorkerOptions {
  redis: string;
  queue: string;
  /** Trials at once in this process, each on its own worker thread (default 1). */
  concurrency?: number;
  /** Recorded with each result and as the job's processedBy (default `${hostname}:${pid}`). */
  name?: string;
  /** Aborting it stops the worker like SIGINT: running trials finish, then it closes. */
  signal?: AbortSignal;
  /** Stop on SIGINT/SIGTERM (default true); a second signal closes at once, leaving running trials to be re-queued. */
  handleSignals?: boolean;
  /** How long a job's lock lasts without renewal (renewed every half of it; default 10000 ms). */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died (default 5000 ms). */
  stalledIntervalMs?: number;
  /** How many times a trial may be re-queued after its worker died before it fails (default 2). */
  maxStalledCount?: number;
  log?: (message: string) => void;
}

/** Runs a BullMQ worker until SIGINT/SIGTERM or `signal`, then closes gracefully (running trials finish). */
export async function runWorker(options: RunWorkerOptions): Promise<{ stoppedBy?: NodeJS.Signals }> {
  checkRedisUrl(options.redis);
  checkQueueName(options.queue);
  // Before the threads load the envs (seconds): an unreachable Redis fails at once.
  await checkReachable(options.redis);
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const concurrency = options.concurrency ?? 1;
  const log = options.log ?? (() => {});
  const pool = new WorkerPool<TrialTask | null, TrialResult | null>(siblingModule('./bullmq-thread.ts', import.meta.url), {}, concurrency);
  // The worker's own connection (it duplicates it for blocking reads) also reads the configs.
  const connection = redisConnection(options.redis);
  const configs = new Map<string, Promise<ExperimentConfig>>();
  let worker: Worker<TrialJobData> | undefined;

  const loadConfig = (data: TrialJobData): Promise<ExperimentConfig> => {
    let config = configs.get(data.configHash);
    if (config === undefined) {
      config = (async () => {
        const text = await connection.get(data.configKey);
        if (text === null) throw new Error(`the config ${data.configHash} is not in Redis (key ${data.configKey} expired or was deleted); run the experiment again`);
        return JSON.parse(text) as ExperimentConfig;
      })();
      config.catch(() => configs.delete(data.configHash));
      configs.set(data.configHash, config);
    }
    return config;
  };

  let stopRequests = 0;
  let requestStop: () => void = () => {};
  const stopRequested = new Promise<void>((resolve) => {
    requestStop = () => {
      stopRequests++;
      resolve();
      if (stopRequests > 1) {
        log('closing at once: running trials will be re-queued by the other workers');
        void worker?.close(true);
      }
    };
  });
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal?: unknown) => {
    if (typeof signal === 'string') stoppedBy ??= signal as NodeJS.Signals;
    requestStop();
  };
  if (options.handleSignals !== false) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  if (options.signal?.aborted) requestStop();
  options.signal?.addEventListener('abort', onSignal);

  try {
    // Threads load the envs (seconds) before the worker claims a job, so no job is locked while they do.
    await Promise.all(Array.from({ length: concurrency }, () => pool.run(null)));
    if (stopRequests > 0) return { stoppedBy };
    worker = new Worker<TrialJobData>(
      options.queue,
      async (job) => {
        const config = await loadConfig(job.data);
        const result = await pool.run({ config, spec: job.data.spec });
        return toWire({ ...result!, worker: name });
      },
      {
        connection,
        concurrency,
        name,
        lockDuration: options.lockDurationMs ?? 10_000,
        stalledInterval: options.stalledIntervalMs ?? 5000,
        maxStalledCount: options.maxStalledCount ?? 2,
      },
    );
    worker.on('error', (error) => log(`redis: ${error.message}`));
    worker.on('failed', (job, error) => log(`trial ${job?.data.spec.key ?? '?'} (seed ${job?.data.spec.seed ?? '?'}) failed: ${error.message}`));
    try {
      await worker.waitUntilReady();
    } catch (error) {
      throw new RedisUnreachableError(options.redis, error);
    }
    log(`worker ${name}: running trials from queue ${options.queue} on ${redactRedisUrl(options.redis)} (${concurrency} at once)`);
    await stopRequested;
    log(`worker ${name}: stopping after the running trials`);
    await worker.close(stopRequests > 1);
    return { stoppedBy };
  } finally {
    if (options.handleSignals !== false) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    options.signal?.removeEventListener('abort', onSignal);
    if (worker !== undefined) await worker.close(true).catch(() => {});
    await pool.close();
    connection.disconnect();
  }
}
