/**
 * The governance simulator: proposals moving through their lifecycle under a protocol, honest members
 * voting from the population, an attacker acting through the markets, a treasury paying out.
 * No RL here: environments drive it through `advance`, `propose`, `attackerVote`, `bribe`, ...
 *
 * Lifecycle: pending -> active -> defeated | succeeded -> queued -> executed | vetoed | expired,
 * and cancelled from pending, active or queued.
 *
 * Honest voting: when a proposal opens, one pass over the members draws who votes (participation x
 * the proposal's attention), how (public signal + alignment + noise), and when (timing x period);
 * those votes are kept sorted by block and counted as time passes, so a step costs only the votes that
 * land in it.
 */
import { stableArgsort } from '../../lib/argsort.ts';
import { normalSampler } from '../../lib/distributions.ts';
import type { Rng } from '../../lib/rng.ts';
import { Ledger, LedgerError } from './ledger.ts';
import { AMM, DEFAULT_MARKET, LENDING, Market, type MarketConfig } from './market.ts';
import { totalSupply, votingPower, type Population } from './population.ts';
import { parseProtocol, type Protocol, type ProtocolInput } from './protocol.ts';
import { BelowProposalThreshold, formatTokens } from './refusal.ts';
import { compileQuorumExpression, type CompiledQuorumExpression } from './quorum-expression.ts';
import { convictionThreshold, lateQuorumDeadline, lockMultiplier, majorityMet, nounsDynamicQuorumVotes, quorumCounted } from './rules.ts';
import { ABSTAIN, AGAINST, FOR } from './tally.ts';

export type ProposalKind = 'grant' | 'parameter' | 'drain';
export type ProposalState = 'pending' | 'active' | 'defeated' | 'succeeded' | 'queued' | 'executed' | 'vetoed' | 'expired' | 'cancelled';
export const FINAL_STATES: ReadonlySet<ProposalState> = new Set(['defeated', 'executed', 'vetoed', 'expired', 'cancelled']);

export const TREASURY = 'treasury';
export const ATTACKER = 'attacker';
export const OUTSIDE = 'outside';

export interface Proposal {
  id: number;
  kind: ProposalKind;
  proposer: 'honest' | 'attacker';
  /** Share of the treasury (drain) or usd amount (grant) requested. */
  requestedShare: number;
  requestedUsd: number;
  /** Hidden value of the funded work (grants) in usd; negative for drains. */
  trueValue: number;
  /** What members see of the proposal's merit. */
  signal: number;
  /** Multiplies members' participation (low for proposals few notice). */
  attention: number;
  createdAt: number;
  startBlock: number;
  endBlock: number;
  extended: boolean;
  state: ProposalState;
  forVotes: number;
  againstVotes: number;
  abstainVotes: number;
  voters: number;
  quorumVotes: number;
  eta: number;
  executedAt: number;
  /** Supply and attacker weight at the snapshot. */
  supplyAtSnapshot: number;
  attackerSnapshotTokens: number;
  attackerVotedWeight: number;
  /** Conviction voting: accumulated conviction and last update block. */
  conviction: number;
  convictionUpdatedAt: number;
  /** Usd paid out and tokens paid out when executed. */
  paidUsd: number;
  paidTokens: number;
  streamKey: string;
  patch: Partial<ProtocolInput> | undefined;
  /**
   * Members whose voting power backs an attacker's proposal (an insider coalition, as in Compound 289):
   * their power counts toward the proposal threshold, and they vote For through `sponsorsVote`.
   */
  sponsors: Int32Array | undefined;
  /**
   * Members a proposer canvassed to reach the proposal threshold (an autonomous proposal, as Compound's
   * CAP or Uniswap's): their power counts toward the threshold, and their votes go For when voting opens.
   */
  backers: Int32Array | undefined;
}

interface HonestSchedule {
  /** Member index, weight, support and block of each scheduled vote, sorted by block. */
  member: Int32Array;
  weight: Float64Array;
  support: Int8Array;
  block: Float64Array;
  cursor: number;
  /** Members who took a bribe on this proposal or sponsor it (their scheduled vote is replaced by For). */
  bribed: Uint8Array;
  /** Members whose vote has been counted. */
  cast: Uint8Array;
}

export interface GuardianConfig {
  /** Probability the guardian vetoes a queued malicious proposal. */
  detection: number;
  /** Probability it vetoes a queued honest proposal by mistake. */
  falseVeto: number;
}

/**
 * Members who had not voted answer a late quorum half as readily as they answered the proposal itself. An
 * assumption: the extension exists to give them that time (OpenZeppelin's GovernorPreventLateQuorum), but no
 * published figure says how many use it.
 */
export const DEFAULT_LATE_REACTION = 0.5;

export interface SimulationConfig {
  protocol: Protocol;
  population: Population;
  /** Stream for every draw the simulation makes. */
  rng: Rng;
  treasury?: { usd: number; token: number };
  market?: Partial<MarketConfig>;
  attackerUsd?: number;
  attackerTokens?: number;
  guardian?: GuardianConfig;
  /** Noise of members' judgement around signal + alignment. */
  judgementNoise?: number;
  /**
   * How strongly members who have not voted answer a late-quorum extension (0-1, default
   * DEFAULT_LATE_REACTION): when the first quorum comes so late that `GovernorPreventLateQuorum` moves the
   * deadline, each of them votes in the extension with probability lateReaction x participation x the
   * proposal's attention (a second look at the proposal, as if announced again), at timing x the extension.
   * 0: nobody answers, and the extension only delays.
   */
  lateReaction?: number;
  /** Precomputed members' voting power and bribe order, when many simulations share one population. */
  shared?: SharedPopulationData;
  /** Told of every honest scheduled vote as it is counted (daogym validate reads who voted, how much, and when). */
  onHonestVote?: (proposal: Proposal, member: number, support: number, weight: number, block: number) => void;
}

