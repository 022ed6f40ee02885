/**
 * Wrappers, after Gymnasium 1.x `gymnasium/wrappers/`: OrderEnforcing, PassiveEnvChecker, TimeLimit,
 * RecordEpisodeStatistics, NormalizeObservation, NormalizeReward, ClipAction, FlattenObservation.
 * Hot-path wrappers amend the inner step result in place rather than copying it.
 */
import { RunningMeanStd } from '../../lib/running-stats.ts';
import { warn } from '../../lib/warnings.ts';
import { checkResetResult, checkSpace, checkStepResult } from './checker.ts';
import { Env, Wrapper, type ResetOptions, type ResetResult, type StepResult } from './env.ts';
import { Box, flatten, type BoxValue, type Space } from './spaces.ts';

export class ResetNeeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResetNeeded';
  }
}

/** Throws if `step()` (or `render()`) comes before the first `reset()`. */
export class OrderEnforcing<Obs, Act> extends Wrapper<Obs, Act> {
  private hasReset = false;

  constructor(
    env: Env<Obs, Act>,
    private readonly disableRenderOrderEnforcing = false,
  ) {
    super(env);
  }

  override reset(options: ResetOptions = {}): ResetResult<Obs> {
    this.hasReset = true;
    return this.env.reset(options);
  }

  override step(action: Act): StepResult<Obs> {
    if (!this.hasReset) throw new ResetNeeded('Cannot call env.step() before calling env.reset()');
    return this.env.step(action);
  }

  override render(): unknown {
    if (!this.disableRenderOrderEnforcing && !this.hasReset) {
      throw new ResetNeeded('Cannot call env.render() before calling env.reset(); pass disableRenderOrderEnforcing to allow it');
    }
    return this.env.render();
  }

  get hasResetBefore(): boolean {
    return this.hasReset;
  }
}

/** Checks the first reset and step against the spaces and the API (Gymnasium's PassiveEnvChecker). */
export class PassiveEnvChecker<Obs, Act> extends Wrapper<Obs, Act> {
  private checkedReset = false;
  private checkedStep = false;

  constructor(env: Env<Obs, Act>) {
    super(env);
    for (const message of [...checkSpace(env.observationSpace, 'observation'), ...checkSpace(env.actionSpace, 'action')]) warn(message);
  }

  override reset(options: ResetOptions = {}): ResetResult<Obs> {
    const result = this.env.reset(options);
    if (!this.checkedReset) {
      this.checkedReset = true;
      for (const message of checkResetResult(this.env, result)) warn(message);
    }
    return result;
  }

  override step(action: Act): StepResult<Obs> {
    const result = this.env.step(action);
    if (!this.checkedStep) {
      this.checkedStep = true;
      for (const message of checkStepResult(this.env, result)) warn(message);
    }
    return result;
  }
}

/** Truncates an episode after `maxEpisodeSteps` steps. */
export class TimeLimit<Obs, Act> extends Wrapper<Obs, Act> {
  private elapsed = 0;

