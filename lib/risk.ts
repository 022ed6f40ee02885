/** Tail risk of a sample of losses (the loop's and the design search's objectives and judges). */

/**
 * Weighted CVaR: the weighted mean of the worst `share` of the total weight (the boundary loss counts
 * with the fraction of its weight that fits), i.e. the tail mean under the weighted empirical distribution.
 */
export function weightedCvar(losses: readonly number[], weights: readonly number[], share = 0.1): number {
  const order = losses.map((_, i) => i).sort((a, b) => losses[b]! - losses[a]!);
  const budget = share * weights.reduce((a, b) => a + b, 0);
  let taken = 0;
  let sum = 0;
  for (const i of order) {
    const w = Math.min(weights[i]!, budget - taken);
    if (w <= 0) break;
    sum += w * losses[i]!;
    taken += w;
  }
  return sum / taken;
}

/** CVaR of losses: the mean of the worst (highest) `share` of them, at least one. */
export function cvar(losses: readonly number[], share = 0.1): number {
  const sorted = [...losses].sort((a, b) => b - a);
  const count = Math.max(1, Math.ceil(sorted.length * share));
  return sorted.slice(0, count).reduce((a, b) => a + b, 0) / count;
}