/** Derived per-population data that is costly to recompute on every reset. */
export interface SharedPopulationData {
  memberPower: Float64Array;
  memberSupply: number;
  bribeOrder: Int32Array;
}

export function sharePopulationData(population: Population): SharedPopulationData {
  const memberPower = votingPower(population);
  const candidates: number[] = [];
  for (let i = 0; i < population.size; i++) if (memberPower[i]! > 0) candidates.push(i);
  candidates.sort((a, b) => population.corruptibility[a]! - population.corruptibility[b]!);
  return { memberPower, memberSupply: totalSupply(population), bribeOrder: Int32Array.from(candidates) };
}

/** Votes drawn for one proposal, in member order; `slot[i]` is member i's row (-1: no vote), reset after use. */
export interface ScheduleScratch {
  member: Int32Array;
  weight: Float64Array;
  support: Int8Array;
  block: Float64Array;
  slot: Int32Array;
}

/** A member's vote from its judgement of a proposal: For above 0.1, Against below -0.1, else Abstain. */
function supportOf(judgement: number): number {
  return judgement > 0.1 ? FOR : judgement < -0.1 ? AGAINST : ABSTAIN;
}

/** Members of a population ordered by their vote timing (equal timings by index), cached per timing column. */
const timingOrders = new WeakMap<Float64Array, Int32Array>();

function timingOrder(timing: Float64Array): Int32Array {
  let order = timingOrders.get(timing);
  if (order === undefined) {
    order = stableArgsort(timing);
    timingOrders.set(timing, order);
  }
  return order;
}

/**
 * The rows of `scratch` (its first `count` votes) in stable block order: the order of a stable sort by
 * block. A vote's block is startBlock + timing x period, non-decreasing in timing, so walking the
 * members in timing order gives it without a sort; the walk checks that each block is >= the one before
 * and that equal blocks come in member order (rounding can map nearby timings to one block), and falls
 * back to the sort when either fails, so the order is always exactly the stable sort's.
 */
export function scheduleOrder(scratch: ScheduleScratch, count: number, byTiming: Int32Array): Int32Array {
  const { slot, block, member } = scratch;
  const order = new Int32Array(count);
  let filled = 0;
  let exact = true;
  for (let j = 0; j < byTiming.length && filled < count; j++) {
    const i = byTiming[j]!;
    const row = slot[i]!;
    if (row < 0) continue;
    slot[i] = -1;
    if (filled > 0) {
      const previous = order[filled - 1]!;
      const before = block[previous]!;
      const here = block[row]!;
      if (here < before || (here === before && member[row]! < member[previous]!)) exact = false;
    }
    order[filled++] = row;
  }
  if (filled < count) {
    // Not every vote's member was in the timing order (cannot happen for a population's own column): clear and sort.
    for (let row = 0; row < count; row++) slot[member[row]!] = -1;
    exact = false;
  }
  return exact ? order : stableArgsort(block, count);
}

export interface BribeResult {
  bought: number;
  cost: number;
  members: number;
  /** Members who would take the price but whose votes cost more than the budget left. */
  unaffordable: number;
}

/** What a proposal is: its kind, proposer, request, and how members see it. */
export interface ProposeOptions {
  kind: ProposalKind;
  proposer: 'honest' | 'attacker';
  requestedShare?: number;
  requestedUsd?: number;
  trueValue?: number;
  signal?: number;
  attention?: number;
  /** For 'parameter' proposals: the protocol fields the proposal changes when it executes. */
  patch?: Partial<ProtocolInput>;
  /** Names the random stream of this proposal's honest votes (default: its id), so that adding or
   * removing other proposals leaves its votes unchanged (common random numbers across variants). */
  streamKey?: string;
  /** For attacker proposals: members who back it (their power counts toward the threshold; they vote For). */
  sponsors?: ArrayLike<number>;
  /** Members the proposer canvassed (`canvass`): their power counts toward the threshold; they vote For at the start. */
  backers?: ArrayLike<number>;
}

export const DEFAULT_GUARDIAN: GuardianConfig = { detection: 0.9, falseVeto: 0.02 };

export class GovernanceSimulation {
  /** The protocol in force; an executed parameter-change proposal replaces it. */
  protocol: Protocol;
  readonly population: Population;
  readonly ledger: Ledger;
  readonly market: Market;
  readonly proposals: Proposal[] = [];
  block = 0;
  /** Accounts the attacker split into for quadratic voting. */
  sybilAccounts = 1;
  /** Lock level the attacker commits its own tokens at when voting under lock multipliers. */
  attackerLockLevel = 1;
  private inFlashLoan = false;
  /** Share of supply cast on finished proposals, most recent last. */
  readonly turnoutHistory: number[] = [];
  readonly memberPower: Float64Array;
  readonly memberSupply: number;
  private readonly rng: Rng;
  private readonly schedules = new Map<number, HonestSchedule>();
  private readonly guardian: GuardianConfig;
  private readonly onHonestVote: SimulationConfig['onHonestVote'];
  private readonly judgementNoise: number;
  private readonly lateReaction: number;
  private quorumExpression: CompiledQuorumExpression | undefined;
  /** Members sorted by bribe price per unit of weight, for the cheapest-first bribe walk. */
  private bribeOrder: Int32Array | undefined;

