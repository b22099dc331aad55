/**
 * Portable 1x1 convolution (+ training-mode batch norm) (+ activation) as ONE custom-gradient
 * op built from matMuls, so it runs and trains on wasm and cpu (wasm lacks
 * Conv2DBackpropFilter) and so no BN intermediate is ever materialised at full size.
 *
 * Notation: X [M, Cin] (M = N*H*W), W [Cin, Cout], Y = X W, mu / var the batch statistics of Y,
 * s = sqrt(var + eps), Z = gamma (Y - mu) / s + beta, A = act(Z).
 *
 * Two strategies, picked per layer by cost:
 * - "gram" (narrow input, e.g. the expand convs): the statistics come from Cin-sized
 *   quantities, mu = (1^T X) W / M and E[Y^2] = diag(W^T G W) / M with G = X^T X, and A is ONE
 *   fused matMul X (W diag(gamma/s)) + shift with the activation fused in. In the backward,
 *   dY = a dZ + b Y + c (per-channel a, b, c) is never formed:
 *     dX = dZ (W diag(a))^T + X (W diag(b) W^T) + 1 (W c)^T
 *     dW = (X^T dZ) diag(a) + (G W) diag(b) + (1^T X)^T c
 *     sum(dZ * Y) = colsum(W * (X^T dZ))  (for dgamma).
 * - "explicit" (wide input / narrow output, e.g. the linear 1x1s): Y is formed and the BN is
 *   done on it with elementwise kernels (the output is the narrow side).
 * Without BN (the logit conv) it is a fused matMul with bias and activation.
 *
 * Weight gradients need one operand transposed; we transpose whichever of X and dY is
 * narrower (see primitives.transpose2d), never a transposed matMul (slow on wasm).
 */
import { tf } from "../backend/tf";
import { holdForBackward as hold, holdOwn as own, releaseHeld } from "./backward-store";
import { activationGrad, affine, colMean, colSum, fusedActivation, transpose2d } from "./primitives";
import type { BatchStats, ConvOptions, LayerResult } from "./types";

/**
 * Cost model for the strategy choice (wasm, measured): the gram strategy adds about
 * 2*M*cin^2 + 2*cin^2*cout multiply-adds (X^T X, X (W diag(b) W^T), W diag(b) W^T, G W) at
 * ~GRAM_NS_PER_MAC each; the explicit strategy adds ~EXPLICIT_NS_PER_ELEMENT of elementwise
 * passes per output element (statistics, affine, dY).
 */
export const GRAM_NS_PER_MAC = 0.12;
export const EXPLICIT_NS_PER_ELEMENT = 10;

export type PointwiseStrategy = "gram" | "explicit" | "plain";

export function pointwiseStrategy(cin: number, cout: number, hasBn: boolean, m: number): PointwiseStrategy {
  if (!hasBn) return "plain";
  const gram = GRAM_NS_PER_MAC * 2 * cin * cin * (m + cout);
  const explicit = EXPLICIT_NS_PER_ELEMENT * m * cout;
  return gram < explicit ? "gram" : "explicit";
}

/**
 * dW = X^T dY for X [M, Cin], dY [M, Cout]. The second matMul operand is packed by XNNPACK as
 * "weights" on every call (strided reads, ~5 ns per element for wide matrices), so the NARROWER
 * of X and dY goes there and the wider one is transposed (blocked transpose, ~1-2 ns/element).
 */
function weightGrad(xm: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  const cin = xm.shape[1];
  const cout = dy.shape[1];
  if (cin <= cout) return tf.transpose(tf.matMul(transpose2d(dy), xm)) as tf.Tensor2D;
  return tf.matMul(transpose2d(xm), dy);
}

