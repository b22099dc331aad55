/**
 * A small Gaussian-process surrogate over token vectors, used by `sa` to decide which
 * neighbour to try first. Generic on purpose (it knows nothing about any space):
 *
 * - Kernel: k(a, b) = exp(-lambda * hamming(a, b)), lambda = decay / d (a product of one
 *   "same value or not" kernel per position, so positive definite). With decay 1.5 two random
 *   NAS-Bench-201 cells (about 4.8 of 6 positions differ) correlate at ~0.3.
 * - Rewards are replaced by their normal scores (rank -> inverse normal CDF, ties averaged):
 *   the model is free of the reward's scale and of outliers (a collapsed network at 10% does
 *   not flatten the differences that matter near the top).
 * - The noise variance is chosen from a small grid by marginal likelihood, so noisy rewards
 *   (real training runs) are smoothed and exact ones (tables) are interpolated.
 * Cost: one Cholesky per noise value, O(n^3) for n points; callers cap n.
 */
import type { Tokens } from "../search-space";

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number): number =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Normal scores of values: rank (ties share their mean rank) -> inverse normal CDF. */
export function normalScores(values: readonly number[]): number[] {
  const n = values.length;
  const order = values.map((_, i) => i).sort((i, j) => (values[i] as number) - (values[j] as number));
  const out = new Array<number>(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1] as number] === values[order[i] as number]) j++;
    const z = normalQuantile(((i + j) / 2 + 0.5) / n);
    for (let k = i; k <= j; k++) out[order[k] as number] = z;
    i = j + 1;
  }
  return out;
}

/** Lower Cholesky factor of a symmetric n x n matrix (row-major), or null if not positive definite. */
function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * n + k] as number) * (l[j * n + k] as number);
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / (l[j * n + j] as number);
      }
    }
  }
  return l;
}

/** Solves (L L^T) x = y. */
function cholSolve(l: Float64Array, n: number, y: readonly number[]): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = y[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * n + k] as number) * (z[k] as number);
    z[i] = s / (l[i * n + i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i] as number;
    for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (x[k] as number);
    x[i] = s / (l[i * n + i] as number);
  }
  return x;
}

export interface TokenGpOptions {
  /** lambda * d: how fast correlation falls with the number of differing positions. */
  readonly decay: number;
  /** Noise variances (on the normal-score scale) to choose from. */
  readonly noises: readonly number[];
}

export const DEFAULT_GP: TokenGpOptions = { decay: 1.5, noises: [0.001, 0.01, 0.1] };

export class TokenGp {
  private constructor(
    private readonly points: readonly Tokens[],
    private readonly alpha: Float64Array,
    /** corr[h] = exp(-lambda h). */
    private readonly corr: Float64Array,
    /** The noise variance picked. */
    readonly noise: number,
  ) {}

  /** Fits the posterior mean to (points, rewards); needs at least one point. */
  static fit(
    points: readonly Tokens[],
    rewards: readonly number[],
    options: TokenGpOptions = DEFAULT_GP,
  ): TokenGp {
    const n = points.length;
    if (n === 0 || rewards.length !== n)
      throw new RangeError("TokenGp.fit needs as many rewards as points (>= 1)");
    const d = (points[0] as Tokens).length;
    const lambda = options.decay / Math.max(1, d);
    const corr = new Float64Array(d + 1);
    for (let h = 0; h <= d; h++) corr[h] = Math.exp(-lambda * h);
    const y = normalScores(rewards);
    const k0 = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const pi = points[i] as Tokens;
      for (let j = 0; j < i; j++) {
        const v = corr[hammingOf(pi, points[j] as Tokens)] as number;
        k0[i * n + j] = v;
        k0[j * n + i] = v;
      }
      k0[i * n + i] = 1;
    }
    const tryNoise = (noise: number): { ll: number; alpha: Float64Array; noise: number } | null => {
      const k = k0.slice();
      for (let i = 0; i < n; i++) k[i * n + i] = 1 + noise;
      const l = cholesky(k, n);
      if (!l) return null;
      const alpha = cholSolve(l, n, y);
      let ll = 0;
      for (let i = 0; i < n; i++)
        ll -= 0.5 * (y[i] as number) * (alpha[i] as number) + Math.log(l[i * n + i] as number);
      return { ll, alpha, noise };
    };
    let best: { ll: number; alpha: Float64Array; noise: number } | null = null;
    for (const noise of options.noises) {
      const fit = tryNoise(noise);
      if (fit && (!best || fit.ll > best.ll)) best = fit;
    }
    // Rounding can break a nearly singular matrix; with noise 1 it always factorises (the kernel
    // matrix is positive semi-definite).
    best ??= tryNoise(1);
    if (!best) throw new Error("TokenGp: the kernel matrix did not factorise (a bug)");
    return new TokenGp(points, best.alpha, corr, best.noise);
  }

  /** Posterior mean on the normal-score scale (only the order matters to callers). */
  mean(tokens: Tokens): number {
    let s = 0;
    for (let i = 0; i < this.points.length; i++) {
      s += (this.corr[hammingOf(tokens, this.points[i] as Tokens)] as number) * (this.alpha[i] as number);
    }
    return s;
  }
}

function hammingOf(a: Tokens, b: Tokens): number {
  let h = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) h++;
  return h;
}