  constructor(config: SimulationConfig) {
    this.protocol = config.protocol;
    this.population = config.population;
    this.rng = config.rng;
    this.guardian = config.guardian ?? DEFAULT_GUARDIAN;
    this.onHonestVote = config.onHonestVote;
    this.judgementNoise = config.judgementNoise ?? 0.6;
    if (!(this.judgementNoise >= 0)) throw new RangeError(`judgementNoise must be >= 0, got ${this.judgementNoise}`);
    this.lateReaction = config.lateReaction ?? DEFAULT_LATE_REACTION;
    if (!(this.lateReaction >= 0 && this.lateReaction <= 1)) throw new RangeError(`lateReaction must be in [0, 1], got ${this.lateReaction}`);
    this.memberPower = config.shared?.memberPower ?? votingPower(this.population);
    this.memberSupply = config.shared?.memberSupply ?? totalSupply(this.population);
    this.bribeOrder = config.shared?.bribeOrder;
    this.ledger = new Ledger({
      [TREASURY]: config.treasury ?? { usd: 10_000_000, token: 0 },
      [ATTACKER]: { usd: config.attackerUsd ?? 0, token: config.attackerTokens ?? 0 },
    });
    this.market = Market.open(this.ledger, { ...DEFAULT_MARKET, ...config.market });
    this.quorumExpression = this.protocol.quorum.kind === 'expression' ? compileQuorumExpression(this.protocol.quorum.expression) : undefined;
  }

  /** All governance tokens: members' plus those held in the ledger (pool, lending, treasury, attacker). */
  tokenSupply(): number {
    return this.memberSupply + this.ledger.total('token');
  }

  /** Tokens the attacker controls now (its own balance). */
  attackerTokens(): number {
    return this.ledger.balance(ATTACKER, 'token');
  }

  /**
   * The attacker's vote weight for a proposal: its tokens at the snapshot (or now, for 'current'),
   * through the voting-power rule. Flash-loaned tokens cannot be locked, so under lock multipliers they
   * count at level 0.
   */
  attackerWeight(proposal: Proposal, tokensNow = this.attackerTokens()): number {
    const tokens = this.protocol.snapshot === 'current' ? tokensNow : proposal.attackerSnapshotTokens;
    return this.weightOf(tokens, this.sybilAccounts, this.inFlashLoan ? 0 : this.attackerLockLevel);
  }

  /** Votes from `tokens` split across `accounts`; `lockLevel` for lock multipliers. */
  private weightOf(tokens: number, accounts: number, lockLevel: number): number {
    const vp = this.protocol.votingPower;
    if (tokens <= 0) return 0;
    switch (vp.kind) {
      case 'quadratic':
        return accounts * Math.sqrt(tokens / accounts);
      case 'lock':
        return tokens * lockMultiplier(lockLevel, vp.multipliers);
      default:
        return tokens;
    }
  }

  /** A member's votes from its power: through the vote cap (unless `capped` is false) and the voting-power rule. */
  private memberWeight(power: number, member: number, capped = true): number {
    const vp = this.protocol.votingPower;
    const cap = this.protocol.voteCap;
    if (capped && cap !== null && power > cap * this.memberSupply) power = cap * this.memberSupply;
    if (vp.kind === 'quadratic') return Math.sqrt(power);
    if (vp.kind === 'lock') return power * lockMultiplier(Math.min(this.population.lock[member]!, vp.multipliers.length - 1), vp.multipliers);
    return power;
  }

  /** Supply in vote units (what quorum fractions refer to). */
  private voteSupply(proposal: Proposal): number {
    if (this.protocol.votingPower.kind === 'quadratic') {
      let total = 0;
      for (let i = 0; i < this.memberPower.length; i++) total += Math.sqrt(this.memberPower[i]!);
      return total + this.weightOf(this.attackerTokens(), this.sybilAccounts, 0);
    }
    return this.protocol.snapshot === 'current' ? this.tokenSupply() : proposal.supplyAtSnapshot;
  }

  /** Creates a proposal; throws BelowProposalThreshold (refusal.ts) when the proposer is below the threshold. */
  propose(options: ProposeOptions): Proposal {
    const result = this.tryPropose(options);
    if ('refusal' in result) throw result.refusal;
    return result.proposal;
  }

  /** Creates a proposal, or returns the protocol's refusal when the proposer (with its backers) is below the threshold. */
  tryPropose(options: ProposeOptions): { proposal: Proposal } | { refusal: BelowProposalThreshold } {
    const sponsors = options.sponsors === undefined ? undefined : Int32Array.from(options.sponsors);
    if (sponsors !== undefined && (options.proposer !== 'attacker' || sponsors.some((i) => !(i >= 0 && i < this.memberPower.length)))) {
      throw new RangeError(`sponsors: member indices in [0, ${this.memberPower.length}) backing an attacker's proposal`);
    }
    const backers = options.backers === undefined ? undefined : Int32Array.from(options.backers);
    if (backers !== undefined && backers.some((i) => !(i >= 0 && i < this.memberPower.length))) {
      throw new RangeError(`backers: member indices in [0, ${this.memberPower.length})`);
    }
    if (options.proposer === 'attacker') {
      const needed = this.protocol.proposalThreshold * this.tokenSupply();
      const short = this.thresholdShortfall('attacker', sponsors, backers);
      if (!this.meetsThreshold(short)) return { refusal: new BelowProposalThreshold(needed, needed - short) };
    }
    return { proposal: this.createProposal(options, sponsors, backers) };
  }