  constructor(
    env: Env<Obs, Act>,
    readonly maxEpisodeSteps: number,
  ) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0) {
      throw new RangeError(`TimeLimit maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    }
  }

  override reset(options: ResetOptions = {}): ResetResult<Obs> {
    this.elapsed = 0;
    return this.env.reset(options);
  }

  override step(action: Act): StepResult<Obs> {
    const result = this.env.step(action);
    this.elapsed++;
    if (this.elapsed >= this.maxEpisodeSteps) result.truncated = true;
    return result;
  }

  get elapsedSteps(): number {
    return this.elapsed;
  }
}

export interface EpisodeStatistics {
  /** Undiscounted return. */
  r: number;
  /** Length in steps. */
  l: number;
  /** Wall time of the episode in seconds. */
  t: number;
}

/**
 * At the end of each episode puts `info.episode = {r, l, t}` and keeps the last `bufferLength`
 * returns, lengths and times in queues (Gymnasium's RecordEpisodeStatistics).
 */
export class RecordEpisodeStatistics<Obs, Act> extends Wrapper<Obs, Act> {
  readonly returnQueue: number[] = [];
  readonly lengthQueue: number[] = [];
  readonly timeQueue: number[] = [];
  episodeCount = 0;
  private episodeReturn = 0;
  private episodeLength = 0;
  private episodeStart = 0;

  constructor(
    env: Env<Obs, Act>,
    readonly bufferLength = 100,
    readonly statsKey = 'episode',
  ) {
    super(env);
  }

  override reset(options: ResetOptions = {}): ResetResult<Obs> {
    const result = this.env.reset(options);
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.episodeStart = performance.now();
    return result;
  }

  override step(action: Act): StepResult<Obs> {
    const result = this.env.step(action);
    this.episodeReturn += result.reward;
    this.episodeLength++;
    if (result.terminated || result.truncated) {
      if (this.statsKey in result.info) throw new Error(`RecordEpisodeStatistics: info already has a '${this.statsKey}' key`);
      const seconds = Math.round((performance.now() - this.episodeStart) * 1000) / 1e6;
      const stats: EpisodeStatistics = { r: this.episodeReturn, l: this.episodeLength, t: seconds };
      result.info = { ...result.info, [this.statsKey]: stats };
      this.push(this.returnQueue, this.episodeReturn);
      this.push(this.lengthQueue, this.episodeLength);
      this.push(this.timeQueue, seconds);
      this.episodeCount++;
    }
    return result;
  }

  private push(queue: number[], value: number): void {
    queue.push(value);
    if (queue.length > this.bufferLength) queue.shift();
  }
}

function requireBox(space: Space, wrapper: string, which: string): Box {
  if (!(space instanceof Box)) throw new TypeError(`${wrapper} needs a Box ${which} space, got ${space}`);
  return space;
}

/**
 * Normalises observations to zero mean and unit variance with running statistics:
 * (obs - mean) / sqrt(var + epsilon). Set `updateRunningMean = false` to freeze them (evaluation).
 */
export class NormalizeObservation<Act> extends Wrapper<Float32Array, Act, BoxValue, Act> {
  readonly obsRms: RunningMeanStd;
  updateRunningMean = true;

  constructor(
    env: Env<BoxValue, Act>,
    readonly epsilon = 1e-8,
  ) {
    super(env);
    const box = requireBox(env.observationSpace, 'NormalizeObservation', 'observation');
    this.obsRms = new RunningMeanStd(box.size);
    this.observationSpace = new Box(-Infinity, Infinity, box.shape, 'float32') as unknown as Space<Float32Array>;
  }

  private normalize(observation: BoxValue): Float32Array {
    if (this.updateRunningMean) this.obsRms.updateOne(observation);
    const out = new Float32Array(observation.length);
    for (let i = 0; i < out.length; i++) out[i] = (observation[i]! - this.obsRms.mean[i]!) / Math.sqrt(this.obsRms.var[i]! + this.epsilon);
    return out;
  }

  override reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    const result = this.env.reset(options);
    return { observation: this.normalize(result.observation), info: result.info };
  }

  override step(action: Act): StepResult<Float32Array> {
    const result = this.env.step(action) as unknown as StepResult<unknown>;
    result.observation = this.normalize(result.observation as BoxValue);
    return result as StepResult<Float32Array>;
  }
}

/**
 * Scales rewards so that a discounted running return has roughly unit variance:
 * reward / sqrt(var(G) + epsilon) with G <- G * gamma * (1 - terminated) + reward (Gymnasium 1.x).
 */
export class NormalizeReward<Obs, Act> extends Wrapper<Obs, Act> {
  readonly returnRms = new RunningMeanStd(1);
  updateRunningMean = true;
  private discountedReward = 0;
  private readonly scratch = new Float64Array(1);

  constructor(
    env: Env<Obs, Act>,
    readonly gamma = 0.99,
    readonly epsilon = 1e-8,
  ) {
    super(env);
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`NormalizeReward gamma must be in [0, 1], got ${gamma}`);
  }

  override step(action: Act): StepResult<Obs> {
    const result = this.env.step(action);
    this.discountedReward = this.discountedReward * this.gamma * (result.terminated ? 0 : 1) + result.reward;
    if (this.updateRunningMean) {
      this.scratch[0] = this.discountedReward;
      this.returnRms.updateOne(this.scratch);
    }
    result.reward = result.reward / Math.sqrt(this.returnRms.var[0]! + this.epsilon);
    return result;
  }
}

/** Clips continuous actions into the action Box; the exposed action space becomes unbounded. */
export class ClipAction<Obs> extends Wrapper<Obs, ArrayLike<number>, Obs, BoxValue> {
  private readonly box: Box;

  constructor(env: Env<Obs, BoxValue>) {
    super(env);
    this.box = requireBox(env.actionSpace, 'ClipAction', 'action');
    this.actionSpace = new Box(-Infinity, Infinity, this.box.shape, this.box.dtype) as unknown as Space<ArrayLike<number>>;
  }

  override step(action: ArrayLike<number>): StepResult<Obs> {
    return this.env.step(this.box.clip(action));
  }
}

/** Flattens observations of any space into a Float32 vector (Discrete parts one-hot). */
export class FlattenObservation<InnerObs, Act> extends Wrapper<Float32Array, Act, InnerObs, Act> {
  private readonly inner: Space<InnerObs>;

  constructor(env: Env<InnerObs, Act>) {
    super(env);
    this.inner = env.observationSpace;
    const flat = env.observationSpace.flattenSpace();
    this.observationSpace = new Box(flat.low, flat.high, flat.shape, 'float32') as unknown as Space<Float32Array>;
  }

  override reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    const result = this.env.reset(options);
    return { observation: flatten(this.inner, result.observation), info: result.info };
  }

  override step(action: Act): StepResult<Float32Array> {
    const result = this.env.step(action) as unknown as StepResult<unknown>;
    result.observation = flatten(this.inner, result.observation as InnerObs);
    return result as StepResult<Float32Array>;
  }
}
