/**
 * The members of a DAO as a columnar table of typed arrays (up to millions of rows, no object per
 * member). Delegated voting power is derived by a scatter-add over `delegate`, never stored twice.
 *
 * `defaultPopulation` draws a population calibrated to the statistics in ../shared/docs/domain.md:
 * heavy-tailed balances (Gini of the top 1,000 holders about 0.86-0.9), delegation that puts most
 * balance in the hands of a few delegates (Uniswap 2022: 95 % of addresses self-delegate while ~91 % of
 * balance is delegated to others; the top 50 delegates hold > 90 % of voting power), turnout around
 * Compound Bravo's median of 7.3 % of supply, and 16 % of cast weight in the last 10 % of the window.
 */
import { beta, gamma, lognormal, normal, pareto } from '../../lib/distributions.ts';
import type { Rng } from '../../lib/rng.ts';

/** Delegate value meaning "not delegated": the balance carries no votes (ERC20Votes semantics). */
export const NOT_DELEGATED = -1;

export interface Population {
  readonly size: number;
  /** Governance tokens held. */
  readonly balance: Float64Array;
  /** Index of the member this one delegates to (itself for self-delegation), or NOT_DELEGATED. */
  readonly delegate: Int32Array;
  /** Probability of voting on a given proposal, when holding voting power. */
  readonly participation: Float64Array;
  /** How the member judges proposals: added to a proposal's public signal, in signal units (about -1..1). */
  readonly alignment: Float64Array;
  /** When in the voting window the member votes, as a fraction of the window in [0, 1). */
  readonly timing: Float64Array;
  /** Smallest bribe per vote that buys this member's vote, as a multiple of the token price per unit of weight. */
  readonly corruptibility: Float64Array;
  /** Lock (conviction) level for lock-multiplier voting, 0 = unlocked. */
  readonly lock: Uint8Array;
  /**
   * Tokens held outside every member account (exchanges, reserves, holders who never delegate): counted in the
   * supply (quorum and threshold fractions, turnout), never voting, bribed or delegated. 0 when absent.
   */
  passiveSupply?: number;
}

export function allocatePopulation(size: number): Population {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`population size must be a positive integer, got ${size}`);
  return {
    size,
    balance: new Float64Array(size),
    delegate: new Int32Array(size),
    participation: new Float64Array(size),
    alignment: new Float64Array(size),
    timing: new Float64Array(size),
    corruptibility: new Float64Array(size),
    lock: new Uint8Array(size),
  };
}

/** Checks the table is consistent; throws naming the first bad row and column. */
export function validatePopulation(population: Population): void {
  const { size } = population;
  for (const column of ['balance', 'delegate', 'participation', 'alignment', 'timing', 'corruptibility', 'lock'] as const) {
    if (population[column].length !== size) throw new RangeError(`population.${column} has ${population[column].length} rows, expected ${size}`);
  }
  const passive = population.passiveSupply ?? 0;
  if (!(passive >= 0) || !Number.isFinite(passive)) throw new RangeError(`population.passiveSupply must be finite and >= 0, got ${passive}`);
  for (let i = 0; i < size; i++) {
    const b = population.balance[i]!;
    if (!(b >= 0) || !Number.isFinite(b)) throw new RangeError(`population.balance[${i}] must be finite and >= 0, got ${b}`);
    const d = population.delegate[i]!;
    if (d !== NOT_DELEGATED && (d < 0 || d >= size)) throw new RangeError(`population.delegate[${i}] = ${d} is not a member index or -1`);
    const p = population.participation[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`population.participation[${i}] must be in [0, 1], got ${p}`);
    const t = population.timing[i]!;
    if (!(t >= 0 && t < 1)) throw new RangeError(`population.timing[${i}] must be in [0, 1), got ${t}`);
    if (!(population.corruptibility[i]! >= 0)) throw new RangeError(`population.corruptibility[${i}] must be >= 0`);
  }
}