  private createProposal(options: ProposeOptions, sponsors: Int32Array | undefined, backers: Int32Array | undefined): Proposal {
    const kind = options.kind;
    const treasuryUsd = this.ledger.balance(TREASURY, 'usd');
    const requestedShare = options.requestedShare ?? (options.requestedUsd !== undefined && treasuryUsd > 0 ? options.requestedUsd / treasuryUsd : 0);
    const proposal: Proposal = {
      id: this.proposals.length,
      kind,
      proposer: options.proposer,
      requestedShare,
      requestedUsd: options.requestedUsd ?? requestedShare * treasuryUsd,
      trueValue: options.trueValue ?? (kind === 'drain' ? -requestedShare * treasuryUsd : 0),
      signal: options.signal ?? (kind === 'drain' ? -2 : 0.5),
      attention: options.attention ?? 1,
      createdAt: this.block,
      startBlock: this.block + this.protocol.votingDelay,
      endBlock: this.block + this.protocol.votingDelay + this.protocol.votingPeriod,
      extended: false,
      state: 'pending',
      forVotes: 0,
      againstVotes: 0,
      abstainVotes: 0,
      voters: 0,
      quorumVotes: 0,
      eta: Infinity,
      executedAt: -1,
      supplyAtSnapshot: this.tokenSupply(),
      attackerSnapshotTokens: this.attackerTokens(),
      attackerVotedWeight: 0,
      conviction: 0,
      convictionUpdatedAt: this.block + this.protocol.votingDelay,
      paidUsd: 0,
      paidTokens: 0,
      streamKey: options.streamKey ?? `proposal-${this.proposals.length}`,
      patch: options.patch,
      sponsors,
      backers,
    };
    if (kind === 'parameter' && options.patch !== undefined) parseProtocol({ ...this.protocol, ...options.patch });
    this.proposals.push(proposal);
    if (proposal.startBlock <= this.block) this.activate(proposal);
    return proposal;
  }

  private activate(proposal: Proposal): void {
    proposal.state = 'active';
    if (this.protocol.snapshot === 'start') {
      proposal.supplyAtSnapshot = this.tokenSupply();
      proposal.attackerSnapshotTokens = this.attackerTokens();
    }
    this.schedules.set(proposal.id, this.drawHonestVotes(proposal));
    if (proposal.backers !== undefined) this.backersVote(proposal);
  }

  /**
   * A proposer below the proposal threshold canvasses the members for the `gap` it lacks (an autonomous
   * proposal: members lend it their votes, as to Compound's CAP). Each member other than `exclude` is asked
   * and looks at the proposal with probability reach x participation x attention, judges it as a vote would
   * (signal + alignment + noise), and is willing when that judgement would vote For. The largest willing
   * members back it until the gap is filled; undefined when all of them together fall short. Draws from the
   * proposal's own `canvass` stream, so no other draw moves.
   */
  canvass(options: { signal: number; attention: number; streamKey: string; gap: number; reach: number; exclude?: number }): Int32Array | undefined {
    const { signal, attention, streamKey, gap, reach, exclude } = options;
    if (!(reach >= 0 && reach <= 1)) throw new RangeError(`reach must be in [0, 1], got ${reach}`);
    if (gap <= 0) return new Int32Array(0);
    if (reach === 0 || this.protocol.votingPower.kind === 'conviction') return undefined;
    const { participation, size } = this.population;
    const rng = this.rng.stream(streamKey, 'canvass');
    const judge = this.judgement(rng);
    const chance = reach * attention;
    const willing: number[] = [];
    let total = 0;
    for (let i = 0; i < size; i++) {
      const w = this.memberPower[i]!;
      if (w <= 0 || i === exclude) continue;
      if (rng.random() >= participation[i]! * chance) continue;
      if (judge(signal, i) !== FOR) continue;
      willing.push(i);
      total += w;
    }
    if (total < gap) return undefined;
    willing.sort((a, b) => this.memberPower[b]! - this.memberPower[a]! || a - b);
    const backers: number[] = [];
    let gathered = 0;
    for (const i of willing) {
      if (gathered >= gap) break;
      backers.push(i);
      gathered += this.memberPower[i]!;
    }
    return Int32Array.from(backers);
  }

  /** Canvassed backers vote For when voting opens (each its own, capped weight) in place of their scheduled votes. */
  private backersVote(proposal: Proposal): void {
    const schedule = this.schedules.get(proposal.id)!;
    for (const i of proposal.backers!) {
      const power = this.memberPower[i]!;
      if (power <= 0 || schedule.bribed[i] || schedule.cast[i]) continue;
      schedule.bribed[i] = 1;
      this.addVote(proposal, FOR, this.memberWeight(power, i));
    }
    this.checkEmergencyCommit(proposal);
  }

  /**
   * A member's vote on a proposal with public `signal`: its judgement signal + alignment + N(0, judgementNoise)
   * read by `supportOf`, the normal from `rng`'s sampler taken at its first draw (as normal() would make it).
   */
  private judgement(rng: Rng): (signal: number, member: number) => number {
    const noise = this.judgementNoise;
    const alignment = this.population.alignment;
    let draw: ((mean: number, std: number) => number) | undefined;
    return (signal, member) => supportOf(signal + alignment[member]! + (noise === 0 ? 0 : (draw ??= normalSampler(rng))(0, noise)));
  }

  /** One pass over the members: who votes, how, and at which block. */
  private drawHonestVotes(proposal: Proposal): HonestSchedule {
    const { participation, timing, size } = this.population;
    const rng = this.rng.stream(proposal.streamKey);
    const judge = this.judgement(rng);
    const period = this.protocol.votingPeriod;
    const attention = proposal.attention;
    const conviction = this.protocol.votingPower.kind === 'conviction';
    const power = this.memberPower;
    // Scratch columns sized for the worst case; the schedule keeps copies of the used prefix.
    const scratch = this.scratchColumns(size);
    let count = 0;
    for (let i = 0; i < size; i++) {
      const w = power[i]!;
      if (w <= 0) continue;
      // 32-bit coin: participation needs no more resolution, and this loop visits every member.
      if (rng.random32() >= participation[i]! * attention) continue;
      const support = judge(proposal.signal, i);
      // Conviction voting has only support: members who would oppose simply do not stake.
      if (conviction && support !== FOR) continue;
      scratch.member[count] = i;
      scratch.support[count] = support;
      scratch.block[count] = proposal.startBlock + timing[i]! * period;
      scratch.weight[count] = this.memberWeight(w, i);
      scratch.slot[i] = count;
      count++;
    }
    const order = scheduleOrder(scratch, count, timingOrder(timing));
    const schedule: HonestSchedule = {
      member: new Int32Array(count),
      weight: new Float64Array(count),
      support: new Int8Array(count),
      block: new Float64Array(count),
      cursor: 0,
      bribed: new Uint8Array(size),
      cast: new Uint8Array(size),
    };
    for (let j = 0; j < count; j++) {
      const k = order[j]!;
      schedule.member[j] = scratch.member[k]!;
      schedule.weight[j] = scratch.weight[k]!;
      schedule.support[j] = scratch.support[k]!;
      schedule.block[j] = scratch.block[k]!;
    }
    return schedule;
  }

