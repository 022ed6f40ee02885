/**
 * CartPole-v1, identical to Gymnasium's `classic_control/cartpole.py`: Barto, Sutton & Anderson's
 * cart-pole with Florian's corrected dynamics, explicit Euler integration, tau = 0.02 s, force 10 N,
 * termination at |x| > 2.4 or |theta| > 12 degrees, reward 1 per step including the terminating one,
 * and a reset state uniform in [-0.05, 0.05) (the bounds can be changed with reset options low/high).
 * The state is kept in float64 and observed as float32, as there.
 */
import { warn } from '../../lib/warnings.ts';
import { Env, type ResetOptions, type ResetResult, type StepResult } from '../core/env.ts';
import { Box, Discrete, FLOAT32_LIMIT } from '../core/spaces.ts';

export interface CartPoleOptions {
  /** Gymnasium 1.x `sutton_barto_reward`: 0 per step and -1 on termination instead of +1 per step. */
  suttonBartoReward?: boolean;
  /** 'euler' (Gymnasium's default) or 'semi-implicit-euler'. */
  kinematicsIntegrator?: 'euler' | 'semi-implicit-euler';
  renderMode?: string;
}

export class CartPoleEnv extends Env<Float32Array, number> {
  readonly gravity = 9.8;
  readonly massCart = 1.0;
  readonly massPole = 0.1;
  readonly totalMass = this.massPole + this.massCart;
  /** Half the pole's length. */
  readonly length = 0.5;
  readonly poleMassLength = this.massPole * this.length;
  readonly forceMag = 10.0;
  readonly tau = 0.02;
  readonly thetaThresholdRadians = (12 * 2 * Math.PI) / 360;
  readonly xThreshold = 2.4;
  readonly kinematicsIntegrator: 'euler' | 'semi-implicit-euler';
  readonly suttonBartoReward: boolean;

  readonly observationSpace: Box<'float32'>;
  readonly actionSpace = new Discrete(2);

  /** x, x_dot, theta, theta_dot in float64. */
  readonly state = new Float64Array(4);
  private hasState = false;
  private stepsBeyondTerminated: number | undefined = undefined;

  constructor(options: CartPoleOptions = {}) {
    super();
    this.metadata = { renderModes: ['ansi'], renderFps: 50 };
    if (options.renderMode !== undefined && !this.metadata.renderModes.includes(options.renderMode)) {
      throw new RangeError(`CartPole renderMode must be one of ${this.metadata.renderModes.join(', ')}, got '${options.renderMode}'`);
    }
    this.renderMode = options.renderMode;
    this.kinematicsIntegrator = options.kinematicsIntegrator ?? 'euler';
    this.suttonBartoReward = options.suttonBartoReward ?? false;
    // The angle bound is twice the failure threshold so the failing observation is still in the space.
    const high = [this.xThreshold * 2, FLOAT32_LIMIT, this.thetaThresholdRadians * 2, FLOAT32_LIMIT];
    this.observationSpace = new Box(
      high.map((h) => -h),
      high,
      [4],
      'float32',
    );
  }

  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1) throw new RangeError(`CartPole action must be 0 or 1, got ${String(action)}`);
    if (!this.hasState) throw new Error('Call reset before using step method.');
    const state = this.state;
    let x = state[0]!;
    let xDot = state[1]!;
    let theta = state[2]!;
    let thetaDot = state[3]!;
    const force = action === 1 ? this.forceMag : -this.forceMag;
    const cosTheta = Math.cos(theta);
    const sinTheta = Math.sin(theta);

    // Florian (2007), "Correct equations for the dynamics of the cart-pole system".
    const temp = (force + this.poleMassLength * thetaDot * thetaDot * sinTheta) / this.totalMass;
    const thetaAcc =
      (this.gravity * sinTheta - cosTheta * temp) / (this.length * (4.0 / 3.0 - (this.massPole * cosTheta * cosTheta) / this.totalMass));
    const xAcc = temp - (this.poleMassLength * thetaAcc * cosTheta) / this.totalMass;

    if (this.kinematicsIntegrator === 'euler') {
      x = x + this.tau * xDot;
      xDot = xDot + this.tau * xAcc;
      theta = theta + this.tau * thetaDot;
      thetaDot = thetaDot + this.tau * thetaAcc;
    } else {
      xDot = xDot + this.tau * xAcc;
      x = x + this.tau * xDot;
      thetaDot = thetaDot + this.tau * thetaAcc;
      theta = theta + this.tau * thetaDot;
    }
    state[0] = x;
    state[1] = xDot;
    state[2] = theta;
    state[3] = thetaDot;

    const terminated = x < -this.xThreshold || x > this.xThreshold || theta < -this.thetaThresholdRadians || theta > this.thetaThresholdRadians;

    let reward: number;
    if (!terminated) {
      reward = this.suttonBartoReward ? 0 : 1;
    } else if (this.stepsBeyondTerminated === undefined) {
      // The pole just fell.
      this.stepsBeyondTerminated = 0;
      reward = this.suttonBartoReward ? -1 : 1;
    } else {
      if (this.stepsBeyondTerminated === 0) {
        warn(
          "You are calling 'step()' even though this environment has already returned terminated = true. " +
            "You should always call 'reset()' once you receive 'terminated = true' -- any further steps are undefined behavior.",
        );
      }
      this.stepsBeyondTerminated++;
      reward = this.suttonBartoReward ? -1 : 0;
    }
    const observation = new Float32Array(4);
    observation[0] = x;
    observation[1] = xDot;
    observation[2] = theta;
    observation[3] = thetaDot;
    return { observation, reward, terminated, truncated: false, info: {} };
  }

  override reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(options);
    const { low, high } = parseResetBounds(options.options, -0.05, 0.05);
    const rng = this.rng;
    for (let i = 0; i < 4; i++) this.state[i] = rng.uniform(low, high);
    this.hasState = true;
    this.stepsBeyondTerminated = undefined;
    return { observation: Float32Array.from(this.state), info: {} };
  }

  override render(): string | undefined {
    if (this.renderMode === undefined) {
      warn('You are calling render() without a renderMode; pass renderMode: "ansi" to make()');
      return undefined;
    }
    const [x, xDot, theta, thetaDot] = this.state;
    const width = 41;
    const position = Math.round(((x! + this.xThreshold) / (2 * this.xThreshold)) * (width - 1));
    const track = Array.from({ length: width }, (_, i) => (i === Math.min(Math.max(position, 0), width - 1) ? '#' : '-')).join('');
    return `${track}  x=${x!.toFixed(3)} v=${xDot!.toFixed(3)} theta=${((theta! * 180) / Math.PI).toFixed(2)}deg omega=${thetaDot!.toFixed(3)}`;
  }
}

/** Gymnasium's `maybe_parse_reset_bounds`: options.low / options.high, each within [-limit, limit]. */
export function parseResetBounds(options: Record<string, unknown> | undefined, defaultLow: number, defaultHigh: number): { low: number; high: number } {
  if (options === undefined) return { low: defaultLow, high: defaultHigh };
  const low = options.low ?? defaultLow;
  const high = options.high ?? defaultHigh;
  if (typeof low !== 'number' || typeof high !== 'number' || !Number.isFinite(low) || !Number.isFinite(high)) {
    throw new TypeError(`reset options low and high must be finite numbers, got low=${String(low)} high=${String(high)}`);
  }
  if (low > high) throw new RangeError(`reset options need low <= high, got low=${low} high=${high}`);
  return { low, high };
}
