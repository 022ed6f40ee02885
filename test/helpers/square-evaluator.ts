/** A pool evaluator for tests: sum of squares plus an offset from the context. */
export function createEvaluator(context: { offset: number }): (x: number[]) => number {
  return (x) => {
    if (x.some((v) => Number.isNaN(v))) throw new Error('NaN input');
    return x.reduce((a, v) => a + v * v, 0) + context.offset;
  };
}
