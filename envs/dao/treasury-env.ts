/**
 * dao/TreasuryAllocation-v0: the agent stewards the treasury. Each epoch K grant requests arrive with
 * hidden value multiples and noisy public signals; the agent splits the epoch's budget across them and
 * a reserve (a Box in [-1, 1]^(K+1), turned into shares by a softmax); the split goes to a vote as one
 * proposal under the protocol, and if it executes each grant returns multiple x funded amount (funding
 * beyond a request is not spent). Reward per epoch: (value realised - spend) / initial treasury.
 */
import { lognormal, normal } from '../../lib/distributions.ts';
import { Env, type ResetOptions, type ResetResult, type StepResult } from '../core/env.ts';
import { Box } from '../core/spaces.ts';
import { numberKwarg, resolveDaoConfig, type DaoEnvKwargs, type ResolvedDaoConfig } from './config.ts';
import { FINAL_STATES, GovernanceSimulation, sharePopulationData, TREASURY, type SharedPopulationData } from './governance.ts';

export interface TreasuryAllocationKwargs extends DaoEnvKwargs {
  grantsPerEpoch?: number;
  epochs?: number;
  /** Share of the treasury the steward may allocate each epoch. */
  epochBudgetShare?: number;
  /** Standard deviation of the public signal around the true value multiple. */
  signalNoise?: number;
}

const KNOWN = ['preset', 'protocol', 'members', 'populationSeed', 'populationOptions', 'population', 'treasuryUsd', 'market', 'blocksPerStep', 'grantsPerEpoch', 'epochs', 'epochBudgetShare', 'signalNoise'];

export class TreasuryAllocationEnv extends Env<Float32Array, Float32Array> {
  readonly observationSpace: Box<'float32'>;
  readonly actionSpace: Box<'float32'>;
  readonly config: ResolvedDaoConfig;
  readonly grantsPerEpoch: number;
  readonly epochs: number;
  readonly epochBudgetShare: number;
  readonly signalNoise: number;
  private readonly shared: SharedPopulationData;
  private sim: GovernanceSimulation | undefined;
  private epoch = 0;
  private lastPassed = 0;
  private readonly multiples: Float64Array;
  private readonly signals: Float64Array;
  private readonly requests: Float64Array;

  constructor(kwargs: TreasuryAllocationKwargs = {}) {
    super();
    this.config = resolveDaoConfig(kwargs, KNOWN);
    this.grantsPerEpoch = numberKwarg(kwargs.grantsPerEpoch, 'grantsPerEpoch', 4, 1, 64, true);
    this.epochs = numberKwarg(kwargs.epochs, 'epochs', 24, 1, 10_000, true);
    this.epochBudgetShare = numberKwarg(kwargs.epochBudgetShare, 'epochBudgetShare', 0.05, 0, 1);
    this.signalNoise = numberKwarg(kwargs.signalNoise, 'signalNoise', 0.5, 0, 100);
    const k = this.grantsPerEpoch;
    this.observationSpace = new Box(-10, 10, [2 * k + 3], 'float32');
    this.actionSpace = new Box(-1, 1, [k + 1], 'float32');
    this.multiples = new Float64Array(k);
    this.signals = new Float64Array(k);
    this.requests = new Float64Array(k);
    this.shared = sharePopulationData(this.config.population);
  }

  private get simulation(): GovernanceSimulation {
    if (this.sim === undefined) throw new Error('call reset() first');
    return this.sim;
  }

