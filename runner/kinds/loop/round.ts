/**
 * One arm of the loop, round by round, each round its five steps: (1-2) populations from G_r attacked under
 * P_r, (3) the generator fine-tuned toward the adversary's signal under the realism floor, (4) the protocol
 * re-tuned on G_1 and G_{r+1} populations, (5) the round's record and artifacts. The adaptive arm is the loop;
 * the other arm never fine-tunes (G_{r+1} = G_1): the protocol tuned on G_1 alone, with the same seeds and budget.
 */
import type { Protocol } from '../../../envs/dao/protocol.ts';
import { designValues } from '../../../envs/dao/design-env.ts';
import { PopulationGenerator } from '../../../generators/population-generator.ts';
import { cvar } from '../../../lib/risk.ts';
import type { ArtifactRecord, EpisodeRecord } from '../../types.ts';
import { ADVERSARIES } from './adversaries.ts';
import { checkpointPath, json, loadCheckpoint, replayRecord, saveCheckpoint, topLosses, type LoopContext, type LoopState, type ReplayEntry } from './checkpoint.ts';
import { ppoOutcomes } from './ppo.ts';
import type { LoopSetup } from './setup.ts';
import { addToLibrary, betweenPopulationShare, type AttackVariant, type LoopWorld, type Outcome, type PopulationSample } from './world.ts';

/** The replay buffer's populations, re-sampled once from their generators and streams (also after a resume). */
class ReplayCache {
  private readonly samples = new Map<string, PopulationSample>();
  constructor(private readonly setup: LoopSetup) {}
  private key = (entry: ReplayEntry) => `${entry.round}:${entry.index}`;
  remember(entry: ReplayEntry, sample: PopulationSample): void {
    this.samples.set(this.key(entry), sample);
  }
  sample(entry: ReplayEntry): PopulationSample {
    let sample = this.samples.get(this.key(entry));
    if (sample === undefined) {
      sample = this.setup.sampleOne(new PopulationGenerator({ ...this.setup.g1.model, hyper: entry.hyper }), entry.index, 'round', entry.round, 'populations');
      this.samples.set(this.key(entry), sample);
    }
    return sample;
  }
}

/** Steps 1-2: the round's populations from G_r and their outcomes under P_r (scripted, CEM-searched or PPO). */
async function attackRound(setup: LoopSetup, world: LoopWorld, generator: PopulationGenerator, protocol: Protocol, round: number): Promise<{ populations: PopulationSample[]; outcomes: Outcome[] }> {
  const { config, seedOf } = setup;
  const populations = setup.samplePopulations(generator, config.populationsPerRound, 'round', round, 'populations');
  const outcomes: Outcome[] = [];
  if (config.attackSearch === 'ppo') outcomes.push(...(await ppoOutcomes(config, world, protocol, populations, seedOf('round', round, 'ppo'))).outcomes);
  else for (const [k, sample] of populations.entries()) outcomes.push(await world.searchedOutcome(protocol, sample, seedOf('round', round, 'attack-search', k)));
  return { populations, outcomes };
}

/** Step 3: the generator fine-tuned toward the adversary's signal; kept only above the realism floor. */
function fineTune(setup: LoopSetup, world: LoopWorld, generator: PopulationGenerator, state: LoopState, round: number, populations: PopulationSample[], losses: number[]) {
  const { config } = setup;
  const signal = ADVERSARIES[config.fineTune.adversary]({ setup, world, round, x: state.x, populations, losses });
  const tuned = generator.fineTune(
    populations.map((p) => p.effects),
    signal,
    { temperature: config.fineTune.temperature, klWeight: config.fineTune.klWeight },
  );
  const fidelity = setup.fidelityOf(tuned.generator, round);
  const accepted = fidelity >= config.fineTune.realismFloor;
  // The round's generator checkpoint: the fine-tuned proposal, kept whether or not the floor let it in (the
  // round's record says which); loadable by `daogym generators sample --model`.
  return { next: accepted ? tuned.generator : generator, fidelity, accepted, effectiveSampleSize: tuned.effectiveSampleSize, artifact: json(`generator-round-${round}.json`, tuned.generator.model) };
}

