/**
 * Portable depthwise convolution with a custom gradient. The wasm backend has the forward
 * DepthwiseConv2dNative kernel (XNNPACK) but neither of its backprop kernels, and tfjs-core has
 * no gradient for dilated depthwise convs on any backend; both gradients here are built from
 * forward depthwise convs, pads, products and average pooling only:
 * - input gradient: a depthwise conv of the (zero-upsampled, for stride > 1) output gradient with
 *   the flipped filter, padded so the output has the input's size;
 * - filter gradient: per tap, a shifted product of the padded input and the output gradient,
 *   summed by pooled column means (see depthwiseBackpropFilter).
 * Dilation d is handled directly (stride-1 case): forward and input gradient pass dilations to
 * the conv kernel; the filter gradient's taps are shifted by d.
 *
 * Also the fused depthwise + training BN + activation layer op (dwBnActPortable).
 */
import { tf } from "../backend/tf";
import { holdForBackward as hold, holdOwn as own, releaseHeld } from "./backward-store";
import { convGeometry, explicitPads, type ConvGeometry } from "./padding";
import { bnBackward, bnForward, hostValues, vec } from "./bn-host";
import { activationGrad, affine, colMean } from "./primitives";
import type { BatchStats, DepthwiseOptions, LayerResult } from "./types";

type Pads4 = [[number, number], [number, number], [number, number], [number, number]];

function checkDepthwise(x: tf.Tensor4D, f: tf.Tensor4D, stride: number, dilation: number): void {
  if (f.shape[2] !== x.shape[3] || f.shape[3] !== 1) {
    throw new Error(`depthwise: filter ${f.shape} does not fit input ${x.shape} (multiplier must be 1)`);
  }
  if (stride !== 1 && dilation !== 1) throw new Error("depthwise: stride or dilation must be 1");
}

/** Forward depthwise conv with SAME padding. */
export function depthwiseForward(x: tf.Tensor4D, f: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.depthwiseConv2d(x, f, g.stride, explicitPads(g), "NHWC", g.dilation);
}

/** Pads (possibly negative = crop) along H and W of an NHWC tensor. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  let t = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = t.shape;
    const ct = Math.max(0, -top);
    const cb = Math.max(0, -bottom);
    const cl = Math.max(0, -left);
    const cr = Math.max(0, -right);
    t = tf.slice(t, [0, ct, cl, 0], [n, h - ct - cb, w - cl - cr, c]);
  }
  const pads: Pads4 = [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ];
  return pads[1][0] + pads[1][1] + pads[2][0] + pads[2][1] > 0 ? tf.pad(t, pads) : t;
}

/** d(loss)/d(x) of a depthwise conv, from dy [N, Ho, Wo, C]. */
export function depthwiseBackpropInput(dy: tf.Tensor4D, f: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const flipped = tf.reverse(f, [0, 1]);
    const kh = (g.kh - 1) * g.dilation + 1;
    const kw = (g.kw - 1) * g.dilation + 1;
    const s = g.stride;
    let u = dy;
    if (s > 1) {
      // Zero-upsample: dy[h, w] lands at [h*s, w*s] (one pad of a 6D view).
      const [n, ho, wo, c] = dy.shape;
      const up = tf.pad(tf.reshape(dy, [n, ho, 1, wo, 1, c]), [
        [0, 0],
        [0, 0],
        [0, s - 1],
        [0, 0],
        [0, s - 1],
        [0, 0],
      ]);
      u = tf.reshape(up, [n, ho * s, wo * s, c]);
    }
    const top = kh - 1 - g.top;
    const left = kw - 1 - g.left;
    const bottom = g.h + kh - 1 - u.shape[1] - top;
    const right = g.w + kw - 1 - u.shape[2] - left;
    if (top >= 0 && bottom >= 0 && left >= 0 && right >= 0) {
      const pads: Pads4 = [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ];
      return tf.depthwiseConv2d(u, flipped, 1, pads, "NHWC", g.dilation);
    }
    return tf.depthwiseConv2d(
      padOrCrop(u, top, bottom, left, right),
      flipped,
      1,
      "valid",
      "NHWC",
      g.dilation,
    );
  });
}

