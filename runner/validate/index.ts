/**
 * `daogym validate`: how well the member model predicts real proposals it has not seen.
 *
 * A Governor event log's proposals are split by time (fit on the earlier ones, predict the later ones) or at
 * random. The model is fitted on the training proposals only: their voters' features (voting power, how often,
 * how For and how late they voted; generators/import/features.ts), mapped onto the simulator as every kind maps
 * members (generators/mapping.ts), holding the share of the supply at which they turn out the training
 * proposals' median (generators/turnout.ts). Each held-out proposal is then simulated `sims` times in the
 * simulator itself (GovernanceSimulation: who votes, how, when), with its real voting window and the DAO's
 * quorum and majority rules, the proposal's merit drawn as a season's honest grants draw it. The predictive
 * distributions of six quantities (turnout, voters, For share, largest voter's share, late share, passed) are
 * scored against what really happened: coverage of the central 50 / 80 / 95 % intervals, CRPS against a naive
 * baseline (the training proposals' own empirical distribution), and for passing the Brier score and its
 * calibration against the training base rate.
 *
 * `attention: fitted` (the improvement the check asked for) draws each simulated proposal's attention (a
 * multiplier of every member's participation) from the training proposals' own spread of turnout around the
 * model's: real proposals differ in how many people they draw far more than independent coin flips give.
 */
import { lognormal, normal } from '../../lib/distributions.ts';
import { Rng } from '../../lib/rng.ts';
import { GovernanceSimulation, type Proposal } from '../../envs/dao/governance.ts';
import { presetProtocol } from '../../envs/dao/presets.ts';
import type { Protocol } from '../../envs/dao/protocol.ts';
import { majorityMet, quorumCounted } from '../../envs/dao/rules.ts';
import type { GovernorEvents, ProposalRecord, VoteRecord } from '../../generators/import/governor-events.ts';
import { memberFeatures } from '../../generators/import/features.ts';
import { median } from '../../generators/import/statistics.ts';
import { populationFromFeatures } from '../../generators/mapping.ts';
import { calibrateTurnout } from '../../generators/turnout.ts';
import type { Table } from '../../generators/metrics.ts';

export const QUANTITIES = ['turnout', 'voters', 'forShare', 'largestShare', 'lateShare', 'passed'] as const;
export type Quantity = (typeof QUANTITIES)[number];

export const QUANTITY_INFO: Record<Quantity, { label: string; unit: 'share' | 'count' | 'rate' }> = {
  turnout: { label: 'turnout (share of supply)', unit: 'share' },
  voters: { label: 'number of voters', unit: 'count' },
  forShare: { label: 'For share of cast votes', unit: 'share' },
  largestShare: { label: "largest voter's share of cast votes", unit: 'share' },
  lateShare: { label: 'share of cast votes in the last 10 % of the window', unit: 'share' },
  passed: { label: 'passed (quorum and majority)', unit: 'rate' },
};

export const LEVELS = [0.5, 0.8, 0.95] as const;

export interface ValidateOptions {
  /** 'time' (default): the earliest (1 - holdout) of proposals train, the rest are predicted; 'random': a seeded draw. */
  split: 'time' | 'random';
  holdout: number;
  /** Total token supply (tokens): turnout is cast votes over it. */
  supply: number;
  /** The preset whose quorum and majority decide `passed`. */
  preset: string;
  sims: number;
  seed: number;
  /** 'none': every proposal draws the same attention (1), as seasons do; 'fitted': from the training proposals. */
  attention: 'none' | 'fitted';
  /**
   * 'tenure' (the member features as daogym maps them everywhere): votes over the proposals between a voter's
   * first and last vote, so a voter seen once counts as always voting. 'forward': votes over every proposal from
   * the first vote to the end of the training period, shrunk toward the voters' common rate (empirical Bayes,
   * a beta prior fitted by moments), which is what a forecast of later proposals needs.
   */
  participation: 'tenure' | 'forward';
}

/** One proposal's quantities. */
export type Observation = Record<Quantity, number>;

export interface ProposalPrediction {
  id: string;
  startBlock: number;
  real: Observation;
  /** Per quantity: the simulated values, ascending. */
  samples: Record<Quantity, Float64Array>;
}

export interface QuantityScore {
  quantity: Quantity;
  /** Share of held-out proposals whose real value lies inside the central interval, per level. */
  coverage: Record<string, number>;
  /** Mean CRPS of the model and of the naive baseline (the training proposals' empirical distribution). */
  crps: number;
  crpsBaseline: number;
  /** 1 - crps / crpsBaseline: above 0 the model beats the baseline. */
  skill: number;
  /** Real values below the 2.5 % quantile and above the 97.5 % one: where the model misses. */
  below: number;
  above: number;
}