/** Delegated voting power: out[delegate[i]] += balance[i] (a scatter-add). */
export function votingPower(population: Population, out = new Float64Array(population.size)): Float64Array {
  out.fill(0);
  const { balance, delegate, size } = population;
  for (let i = 0; i < size; i++) {
    const d = delegate[i]!;
    if (d >= 0) out[d] = out[d]! + balance[i]!;
  }
  return out;
}

export function totalSupply(population: Population): number {
  let total = population.passiveSupply ?? 0;
  for (let i = 0; i < population.size; i++) total += population.balance[i]!;
  return total;
}

export interface DefaultPopulationOptions {
  /** Total token supply to spread (default 10,000,000, COMP's). */
  supply?: number;
  /** Pareto shape of balances; smaller is more concentrated. */
  balanceTail?: number;
  /** Share of supply held by accounts that never delegate (exchanges, reserves): votes nobody casts. */
  idleShare?: number;
  /** Number of recognised delegates. */
  delegates?: number;
  /** Scales everyone's participation (1 = calibrated turnout). */
  turnoutScale?: number;
  /** Share of cast weight arriving in the last 10 % of the window (Compound Bravo: 0.16). */
  lateShare?: number;
  /** Mean alignment: how favourably members judge proposals on average. */
  alignmentMean?: number;
}

export const DEFAULT_POPULATION_OPTIONS: Required<DefaultPopulationOptions> = {
  supply: 10_000_000,
  balanceTail: 1.05,
  idleShare: 0.45,
  delegates: 50,
  turnoutScale: 1,
  lateShare: 0.16,
  alignmentMean: 0.3,
};

/**
 * A population calibrated to domain.md's statistics; every draw from `rng`. Member 0 is the largest
 * idle holder (an exchange or reserve) so that attackers can be handed a separate account.
 */
