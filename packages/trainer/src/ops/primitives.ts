/**
 * Small building blocks shared by the portable ops, each chosen for what is fast on tfjs-wasm
 * (see docs/training-performance.md for the measurements behind each choice):
 * - transpose2d: wasm's Transpose kernel writes with a stride of a whole row, which costs
 *   ~10-20 ns per element on large matrices (TLB misses); a two-step blocked transpose
 *   ([M/b, b, C] -> [M/b, C, b] -> [C, M/b, b]) keeps both steps local and is ~10x faster.
 * - colSum: wasm reduces a non-inner axis by transposing first; a matMul with a row of ones
 *   (XNNPACK GEMM) sums the rows of an [M, C] matrix at ~0.3 ns per element.
 * - activation masks built from the activation's output with unary/binary elementwise kernels.
 */
import { tf } from "../backend/tf";

export type Activation = "relu6" | "relu" | "none";

function onWasm(): boolean {
  return tf.getBackend() === "wasm";
}

// Preferred block sizes for the blocked transpose, best first (measured: 16-32 best).
const BLOCKS = [16, 32, 24, 20, 28, 12, 40, 48, 8, 36, 44, 56, 64, 10, 14, 6];

function pickBlock(m: number): number {
  for (const b of BLOCKS) if (m % b === 0 && m / b >= 2) return b;
  return 0;
}

/** x [M, C] -> [C, M]; blocked on wasm, plain elsewhere. */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  const [m, c] = x.shape;
  if (!onWasm() || m * c < 8192 || c === 1 || m === 1) return tf.transpose(x);
  const b = pickBlock(m);
  if (b === 0) return tf.transpose(x);
  return tf.tidy(() => {
    const blocks = tf.transpose(tf.reshape(x, [m / b, b, c]), [0, 2, 1]);
    return tf.reshape(tf.transpose(blocks, [1, 0, 2]), [c, m]);
  });
}

/** Largest divisor of n in [lo, hi], or 0. */
function divisorIn(n: number, lo: number, hi: number): number {
  for (let b = Math.min(hi, n); b >= lo; b--) if (n % b === 0) return b;
  return 0;
}

/**
 * Column means of x [M, C] -> [C], by average pooling in stages of at most 128 rows (wasm's
 * AvgPool is XNNPACK; one huge window is slow to set up, and a ones-matMul repacks x as GEMM
 * weights, ~5 ns per element). A row count with no divisor in 2..128 is zero-padded to a multiple
 * of 64 and rescaled.
 */
export function colMean(x: tf.Tensor2D): tf.Tensor1D {
  const [m, c] = x.shape;
  if (m === 1) return tf.reshape(x, [c]);
  return tf.tidy(() => {
    let rows = m;
    let t: tf.Tensor = x;
    let scale = 1;
    while (rows > 1) {
      let w = divisorIn(rows, 2, 128);
      if (w === 0) {
        const padded = Math.ceil(rows / 64) * 64;
        t = tf.pad(tf.reshape(t, [rows, c]), [
          [0, padded - rows],
          [0, 0],
        ]);
        scale *= padded / rows;
        rows = padded;
        w = divisorIn(rows, 2, 128);
      }
      // The AvgPool kernel directly: tf.avgPool adds a float32 Cast (a copy on wasm).
      t = tf
        .engine()
        .runKernel(
          "AvgPool",
          { x: tf.reshape(t, [1, rows / w, w, c]) },
          { filterSize: [1, w], strides: [1, w], pad: "valid" },
        ) as tf.Tensor;
      rows /= w;
    }
    const mean = tf.reshape(t, [c]) as tf.Tensor1D;
    return scale === 1 ? mean : (tf.mul(mean, scale) as tf.Tensor1D);
  });
}

/** Column sums of x [M, C] -> [C]: pooled means (portable) or tf.sum (native). */
export function colSum(x: tf.Tensor2D, portable: boolean): tf.Tensor1D {
  if (!portable) return tf.sum(x, 0);
  return tf.tidy(() => tf.mul(colMean(x), x.shape[0]) as tf.Tensor1D);
}

