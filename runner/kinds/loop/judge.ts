/**
 * The held-out judge: both arms' last protocols and the baseline preset scored on populations no round
 * trained on (from the separate fit, and from a stress grid of population effects), each over
 * heldOut.seasons seasons, by the attacker the config names; and the headroom, the same search run on the
 * held-out populations themselves.
 */
import { cmaesMinimize } from '../../../agents/cmaes.ts';
import { DESIGN_BOX } from '../../../envs/dao/design-env.ts';
import type { Protocol } from '../../../envs/dao/protocol.ts';
import { cvar } from '../../../lib/risk.ts';
import type { LoopState } from './checkpoint.ts';
import { ppoOutcomes, spreadFirst } from './ppo.ts';
import type { LoopSetup } from './setup.ts';
import { addToLibrary, LoopWorld, type Outcome, type PopulationSample } from './world.ts';

export interface HeldOutScore {
  cvar10: number;
  cvar10Separate: number;
  cvar10Grid: number;
  mean: number;
  welfare: number;
  welfareSeparate: number;
}

/** The held-out populations: the separate fit's first, then the stress grid's. */
function heldOutPopulations(setup: LoopSetup): PopulationSample[] {
  const { config, separateTurnout, root, seedOf, g1 } = setup;
  return [
    ...setup.samplePopulations(setup.separate, config.heldOut.populations, 'held-out', 'separate-fit').map((sample) =>
      separateTurnout === undefined ? sample : { ...sample, mapping: { turnoutScale: separateTurnout.scale, votingShare: separateTurnout.votingShare } },
    ),
    ...config.heldOut.turnout.flatMap((turnout, i) =>
      config.heldOut.concentration.map((concentration, j) => {
        const effects = Float64Array.of(turnout, concentration, 0, 0);
        const rng = root.stream('held-out', 'grid', i, j);
        return { effects, table: g1.populationTable(config.members, effects, rng), seasonSeed: seedOf('held-out', 'grid', i, j, 'season') };
      }),
    ),
  ];
}

export class HeldOutJudge {
  private readonly heldOut: PopulationSample[];
  private readonly world: LoopWorld;
  private readonly judgeConfig: LoopSetup['config'];
  private readonly attack: LoopSetup['config']['attackSearch'];
  private readonly cemWorld: LoopWorld;
  private readonly ppoTraining: PopulationSample[];

  constructor(
    private readonly setup: LoopSetup,
    arms: { adaptive: LoopState; g1Only: LoopState },
  ) {
    const { config } = setup;
    this.heldOut = heldOutPopulations(setup);
    // The same world, scoring each population over heldOut.seasons seasons.
    const heldOutSeasons = config.heldOut.seasons ?? config.seasonsPerPopulation;
    this.judgeConfig = { ...config, seasonsPerPopulation: heldOutSeasons };
    this.world = heldOutSeasons === config.seasonsPerPopulation ? setup.world : new LoopWorld(this.judgeConfig, undefined, undefined, setup.world.outcomes);
    // The judge's attacker: by default the one the rounds used. CEM searches with the same seed per population
    // for every protocol (common random numbers); a PPO attacker is trained against each protocol on held-out
    // populations spread over both kinds (every k-th first), then played on all of them.
    this.attack = config.heldOut.attackSearch ?? config.attackSearch;
    this.ppoTraining = spreadFirst(this.heldOut.length, config.ppoAttacker.populations)
      .slice(0, Math.min(config.ppoAttacker.populations, this.heldOut.length))
      .map((k) => this.heldOut[k]!);
    // CEM: both arms' libraries, so every protocol faces every attack either arm's rounds found, then its own search.
    this.cemWorld =
      this.attack === 'cem' ? this.world.withAttackSearch('cem').withLibrary((arms.g1Only.library ?? []).reduce((union, variant) => addToLibrary(union, variant, Infinity), arms.adaptive.library ?? [])) : this.world;
  }

  private async outcomes(protocol: Protocol, label: string): Promise<Outcome[]> {
    if (this.attack === 'scripted') return this.heldOut.map((sample) => this.world.outcome(protocol, sample));
    if (this.attack === 'cem') {
      const outcomes: Outcome[] = [];
      for (const [k, sample] of this.heldOut.entries()) outcomes.push(await this.cemWorld.searchedOutcome(protocol, sample, this.setup.seedOf('held-out', 'attack-search', k)));
      return outcomes;
    }
    return (await ppoOutcomes(this.judgeConfig, this.world, protocol, this.heldOut, this.setup.seedOf('held-out', 'ppo', label), this.ppoTraining)).outcomes;
  }

  async score(protocol: Protocol, label: string): Promise<HeldOutScore> {
    const outcomes = await this.outcomes(protocol, label);
    const losses = outcomes.map((o) => o.loss);
    const separateCount = this.setup.config.heldOut.populations;
    return {
      cvar10: cvar(losses),
      // The two kinds of held-out population apart: from the separate fit, and from the stress grid.
      cvar10Separate: cvar(losses.slice(0, separateCount)),
      cvar10Grid: cvar(losses.slice(separateCount)),
      mean: losses.reduce((a, b) => a + b, 0) / losses.length,
      welfare: outcomes.reduce((a, o) => a + o.welfare, 0) / outcomes.length,
      welfareSeparate: outcomes.slice(0, separateCount).reduce((a, o) => a + o.welfare, 0) / separateCount,
    };
  }

  /**
   * The headroom: the same search, run on the held-out populations themselves (from the better arm's protocol;
   * it keeps its start if it finds nothing better). Tuned on the test populations and their seasons, it is
   * optimistic: roughly how low a designed protocol gets there. When it is hardly below the better arm, there
   * was little on these populations for any re-tuning to gain.
   */
  async oracle(start: readonly number[], armsBest: number): Promise<number> {
    const { setup } = this;
    const heldOutCvar = (x: ArrayLike<number>) => cvar(this.heldOut.map((sample) => this.world.outcome(setup.design(x), sample).loss));
    const search = await cmaesMinimize(heldOutCvar, start, setup.config.protocolSearch.initialStep, {
      seed: setup.seedOf('held-out', 'oracle'),
      maxEvaluations: setup.config.protocolSearch.maxEvaluations,
      ...DESIGN_BOX,
    });
    // The search itself faces the scripted strategies (a CEM or PPO attacker per candidate is out of reach);
    // under a searched or learned judge its protocol is then judged like the arms'.
    const found = this.attack === 'scripted' ? search.f : (await this.score(setup.design(search.x), 'oracle')).cvar10;
    return Math.min(found, armsBest);
  }
}