  private scratch: ScheduleScratch | undefined;

  private scratchColumns(size: number): ScheduleScratch {
    if (this.scratch === undefined || this.scratch.member.length < size) {
      this.scratch = { member: new Int32Array(size), weight: new Float64Array(size), support: new Int8Array(size), block: new Float64Array(size), slot: new Int32Array(size).fill(-1) };
    }
    return this.scratch;
  }

  private addVote(proposal: Proposal, support: number, weight: number): void {
    if (support === FOR) proposal.forVotes += weight;
    else if (support === AGAINST) proposal.againstVotes += weight;
    else proposal.abstainVotes += weight;
    proposal.voters++;
    if (this.protocol.lateQuorumExtension > 0 && !proposal.extended) {
      const deadline = proposal.endBlock;
      const next = lateQuorumDeadline(deadline, this.block, this.protocol.lateQuorumExtension, this.quorumReached(proposal), proposal.extended);
      proposal.endBlock = next.deadline;
      proposal.extended = next.extended;
      if (next.deadline > deadline && this.lateReaction > 0) this.drawLateReaction(proposal);
    }
  }

  /**
   * Members who had not voted answer a late quorum: each with probability lateReaction x participation x
   * attention, judging the proposal as the first draw does, at block now + timing x (new deadline - now).
   * Their votes join the schedule's not yet counted part in block order (ties: scheduled votes first, then
   * member order). Draws from the proposal's own `late-reaction` stream, so no other draw moves.
   */
  private drawLateReaction(proposal: Proposal): void {
    const schedule = this.schedules.get(proposal.id);
    if (schedule === undefined || this.protocol.votingPower.kind === 'conviction') return;
    const { participation, timing, size } = this.population;
    const scheduled = new Uint8Array(size);
    for (let j = 0; j < schedule.member.length; j++) scheduled[schedule.member[j]!] = 1;
    const rng = this.rng.stream(proposal.streamKey, 'late-reaction');
    const judge = this.judgement(rng);
    const chance = this.lateReaction * proposal.attention;
    const window = proposal.endBlock - this.block;
    const member: number[] = [];
    const support: number[] = [];
    const block: number[] = [];
    const weight: number[] = [];
    for (let i = 0; i < size; i++) {
      const w = this.memberPower[i]!;
      if (w <= 0 || scheduled[i] || schedule.bribed[i]) continue;
      if (rng.random() >= participation[i]! * chance) continue;
      member.push(i);
      support.push(judge(proposal.signal, i));
      block.push(this.block + timing[i]! * window);
      weight.push(this.memberWeight(w, i));
    }
    if (member.length === 0) return;
    // The uncounted tail (already in block order) then the answers, stably sorted by block: ties keep
    // scheduled votes first, answers in member order. The counted prefix stays as it is.
    const cursor = schedule.cursor;
    const tail = schedule.member.length - cursor;
    const keys = new Float64Array(tail + member.length);
    keys.set(schedule.block.subarray(cursor));
    keys.set(block, tail);
    const order = stableArgsort(keys);
    const total = cursor + keys.length;
    const next = { member: new Int32Array(total), weight: new Float64Array(total), support: new Int8Array(total), block: new Float64Array(total) };
    for (const column of ['member', 'weight', 'support', 'block'] as const) next[column].set(schedule[column].subarray(0, cursor));
    for (let k = 0; k < order.length; k++) {
      const r = order[k]!;
      const at = cursor + k;
      if (r < tail) {
        next.member[at] = schedule.member[cursor + r]!;
        next.weight[at] = schedule.weight[cursor + r]!;
        next.support[at] = schedule.support[cursor + r]!;
      } else {
        next.member[at] = member[r - tail]!;
        next.weight[at] = weight[r - tail]!;
        next.support[at] = support[r - tail]!;
      }
      next.block[at] = keys[r]!;
    }
    Object.assign(schedule, next);
  }

  /** Quorum in vote units for a proposal as it stands. */
  quorumVotes(proposal: Proposal): number {
    const q = this.protocol.quorum;
    const supply = this.voteSupply(proposal);
    switch (q.kind) {
      case 'none':
        return 0;
      case 'absolute':
        return q.votes;
      case 'fraction':
        return q.fraction * supply;
      case 'nouns':
        return nounsDynamicQuorumVotes(proposal.againstVotes, supply, { minQuorumVotesBps: q.minBps, maxQuorumVotesBps: q.maxBps, quorumCoefficient: q.coefficient });
      case 'expression': {
        const history = this.turnoutHistory;
        const totalVotes = proposal.forVotes + proposal.againstVotes + proposal.abstainVotes;
        return this.quorumExpression!.evaluate({
          supply,
          circulating: this.circulatingVotes(),
          forVotes: proposal.forVotes,
          againstVotes: proposal.againstVotes,
          abstainVotes: proposal.abstainVotes,
          totalVotes,
          turnoutLast: history.at(-1) ?? 0,
          turnoutMean: history.length > 0 ? history.reduce((a, b) => a + b, 0) / history.length : 0,
          voters: proposal.voters,
          requested: proposal.requestedUsd,
          treasury: this.ledger.balance(TREASURY, 'usd'),
        });
      }
    }
  }

  private circulatingVotes(): number {
    let total = 0;
    for (let i = 0; i < this.memberPower.length; i++) total += this.memberPower[i]!;
    return total;
  }

