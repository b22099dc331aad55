/**
 * Per-channel batch-norm arithmetic on the host (JS numbers) for the portable ops. Each BN layer
 * needs ~25 tiny [C]-sized operations per step (statistics -> scale/shift, gradient
 * coefficients); as tfjs kernels that is ~1,200 kernel calls per step, whose engine overhead
 * costs more than the arithmetic. On wasm and cpu reading a [C] tensor is a small synchronous
 * copy, so the ops read the channel statistics once and do this here.
 */
import { tf } from "../backend/tf";

/** A [C] vector as float32 values (a read of a tensor, or already host data). */
export function hostValues(t: tf.Tensor | Float32Array): Float32Array {
  return t instanceof Float32Array ? t : (t.dataSync() as Float32Array);
}

export interface BnForward {
  readonly mean: Float32Array;
  /** Biased batch variance. */
  readonly variance: Float32Array;
  /** 1 / sqrt(variance + eps). */
  readonly inv: Float32Array;
  /** gamma * inv. */
  readonly scale: Float32Array;
  /** beta - mean * scale. */
  readonly shift: Float32Array;
}

/** Training-mode BN from the batch mean and E[y^2] of each channel. */
export function bnForward(
  mean: Float32Array,
  meanSq: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
): BnForward {
  const c = mean.length;
  const variance = new Float32Array(c);
  const inv = new Float32Array(c);
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const m = mean[i] as number;
    // One-pass variance, clamped: float32 cancellation can make it slightly negative.
    const v = Math.max((meanSq[i] as number) - m * m, 0);
    const s = 1 / Math.sqrt(v + epsilon);
    variance[i] = v;
    inv[i] = s;
    scale[i] = (gamma[i] as number) * s;
    shift[i] = (beta[i] as number) - m * (gamma[i] as number) * s;
  }
  return { mean: Float32Array.from(mean), variance, inv, scale, shift };
}

export interface BnBackward {
  /** dY = a * dZ + b * Y + c (per channel). */
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly c: Float32Array;
  readonly dGamma: Float32Array;
  readonly dBeta: Float32Array;
}

/**
 * Gradient coefficients of training-mode BN from the channel means of dZ and of dZ * Y (Y the
 * BN input), for M values per channel: with t = mean(dZ * xhat) = (mean(dZ Y) - mu mean(dZ)) inv,
 * dgamma = M t, dbeta = M mean(dZ), a = gamma inv, b = -a inv t, c = -a mean(dZ) - b mu.
 */
export function bnBackward(
  meanDz: Float32Array,
  meanDzY: Float32Array,
  fwd: BnForward,
  gamma: Float32Array,
  m: number,
): BnBackward {
  const n = meanDz.length;
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  const c = new Float32Array(n);
  const dGamma = new Float32Array(n);
  const dBeta = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const inv = fwd.inv[i] as number;
    const mu = fwd.mean[i] as number;
    const mdz = meanDz[i] as number;
    const t = ((meanDzY[i] as number) - mu * mdz) * inv;
    const ai = (gamma[i] as number) * inv;
    const bi = -ai * inv * t;
    a[i] = ai;
    b[i] = bi;
    c[i] = -ai * mdz - bi * mu;
    dGamma[i] = m * t;
    dBeta[i] = m * mdz;
  }
  return { a, b, c, dGamma, dBeta };
}

/** Uploads a host vector as a [C] tensor. */
export function vec(v: Float32Array): tf.Tensor1D {
  return tf.tensor1d(v);
}
