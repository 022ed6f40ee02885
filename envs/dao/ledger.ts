/**
 * A double-entry ledger of the DAO's economy outside the member table: the treasury, the attacker,
 * the AMM pool, the lending pool, a guardian, and "outside" (everyone else). Two assets: `usd` (a
 * stable numeraire) and `token` (the governance token). Invariants that hold after every operation:
 * no balance is negative, and each asset's total changes only through `mint` / `burn`, which are
 * recorded. A failed operation changes nothing.
 */
export type Asset = 'usd' | 'token';
export const ASSETS: readonly Asset[] = ['usd', 'token'];

export class LedgerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerError';
  }
}

/**
 * An expected refusal, not a bug: an account asked to pay or lend more than it holds. Nothing changed. An
 * agent or scripted attacker may meet it in normal play; callers that expect it test for this type and
 * let every other error propagate.
 */
export class InsufficientBalance extends LedgerError {
  constructor(message: string) {
    super(message);
    this.name = 'InsufficientBalance';
  }
}

/** Rounding slack: amounts within this of zero are treated as zero when checking for overdraft. */
const DUST = 1e-9;

export class Ledger {
  private readonly balances = new Map<string, { usd: number; token: number }>();
  private readonly minted = { usd: 0, token: 0 };
  private readonly burned = { usd: 0, token: 0 };
  private readonly initialTotal = { usd: 0, token: 0 };

  constructor(accounts: Record<string, Partial<Record<Asset, number>>> = {}) {
    for (const [name, holdings] of Object.entries(accounts)) {
      const usd = holdings.usd ?? 0;
      const token = holdings.token ?? 0;
      if (!(usd >= 0) || !(token >= 0) || !Number.isFinite(usd) || !Number.isFinite(token)) {
        throw new LedgerError(`opening balance of '${name}' must be finite and >= 0 (usd ${usd}, token ${token})`);
      }
      this.balances.set(name, { usd, token });
      this.initialTotal.usd += usd;
      this.initialTotal.token += token;
    }
  }

  private account(name: string): { usd: number; token: number } {
    let entry = this.balances.get(name);
    if (entry === undefined) {
      entry = { usd: 0, token: 0 };
      this.balances.set(name, entry);
    }
    return entry;
  }

  balance(name: string, asset: Asset): number {
    return this.balances.get(name)?.[asset] ?? 0;
  }

  private checkAmount(amount: number, what: string): void {
    if (!(amount >= 0) || !Number.isFinite(amount)) throw new LedgerError(`${what} amount must be finite and >= 0, got ${amount}`);
  }

  /** Moves `amount` of `asset`; throws (changing nothing) if `from` holds less. */
  transfer(asset: Asset, from: string, to: string, amount: number): void {
    this.checkAmount(amount, 'transfer');
    if (amount === 0 || from === to) return;
    const source = this.account(from);
    // Float rounding on large amounts (tens of millions) exceeds an absolute dust; allow 1e-12 relative too.
    if (source[asset] + DUST + 1e-12 * amount < amount) throw new InsufficientBalance(`${from} holds ${source[asset]} ${asset}, cannot send ${amount}`);
    source[asset] = Math.max(0, source[asset] - amount);
    const target = this.account(to);
    target[asset] += amount;
  }

  mint(asset: Asset, to: string, amount: number): void {
    this.checkAmount(amount, 'mint');
    this.account(to)[asset] += amount;
    this.minted[asset] += amount;
  }

  burn(asset: Asset, from: string, amount: number): void {
    this.checkAmount(amount, 'burn');
    const source = this.account(from);
    // Float rounding on large amounts (tens of millions) exceeds an absolute dust; allow 1e-12 relative too.
    if (source[asset] + DUST + 1e-12 * amount < amount) throw new InsufficientBalance(`${from} holds ${source[asset]} ${asset}, cannot burn ${amount}`);
    source[asset] = Math.max(0, source[asset] - amount);
    this.burned[asset] += amount;
  }

  total(asset: Asset): number {
    let sum = 0;
    for (const entry of this.balances.values()) sum += entry[asset];
    return sum;
  }

  accounts(): string[] {
    return [...this.balances.keys()];
  }

  /** Throws if a balance is negative or an asset's total drifted from opening + minted - burned. */
  checkInvariants(): void {
    for (const [name, entry] of this.balances) {
      for (const asset of ASSETS) {
        if (!(entry[asset] >= 0) || !Number.isFinite(entry[asset])) throw new LedgerError(`invariant broken: ${name} holds ${entry[asset]} ${asset}`);
      }
    }
    for (const asset of ASSETS) {
      const expected = this.initialTotal[asset] + this.minted[asset] - this.burned[asset];
      const actual = this.total(asset);
      if (Math.abs(actual - expected) > 1e-6 * Math.max(1, expected)) {
        throw new LedgerError(`invariant broken: ${asset} total ${actual} differs from opening + minted - burned = ${expected}`);
      }
    }
  }

  /** Rolls balances back to a snapshot (a reverted transaction: no mint or burn may happen in between). */
  restore(saved: Record<string, { usd: number; token: number }>): void {
    for (const [name, entry] of this.balances) {
      const old = saved[name];
      entry.usd = old?.usd ?? 0;
      entry.token = old?.token ?? 0;
    }
  }

  snapshot(): Record<string, { usd: number; token: number }> {
    return Object.fromEntries([...this.balances].map(([k, v]) => [k, { ...v }]));
  }
}
