/**
 * A small Redis client (RESP2 over one TCP or TLS socket) for BullMQ. BullMQ 6 no longer ships a Redis
 * driver (ioredis and node-redis are optional peer dependencies); it accepts any client shaped like Bun's
 * built-in `RedisClient` (`send(command, args)`, `connected`, `onconnect`/`onclose`) and wraps it in its
 * own adapter, which does the Lua scripts, transactions and reconnection. This class is that shape, so
 * daogym talks to Redis with no driver dependency.
 *
 * Replies arrive in request order on one connection, so commands are written as they are sent (implicit
 * pipelining) and matched to a FIFO of pending promises. A command sent before the socket is open waits
 * for it, in order. `close()` rejects what is pending with "Connection closed", which BullMQ treats as an
 * intentional shutdown.
 */
import { createBunRedisClient, type IRedisClient } from 'bullmq';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export type RedisArgument = string | Buffer | number;
export type RedisReply = string | number | null | Error | RedisReply[];

/** A redis:// or rediss:// URL: host, port, optional user and password, and a database number as the path. */
export interface RedisTarget {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
  db: number;
}

export function parseRedisUrl(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a Redis URL: '${url}' (expected redis://host:port or rediss://host:port)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`not a Redis URL: '${url}' (expected redis:// or rediss://)`);
  const path = parsed.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) throw new Error(`Redis URL '${url}': the path must be a database number, got '${path}'`);
  return {
    host: parsed.hostname === '' ? '127.0.0.1' : parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    tls: parsed.protocol === 'rediss:',
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    db,
  };
}

const CRLF = Buffer.from('\r\n');
const INCOMPLETE = Symbol('incomplete');

/** Parses one reply at `offset`; INCOMPLETE when the buffer does not hold all of it yet. */
function parseReply(buffer: Buffer, offset: number): { value: RedisReply; next: number } | typeof INCOMPLETE {
  const lineEnd = buffer.indexOf(CRLF, offset);
  if (lineEnd < 0) return INCOMPLETE;
  const type = buffer[offset];
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const after = lineEnd + 2;
  switch (type) {
    case 0x2b: // '+' simple string
      return { value: line, next: after };
    case 0x2d: // '-' error
      return { value: new Error(line), next: after };
    case 0x3a: // ':' integer
      return { value: Number(line), next: after };
    case 0x24: {
      // '$' bulk string
      const length = Number(line);
      if (length < 0) return { value: null, next: after };
      if (buffer.length < after + length + 2) return INCOMPLETE;
      return { value: buffer.toString('utf8', after, after + length), next: after + length + 2 };
    }
    case 0x2a: {
      // '*' array
      const count = Number(line);
      if (count < 0) return { value: null, next: after };
      const items: RedisReply[] = [];
      let position = after;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, position);
        if (item === INCOMPLETE) return INCOMPLETE;
        items.push(item.value);
        position = item.next;
      }
      return { value: items, next: position };
    }
    default:
      throw new Error(`Redis protocol error: unexpected reply type '${String.fromCharCode(type ?? 0)}'`);
  }
}