/** Step 4: the protocol re-tuned on populations from G_1 and G_{r+1} (importance-weighted when configured). */
async function retune(setup: LoopSetup, world: LoopWorld, next: PopulationGenerator, state: LoopState, round: number, buffer: PopulationSample[]) {
  const { config, g1 } = setup;
  const { populations: tuneCount, validationPopulations: validateCount = tuneCount } = config.protocolSearch;
  const mixOf = (purpose: string, count: number) => {
    const mix = [...setup.samplePopulations(g1, count, 'round', round, `${purpose}-g1`), ...setup.samplePopulations(next, count, 'round', round, `${purpose}-next`)];
    if (config.protocolSearch.weighting === 'none') return mix;
    // Multiple importance sampling with the balance heuristic: the mix's density is the even mixture.
    return mix.map((sample) => ({ ...sample, weight: 1 / (0.5 + 0.5 * Math.exp(next.logDensity(sample.effects) - g1.logDensity(sample.effects))) }));
  };
  return world.retune(setup.design, mixOf('tune', tuneCount), mixOf('validate', validateCount), state.x, setup.seedOf('round', round, 'cmaes'), setup.startAction, buffer);
}

interface RoundResult {
  adaptive: boolean;
  round: number;
  protocol: Protocol;
  nextProtocol: Protocol;
  x: number[];
  replaced: boolean;
  populations: PopulationSample[];
  outcomes: Outcome[];
  next: PopulationGenerator;
  tuned: { fidelity: number; accepted: boolean; effectiveSampleSize: number } | undefined;
  library: readonly AttackVariant[];
  nextLibrary: readonly AttackVariant[];
  newReplay: ReplayEntry[];
  buffer: PopulationSample[];
}

/** Step 5: the round's record (one episode of the trial). */
function roundRecord(setup: LoopSetup, world: LoopWorld, r: RoundResult): EpisodeRecord {
  const { config } = setup;
  const losses = r.outcomes.map((o) => o.loss);
  return {
    arm: r.adaptive ? 'adaptive' : 'g1-only',
    round: r.round,
    lossMean: losses.reduce((a, b) => a + b, 0) / losses.length,
    lossCvar10: cvar(losses),
    lossWorst: Math.max(...losses),
    welfare: r.outcomes.reduce((a, o) => a + o.welfare, 0) / r.outcomes.length,
    attackSuccessShare: r.outcomes.filter((o) => o.attackLossShare > 0).length / r.outcomes.length,
    // attackSearch ppo: the share of populations where the learned attacker drained more than any scripted one.
    learnedAttackShare: config.attackSearch === 'ppo' ? r.outcomes.filter((o) => o.worstAttack === 'ppo').length / r.outcomes.length : null,
    // With several seasons per population: how much of a season's loss is the population's (ICC).
    lossBetweenPopulationShare: config.seasonsPerPopulation > 1 && r.outcomes.every((o) => o.seasonLosses) ? betweenPopulationShare(r.outcomes.map((o) => o.seasonLosses!)) : null,
    fidelity: r.tuned?.fidelity ?? null,
    accepted: r.tuned?.accepted ?? null,
    effectiveSampleSize: r.tuned?.effectiveSampleSize ?? null,
    klToG1: r.next.klToPrior(),
    protocolReplaced: r.replaced,
    // attackSearch cem: variants of the listed strategies the protocol search faced this round.
    attackLibrary: config.attackSearch === 'cem' ? r.nextLibrary.length : null,
    // protocolSearch.replay: the buffer the re-tune scored on, and its mean loss under P_r and under P_{r+1}.
    ...(config.protocolSearch.replay > 0 ? replayRecord(world, r.buffer, r.protocol, r.nextProtocol) : {}),
    ...Object.fromEntries(r.next.model.hyper.mean.map((m, i) => [`effect.${['turnout', 'concentration', 'lateness', 'support'][i]}.mean`, m])),
    ...Object.fromEntries(Object.entries(designValues(setup.effective(r.x))).map(([name, value]) => [`protocol.${name}`, value])),
  };
}

