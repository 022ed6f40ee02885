import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { qr } from 'mathjs';
import { normal } from '../../lib/distributions.ts';
import { orthogonal } from '../../lib/nn.ts';
import { Rng } from '../../lib/rng.ts';

/** torch.nn.init.orthogonal_ written with a general QR (mathjs): Q with R's diagonal signs folded in. */
function byGeneralQr(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const tall = rows >= cols;
  const n = tall ? rows : cols;
  const m = tall ? cols : rows;
  const gaussian = Array.from({ length: n }, () => Array.from({ length: m }, () => normal(rng)));
  const { Q, R } = qr(gaussian) as unknown as { Q: number[][]; R: number[][] };
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const value = gain * Q[i]![j]! * (Math.sign(R[j]![j]!) || 1);
      if (tall) out[i * cols + j] = value;
      else out[j * cols + i] = value;
    }
  }
  return out;
}

test('orthogonal init: the same float32 weights as a general QR with positive diagonal, tall, wide and square', () => {
  for (const [rows, cols] of [[4, 64], [64, 64], [64, 2], [5, 12], [12, 7], [96, 96]] as const) {
    const fast = orthogonal(rows, cols, Math.SQRT2, Rng.create(rows * 100 + cols));
    const reference = byGeneralQr(rows, cols, Math.SQRT2, Rng.create(rows * 100 + cols));
    assert.equal(Array.from(fast), Array.from(reference), `${rows} x ${cols}`);
  }
  // Orthonormal columns (tall) scaled by the gain.
  const w = orthogonal(40, 8, 2, Rng.create(1));
  for (let a = 0; a < 8; a++) {
    for (let b = 0; b < 8; b++) {
      let dot = 0;
      for (let i = 0; i < 40; i++) dot += w[i * 8 + a]! * w[i * 8 + b]!;
      assert.ok(Math.abs(dot - (a === b ? 4 : 0)) < 1e-5, `columns ${a}, ${b}: ${dot}`);
    }
  }
});

test.run();
