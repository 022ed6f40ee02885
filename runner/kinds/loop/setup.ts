/**
 * What one loop replicate is built from: the real data and its split, G_1 fitted to the training members, the
 * turnout mapping, the separate fit the held-out judge samples from, the world, the baseline and reference
 * presets, the restricted design space, and the keyed random streams every step draws from.
 */
import { Rng } from '../../../lib/rng.ts';
import { restrictedDesign } from '../../../envs/dao/design-env.ts';
import { presetProtocol } from '../../../envs/dao/presets.ts';
import type { Protocol } from '../../../envs/dao/protocol.ts';
import { qualityReport } from '../../../generators/metrics.ts';
import { PopulationGenerator } from '../../../generators/population-generator.ts';
import { loadLoopData, loopTable, resolveTurnoutScale } from '../../world/data.ts';
import type { TrialSpec } from '../../types.ts';
import type { LoopConfig } from './index.ts';
import { LoopWorld, MEMBER_SHARE, samplePopulation, TOTAL_SUPPLY, type PopulationSample, type WorldConfig } from './world.ts';

export interface LoopSetup {
  config: WorldConfig;
  spec: TrialSpec;
  /** The training members' table (the realism reference). */
  realism: ReturnType<typeof loadLoopData>['train'];
  g1: PopulationGenerator;
  turnout: ReturnType<typeof resolveTurnoutScale>;
  /** The held-out judge's generator: the held-out members, or another DAO's (heldOut.data). */
  separate: PopulationGenerator;
  /** heldOut.data calibrated to its own turnout, when it has proposals. */
  separateTurnout: ReturnType<typeof resolveTurnoutScale> | undefined;
  world: LoopWorld;
  root: Rng;
  baseline: Protocol;
  reference: Protocol;
  effective: ReturnType<typeof restrictedDesign>['effective'];
  design: (x: ArrayLike<number>) => Protocol;
  /** The searches' start: the baseline preset's own parameters, as near as the design space allows. */
  startAction: number[];
  seedOf(...keys: (string | number)[]): number;
  sampleOne(generator: PopulationGenerator, k: number, ...keys: (string | number)[]): PopulationSample;
  samplePopulations(generator: PopulationGenerator, count: number, ...keys: (string | number)[]): PopulationSample[];
  /** A generator's quality score against the training members (round 0 = G_1). */
  fidelityOf(generator: PopulationGenerator, round: number): number;
}

export function loopSetup(loopConfig: LoopConfig, spec: TrialSpec): LoopSetup {
  const data = loadLoopData(loopConfig, loopConfig.holdoutSplit === 'fixed' ? loopConfig.seed : spec.seed);
  const g1 = PopulationGenerator.fit(data.train);
  // Every population of the trial (G_1's, the fine-tuned generators', the held-out ones) is mapped alike: the
  // config's participation scale, or calibrated (a voting share) so that G_1's populations turn out data's median.
  const turnout = resolveTurnoutScale(loopConfig, g1, Rng.create(spec.seed).stream('turnout-calibration'), MEMBER_SHARE);
  const config: WorldConfig = { ...loopConfig, turnoutScale: turnout.scale, votingShare: turnout.votingShare };
  // The separate fit: the held-out members of `data`, or all members of another DAO's data (heldOut.data).
  const separate = PopulationGenerator.fit(config.heldOut.data === undefined ? data.holdout : loopTable(config.heldOut.data));
  // Another DAO's held-out voters are calibrated to that DAO's own turnout when its data has proposals (an
  // event log); otherwise they are mapped with G_1's scale.
  const heldOutCalibration =
    config.heldOut.data === undefined || loopConfig.turnoutScale !== 'calibrated'
      ? undefined
      : resolveTurnoutScale({ ...config, turnoutScale: 'calibrated', data: config.heldOut.data, dataSupply: config.heldOut.dataSupply, dataTurnout: config.heldOut.dataTurnout }, separate, Rng.create(spec.seed).stream('turnout-calibration', 'held-out'), MEMBER_SHARE);
  const root = Rng.create(spec.seed);
  const baseline = presetProtocol(config.baseline);
  const seedOf = (...keys: (string | number)[]) => root.stream(...keys).int(2 ** 31 - 1);
  // Safeguards the search may not use are held off, held parameters stay at the baseline's own values, and
  // the searches start from the baseline's own parameters (as near as the design space allows).
  const { effective, design, start: startAction } = restrictedDesign(baseline, TOTAL_SUPPLY, config.protocolSearch);
  const sampleOne = (generator: PopulationGenerator, k: number, ...keys: (string | number)[]): PopulationSample =>
    samplePopulation(generator, config.members, root.stream(...keys, k), seedOf(...keys, k, 'season'));
  return {
    config,
    spec,
    realism: data.train,
    g1,
    turnout,
    separate,
    separateTurnout: heldOutCalibration?.realTurnout === undefined ? undefined : heldOutCalibration,
    world: new LoopWorld(config),
    root,
    baseline,
    reference: presetProtocol(config.fineTune.reference),
    effective,
    design,
    startAction,
    seedOf,
    sampleOne,
    samplePopulations: (generator, count, ...keys) => Array.from({ length: count }, (_, k) => sampleOne(generator, k, ...keys)),
    fidelityOf: (generator, round) => qualityReport(data.train, generator.sampleMembers(Math.min(4000, data.train.participation!.length), root.stream('fidelity', round))).overall,
  };
}