export interface ValidationResult {
  options: ValidateOptions;
  trainProposals: number;
  testProposals: number;
  trainVoters: number;
  /** Share of the held-out proposals' cast weight from voters the training period never saw. */
  unseenWeightShare: number;
  calibration: { votingShare: number; scale: number; medianTurnout: number };
  /** The fitted attention spread (log-ratio standard deviation) and merit shift, with attention: fitted. */
  attentionSpread: number | null;
  signalShift: number;
  scores: QuantityScore[];
  brier: number;
  brierBaseline: number;
  /** Pass-probability bins: mean predicted probability against the observed frequency. */
  reliability: Array<{ from: number; to: number; n: number; predicted: number; observed: number }>;
  predictions: ProposalPrediction[];
}

/** The events of `proposals` only. */
function subset(events: GovernorEvents, ids: ReadonlySet<string>): GovernorEvents {
  return { format: events.format, proposals: new Map([...events.proposals].filter(([id]) => ids.has(id))), votes: events.votes.filter((v) => ids.has(v.proposalId)) };
}

/** Whether tallies pass a protocol's quorum and majority (treasury rules aside: a proposal's payload is not read). */
export function passesRules(protocol: Protocol, forVotes: number, againstVotes: number, abstainVotes: number, supply: number): boolean {
  const q = protocol.quorum;
  const needed = q.kind === 'none' ? 0 : q.kind === 'absolute' ? q.votes : q.kind === 'fraction' ? q.fraction * supply : NaN;
  if (!Number.isFinite(needed)) throw new RangeError(`validate decides quorum kinds none, absolute and fraction; ${protocol.name} has ${q.kind}`);
  return quorumCounted(protocol.quorumCounts, forVotes, abstainVotes) >= needed && majorityMet(protocol.majority, forVotes, againstVotes, supply);
}

/** The real quantities of a proposal from its votes. */
export function observe(proposal: ProposalRecord, votes: readonly VoteRecord[], supply: number, protocol: Protocol): Observation {
  let cast = 0;
  let largest = 0;
  let late = 0;
  const tally = [0, 0, 0];
  const lateFrom = proposal.startBlock + 0.9 * (proposal.endBlock - proposal.startBlock);
  for (const v of votes) {
    cast += v.votes;
    largest = Math.max(largest, v.votes);
    if (v.block >= lateFrom) late += v.votes;
    tally[v.support] = tally[v.support]! + v.votes;
  }
  return {
    turnout: cast / supply,
    voters: votes.length,
    forShare: cast > 0 ? tally[1]! / cast : NaN,
    largestShare: cast > 0 ? largest / cast : NaN,
    lateShare: cast > 0 ? late / cast : NaN,
    passed: passesRules(protocol, tally[1]!, tally[0]!, tally[2]!, supply) ? 1 : 0,
  };
}

/**
 * CRPS of a sample (ascending) at y: E|X - y| - E|X - X'| / 2, the energy form, O(n) on sorted samples.
 * Gneiting and Raftery (2007); for a single point mass it is |x - y|.
 */
export function crps(sorted: ArrayLike<number>, y: number): number {
  const n = sorted.length;
  let absolute = 0;
  for (let i = 0; i < n; i++) absolute += Math.abs(sorted[i]! - y);
  // sum_{i<j} (x_j - x_i) = sum_i x_i (2 i - n + 1) on 0-based sorted values.
  let spread = 0;
  for (let i = 0; i < n; i++) spread += sorted[i]! * (2 * i - n + 1);
  return absolute / n - spread / (n * n);
}

/** The central `level` interval of a sorted sample (its (1-level)/2 and (1+level)/2 quantiles, type 7). */
export function centralInterval(sorted: ArrayLike<number>, level: number): [number, number] {
  const q = (p: number) => {
    const position = (sorted.length - 1) * p;
    const low = Math.floor(position);
    return sorted[low]! + (sorted[Math.ceil(position)]! - sorted[low]!) * (position - low);
  };
  return [q((1 - level) / 2), q((1 + level) / 2)];
}

/** What the model needs to simulate a proposal. */
export interface MemberModel {
  table: Table;
  supply: number;
  votingShare: number;
  scale: number;
  protocol: Protocol;
  /** Each simulated proposal's attention; `() => 1` when none is fitted. */
  attention: (rng: Rng) => number;
  /** Added to every simulated proposal's merit signal (0: a season's honest grants' prior). */
  signalShift: number;
}

