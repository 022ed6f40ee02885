// Fused dense-layer kernels for small MLPs: forward, backward and Adam over f32 rows in linear memory, with
// 128-bit SIMD (f32x4). AssemblyScript, compiled by `npm run build:wasm` into lib/fused/kernels-wasm.ts.
//
// Layout (all offsets are byte addresses chosen by the JS side, lib/fused/mlp.ts):
//   x  [rows, nin]   row-major, any nin;
//   w  [nin, nout]   row-major, nout a multiple of 4 (the JS side pads columns with zeros);
//   b  [nout];  y, dy [rows, nout].
// Activations: 0 identity, 1 tanh, 2 relu.

// ---- tanh: |x| < 0.25 by its Taylor series to x^11 (next term < 2e-10 relative); otherwise
// (e - 1) / (e + 1) with e = exp(2|x|), exp by range reduction e^y = 2^n e^r, |r| <= ln2/2, and the Taylor
// series of e^r to r^7. Clamped at |x| = 9, where tanh rounds to 1 in f32. Within 2.3 ulp of tanh in f64.
@inline function tanh4(x: v128): v128 {
  const sign = v128.and(x, i32x4.splat(0x80000000));
  const a = f32x4.min(f32x4.abs(x), f32x4.splat(9.0));
  const t = f32x4.mul(a, a);
  let p = f32x4.splat(-1382.0 / 155925.0);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(62.0 / 2835.0));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-17.0 / 315.0));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(2.0 / 15.0));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.0 / 3.0));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.0));
  const small = f32x4.mul(a, p);
  const y = f32x4.add(a, a);
  const n = f32x4.floor(f32x4.add(f32x4.mul(y, f32x4.splat(1.4426950408889634)), f32x4.splat(0.5)));
  // ln 2 split so that n * hi is exact.
  const r = f32x4.sub(f32x4.sub(y, f32x4.mul(n, f32x4.splat(0.693145751953125))), f32x4.mul(n, f32x4.splat(1.428606765330187e-6)));
  let e = f32x4.splat(1.0 / 5040.0);
  e = f32x4.add(f32x4.mul(e, r), f32x4.splat(1.0 / 720.0));
  e = f32x4.add(f32x4.mul(e, r), f32x4.splat(1.0 / 120.0));
  e = f32x4.add(f32x4.mul(e, r), f32x4.splat(1.0 / 24.0));
  e = f32x4.add(f32x4.mul(e, r), f32x4.splat(1.0 / 6.0));
  e = f32x4.add(f32x4.mul(e, r), f32x4.splat(0.5));
  e = f32x4.add(f32x4.mul(e, r), f32x4.splat(1.0));
  e = f32x4.add(f32x4.mul(e, r), f32x4.splat(1.0));
  e = i32x4.add(e, i32x4.shl(i32x4.trunc_sat_f32x4_s(n), 23));
  const big = f32x4.div(f32x4.sub(e, f32x4.splat(1.0)), f32x4.add(e, f32x4.splat(1.0)));
  const useSmall = f32x4.lt(a, f32x4.splat(0.25));
  return v128.or(v128.bitselect(small, big, useSmall), sign);
}

@inline function activate(z: v128, act: i32): v128 {
  if (act == 1) return tanh4(z);
  if (act == 2) return f32x4.max(z, f32x4.splat(0.0));
  return z;
}

/** Elementwise tanh of n floats (n a multiple of 4), for tests of the approximation. */
export function tanh_array(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(y + (<usize>i << 2), tanh4(v128.load(x + (<usize>i << 2))));
}