  quorumReached(proposal: Proposal): boolean {
    return quorumCounted(this.protocol.quorumCounts, proposal.forVotes, proposal.abstainVotes) >= this.quorumVotes(proposal);
  }

  majorityReached(proposal: Proposal): boolean {
    const decisive = proposal.forVotes + proposal.againstVotes;
    const movesFunds = proposal.kind === 'drain' || proposal.kind === 'grant';
    const treasuryRule = this.protocol.treasurySupermajority;
    if (movesFunds && treasuryRule !== null && !(decisive > 0 && proposal.forVotes / decisive >= treasuryRule)) return false;
    const m = this.protocol.majority;
    // The vote supply (a pass over the members under quadratic voting) only where the rule reads it.
    return majorityMet(m, proposal.forVotes, proposal.againstVotes, m.kind === 'differential' ? this.voteSupply(proposal) : NaN);
  }

  /**
   * Why a defeated proposal failed, in words: the quorum it missed, the majority or differential it did not
   * reach, or (conviction) the threshold its conviction stayed under.
   */
  defeatReason(proposal: Proposal): string {
    const votes = (v: number) => formatTokens(v);
    const tally = `For ${votes(proposal.forVotes)}, Against ${votes(proposal.againstVotes)}, Abstain ${votes(proposal.abstainVotes)}`;
    if (this.protocol.votingPower.kind === 'conviction') return `conviction ${votes(proposal.conviction)} stayed below the threshold ${votes(proposal.quorumVotes)}`;
    const counted = quorumCounted(this.protocol.quorumCounts, proposal.forVotes, proposal.abstainVotes);
    if (counted < proposal.quorumVotes) return `defeated: quorum not reached (${votes(counted)} of ${votes(proposal.quorumVotes)} votes; ${tally})`;
    const decisive = proposal.forVotes + proposal.againstVotes;
    const treasuryRule = this.protocol.treasurySupermajority;
    if ((proposal.kind === 'drain' || proposal.kind === 'grant') && treasuryRule !== null && !(decisive > 0 && proposal.forVotes / decisive >= treasuryRule)) {
      return `defeated: treasury supermajority (For >= ${treasuryRule} of For + Against) not met (${tally})`;
    }
    const m = this.protocol.majority;
    const rule = m.kind === 'simple' ? 'For > Against' : m.kind === 'supermajority' ? `For >= ${m.fraction} of For + Against` : `For - Against > ${m.differentialBps} bps of supply`;
    return `defeated: ${rule} not met (${tally})`;
  }

  /** The attacker votes on a proposal with its current weight (once per proposal). */
  attackerVote(proposal: Proposal, support: number = FOR): number {
    if (proposal.state !== 'active') return 0;
    if (proposal.attackerVotedWeight > 0) {
      // Voting again changes nothing under a snapshot; under live balances the vote follows holdings.
      if (this.protocol.snapshot !== 'current') return 0;
      this.refreshAttackerVotes();
      this.checkEmergencyCommit(proposal);
      return proposal.attackerVotedWeight;
    }
    const weight = this.attackerWeight(proposal);
    if (weight <= 0) return 0;
    proposal.attackerVotedWeight = weight;
    this.addVote(proposal, support, weight);
    this.checkEmergencyCommit(proposal);
    return weight;
  }

  /**
   * A proposal's sponsors vote For with their own weight, in place of the votes their judgement would have
   * cast (those are skipped); members who already voted keep their vote. Returns the weight added.
   * Colluding sponsors split their holdings like the attacker, so a vote cap does not bind them.
   */
  sponsorsVote(proposal: Proposal): number {
    if (proposal.state !== 'active' || proposal.sponsors === undefined) return 0;
    const schedule = this.schedules.get(proposal.id);
    if (schedule === undefined) return 0;
    let added = 0;
    for (const i of proposal.sponsors) {
      const power = this.memberPower[i]!;
      if (power <= 0 || schedule.bribed[i] || schedule.cast[i]) continue;
      schedule.bribed[i] = 1;
      const weight = this.memberWeight(power, i, false);
      this.addVote(proposal, FOR, weight);
      added += weight;
    }
    this.checkEmergencyCommit(proposal);
    return added;
  }

  /**
   * Buys votes For `proposal` from the members cheapest per unit of weight, paying `pricePerVote`
   * usd per vote to each member whose minimum (corruptibility x token price) is at or below it, until
   * `budget` runs out. Members who already voted are not bought; bribed members' own votes are replaced.
   */
  bribe(proposal: Proposal, pricePerVote: number, budget: number): BribeResult {
    const result: BribeResult = { bought: 0, cost: 0, members: 0, unaffordable: 0 };
    if (proposal.state !== 'active' || pricePerVote <= 0) return result;
    const schedule = this.schedules.get(proposal.id)!;
    const order = this.bribeOrderByPrice();
    const price = this.market.price();
    let remaining = Math.min(budget, this.ledger.balance(ATTACKER, 'usd'));
    for (const i of order) {
      if (this.population.corruptibility[i]! * price > pricePerVote) break;
      const power = this.memberPower[i]!;
      if (power <= 0 || schedule.bribed[i] || schedule.cast[i]) continue;
      const weight = this.memberWeight(power, i);
      const cost = weight * pricePerVote;
      if (cost > remaining) {
        result.unaffordable++;
        continue;
      }
      remaining -= cost;
      schedule.bribed[i] = 1;
      this.ledger.transfer('usd', ATTACKER, OUTSIDE, cost);
      this.addVote(proposal, FOR, weight);
      result.bought += weight;
      result.cost += cost;
      result.members++;
    }
    this.checkEmergencyCommit(proposal);
    return result;
  }

  private bribeOrderByPrice(): Int32Array {
    this.bribeOrder ??= sharePopulationData(this.population).bribeOrder;
    return this.bribeOrder;
  }

