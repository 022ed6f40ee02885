/**
 * The closed loop (experiment kind `loop`), one replicate per trial seed. Rounds r = 1..R:
 *   1. sample populations from G_r (population effects z_k, members from the copula fitted to real data);
 *   2. attack the current protocol P_r on each (the worst of the scripted strategies; or CEM over the
 *      worst one's parameters, whose strongest find joins the arm's attack library that the protocol search
 *      and later rounds face; or also a PPO attacker trained that round against P_r) and record each
 *      population's loss (minus the season score under the worst attack: funds drained + good grants
 *      failed - value executed, over the treasury; expected over the guardian's coin when the protocol has
 *      a guardian veto); with the regret adversary the generator sees loss(P_r) - loss(reference preset)
 *      instead (PAIRED), with the antagonist adversary loss(P_r) - the lowest loss of protocols near P_r,
 *      with the likely-failure adversary adaptive stress testing's reward (log density under G_1 of the
 *      failures, a penalty growing with the miss distance for the rest), and with the shuffled control the
 *      losses permuted across populations (the generator moves as far, toward nothing in particular);
 *   3. fine-tune the generator toward high-loss populations (reward-weighted, pulled toward G_1); the
 *      update is rejected when G_{r+1}'s quality score against the real data falls below the floor;
 *   4. re-tune the protocol by CMA-ES over dao/ProtocolDesign-v0's eight parameters on populations from
 *      G_1 and G_{r+1} (objective: mean and CVaR-10 % loss, weighted; optionally importance-weighted so it
 *      estimates the risk under G_1 with G_{r+1} supplying its tail);
 *   5. record the round: losses (mean, CVaR-10 %, worst), fidelity, the generator, the protocol, welfare;
 *      and as artifacts the round's generator checkpoint and every population's outcome.
 * The same rounds run a second time with the generator never fine-tuned (the ablation: the protocol tuned
 * on G_1 alone, with the same seeds and search budget). Protocol updates are elitist: CMA-ES starts from
 * the incumbent (at first the baseline preset's own parameters) and its best point replaces the incumbent
 * only if it also scores better on fresh validation populations from the same mix. At the end both arms'
 * last protocols and the baseline preset are scored on held-out populations no round trained on: from a
 * generator fitted to held-out members (or to another DAO's, heldOut.data), and from a stress grid of
 * population effects, each population scored over heldOut.seasons seasons; the same search run on those
 * populations themselves gives the headroom (how low any designed protocol gets there).
 * Every random draw comes from streams keyed by (trial seed, round, purpose), so a replicate resumed from
 * its round checkpoint continues exactly as an uninterrupted one.
 */
import { prepareDataSource } from '../../world/data.ts';
import { PopulationGenerator } from '../../../generators/population-generator.ts';
import { trialResult } from '../../plan.ts';
import type { TrialResult, TrialSpec } from '../../types.ts';
import { json, type LoopContext } from './checkpoint.ts';
import type { LoopConfig } from './index.ts';
import { HeldOutJudge } from './judge.ts';
import { runArm } from './round.ts';
import { loopSetup } from './setup.ts';

export type { LoopContext } from './checkpoint.ts';