/**
 * `sims` simulated runs of a proposal with voting window `window` (blocks): the six quantities of each, from
 * the simulator's own vote draws. The merit signal is drawn as a season's honest grant's.
 */
export function simulateProposal(model: MemberModel, window: number, sims: number, rng: Rng): Record<Quantity, Float64Array> {
  const population = populationFromFeatures(model.table, rng.stream('mapping'), { supply: model.supply, votingShare: model.votingShare, turnoutScale: model.scale });
  const protocol: Protocol = { ...model.protocol, votingDelay: 1, votingPeriod: Math.max(1, Math.round(window)), proposalThreshold: 0, lateQuorumExtension: 0 };
  const out = Object.fromEntries(QUANTITIES.map((q) => [q, new Float64Array(sims)])) as Record<Quantity, Float64Array>;
  const perVote = new Map<number, { cast: number; largest: number; late: number; voters: number }>();
  const sim = new GovernanceSimulation({
    protocol,
    population,
    rng: rng.stream('simulation'),
    treasury: { usd: 1e12, token: 0 },
    onHonestVote: (proposal: Proposal, _member: number, _support: number, weight: number, block: number) => {
      let entry = perVote.get(proposal.id);
      if (entry === undefined) perVote.set(proposal.id, (entry = { cast: 0, largest: 0, late: 0, voters: 0 }));
      entry.cast += weight;
      entry.voters++;
      if (weight > entry.largest) entry.largest = weight;
      if (block >= proposal.startBlock + 0.9 * (proposal.endBlock - proposal.startBlock)) entry.late += weight;
    },
  });
  const arrivals = rng.stream('merit');
  const proposals: Proposal[] = [];
  for (let k = 0; k < sims; k++) {
    // As a season's honest grants: value a multiple of cost ~ N(1.4, 0.7), the signal members see around it.
    const multiple = normal(arrivals, 1.4, 0.7);
    const signal = (multiple - 1) * 1.2 + normal(arrivals, 0, 0.5) + model.signalShift;
    proposals.push(sim.propose({ kind: 'grant', proposer: 'honest', requestedUsd: 1, trueValue: multiple, signal, attention: model.attention(arrivals), streamKey: `validate-${k}` }));
  }
  sim.advance(protocol.votingDelay + protocol.votingPeriod + 2);
  proposals.forEach((p, k) => {
    const entry = perVote.get(p.id) ?? { cast: 0, largest: 0, late: 0, voters: 0 };
    const cast = p.forVotes + p.againstVotes + p.abstainVotes;
    out.turnout[k] = cast / model.supply;
    out.voters[k] = entry.voters;
    out.forShare[k] = cast > 0 ? p.forVotes / cast : NaN;
    out.largestShare[k] = entry.cast > 0 ? entry.largest / entry.cast : NaN;
    out.lateShare[k] = entry.cast > 0 ? entry.late / entry.cast : NaN;
    out.passed[k] = passesRules(model.protocol, p.forVotes, p.againstVotes, p.abstainVotes, model.supply) ? 1 : 0;
  });
  return out;
}

/** Splits proposals (those with at least one vote and a window) into training and held-out ones. */
export function splitProposals(events: GovernorEvents, options: Pick<ValidateOptions, 'split' | 'holdout' | 'seed'>): { train: ProposalRecord[]; test: ProposalRecord[] } {
  const voted = new Set(events.votes.map((v) => v.proposalId));
  const proposals = [...events.proposals.values()].filter((p) => voted.has(p.id) && p.endBlock > p.startBlock).sort((a, b) => a.startBlock - b.startBlock || Number(a.id) - Number(b.id));
  const testCount = Math.max(1, Math.round(proposals.length * options.holdout));
  if (options.split === 'time') return { train: proposals.slice(0, proposals.length - testCount), test: proposals.slice(proposals.length - testCount) };
  const rng = Rng.create(options.seed).stream('validate-split');
  const order = proposals.map((p) => ({ p, key: rng.random() })).sort((a, b) => a.key - b.key).map((x) => x.p);
  const test = new Set(order.slice(0, testCount));
  return { train: proposals.filter((p) => !test.has(p)), test: proposals.filter((p) => test.has(p)) };
}

