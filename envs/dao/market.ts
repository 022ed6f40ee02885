/**
 * Markets for the governance token, all settling through the Ledger:
 * - a constant-product pool (Uniswap v2 style, fee on input): price impact grows with size;
 * - a lending market: token loans against usd collateral at a loan-to-value limit, with interest per block;
 * - flash loans: any amount up to the pool's idle tokens, for a fee, repaid within the same step
 *   (the simulator enforces that by running the whole flash-loan action atomically).
 */
import { InsufficientBalance, Ledger } from './ledger.ts';
import { InsufficientLiquidity, isRefusal } from './refusal.ts';

export const AMM = 'amm';
export const LENDING = 'lending';

export interface MarketConfig {
  /** Pool reserves at the start. */
  ammToken: number;
  ammUsd: number;
  /** Swap fee on input (Uniswap v2: 0.003). */
  ammFee: number;
  /** Tokens the lending market can lend. */
  lendingToken: number;
  /** Largest loan value as a share of collateral value. */
  loanToValue: number;
  /** Interest per block on borrowed tokens (e.g. 5 % a year = 0.05 / 2,628,000). */
  interestPerBlock: number;
  /** Flash-loan fee (Aave v2: 0.0009). */
  flashLoanFee: number;
}

export const DEFAULT_MARKET: MarketConfig = {
  ammToken: 2_000_000,
  ammUsd: 100_000_000,
  ammFee: 0.003,
  lendingToken: 800_000,
  loanToValue: 0.7,
  interestPerBlock: 0.05 / 2_628_000,
  flashLoanFee: 0.0009,
};

export class Market {
  /** Borrowed tokens owed per account, with accrued interest. */
  private readonly debt = new Map<string, number>();
  /** usd collateral posted per account. */
  private readonly collateral = new Map<string, number>();

  constructor(
    readonly ledger: Ledger,
    readonly config: MarketConfig,
  ) {}

  /** Sets up the pool and lending reserves by minting them into the ledger (call once). */
  static open(ledger: Ledger, config: MarketConfig): Market {
    ledger.mint('token', AMM, config.ammToken);
    ledger.mint('usd', AMM, config.ammUsd);
    ledger.mint('token', LENDING, config.lendingToken);
    return new Market(ledger, config);
  }

  /** Spot price of a token in usd (pool ratio). */
  price(): number {
    const tokens = this.ledger.balance(AMM, 'token');
    return tokens > 0 ? this.ledger.balance(AMM, 'usd') / tokens : Infinity;
  }

  /** usd received for selling `tokens` now (no state change). */
  quoteSell(tokens: number): number {
    const x = this.ledger.balance(AMM, 'token');
    const y = this.ledger.balance(AMM, 'usd');
    const input = tokens * (1 - this.config.ammFee);
    return (y * input) / (x + input);
  }

  /** Tokens received for `usd` now (no state change). */
  quoteBuy(usd: number): number {
    const x = this.ledger.balance(AMM, 'token');
    const y = this.ledger.balance(AMM, 'usd');
    const input = usd * (1 - this.config.ammFee);
    return (x * input) / (y + input);
  }

  /** usd needed to buy exactly `tokens` (Infinity if the pool cannot supply them). */
  costToBuy(tokens: number): number {
    const x = this.ledger.balance(AMM, 'token');
    const y = this.ledger.balance(AMM, 'usd');
    if (tokens >= x) return Infinity;
    return (y * tokens) / ((x - tokens) * (1 - this.config.ammFee));
  }

  /**
   * Buys at least `tokens` (a hair over, so that rounding never leaves the buyer short): a flash loan's fee, a
   * repayment. A pool that cannot supply them is an expected refusal (InsufficientLiquidity), as is a buyer
   * without the usd (InsufficientBalance). Returns the usd paid.
   */
  buyTokens(account: string, tokens: number): number {
    const cost = this.costToBuy(tokens);
    if (!Number.isFinite(cost)) throw new InsufficientLiquidity(tokens, this.ledger.balance(AMM, 'token'));
    const usd = cost * 1.000001;
    this.buy(account, usd);
    return usd;
  }

  buy(account: string, usd: number): number {
    const tokens = this.quoteBuy(usd);
    this.ledger.transfer('usd', account, AMM, usd);
    this.ledger.transfer('token', AMM, account, tokens);
    return tokens;
  }