export async function runLoopTrial(loopConfig: LoopConfig, spec: TrialSpec, context: LoopContext = {}): Promise<TrialResult> {
  const start = performance.now();
  // Generator models given as data are sampled once per thread before the (synchronous) setup reads them.
  await prepareDataSource(loopConfig.data);
  if (loopConfig.heldOut.data !== undefined) await prepareDataSource(loopConfig.heldOut.data);
  const setup = loopSetup(loopConfig, spec);
  const { config, g1, turnout, separateTurnout, design, baseline } = setup;
  const state = await runArm(setup, context, true);
  const ablation = await runArm(setup, context, false);
  const finalProtocol = design(state.x);
  const g1Protocol = design(ablation.x);
  const judge = new HeldOutJudge(setup, { adaptive: state, g1Only: ablation });
  const final = await judge.score(finalProtocol, 'final');
  const g1Score = await judge.score(g1Protocol, 'g1');
  const baselineScore = await judge.score(baseline, 'baseline');
  const oracleCvar10 = config.heldOut.oracle ? await judge.oracle(final.cvar10 <= g1Score.cvar10 ? state.x : ablation.x, Math.min(final.cvar10, g1Score.cvar10)) : Number.NaN;
  const finalGenerator = new PopulationGenerator({ ...g1.model, hyper: state.hyper });
  return trialResult(spec, start, {
    metrics: {
      heldOutCvar10Final: final.cvar10,
      heldOutCvar10G1: g1Score.cvar10,
      heldOutCvar10Baseline: baselineScore.cvar10,
      cvar10Improvement: g1Score.cvar10 - final.cvar10,
      cvar10ImprovementSeparate: g1Score.cvar10Separate - final.cvar10Separate,
      cvar10ImprovementGrid: g1Score.cvar10Grid - final.cvar10Grid,
      // The separate fit's populations alone (another DAO's electorate with heldOut.data).
      heldOutCvar10SeparateFinal: final.cvar10Separate,
      heldOutCvar10SeparateG1: g1Score.cvar10Separate,
      heldOutCvar10SeparateBaseline: baselineScore.cvar10Separate,
      heldOutWelfareSeparateFinal: final.welfareSeparate,
      heldOutWelfareSeparateG1: g1Score.welfareSeparate,
      heldOutWelfareSeparateBaseline: baselineScore.welfareSeparate,
      // NaN (stored as NULL) when heldOut.oracle is off.
      heldOutCvar10Oracle: oracleCvar10,
      cvar10Headroom: Math.min(final.cvar10, g1Score.cvar10) - oracleCvar10,
      heldOutMeanLossFinal: final.mean,
      heldOutMeanLossG1: g1Score.mean,
      heldOutWelfareFinal: final.welfare,
      heldOutWelfareG1: g1Score.welfare,
      heldOutWelfareBaseline: baselineScore.welfare,
      // Welfare (the honest proposals' delivered value, a share of the treasury) of the loop's protocol
      // against the G_1-only one: the gap, and the gap relative to the G_1-only welfare (null when that is
      // not positive, where a ratio means nothing: NaN, stored as NULL).
      welfareGap: final.welfare - g1Score.welfare,
      welfareGapRelative: g1Score.welfare > 0 ? (final.welfare - g1Score.welfare) / g1Score.welfare : Number.NaN,
      fidelityG1: setup.fidelityOf(g1, 0),
      fidelityFinal: setup.fidelityOf(finalGenerator, config.rounds + 1),
      roundsAccepted: state.rounds.filter((r) => r.accepted === true).length,
      klToG1Final: finalGenerator.klToPrior(),
      // How the populations were mapped (participation scale, the members' share of their supply); with
      // 'calibrated' and an event log, the log's median turnout and G_1's populations' mean expected turnout
      // holding all their supply at their own rates, and calibrated (NaN else).
      turnoutScale: turnout.scale,
      votingShare: turnout.votingShare,
      realTurnout: turnout.realTurnout ?? Number.NaN,
      g1TurnoutUnscaled: turnout.unscaledTurnout ?? Number.NaN,
      g1Turnout: turnout.turnout ?? Number.NaN,
      // heldOut.data, calibrated: the scale of its populations and its own median turnout.
      separateTurnoutScale: separateTurnout?.scale ?? Number.NaN,
      separateVotingShare: separateTurnout?.votingShare ?? Number.NaN,
      separateRealTurnout: separateTurnout?.realTurnout ?? Number.NaN,
    },
    curves: state.curves,
    // Every scripted season of the trial (rounds, searches, held-out judge; a guardian's caught and missed seasons both).
    outcomes: setup.world.outcomes.records(),
    episodes: [...state.rounds, ...ablation.rounds],
    artifacts: [
      // Generators as loadable models (kind population-generator): G_1 and the last accepted one.
      json('generator-g1.json', g1.model),
      json('generator-final.json', finalGenerator.model),
      json('protocol-final.json', finalProtocol),
      json('protocol-g1.json', g1Protocol),
      ...(state.artifacts ?? []),
      ...(ablation.artifacts ?? []),
    ],
  });
}