export function validate(events: GovernorEvents, options: ValidateOptions, onProgress?: (done: number, total: number) => void): ValidationResult {
  const { train, test } = splitProposals(events, options);
  if (train.length < 5) throw new RangeError(`only ${train.length} training proposals with votes; validate needs at least 5 (a longer log, or a smaller --holdout)`);
  const protocol = presetProtocol(options.preset);
  const trainEvents = subset(events, new Set(train.map((p) => p.id)));
  const features = memberFeatures(trainEvents);
  const table = { ...features.columns } as unknown as Table;
  if (options.participation === 'forward') table.participation = forwardParticipation(trainEvents, features.members);
  const votesBy = new Map<string, VoteRecord[]>();
  for (const v of events.votes) {
    let list = votesBy.get(v.proposalId);
    if (list === undefined) votesBy.set(v.proposalId, (list = []));
    list.push(v);
  }
  const trainObserved = train.map((p) => observe(p, votesBy.get(p.id) ?? [], options.supply, protocol));
  const medianTurnout = median(trainObserved.map((o) => o.turnout));
  const calibration = calibrateTurnout([table], Math.min(0.99, medianTurnout), 1);
  const base: MemberModel = { table, supply: options.supply, votingShare: calibration.votingShare, scale: calibration.scale, protocol, attention: () => 1, signalShift: 0 };

  // attention: fitted: the training proposals' turnout relative to what the model gives them at attention 1.
  let attentionSpread: number | null = null;
  let signalShift = 0;
  let model = base;
  if (options.attention === 'fitted') {
    const root = Rng.create(options.seed).stream('validate-attention');
    const ratios: number[] = [];
    const ownVariances: number[] = [];
    train.forEach((p, i) => {
      const expected = simulateProposal(base, p.endBlock - p.startBlock, 40, root.stream('train', i)).turnout.filter((x) => x > 0);
      if (expected.length < 2 || !(trainObserved[i]!.turnout > 0)) return;
      const logs = Array.from(expected, Math.log);
      const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
      ratios.push(Math.log(trainObserved[i]!.turnout) - mean);
      ownVariances.push(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (logs.length - 1));
    });
    const mu = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    const spread = ratios.reduce((a, b) => a + (b - mu) ** 2, 0) / Math.max(1, ratios.length - 1);
    // The real log-ratios vary by the model's own vote draws too: attention carries only the excess.
    const own = ownVariances.reduce((a, b) => a + b, 0) / Math.max(1, ownVariances.length);
    const sd = Math.sqrt(Math.max(0, spread - own));
    attentionSpread = sd;
    // A lognormal attention with the training log-ratios' spread, centred so that the median turnout stays calibrated.
    model = { ...base, attention: (rng) => lognormal(rng, 0, sd) };
    // Proposals' merit as members saw it: the shift of the grants' signal prior at which the training proposals'
    // median For share comes out as it really was (a grid, then the closest).
    const target = median(trainObserved.map((o) => o.forShare).filter((x) => Number.isFinite(x)));
    const sample = train.filter((_, i) => i % Math.max(1, Math.floor(train.length / 20)) === 0);
    let best = { shift: 0, gap: Infinity };
    for (const shift of [-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4]) {
      const shares: number[] = [];
      sample.forEach((p, i) => shares.push(...Array.from(simulateProposal({ ...model, signalShift: shift }, p.endBlock - p.startBlock, 12, root.stream('signal', String(shift), i)).forShare).filter((x) => Number.isFinite(x))));
      const gap = Math.abs(median(shares) - target);
      if (gap < best.gap) best = { shift, gap };
    }
    model = { ...model, signalShift: best.shift };
    signalShift = best.shift;
  }

  const trainVoters = new Set(trainEvents.votes.map((v) => v.voter));
  let unseen = 0;
  let heldCast = 0;
  const predictions: ProposalPrediction[] = [];
  const root = Rng.create(options.seed).stream('validate');
  test.forEach((p, i) => {
    const votes = votesBy.get(p.id) ?? [];
    for (const v of votes) {
      heldCast += v.votes;
      if (!trainVoters.has(v.voter)) unseen += v.votes;
    }
    const samples = simulateProposal(model, p.endBlock - p.startBlock, options.sims, root.stream('proposal', p.id));
    for (const q of QUANTITIES) samples[q] = samples[q].filter((x) => Number.isFinite(x)).sort();
    predictions.push({ id: p.id, startBlock: p.startBlock, real: observe(p, votes, options.supply, protocol), samples });
    onProgress?.(i + 1, test.length);
  });

  const scored = scorePredictions(predictions, trainObserved);
  return {
    options,
    trainProposals: train.length,
    testProposals: test.length,
    trainVoters: trainVoters.size,
    unseenWeightShare: heldCast > 0 ? unseen / heldCast : 0,
    calibration: { votingShare: calibration.votingShare, scale: calibration.scale, medianTurnout },
    attentionSpread,
    signalShift,
    ...scored,
    predictions,
  };
}