/** [s, s, c, 1] with 1 at tap (p, q): picks stride phase (p, q) of an image. */
function onehotPhaseFilter(s: number, p: number, q: number, c: number): tf.Tensor4D {
  const v = new Float32Array(s * s * c);
  v.fill(1, (p * s + q) * c, (p * s + q + 1) * c);
  return tf.tensor4d(v, [s, s, c, 1]);
}

/**
 * d(loss)/d(filter) of a depthwise conv: [kh, kw, C, 1], as kh*kw shifted products.
 *
 * dF[i, j, c] = sum_{n,h,w} Xpad[n, h*s + i*d, w*s + j*d, c] * dy[n, h, w, c]. Split the padded
 * input into its s x s stride phases (phase (p, q) holds Xpad[s*u + p, s*v + q]); tap (i, j)
 * reads phase ((i*d) % s, (j*d) % s) at offset (floor(i*d/s), floor(j*d/s)). In a phase's
 * flattened grid (rows r = (n*Hq + u)*Wq + v) that offset is a constant row shift, and dy laid
 * out on the same grid (zeros outside Ho x Wo) pairs with it row by row. So each tap is one pad
 * of dy (the shift), one multiply and one pooled column mean, with no transposes; the grid is
 * wide enough that shifted reads never wrap into the next row or image.
 * (One depthwise correlation with dy as a huge filter also works, but XNNPACK runs kernels that
 * large on a slow path: 1.5-2.5x slower on wasm; see docs/training-performance.md.)
 */
export function depthwiseBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const { n, h, w, c, kh, kw, stride: s, dilation: d, ho, wo } = g;
    const hq = Math.max(Math.ceil((h + g.top + g.bottom) / s), ho + Math.floor(((kh - 1) * d) / s));
    const wq = Math.max(Math.ceil((w + g.left + g.right) / s), wo + Math.floor(((kw - 1) * d) / s));
    const rows = n * hq * wq;
    const aMax = Math.floor(((kh - 1) * d) / s);
    const bMax = Math.floor(((kw - 1) * d) / s);
    const len = Math.ceil((rows + aMax * wq + bMax) / 64) * 64;
    // Xpad, padded further to whole phase grids: [N, hq*s, wq*s, C].
    const xp = tf.pad(x, [
      [0, 0],
      [g.top, hq * s - h - g.top],
      [g.left, wq * s - w - g.left],
      [0, 0],
    ]);
    const flat = (t: tf.Tensor, shift: number): tf.Tensor =>
      tf.pad(tf.reshape(t, [rows, c]), [
        [shift, len - rows - shift],
        [0, 0],
      ]);
    // Tap offset a*wq + b is split between the two operands, so 3 + 3 shifted copies serve 9
    // taps: x right-shifted by bMax - b, dy right-shifted by a*wq + bMax; their row-by-row product
    // pairs x[r + a*wq + b] with dy[r].
    const xs = new Map<string, tf.Tensor>();
    const xShifted = (p: number, q: number, b: number): tf.Tensor => {
      const key = `${p},${q},${b}`;
      let t = xs.get(key);
      if (!t) {
        // Phase (p, q) by a stride-s depthwise conv with a one-hot s x s filter: wasm's Slice and
        // StridedSlice kernels are ~100x slower on this strided access.
        const ph = s === 1 ? xp : tf.depthwiseConv2d(xp, onehotPhaseFilter(s, p, q, c), s, "valid");
        t = flat(ph, bMax - b);
        xs.set(key, t);
      }
      return t;
    };
    const dyg = tf.pad(dy, [
      [0, 0],
      [0, hq - ho],
      [0, wq - wo],
      [0, 0],
    ]);
    const dys = new Map<number, tf.Tensor>();
    const dyShifted = (a: number): tf.Tensor => {
      let t = dys.get(a);
      if (!t) {
        t = flat(dyg, a * wq + bMax);
        dys.set(a, t);
      }
      return t;
    };
    const taps: tf.Tensor1D[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const a = Math.floor((i * d) / s);
        const b = Math.floor((j * d) / s);
        const prod = tf.mul(xShifted((i * d) % s, (j * d) % s, b), dyShifted(a));
        taps.push(colMean(prod as tf.Tensor2D));
      }
    }
    return tf.reshape(tf.mul(tf.stack(taps), len), [kh, kw, c, 1]) as tf.Tensor4D;
  });
}