/** y = act(x w + b). */
export function dense_forward(x: usize, w: usize, b: usize, y: usize, rows: i32, nin: i32, nout: i32, act: i32): void {
  const xs = <usize>nin << 2; // bytes per x row
  const ws = <usize>nout << 2; // bytes per w row and per y row
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const x0 = x + <usize>r * xs;
    const x1 = x0 + xs;
    const x2 = x1 + xs;
    const x3 = x2 + xs;
    const y0 = y + <usize>r * ws;
    let j = 0;
    for (; j + 8 <= nout; j += 8) {
      const jb = <usize>j << 2;
      const bias0 = v128.load(b + jb);
      const bias1 = v128.load(b + jb, 16);
      let a00 = bias0, a01 = bias1, a10 = bias0, a11 = bias1, a20 = bias0, a21 = bias1, a30 = bias0, a31 = bias1;
      let wp = w + jb;
      for (let k = 0; k < nin; k++) {
        const w0 = v128.load(wp);
        const w1 = v128.load(wp, 16);
        const kb = <usize>k << 2;
        const s0 = v128.load32_splat(x0 + kb);
        const s1 = v128.load32_splat(x1 + kb);
        const s2 = v128.load32_splat(x2 + kb);
        const s3 = v128.load32_splat(x3 + kb);
        a00 = f32x4.add(a00, f32x4.mul(s0, w0));
        a01 = f32x4.add(a01, f32x4.mul(s0, w1));
        a10 = f32x4.add(a10, f32x4.mul(s1, w0));
        a11 = f32x4.add(a11, f32x4.mul(s1, w1));
        a20 = f32x4.add(a20, f32x4.mul(s2, w0));
        a21 = f32x4.add(a21, f32x4.mul(s2, w1));
        a30 = f32x4.add(a30, f32x4.mul(s3, w0));
        a31 = f32x4.add(a31, f32x4.mul(s3, w1));
        wp += ws;
      }
      const yp = y0 + jb;
      v128.store(yp, activate(a00, act));
      v128.store(yp, activate(a01, act), 16);
      v128.store(yp + ws, activate(a10, act));
      v128.store(yp + ws, activate(a11, act), 16);
      v128.store(yp + 2 * ws, activate(a20, act));
      v128.store(yp + 2 * ws, activate(a21, act), 16);
      v128.store(yp + 3 * ws, activate(a30, act));
      v128.store(yp + 3 * ws, activate(a31, act), 16);
    }
    for (; j < nout; j += 4) {
      const jb = <usize>j << 2;
      const bias0 = v128.load(b + jb);
      let a0 = bias0, a1 = bias0, a2 = bias0, a3 = bias0;
      let wp = w + jb;
      for (let k = 0; k < nin; k++) {
        const w0 = v128.load(wp);
        const kb = <usize>k << 2;
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(x0 + kb), w0));
        a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(x1 + kb), w0));
        a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(x2 + kb), w0));
        a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(x3 + kb), w0));
        wp += ws;
      }
      const yp = y0 + jb;
      v128.store(yp, activate(a0, act));
      v128.store(yp + ws, activate(a1, act));
      v128.store(yp + 2 * ws, activate(a2, act));
      v128.store(yp + 3 * ws, activate(a3, act));
    }
  }
  for (; r < rows; r++) {
    const x0 = x + <usize>r * xs;
    const y0 = y + <usize>r * ws;
    for (let j = 0; j < nout; j += 4) {
      const jb = <usize>j << 2;
      let a0 = v128.load(b + jb);
      let wp = w + jb;
      for (let k = 0; k < nin; k++) {
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(x0 + (<usize>k << 2)), v128.load(wp)));
        wp += ws;
      }
      v128.store(y0 + jb, activate(a0, act));
    }
  }
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * Backward through y = act(x w + b) given dy (overwritten by dz = dy * act'(y)): dw = x^T dz and db = the
 * column sums of dz are written (not accumulated); dx = dz w^T is written when dx != 0.
 */
export function dense_backward(x: usize, w: usize, y: usize, dy: usize, dx: usize, dw: usize, db: usize, rows: i32, nin: i32, nout: i32, act: i32): void {
  const xs = <usize>nin << 2;
  const ws = <usize>nout << 2;
  const total = rows * nout;
  if (act == 1) {
    const one = f32x4.splat(1.0);
    for (let i = 0; i < total; i += 4) {
      const o = <usize>i << 2;
      const yv = v128.load(y + o);
      v128.store(dy + o, f32x4.mul(v128.load(dy + o), f32x4.sub(one, f32x4.mul(yv, yv))));
    }
  } else if (act == 2) {
    const zero = f32x4.splat(0.0);
    for (let i = 0; i < total; i += 4) {
      const o = <usize>i << 2;
      v128.store(dy + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
    }
  }
  // db
  for (let j = 0; j < nout; j += 4) {
    const jb = <usize>j << 2;
    let acc = f32x4.splat(0.0);
    let p = dy + jb;
    for (let r = 0; r < rows; r++) {
      acc = f32x4.add(acc, v128.load(p));
      p += ws;
    }
    v128.store(db + jb, acc);
  }
  // dw[k, :] = sum_r x[r, k] dz[r, :], four k at a time.
  let k = 0;
  for (; k + 4 <= nin; k += 4) {
    const kb = <usize>k << 2;
    let j = 0;
    for (; j + 8 <= nout; j += 8) {
      const jb = <usize>j << 2;
      const zero = f32x4.splat(0.0);
      let a00 = zero, a01 = zero, a10 = zero, a11 = zero, a20 = zero, a21 = zero, a30 = zero, a31 = zero;
      let xp = x + kb;
      let dp = dy + jb;
      for (let r = 0; r < rows; r++) {
        const d0 = v128.load(dp);
        const d1 = v128.load(dp, 16);
        const s0 = v128.load32_splat(xp);
        const s1 = v128.load32_splat(xp, 4);
        const s2 = v128.load32_splat(xp, 8);
        const s3 = v128.load32_splat(xp, 12);
        a00 = f32x4.add(a00, f32x4.mul(s0, d0));
        a01 = f32x4.add(a01, f32x4.mul(s0, d1));
        a10 = f32x4.add(a10, f32x4.mul(s1, d0));
        a11 = f32x4.add(a11, f32x4.mul(s1, d1));
        a20 = f32x4.add(a20, f32x4.mul(s2, d0));
        a21 = f32x4.add(a21, f32x4.mul(s2, d1));
        a30 = f32x4.add(a30, f32x4.mul(s3, d0));
        a31 = f32x4.add(a31, f32x4.mul(s3, d1));
        xp += xs;
        dp += ws;
      }
      const wp = dw + <usize>k * ws + jb;
      v128.store(wp, a00);
      v128.store(wp, a01, 16);
      v128.store(wp + ws, a10);
      v128.store(wp + ws, a11, 16);
      v128.store(wp + 2 * ws, a20);
      v128.store(wp + 2 * ws, a21, 16);
      v128.store(wp + 3 * ws, a30);
      v128.store(wp + 3 * ws, a31, 16);
    }
    for (; j < nout; j += 4) {
      const jb = <usize>j << 2;
      const zero = f32x4.splat(0.0);
      let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
      let xp = x + kb;
      let dp = dy + jb;
      for (let r = 0; r < rows; r++) {
        const d0 = v128.load(dp);
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xp), d0));
        a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(xp, 4), d0));
        a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(xp, 8), d0));
        a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(xp, 12), d0));
        xp += xs;
        dp += ws;
      }
      const wp = dw + <usize>k * ws + jb;
      v128.store(wp, a0);
      v128.store(wp + ws, a1);
      v128.store(wp + 2 * ws, a2);
      v128.store(wp + 3 * ws, a3);
    }
  }
  for (; k < nin; k++) {
    const kb = <usize>k << 2;
    for (let j = 0; j < nout; j += 4) {
      const jb = <usize>j << 2;
      let a0 = f32x4.splat(0.0);
      let xp = x + kb;
      let dp = dy + jb;
      for (let r = 0; r < rows; r++) {
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xp), v128.load(dp)));
        xp += xs;
        dp += ws;
      }
      v128.store(dw + <usize>k * ws + jb, a0);
    }
  }
  if (dx == 0) return;
  // dx[r, k] = dot(dz[r, :], w[k, :]), two rows by four k at a time.
  let r = 0;
  for (; r + 2 <= rows; r += 2) {
    const d0p = dy + <usize>r * ws;
    const d1p = d0p + ws;
    const x0p = dx + <usize>r * xs;
    let kk = 0;
    for (; kk + 4 <= nin; kk += 4) {
      const w0p = w + <usize>kk * ws;
      const zero = f32x4.splat(0.0);
      let a00 = zero, a01 = zero, a02 = zero, a03 = zero, a10 = zero, a11 = zero, a12 = zero, a13 = zero;
      for (let j = 0; j < nout; j += 4) {
        const jb = <usize>j << 2;
        const d0 = v128.load(d0p + jb);
        const d1 = v128.load(d1p + jb);
        const w0 = v128.load(w0p + jb);
        const w1 = v128.load(w0p + ws + jb);
        const w2 = v128.load(w0p + 2 * ws + jb);
        const w3 = v128.load(w0p + 3 * ws + jb);
        a00 = f32x4.add(a00, f32x4.mul(d0, w0));
        a01 = f32x4.add(a01, f32x4.mul(d0, w1));
        a02 = f32x4.add(a02, f32x4.mul(d0, w2));
        a03 = f32x4.add(a03, f32x4.mul(d0, w3));
        a10 = f32x4.add(a10, f32x4.mul(d1, w0));
        a11 = f32x4.add(a11, f32x4.mul(d1, w1));
        a12 = f32x4.add(a12, f32x4.mul(d1, w2));
        a13 = f32x4.add(a13, f32x4.mul(d1, w3));
      }
      const o = x0p + (<usize>kk << 2);
      store<f32>(o, hsum(a00));
      store<f32>(o, hsum(a01), 4);
      store<f32>(o, hsum(a02), 8);
      store<f32>(o, hsum(a03), 12);
      store<f32>(o + xs, hsum(a10));
      store<f32>(o + xs, hsum(a11), 4);
      store<f32>(o + xs, hsum(a12), 8);
      store<f32>(o + xs, hsum(a13), 12);
    }
    for (; kk < nin; kk++) {
      const wp = w + <usize>kk * ws;
      let a0 = f32x4.splat(0.0), a1 = f32x4.splat(0.0);
      for (let j = 0; j < nout; j += 4) {
        const jb = <usize>j << 2;
        const wv = v128.load(wp + jb);
        a0 = f32x4.add(a0, f32x4.mul(v128.load(d0p + jb), wv));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(d1p + jb), wv));
      }
      store<f32>(x0p + (<usize>kk << 2), hsum(a0));
      store<f32>(x0p + xs + (<usize>kk << 2), hsum(a1));
    }
  }
  for (; r < rows; r++) {
    const d0p = dy + <usize>r * ws;
    const x0p = dx + <usize>r * xs;
    for (let kk = 0; kk < nin; kk++) {
      const wp = w + <usize>kk * ws;
      let a0 = f32x4.splat(0.0);
      for (let j = 0; j < nout; j += 4) {
        const jb = <usize>j << 2;
        a0 = f32x4.add(a0, f32x4.mul(v128.load(d0p + jb), v128.load(wp + jb)));
      }
      store<f32>(x0p + (<usize>kk << 2), hsum(a0));
    }
  }
}

