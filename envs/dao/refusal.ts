/**
 * Expected refusals: actions the protocol or the market turns down in normal play (a proposer below the
 * proposal threshold, a payment larger than a balance). They are typed, so that callers which expect them
 * record them as outcomes and every other error, a bug, propagates.
 */
import { InsufficientBalance } from './ledger.ts';

export { InsufficientBalance };

/** A proposal the protocol refuses because its proposer (with its backers) holds less than the proposal threshold. */
export class BelowProposalThreshold extends Error {
  constructor(
    /** Tokens the threshold asks for, at the current supply. */
    readonly needed: number,
    /** Tokens the proposer and its backers hold. */
    readonly held: number,
  ) {
    super(`proposal threshold: needs ${formatTokens(needed)} tokens, had ${formatTokens(held)}`);
    this.name = 'BelowProposalThreshold';
  }
}

/** A purchase of more tokens than the AMM pool can supply at any price (constant product: the last token costs infinity). */
export class InsufficientLiquidity extends Error {
  constructor(
    /** Tokens asked for. */
    readonly tokens: number,
    /** Tokens the pool holds. */
    readonly pool: number,
  ) {
    super(`the AMM cannot supply ${formatTokens(tokens)} tokens: its pool holds ${formatTokens(pool)}`);
    this.name = 'InsufficientLiquidity';
  }
}

export type Refusal = InsufficientBalance | BelowProposalThreshold | InsufficientLiquidity;

export function isRefusal(error: unknown): error is Refusal {
  return error instanceof InsufficientBalance || error instanceof BelowProposalThreshold || error instanceof InsufficientLiquidity;
}

/** A token amount for a message: whole tokens with thousands separators (e.g. "25,000"), or 3 significant digits below 1. */
export function formatTokens(tokens: number): string {
  if (!Number.isFinite(tokens)) return String(tokens);
  if (Math.abs(tokens) < 1) return String(Number(tokens.toPrecision(3)));
  return Math.round(tokens).toLocaleString('en-US');
}
