/**
 * Values kept by key, up to a total weight (entries, or members for populations): the oldest go first when a new
 * one would exceed it, and the newest is always kept. For values that are pure functions of their key and that
 * many trials of a run share (a protocol, a compiled quorum expression, a seed's population).
 */
export class KeptValues<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private total = 0;

  constructor(readonly limit: number) {}

  /** The value kept for `key`, or `make()`'s, kept with `weight`. */
  get(key: string, make: () => V, weight = 1): V {
    const kept = this.entries.get(key);
    if (kept !== undefined) return kept.value;
    const value = make();
    this.entries.set(key, { value, weight });
    this.total += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.limit || this.entries.size === 1) break;
      this.entries.delete(oldest);
      this.total -= entry.weight;
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