  private checkEmergencyCommit(proposal: Proposal): void {
    const commit = this.protocol.emergencyCommit;
    if (commit === null || proposal.state !== 'active') return;
    if (this.block - proposal.createdAt < commit.afterBlocks) return;
    if (proposal.forVotes >= commit.fraction * this.voteSupply(proposal)) {
      proposal.quorumVotes = this.quorumVotes(proposal);
      this.recordTurnout(proposal);
      // With a timelock the commit only queues: no same-block execution.
      this.succeed(proposal, this.block);
    }
  }

  /** Tries emergencyCommit on a proposal now (Beanstalk's rule); true if it executed. */
  emergencyCommit(proposal: Proposal): boolean {
    this.checkEmergencyCommit(proposal);
    return proposal.state === 'executed';
  }

  /** Advances the clock by `blocks`, counting votes, closing votes, queueing, vetoing and executing. */
  advance(blocks: number): void {
    const target = this.block + blocks;
    this.market.accrue(blocks);
    for (const proposal of this.proposals) {
      if (FINAL_STATES.has(proposal.state)) continue;
      this.progress(proposal, target);
    }
    this.block = target;
  }

  private progress(proposal: Proposal, target: number): void {
    if (proposal.state === 'pending') {
      if (proposal.startBlock > target) return;
      this.block = Math.max(this.block, proposal.startBlock);
      this.activate(proposal);
    }
    if (proposal.state === 'active') {
      if (this.protocol.votingPower.kind === 'conviction') {
        this.progressConviction(proposal, target);
      } else {
        const schedule = this.schedules.get(proposal.id)!;
        while (schedule.cursor < schedule.member.length && schedule.block[schedule.cursor]! <= Math.min(target, proposal.endBlock)) {
          const j = schedule.cursor++;
          if (schedule.bribed[schedule.member[j]!]) continue;
          schedule.cast[schedule.member[j]!] = 1;
          const saved = this.block;
          this.block = Math.max(this.block, schedule.block[j]!);
          this.addVote(proposal, schedule.support[j]!, schedule.weight[j]!);
          this.onHonestVote?.(proposal, schedule.member[j]!, schedule.support[j]!, schedule.weight[j]!, this.block);
          this.block = saved;
        }
        this.checkEmergencyCommit(proposal);
        if (proposal.state === 'active' && target >= proposal.endBlock) this.close(proposal, proposal.endBlock);
      }
    }
    if (proposal.state === 'queued') {
      if (this.cancelIfBelowThreshold(proposal)) return;
      if (target >= proposal.eta) {
        if (!this.stillPasses(proposal)) {
          proposal.state = 'defeated';
          return;
        }
        const grace = this.protocol.gracePeriod;
        if (!this.execute(proposal) && grace > 0 && target > proposal.eta + grace) proposal.state = 'expired';
      }
    }
  }

  private progressConviction(proposal: Proposal, target: number): void {
    const vp = this.protocol.votingPower;
    if (vp.kind !== 'conviction') return;
    const schedule = this.schedules.get(proposal.id)!;
    while (proposal.convictionUpdatedAt + vp.periodBlocks <= target) {
      const periodEnd = proposal.convictionUpdatedAt + vp.periodBlocks;
      while (schedule.cursor < schedule.member.length && schedule.block[schedule.cursor]! <= periodEnd) {
        const j = schedule.cursor++;
        if (!schedule.bribed[schedule.member[j]!]) proposal.forVotes += schedule.weight[j]!;
        proposal.voters++;
      }
      proposal.conviction = vp.decay * proposal.conviction + proposal.forVotes;
      proposal.convictionUpdatedAt = periodEnd;
      const staked = Math.max(proposal.forVotes, vp.minStakeShare * this.tokenSupply());
      const threshold = convictionThreshold(proposal.requestedUsd, Math.max(1e-9, this.ledger.balance(TREASURY, 'usd')), staked, vp);
      proposal.quorumVotes = threshold;
      if (proposal.conviction >= threshold) {
        this.block = Math.max(this.block, periodEnd);
        this.succeed(proposal, periodEnd);
        return;
      }
      if (periodEnd >= proposal.endBlock) {
        proposal.state = 'defeated';
        this.recordTurnout(proposal);
        return;
      }
    }
  }

  private close(proposal: Proposal, at: number): void {
    proposal.quorumVotes = this.quorumVotes(proposal);
    const passed = this.quorumReached(proposal) && this.majorityReached(proposal);
    // Recorded after the decision: a history-based quorum must not see this proposal's own turnout.
    this.recordTurnout(proposal);
    if (passed) this.succeed(proposal, at);
    else proposal.state = 'defeated';
  }

  private recordTurnout(proposal: Proposal): void {
    const cast = proposal.forVotes + proposal.againstVotes + proposal.abstainVotes - proposal.attackerVotedWeight;
    this.turnoutHistory.push(cast / Math.max(1e-12, proposal.supplyAtSnapshot));
  }

  private succeed(proposal: Proposal, at: number): void {
    proposal.state = 'succeeded';
    if (this.protocol.timelock === 0) {
      this.execute(proposal);
      return;
    }
    proposal.state = 'queued';
    proposal.eta = at + this.protocol.timelock;
    if (this.protocol.ragequit) this.ragequit(proposal);
    if (this.protocol.guardianVeto) {
      const malicious = proposal.kind === 'drain';
      const vetoChance = malicious ? this.guardian.detection : this.guardian.falseVeto;
      if (this.rng.random() < vetoChance) proposal.state = 'vetoed';
    }
  }

  /** Moloch: Against voters leave with their pro-rata share of the treasury before execution. */
  private ragequit(proposal: Proposal): void {
    const share = Math.min(1, proposal.againstVotes / Math.max(1e-12, this.voteSupply(proposal)));
    for (const asset of ['usd', 'token'] as const) {
      this.ledger.transfer(asset, TREASURY, OUTSIDE, this.ledger.balance(TREASURY, asset) * share);
    }
  }