/**
 * Scores predictions against what happened: per quantity the coverage of the central intervals, the CRPS
 * against the naive forecast (the `reference` observations' empirical distribution: the training proposals),
 * the misses either side; for passing the Brier score against the reference's pass rate and a reliability table.
 */
export function scorePredictions(predictions: readonly ProposalPrediction[], reference: readonly Observation[]): Pick<ValidationResult, 'scores' | 'brier' | 'brierBaseline' | 'reliability'> {
  const scores: QuantityScore[] = QUANTITIES.filter((q) => q !== 'passed').map((quantity) => {
    const usable = predictions.filter((p) => Number.isFinite(p.real[quantity]) && p.samples[quantity].length > 0);
    const baseline = Float64Array.from(reference.map((o) => o[quantity]).filter((x) => Number.isFinite(x))).sort();
    const coverage: Record<string, number> = {};
    for (const level of LEVELS) coverage[String(level)] = usable.filter((p) => inside(centralInterval(p.samples[quantity], level), p.real[quantity])).length / usable.length;
    const model = usable.reduce((a, p) => a + crps(p.samples[quantity], p.real[quantity]), 0) / usable.length;
    const naive = usable.reduce((a, p) => a + crps(baseline, p.real[quantity]), 0) / usable.length;
    const outer = usable.map((p) => centralInterval(p.samples[quantity], 0.95));
    return {
      quantity,
      coverage,
      crps: model,
      crpsBaseline: naive,
      skill: 1 - model / naive,
      below: usable.filter((p, i) => p.real[quantity] < outer[i]![0]).length,
      above: usable.filter((p, i) => p.real[quantity] > outer[i]![1]).length,
    };
  });

  const baseRate = reference.filter((o) => o.passed === 1).length / reference.length;
  const probability = (p: ProposalPrediction) => p.samples.passed.reduce((a, b) => a + b, 0) / p.samples.passed.length;
  const brier = predictions.reduce((a, p) => a + (probability(p) - p.real.passed) ** 2, 0) / predictions.length;
  const brierBaseline = predictions.reduce((a, p) => a + (baseRate - p.real.passed) ** 2, 0) / predictions.length;
  const reliability = [0, 0.2, 0.4, 0.6, 0.8].map((from) => {
    const to = from + 0.2;
    const bin = predictions.filter((p) => probability(p) >= from && (probability(p) < to || (to >= 1 && probability(p) <= 1)));
    return { from, to, n: bin.length, predicted: bin.length ? bin.reduce((a, p) => a + probability(p), 0) / bin.length : NaN, observed: bin.length ? bin.reduce((a, p) => a + p.real.passed, 0) / bin.length : NaN };
  });

  return { scores, brier, brierBaseline, reliability };
}

/**
 * Each voter's rate over every training proposal from their first vote on, shrunk toward the common rate: the
 * posterior mean (votes + a) / (eligible + a + b) under a Beta(a, b) prior fitted by moments to the raw rates of
 * voters with at least 5 eligible proposals.
 */
export function forwardParticipation(events: GovernorEvents, members: readonly string[]): Float64Array {
  const starts = [...events.proposals.values()].filter((p) => p.endBlock > p.startBlock).map((p) => p.startBlock).sort((a, b) => a - b);
  const first = new Map<string, number>();
  const voted = new Map<string, Set<string>>();
  for (const v of events.votes) {
    const start = events.proposals.get(v.proposalId)!.startBlock;
    first.set(v.voter, Math.min(first.get(v.voter) ?? Infinity, start));
    let set = voted.get(v.voter);
    if (set === undefined) voted.set(v.voter, (set = new Set()));
    set.add(v.proposalId);
  }
  const eligible = members.map((m) => starts.filter((s) => s >= first.get(m)!).length);
  const count = members.map((m) => voted.get(m)!.size);
  const raw = members.map((_, i) => count[i]! / Math.max(1, eligible[i]!)).filter((_, i) => eligible[i]! >= 5);
  const mean = raw.reduce((a, b) => a + b, 0) / Math.max(1, raw.length);
  const variance = raw.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, raw.length - 1);
  // Beta moments: mean m, variance m (1 - m) / (a + b + 1).
  const total = variance > 0 && mean > 0 && mean < 1 ? Math.max(1e-3, (mean * (1 - mean)) / variance - 1) : 2;
  const a = mean * total;
  const b = (1 - mean) * total;
  return Float64Array.from(members, (_, i) => (count[i]! + a) / (eligible[i]! + a + b));
}

const inside = ([lo, hi]: [number, number], y: number): boolean => y >= lo - 1e-12 && y <= hi + 1e-12;

