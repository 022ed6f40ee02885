/**
 * The env registry, after Gymnasium's `envs/registration.py`: `register(spec)`, `make(id, overrides)`,
 * `spec(id)`. Ids are `[namespace/]Name[-vN]`. `make` builds the env and wraps it, innermost first, in
 * PassiveEnvChecker (unless disabled), OrderEnforcing, then TimeLimit when the spec has a step limit.
 */
import { Env } from './env.ts';
import { OrderEnforcing, PassiveEnvChecker, TimeLimit } from './wrappers.ts';

export type EnvFactory = (kwargs: Record<string, unknown>) => Env<unknown, unknown>;
export type EnvClass = new (kwargs: Record<string, unknown>) => Env<unknown, unknown>;

export interface EnvSpecInput {
  id: string;
  /** A factory `(kwargs) => Env` or an Env class taking a kwargs object. */
  entryPoint: EnvFactory | EnvClass;
  maxEpisodeSteps?: number;
  rewardThreshold?: number;
  /** True when the env is not deterministic even under a seed. */
  nondeterministic?: boolean;
  orderEnforce?: boolean;
  disableEnvChecker?: boolean;
  kwargs?: Record<string, unknown>;
  /** A module that registers this id when imported; worker threads import it to make the env. */
  module?: string;
}

export interface EnvSpec {
  id: string;
  namespace: string | undefined;
  name: string;
  version: number | undefined;
  entryPoint: EnvFactory | EnvClass;
  maxEpisodeSteps: number | undefined;
  rewardThreshold: number | undefined;
  nondeterministic: boolean;
  orderEnforce: boolean;
  disableEnvChecker: boolean;
  kwargs: Record<string, unknown>;
  module: string | undefined;
}

export class UnknownEnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownEnvError';
  }
}

const ID_PATTERN = /^(?:([\w:-]+)\/)?([\w:.-]+?)(?:-v(\d+))?$/;

export function parseEnvId(id: string): { namespace: string | undefined; name: string; version: number | undefined } {
  const match = ID_PATTERN.exec(id);
  if (match === null) {
    throw new UnknownEnvError(`malformed environment id '${id}': ids look like 'namespace/Name-v0' (namespace and version optional)`);
  }
  return { namespace: match[1], name: match[2]!, version: match[3] === undefined ? undefined : Number(match[3]) };
}

export const registry = new Map<string, EnvSpec>();

export function register(input: EnvSpecInput): EnvSpec {
  const parsed = parseEnvId(input.id);
  if (input.maxEpisodeSteps !== undefined && (!Number.isInteger(input.maxEpisodeSteps) || input.maxEpisodeSteps <= 0)) {
    throw new RangeError(`register('${input.id}'): maxEpisodeSteps must be a positive integer, got ${input.maxEpisodeSteps}`);
  }
  if (typeof input.entryPoint !== 'function') throw new TypeError(`register('${input.id}'): entryPoint must be a factory or an Env class`);
  const spec: EnvSpec = {
    id: input.id,
    ...parsed,
    entryPoint: input.entryPoint,
    maxEpisodeSteps: input.maxEpisodeSteps,
    rewardThreshold: input.rewardThreshold,
    nondeterministic: input.nondeterministic ?? false,
    orderEnforce: input.orderEnforce ?? true,
    disableEnvChecker: input.disableEnvChecker ?? false,
    kwargs: { ...(input.kwargs ?? {}) },
    module: input.module,
  };
  // Re-registering replaces the old spec (Gymnasium warns and overrides as well).
  registry.set(input.id, spec);
  return spec;
}

/** Removes an id (for tests and plugins that re-register). */
export function unregister(id: string): boolean {
  return registry.delete(id);
}

/** Levenshtein distance, for suggesting ids close to a mistyped one. */
function editDistance(a: string, b: string): number {
  const previous = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** Registered ids closest to `id`, best first. */
export function closeMatches(id: string, limit = 3): string[] {
  const needle = id.toLowerCase();
  return [...registry.keys()]
    .map((candidate) => ({ candidate, distance: editDistance(needle, candidate.toLowerCase()) }))
    .filter(({ candidate, distance }) => distance <= Math.max(3, Math.ceil(candidate.length * 0.4)))
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}

export function spec(id: string): EnvSpec {
  const found = registry.get(id);
  if (found !== undefined) return found;
  const { namespace, name, version } = parseEnvId(id);
  const sameName = [...registry.values()].filter((s) => s.namespace === namespace && s.name === name);
  let message = `no environment registered with id '${id}'.`;
  if (sameName.length > 0) {
    const versions = sameName.map((s) => s.id).sort();
    message =
      version === undefined
        ? `environment '${id}' needs a version: registered versions are ${versions.join(', ')}.`
        : `environment version v${version} of '${namespace ? `${namespace}/` : ''}${name}' does not exist; registered: ${versions.join(', ')}.`;
  } else if (namespace !== undefined && ![...registry.values()].some((s) => s.namespace === namespace)) {
    message += ` Namespace '${namespace}' has no environments.`;
  }
  const suggestions = closeMatches(id).filter((s) => !sameName.some((x) => x.id === s));
  if (suggestions.length > 0) message += ` Did you mean: ${suggestions.join(', ')}?`;
  else message += ` Registered ids: ${[...registry.keys()].sort().join(', ') || '(none)'}.`;
  throw new UnknownEnvError(message);
}

export interface MakeOptions {
  /** Overrides the spec's step limit; `null` removes it. */
  maxEpisodeSteps?: number | null;
  disableEnvChecker?: boolean;
  renderMode?: string;
}

function isClass(entry: EnvFactory | EnvClass): entry is EnvClass {
  return /^class[\s{]/.test(Function.prototype.toString.call(entry));
}

/**
 * Builds a registered env with the spec's kwargs overridden by `kwargs`, wrapped as Gymnasium's make()
 * wraps it. `kwargs.renderMode` reaches the env like any other kwarg.
 */
export function make<Obs = unknown, Act = unknown>(id: string, kwargs: Record<string, unknown> = {}, options: MakeOptions = {}): Env<Obs, Act> {
  const envSpec = spec(id);
  const merged = { ...envSpec.kwargs, ...kwargs };
  if (options.renderMode !== undefined) merged.renderMode = options.renderMode;
  const entry = envSpec.entryPoint;
  let env: Env<unknown, unknown> = isClass(entry) ? new entry(merged) : entry(merged);
  if (!(env instanceof Env)) throw new TypeError(`entry point of '${id}' did not return an Env`);
  const maxEpisodeSteps = options.maxEpisodeSteps === null ? undefined : (options.maxEpisodeSteps ?? envSpec.maxEpisodeSteps);
  env.spec = { id: envSpec.id, maxEpisodeSteps, rewardThreshold: envSpec.rewardThreshold, kwargs: merged };
  if (!(options.disableEnvChecker ?? envSpec.disableEnvChecker)) env = new PassiveEnvChecker(env);
  if (envSpec.orderEnforce) env = new OrderEnforcing(env);
  if (maxEpisodeSteps !== undefined) env = new TimeLimit(env, maxEpisodeSteps);
  return env as Env<Obs, Act>;
}

/** Registered ids, sorted. */
export function listEnvs(): string[] {
  return [...registry.keys()].sort();
}