export function defaultPopulation(size: number, rng: Rng, options: DefaultPopulationOptions = {}): Population {
  const o = { ...DEFAULT_POPULATION_OPTIONS, ...options };
  if (size < 2 * o.delegates) throw new RangeError(`default population needs at least ${2 * o.delegates} members for ${o.delegates} delegates, got ${size}`);
  if (!(o.idleShare >= 0 && o.idleShare < 1)) throw new RangeError(`idleShare must be in [0, 1), got ${o.idleShare}`);
  if (!(o.lateShare >= 0 && o.lateShare <= 1)) throw new RangeError(`lateShare must be in [0, 1], got ${o.lateShare}`);
  const population = allocatePopulation(size);
  const { balance, delegate, participation, alignment, timing, corruptibility } = population;
  const balances = rng.stream('balance');
  const roles = rng.stream('roles');
  const behaviour = rng.stream('behaviour');

  // Heavy-tailed holdings; the idle block is a handful of large custodial accounts.
  const idleAccounts = Math.max(1, Math.round(size * 0.002));
  let active = 0;
  for (let i = idleAccounts; i < size; i++) {
    balance[i] = pareto(balances, o.balanceTail, 1);
    active += balance[i]!;
  }
  const activeSupply = o.supply * (1 - o.idleShare);
  for (let i = idleAccounts; i < size; i++) balance[i] = (balance[i]! * activeSupply) / active;
  let idleWeights = 0;
  const idle = new Float64Array(idleAccounts);
  for (let i = 0; i < idleAccounts; i++) idleWeights += idle[i] = gamma(balances, 0.7, 1);
  for (let i = 0; i < idleAccounts; i++) balance[i] = (idle[i]! / idleWeights) * o.supply * o.idleShare;
  // Put the largest idle account at index 0.
  let largest = 0;
  for (let i = 1; i < idleAccounts; i++) if (balance[i]! > balance[largest]!) largest = i;
  [balance[0], balance[largest]] = [balance[largest]!, balance[0]!];

  // Delegates: drawn among active members, with Zipf-like popularity.
  const delegateIds = new Int32Array(o.delegates);
  const chosen = new Set<number>();
  for (let k = 0; k < o.delegates; k++) {
    let candidate: number;
    do candidate = idleAccounts + roles.int(size - idleAccounts);
    while (chosen.has(candidate));
    chosen.add(candidate);
    delegateIds[k] = candidate;
  }
  const popularity = new Float64Array(o.delegates);
  let popularityTotal = 0;
  for (let k = 0; k < o.delegates; k++) popularityTotal += popularity[k] = 1 / (k + 1);
  const cumulative = new Float64Array(o.delegates);
  for (let k = 0, acc = 0; k < o.delegates; k++) cumulative[k] = acc += popularity[k]! / popularityTotal;

  // Large holders delegate to others; most small addresses self-delegate (Uniswap 2022).
  const sorted = Float64Array.from(balance.subarray(idleAccounts)).sort();
  const largeCutoff = sorted[Math.floor(sorted.length * 0.95)]!;
  for (let i = 0; i < size; i++) {
    if (i < idleAccounts) {
      delegate[i] = NOT_DELEGATED;
      continue;
    }
    if (chosen.has(i)) {
      delegate[i] = i;
      continue;
    }
    const delegatesOut = balance[i]! >= largeCutoff ? roles.random() < 0.97 : roles.random() < 0.01;
    if (delegatesOut) {
      const u = roles.random();
      let k = 0;
      while (k < o.delegates - 1 && cumulative[k]! < u) k++;
      delegate[i] = delegateIds[k]!;
    } else {
      delegate[i] = i;
    }
  }

  for (let i = 0; i < size; i++) {
    const isDelegate = chosen.has(i);
    const base = isDelegate ? beta(behaviour, 1.2, 4) : beta(behaviour, 0.6, 12);
    participation[i] = Math.min(1, base * o.turnoutScale);
    alignment[i] = Math.max(-1.5, Math.min(1.5, normal(behaviour, o.alignmentMean, 0.45)));
    timing[i] = 0.9 * behaviour.random();
    corruptibility[i] = lognormal(behaviour, Math.log(isDelegate ? 0.6 : 0.15), 0.8);
  }
  assignLateVoters(population, o.lateShare, behaviour);
  return population;
}

/**
 * Moves members into the last 10 % of the window, in random order, until they carry `lateShare` of
 * the expected cast weight (voting power x participation). Matching the share in weight, not in
 * heads, is what makes the average share of late weight per proposal come out at `lateShare` even
 * though a few delegates carry most of the weight.
 */
function assignLateVoters(population: Population, lateShare: number, rng: Rng): void {
  const power = votingPower(population);
  const expected = new Float64Array(population.size);
  let total = 0;
  for (let i = 0; i < population.size; i++) total += expected[i] = power[i]! * population.participation[i]!;
  const order = new Int32Array(population.size);
  for (let i = 0; i < order.length; i++) order[i] = i;
  rng.shuffle(order);
  let late = 0;
  const target = lateShare * total;
  for (const i of order) {
    if (late >= target) break;
    if (late + expected[i]! > target * 1.02 && expected[i]! > 0) continue;
    population.timing[i] = 0.9 + 0.1 * rng.random();
    late += expected[i]!;
  }
}

/** Gini coefficient of the given values. */
export function gini(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let weighted = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    weighted += (i + 1) * sorted[i]!;
    total += sorted[i]!;
  }
  return total === 0 ? 0 : (2 * weighted) / (n * total) - (n + 1) / n;
}

/** Share of the total held by the k largest values. */
export function topShare(values: ArrayLike<number>, k: number): number {
  const sorted = Float64Array.from(values).sort().reverse();
  let top = 0;
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    total += sorted[i]!;
    if (i < k) top += sorted[i]!;
  }
  return total === 0 ? 0 : top / total;
}