  /**
   * Votes a proposer lacks for the proposal threshold now (<= 0: enough): the attacker's tokens or member
   * `proposer`'s power, plus the power of the members backing it (sponsors, canvassed backers).
   */
  thresholdShortfall(proposer: 'attacker' | number, ...backing: (ArrayLike<number> | undefined)[]): number {
    let held = proposer === 'attacker' ? this.attackerTokens() : this.memberPower[proposer]!;
    for (const members of backing) if (members !== undefined) for (let k = 0; k < members.length; k++) held += this.memberPower[members[k]!]!;
    return this.protocol.proposalThreshold * this.tokenSupply() - held;
  }

  /**
   * Whether a proposer with this shortfall (thresholdShortfall) may propose: held >= needed, or held > needed
   * under proposalThresholdRule 'above' (Bravo's `getPriorVotes(...) > proposalThreshold`).
   */
  meetsThreshold(shortfall: number): boolean {
    return this.protocol.proposalThresholdRule === 'above' ? shortfall < 0 : shortfall <= 0;
  }

  /** Cancels an attacker's queued proposal when its proposer is now strictly below the threshold (Bravo's cancel: `< proposalThreshold`). */
  private cancelIfBelowThreshold(proposal: Proposal): boolean {
    if (proposal.proposer !== 'attacker' || this.protocol.proposalThreshold === 0) return false;
    if (this.thresholdShortfall('attacker', proposal.sponsors, proposal.backers) > 0) {
      proposal.state = 'cancelled';
      return true;
    }
    return false;
  }

  /** Pays out an executable proposal; false if the treasury cannot. */
  private execute(proposal: Proposal): boolean {
    const recipient = proposal.kind === 'drain' ? (proposal.proposer === 'attacker' ? ATTACKER : OUTSIDE) : OUTSIDE;
    if (proposal.kind === 'drain') {
      const usd = this.ledger.balance(TREASURY, 'usd') * proposal.requestedShare;
      const tokens = this.ledger.balance(TREASURY, 'token') * proposal.requestedShare;
      this.ledger.transfer('usd', TREASURY, recipient, usd);
      this.ledger.transfer('token', TREASURY, recipient, tokens);
      proposal.paidUsd = usd;
      proposal.paidTokens = tokens;
    } else if (proposal.kind === 'grant') {
      if (this.ledger.balance(TREASURY, 'usd') + 1e-9 < proposal.requestedUsd) return false;
      this.ledger.transfer('usd', TREASURY, recipient, proposal.requestedUsd);
      proposal.paidUsd = proposal.requestedUsd;
    } else if (proposal.patch !== undefined) {
      // A parameter change: later proposals (and the open ones' remaining steps) run under the new rules.
      this.protocol = parseProtocol({ ...this.protocol, ...proposal.patch });
      this.quorumExpression = this.protocol.quorum.kind === 'expression' ? compileQuorumExpression(this.protocol.quorum.expression) : undefined;
    }
    proposal.state = 'executed';
    proposal.executedAt = this.block;
    return true;
  }

  /** A guardian's veto: a queued proposal does not execute. True if it was vetoed. */
  veto(proposal: Proposal): boolean {
    if (proposal.state !== 'queued') return false;
    proposal.state = 'vetoed';
    return true;
  }

  /** Cancels a proposal that has not executed (the proposer withdrawing it). */
  cancel(proposal: Proposal): void {
    if (FINAL_STATES.has(proposal.state)) return;
    proposal.state = 'cancelled';
  }

  treasuryValue(): number {
    return this.ledger.balance(TREASURY, 'usd') + this.ledger.balance(TREASURY, 'token') * this.market.price();
  }

  /** Flash-loans tokens for the attacker, runs `use` inside the same transaction, repays; reverts on failure. */
  flashLoan(tokens: number, use: () => unknown): ReturnType<Market['flashLoan']> {
    const proposalsBefore = this.proposals.map((p) => ({ ...p }));
    this.inFlashLoan = true;
    let result: ReturnType<Market['flashLoan']>;
    try {
      result = this.market.flashLoan(ATTACKER, tokens, use);
    } finally {
      this.inFlashLoan = false;
    }
    this.refreshAttackerVotes();
    if (!result.ok) {
      // The transaction reverted: governance state written inside it goes too.
      proposalsBefore.forEach((saved, i) => Object.assign(this.proposals[i]!, saved));
    }
    return result;
  }

  /**
   * Under 'current' snapshots votes weigh what the voter holds now: after the attacker's holdings
   * change (a repaid flash loan, a sale), its counted weight on open proposals follows them.
   */
  refreshAttackerVotes(): void {
    if (this.protocol.snapshot !== 'current') return;
    for (const proposal of this.proposals) {
      if (proposal.attackerVotedWeight <= 0 || FINAL_STATES.has(proposal.state)) continue;
      const now = this.attackerWeight(proposal);
      proposal.forVotes += now - proposal.attackerVotedWeight;
      proposal.attackerVotedWeight = now;
    }
  }

  /** Whether a queued proposal still carries its vote at execution ('current' snapshots re-count live weight). */
  private stillPasses(proposal: Proposal): boolean {
    if (this.protocol.snapshot !== 'current' || this.protocol.votingPower.kind === 'conviction') return true;
    this.refreshAttackerVotes();
    const commit = this.protocol.emergencyCommit;
    const committed = commit !== null && proposal.forVotes >= commit.fraction * this.voteSupply(proposal);
    return committed || (this.quorumReached(proposal) && this.majorityReached(proposal));
  }

  checkInvariants(): void {
    this.ledger.checkInvariants();
    for (const p of this.proposals) {
      if (p.forVotes < 0 || p.againstVotes < 0 || p.abstainVotes < 0) throw new LedgerError(`proposal ${p.id} has negative votes`);
    }
  }
}

export { AMM, LENDING };