/** A 4D view [M/b, b, 1, C] of x [M, C] (b <= 128), the shape XNNPACK's 1x1 depthwise likes. */
function view4d(x: tf.Tensor2D): tf.Tensor4D {
  const [m, c] = x.shape;
  const b = divisorIn(m, 8, 128) || 1;
  return tf.reshape(x, [m / b, b, 1, c]);
}

/**
 * a [M, K] x b [K, N] + bias, activation, as ONE _FusedMatMul kernel call. tf.fused.matMul
 * falls back to matMul + add + activation whenever a gradient tape is recording (it has no
 * gradient for relu6), which is always the case inside our ops' forward passes, and wraps the
 * kernel in a customGrad that saves (copies) its inputs. The bias must own rank-1 data (wasm
 * checks the data's rank, not the tensor's).
 */
export function fusedMatMul2d(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  bias: tf.Tensor1D | undefined,
  act: Activation,
): tf.Tensor2D {
  const [m, k] = a.shape;
  const n = b.shape[1];
  const out = tf
    .engine()
    .runKernel(
      "_FusedMatMul",
      { a: tf.reshape(a, [1, m, k]), b: tf.reshape(b, [1, k, n]), ...(bias ? { bias } : {}) },
      { transposeA: false, transposeB: false, activation: fusedActivation(act), leakyreluAlpha: 0 },
    ) as tf.Tensor;
  return tf.reshape(out, [m, n]);
}

/** Depthwise conv + bias + activation as ONE FusedDepthwiseConv2D kernel call (see fusedMatMul2d). */
export function fusedDepthwise(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  opts: { strides: number; pad: "same" | "valid"; dilations: number; bias?: tf.Tensor1D; act: Activation },
): tf.Tensor4D {
  return tf.engine().runKernel(
    "FusedDepthwiseConv2D",
    { x, filter, ...(opts.bias ? { bias: opts.bias } : {}) },
    {
      strides: opts.strides,
      pad: opts.pad,
      dataFormat: "NHWC",
      dilations: opts.dilations,
      activation: fusedActivation(opts.act),
      leakyreluAlpha: 0,
    },
  ) as tf.Tensor4D;
}

/**
 * Per-channel affine + activation, act(x * scale + shift), as ONE fused 1x1 depthwise conv
 * (XNNPACK), instead of mul + add + activation. x is [M, C] or NHWC; scale, shift are [C]
 * tensors that own their data (e.g. fresh uploads; see fusedMatMul2d).
 */
export function affine<T extends tf.Tensor2D | tf.Tensor4D>(
  x: T,
  scale: tf.Tensor1D,
  shift: tf.Tensor1D | undefined,
  act: Activation,
): T {
  const c = x.shape[x.rank - 1] as number;
  return tf.tidy(() => {
    const x4 = x.rank === 2 ? view4d(x as tf.Tensor2D) : (x as tf.Tensor4D);
    const filter = tf.reshape(scale, [1, 1, c, 1]) as tf.Tensor4D;
    const y = fusedDepthwise(x4, filter, { strides: 1, pad: "valid", dilations: 1, bias: shift, act });
    return tf.reshape(y, x.shape) as T;
  });
}

/** Applies an activation to a tensor (forward only; used where autodiff is not needed). */
export function applyActivation<T extends tf.Tensor>(x: T, act: Activation): T {
  if (act === "relu6") return tf.relu6(x);
  if (act === "relu") return tf.relu(x);
  return x;
}

/** tfjs fused-op activation name for an Activation. */
export function fusedActivation(act: Activation): "relu6" | "relu" | "linear" {
  return act === "none" ? "linear" : act;
}

/**
 * dZ = dA * act'(Z), computed from the activation's output A: relu: A > 0; relu6: 0 < A < 6,
 * tested as A * (6 - A) > 0 (A lies in [0, 6]). At the kinks the derivative is taken as 0,
 * as tfjs's own Relu/Relu6 gradients do.
 */
export function activationGrad<T extends tf.Tensor>(dA: T, a: T, act: Activation): T {
  if (act === "none") return dA;
  return tf.tidy(() => {
    if (act === "relu") return tf.mul(dA, tf.step(a));
    return tf.mul(dA, tf.step(tf.mul(a, tf.sub(tf.scalar(6), a))));
  });
}