/** Depthwise conv (SAME padding, stride or dilation) with the portable custom gradient. */
export function depthwisePortable(x: tf.Tensor4D, f: tf.Tensor4D, stride = 1, dilation = 1): tf.Tensor4D {
  checkDepthwise(x, f, stride, dilation);
  const g = convGeometry(x.shape, f.shape[0], f.shape[1], stride, dilation);
  const op = tf.customGrad((..._args: unknown[]) => {
    const hx = hold(x);
    const hf = hold(f);
    return {
      value: depthwiseForward(x, f, g),
      gradFunc: (dy: tf.Tensor4D) =>
        tf.tidy(() => {
          const grads = [depthwiseBackpropInput(dy, hf, g), depthwiseBackpropFilter(hx, dy, g)];
          releaseHeld(hx, hf);
          return grads;
        }),
    };
  });
  return op(x, f) as tf.Tensor4D;
}

/**
 * Depthwise conv + training-mode BN + activation as one op. Forward: Y = dw(x, f), the
 * statistics by pooled channel means, A = act(Y * gamma/s + shift) as one fused 1x1 depthwise.
 * Backward: dZ from A, dY = a dZ + b Y + c (two fused 1x1 affines), then the two depthwise
 * gradients of dY.
 */
export function dwBnActPortable(x: tf.Tensor4D, f: tf.Tensor4D, opts: DepthwiseOptions): LayerResult {
  const stride = opts.stride ?? 1;
  const dilation = opts.dilation ?? 1;
  checkDepthwise(x, f, stride, dilation);
  const bn = opts.bn;
  if (!bn) {
    const y = depthwisePortable(x, f, stride, dilation);
    return { y: opts.act === "none" ? y : opts.act === "relu6" ? tf.relu6(y) : tf.relu(y) };
  }
  const { gamma, beta, epsilon } = bn;
  const act = opts.act;
  const g = convGeometry(x.shape, f.shape[0], f.shape[1], stride, dilation);
  const c = g.c;
  const m = g.n * g.ho * g.wo;
  let stats: BatchStats | undefined;
  const op = tf.customGrad((..._args: unknown[]) => {
    const y = depthwiseForward(x, f, g);
    const y2 = tf.reshape(y, [m, c]) as tf.Tensor2D;
    // Per-channel BN arithmetic on the host (bn-host.ts), with gamma's forward-time values.
    const gammaV = Float32Array.from(hostValues(gamma));
    const fwd = bnForward(
      hostValues(colMean(y2)),
      hostValues(colMean(tf.square(y2) as tf.Tensor2D)),
      gammaV,
      hostValues(beta),
      epsilon,
    );
    const value = affine(y, vec(fwd.scale), vec(fwd.shift), act);
    stats = { mean: fwd.mean, variance: fwd.variance };
    const held = [hold(x), hold(f), own(y2), hold(value)] as const;
    const [hx, hf, hy, hout] = held;
    return {
      value,
      gradFunc: (dA: tf.Tensor4D) =>
        tf.tidy(() => {
          const dZ = tf.reshape(activationGrad(dA, hout, act), [m, c]) as tf.Tensor2D;
          const meanDz = hostValues(colMean(dZ));
          const meanDzY = hostValues(colMean(tf.mul(dZ, hy) as tf.Tensor2D));
          const bb = bnBackward(meanDz, meanDzY, fwd, gammaV, m);
          const dY = tf.reshape(
            tf.add(affine(dZ, vec(bb.a), undefined, "none"), affine(hy, vec(bb.b), vec(bb.c), "none")),
            dA.shape,
          ) as tf.Tensor4D;
          const grads = [
            depthwiseBackpropInput(dY, hf, g),
            depthwiseBackpropFilter(hx, dY, g),
            vec(bb.dGamma),
            vec(bb.dBeta),
          ];
          releaseHeld(...held);
          return grads;
        }),
    };
  });
  const y = op(x, f, gamma, beta) as tf.Tensor4D;
  return { y, stats };
}