/** Sum of squares of n floats (n a multiple of 4), accumulated in f64. */
export function sum_squares(g: usize, n: i32): f64 {
  let acc = f64x2.splat(0.0);
  for (let i = 0; i < n; i += 4) {
    const v = v128.load(g + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.swizzle(v, i8x16(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)));
    acc = f64x2.add(acc, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
  }
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/**
 * One Adam step over n floats (a multiple of 4), as torch.optim.Adam and tf.train.adam: with g = scale * grad,
 * m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, p -= step * m / (sqrt(v) * vScale + eps), where the caller
 * passes step = lr / (1 - b1^t) and vScale = 1 / sqrt(1 - b2^t).
 */
export function adam(p: usize, g: usize, m: usize, v: usize, n: i32, scale: f32, step: f32, b1: f32, b2: f32, vScale: f32, eps: f32): void {
  const sv = f32x4.splat(scale);
  const b1v = f32x4.splat(b1);
  const c1 = f32x4.splat(1.0 - b1);
  const b2v = f32x4.splat(b2);
  const c2 = f32x4.splat(1.0 - b2);
  const stepv = f32x4.splat(step);
  const vs = f32x4.splat(vScale);
  const epsv = f32x4.splat(eps);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const gv = f32x4.mul(v128.load(g + o), sv);
    const mv = f32x4.add(f32x4.mul(b1v, v128.load(m + o)), f32x4.mul(c1, gv));
    const vv = f32x4.add(f32x4.mul(b2v, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const update = f32x4.div(f32x4.mul(stepv, mv), f32x4.add(f32x4.mul(f32x4.sqrt(vv), vs), epsv));
    v128.store(p + o, f32x4.sub(v128.load(p + o), update));
  }
}