/** The round's whole loss distribution: every population's effects and outcome under P_r. */
function roundArtifact(setup: LoopSetup, r: RoundResult, arm: string): ArtifactRecord {
  return json(`round-${r.round}-${arm}.json`, {
    arm,
    round: r.round,
    protocol: r.protocol,
    nextProtocol: r.nextProtocol,
    libraryAdded: r.nextLibrary === r.library ? null : r.nextLibrary[r.nextLibrary.length - 1],
    // protocolSearch.replay: which of this round's populations joined the replay buffer.
    ...(setup.config.protocolSearch.replay > 0 ? { replayAdded: r.newReplay.map((e) => e.index) } : {}),
    populations: r.populations.map((sample, k) => ({
      effects: Array.from(sample.effects),
      loss: r.outcomes[k]!.loss,
      welfare: r.outcomes[k]!.welfare,
      drainedShare: r.outcomes[k]!.attackLossShare,
      worstAttack: r.outcomes[k]!.worstAttack,
      // Its share and day when a library variant or the CEM search set the loss.
      variant: r.outcomes[k]!.variant ?? null,
    })),
  });
}

/** One round of one arm: the five steps, and the arm's state after it. */
async function runRound(setup: LoopSetup, state: LoopState, round: number, adaptive: boolean, replays: ReplayCache): Promise<LoopState> {
  const generator = new PopulationGenerator({ ...setup.g1.model, hyper: state.hyper });
  const protocol = round === 1 ? setup.baseline : setup.design(state.x);
  // The arm's attack library so far: what its CEM searches found in earlier rounds.
  const library = state.library ?? [];
  const roundWorld = setup.world.withLibrary(library);
  const { populations, outcomes } = await attackRound(setup, roundWorld, generator, protocol, round);
  const losses = outcomes.map((o) => o.loss);
  // The round's highest-loss populations join the replay buffer (the same samples: their members and seasons).
  const newReplay = topLosses(losses, setup.config.protocolSearch.replay).map((index) => ({ round, index, hyper: generator.model.hyper }));
  for (const entry of newReplay) replays.remember(entry, populations[entry.index]!);
  const replay = [...(state.replay ?? []), ...newReplay];
  const buffer = replay.map((entry) => replays.sample(entry));
  // The search's strongest find (the largest gain over the listed strategies and the library) joins the
  // library, so the protocol search below, and the next rounds, face it.
  const found = outcomes.reduce<Outcome | undefined>((a, o) => ((o.searchGain ?? 0) > (a?.searchGain ?? 0) ? o : a), undefined);
  const nextLibrary = found?.variant === undefined ? library : addToLibrary(library, found.variant);
  const tuned = adaptive ? fineTune(setup, roundWorld, generator, state, round, populations, losses) : undefined;
  const next = tuned?.next ?? generator;
  const retuneWorld = setup.world.withLibrary(nextLibrary);
  const { x, replaced } = await retune(setup, retuneWorld, next, state, round, buffer);
  const result: RoundResult = { adaptive, round, protocol, nextProtocol: setup.design(x), x, replaced, populations, outcomes, next, tuned, library, nextLibrary, newReplay, buffer };
  const record = roundRecord(setup, retuneWorld, result);
  const curves = adaptive
    ? [
        { name: 'lossMean', step: round, value: record.lossMean as number },
        { name: 'lossCvar10', step: round, value: record.lossCvar10 as number },
        { name: 'lossWorst', step: round, value: record.lossWorst as number },
        { name: 'fidelity', step: round, value: tuned!.fidelity },
        { name: 'welfare', step: round, value: record.welfare as number },
      ]
    : [];
  const artifacts = [...(tuned === undefined ? [] : [tuned.artifact]), roundArtifact(setup, result, record.arm as string)];
  return { round, hyper: next.model.hyper, x, rounds: [...state.rounds, record], curves: [...state.curves, ...curves], artifacts: [...(state.artifacts ?? []), ...artifacts], library: nextLibrary, replay };
}

/** All rounds of one arm, from its checkpoint when a killed replicate resumes. */
export async function runArm(setup: LoopSetup, context: LoopContext, adaptive: boolean): Promise<LoopState> {
  const path = checkpointPath(context, setup.spec, adaptive ? 'adaptive' : 'g1-only');
  let state = loadCheckpoint(path, { round: 0, hyper: setup.g1.model.hyper, x: setup.startAction, rounds: [], curves: [] });
  const replays = new ReplayCache(setup);
  for (let round = state.round + 1; round <= setup.config.rounds; round++) {
    state = await runRound(setup, state, round, adaptive, replays);
    saveCheckpoint(path, state);
  }
  return state;
}