function encodeCommand(command: string, args: readonly RedisArgument[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length + 1}\r\n$${Buffer.byteLength(command)}\r\n${command}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

interface Pending {
  resolve: (value: RedisReply) => void;
  reject: (error: Error) => void;
}

/** One Redis connection with the surface of Bun's `RedisClient` that BullMQ's adapter uses. */
export class RespConnection {
  connected = false;
  onconnect: (() => void) | null = null;
  onclose: ((error?: Error) => void) | null = null;
  onerror: ((error: Error) => void) | null = null;
  private readonly target: RedisTarget;
  private socket: Socket | undefined;
  private opening: Promise<void> | undefined;
  private closed = false;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];

  constructor(
    readonly url: string,
    private readonly connectTimeoutMs = 10_000,
  ) {
    this.target = parseRedisUrl(url);
  }

  /** Opens the socket (once), authenticates and selects the database. */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('Connection closed'));
    if (this.connected) return Promise.resolve();
    this.opening ??= this.open().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private open(): Promise<void> {
    const { host, port, tls } = this.target;
    return new Promise<void>((resolve, reject) => {
      const socket = tls ? connectTls({ host, port, servername: host }) : connectTcp({ host, port });
      const timer = setTimeout(() => socket.destroy(new Error(`Redis at ${host}:${port}: no connection within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
      const failOpen = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      socket.once('error', failOpen);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', failOpen);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 30_000);
        this.socket = socket;
        socket.on('data', (chunk: Buffer) => this.receive(chunk));
        socket.on('error', (error) => this.drop(error));
        socket.on('close', () => this.drop(new Error('Connection closed')));
        this.handshake().then(
          () => {
            if (this.closed) {
              socket.destroy();
              return reject(new Error('Connection closed'));
            }
            this.connected = true;
            resolve();
            this.onconnect?.();
          },
          (error: Error) => {
            socket.destroy();
            reject(error);
          },
        );
      });
    });
  }

  private async handshake(): Promise<void> {
    const { username, password, db } = this.target;
    if (password !== undefined) await this.write('AUTH', username !== undefined ? [username, password] : [password]);
    if (db !== 0) await this.write('SELECT', [db]);
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    while (offset < this.buffer.length) {
      let reply: ReturnType<typeof parseReply>;
      try {
        reply = parseReply(this.buffer, offset);
      } catch (error) {
        this.socket?.destroy(error as Error);
        return;
      }
      if (reply === INCOMPLETE) break;
      offset = reply.next;
      const call = this.pending.shift();
      if (call === undefined) continue;
      if (reply.value instanceof Error) call.reject(reply.value);
      else call.resolve(reply.value);
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
  }

  /** The socket went away (closed by us, by the server, or by a network error): fail what is pending. */
  private drop(error: Error): void {
    if (this.socket === undefined) return;
    const wasConnected = this.connected;
    this.socket = undefined;
    this.connected = false;
    this.buffer = Buffer.alloc(0);
    for (const call of this.pending.splice(0)) call.reject(new Error(`Connection closed: ${error.message}`));
    if (wasConnected) this.onclose?.(this.closed ? undefined : error);
  }

  private write(command: string, args: readonly RedisArgument[]): Promise<RedisReply> {
    const socket = this.socket;
    if (socket === undefined) return Promise.reject(new Error('Connection closed'));
    return new Promise<RedisReply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      socket.write(encodeCommand(command, args));
    });
  }

  /** Sends one command; before the connection is open it waits for it (in order). */
  send<T = RedisReply>(command: string, args: readonly RedisArgument[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new Error('Connection closed'));
    if (this.connected) return this.write(command, args) as Promise<T>;
    return this.connect().then(() => this.write(command, args) as Promise<T>);
  }

  get(key: string): Promise<string | null> {
    return this.send<string | null>('GET', [key]);
  }

  smembers(key: string): Promise<string[]> {
    return this.send<string[]>('SMEMBERS', [key]);
  }

  incr(key: string): Promise<number> {
    return this.send<number>('INCR', [key]);
  }

  /** A new, unconnected connection to the same server (async, as Bun's is). */
  async duplicate(): Promise<this> {
    return new RespConnection(this.url, this.connectTimeoutMs) as this;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.socket !== undefined) this.socket.destroy();
    else this.drop(new Error('Connection closed'));
  }

  /** ioredis' name for close(); BullMQ checks that a client instance has connect, disconnect and duplicate. */
  disconnect(): void {
    this.close();
  }
}

/**
 * A Redis client for BullMQ's `connection` option, through BullMQ's own adapter for Bun-shaped clients.
 * It connects on first use; BullMQ duplicates it for blocking connections. BullMQ does not close a client
 * it was given (only its own duplicates): call `disconnect()` on it after closing the queue or worker.
 */
export function bullmqConnection(url: string): IRedisClient {
  const client = createBunRedisClient(new RespConnection(url), { lazyConnect: true });
  // BullMQ listens for errors while it uses a connection and forwards them as its objects' 'error'
  // events; a lost connection of a client it no longer uses must not crash the process.
  client.on('error', () => {});
  return client;
}