  sell(account: string, tokens: number): number {
    const usd = this.quoteSell(tokens);
    this.ledger.transfer('token', account, AMM, tokens);
    this.ledger.transfer('usd', AMM, account, usd);
    return usd;
  }

  debtOf(account: string): number {
    return this.debt.get(account) ?? 0;
  }

  collateralOf(account: string): number {
    return this.collateral.get(account) ?? 0;
  }

  availableToBorrow(): number {
    return this.ledger.balance(LENDING, 'token');
  }

  /** Borrows tokens, posting just enough usd collateral at the loan-to-value limit (at spot price). */
  borrow(account: string, tokens: number): void {
    if (tokens > this.availableToBorrow() + 1e-9) throw new InsufficientBalance(`lending market has ${this.availableToBorrow()} tokens, cannot lend ${tokens}`);
    const needed = (tokens * this.price()) / this.config.loanToValue;
    this.ledger.transfer('usd', account, LENDING, needed);
    this.ledger.transfer('token', LENDING, account, tokens);
    this.collateral.set(account, this.collateralOf(account) + needed);
    this.debt.set(account, this.debtOf(account) + tokens);
  }

  /** Repays up to `tokens` of debt; releases collateral pro rata. Returns tokens repaid. */
  repay(account: string, tokens: number): number {
    const owed = this.debtOf(account);
    const amount = Math.min(tokens, owed, this.ledger.balance(account, 'token'));
    if (amount <= 0) return 0;
    this.ledger.transfer('token', account, LENDING, amount);
    // Repaying everything releases all collateral exactly (collateral x amount / owed can round above it).
    const released = amount >= owed ? this.collateralOf(account) : (this.collateralOf(account) * amount) / owed;
    this.ledger.transfer('usd', LENDING, account, released);
    this.debt.set(account, owed - amount);
    this.collateral.set(account, this.collateralOf(account) - released);
    return amount;
  }

  /** Interest accrues on token debt; it is owed in tokens (the lender keeps the collateral until repaid). */
  accrue(blocks: number): void {
    if (blocks <= 0) return;
    const factor = (1 + this.config.interestPerBlock) ** blocks;
    for (const [account, owed] of this.debt) this.debt.set(account, owed * factor);
  }

  /**
   * Flash loan of `tokens`: hands them to `account`, runs `use`, then takes back tokens + fee. If the
   * account cannot repay, or `use` meets an expected refusal (refusal.ts), every ledger change inside is
   * undone (the transaction reverts); any other error propagates, with the ledger restored.
   */
  flashLoan<T>(account: string, tokens: number, use: () => T): { ok: true; value: T; fee: number } | { ok: false; reason: string } {
    if (tokens > this.availableToBorrow() + 1e-9) return { ok: false, reason: `flash loan of ${tokens} exceeds the ${this.availableToBorrow()} tokens available` };
    const saved = this.ledger.snapshot();
    const fee = tokens * this.config.flashLoanFee;
    try {
      this.ledger.transfer('token', LENDING, account, tokens);
      const value = use();
      this.ledger.transfer('token', account, LENDING, tokens + fee);
      return { ok: true, value, fee };
    } catch (error) {
      // Only an expected refusal reverts the transaction as an outcome; a bug propagates.
      this.ledger.restore(saved);
      if (!isRefusal(error)) throw error;
      return { ok: false, reason: error.message };
    }
  }

  /** Net worth of an account at liquidation value: usd + collateral + what selling (or buying back) its net tokens would give. */
  netWorth(account: string): number {
    const netTokens = this.ledger.balance(account, 'token') - this.debtOf(account);
    const tokenValue = netTokens >= 0 ? this.quoteSell(netTokens) : -this.buyBackCost(-netTokens);
    return this.ledger.balance(account, 'usd') + this.collateralOf(account) + tokenValue;
  }

  /**
   * What covering a short of `tokens` costs: the pool price for what the pool can supply (up to 99 % of
   * its tokens), and 100x spot for the rest, which no market here could deliver. Finite, so that net
   * worth and rewards stay finite, and punitive, so that nobody plans on it.
   */
  buyBackCost(tokens: number): number {
    const available = 0.99 * this.ledger.balance(AMM, 'token');
    const fromPool = Math.min(tokens, available);
    return this.costToBuy(fromPool) + (tokens - fromPool) * this.price() * 100;
  }

  state(): { debt: [string, number][]; collateral: [string, number][] } {
    return { debt: [...this.debt], collateral: [...this.collateral] };
  }
}
