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
import { holdOwn as own, releaseHeld } from "./backward-store";
import { bnBackward, bnForward, hostValues, vec } from "./bn-host";
import { activationGrad, affine, colMean, colSum, fusedMatMul2d, transpose2d } from "./primitives";
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
      out = fusedMatMul2d(xm, wm, bias ? (tf.add(bias, 0) as tf.Tensor1D) : undefined, act);
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
      const { epsilon } = bn as NonNullable<typeof bn>;
      // Per-channel BN arithmetic runs on the host (bn-host.ts); gamma's forward-time values.
      const gammaV = Float32Array.from(hostValues((bn as NonNullable<typeof bn>).gamma));
      const betaV = hostValues((bn as NonNullable<typeof bn>).beta);
      if (strategy === "gram") {
        const xt = transpose2d(xm); // [Cin, M]
        const sx = colSum(xm, true); // [Cin] column sums
        const g = tf.matMul(xt, xm); // [Cin, Cin]
        const mean = tf.div(tf.matMul(tf.reshape(sx, [1, cin]), wm), m);
        const e2 = tf.div(tf.sum(tf.mul(wm, tf.matMul(g, wm)), 0), m);
        const fwd = bnForward(hostValues(mean), hostValues(e2), gammaV, betaV, epsilon);
        out = fusedMatMul2d(xm, tf.mul(wm, vec(fwd.scale)) as tf.Tensor2D, vec(fwd.shift), act);
        stats = { mean: fwd.mean, variance: fwd.variance };
        const held = [own(xm), own(sx), own(g)] as const;
        const [hxm, hsx, hg] = held;
        toRelease.push(...held);
        backward = (dA, outA) => {
          const dZ = activationGrad(dA, outA, act);
          const meanDz = hostValues(colMean(dZ));
          // X^T dZ [Cin, Cout], computed as (dZ^T X)^T so the packed operand is the narrow X.
          const p = tf.transpose(tf.matMul(transpose2d(dZ), hxm));
          const meanDzY = hostValues(tf.div(tf.sum(tf.mul(hw, p), 0), m));
          const bb = bnBackward(meanDz, meanDzY, fwd, gammaV, m);
          const [a, b, c] = [vec(bb.a), vec(bb.b), vec(bb.c)];
          const grads: tf.Tensor[] = [];
          if (inputGrad) {
            const waT = tf.transpose(tf.mul(hw, a)); // [Cout, Cin]
            const gb = tf.matMul(tf.mul(hw, b), tf.transpose(hw)); // W diag(b) W^T [Cin, Cin]
            // W c as a fresh rank-1 tensor: wasm's fused matMul checks the bias's *data* rank.
            const cRow = tf.sum(tf.mul(hw, c), 1) as tf.Tensor1D;
            const dx = tf.add(fusedMatMul2d(dZ, waT as tf.Tensor2D, cRow, "none"), tf.matMul(hxm, gb));
            grads.push(tf.reshape(dx, x.shape));
          }
          const dW = tf.add(
            tf.add(tf.mul(p, a), tf.mul(tf.matMul(hg, hw), b)),
            tf.mul(tf.reshape(hsx, [cin, 1]), tf.reshape(c, [1, cout])),
          );
          grads.push(tf.reshape(dW, w.shape), vec(bb.dGamma), vec(bb.dBeta));
          return grads;
        };
      } else {
        const y = tf.matMul(xm, wm) as tf.Tensor2D; // [M, Cout]
        const fwd = bnForward(
          hostValues(colMean(y)),
          hostValues(colMean(tf.square(y) as tf.Tensor2D)),
          gammaV,
          betaV,
          epsilon,
        );
        out = affine(y, vec(fwd.scale), vec(fwd.shift), act);
        stats = { mean: fwd.mean, variance: fwd.variance };
        const hx = own(xm);
        const hy = own(y);
        toRelease.push(hx, hy);
        backward = (dA, outA) => {
          const dZ = activationGrad(dA, outA, act);
          const meanDz = hostValues(colMean(dZ));
          const meanDzY = hostValues(colMean(tf.mul(dZ, hy) as tf.Tensor2D));
          const bb = bnBackward(meanDz, meanDzY, fwd, gammaV, m);
          const dY = tf.add(
            affine(dZ, vec(bb.a), undefined, "none"),
            affine(hy, vec(bb.b), vec(bb.c), "none"),
          ) as tf.Tensor2D;
          const grads: tf.Tensor[] = [];
          if (inputGrad) grads.push(tf.reshape(tf.matMul(dY, tf.transpose(hw)), x.shape));
          grads.push(tf.reshape(weightGrad(hx, dY), w.shape), vec(bb.dGamma), vec(bb.dBeta));
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
