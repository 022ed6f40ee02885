/**
 * Stable argsort of the first `count` keys, ascending: the indices 0..count-1 ordered by key, equal keys in
 * index order (what a stable sort of the indices with the comparator (a, b) => keys[a] - keys[b] returns,
 * for keys without NaN). Insertion sort on runs of 24, then bottom-up merges: several times faster than
 * a typed array's sort with a comparator, which the simulator paid on every proposal's vote schedule.
 */
export function stableArgsort(keys: ArrayLike<number>, count = keys.length): Int32Array {
  const RUN = 24;
  const out = new Int32Array(count);
  const scratch = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = i;
  for (let start = 0; start < count; start += RUN) {
    const end = Math.min(start + RUN, count);
    for (let i = start + 1; i < end; i++) {
      const index = out[i]!;
      const key = keys[index]!;
      let j = i - 1;
      // Strictly greater moves: equal keys keep their order.
      while (j >= start && keys[out[j]!]! > key) {
        out[j + 1] = out[j]!;
        j--;
      }
      out[j + 1] = index;
    }
  }
  let from = out;
  let to = scratch;
  for (let width = RUN; width < count; width *= 2) {
    for (let left = 0; left < count; left += 2 * width) {
      const middle = Math.min(left + width, count);
      const right = Math.min(left + 2 * width, count);
      let i = left;
      let j = middle;
      let k = left;
      // Take from the left run on ties: stable.
      while (i < middle && j < right) to[k++] = keys[from[j]!]! < keys[from[i]!]! ? from[j++]! : from[i++]!;
      while (i < middle) to[k++] = from[i++]!;
      while (j < right) to[k++] = from[j++]!;
    }
    const swap = from;
    from = to;
    to = swap;
  }
  if (from !== out) out.set(from.subarray(0, count));
  return out;
}
