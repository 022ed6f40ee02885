/**
 * The Gym contract, after Gymnasium 1.x `gymnasium/core.py`.
 *
 * `reset({seed, options}) -> {observation, info}`; `step(action) -> {observation, reward, terminated,
 * truncated, info}`. `terminated` marks a true end state of the MDP; `truncated` a cut-off (time limit).
 * Seed once: a later `reset()` without a seed continues the same stream, as Gymnasium's `np_random` does.
 */
import { SeededStream, type Rng } from '../../lib/rng.ts';
import type { Space } from './spaces.ts';

export type Info = Record<string, unknown>;

export interface ResetOptions {
  seed?: number;
  options?: Record<string, unknown>;
}

export interface ResetResult<Obs> {
  observation: Obs;
  info: Info;
}

export interface StepResult<Obs> {
  observation: Obs;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

export interface EnvMetadata {
  renderModes: string[];
  renderFps?: number;
  [key: string]: unknown;
}

/** What the registry attaches to an env made by `make`. */
export interface EnvSpecLike {
  id: string;
  maxEpisodeSteps?: number | undefined;
  rewardThreshold?: number | undefined;
  kwargs: Record<string, unknown>;
}

export abstract class Env<Obs = unknown, Act = unknown> {
  abstract readonly observationSpace: Space<Obs>;
  abstract readonly actionSpace: Space<Act>;
  metadata: EnvMetadata = { renderModes: [] };
  renderMode: string | undefined = undefined;
  /** Set by `make`. */
  spec: EnvSpecLike | undefined = undefined;

  private readonly stream = new SeededStream();

  /** The env's random stream (Gymnasium's `np_random`); seeded from entropy on first use if never seeded. */
  get rng(): Rng {
    return this.stream.rng;
  }

  /** The seed the env's stream was created from, so an unseeded run can still be reproduced. */
  get rngSeed(): number | undefined {
    return this.stream.seed;
  }

  /**
   * Subclasses call `super.reset(options)` first: a given seed re-creates the stream, no seed keeps it.
   * The base returns nothing useful; subclasses build the observation.
   */
  reset(options: ResetOptions = {}): ResetResult<Obs> {
    if (options.seed !== undefined && options.seed !== null) this.stream.reseed(options.seed);
    return undefined as unknown as ResetResult<Obs>;
  }

  abstract step(action: Act): StepResult<Obs>;

  render(): unknown {
    return undefined;
  }

  close(): void {}

  /** The innermost env under any wrappers. */
  get unwrapped(): Env<unknown, unknown> {
    return this as Env<unknown, unknown>;
  }

  toString(): string {
    return `${this.constructor.name}${this.spec ? `<${this.spec.id}>` : ''}`;
  }
}

/**
 * Base for wrappers: forwards everything to the wrapped env. Subclasses override what they change,
 * and may replace `observationSpace` / `actionSpace`.
 */
export class Wrapper<Obs = unknown, Act = unknown, InnerObs = Obs, InnerAct = Act> extends Env<Obs, Act> {
  observationSpace: Space<Obs>;
  actionSpace: Space<Act>;

  constructor(readonly env: Env<InnerObs, InnerAct>) {
    super();
    this.observationSpace = env.observationSpace as unknown as Space<Obs>;
    this.actionSpace = env.actionSpace as unknown as Space<Act>;
    this.metadata = env.metadata;
    this.renderMode = env.renderMode;
    this.spec = env.spec;
  }

  override get rng(): Rng {
    return this.env.rng;
  }

  override get rngSeed(): number | undefined {
    return this.env.rngSeed;
  }

  override reset(options: ResetOptions = {}): ResetResult<Obs> {
    return this.env.reset(options) as unknown as ResetResult<Obs>;
  }

  step(action: Act): StepResult<Obs> {
    return this.env.step(action as unknown as InnerAct) as unknown as StepResult<Obs>;
  }

  override render(): unknown {
    return this.env.render();
  }

  override close(): void {
    this.env.close();
  }

  override get unwrapped(): Env<unknown, unknown> {
    return this.env.unwrapped;
  }

  override toString(): string {
    return `${this.constructor.name}<${this.env.toString()}>`;
  }

  /** The first wrapper of the given class in the chain (this one included), if any. */
  findWrapper<W>(kind: abstract new (...args: never[]) => W): W | undefined {
    let current: Env<unknown, unknown> = this as Env<unknown, unknown>;
    for (;;) {
      if (current instanceof kind) return current as W;
      if (!(current instanceof Wrapper)) return undefined;
      current = current.env as Env<unknown, unknown>;
    }
  }
}