  override reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(options);
    this.sim = new GovernanceSimulation({
      protocol: this.config.protocol,
      population: this.config.population,
      shared: this.shared,
      rng: this.rng.split(),
      treasury: { usd: this.config.treasuryUsd, token: 0 },
      market: this.config.market,
    });
    this.epoch = 0;
    this.lastPassed = 0;
    this.drawRequests();
    return { observation: this.observe(), info: {} };
  }

  private drawRequests(): void {
    const budget = this.simulation.ledger.balance(TREASURY, 'usd') * this.epochBudgetShare;
    for (let i = 0; i < this.grantsPerEpoch; i++) {
      this.multiples[i] = normal(this.rng, 1.2, 0.8);
      this.signals[i] = this.multiples[i]! + normal(this.rng, 0, this.signalNoise);
      this.requests[i] = Math.min(budget, lognormal(this.rng, Math.log(budget / this.grantsPerEpoch), 0.6));
    }
  }

  /** Softmax of 2 x action: the shares of the epoch budget going to each grant, the last to reserve. */
  static shares(action: ArrayLike<number>): Float64Array {
    const out = new Float64Array(action.length);
    let max = -Infinity;
    for (let i = 0; i < action.length; i++) max = Math.max(max, 2 * Math.max(-1, Math.min(1, action[i]!)));
    let total = 0;
    for (let i = 0; i < action.length; i++) total += out[i] = Math.exp(2 * Math.max(-1, Math.min(1, action[i]!)) - max);
    for (let i = 0; i < action.length; i++) out[i]! /= total;
    return out;
  }

  step(action: Float32Array | ArrayLike<number>): StepResult<Float32Array> {
    if (action.length !== this.grantsPerEpoch + 1) throw new RangeError(`TreasuryAllocation action needs ${this.grantsPerEpoch + 1} values, got ${action.length}`);
    for (let i = 0; i < action.length; i++) if (Number.isNaN(action[i])) throw new RangeError(`TreasuryAllocation action[${i}] is NaN`);
    const sim = this.simulation;
    const shares = TreasuryAllocationEnv.shares(action);
    const budget = sim.ledger.balance(TREASURY, 'usd') * this.epochBudgetShare;
    let spend = 0;
    let value = 0;
    let weightedSignal = 0;
    for (let i = 0; i < this.grantsPerEpoch; i++) {
      const funded = Math.min(budget * shares[i]!, this.requests[i]!);
      spend += funded;
      value += funded * this.multiples[i]!;
      weightedSignal += funded * this.signals[i]!;
    }
    let reward = 0;
    let state = 'none';
    if (spend > 0) {
      // Members judge the bundle by its funding-weighted signal, relative to the break-even multiple 1.
      const proposal = sim.propose({ kind: 'grant', proposer: 'honest', requestedUsd: spend, trueValue: value, signal: weightedSignal / spend - 1, streamKey: `epoch-${this.epoch}` });
      const blocks = this.config.blocksPerStep;
      for (let guard = 0; guard < 10_000 && !FINAL_STATES.has(proposal.state); guard++) sim.advance(blocks);
      state = proposal.state;
      if (proposal.state === 'executed') reward = (value - spend) / this.config.treasuryUsd;
    }
    this.lastPassed = state === 'executed' ? 1 : 0;
    this.epoch++;
    const realised = { spendUsd: state === 'executed' ? spend : 0, valueUsd: state === 'executed' ? value : 0, proposalState: state, treasuryUsd: sim.ledger.balance(TREASURY, 'usd') };
    this.drawRequests();
    return { observation: this.observe(), reward, terminated: false, truncated: this.epoch >= this.epochs, info: realised };
  }

  private observe(): Float32Array {
    const k = this.grantsPerEpoch;
    const out = new Float32Array(2 * k + 3);
    const budget = Math.max(1e-9, this.simulation.ledger.balance(TREASURY, 'usd') * this.epochBudgetShare);
    for (let i = 0; i < k; i++) {
      out[i] = Math.max(-10, Math.min(10, this.signals[i]!));
      out[k + i] = Math.min(10, this.requests[i]! / budget);
    }
    out[2 * k] = Math.min(10, this.simulation.ledger.balance(TREASURY, 'usd') / this.config.treasuryUsd);
    out[2 * k + 1] = this.epoch / this.epochs;
    out[2 * k + 2] = this.lastPassed;
    return out;
  }
}