/** BN backward coefficients: dY = a dZ + b Y + c, plus dgamma. */
function bnBackwardCoefficients(
  sumDz: tf.Tensor1D,
  sumDzY: tf.Tensor1D,
  mean: tf.Tensor1D,
  inv: tf.Tensor1D,
  gamma: tf.Tensor1D,
  m: number,
): { a: tf.Tensor1D; b: tf.Tensor1D; c: tf.Tensor1D; dGamma: tf.Tensor1D } {
  const dGamma = tf.mul(tf.sub(sumDzY, tf.mul(mean, sumDz)), inv) as tf.Tensor1D;
  const a = tf.mul(gamma, inv) as tf.Tensor1D;
  const b = tf.div(tf.mul(tf.neg(a), tf.mul(dGamma, inv)), m) as tf.Tensor1D;
  const c = tf.sub(tf.div(tf.mul(tf.neg(a), sumDz), m), tf.mul(b, mean)) as tf.Tensor1D;
  return { a, b, c, dGamma };
}
export { bnBackwardCoefficients };

/**
 * 1x1 conv of x [N, H, W, Cin] with w [1, 1, Cin, Cout], then optional BN (batch statistics)
 * or bias, then the activation. Returns the output and, with BN, the batch statistics.
 */
export function pointwisePortable(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  opts: ConvOptions,
  strategyOverride?: PointwiseStrategy,
): LayerResult {
  const [n, h, wd, cin] = x.shape;
  const cout = w.shape[3];
  if (w.shape[0] !== 1 || w.shape[1] !== 1 || w.shape[2] !== cin) {
    throw new Error(`pointwisePortable: weights ${w.shape} do not fit input ${x.shape}`);
  }
  if ((opts.stride ?? 1) !== 1) throw new Error("pointwisePortable: 1x1 convs have stride 1 here");
  const m = n * h * wd;
  const { act, bn, bias } = opts;
  const inputGrad = opts.inputGrad ?? true;
  const strategy = strategyOverride ?? pointwiseStrategy(cin, cout, bn !== undefined, m);
  let stats: BatchStats | undefined;

  const inputs: tf.Tensor[] = [];
  if (inputGrad) inputs.push(x);
  inputs.push(w);
  if (bn) inputs.push(bn.gamma, bn.beta);
  if (bias) inputs.push(bias);

  const op = tf.customGrad((..._args: unknown[]) => {
    const xm = tf.reshape(x, [m, cin]) as tf.Tensor2D;
    const wm = tf.reshape(w, [cin, cout]) as tf.Tensor2D;
    // Held aliases (see backward-store): everything the gradient reads.
    const hw = own(wm);
    let out: tf.Tensor2D;
    let backward: (dA: tf.Tensor2D, outA: tf.Tensor2D) => tf.Tensor[];
    const toRelease: tf.Tensor[] = [hw];

    if (strategy === "plain") {
      out = tf.fused.matMul({ a: xm, b: wm, bias, activation: fusedActivation(act) }) as tf.Tensor2D;
      const hx = own(xm);
      toRelease.push(hx);
      backward = (dA, outA) => {
        const dY = activationGrad(dA, outA, act);
        const grads: tf.Tensor[] = [];
        if (inputGrad) grads.push(tf.reshape(tf.matMul(dY, tf.transpose(hw)), x.shape));
        grads.push(tf.reshape(weightGrad(hx, dY), w.shape));
        if (bias) grads.push(colSum(dY, true));
        return grads;
      };
    } else {
      const { beta, epsilon } = bn as NonNullable<typeof bn>;
      const gamma = hold((bn as NonNullable<typeof bn>).gamma);
      toRelease.push(gamma);
      if (strategy === "gram") {
        const xt = transpose2d(xm); // [Cin, M]
        const sx = colSum(xm, true); // [Cin] column sums
        const g = tf.matMul(xt, xm); // [Cin, Cin]
        const mean = tf.div(tf.reshape(tf.matMul(tf.reshape(sx, [1, cin]), wm), [cout]), m) as tf.Tensor1D;
        const e2 = tf.div(tf.sum(tf.mul(wm, tf.matMul(g, wm)), 0), m);
        const variance = tf.relu(tf.sub(e2, tf.square(mean))) as tf.Tensor1D;
        const inv = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
        const scale = tf.mul(gamma, inv);
        const shift = tf.sub(beta, tf.mul(mean, scale)) as tf.Tensor1D;
        out = tf.fused.matMul({
          a: xm,
          b: tf.mul(wm, scale) as tf.Tensor2D,
          bias: shift,
          activation: fusedActivation(act),
        }) as tf.Tensor2D;
        stats = { mean: tf.keep(tf.clone(mean)), variance: tf.keep(variance) };
        const held = [own(xm), own(sx), own(g), own(mean), own(inv)] as const;
        const [hxm, hsx, hg, hmean, hinv] = held;
        const hx = inputGrad ? hxm : undefined;
        toRelease.push(...held);
        backward = (dA, outA) => {
          const dZ = activationGrad(dA, outA, act);
          const dBeta = colSum(dZ, true);
          // X^T dZ [Cin, Cout], computed as (dZ^T X)^T so the packed operand is the narrow X.
          const p = tf.transpose(tf.matMul(transpose2d(dZ), hxm as tf.Tensor2D));
          const sumDzY = tf.sum(tf.mul(hw, p), 0) as tf.Tensor1D;
          const { a, b, c, dGamma } = bnBackwardCoefficients(dBeta, sumDzY, hmean, hinv, gamma, m);
          const grads: tf.Tensor[] = [];
          if (inputGrad && hx) {
            const waT = tf.transpose(tf.mul(hw, a)); // [Cout, Cin]
            const gb = tf.matMul(tf.mul(hw, b), tf.transpose(hw)); // W diag(b) W^T [Cin, Cin]
            // W c as a fresh rank-1 tensor: wasm's fused matMul checks the bias's *data* rank.
            const cRow = tf.sum(tf.mul(hw, c), 1) as tf.Tensor1D;
            const dx = tf.add(
              tf.fused.matMul({ a: dZ, b: waT as tf.Tensor2D, bias: cRow }),
              tf.matMul(hx, gb),
            );
            grads.push(tf.reshape(dx, x.shape));
          }
          const dW = tf.add(
            tf.add(tf.mul(p, a), tf.mul(tf.matMul(hg, hw), b)),
            tf.mul(tf.reshape(hsx, [cin, 1]), tf.reshape(c, [1, cout])),
          );
          grads.push(tf.reshape(dW, w.shape), dGamma, dBeta);
          return grads;
        };
      } else {
        const y = tf.matMul(xm, wm) as tf.Tensor2D; // [M, Cout]
        const mean = colMean(y);
        const e2 = colMean(tf.square(y) as tf.Tensor2D);
        const variance = tf.relu(tf.sub(e2, tf.square(mean))) as tf.Tensor1D;
        const inv = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
        const scale = tf.mul(gamma, inv) as tf.Tensor1D;
        const shift = tf.sub(beta, tf.mul(mean, scale)) as tf.Tensor1D;
        out = affine(y, scale, shift, act);
        stats = { mean: tf.keep(tf.clone(mean)), variance: tf.keep(variance) };
        const hx = own(xm);
        const hy = own(y);
        const hmean = own(mean);
        const hinv = own(inv);
        toRelease.push(hx, hy, hmean, hinv);
        backward = (dA, outA) => {
          const dZ = activationGrad(dA, outA, act);
          const dBeta = colSum(dZ, true);
          const sumDzY = colSum(tf.mul(dZ, hy), true);
          const { a, b, c, dGamma } = bnBackwardCoefficients(dBeta, sumDzY, hmean, hinv, gamma, m);
          const dY = tf.add(affine(dZ, a, undefined, "none"), affine(hy, b, c, "none")) as tf.Tensor2D;
          const grads: tf.Tensor[] = [];
          if (inputGrad) grads.push(tf.reshape(tf.matMul(dY, tf.transpose(hw)), x.shape));
          grads.push(tf.reshape(weightGrad(hx, dY), w.shape), dGamma, dBeta);
          return grads;
        };
      }
    }
    const value = tf.reshape(out, [n, h, wd, cout]) as tf.Tensor4D;
    const hout = own(out);
    toRelease.push(hout);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D) =>
        tf.tidy(() => {
          const grads = backward(tf.reshape(dy, [m, cout]), hout);
          releaseHeld(...toRelease);
          return grads;
        }),
    };
  });
  const y = op(...inputs) as tf.Tensor4D;
  return stats ? { y, stats } : { y };
}
